//! Where a run's outputs go (defects 1, 2, 3, 9 and 11 of issue 6): never over the feed or
//! each other, streams kept as streams, all of them or none, modes as a normal file's, and
//! messages that name the file once, escaped.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

fn make_fifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

// Defect 1: two of the run's files are one file.

#[test]
fn every_spelling_of_the_feed_as_the_table_is_refused_and_the_feed_is_untouched() {
    let folder = tempfile::tempdir().unwrap();
    let feed = small_feed(folder.path());
    let original = fs::read(&feed).unwrap();
    fs::hard_link(&feed, folder.path().join("hard.ndjson")).unwrap();
    std::os::unix::fs::symlink(&feed, folder.path().join("soft.ndjson")).unwrap();

    let through_parent = format!(
        "../{}/feed.ndjson",
        folder.path().file_name().unwrap().to_str().unwrap()
    );
    for (given_feed, given_table) in [
        ("feed.ndjson", "feed.ndjson"),
        ("./feed.ndjson", "feed.ndjson"),
        ("feed.ndjson", through_parent.as_str()),
        ("soft.ndjson", "feed.ndjson"),
        ("hard.ndjson", "feed.ndjson"),
        ("feed.ndjson", "hard.ndjson"),
    ] {
        let done = run_failing(
            process([given_feed, "--output", given_table, "--rejects", "r.ndjson"])
                .current_dir(folder.path()),
            2,
        );
        assert!(
            done.stderr.contains("are the same file"),
            "{given_feed} / {given_table}: {}",
            done.stderr
        );
        assert_eq!(
            fs::read(&feed).unwrap(),
            original,
            "{given_feed} / {given_table}"
        );
    }
    assert!(
        !folder.path().join("r.ndjson").exists(),
        "nothing was written"
    );
}

#[test]
fn standard_input_redirected_from_the_table_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let feed = small_feed(folder.path());
    let original = fs::read(&feed).unwrap();
    let done = run_failing(
        process(["-", "--output", path_str(&feed), "--rejects", "/dev/null"])
            .stdin(fs::File::open(&feed).unwrap()),
        2,
    );
    assert!(
        done.stderr
            .contains("the feed (standard input) and the table"),
        "{}",
        done.stderr
    );
    assert_eq!(fs::read(&feed).unwrap(), original);
}

#[test]
fn the_rejects_file_on_the_table_path_is_refused_and_nothing_is_written() {
    let folder = tempfile::tempdir().unwrap();
    let feed = small_feed(folder.path());
    let table = folder.path().join("t.parquet");
    let done = run_failing(
        &mut process([
            path_str(&feed),
            "--rejects",
            path_str(&table),
            "--output",
            path_str(&table),
        ]),
        2,
    );
    assert!(
        done.stderr.contains("the table") && done.stderr.contains("the rejects file"),
        "{}",
        done.stderr
    );
    assert!(!table.exists());
    assert!(leftovers(folder.path()).is_empty());
}

// Defect 2: devices, FIFOs and folders as outputs.

#[test]
fn a_character_device_rejects_target_is_written_and_stays_a_device() {
    let folder = tempfile::tempdir().unwrap();
    let feed = small_feed(folder.path());
    let devices = folder.path().join("d");
    fs::create_dir(&devices).unwrap();
    let null = devices.join("null");
    let made = Command::new("mknod")
        .args([path_str(&null), "c", "1", "3"])
        .status()
        .unwrap();
    assert!(made.success(), "mknod needs root, which the CI has");
    run_ok(&mut process([
        path_str(&feed),
        "--output",
        path_str(&folder.path().join("t.parquet")),
        "--rejects",
        path_str(&null),
    ]));
    assert!(fs::metadata(&null).unwrap().file_type().is_char_device());
    assert!(leftovers(&devices).is_empty());
}

#[test]
fn dev_null_as_the_rejects_file_throws_the_rejections_away() {
    let folder = tempfile::tempdir().unwrap();
    let feed = small_feed(folder.path());
    let table = folder.path().join("t.parquet");
    let done = run_ok(&mut process([
        path_str(&feed),
        "--output",
        path_str(&table),
        "--rejects",
        "/dev/null",
    ]));
    assert!(done.stderr.contains("wrote /dev/null ("), "{}", done.stderr);
    assert!(table_rows(&table).unwrap() > 0);
    assert!(
        fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[test]
fn a_fifo_rejects_file_is_streamed_to_its_reader_and_stays_a_fifo() {
    let folder = tempfile::tempdir().unwrap();
    let feed = small_feed(folder.path());
    let fifo = folder.path().join("rejects.fifo");
    make_fifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        })
    };
    let report = folder.path().join("report.json");
    run_ok(&mut process([
        path_str(&feed),
        "--output",
        path_str(&folder.path().join("t.parquet")),
        "--rejects",
        path_str(&fifo),
        "--report",
        path_str(&report),
    ]));
    let streamed = reader.join().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&fs::read(&report).unwrap()).unwrap();
    let rejected = report["records_rejected"].as_u64().unwrap();
    assert!(rejected > 0);
    assert_eq!(streamed.lines().count() as u64, rejected);
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn a_folder_as_the_table_is_refused_before_the_feed_is_opened() {
    let folder = tempfile::tempdir().unwrap();
    // Opening a FIFO with no writer blocks: a run that touched the feed would hang.
    let feed = folder.path().join("feed.fifo");
    make_fifo(&feed);
    let table = folder.path().join("tables");
    fs::create_dir(&table).unwrap();
    let rejects = folder.path().join("r.ndjson");
    let mut child = process([
        path_str(&feed),
        "--output",
        path_str(&table),
        "--rejects",
        path_str(&rejects),
    ])
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("the run waited for the feed instead of refusing the folder");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut message = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut message)
        .unwrap();
    assert_eq!(status.code(), Some(2), "{message}");
    assert!(message.contains("is a folder"), "{message}");
    assert!(!rejects.exists());
    assert!(names(&table).is_empty());
}

// Defect 3: all outputs or none.

#[test]
fn a_read_only_rejects_folder_fails_with_exit_3_and_keeps_the_previous_outputs() {
    let outputs = Outputs::new();
    let feed = small_feed(outputs.root.path());
    let previous = outputs.publish(&feed);
    let other_feed = outputs.root.path().join("other.ndjson");
    write_feed(
        &other_feed,
        12,
        300,
        openhouse_generate::Layout::Ndjson,
        0.05,
    );

    let rejects_folder = outputs.rejects.parent().unwrap();
    fs::set_permissions(rejects_folder, fs::Permissions::from_mode(0o555)).unwrap();
    let mut command = process([path_str(&other_feed), "--quiet"]);
    command.args(outputs.args());
    if is_root() {
        // Folder permissions do not stop root: the run goes as `nobody`, who may write the
        // table's folder but not the rejects folder.
        for path in [outputs.root.path(), outputs.table.parent().unwrap()] {
            fs::set_permissions(path, fs::Permissions::from_mode(0o777)).unwrap();
        }
        command.uid(65534).gid(65534);
    }
    let done = run_failing(&mut command, 3);
    fs::set_permissions(rejects_folder, fs::Permissions::from_mode(0o755)).unwrap();
    assert!(
        done.stderr.contains(path_str(rejects_folder)),
        "the message names the folder or file: {}",
        done.stderr
    );
    previous.assert_untouched();
}

#[test]
fn a_write_that_fails_after_another_output_was_written_keeps_the_previous_outputs() {
    let outputs = Outputs::new();
    let feed = small_feed(outputs.root.path());
    let previous = outputs.publish(&feed);

    // A larger feed, whose table is larger than its rejects file: with files capped in
    // between, the rejects file is written whole and the table's write fails, as on a disk
    // that fills up.
    let larger = outputs.root.path().join("larger.ndjson");
    write_feed(&larger, 13, 3000, openhouse_generate::Layout::Ndjson, 0.05);
    let sizes = Outputs::new();
    sizes.publish(&larger);
    let size = |path: &Path| fs::metadata(path).unwrap().len();
    let limit = size(&sizes.rejects).max(size(&sizes.report)) + 1;
    assert!(
        size(&sizes.table) > limit,
        "the table is the largest output"
    );

    let mut command = process([path_str(&larger), "--quiet"]);
    command.args(outputs.args());
    let done = run_failing(with_file_size_limit(&mut command, limit), 3);
    assert!(
        done.stderr.contains(path_str(&outputs.table)) && done.stderr.contains("too large"),
        "{}",
        done.stderr
    );
    previous.assert_untouched();
}

// Defect 9: modes.

#[test]
fn new_outputs_get_0666_less_the_umask() {
    for (mask, expected) in [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)] {
        let outputs = Outputs::new();
        let feed = small_feed(outputs.root.path());
        let mut command = process([path_str(&feed), "--quiet"]);
        command.args(outputs.args());
        run_ok(with_umask(&mut command, mask));
        for path in [&outputs.table, &outputs.rejects, &outputs.report] {
            assert_eq!(mode(path), expected, "umask {mask:o}: {}", path.display());
        }
    }
}

#[test]
fn a_replaced_output_keeps_its_mode() {
    let outputs = Outputs::new();
    let feed = small_feed(outputs.root.path());
    outputs.publish(&feed);
    fs::set_permissions(&outputs.table, fs::Permissions::from_mode(0o604)).unwrap();
    fs::set_permissions(&outputs.rejects, fs::Permissions::from_mode(0o660)).unwrap();
    let mut command = process([path_str(&feed), "--quiet"]);
    command.args(outputs.args());
    run_ok(with_umask(&mut command, 0o077));
    assert_eq!(mode(&outputs.table), 0o604);
    assert_eq!(mode(&outputs.rejects), 0o660);
    assert_eq!(mode(&outputs.report), 0o644, "kept from its first run");
}

// Defect 11: messages.

#[test]
fn a_full_disk_names_the_file_once() {
    let outputs = Outputs::new();
    let feed = small_feed(outputs.root.path());
    let previous = outputs.publish(&feed);
    let done = run_failing(
        &mut process([
            path_str(&feed),
            "--output",
            path_str(&outputs.table),
            "--rejects",
            "/dev/full",
            "--report",
            path_str(&outputs.report),
        ]),
        3,
    );
    assert_eq!(
        done.stderr.matches("/dev/full").count(),
        1,
        "{}",
        done.stderr
    );
    assert_eq!(
        done.stderr.matches("No space left on device").count(),
        1,
        "{}",
        done.stderr
    );
    assert!(!done.stderr.contains("External"), "{}", done.stderr);
    previous.assert_untouched();
}

#[test]
fn a_path_with_a_control_character_is_printed_escaped() {
    let folder = tempfile::tempdir().unwrap();
    let feed = small_feed(folder.path());
    let table = folder.path().join("t\u{1b}[31mred.parquet");
    let written = run_ok(&mut process([
        path_str(&feed),
        "--output",
        path_str(&table),
        "--rejects",
        "/dev/null",
    ]));
    assert!(
        written.stderr.contains(r"t\u{1b}[31mred.parquet"),
        "{}",
        written.stderr
    );
    assert!(!written.stderr.contains('\u{1b}'));

    let refused = run_failing(
        &mut process([
            path_str(&feed),
            "--output",
            path_str(&table),
            "--rejects",
            path_str(&table),
        ]),
        2,
    );
    assert!(refused.stderr.contains(r"\u{1b}[31m"), "{}", refused.stderr);
    assert!(!refused.stderr.contains('\u{1b}'));
}
