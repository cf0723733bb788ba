//! The Python environments the interoperability tests run their readers and writers in:
//! `scripts/python-env` makes `.venv`, `scripts/python-env-delta` makes `.venv-delta`, and
//! each prints its python last. Shared by the facade's tests and, through `#[path]`, by the
//! Delta crate's.
#![allow(dead_code, reason = "each test file uses a part")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

/// The workspace's folder, whichever crate's test this is.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|folder| folder.join("scripts/python-env").exists())
        .expect("the workspace holds scripts/python-env")
}

/// The python of the environment that `scripts/<setup>` makes. The script runs once per test
/// binary; tests asking meanwhile wait for it rather than set the environment up twice.
pub fn python(setup: &str) -> PathBuf {
    static SET_UP: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());
    let mut set_up = SET_UP.lock().unwrap_or_else(PoisonError::into_inner);
    set_up
        .entry(setup.to_owned())
        .or_insert_with(|| {
            let output = Command::new(root().join("scripts").join(setup))
                .output()
                .unwrap_or_else(|error| panic!("running scripts/{setup}: {error}"));
            assert!(
                output.status.success(),
                "scripts/{setup} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let stdout = String::from_utf8(output.stdout).unwrap();
            PathBuf::from(
                stdout
                    .lines()
                    .last()
                    .unwrap_or_else(|| panic!("scripts/{setup} prints the python path"))
                    .trim(),
            )
        })
        .clone()
}

/// Runs `command` and reads what it prints as JSON; a failure fails the test with its
/// standard error.
pub fn output_json(command: &mut Command) -> Value {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}
