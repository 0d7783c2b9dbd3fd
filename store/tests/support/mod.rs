//! What the store tests share: the services' URLs from the environment (required under
//! CI), a PostgreSQL store in a schema of its own per test, and a TCP proxy that can
//! cut a store's connections (the database going away).

// Each test file compiles its own copy and uses only some of it.
#![allow(dead_code)]

use paygen_store::postgres::PgStore;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// The URL in `var`; without it the test is skipped with a message, except under CI
/// (`CI=true`), where the services are required and the test fails.
fn service(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(
                !ci,
                "{var} is not set: under CI the store tests need PostgreSQL and Redis \
                 (eval \"$(scripts/services.sh)\")"
            );
            eprintln!("skipped: {var} is not set (eval \"$(scripts/services.sh)\" to run it)");
            None
        }
    }
}

/// `DATABASE_URL`, or `None` (outside CI) to skip.
pub fn database_url() -> Option<String> {
    service("DATABASE_URL")
}

/// `REDIS_URL`, or `None` (outside CI) to skip.
pub fn redis_url() -> Option<String> {
    service("REDIS_URL")
}

/// A name no other test (in this or another process) uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{nanos}_{n}", std::process::id())
}

/// A store at `url` whose tables live in `schema` (created if absent, migrated), so
/// that tests never see one another's rows. Getting a connection waits up to 30 s (a
/// store that gives up under load fails records, and the tests count hand-ons).
pub async fn pg_store_in(url: &str, schema: &str) -> PgStore {
    pg_store_waiting(url, schema, Duration::from_secs(30)).await
}

/// [`pg_store_in`] whose pool gives up getting a connection after `acquire`.
pub async fn pg_store_waiting(url: &str, schema: &str, acquire: Duration) -> PgStore {
    let options = PgConnectOptions::from_str(url).expect("DATABASE_URL parses");
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await
        .expect("PostgreSQL reachable at DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE SCHEMA IF NOT EXISTS {schema}"
    )))
    .execute(&admin)
    .await
    .expect("schema created");
    admin.close().await;
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(acquire)
        .connect_with(options.options([("search_path", schema)]))
        .await
        .expect("PostgreSQL reachable");
    let store = PgStore::from_pool(pool);
    store.migrate().await.expect("migrations apply");
    store
}

/// A store in a fresh schema.
pub async fn pg_store(url: &str) -> (PgStore, String) {
    let schema = unique("t");
    (pg_store_in(url, &schema).await, schema)
}

/// `url` with its `host:port` replaced by `addr` (the URLs here are
/// `scheme://[user:password@]host:port/...`).
pub fn through(url: &str, addr: std::net::SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").expect("URL has a scheme");
    let (credentials, rest) = match rest.rsplit_once('@') {
        Some((credentials, rest)) => (format!("{credentials}@"), rest),
        None => (String::new(), rest),
    };
    let path = rest.find('/').map(|at| &rest[at..]).unwrap_or("");
    format!("{scheme}://{credentials}{addr}{path}")
}

/// The `host:port` of `url`.
pub fn address_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let rest = rest.rsplit_once('@').map(|(_, r)| r).unwrap_or(rest);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// A loopback TCP proxy to a service; [`Proxy::cut`] drops every connection and
/// refuses new ones until [`Proxy::restore`]: the service gone, from the client's side.
#[derive(Clone)]
pub struct Proxy {
    /// Where clients connect.
    pub addr: std::net::SocketAddr,
    up: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    /// A proxy to `target` (`host:port`).
    pub async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let proxy = Proxy {
            addr: listener.local_addr().expect("addr"),
            up: Arc::new(AtomicBool::new(true)),
            connections: Arc::default(),
        };
        let serving = proxy.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !serving.up.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                serving
                    .connections
                    .lock()
                    .unwrap()
                    .push(task.abort_handle());
            }
        });
        proxy
    }

    /// Drops every connection and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

pub mod gateways;
