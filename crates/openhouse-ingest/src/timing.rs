//! Wall and CPU time of a stage, so a run can show which of its stages are sequential.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// How long a stage took: on the clock, and in CPU time summed over every thread that
/// worked on it. CPU time near the wall time means one core's worth of work; near
/// `threads ×` the wall time means every thread was busy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageTime {
    /// Elapsed time.
    #[serde(with = "millis")]
    pub wall: Duration,
    /// CPU time of all threads that worked on the stage.
    #[serde(with = "millis")]
    pub cpu: Duration,
    /// CPU time spent meanwhile by threads that were not working on the stage (in a run,
    /// the reader thread reading ahead): not in `cpu`, yet it kept cores busy.
    #[serde(with = "millis", default)]
    pub alongside_cpu: Duration,
}

impl std::ops::AddAssign for StageTime {
    fn add_assign(&mut self, other: StageTime) {
        self.wall += other.wall;
        self.cpu += other.cpu;
        self.alongside_cpu += other.alongside_cpu;
    }
}

/// Measures one stretch of a stage; the process's CPU time covers all its threads.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    wall: Instant,
    cpu_nanos: u64,
}

impl Stopwatch {
    /// Starts measuring.
    pub fn start() -> Stopwatch {
        Stopwatch {
            wall: Instant::now(),
            cpu_nanos: process_cpu_nanos(),
        }
    }

    /// The time since [`Stopwatch::start`], less `other_cpu` of CPU time spent meanwhile by
    /// threads that were not working on this stage.
    pub fn stop_excluding(self, other_cpu: Duration) -> StageTime {
        let cpu = Duration::from_nanos(process_cpu_nanos().saturating_sub(self.cpu_nanos));
        let alongside_cpu = other_cpu.min(cpu);
        StageTime {
            wall: self.wall.elapsed(),
            cpu: cpu - alongside_cpu,
            alongside_cpu,
        }
    }

    /// The time since [`Stopwatch::start`].
    pub fn stop(self) -> StageTime {
        self.stop_excluding(Duration::ZERO)
    }
}

#[cfg(unix)]
fn cpu_clock_nanos(clock: libc::clockid_t) -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec for the call to fill; the clocks used here exist on
    // every supported unix.
    if unsafe { libc::clock_gettime(clock, &mut now) } != 0 {
        return 0;
    }
    (now.tv_sec as u64).saturating_mul(1_000_000_000) + now.tv_nsec as u64
}

#[cfg(unix)]
fn process_cpu_nanos() -> u64 {
    cpu_clock_nanos(libc::CLOCK_PROCESS_CPUTIME_ID)
}

#[cfg(unix)]
pub(crate) fn thread_cpu_nanos() -> u64 {
    cpu_clock_nanos(libc::CLOCK_THREAD_CPUTIME_ID)
}

// Elsewhere CPU time is not measured: it reads as zero.
#[cfg(not(unix))]
fn process_cpu_nanos() -> u64 {
    0
}

#[cfg(not(unix))]
pub(crate) fn thread_cpu_nanos() -> u64 {
    0
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(duration.as_secs_f64() * 1000.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let millis = f64::deserialize(deserializer)?;
        Ok(Duration::try_from_secs_f64(millis / 1000.0).unwrap_or_default())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Works until the process has spent `cpu` more CPU time (other tests' threads count
    /// too, which only makes it sooner).
    fn spend(cpu: Duration) {
        let start = process_cpu_nanos();
        let mut x = 0u64;
        while Duration::from_nanos(process_cpu_nanos().saturating_sub(start)) < cpu {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
    }

    #[test]
    fn cpu_excluded_from_a_stage_is_kept_as_alongside_cpu() {
        let watch = Stopwatch::start();
        spend(Duration::from_millis(30));
        let whole = watch.stop();
        assert!(whole.cpu >= Duration::from_millis(30), "{whole:?}");
        assert_eq!(whole.alongside_cpu, Duration::ZERO);

        let watch = Stopwatch::start();
        spend(Duration::from_millis(30));
        let part = watch.stop_excluding(Duration::from_millis(10));
        assert_eq!(part.alongside_cpu, Duration::from_millis(10));
        assert!(part.cpu >= Duration::from_millis(20), "{part:?}");

        // More excluded than was spent: all of it is the other threads'.
        let watch = Stopwatch::start();
        let none = watch.stop_excluding(Duration::from_secs(3600));
        assert_eq!(none.cpu, Duration::ZERO);
        assert!(none.alongside_cpu < Duration::from_secs(1), "{none:?}");
    }
}
