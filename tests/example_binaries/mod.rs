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
        // Without the variables cargo sets for a test's run: ring's build script tracks
        // `CARGO_MANIFEST_DIR` and `CARGO_PKG_*`, so with them every crate above ring was
        // compiled again, here and in the next build from a shell (230 s of this test
        // binary's run in CI, and as long again in the fuzz smoke after the tests).
        let mut build = Command::new(env!("CARGO"));
        build.args(["build", "--quiet", "--examples"]);
        for (name, _) in std::env::vars_os() {
            if name.to_str().is_some_and(is_set_for_a_test_run) {
                build.env_remove(name);
            }
        }
        let status = build.status().unwrap();
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

/// Whether cargo sets the environment variable `name` for the package a test belongs to
/// (<https://doc.rust-lang.org/cargo/reference/environment-variables.html>), rather than
/// it coming from the caller's environment.
fn is_set_for_a_test_run(name: &str) -> bool {
    const PREFIXES: [&str; 6] = [
        "CARGO_PKG_",
        "CARGO_MANIFEST_",
        "CARGO_CRATE_",
        "CARGO_BIN_",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
    ];
    name == "OUT_DIR" || PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}
