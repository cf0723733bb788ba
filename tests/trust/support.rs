//! What the trust tests share: the example binaries, feeds, and looking at output folders.

use std::fs;
use std::io::{BufWriter, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use openhouse_generate::{Generator, Layout};

pub use crate::example_binaries::example;

/// `process` with its arguments.
pub fn process<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut command = example("process");
    command.args(args);
    command
}

/// What a finished command printed and how it exited.
pub struct Finished {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

pub fn finished(output: Output) -> Finished {
    Finished {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `command` to its end.
pub fn run(command: &mut Command) -> Finished {
    finished(command.output().unwrap())
}

/// Runs `command` and asserts that it succeeded.
pub fn run_ok(command: &mut Command) -> Finished {
    let done = run(command);
    assert_eq!(done.code, Some(0), "{command:?} failed: {}", done.stderr);
    done
}

/// Runs `command` and asserts its exit code.
pub fn run_failing(command: &mut Command, code: i32) -> Finished {
    let done = run(command);
    assert_eq!(
        done.code,
        Some(code),
        "{command:?}: stdout {} stderr {}",
        done.stdout,
        done.stderr
    );
    done
}

/// Makes the child run with this umask (set between fork and exec).
pub fn with_umask(command: &mut Command, mask: libc::mode_t) -> &mut Command {
    // SAFETY: umask is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(move || {
            libc::umask(mask);
            Ok(())
        })
    }
}

/// Makes every file the child writes stop growing at `bytes` (the write fails with EFBIG,
/// "File too large"), as a full disk stops it; SIGXFSZ is ignored so the write fails
/// instead of killing the process. Works as root, unlike folder permissions.
pub fn with_file_size_limit(command: &mut Command, bytes: u64) -> &mut Command {
    // SAFETY: setrlimit and signal are async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        })
    }
}

/// Whether this test runs as root, for whom folder permissions stop nothing.
pub fn is_root() -> bool {
    // SAFETY: geteuid cannot fail and touches no memory.
    unsafe { libc::geteuid() == 0 }
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Writes a feed of `events` generated records.
pub fn write_feed(path: &Path, seed: u64, events: usize, layout: Layout, adversarial: f64) {
    let file = fs::File::create(path).unwrap();
    let mut out = BufWriter::new(file);
    Generator::new(seed)
        .events(events)
        .layout(layout)
        .invalid(0.02)
        .adversarial(adversarial)
        .write_to(&mut out)
        .unwrap();
    out.flush().unwrap();
}

/// A feed large enough that `process` (debug build) takes a second or more: generated
/// records repeated, so later copies supersede earlier ones. Made once per test binary.
pub fn large_feed() -> &'static Path {
    static FEED: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = FEED.get_or_init(|| {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("large.ndjson");
        let one = folder.path().join("one.ndjson");
        write_feed(&one, 6, 25_000, Layout::Ndjson, 0.01);
        let copy = fs::read(&one).unwrap();
        fs::write(&path, [&copy[..], &copy[..], &copy[..]].concat()).unwrap();
        fs::remove_file(&one).unwrap();
        (folder, path)
    });
    path
}

/// A small feed with valid and rejected records.
pub fn small_feed(folder: &Path) -> PathBuf {
    let path = folder.join("feed.ndjson");
    write_feed(&path, 11, 200, Layout::Ndjson, 0.05);
    path
}

/// The names in `folder`, sorted; none when it does not exist (yet).
pub fn names(folder: &Path) -> Vec<String> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(error) => panic!("{}: {error}", folder.display()),
    };
    let mut names: Vec<String> = entries
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The publishing module's temporary files and journals in `folder`.
pub fn leftovers(folder: &Path) -> Vec<String> {
    names(folder)
        .into_iter()
        .filter(|name| name.starts_with(".openhouse-"))
        .collect()
}

/// The size of the temporary file being written in `folder`, if there is one.
pub fn temporary_size(folder: &Path) -> Option<u64> {
    leftovers(folder)
        .iter()
        .filter(|name| name.ends_with(".tmp"))
        .filter_map(|name| fs::metadata(folder.join(name)).ok())
        .map(|metadata| metadata.len())
        .max()
}

/// Waits until `condition` holds, polling; panics after `limit`.
pub fn wait_until(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Sends `signal` to a running child.
pub fn signal(child: &Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill only sends a signal to our own child.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
}

/// Rows of a Parquet table, read back with the reader `insights` uses; fails on a partial
/// or corrupt file.
pub fn table_rows(path: &Path) -> Result<u64, openhouse::parquet::Error> {
    openhouse::parquet::read_insight_rows(path, |_, _| {}).map(|summary| summary.rows)
}

/// The previous complete run's outputs, which a failed run must leave as they are.
pub struct Previous {
    pub files: Vec<(PathBuf, Vec<u8>)>,
}

impl Previous {
    pub fn of(paths: &[&Path]) -> Previous {
        Previous {
            files: paths
                .iter()
                .map(|path| (path.to_path_buf(), fs::read(path).unwrap()))
                .collect(),
        }
    }

    /// Asserts every file is byte for byte as it was, and no folder holds a leftover.
    pub fn assert_untouched(&self) {
        for (path, bytes) in &self.files {
            assert!(
                fs::read(path).unwrap() == *bytes,
                "{} changed",
                path.display()
            );
            assert_eq!(leftovers(path.parent().unwrap()), Vec::<String>::new());
        }
    }
}

/// A folder with a complete previous run: `out/t.parquet`, `rejects/r.ndjson`,
/// `out/report.json` from `feed`.
pub struct Outputs {
    pub root: tempfile::TempDir,
    pub table: PathBuf,
    pub rejects: PathBuf,
    pub report: PathBuf,
}

impl Outputs {
    pub fn new() -> Outputs {
        let root = tempfile::tempdir().unwrap();
        let table = root.path().join("out/t.parquet");
        let rejects = root.path().join("rejects/r.ndjson");
        let report = root.path().join("out/report.json");
        Outputs {
            root,
            table,
            rejects,
            report,
        }
    }

    /// The output arguments of `process`.
    pub fn args(&self) -> Vec<&str> {
        vec![
            "--output",
            path_str(&self.table),
            "--rejects",
            path_str(&self.rejects),
            "--report",
            path_str(&self.report),
        ]
    }

    /// Runs `process` on `feed` to completion into these outputs.
    pub fn publish(&self, feed: &Path) -> Previous {
        let mut args = vec![path_str(feed), "--quiet", "--threads", "2"];
        args.extend(self.args());
        run_ok(&mut process(args));
        Previous::of(&[&self.table, &self.rejects, &self.report])
    }

    pub fn folders(&self) -> [&Path; 2] {
        [self.table.parent().unwrap(), self.rejects.parent().unwrap()]
    }

    pub fn leftovers(&self) -> Vec<String> {
        self.folders().into_iter().flat_map(leftovers).collect()
    }
}
