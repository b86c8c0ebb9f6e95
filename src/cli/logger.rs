//! The command line's logger: messages of the level named by `JITFFI_LOG` (`error`, `warn`,
//! the default, `info`, `debug`, `trace` or `off`) and above go to standard error.

use log::{Level, LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let level = match record.level() {
                Level::Error => "error",
                Level::Warn => "warning",
                Level::Info => "info",
                Level::Debug => "debug",
                Level::Trace => "trace",
            };
            eprintln!("{level}: {}", record.args());
        }
    }

    fn flush(&self) {}
}

/// Installs the logger with the level from `JITFFI_LOG`.
///
/// # Errors
///
/// An unknown level name.
pub fn init() -> Result<(), String> {
    let level = match std::env::var("JITFFI_LOG") {
        Ok(v) => v.parse::<LevelFilter>().map_err(|_| {
            format!("JITFFI_LOG={v}: expected off, error, warn, info, debug or trace")
        })?,
        Err(_) => LevelFilter::Warn,
    };
    log::set_max_level(level);
    // A second installation (there is none in the binary) would keep the first logger.
    let _ = log::set_logger(&Stderr);
    Ok(())
}
