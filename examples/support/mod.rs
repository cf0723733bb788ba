//! What the example binaries share: printing their output and turning errors into exit codes.

use std::io::{self, Write};
use std::process::ExitCode;

/// Prints `result`'s text, or its error chain on standard error with exit code 1. A reader
/// that stops early (`| head`) is not an error.
pub fn finish(result: anyhow::Result<String>) -> ExitCode {
    let printed = result.and_then(|text| Ok(io::stdout().lock().write_all(text.as_bytes())?));
    match printed {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
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
