//! `paygen-sandbox`: a stateful provider sandbox built from the specs, with no
//! per-provider code. Every spec is served under `http://ADDR/<spec name>` followed by
//! each operation's path; requests are verified with `paygen::tooling::server::decode_request`,
//! orders kept in a bounded in-memory store, replies signed with
//! `paygen::tooling::server::encode_response`. See the README's "Testing against the sandbox".

pub mod config;
pub mod gateway;
pub mod keys;
pub mod lifecycle;
pub mod log;
pub mod notify;
pub mod providers;
pub mod reply;
pub mod requests;
pub mod routes;
pub mod scenarios;
pub mod signed;
pub mod store;

pub use config::SandboxConfig;
pub use log::{Received, RequestLog};
pub use notify::{Delivery, Notifier};
pub use scenarios::Scenario;
pub use store::{Order, OrderStore};

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;

/// How long a shutdown waits for connections to finish their requests before dropping
/// them; a stalled client must not keep the sandbox from stopping.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// After a failed accept (out of file descriptors, say) the listener waits this long
/// instead of spinning, so connections can close and free what is missing.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A spec could not be read or is invalid.
    #[error("{0}")]
    Spec(String),
    /// A credentials entry names an unknown spec or credential, or a value that cannot
    /// be read.
    #[error("credentials: {0}")]
    Credentials(String),
    /// A setting is outside its allowed range (the message names it and the range).
    #[error("config: {0}")]
    Config(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// A running sandbox: its base URL, its order store, and the handle that stops it.
#[derive(Debug)]
pub struct Sandbox {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base_url: String,
    /// The orders it keeps.
    pub store: Arc<OrderStore>,
    /// The notifications it delivers.
    pub notifier: Arc<Notifier>,
    /// How many requests each operation received.
    pub received: Arc<Received>,
    /// Stops the server.
    pub shutdown: ShutdownHandle,
}

/// Stops a running sandbox.
#[derive(Debug)]
pub struct ShutdownHandle {
    stop: oneshot::Sender<()>,
    // Dropping it (or sending true) ends every notification delivery.
    stop_notifications: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl ShutdownHandle {
    /// Stops accepting requests and delivering notifications, and waits for the server
    /// task to end: requests in progress are finished, for at most [`SHUTDOWN_GRACE`].
    pub async fn shutdown(self) {
        let _ = self.stop_notifications.send(true);
        let _ = self.stop.send(());
        let _ = self.task.await;
    }

    /// Waits until the server ends (it runs until shut down).
    pub async fn wait(self) {
        let _stop = self.stop;
        let _stop_notifications = self.stop_notifications;
        let _ = self.task.await;
    }
}

impl Sandbox {
    /// Loads the specs, binds the configured address (127.0.0.1:0 by default) and serves.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        config.check().map_err(SandboxError::Config)?;
        let providers = providers::load(&config)?;
        let store = Arc::new(OrderStore::new(config.max_orders));
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: config.addr.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: config.addr.to_string(),
            source,
        })?;
        let (stop_notifications, notifications_stopped) = watch::channel(false);
        let log = RequestLog::stdout(config.log);
        let notifier = Arc::new(Notifier::new(
            config.max_pending_notifications,
            config.notify_speedup,
            log.clone(),
            notifications_stopped,
        ));
        let header_read_timeout = config.header_read_timeout;
        let received = Arc::new(Received::default());
        let state = routes::State::new(
            providers,
            store.clone(),
            config,
            notifier.clone(),
            log,
            received.clone(),
        );
        let app = routes::router(state);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, app, header_read_timeout, stopped));
        Ok(Sandbox {
            base_url: format!("http://{addr}"),
            store,
            notifier,
            received,
            shutdown: ShutdownHandle {
                stop,
                stop_notifications,
                task,
            },
        })
    }

    /// The base URL a generated client of `spec` takes: `http://ADDR/<spec>`.
    pub fn url(&self, spec: &str) -> String {
        format!("{}/{spec}", self.base_url)
    }
}

/// Accepts connections until `stopped` fires (or its sender is dropped), each served on
/// a task of its own so a stalled client holds only its own connection; then lets them
/// finish, for at most [`SHUTDOWN_GRACE`].
async fn serve(
    listener: TcpListener,
    app: axum::Router,
    header_read_timeout: Duration,
    mut stopped: oneshot::Receiver<()>,
) {
    let (closing, closing_seen) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(
                        stream,
                        app.clone(),
                        header_read_timeout,
                        closing_seen.clone(),
                    ));
                }
                Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
            },
            // Reaps ended connections so the set stays as large as the open ones.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = closing.send(true);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    // Dropping the set aborts whatever connection outlived the grace.
}

/// Serves one connection over HTTP/1.1; hyper closes it when a request's head takes
/// longer than `header_read_timeout` (which needs the timer).
async fn connection(
    stream: TcpStream,
    app: axum::Router,
    header_read_timeout: Duration,
    mut closing: watch::Receiver<bool>,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let served = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    let mut served = std::pin::pin!(served);
    tokio::select! {
        _ = served.as_mut() => return,
        _ = closing.wait_for(|closing| *closing) => {}
    }
    served.as_mut().graceful_shutdown();
    let _ = served.await;
}
