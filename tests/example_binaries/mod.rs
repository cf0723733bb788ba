//! The workspace's example binaries for the tests that run them as a user does: built once
//! per test binary (debug) if `cargo test` has not built them, run from the workspace root.
//! Shared with `mod example_binaries;` (see tests/examples_cli.rs).

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The example `name`, ready to be given arguments.
pub fn example(name: &str) -> Command {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let folder = BUILT.get_or_init(|| {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--examples"])
            .status()
            .unwrap();
        assert!(status.success(), "building the examples failed");
        // Test binaries live in target/debug/deps; examples in target/debug/examples.
        let test_binary = std::env::current_exe().unwrap();
        test_binary
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("examples")
    });
    let mut command = Command::new(folder.join(name));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}
