//! How a run's output files are placed (`openhouse::publish`): refused when two are one
//! file, streams kept as streams, modes as a normal file's, all or nothing, no temporary file
//! left behind, one run per folder at a time, and errors that name the file once.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use openhouse::publish::{ErrorClass, Input, Placement, PublishError, PublishPlan};

/// The names in `folder`, sorted.
fn names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// This module's temporary files and journals in `folder`.
fn leftovers(folder: &Path) -> Vec<String> {
    names(folder)
        .into_iter()
        .filter(|name| name.starts_with(".openhouse-"))
        .collect()
}

fn plan_of(outputs: &[(&'static str, &Path)]) -> PublishPlan {
    let mut plan = PublishPlan::new();
    for (role, path) in outputs {
        plan.output(role, *path);
    }
    plan
}

fn refusal(plan: &PublishPlan) -> PublishError {
    match plan.prepare() {
        Ok(_) => panic!("the plan was accepted"),
        Err(error) => error,
    }
}

fn assert_same_file(error: &PublishError) {
    assert!(
        matches!(error, PublishError::SameFile { .. }),
        "not a same-file refusal: {error:?}"
    );
    assert_eq!(error.class(), ErrorClass::Usage);
}

fn make_fifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

fn is_char_device(path: &Path) -> bool {
    fs::metadata(path).unwrap().file_type().is_char_device()
}

fn umask() -> u32 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("Umask:"))
        .unwrap();
    u32::from_str_radix(line.trim(), 8).unwrap()
}

// Defect 1: two of the run's files are one file.

#[test]
fn an_output_that_is_the_input_is_refused_and_nothing_is_written() {
    let folder = tempfile::tempdir().unwrap();
    let feed = folder.path().join("f.json");
    fs::write(&feed, b"[]").unwrap();
    let mut plan = PublishPlan::new();
    plan.input("the feed", Input::Path(feed.clone()));
    plan.output("the table", &feed);
    let error = refusal(&plan);
    assert_same_file(&error);
    assert_eq!(
        error.to_string(),
        format!(
            "the feed ({}) and the table ({}) are the same file",
            feed.display(),
            feed.display()
        )
    );
    assert_eq!(fs::read(&feed).unwrap(), b"[]");
    assert_eq!(names(folder.path()), ["f.json"]);
}

#[test]
fn an_input_read_before_publishing_may_be_replaced_by_its_own_output() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("t.parquet");
    fs::write(&table, b"old table").unwrap();
    let mut plan = PublishPlan::new();
    let output = plan.output("the table", &table);
    // Another spelling of the same file, as `--base t.parquet -o ./t.parquet` gives.
    let spelled = folder.path().join("./t.parquet");
    plan.input_replaced_by("the base table", Input::Path(spelled), output);
    let mut publication = plan.prepare().unwrap();
    assert_eq!(fs::read(&table).unwrap(), b"old table");
    publication.output(output).write_all(b"new table").unwrap();
    publication.commit().unwrap();
    assert_eq!(fs::read(&table).unwrap(), b"new table");
    assert_eq!(leftovers(folder.path()), Vec::<String>::new());
}

#[test]
fn an_input_replaced_by_one_output_may_not_be_another_output() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("t.parquet");
    fs::write(&table, b"old table").unwrap();
    let mut plan = PublishPlan::new();
    let output = plan.output("the table", folder.path().join("new.parquet"));
    plan.output("the report", &table);
    plan.input_replaced_by("the base table", Input::Path(table.clone()), output);
    assert_same_file(&refusal(&plan));
    assert_eq!(fs::read(&table).unwrap(), b"old table");
}

#[test]
fn another_input_may_not_be_the_output_that_replaces_the_base() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("t.parquet");
    fs::write(&table, b"old table").unwrap();
    let mut plan = PublishPlan::new();
    let output = plan.output("the table", &table);
    plan.input_replaced_by("the base table", Input::Path(table.clone()), output);
    plan.input("the feed", Input::Path(table.clone()));
    assert_same_file(&refusal(&plan));
}

#[test]
fn an_input_replaced_by_a_stream_output_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let fifo = folder.path().join("fifo");
    make_fifo(&fifo);
    let mut plan = PublishPlan::new();
    let output = plan.output("the table", &fifo);
    plan.input_replaced_by("the base table", Input::Path(fifo.clone()), output);
    assert_same_file(&refusal(&plan));
}

#[test]
fn two_outputs_on_one_path_are_refused() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("t.parquet");
    assert_same_file(&refusal(&plan_of(&[
        ("the table", &table),
        ("the rejects file", &table),
    ])));
    assert_eq!(names(folder.path()), Vec::<String>::new());
}

#[test]
fn another_spelling_of_an_existing_output_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    fs::create_dir(folder.path().join("sub")).unwrap();
    let table = folder.path().join("t.parquet");
    fs::write(&table, b"old").unwrap();
    let spelled = folder.path().join("./sub/../t.parquet");
    assert_same_file(&refusal(&plan_of(&[
        ("the table", &table),
        ("the rejects file", &spelled),
    ])));
    assert_eq!(fs::read(&table).unwrap(), b"old");
}

#[test]
fn another_spelling_of_an_output_not_there_yet_is_refused_and_no_folder_is_made() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("out/new/t.parquet");
    let spelled = folder.path().join("out/./new/x/../t.parquet");
    assert_same_file(&refusal(&plan_of(&[
        ("the table", &table),
        ("the report", &spelled),
    ])));
    assert_eq!(names(folder.path()), Vec::<String>::new());
}

#[test]
fn a_hard_link_to_the_input_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let feed = folder.path().join("f.json");
    let link = folder.path().join("linked.json");
    fs::write(&feed, b"[]").unwrap();
    fs::hard_link(&feed, &link).unwrap();
    let mut plan = PublishPlan::new();
    plan.input("the feed", Input::Path(feed.clone()));
    plan.output("the rejects file", &link);
    assert_same_file(&refusal(&plan));
    assert_eq!(fs::read(&feed).unwrap(), b"[]");
}

#[test]
fn a_symbolic_link_to_another_output_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("t.parquet");
    let link = folder.path().join("link.parquet");
    std::os::unix::fs::symlink("t.parquet", &link).unwrap();
    // The link is dangling: the table does not exist yet, and would be created through it.
    assert_same_file(&refusal(&plan_of(&[
        ("the table", &table),
        ("the report", &link),
    ])));
}

/// Puts a file on this process's standard input until dropped.
struct StdinFrom {
    saved: i32,
}

impl StdinFrom {
    fn file(file: &File) -> StdinFrom {
        // SAFETY: dup and dup2 on descriptors this process owns; no test in this binary
        // reads standard input, and the guard puts the original back.
        unsafe {
            let saved = libc::dup(0);
            assert!(saved >= 0);
            assert_eq!(libc::dup2(file.as_raw_fd(), 0), 0);
            StdinFrom { saved }
        }
    }
}

impl Drop for StdinFrom {
    fn drop(&mut self) {
        // SAFETY: as above.
        unsafe {
            libc::dup2(self.saved, 0);
            libc::close(self.saved);
        }
    }
}

#[test]
fn standard_input_redirected_from_an_output_is_refused() {
    // process - --output f.json < f.json
    let folder = tempfile::tempdir().unwrap();
    let feed = folder.path().join("f.json");
    fs::write(&feed, b"[]").unwrap();
    let _redirected = StdinFrom::file(&File::open(&feed).unwrap());
    let mut plan = PublishPlan::new();
    plan.input("the feed", Input::from_argument("-"));
    plan.output("the table", folder.path().join("./f.json"));
    let error = refusal(&plan);
    assert_same_file(&error);
    assert!(
        error
            .to_string()
            .starts_with("the feed (standard input) and the table"),
        "{error}"
    );
    assert_eq!(fs::read(&feed).unwrap(), b"[]");
}

#[test]
fn one_character_device_may_serve_two_outputs() {
    let null = Path::new("/dev/null");
    let mut publication = plan_of(&[("the rejects file", null), ("the report", null)])
        .prepare()
        .unwrap();
    for output in publication.outputs_mut() {
        assert_eq!(output.placement(), Placement::Stream);
        output.write_all(b"discarded").unwrap();
    }
    publication.commit().unwrap();
    assert!(is_char_device(null));
}

#[test]
fn one_fifo_may_not_serve_two_outputs() {
    let folder = tempfile::tempdir().unwrap();
    let fifo = folder.path().join("pipe");
    make_fifo(&fifo);
    // Refused before either is opened, so this does not wait for a reader.
    assert_same_file(&refusal(&plan_of(&[
        ("the rejects file", &fifo),
        ("the report", &fifo),
    ])));
}

// Defect 2: what an output path names.

#[test]
fn a_fifo_output_is_written_as_a_stream_and_stays_a_fifo() {
    let folder = tempfile::tempdir().unwrap();
    let fifo = folder.path().join("pipe");
    make_fifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = Vec::new();
            File::open(fifo).unwrap().read_to_end(&mut text).unwrap();
            text
        })
    };
    let mut publication = plan_of(&[("the rejects file", &fifo)]).prepare().unwrap();
    let output = publication.outputs_mut().first_mut().unwrap();
    assert_eq!(output.placement(), Placement::Stream);
    output.write_all(b"{\"record\":0}\n").unwrap();
    publication.commit().unwrap();
    // Checked before joining the reader, which would wait for ever on a replaced FIFO.
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(names(folder.path()), ["pipe"]);
    assert_eq!(reader.join().unwrap(), b"{\"record\":0}\n");
}

#[test]
fn a_character_device_output_is_written_and_stays_a_device() {
    // `--rejects d/null` where d/null is `mknod d/null c 1 3`: before the fix it became a
    // regular file. (mknod needs root, as the tests run.)
    let folder = tempfile::tempdir().unwrap();
    let device = folder.path().join("null");
    let made = Command::new("mknod")
        .arg(&device)
        .args(["c", "1", "3"])
        .status()
        .unwrap();
    assert!(made.success(), "mknod needs root");
    let mut publication = plan_of(&[("the rejects file", &device)]).prepare().unwrap();
    publication
        .outputs_mut()
        .first_mut()
        .unwrap()
        .write_all(b"discarded")
        .unwrap();
    publication.commit().unwrap();
    assert!(is_char_device(&device));
    assert_eq!(names(folder.path()), ["null"]);
}

#[test]
fn standard_output_as_an_output_is_a_stream() {
    let mut publication = plan_of(&[("the report", Path::new("/dev/stdout"))])
        .prepare()
        .unwrap();
    assert_eq!(publication.outputs_mut()[0].placement(), Placement::Stream);
    publication.commit().unwrap();
}

#[test]
fn a_symbolic_link_output_is_written_through_and_the_link_stays() {
    let folder = tempfile::tempdir().unwrap();
    let real = folder.path().join("real.json");
    let link = folder.path().join("link.json");
    fs::write(&real, b"old").unwrap();
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    let mut publication = plan_of(&[("the report", &link)]).prepare().unwrap();
    assert_eq!(publication.outputs_mut()[0].placement(), Placement::Replace);
    publication.outputs_mut()[0].write_all(b"new").unwrap();
    publication.commit().unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read(&real).unwrap(), b"new");
}

#[test]
fn a_dangling_symbolic_link_output_creates_its_target() {
    let folder = tempfile::tempdir().unwrap();
    let link = folder.path().join("link.json");
    std::os::unix::fs::symlink("made/real.json", &link).unwrap();
    let mut publication = plan_of(&[("the report", &link)]).prepare().unwrap();
    assert_eq!(publication.outputs_mut()[0].placement(), Placement::Create);
    publication.outputs_mut()[0].write_all(b"new").unwrap();
    publication.commit().unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read(folder.path().join("made/real.json")).unwrap(),
        b"new"
    );
}

#[test]
fn a_folder_output_is_refused_before_any_work() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("t.parquet");
    let error = refusal(&plan_of(&[
        ("the table", &table),
        ("the rejects file", folder.path()),
    ]));
    assert!(matches!(error, PublishError::Folder { .. }), "{error:?}");
    assert_eq!(error.class(), ErrorClass::Usage);
    assert_eq!(
        error.to_string(),
        format!(
            "the rejects file {} is a folder; give the path of a file",
            folder.path().display()
        )
    );
    assert_eq!(names(folder.path()), Vec::<String>::new());
}

#[test]
fn a_socket_output_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let socket = folder.path().join("socket");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let error = refusal(&plan_of(&[("the report", &socket)]));
    assert!(
        matches!(error, PublishError::Unsupported { kind: "socket", .. }),
        "{error:?}"
    );
    assert_eq!(error.class(), ErrorClass::Usage);
}

// Defect 9: modes.

#[test]
fn a_new_output_gets_0666_less_the_umask() {
    let folder = tempfile::tempdir().unwrap();
    let report = folder.path().join("report.json");
    let publication = plan_of(&[("the report", &report)]).prepare().unwrap();
    publication.commit().unwrap();
    let mode = fs::metadata(&report).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o666 & !umask());
}

#[test]
fn a_replaced_output_keeps_its_mode() {
    let folder = tempfile::tempdir().unwrap();
    let report = folder.path().join("report.json");
    fs::write(&report, b"old").unwrap();
    fs::set_permissions(&report, fs::Permissions::from_mode(0o640)).unwrap();
    let mut publication = plan_of(&[("the report", &report)]).prepare().unwrap();
    publication.outputs_mut()[0].write_all(b"new").unwrap();
    publication.commit().unwrap();
    assert_eq!(fs::read(&report).unwrap(), b"new");
    let mode = fs::metadata(&report).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o640);
}

// Defect 3: all or nothing.

/// A table and a rejects file in one folder, both with old contents.
fn old_outputs() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("t.parquet");
    let rejects = folder.path().join("rejects.ndjson");
    fs::write(&table, b"old table").unwrap();
    fs::write(&rejects, b"old rejects").unwrap();
    (folder, table, rejects)
}

#[test]
fn commit_publishes_every_output() {
    let (folder, table, rejects) = old_outputs();
    let mut plan = PublishPlan::new();
    let table_id = plan.output("the table", &table);
    let rejects_id = plan.output("the rejects file", &rejects);
    let mut publication = plan.prepare().unwrap();
    publication
        .output(table_id)
        .write_all(b"new table")
        .unwrap();
    publication
        .output(rejects_id)
        .write_all(b"new rejects")
        .unwrap();
    assert_eq!(publication.output(table_id).bytes_written(), 9);
    publication.commit().unwrap();
    assert_eq!(fs::read(&table).unwrap(), b"new table");
    assert_eq!(fs::read(&rejects).unwrap(), b"new rejects");
    assert_eq!(leftovers(folder.path()), Vec::<String>::new());
}

#[test]
fn a_dropped_publication_removes_its_temporaries_and_keeps_the_old_outputs() {
    // What a failed or cancelled (SIGINT, SIGTERM) run does: return early and drop.
    let (folder, table, rejects) = old_outputs();
    let mut publication = plan_of(&[("the table", &table), ("the rejects file", &rejects)])
        .prepare()
        .unwrap();
    for output in publication.outputs_mut() {
        output.write_all(&[b'x'; 100_000]).unwrap();
    }
    let pid = std::process::id();
    let temporaries = leftovers(folder.path());
    assert_eq!(temporaries.len(), 2, "{temporaries:?}");
    for name in &temporaries {
        assert!(name.starts_with(&format!(".openhouse-{pid}-")), "{name}");
        assert!(name.ends_with(".tmp"), "{name}");
    }
    drop(publication);
    assert_eq!(fs::read(&table).unwrap(), b"old table");
    assert_eq!(fs::read(&rejects).unwrap(), b"old rejects");
    assert_eq!(leftovers(folder.path()), Vec::<String>::new());
}

#[test]
fn a_folder_that_refuses_new_files_fails_preparation_and_touches_nothing() {
    // Root may write into any folder whatever its mode, so the folder that refuses is one
    // of procfs, where nobody can create a file.
    let (folder, table, _) = old_outputs();
    let refusing = Path::new("/proc/self/openhouse-report.json");
    let error = refusal(&plan_of(&[("the table", &table), ("the report", refusing)]));
    assert!(matches!(error, PublishError::Io { .. }), "{error:?}");
    assert_eq!(error.class(), ErrorClass::Io);
    assert_eq!(fs::read(&table).unwrap(), b"old table");
    assert_eq!(leftovers(folder.path()), Vec::<String>::new());
}

#[test]
fn a_target_that_becomes_a_folder_stops_the_commit_before_any_rename() {
    let (folder, table, rejects) = old_outputs();
    let mut publication = plan_of(&[("the table", &table), ("the rejects file", &rejects)])
        .prepare()
        .unwrap();
    for output in publication.outputs_mut() {
        output.write_all(b"new").unwrap();
    }
    fs::remove_file(&rejects).unwrap();
    fs::create_dir(&rejects).unwrap();
    let error = publication.commit().unwrap_err();
    assert!(
        matches!(error, PublishError::Changed { now: "folder", .. }),
        "{error:?}"
    );
    assert_eq!(fs::read(&table).unwrap(), b"old table");
    assert_eq!(leftovers(folder.path()), Vec::<String>::new());
}

// Defect 11: messages.

#[test]
fn a_full_device_is_reported_once_with_the_file_named_once() {
    let (folder, table, _) = old_outputs();
    let full = Path::new("/dev/full");
    let mut publication = plan_of(&[("the table", &table), ("the rejects file", full)])
        .prepare()
        .unwrap();
    publication.outputs_mut()[0].write_all(b"new").unwrap();
    let rejects = &mut publication.outputs_mut()[1];
    rejects.write_all(b"{}\n").unwrap(); // buffered
    let flushed = rejects.flush().unwrap_err();
    assert_eq!(
        flushed.raw_os_error(),
        None,
        "the kind stays, the code moves to the source"
    );
    let named = PublishError::in_chain(&flushed).expect("the io::Error carries the file");
    assert_eq!(named.to_string(), "could not write /dev/full");

    let error = publication.commit().unwrap_err();
    assert_eq!(error.to_string(), "could not write /dev/full");
    assert_eq!(error.class(), ErrorClass::Io);
    let source = std::error::Error::source(&error)
        .and_then(|source| source.downcast_ref::<io::Error>())
        .expect("the OS error is the source");
    assert_eq!(source.raw_os_error(), Some(libc::ENOSPC));
    assert_eq!(fs::read(&table).unwrap(), b"old table");
    assert_eq!(leftovers(folder.path()), Vec::<String>::new());
}

#[test]
fn a_path_with_control_characters_is_shown_escaped() {
    let folder = tempfile::tempdir().unwrap();
    let hostile = folder.path().join("\u{1b}[2Jevil");
    fs::create_dir(&hostile).unwrap();
    let message = refusal(&plan_of(&[("the report", &hostile)])).to_string();
    assert!(message.contains(r"\u{1b}[2Jevil"), "{message}");
    assert!(!message.contains('\u{1b}'), "{message:?}");
}

// Defect 4: stale temporaries and the lock.

#[test]
fn a_stale_temporary_of_a_dead_process_is_removed_and_a_live_ones_kept() {
    let (folder, table, _) = old_outputs();
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let stale = folder
        .path()
        .join(format!(".openhouse-{dead}-AbCd1234.tmp"));
    let live = folder
        .path()
        .join(format!(".openhouse-{}-AbCd1234.tmp", std::process::id()));
    let foreign = folder.path().join(".openhouse-AbCd12.tmp");
    for path in [&stale, &live, &foreign] {
        fs::write(path, b"partial").unwrap();
    }
    drop(plan_of(&[("the table", &table)]).prepare().unwrap());
    assert!(!stale.exists());
    assert!(live.exists());
    assert!(
        foreign.exists(),
        "files of another naming are not this module's"
    );
}

#[test]
fn a_second_preparation_on_a_locked_folder_fails_naming_the_folder() {
    let (folder, table, rejects) = old_outputs();
    let first = plan_of(&[("the table", &table)]).prepare().unwrap();
    let error = refusal(&plan_of(&[("the rejects file", &rejects)]));
    assert!(matches!(error, PublishError::Busy { .. }), "{error:?}");
    assert_eq!(error.class(), ErrorClass::Io);
    let canonical = fs::canonicalize(folder.path()).unwrap();
    assert!(
        error.to_string().contains(&canonical.display().to_string()),
        "{error}"
    );
    drop(first);
    drop(
        plan_of(&[("the rejects file", &rejects)])
            .prepare()
            .unwrap(),
    );
}

#[test]
fn a_waiting_preparation_gets_the_folder_once_the_first_run_is_done() {
    let (_folder, table, rejects) = old_outputs();
    let first = plan_of(&[("the table", &table)]).prepare().unwrap();
    let holder = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        first.commit().unwrap();
    });
    let mut second = plan_of(&[("the rejects file", &rejects)]);
    second.lock_wait(Duration::from_secs(30));
    let started = Instant::now();
    drop(second.prepare().unwrap());
    assert!(started.elapsed() >= Duration::from_millis(100));
    holder.join().unwrap();
}

#[test]
fn a_waiting_preparation_gives_up_after_its_wait() {
    let (_folder, table, rejects) = old_outputs();
    let _first = plan_of(&[("the table", &table)]).prepare().unwrap();
    let mut second = plan_of(&[("the rejects file", &rejects)]);
    second.lock_wait(Duration::from_millis(100));
    let started = Instant::now();
    assert!(matches!(refusal(&second), PublishError::Busy { .. }));
    assert!(started.elapsed() >= Duration::from_millis(100));
}
