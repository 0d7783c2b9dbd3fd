//! The payment journal: what is written before the pay request leaves, after every
//! step, and at the settlement, so that a payment outlives the process paying it.

use async_trait::async_trait;
use paygen::gateway::{Extra, GatewayError, GatewaySettlement};
use paygen::protocol::SettleVerdict;
use paygen::{Fen, StepKind, StoreError};
use std::fmt;
use std::time::Duration;

/// A journaled payment's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PaymentId(pub i64);

impl fmt::Display for PaymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What is recorded before the pay request is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// The provider's spec name.
    pub provider: String,
    /// The merchant's order number: one payment per (provider, order number).
    pub order_no: String,
    /// The amount.
    pub amount: Fen,
    /// When queries stop and the cancel is sent, in milliseconds since the epoch by the
    /// paying client's clock.
    pub deadline_ms: i64,
    /// What the order's queries and cancel send beyond its number (the
    /// [`OrderRef`](paygen::OrderRef)'s `extra`, such as wantu's `pay_channel`): a
    /// resumer has nothing else to build them from.
    pub order_extra: Extra,
}

/// Who drives a payment, and for how long without renewing: every step renews it. A
/// process that dies stops renewing; once the lease ends, [`crate::resume`] takes over.
/// It must outlast the longest step (a request's timeout plus the poll interval).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// This process (host and pid, say): unique among those sharing the journal.
    pub owner: String,
    /// How long a claim holds without a renewal.
    pub duration: Duration,
}

/// One step of a payment's flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepEntry {
    /// The request sent.
    pub kind: StepKind,
    /// What the flow's rules made of its answer.
    pub verdict: Option<SettleVerdict>,
    /// The call's outcome label (`success`, `refused`, `unknown`...).
    pub outcome: &'static str,
}

/// How a journaled payment settled (the [`GatewaySettlement`] variant, without its
/// result).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettledAs {
    /// Paid.
    Paid,
    /// Failed: no money stays with the merchant.
    Failed,
    /// Cancelled at the deadline: money back to the payer.
    CancelledAfterDeadline,
    /// A person has to find out.
    NeedsManualAttention,
    /// Nothing happened at the provider (the flow's `Err`).
    NotSent,
}

impl SettledAs {
    /// Its name in the journal's `settlement` column.
    pub fn as_str(self) -> &'static str {
        match self {
            SettledAs::Paid => "paid",
            SettledAs::Failed => "failed",
            SettledAs::CancelledAfterDeadline => "cancelled_after_deadline",
            SettledAs::NeedsManualAttention => "needs_manual_attention",
            SettledAs::NotSent => "not_sent",
        }
    }

    /// The settlement named `name` in the journal.
    pub fn parse(name: &str) -> Option<SettledAs> {
        [
            SettledAs::Paid,
            SettledAs::Failed,
            SettledAs::CancelledAfterDeadline,
            SettledAs::NeedsManualAttention,
            SettledAs::NotSent,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// A payment's final record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// How it settled.
    pub settled_as: SettledAs,
    /// The last step's error; for a payment a person has to look at, the last status
    /// read (`unknown (PAY_FAIL_ERROR)`); else empty.
    pub detail: String,
}

impl Settled {
    /// The record of a gateway settle flow's result.
    pub fn of(result: &Result<GatewaySettlement, GatewayError>) -> Settled {
        let (settled_as, detail) = match result {
            Ok(GatewaySettlement::Paid(_)) => (SettledAs::Paid, String::new()),
            Ok(GatewaySettlement::Failed(_)) => (SettledAs::Failed, String::new()),
            Ok(GatewaySettlement::CancelledAfterDeadline(_)) => {
                (SettledAs::CancelledAfterDeadline, String::new())
            }
            Ok(GatewaySettlement::NeedsManualAttention { last }) => {
                let detail = match last {
                    Ok(read) => format!("last status: {}", read.status),
                    Err(error) => error.to_string(),
                };
                (SettledAs::NeedsManualAttention, detail)
            }
            Err(error) => (SettledAs::NotSent, error.to_string()),
        };
        Settled { settled_as, detail }
    }
}

/// An unfinished payment, claimed by this process's lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    /// Its identity.
    pub id: PaymentId,
    /// What was to be paid.
    pub intent: Intent,
}

/// Everything journaled about one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    /// Its identity.
    pub id: PaymentId,
    /// The intent.
    pub intent: Intent,
    /// Its steps, in order.
    pub steps: Vec<StepEntry>,
    /// Its settlement, once settled.
    pub settled: Option<Settled>,
}

/// Why the journal refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The order was journaled before: its pay request may have left, so it is never
    /// sent again (resume it instead).
    #[error(
        "order `{order_no}` of {provider} is already journaled; its payment is never sent twice"
    )]
    Duplicate {
        /// The provider's spec name.
        provider: String,
        /// The order number.
        order_no: String,
    },
    /// Another process holds the payment (this one's lease ended).
    #[error("payment {0} is held by another process: this one's lease ended")]
    LeaseLost(PaymentId),
    /// No such payment.
    #[error("no payment {0} in the journal")]
    NotFound(PaymentId),
    /// The journal's store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where payments are journaled; shared by every process that pays or resumes.
#[async_trait]
pub trait Journal: Send + Sync {
    /// Records `intent` before its pay request is sent, held by `lease`.
    async fn begin(&self, intent: &Intent, lease: &Lease) -> Result<PaymentId, JournalError>;
    /// Records a step of payment `id` and renews `lease` on it.
    async fn step(
        &self,
        id: PaymentId,
        step: &StepEntry,
        lease: &Lease,
    ) -> Result<(), JournalError>;
    /// Records the settlement of payment `id`, held by `lease`, and lets the lease go.
    async fn finish(
        &self,
        id: PaymentId,
        settled: &Settled,
        lease: &Lease,
    ) -> Result<(), JournalError>;
    /// Claims the oldest unfinished payment of `provider` that no live lease holds,
    /// atomically: two processes never claim the same one.
    async fn claim_next(
        &self,
        provider: &str,
        lease: &Lease,
    ) -> Result<Option<Unfinished>, JournalError>;
    /// Everything journaled about payment `id`.
    async fn payment(&self, id: PaymentId) -> Result<Option<PaymentRecord>, JournalError>;
    /// The payment of `provider`'s order `order_no`.
    async fn find(
        &self,
        provider: &str,
        order_no: &str,
    ) -> Result<Option<PaymentRecord>, JournalError>;
}

/// The journal's name of a step kind.
pub fn kind_name(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Pay => "pay",
        StepKind::Query => "query",
        StepKind::Cancel => "cancel",
    }
}

/// The step kind named `name`.
pub fn parse_kind(name: &str) -> Option<StepKind> {
    [StepKind::Pay, StepKind::Query, StepKind::Cancel]
        .into_iter()
        .find(|k| kind_name(*k) == name)
}

/// The journal's name of a verdict.
pub fn verdict_name(verdict: SettleVerdict) -> &'static str {
    match verdict {
        SettleVerdict::Paid => "paid",
        SettleVerdict::Failed => "failed",
        SettleVerdict::InProgress => "in_progress",
        SettleVerdict::Cancelled => "cancelled",
        SettleVerdict::Attention => "attention",
    }
}

/// The verdict named `name`.
pub fn parse_verdict(name: &str) -> Option<SettleVerdict> {
    use SettleVerdict::*;
    [Paid, Failed, InProgress, Cancelled, Attention]
        .into_iter()
        .find(|v| verdict_name(*v) == name)
}

/// The outcome labels a step can carry (`paygen`'s call span labels): the journal
/// stores text, and a step read back keeps a `'static` label.
pub fn outcome_label(text: &str) -> &'static str {
    [
        "success",
        "refused",
        "business_unknown",
        "not_sent_or_refused",
        "unknown",
    ]
    .into_iter()
    .find(|l| *l == text)
    .unwrap_or("unknown")
}
