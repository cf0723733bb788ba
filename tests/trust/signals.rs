//! Temporary files and concurrent runs (defect 4 of issue 6): SIGINT and SIGTERM remove a
//! run's temporary files, the next run removes those a killed run left, and a second run on
//! the same output folder fails clearly instead of mixing its outputs with the first's.

use std::fs;
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::support::*;

/// Starts `process` on the large feed into `outputs`, and waits until it has prepared its
/// outputs (its temporary files exist) and `ready` holds.
fn start_large_run(outputs: &Outputs, ready: impl Fn(&Outputs) -> bool) -> Child {
    let mut command = process([path_str(large_feed()), "--quiet", "--threads", "2"]);
    command.args(outputs.args()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    wait_until(Duration::from_secs(60), "the run to get going", || {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended before it could be signalled: {status}");
        }
        ready(outputs)
    });
    child
}

fn assert_interrupted(child: Child, outputs: &Outputs, previous: &Previous) {
    let done = finished(child.wait_with_output().unwrap());
    assert_eq!(done.code, Some(130), "{}", done.stderr);
    assert!(
        done.stderr.contains("interrupted: nothing was published"),
        "{}",
        done.stderr
    );
    previous.assert_untouched();
    assert_eq!(outputs.leftovers(), Vec::<String>::new());
}

/// Signals a large run once it is in the middle of the feed (rejections are being written,
/// and more windows are to come), and checks what it leaves.
fn interrupt_while_the_feed_is_read(signal_number: libc::c_int) {
    let outputs = Outputs::new();
    let previous = outputs.publish(&small_feed(outputs.root.path()));
    let child = start_large_run(&outputs, |outputs| {
        temporary_size(outputs.rejects.parent().unwrap()).is_some_and(|size| size > 0)
    });
    signal(&child, signal_number);
    assert_interrupted(child, &outputs, &previous);
}

#[test]
fn sigint_during_a_run_removes_the_temporaries_and_exits_130() {
    interrupt_while_the_feed_is_read(libc::SIGINT);
}

#[test]
fn sigterm_during_a_run_removes_the_temporaries_and_exits_130() {
    interrupt_while_the_feed_is_read(libc::SIGTERM);
}

#[test]
fn a_stale_temporary_of_a_dead_process_is_removed_by_the_next_run() {
    let outputs = Outputs::new();
    let feed = small_feed(outputs.root.path());
    outputs.publish(&feed);
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let folder = outputs.table.parent().unwrap();
    let stale = folder.join(format!(".openhouse-{dead}-aB3dE6fG.tmp"));
    fs::write(&stale, vec![0u8; 4096]).unwrap();
    // Another program's hidden file is not this tool's to remove.
    let foreign = folder.join(".openhouse-notes.tmp");
    fs::write(&foreign, b"keep").unwrap();

    outputs.publish(&feed);
    assert!(!stale.exists(), "the dead run's temporary file was removed");
    assert!(foreign.exists());
}

#[test]
fn a_second_run_on_the_same_output_folder_fails_clearly_while_the_first_runs() {
    let outputs = Outputs::new();
    let feed = small_feed(outputs.root.path());
    let first = start_large_run(&outputs, |outputs| !outputs.leftovers().is_empty());

    let other_table = outputs.table.with_file_name("other.parquet");
    let done = run_failing(
        &mut process([
            path_str(&feed),
            "--output",
            path_str(&other_table),
            "--rejects",
            "/dev/null",
        ]),
        3,
    );
    assert!(
        done.stderr
            .contains("another run is writing outputs in the folder")
            && done
                .stderr
                .contains(path_str(outputs.table.parent().unwrap())),
        "{}",
        done.stderr
    );
    assert!(!other_table.exists());

    let first = finished(first.wait_with_output().unwrap());
    assert_eq!(
        first.code,
        Some(0),
        "the first run is not disturbed: {}",
        first.stderr
    );
    assert!(table_rows(&outputs.table).unwrap() > 0);
    assert_eq!(outputs.leftovers(), Vec::<String>::new());
}
