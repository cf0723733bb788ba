//! Writes a seeded synthetic open-house feed.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
mod support;

use clap::{Parser, ValueEnum};
use openhouse_generate::{Generator, Layout};

/// A synthetic MLS open-house feed with the quirks of real ones.
#[derive(Parser)]
struct Args {
    /// Records in the feed.
    #[arg(long, default_value_t = 3_000)]
    events: usize,
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    #[arg(long, value_enum, default_value_t = FeedFormat::Array)]
    format: FeedFormat,
    /// Share of records (0 to 1) given an adversarial quirk.
    #[arg(long, default_value_t = 0.0)]
    adversarial: f64,
    /// Where to write; standard output if absent.
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FeedFormat {
    Array,
    Ndjson,
}

fn main() -> ExitCode {
    support::finish(run(&Args::parse()))
}

/// Writes the feed to its file or standard output; prints nothing more.
fn run(args: &Args) -> anyhow::Result<String> {
    let layout = match args.format {
        FeedFormat::Array => Layout::PrettyArray,
        FeedFormat::Ndjson => Layout::Ndjson,
    };
    let generator = Generator::new(args.seed)
        .events(args.events)
        .layout(layout)
        .adversarial(args.adversarial);
    let out: Box<dyn Write> = match &args.output {
        Some(path) => {
            Box::new(File::create(path).with_context(|| format!("creating {}", path.display()))?)
        }
        None => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::new(out);
    generator.write_to(&mut out).context("writing the feed")?;
    out.flush().context("writing the feed")?;
    Ok(String::new())
}
