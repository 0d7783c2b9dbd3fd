//! Pay-poll-cancel with a journal: the intent is written before the pay request leaves,
//! each step as it happens, the settlement at the end; and [`resume`], which settles
//! what a dead process left unfinished without ever sending its pay request again.
//!
//! This drives `paygen`'s settle flow (a spec's `settle:` section, or a flow built for
//! a provider by hand) on a client core; a `Gateway` over every provider can drive the
//! same journal through the same calls.

use crate::journal::{
    Intent, Journal, JournalError, Lease, PaymentId, Settled, StepEntry, Unfinished,
};
use paygen::__private::ClientCore;
use paygen::protocol::SettleFlow;
use paygen::{Error, Fen, SettleObserver, Settlement, StepRecord, Timing, Transport, WireFields};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// A provider's settle flow on a client: what pays, queries and cancels, and when.
pub struct Settler<'a, T> {
    /// The client the requests go through (its provider names the journal's rows).
    pub core: &'a ClientCore<T>,
    /// The flow: its operations and its rules.
    pub flow: &'a SettleFlow,
    /// Deadline, poll interval, cancel attempts.
    pub timing: Timing,
}

/// Records each step of payment `id` in the journal as the flow tells it.
struct Recorder<'a> {
    journal: &'a dyn Journal,
    id: PaymentId,
    lease: &'a Lease,
}

impl SettleObserver for Recorder<'_> {
    fn step(&self, step: StepRecord) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            let entry = StepEntry {
                kind: step.kind,
                verdict: step.verdict,
                outcome: step.outcome,
            };
            // The flow goes on whether or not the step is kept: a step lost to the
            // journal costs a resumer one more query, never a second payment.
            if let Err(error) = self.journal.step(self.id, &entry, self.lease).await {
                tracing::warn!(payment = %self.id, %error, "a settle step was not journaled");
            }
        })
    }
}

/// Why a journaled payment was not made.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    /// The intent could not be journaled: the pay request was not sent.
    #[error("the payment was not journaled, so not sent: {0}")]
    Journal(#[source] JournalError),
    /// Nothing happened at the provider (the settle flow's `Err`).
    #[error(transparent)]
    NotSent(Error),
}

/// Journals the intent (provider, order number, `amount`, deadline), then pays with
/// `pay` and settles as `settler` says, journaling every step and the settlement. The
/// pay request is sent only once the intent is journaled.
pub async fn pay_and_settle<T, P, Q, C>(
    journal: &dyn Journal,
    lease: &Lease,
    settler: &Settler<'_, T>,
    pay: &WireFields<'_>,
    amount: Fen,
) -> Result<Settlement<P, Q, C>, PayError>
where
    T: Transport,
    P: DeserializeOwned + Send,
    Q: DeserializeOwned + Send,
    C: DeserializeOwned + Send,
{
    let order_no = pay
        .get(&settler.flow.order_no)
        .map(|v| v.text().into_owned())
        .unwrap_or_default();
    let deadline = i64::try_from(settler.timing.deadline.as_millis()).unwrap_or(i64::MAX);
    let intent = Intent {
        provider: settler.core.provider_name().to_owned(),
        order_no,
        amount,
        // From before the pay request: a resumer stops querying no later than the
        // flow itself would have.
        deadline_ms: settler.core.now_millis().saturating_add(deadline),
    };
    let id = journal
        .begin(&intent, lease)
        .await
        .map_err(PayError::Journal)?;
    let recorder = Recorder { journal, id, lease };
    let result = settler
        .core
        .settle_observed(settler.flow, pay, settler.timing, &recorder)
        .await;
    finish(journal, id, lease, &result).await;
    result.map_err(PayError::NotSent)
}

/// Records the settlement; a failure leaves the payment unfinished, for a resumer to
/// settle again by query (the outcome stands either way).
async fn finish<P, Q, C>(
    journal: &dyn Journal,
    id: PaymentId,
    lease: &Lease,
    result: &Result<Settlement<P, Q, C>, Error>,
) {
    if let Err(error) = journal.finish(id, &Settled::of(result), lease).await {
        tracing::warn!(payment = %id, %error, "a settlement was not journaled");
    }
}

/// One payment settled by [`resume`].
#[derive(Debug)]
pub struct Resumed<P, Q, C> {
    /// The payment as journaled.
    pub payment: Unfinished,
    /// How it settled; `Err` when the flow could not run (it stays unfinished).
    pub settlement: Result<Settlement<P, Q, C>, Error>,
}

/// Settles every unfinished payment of `settler`'s provider that no live lease holds:
/// claims one at a time with `lease`, queries it until its journaled deadline (at
/// least once), then cancels, journaling each step and the settlement. The pay request
/// is never sent. Two processes resuming at once never drive the same payment.
pub async fn resume<T, P, Q, C>(
    journal: &dyn Journal,
    lease: &Lease,
    settler: &Settler<'_, T>,
) -> Result<Vec<Resumed<P, Q, C>>, JournalError>
where
    T: Transport,
    P: Send,
    Q: DeserializeOwned + Send,
    C: DeserializeOwned + Send,
{
    let provider = settler.core.provider_name();
    let mut resumed = Vec::new();
    while let Some(payment) = journal.claim_next(provider, lease).await? {
        let recorder = Recorder {
            journal,
            id: payment.id,
            lease,
        };
        let settlement = settler
            .core
            .resume_settle(
                settler.flow,
                &payment.intent.order_no,
                payment.intent.deadline_ms,
                settler.timing,
                &recorder,
            )
            .await;
        if settlement.is_ok() {
            finish(journal, payment.id, lease, &settlement).await;
        }
        resumed.push(Resumed {
            payment,
            settlement,
        });
    }
    Ok(resumed)
}
