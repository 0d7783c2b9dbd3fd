//! Pay-poll-cancel with a journal: the intent is written before the pay request leaves,
//! each step as it happens, the settlement at the end; and [`resume`], which settles
//! what a dead process left unfinished without ever sending its pay request again.
//!
//! Both drive `paygen`'s one settle flow over [`Gateway`]
//! ([`paygen::gateway::pay_and_settle_observed`], [`paygen::gateway::resume_settle`]),
//! so every provider whose spec has a `gateway.settle` plan is journaled the same way.

use crate::journal::{
    Intent, Journal, JournalError, Lease, PaymentId, Settled, StepEntry, Unfinished,
};
use paygen::gateway::{
    check_roles, pay_and_settle_observed, resume_settle, Gateway, GatewayError, GatewaySettlement,
    OrderRef, PayRequest, Role, SettlePlan,
};
use paygen::{SettleObserver, StepRecord};
use std::future::Future;
use std::pin::Pin;

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
    /// The order the flow would query is not the one paid: nothing was journaled or
    /// sent (a resumer would query the journaled number, the flow another).
    #[error("the pay request's order `{paid}` is not the queried order `{queried}`")]
    OrderMismatch {
        /// The pay request's order number.
        paid: String,
        /// The [`OrderRef`]'s order number.
        queried: String,
    },
    /// Nothing happened at the provider (the settle flow's `Err`, or a role the flow
    /// needs that the provider lacks, found before anything was journaled).
    #[error(transparent)]
    NotSent(GatewayError),
}

/// Journals the intent (the gateway's provider, the order number, the amount in 分,
/// the deadline, and what `order` sends beyond its number), then pays with `request`
/// once and settles as `plan` says over `gateway`, journaling every step and the
/// settlement. `order` is what the queries and the cancel send: the same order
/// number, with the extra fields the provider needs there. The pay request is sent
/// only once the intent is journaled.
pub async fn pay_and_settle(
    journal: &dyn Journal,
    lease: &Lease,
    gateway: &dyn Gateway,
    request: &PayRequest,
    order: &OrderRef,
    plan: SettlePlan,
) -> Result<GatewaySettlement, PayError> {
    if order.order_no != request.order_no {
        return Err(PayError::OrderMismatch {
            paid: request.order_no.clone(),
            queried: order.order_no.clone(),
        });
    }
    // Before the intent: an order journaled for a flow that cannot run would keep its
    // number from ever being paid.
    check_roles(gateway, &plan, &[Role::Pay]).map_err(PayError::NotSent)?;
    let deadline = i64::try_from(plan.timing.deadline.as_millis()).unwrap_or(i64::MAX);
    let intent = Intent {
        provider: gateway.provider().to_owned(),
        order_no: request.order_no.clone(),
        amount: request.amount,
        // From before the pay request: a resumer stops querying no later than the
        // flow itself would have.
        deadline_ms: gateway.now_millis().saturating_add(deadline),
        order_extra: order.extra.clone(),
    };
    let id = journal
        .begin(&intent, lease)
        .await
        .map_err(PayError::Journal)?;
    let recorder = Recorder { journal, id, lease };
    let result = pay_and_settle_observed(gateway, request, order, plan, &recorder).await;
    finish(journal, id, lease, &result).await;
    result.map_err(PayError::NotSent)
}

/// Records the settlement; a failure leaves the payment unfinished, for a resumer to
/// settle again by query (the outcome stands either way).
async fn finish(
    journal: &dyn Journal,
    id: PaymentId,
    lease: &Lease,
    result: &Result<GatewaySettlement, GatewayError>,
) {
    if let Err(error) = journal.finish(id, &Settled::of(result), lease).await {
        tracing::warn!(payment = %id, %error, "a settlement was not journaled");
    }
}

/// A provider's unfinished payments as [`resume`] settles them: the gateway their
/// queries and cancels go through (its [`Gateway::provider`] names the journal's rows)
/// and the plan's poll interval, cancel attempts and cancel role (the deadline is the
/// one journaled).
#[derive(Clone, Copy)]
pub struct Route<'a> {
    /// The provider's gateway.
    pub gateway: &'a dyn Gateway,
    /// How its payments settle.
    pub plan: SettlePlan,
}

impl<'a> Route<'a> {
    /// The route of `gateway` with the plan of its spec's `gateway.settle`; `None`
    /// when the spec gives none.
    pub fn of(gateway: &'a dyn Gateway) -> Option<Route<'a>> {
        gateway.settle_plan().map(|plan| Route { gateway, plan })
    }
}

impl std::fmt::Debug for Route<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("provider", &self.gateway.provider())
            .field("plan", &self.plan)
            .finish()
    }
}

/// One payment settled by [`resume`].
#[derive(Debug)]
pub struct Resumed {
    /// The payment as journaled.
    pub payment: Unfinished,
    /// How it settled; `Err` when the flow could not run (it stays unfinished).
    pub settlement: Result<GatewaySettlement, GatewayError>,
}

/// Settles every unfinished payment of the routes' providers that no live lease holds:
/// claims one at a time with `lease`, queries it through its provider's gateway until
/// its journaled deadline (at least once), then cancels or closes as the route's plan
/// says, journaling each step and the settlement. The pay request is never sent. Two
/// processes resuming at once never drive the same payment.
pub async fn resume(
    journal: &dyn Journal,
    lease: &Lease,
    routes: &[Route<'_>],
) -> Result<Vec<Resumed>, JournalError> {
    let mut resumed = Vec::new();
    for route in routes {
        let provider = route.gateway.provider();
        while let Some(payment) = journal.claim_next(provider, lease).await? {
            let recorder = Recorder {
                journal,
                id: payment.id,
                lease,
            };
            let order = OrderRef {
                order_no: payment.intent.order_no.clone(),
                trade_no: None,
                extra: payment.intent.order_extra.clone(),
            };
            let settlement = resume_settle(
                route.gateway,
                &order,
                payment.intent.deadline_ms,
                route.plan,
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
    }
    Ok(resumed)
}
