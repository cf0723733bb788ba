//! Writes a seeded synthetic open-house feed.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
mod support;

use clap::{Parser, ValueEnum};
use openhouse_generate::{Generator, Layout};

/// A synthetic MLS open-house feed shaped like real ones.
#[derive(Parser)]
#[command(allow_negative_numbers = true)]
struct Args {
    /// Records in the feed.
    #[arg(long, default_value_t = 3_000)]
    events: usize,
    /// The same seed and settings give the same bytes.
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    #[arg(long, value_enum, default_value_t = FeedFormat::Array)]
    format: FeedFormat,
    /// Share of records (0 to 1) given an adversarial quirk, malformed NDJSON lines included.
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    adversarial: f64,
    /// Share of records (0 to 1) that break a rule yet stay well-formed JSON of strings and
    /// nulls, which every engine reads (benchmark feeds use 0.005).
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    invalid: f64,
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
    support::finish(run(&Args::parse()).map_err(support::Failure::from), false)
}

/// A number from 0 to 1; anything else is a usage error (the library would clamp it).
fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        Ok(_) => Err("must be a share from 0 to 1".to_owned()),
        Err(error) => Err(format!("not a number: {error}")),
    }
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
        .adversarial(args.adversarial)
        .invalid(args.invalid);
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
