//! Pay-poll-cancel over any [`Gateway`]: pay once; while the outcome is unknown or
//! pending, query until the deadline; then cancel (or close) as the provider's spec
//! says. The flow of `settle` (收钱吧 三.2.4) read through the unified statuses, so
//! one loop serves WeChat micropay (query while USERPAYING, reverse at the deadline),
//! Alipay trade_pay (query, then cancel) and the aggregators.

use super::model::{OrderRef, PayRequest, PaymentResult, PaymentStatus};
use super::{Gateway, GatewayError, Role};
use crate::client::settle::{SettleObserver, StepKind, StepRecord, Timing};
use paygen_protocol::{GatewaySettle, SettleVerdict};

/// How an uncertain payment settles with one provider: its timings and the role that
/// ends an unresolved order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettlePlan {
    /// `Cancel` (reverses even a paid order) or `Close` (an unpaid one).
    pub cancel_with: Role,
    /// Deadline, poll interval and cancel attempts.
    pub timing: Timing,
}

impl SettlePlan {
    /// The plan a spec's `gateway.settle` declares.
    pub fn of(settle: &GatewaySettle) -> SettlePlan {
        SettlePlan {
            cancel_with: settle.cancel_with,
            timing: Timing {
                deadline: std::time::Duration::from_millis(settle.deadline_ms),
                poll_interval: std::time::Duration::from_millis(settle.poll_interval_ms),
                cancel_attempts: settle.cancel_attempts,
            },
        }
    }
}

/// How a payment settled over a gateway. `Err` from the flow itself means nothing
/// happened at the provider.
#[derive(Debug)]
pub enum GatewaySettlement {
    /// Paid: the pay or query result that says so.
    Paid(PaymentResult),
    /// Failed, no money stays with the merchant: the result that says so.
    Failed(PaymentResult),
    /// Unresolved at the deadline, then cancelled or closed: the cancel's result.
    CancelledAfterDeadline(PaymentResult),
    /// The provider could not say, or the cancel failed: a person has to find out;
    /// do not hand over goods, do not pay again.
    NeedsManualAttention {
        /// The last result or error received.
        last: Result<PaymentResult, GatewayError>,
    },
}

impl GatewaySettlement {
    /// Whether the payment is made.
    pub fn is_paid(&self) -> bool {
        matches!(self, GatewaySettlement::Paid(_))
    }
}

/// What a pay or query result means for the flow.
fn verdict(result: &Result<PaymentResult, GatewayError>) -> Option<SettleVerdict> {
    match result.as_ref().map(|r| &r.status) {
        Ok(PaymentStatus::Paid) => Some(SettleVerdict::Paid),
        Ok(PaymentStatus::Failed | PaymentStatus::Closed) => Some(SettleVerdict::Failed),
        // Refunded while being settled: someone else acted on the order.
        Ok(PaymentStatus::Refunded { .. }) => Some(SettleVerdict::Attention),
        Ok(PaymentStatus::Pending) => Some(SettleVerdict::InProgress),
        Ok(PaymentStatus::Unknown(_)) | Err(_) => None,
    }
}

/// What a cancel or close result means: done, failed for good, or unknown (try again).
fn cancel_verdict(result: &Result<PaymentResult, GatewayError>) -> Option<SettleVerdict> {
    match result {
        Ok(r) => match r.status {
            PaymentStatus::Closed | PaymentStatus::Failed | PaymentStatus::Refunded { .. } => {
                Some(SettleVerdict::Cancelled)
            }
            PaymentStatus::Paid => Some(SettleVerdict::Attention),
            PaymentStatus::Pending | PaymentStatus::Unknown(_) => None,
        },
        Err(e) if e.outcome_unknown() => None,
        Err(_) => Some(SettleVerdict::Attention),
    }
}

async fn tell(
    observer: &dyn SettleObserver,
    kind: StepKind,
    verdict: Option<SettleVerdict>,
    result: &Result<PaymentResult, GatewayError>,
) {
    let outcome = match result {
        Ok(_) => "success",
        Err(e) if e.outcome_unknown() => "unknown",
        Err(_) => "refused",
    };
    observer
        .step(StepRecord {
            kind,
            verdict,
            outcome,
        })
        .await;
}

/// Pays with `request` once and settles the outcome by the provider's plan.
pub async fn pay_and_settle(
    gateway: &dyn Gateway,
    request: &PayRequest,
) -> Result<GatewaySettlement, GatewayError> {
    let Some(plan) = gateway.settle_plan() else {
        return Err(GatewayError::NoSettlePlan {
            provider: gateway.provider().to_owned(),
        });
    };
    let order = OrderRef::new(request.order_no.clone());
    pay_and_settle_observed(gateway, request, &order, plan, &()).await
}

/// [`pay_and_settle`] with the caller's plan, telling `observer` of every step;
/// `order` is what the queries and the cancel send (the order number, and the extra
/// fields a provider needs there, such as wantu's `pay_channel`).
pub async fn pay_and_settle_observed(
    gateway: &dyn Gateway,
    request: &PayRequest,
    order: &OrderRef,
    plan: SettlePlan,
    observer: &dyn SettleObserver,
) -> Result<GatewaySettlement, GatewayError> {
    // Checked before the payment leaves: a flow that could not query could not settle.
    for role in [Role::Pay, Role::Query, plan.cancel_with] {
        if !gateway.supports(role) {
            return Err(GatewayError::NotSupported {
                provider: gateway.provider().to_owned(),
                role,
            });
        }
    }
    let paid = gateway.pay(request).await;
    let decided = verdict(&paid);
    tell(observer, StepKind::Pay, decided, &paid).await;
    match (decided, paid) {
        (Some(SettleVerdict::Paid), Ok(r)) => return Ok(GatewaySettlement::Paid(r)),
        (Some(SettleVerdict::Failed), Ok(r)) => return Ok(GatewaySettlement::Failed(r)),
        (Some(SettleVerdict::Attention), last) => {
            return Ok(GatewaySettlement::NeedsManualAttention { last })
        }
        (_, Err(error)) if !error.outcome_unknown() => return Err(error),
        _ => {}
    }

    let deadline = i64::try_from(plan.timing.deadline.as_millis()).unwrap_or(i64::MAX);
    let deadline_at = gateway.now_millis().saturating_add(deadline);
    loop {
        let queried = gateway.query(order).await;
        let decided = verdict(&queried);
        tell(observer, StepKind::Query, decided, &queried).await;
        match (decided, queried) {
            (Some(SettleVerdict::Paid), Ok(r)) => return Ok(GatewaySettlement::Paid(r)),
            (Some(SettleVerdict::Failed), Ok(r)) => return Ok(GatewaySettlement::Failed(r)),
            (Some(SettleVerdict::Attention), last) => {
                return Ok(GatewaySettlement::NeedsManualAttention { last })
            }
            // Pending, unknown, or an error: a query is safe to repeat, and the cancel
            // at the deadline settles what querying could not.
            _ => {}
        }
        gateway.pause(plan.timing.poll_interval).await;
        if gateway.now_millis() > deadline_at {
            break;
        }
    }

    let attempts = plan.timing.cancel_attempts.max(1);
    let mut attempt = 1;
    loop {
        let cancelled = match plan.cancel_with {
            Role::Close => gateway.close(order).await,
            _ => gateway.cancel(order).await,
        };
        let decided = cancel_verdict(&cancelled);
        tell(observer, StepKind::Cancel, decided, &cancelled).await;
        match (decided, cancelled) {
            (Some(SettleVerdict::Cancelled), Ok(r)) => {
                return Ok(GatewaySettlement::CancelledAfterDeadline(r))
            }
            (Some(_), last) => return Ok(GatewaySettlement::NeedsManualAttention { last }),
            (None, last) if attempt >= attempts => {
                return Ok(GatewaySettlement::NeedsManualAttention { last })
            }
            (None, _) => {}
        }
        attempt += 1;
        gateway.pause(plan.timing.poll_interval).await;
    }
}
