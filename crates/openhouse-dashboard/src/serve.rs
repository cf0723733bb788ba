//! Serving the page over HTTP with tiny_http: one thread, GET `/` only, the table re-read
//! when its files change, and `?from=&to=&top=` answered by recomputing the insights.
//!
//! Every page goes out with a Content-Security-Policy that allows nothing to be fetched
//! (inline styles and `data:` images only, no scripts), so a browser showing it makes no
//! request beyond the page itself and the form's own queries.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use tiny_http::{Header, Method, Request, Response, Server};

use crate::{DashboardQuery, Error, TableDashboard, error_page};

/// The policy sent with every page: nothing may be fetched, no script may run, the form may
/// only submit to this server.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The port served on when only a host, or nothing, is given.
pub const DEFAULT_PORT: u16 = 8080;

/// The address to listen on: `HOST:PORT` as given, a bare port on the loopback address, or
/// an empty string for `127.0.0.1:8080`. Only an explicit host leaves the machine's loopback.
pub fn listen_address(text: &str) -> Result<SocketAddr, String> {
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    if text.is_empty() {
        return Ok(SocketAddr::new(loopback, DEFAULT_PORT));
    }
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::new(loopback, port));
    }
    text.parse::<SocketAddr>().map_err(|_| {
        format!("{text:?} is not an address: give HOST:PORT (e.g. 127.0.0.1:8080) or a port")
    })
}

/// One request the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedRequest {
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// The path and query, as requested.
    pub url: String,
    /// The status code answered.
    pub status: u16,
}

/// Called after each request is answered.
type RequestHook = Arc<dyn Fn(&ServedRequest) + Send + Sync>;

/// What to serve: the table, the run report, and who hears of each request.
#[derive(Clone)]
pub struct ServeConfig {
    table: PathBuf,
    report: Option<PathBuf>,
    on_request: Option<RequestHook>,
}

impl ServeConfig {
    /// Serves the table at `table`: a Parquet file, a folder of them or a glob.
    pub fn new(table: impl Into<PathBuf>) -> Self {
        ServeConfig {
            table: table.into(),
            report: None,
            on_request: None,
        }
    }

    /// Adds the data-quality panel of the run report at `report` (re-read when it changes).
    pub fn report(mut self, report: impl Into<PathBuf>) -> Self {
        self.report = Some(report.into());
        self
    }

    /// Calls `hook` after each request is answered: an access log, or a test's record.
    pub fn on_request(mut self, hook: impl Fn(&ServedRequest) + Send + Sync + 'static) -> Self {
        self.on_request = Some(Arc::new(hook));
        self
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The address could not be listened on.
    #[error("listening on {address}: {message}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// What tiny_http said.
        message: String,
    },
    /// The table or the report could not be read at start.
    #[error(transparent)]
    Load(#[from] Error),
}

/// A running dashboard server; dropping it stops the server.
pub struct DashboardServer {
    server: Arc<Server>,
    address: SocketAddr,
    worker: Option<JoinHandle<()>>,
}

impl DashboardServer {
    /// Reads the table (and report), then serves the page on `address` from a new thread.
    /// Port 0 picks a free port: see [`DashboardServer::address`].
    pub fn start(address: SocketAddr, config: ServeConfig) -> Result<Self, ServeError> {
        let mut table = TableDashboard::load(&config.table, config.report.as_deref())?;
        let server = Server::http(address).map_err(|error| ServeError::Bind {
            address,
            message: error.to_string(),
        })?;
        let bound = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| ServeError::Bind {
                address,
                message: "not an IP address".to_owned(),
            })?;
        let server = Arc::new(server);
        let serving = Arc::clone(&server);
        let worker = std::thread::spawn(move || {
            for request in serving.incoming_requests() {
                let served = answer(&mut table, request);
                if let Some(hook) = &config.on_request {
                    hook(&served);
                }
            }
        });
        Ok(DashboardServer {
            server,
            address: bound,
            worker: Some(worker),
        })
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(worker) = self.worker.take() {
            // A panic in the serving thread has already been reported; nothing is left to serve.
            let _ = worker.join();
        }
    }

    /// Stops serving and waits for the request being answered, if any.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for DashboardServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// Answers one request and says what was answered.
fn answer(table: &mut TableDashboard, request: Request) -> ServedRequest {
    let url = request.url().to_owned();
    let method = request.method().clone();
    let (status, body) = page_for(table, &method, &url);
    let mut response = Response::from_string(body).with_status_code(status);
    for (name, value) in [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    ] {
        // Constant ASCII names and values are always valid headers.
        if let Ok(header) = Header::from_bytes(name, value) {
            response.add_header(header);
        }
    }
    // A client that went away is no concern of the next request.
    let _ = request.respond(response);
    ServedRequest {
        method: method.to_string(),
        url,
        status,
    }
}

fn page_for(table: &mut TableDashboard, method: &Method, url: &str) -> (u16, String) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let failed = |status: u16, heading: &str, message: &str| {
        let page = error_page(status, heading, message)
            .unwrap_or_else(|error| format!("{status} {heading}: {error}"));
        (status, page)
    };
    if !matches!(method, Method::Get | Method::Head) {
        return failed(
            405,
            "Method not allowed",
            "The dashboard answers GET requests only.",
        );
    }
    if path != "/" {
        return failed(404, "Not found", "The dashboard is at /.");
    }
    let query = match DashboardQuery::parse(query) {
        Ok(query) => query,
        Err(error) => return failed(400, "Bad request", &error.to_string()),
    };
    if let Err(error) = table.refresh() {
        return failed(500, "The table could not be read", &error_chain(&error));
    }
    match table.render(&query, true) {
        Ok(html) => (200, html),
        Err(error) => failed(500, "The page could not be made", &error_chain(&error)),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_default_to_the_loopback_interface() {
        assert_eq!(listen_address("").unwrap().to_string(), "127.0.0.1:8080");
        assert_eq!(
            listen_address("9000").unwrap().to_string(),
            "127.0.0.1:9000"
        );
        assert_eq!(
            listen_address("0.0.0.0:80").unwrap().to_string(),
            "0.0.0.0:80"
        );
        assert!(listen_address("localhost").is_err());
    }
}
