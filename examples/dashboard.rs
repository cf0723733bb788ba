//! Renders the open-house dashboard of a Parquet table to one HTML file, or serves it.
//!
//! Exit codes: 0 done (or serving until stopped), 1 the table or report cannot be read,
//! 2 usage, 3 the page cannot be written or the address cannot be listened on.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use openhouse_dashboard::serve::{DashboardServer, ServeConfig, ServeError, listen_address};
use openhouse_dashboard::{DashboardQuery, TableDashboard};

/// The busiest week, the top zip codes and the daily cumulative total as one HTML page.
#[derive(Parser)]
struct Args {
    /// The table: a Parquet file, a folder of them (hive partitions included), a quoted glob,
    /// or a Delta Lake table's folder (read through its log's active files).
    #[arg(long, default_value = "out/openhouses.parquet")]
    input: PathBuf,
    /// The run report that `process --report` wrote: adds the data-quality panel.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Where to write the page (beside the `process` example's outputs by default).
    #[arg(long, default_value = "out/dashboard.html")]
    out: PathBuf,
    /// Zip-code ranks on the written page (ties at the cut are all shown).
    #[arg(long, default_value_t = DashboardQuery::DEFAULT_TOP)]
    top: u64,
    /// Serve the page instead of writing it: HOST:PORT, or a port on 127.0.0.1 (127.0.0.1:8080
    /// when no value is given). Pages answer ?from=YYYY-MM-DD&to=YYYY-MM-DD&top=N.
    #[arg(long, value_name = "ADDRESS", num_args = 0..=1, default_missing_value = "", conflicts_with = "out")]
    serve: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match &args.serve {
        Some(address) => serve(&args, address),
        None => write(&args),
    }
}

fn write(args: &Args) -> ExitCode {
    let query = DashboardQuery {
        top: args.top,
        ..DashboardQuery::default()
    };
    let page = TableDashboard::load(&args.input, args.report.as_deref())
        .and_then(|dashboard| dashboard.render(&query, false));
    let page = match page {
        Ok(page) => page,
        Err(error) => return fail(1, &error),
    };
    let folder = args
        .out
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty());
    let written = folder
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&args.out, page));
    if let Err(error) = written {
        eprintln!("error: writing {}: {error}", args.out.display());
        return ExitCode::from(3);
    }
    println!("wrote {}", args.out.display());
    ExitCode::SUCCESS
}

fn serve(args: &Args, address: &str) -> ExitCode {
    let address = match listen_address(address) {
        Ok(address) => address,
        Err(message) => {
            eprintln!("error: --serve: {message}");
            return ExitCode::from(2);
        }
    };
    let mut config = ServeConfig::new(&args.input).on_request(|served| {
        eprintln!("{} {} {}", served.status, served.method, served.url);
    });
    if let Some(report) = &args.report {
        config = config.report(report);
    }
    match DashboardServer::start(address, config) {
        Ok(server) => {
            println!("serving http://{}/", server.address());
            server.wait();
            ExitCode::SUCCESS
        }
        Err(ServeError::Load(error)) => fail(1, &error),
        Err(error) => fail(3, &error),
    }
}

/// Prints the error and its causes, and exits with `code`.
fn fail(code: u8, error: &dyn std::error::Error) -> ExitCode {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    eprintln!("error: {message}");
    ExitCode::from(code)
}
