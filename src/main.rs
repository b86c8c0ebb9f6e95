//! The `jitffi` command line: `layout` (dump declarations with compiler-exact layouts),
//! `probe` (check declarations against the C compiler) and `bench`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jitffi: {e}");
            ExitCode::FAILURE
        }
    }
}
