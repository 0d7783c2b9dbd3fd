//! `paygen-sandbox`: a stateful provider sandbox built from the specs, with no
//! per-provider code. Every spec is served under `http://ADDR/<spec name>` followed by
//! each operation's path; requests are verified with `paygen::tooling::server::decode_request`,
//! orders kept in a bounded in-memory store, replies signed with
//! `paygen::tooling::server::encode_response`. See the README's "Testing against the sandbox".

pub mod config;
pub mod keys;
pub mod lifecycle;
pub mod log;
pub mod notify;
pub mod providers;
pub mod reply;
pub mod routes;
pub mod scenarios;
pub mod store;

pub use config::SandboxConfig;
pub use log::RequestLog;
pub use notify::{Delivery, Notifier};
pub use scenarios::Scenario;
pub use store::{Order, OrderStore};

use std::sync::Arc;
use tokio::sync::{oneshot, watch};

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A spec could not be read or is invalid.
    #[error("{0}")]
    Spec(String),
    /// A credentials entry names an unknown spec or credential.
    #[error("credentials: {0}")]
    Credentials(String),
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
    /// task to end.
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
        let state = routes::State::new(providers, store.clone(), config, notifier.clone(), log);
        let app = routes::router(state);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Sandbox {
            base_url: format!("http://{addr}"),
            store,
            notifier,
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
