//! Runs the pipeline on a feed: the Parquet table, the rejects file, the report, and the
//! insights; or merges a batch into an existing table (a Parquet file with `--base`, a Delta
//! Lake table with `--layout delta`). See `process --help` for the exit codes.

use std::fmt::Write;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

mod support;

use clap::{Parser, ValueEnum};
use openhouse::publish::EscapedPath;
use openhouse::{
    CancelFlag, FeedSource, MergePaths, MergeTarget, Pipeline, Progress, RunPaths, RunReport,
};
use support::{Failure, workspace_path};

const EXAMPLES: &str = "\
Examples:
  process                                      the committed fixture into out/
  process feed.ndjson.gz -o table.parquet      a gzip feed (zstd works too)
  cat feed.json | process - --summary json     standard input in, the report as JSON out
  process feed.json --rejects /dev/null        rejected records thrown away
  process feed.json --max-rejected 0.05        refuse to publish when over 5% are rejected
  process b.json --base t.parquet -o t.parquet
                                               merge a batch into a Parquet table, in place
  process b.json --layout delta -o table       merge a batch into a Delta Lake table (made if new)

Exit codes:
  0    the table, rejects file and report were written
  1    bad input: not JSON, a malformed JSON array, an empty feed, too many rejected records
  2    usage: a bad option, two paths that are the same file, an output that is a folder
  3    I/O: a file cannot be read or written, the disk is full, another run holds the folder
  130  interrupted (Ctrl-C, SIGTERM): nothing was published";

/// Validate, deduplicate and write an open-house feed to Parquet, with a rejects file and
/// the insights.
///
/// Nothing is published unless the whole run succeeds: the table, the rejects file and the
/// report are written beside their targets and put in place together at the end.
#[derive(Parser)]
#[command(version, after_help = EXAMPLES)]
struct Args {
    /// The feed: a JSON array or NDJSON, plain, gzip or zstd; `-` reads standard input.
    /// [default: the committed fixture, fixtures/openhouses.json of this workspace]
    #[arg(value_name = "FEED", conflicts_with = "input")]
    feed: Option<PathBuf>,
    /// The feed, as an option (the same as the positional FEED).
    #[arg(long, value_name = "FEED")]
    input: Option<PathBuf>,
    /// The Parquet table to write, or with `--layout delta` the Delta Lake table's folder.
    /// [default: out/openhouses.parquet, or out/openhouses-delta, of this workspace]
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Merge the feed, as a new batch of events, into this Parquet table and write the result
    /// to --output (which may be this file: it is replaced atomically).
    #[arg(long, value_name = "TABLE")]
    base: Option<PathBuf>,
    /// The table's layout: one Parquet file, or a Delta Lake table partitioned by month into
    /// which each feed is merged as a batch (a batch applied before is recognised and skipped).
    #[arg(long, value_enum, default_value_t = Layout::Parquet)]
    layout: Layout,
    /// Where rejected records go, as NDJSON with their problems. [default:
    /// out/rejects.ndjson beside the table's default]
    #[arg(long, value_name = "PATH")]
    rejects: Option<PathBuf>,
    /// Also write the run report as JSON here.
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    /// Worker threads; 0 means one per core (at most 4 per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Zip-code ranks to show (ties at the cut are all shown).
    #[arg(long, default_value_t = openhouse::DEFAULT_TOP_ZIPCODES)]
    top: u64,
    /// Refuse to publish when more than this share (0 to 1) of the records is rejected.
    /// Without it, a run refuses only when every record is rejected.
    #[arg(long, value_name = "FRACTION", value_parser = share)]
    max_rejected: Option<f64>,
    /// Publish an empty table for a feed with no records (refused by default).
    #[arg(long)]
    allow_empty: bool,
    /// The longest one record may be, in MiB; a longer one fails the run.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    max_record_mib: usize,
    /// What to print on standard output: the summary and insights as text, the run report
    /// as JSON, or nothing.
    #[arg(long, value_enum, default_value_t = Summary::Text)]
    summary: Summary,
    /// Print nothing but errors: no progress, no summary, no status lines.
    #[arg(short, long)]
    quiet: bool,
    /// Also print each stage's wall and CPU time (with `--summary text`).
    #[arg(long)]
    stages: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Layout {
    Parquet,
    Delta,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Summary {
    Text,
    Json,
    None,
}

fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        Ok(_) => Err("must be a share from 0 to 1".to_owned()),
        Err(error) => Err(format!("not a number: {error}")),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let cancel = CancelFlag::new();
    support::cancel_on_signals(&cancel);
    support::finish(run(&args, &cancel), args.quiet)
}

fn run(args: &Args, cancel: &CancelFlag) -> Result<String, Failure> {
    let input = match args.feed.as_ref().or(args.input.as_ref()) {
        Some(feed) => FeedSource::from_arg(feed),
        None => FeedSource::File(workspace_path("fixtures/openhouses.json")?),
    };
    let output = match (&args.output, args.layout) {
        (Some(path), _) => path.clone(),
        (None, Layout::Parquet) => workspace_path("out")?.join("openhouses.parquet"),
        (None, Layout::Delta) => workspace_path("out")?.join("openhouses-delta"),
    };
    let rejects = match &args.rejects {
        Some(path) => path.clone(),
        None => workspace_path("out")?.join("rejects.ndjson"),
    };
    let mut builder = Pipeline::builder()
        .threads(args.threads)
        .map_err(Failure::usage)?
        .top_zipcodes(args.top)
        .allow_empty(args.allow_empty)
        .max_record_bytes(args.max_record_mib.saturating_mul(1 << 20));
    if let Some(share) = args.max_rejected {
        builder = builder.max_rejected_share(share).map_err(Failure::usage)?;
    }
    let pipeline = builder.build();
    let target = match (&args.base, args.layout) {
        (None, Layout::Parquet) => None,
        (Some(base), Layout::Parquet) => Some(MergeTarget::ParquetFile {
            base: base.clone(),
            output: output.clone(),
        }),
        (None, Layout::Delta) => Some(MergeTarget::Delta {
            table: output.clone(),
        }),
        (Some(_), Layout::Delta) => {
            return Err(Failure::usage_message(
                "--base is for a Parquet table; a Delta table is merged into at --output",
            ));
        }
    };

    let bar = progress_bar(args, &input);
    let mut show = |progress: &Progress| {
        if let Some(bar) = &bar {
            bar.set_position(progress.input_bytes);
        }
    };
    let report = match target {
        None => {
            let paths = RunPaths {
                input: input.clone(),
                output: output.clone(),
                rejects: Some(rejects.clone()),
                report: args.report.clone(),
            };
            pipeline.run_with(&paths, cancel, &mut show)
        }
        Some(target) => {
            let paths = MergePaths {
                input: input.clone(),
                target,
                rejects: Some(rejects.clone()),
                report: args.report.clone(),
            };
            pipeline.merge_run_with(&paths, cancel, &mut show)
        }
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = report.map_err(Failure::from_pipeline)?;

    if !args.quiet {
        status(&report, &output, &rejects, args.report.as_ref());
    }
    match (args.summary, args.quiet) {
        (Summary::None, _) | (Summary::Text, true) => Ok(String::new()),
        (Summary::Json, _) => {
            Ok(serde_json::to_string_pretty(&report).map_err(Failure::io)? + "\n")
        }
        (Summary::Text, false) => {
            let mut text = report.summary();
            if args.stages {
                let _ = writeln!(text, "\n{}", report.stage_table());
            }
            let _ = writeln!(text, "\n{}", report.insights);
            Ok(text)
        }
    }
}

/// What was written where, on standard error: status, not data.
fn status(
    report: &RunReport,
    output: &std::path::Path,
    rejects: &std::path::Path,
    report_path: Option<&PathBuf>,
) {
    if let Some(table) = report.table {
        eprintln!(
            "wrote {} ({} rows, {} bytes)",
            EscapedPath::new(output),
            table.rows,
            table.bytes
        );
    }
    if let Some(merge) = &report.merge
        && let Some(version) = merge.delta_version
    {
        if merge.already_applied {
            eprintln!(
                "{} already holds this batch (version {version})",
                EscapedPath::new(output)
            );
        } else {
            eprintln!(
                "committed version {version} of {} ({} rows)",
                EscapedPath::new(output),
                merge.table_rows
            );
        }
    }
    eprintln!(
        "wrote {} ({} rejected records)",
        EscapedPath::new(rejects),
        report.records_rejected
    );
    if let Some(path) = report_path {
        eprintln!("wrote {}", EscapedPath::new(path));
    }
}

/// A progress bar on standard error when it is a terminal and the run is not quiet: bytes
/// of the feed read, with speed and time left when the size is known.
fn progress_bar(args: &Args, input: &FeedSource) -> Option<indicatif::ProgressBar> {
    if args.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let total = match input {
        FeedSource::File(path) => std::fs::metadata(path).ok().map(|metadata| metadata.len()),
        _ => None,
    };
    let bar = match total {
        Some(total) => indicatif::ProgressBar::new(total).with_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .ok()?,
        ),
        None => indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{spinner} {bytes} {bytes_per_sec}").ok()?,
        ),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}
