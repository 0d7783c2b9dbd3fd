//! Waiting between the steps of a flow, injectable so that tests never sleep.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Waits between the steps of a settle flow; injectable so that tests never sleep.
pub trait Sleeper: Send + Sync {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
}

/// Sleeps on tokio's timer (the runtime every reqwest client already needs).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(tokio::time::sleep(duration))
    }
}
