//! Prints the three insights of a Parquet table.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
mod support;

use clap::{Parser, ValueEnum};

/// The busiest week, the top zip codes and the daily cumulative total of an open-house table.
#[derive(Parser)]
struct Args {
    /// A Parquet file with OpenHouseDate and Zip5 (or Zipcode) columns, a folder of them
    /// (hive partitions included, as Spark and DataFusion write them), a quoted glob, or a
    /// Delta Lake table's folder (read through its log's active files).
    #[arg(long, default_value = "out/openhouses.parquet")]
    input: PathBuf,
    /// Zip-code ranks to keep (ties at the cut are all shown).
    #[arg(long, default_value_t = 5)]
    top: u64,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Table,
    Json,
}

fn main() -> ExitCode {
    support::finish(run(&Args::parse()).map_err(support::Failure::from), false)
}

fn run(args: &Args) -> anyhow::Result<String> {
    let insights = openhouse::insights_from_parquet(&args.input, args.top)
        .with_context(|| format!("reading {}", args.input.display()))?;
    Ok(match args.format {
        OutputFormat::Table => insights.to_string(),
        OutputFormat::Json => serde_json::to_string_pretty(&insights)? + "\n",
    })
}
