//! `jitffi bench`: benchmarks, measured in thread CPU time like ../shared/bench/peers.

use clap::Args;

/// Arguments of `jitffi bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs the benchmarks.
pub fn run(_a: &BenchArgs) -> Result<(), String> {
    Err("not yet".into())
}
