//! Any bytes as a Parquet file given to the reader that `insights` uses: it never panics,
//! and reading in order and folding in parallel see the same rows.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use openhouse_parquet::{ParquetFile, ParquetFiles, fold_insight_rows, read_insight_rows};

/// The file each input is written to and removed from: one name per process, in memory
/// when /dev/shm exists.
fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let shm = PathBuf::from("/dev/shm");
        let folder = if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        };
        folder.join(format!("openhouse-fuzz-{}.parquet", std::process::id()))
    })
}

/// libfuzzer-sys's panic hook aborts on every panic, even one the reader catches: the
/// reader turns the parquet crate's panics on damaged files into `Error::Damaged`, which is
/// its contract. A panic that escapes the reader still aborts the run (libfuzzer-sys
/// catches it at the target's edge), so it is still a finding.
fn quiet_caught_panics() {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

fuzz_target!(|data: &[u8]| {
    openhouse_fuzz::one_worker();
    quiet_caught_panics();
    let path = scratch();
    std::fs::write(path, data).expect("the scratch file can be written");

    let mut in_order = Vec::new();
    let read = read_insight_rows(path, |date, zip| in_order.push((date, zip)));
    let files = ParquetFiles::from_files([ParquetFile::new(path.clone())]);
    let folded = fold_insight_rows(
        &files,
        Vec::new,
        |rows, date, zip| rows.push((date, zip)),
        |mut left, right| {
            left.extend(right);
            left
        },
    );
    // libFuzzer ends the process with `exit`, past any destructor, so the file goes after
    // each input; otherwise every run would leave one behind.
    std::fs::remove_file(path).expect("the scratch file can be removed");
    match (read, folded) {
        (Ok(summary), Ok((rows, folded_summary))) => {
            assert_eq!(summary, folded_summary, "both readers count alike");
            assert_eq!(rows, in_order, "both readers see the same rows in order");
            assert_eq!(in_order.len() as u64, summary.rows_with_date());
            assert!(summary.null_dates <= summary.rows);
            assert!(
                summary.null_zipcodes + summary.unrecognised_zipcodes <= summary.rows_with_date()
            );
        }
        (Err(read), Err(folded)) => {
            assert_eq!(
                read.to_string(),
                folded.to_string(),
                "both readers fail alike"
            );
        }
        (read, folded) => panic!("one reader failed: {read:?} / {folded:?}"),
    }
});
