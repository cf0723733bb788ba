//! What the example binaries share: printing their output, turning errors into documented
//! exit codes, signals, and the workspace's default paths.
#![allow(dead_code, reason = "each example uses a part")]

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use openhouse::publish::{ErrorClass, PublishError};
use openhouse::{CancelFlag, ErrorKind};

/// Bad input: not JSON, malformed, empty, too many rejected records.
pub const BAD_INPUT: u8 = 1;
/// A usage error (clap uses 2 for its own).
pub const USAGE: u8 = 2;
/// Reading or writing failed.
pub const IO: u8 = 3;
/// Stopped by SIGINT or SIGTERM.
pub const INTERRUPTED: u8 = 130;

/// Why an example failed, and its exit code.
pub struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl Failure {
    /// A failure of the pipeline, with the exit code its kind calls for.
    pub fn from_pipeline(error: openhouse::Error) -> Failure {
        let code = match error.kind() {
            ErrorKind::BadInput => BAD_INPUT,
            ErrorKind::Usage => USAGE,
            ErrorKind::Io => IO,
            ErrorKind::Cancelled => INTERRUPTED,
            _ => BAD_INPUT,
        };
        Failure {
            code,
            error: error.into(),
        }
    }

    /// A refused setting.
    pub fn usage(error: openhouse::Error) -> Failure {
        Failure {
            code: USAGE,
            error: error.into(),
        }
    }

    /// Arguments that do not go together.
    pub fn usage_message(message: &str) -> Failure {
        Failure {
            code: USAGE,
            error: anyhow::anyhow!("{message}"),
        }
    }

    /// A failed read or write.
    pub fn io(error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            code: IO,
            error: error.into(),
        }
    }
}

/// Any other error: an exit code from what its chain says.
impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Failure {
        let code = error
            .chain()
            .find_map(|cause| {
                if let Some(error) = cause.downcast_ref::<openhouse::Error>() {
                    return Some(Failure::from_pipeline_kind(error.kind()));
                }
                if let Some(error) = cause.downcast_ref::<PublishError>() {
                    return Some(match error.class() {
                        ErrorClass::Usage => USAGE,
                        _ => IO,
                    });
                }
                if let Some(error) = cause.downcast_ref::<openhouse::parquet::Error>() {
                    return Some(match error {
                        openhouse::parquet::Error::Io { .. } => IO,
                        _ => BAD_INPUT,
                    });
                }
                cause.downcast_ref::<io::Error>().map(|_| IO)
            })
            .unwrap_or(BAD_INPUT);
        Failure { code, error }
    }
}

impl Failure {
    fn from_pipeline_kind(kind: ErrorKind) -> u8 {
        match kind {
            ErrorKind::Usage => USAGE,
            ErrorKind::Io => IO,
            ErrorKind::Cancelled => INTERRUPTED,
            _ => BAD_INPUT,
        }
    }
}

/// Prints `result`'s text on standard output, or its error on standard error with its exit
/// code. A reader that stops early (`| head`) is not an error.
pub fn finish(result: Result<String, Failure>, quiet: bool) -> ExitCode {
    let _ = quiet;
    let printed = result.and_then(|text| {
        io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(Failure::io)
    });
    match printed {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) if is_broken_pipe(&failure.error) => ExitCode::SUCCESS,
        Err(failure) => {
            if failure.code == INTERRUPTED {
                eprintln!("interrupted: nothing was published");
            } else {
                eprintln!("error: {:#}", failure.error);
            }
            ExitCode::from(failure.code)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Raises `cancel` on the first SIGINT or SIGTERM, so the run stops and removes its
/// temporary files; a second signal exits at once.
pub fn cancel_on_signals(cancel: &CancelFlag) {
    let cancel = cancel.clone();
    // Without a handler (another one is set) the default action still stops the process,
    // and the next run removes what it left.
    let _ = ctrlc::set_handler(move || {
        if cancel.is_cancelled() {
            std::process::exit(i32::from(INTERRUPTED));
        }
        cancel.cancel();
    });
}

/// A path inside this workspace, for the examples' defaults: they do not depend on the
/// folder the example runs from. Fails, naming the path, when it does not exist (an example
/// binary moved away from its workspace).
pub fn workspace_path(relative: &str) -> Result<PathBuf, Failure> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join(relative);
    let exists = path.exists() || path.parent().is_some_and(|parent| parent == root);
    if exists || relative == "out" {
        return Ok(path);
    }
    Err(Failure {
        code: USAGE,
        error: anyhow::anyhow!(
            "no feed given, and the default {} does not exist; give a feed",
            openhouse::publish::EscapedPath::new(&path)
        ),
    })
}
