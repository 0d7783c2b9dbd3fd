//! What a pay-poll-cancel flow is timed by and tells as it goes: its [`Timing`], and
//! each step's [`StepRecord`] for a [`SettleObserver`] (a payment journal, the demo's
//! step lines).

use paygen_protocol::SettleVerdict;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// How long a settle flow keeps querying, how often, and how often it tries to cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Queries stop once this much time has passed since the pay call ended.
    pub deadline: Duration,
    /// The pause after each unresolved query (and between cancel attempts).
    pub poll_interval: Duration,
    /// Cancels sent at most, while a cancel's outcome is unknown (at least one is sent).
    pub cancel_attempts: u32,
}

/// Which request a step of the flow sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// The payment.
    Pay,
    /// A query.
    Query,
    /// A cancel (or close).
    Cancel,
}

/// One step as the flow tells its [`SettleObserver`], after its answer was read.
#[derive(Debug, Clone, Copy)]
pub struct StepRecord {
    /// Which request was sent.
    pub kind: StepKind,
    /// What the flow made of the answer (`None`: undecided, the flow goes on).
    pub verdict: Option<SettleVerdict>,
    /// `success`, `refused` or `unknown`.
    pub outcome: &'static str,
}

/// Told of every step of a settle flow as it happens (a payment journal records them);
/// it cannot stop the flow, which settles whether or not the record was kept.
pub trait SettleObserver: Send + Sync {
    /// Called after each step's answer was read, before the flow goes on.
    fn step(&self, step: StepRecord) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Observes nothing.
impl SettleObserver for () {
    fn step(&self, _: StepRecord) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}
