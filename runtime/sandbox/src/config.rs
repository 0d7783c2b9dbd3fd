//! What a sandbox serves: specs, credentials, store size, scenario timings, logging.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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
    /// The delay of a slow reply (amount ending in 04), in milliseconds (default 1500).
    pub slow_ms: u64,
    /// Print one line per request on stdout (never a body or a credential).
    pub log: bool,
    /// At most this many notifications are being delivered at once; more are dropped
    /// (default 1000).
    pub max_pending_notifications: usize,
    /// Divides every notification retry delay, so tests need not wait the provider's
    /// minutes (default 1: the documented schedule; 1000 turns 15 s into 15 ms).
    pub notify_speedup: u32,
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

/// A credential's stand-in when the document gives no sample: `sandbox-<name>`,
/// padded with `0` to 32 characters (so AES-256 keys are valid).
pub fn stand_in(credential: &str) -> String {
    format!("{:0<32}", format!("sandbox-{credential}"))
}
