//! Issue 6, "trust", through the real example binaries: each numbered defect has a test here
//! that failed before its fix, and the command line's contract is checked as a user meets
//! it. The library-level behaviour of output placement is in tests/publish.rs.
//!
//! Some tests need root, as the CI runs: `mknod` for a device node; for a read-only folder,
//! which root could still write, the run drops to the `nobody` user.

#[path = "../example_binaries/mod.rs"]
mod example_binaries;

mod contract;
mod crash;
mod inputs;
mod outputs;
mod signals;
mod support;
