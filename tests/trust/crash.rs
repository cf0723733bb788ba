//! Crash safety (issue 6): `process` killed with SIGKILL at 20 seeded random moments of a
//! large run, over outputs that hold a previous complete run. After each kill every output
//! path holds a complete file of the previous run or of the killed one, never a partial
//! file; the outputs disagree only while a commit journal is there; and the next preparation
//! (or the next run) completes or discards what the kill left, leaving no temporary file.
//!
//! The moments are drawn from a fixed seed, and each is one of: a time into the run, a size
//! the rejects file's temporary has reached (the feed is being read), a size the table's
//! temporary has reached (the table is being written), or just after a commit journal
//! appears (the commit has begun). Run with `--nocapture` to see where the kills landed.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use openhouse::publish::PublishPlan;

use crate::support::*;

const KILLS: usize = 20;
const SEED: u64 = 0x6f70_656e_686f_7573;

/// A small deterministic random source (SplitMix64), so the moments are the same every run.
struct Moments(u64);

impl Moments {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A share from 0 to 1.
    fn share(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn moment(&mut self, run: &Reference) -> Moment {
        let share = self.share();
        match self.next() % 4 {
            0 => Moment::After(run.duration.mul_f64(1.1 * share)),
            1 => Moment::RejectsBytes((share * run.rejects.len() as f64) as u64),
            2 => Moment::TableBytes(1 + (share * run.table.len() as f64) as u64),
            _ => Moment::AfterJournal(Duration::from_micros((share * 3000.0) as u64)),
        }
    }
}

/// When a kill comes.
#[derive(Debug, Clone, Copy)]
enum Moment {
    After(Duration),
    RejectsBytes(u64),
    TableBytes(u64),
    AfterJournal(Duration),
}

/// The complete outputs of one feed, from an undisturbed run.
struct Reference {
    feed: PathBuf,
    table: Vec<u8>,
    rejects: Vec<u8>,
    records_read: u64,
    duration: Duration,
}

impl Reference {
    fn of(feed: PathBuf) -> Reference {
        let outputs = Outputs::new();
        let started = Instant::now();
        outputs.publish(&feed);
        let duration = started.elapsed();
        let report: serde_json::Value =
            serde_json::from_slice(&fs::read(&outputs.report).unwrap()).unwrap();
        let records_read = report["records_read"].as_u64().unwrap();
        assert_eq!(
            table_rows(&outputs.table).unwrap(),
            report["open_houses"].as_u64().unwrap()
        );
        assert_eq!(
            fs::read_to_string(&outputs.rejects)
                .unwrap()
                .lines()
                .count() as u64,
            report["records_rejected"].as_u64().unwrap()
        );
        Reference {
            feed,
            table: fs::read(&outputs.table).unwrap(),
            rejects: fs::read(&outputs.rejects).unwrap(),
            records_read,
            duration,
        }
    }
}

/// Which complete run's file an output path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Holds {
    Large,
    Small,
}

/// What an output folder set holds after a kill.
#[derive(Debug)]
struct Found {
    table: Holds,
    rejects: Holds,
    report: Holds,
    journal: bool,
    temporaries: bool,
}

impl Found {
    fn agreed(&self) -> Option<Holds> {
        (self.table == self.rejects && self.rejects == self.report).then_some(self.table)
    }
}

fn holds(of: impl Fn(&Reference) -> bool, refs: &[Reference; 2], what: &Path) -> Holds {
    if of(&refs[0]) {
        Holds::Large
    } else if of(&refs[1]) {
        Holds::Small
    } else {
        panic!(
            "{} holds neither complete run's file: a partial file",
            what.display()
        )
    }
}

fn look(outputs: &Outputs, refs: &[Reference; 2]) -> Found {
    let table = fs::read(&outputs.table).unwrap();
    let rejects = fs::read(&outputs.rejects).unwrap();
    let report = fs::read(&outputs.report).unwrap();
    let records_read = serde_json::from_slice::<serde_json::Value>(&report)
        .ok()
        .and_then(|report| report["records_read"].as_u64());
    let leftovers = outputs.leftovers();
    Found {
        table: holds(|r| r.table == table, refs, &outputs.table),
        rejects: holds(|r| r.rejects == rejects, refs, &outputs.rejects),
        report: holds(
            |r| Some(r.records_read) == records_read,
            refs,
            &outputs.report,
        ),
        journal: leftovers.iter().any(|name| name.ends_with(".journal")),
        temporaries: leftovers.iter().any(|name| name.ends_with(".tmp")),
    }
}

/// Waits for `moment` (or the run's end), then kills the run. Whether it had finished.
fn kill_at(mut child: Child, moment: Moment, outputs: &Outputs) -> bool {
    let started = Instant::now();
    let [table_folder, rejects_folder] = outputs.folders();
    let journal = || {
        outputs
            .leftovers()
            .iter()
            .any(|name| name.ends_with(".journal"))
    };
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        let reached = match moment {
            Moment::After(after) => started.elapsed() >= after,
            Moment::RejectsBytes(bytes) => temporary_size(rejects_folder).unwrap_or(0) >= bytes,
            Moment::TableBytes(bytes) => temporary_size(table_folder).unwrap_or(0) >= bytes,
            Moment::AfterJournal(after) => {
                let seen = journal();
                if seen {
                    std::thread::sleep(after);
                }
                seen
            }
        };
        if reached {
            break;
        }
        std::thread::sleep(Duration::from_micros(300));
    }
    let _ = child.kill();
    child.wait().unwrap().success()
}

/// What the preparation of the next run does with what a kill left: the outputs of
/// `process`, in its order.
fn prepare_next_run(outputs: &Outputs) {
    let mut plan = PublishPlan::new();
    for path in [&outputs.table, &outputs.rejects, &outputs.report] {
        plan.output("an output", path);
    }
    drop(plan.prepare().unwrap());
}

#[test]
fn sigkill_at_any_moment_leaves_a_complete_set_that_the_next_run_tidies() {
    // Built before anything is timed: the moments are shares of a run's duration.
    drop(example("process"));
    let started = Instant::now();
    let large = large_feed().to_path_buf();
    let folder = tempfile::tempdir().unwrap();
    // A third of the large feed's lines: less than one copy of its records, so every
    // output differs between the two feeds.
    let text = fs::read_to_string(&large).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let small = folder.path().join("small.ndjson");
    fs::write(&small, lines[..lines.len() * 3 / 10].join("\n") + "\n").unwrap();
    let refs = [Reference::of(large), Reference::of(small)];
    eprintln!(
        "reference runs: {:?} and {:?}, after {:?}",
        refs[0].duration,
        refs[1].duration,
        started.elapsed()
    );
    assert!(refs[0].table != refs[1].table && refs[0].rejects != refs[1].rejects);
    assert_ne!(refs[0].records_read, refs[1].records_read);

    let outputs = Outputs::new();
    outputs.publish(&refs[1].feed);
    let mut published = Holds::Small;
    let mut moments = Moments(SEED);
    let mut landed: BTreeMap<&str, usize> = BTreeMap::new();
    for kill in 0..KILLS {
        let (next, run) = match published {
            Holds::Small => (Holds::Large, &refs[0]),
            Holds::Large => (Holds::Small, &refs[1]),
        };
        let moment = moments.moment(run);
        let mut command = process([path_str(&run.feed), "--quiet", "--threads", "2"]);
        command
            .args(outputs.args())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let completed = kill_at(command.spawn().unwrap(), moment, &outputs);

        let found = look(&outputs, &refs);
        let context = format!("kill {kill} at {moment:?}: {found:?}");
        let agreed = found.agreed();
        assert!(
            agreed.is_some() || found.journal,
            "a mixed set without a journal: {context}"
        );
        if completed {
            assert_eq!(agreed, Some(next), "{context}");
            assert!(!found.journal && !found.temporaries, "{context}");
        }
        let place = match (completed, found.journal, found.temporaries, agreed) {
            (true, ..) => "the run had finished",
            (false, true, ..) => "during the commit (journal present)",
            (false, false, true, _) => "while writing (temporary files, previous outputs)",
            (false, false, false, Some(holds)) if holds == next => "after the commit",
            _ => "before the outputs were prepared",
        };
        *landed.entry(place).or_default() += 1;
        eprintln!(
            "kill {kill} at {moment:?}: {place} ({:?})",
            started.elapsed()
        );

        // The next run: every fourth time the binary itself, run to its end; otherwise the
        // preparation alone.
        if kill % 4 == 3 {
            let feed = match next {
                Holds::Large => &refs[1].feed,
                Holds::Small => &refs[0].feed,
            };
            outputs.publish(feed);
        } else {
            prepare_next_run(&outputs);
        }
        let after = look(&outputs, &refs);
        assert!(
            after.agreed().is_some() && !after.journal && !after.temporaries,
            "after the next run's preparation: {after:?}; {context}"
        );
        if found.journal && kill % 4 != 3 {
            // A journal is written once every temporary file is complete: rolled forward.
            assert_eq!(after.agreed(), Some(next), "{context}");
        }
        if !found.journal && kill % 4 != 3 {
            assert_eq!(after.agreed(), agreed, "nothing new published: {context}");
        }
        published = after.agreed().unwrap();
    }
    eprintln!("where {KILLS} kills landed: {landed:?}");
    assert!(
        landed.contains_key("while writing (temporary files, previous outputs)"),
        "some kills came in the middle of a run: {landed:?}"
    );
}
