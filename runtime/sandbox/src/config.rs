//! What a sandbox serves: specs, credentials, store size, scenario timings, logging.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The sandbox's settings; `Default` serves every spec in the workspace's `specs/`.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where to listen (default `127.0.0.1:0`, a free port).
    pub addr: SocketAddr,
    /// The spec files served.
    pub specs: Vec<PathBuf>,
    /// Credentials by spec name, then credential name; they replace the defaults.
    pub credentials: BTreeMap<String, BTreeMap<String, String>>,
    /// At most this many orders are kept; the oldest is forgotten first (default 10 000).
    pub max_orders: usize,
    /// A payment in progress (amount ending in 02) becomes paid at this query (default 2).
    pub in_progress_queries: u32,
    /// The delay of a slow reply (amount ending in 04), in milliseconds (default 1500,
    /// at most [`MAX_DELAY_MS`](crate::scenarios::MAX_DELAY_MS)).
    pub slow_ms: u64,
    /// Print one line per request on stdout (never a body or a credential).
    pub log: bool,
    /// At most this many notifications are being delivered at once; more are dropped
    /// (default 1000).
    pub max_pending_notifications: usize,
    /// Divides every notification retry delay, so tests need not wait the provider's
    /// minutes (default 1: the documented schedule; 1000 turns 15 s into 15 ms).
    pub notify_speedup: u32,
    /// A client must send a request's whole head within this long, counted from the
    /// connection's opening or the end of the previous reply, or its connection is
    /// closed; so it also bounds an idle keep-alive connection (default 10 s,
    /// 1 ms ..= [`MAX_TIMEOUT`]).
    pub header_read_timeout: Duration,
    /// A request's whole body must arrive within this long after its head, or it is
    /// answered 408 and its connection closed (default 10 s, 1 ms ..= [`MAX_TIMEOUT`]).
    pub body_read_timeout: Duration,
}

/// The longest `header_read_timeout` or `body_read_timeout`: past it a client that
/// stalls holds its connection longer than any genuine client needs.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(30);

/// The shortest timeout: zero would close every connection before its first byte.
pub const MIN_TIMEOUT: Duration = Duration::from_millis(1);

impl SandboxConfig {
    /// Checks every bounded setting; the message names the field and its range.
    pub fn check(&self) -> Result<(), String> {
        let max_delay = crate::scenarios::MAX_DELAY_MS;
        if self.slow_ms > max_delay {
            return Err(format!(
                "slow_ms must be from 0 to {max_delay}, got {}",
                self.slow_ms
            ));
        }
        for (name, value) in [
            ("header_read_timeout", self.header_read_timeout),
            ("body_read_timeout", self.body_read_timeout),
        ] {
            if !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(&value) {
                return Err(format!(
                    "{name} must be from {MIN_TIMEOUT:?} to {MAX_TIMEOUT:?}, got {value:?}"
                ));
            }
        }
        Ok(())
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            specs: spec_files(&default_spec_dir()).unwrap_or_default(),
            credentials: BTreeMap::new(),
            max_orders: 10_000,
            in_progress_queries: 2,
            slow_ms: 1500,
            log: false,
            max_pending_notifications: 1000,
            notify_speedup: 1,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
        }
    }
}

/// The workspace's `specs/` directory.
pub fn default_spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs")
}

/// The `*.yaml` files of a directory, sorted.
pub fn spec_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    Ok(files)
}

pub use paygen_codegen::stand_in::stand_in;
