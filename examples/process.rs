//! Runs the pipeline on a feed: Parquet table, rejects file, report, and the insights.

use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
mod support;

use clap::Parser;
use openhouse::{FeedSource, Pipeline, RunPaths};

/// Validate, deduplicate and write an open-house feed to Parquet, then print the insights.
#[derive(Parser)]
struct Args {
    /// The feed: a JSON array or NDJSON.
    #[arg(long, default_value = "fixtures/openhouses.json")]
    input: PathBuf,
    /// The Parquet table to write.
    #[arg(long, default_value = "out/openhouses.parquet")]
    output: PathBuf,
    /// Where rejected records go, as NDJSON with their problems.
    #[arg(long, default_value = "out/rejects.ndjson")]
    rejects: PathBuf,
    /// Also write the run report as JSON here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Parsing threads; 0 means one per core.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Zip-code ranks to show.
    #[arg(long, default_value_t = 5)]
    top: u64,
    /// Print the stage times.
    #[arg(long)]
    stages: bool,
}

fn main() -> ExitCode {
    support::finish(run(&Args::parse()))
}

fn run(args: &Args) -> anyhow::Result<String> {
    let pipeline = Pipeline::builder()
        .threads(args.threads)?
        .top_zipcodes(args.top)
        .build();
    let paths = RunPaths {
        input: FeedSource::from_arg(&args.input),
        output: args.output.clone(),
        rejects: Some(args.rejects.clone()),
        report: args.report.clone(),
    };
    let report = pipeline
        .run(&paths)
        .with_context(|| format!("processing {}", args.input.display()))?;
    let mut text = report.summary();
    if let Some(written) = report.table {
        writeln!(text, "wrote {} ({} rows, {} bytes)", args.output.display(), written.rows, written.bytes)?;
    }
    writeln!(text, "wrote {} ({} rejected records)", args.rejects.display(), report.records_rejected)?;
    if let Some(path) = &args.report {
        writeln!(text, "wrote {}", path.display())?;
    }
    if args.stages {
        writeln!(text, "\n{}", report.stage_table())?;
    }
    writeln!(text, "\n{}", report.insights)?;
    Ok(text)
}
