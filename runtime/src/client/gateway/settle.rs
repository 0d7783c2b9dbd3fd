//! Pay-poll-cancel over any [`Gateway`]: pay once; while the outcome is unknown or
//! pending, query until the deadline; then cancel (or close) as the provider's spec
//! says. 收钱吧's 三.2.4 procedure read through the unified statuses, so one loop
//! serves WeChat micropay (query while USERPAYING, reverse at the deadline),
//! Alipay trade_pay (query, then cancel) and the aggregators. [`resume_settle`] runs the
//! same query-then-cancel loop for an order whose pay request a dead process may have
//! sent (a payment journal's resumer), without paying.

use super::model::{OrderRef, PayRequest, PaymentResult, PaymentStatus};
use super::observe::{SettleObserver, StepKind, StepRecord, Timing};
use super::{Gateway, GatewayError, Role};
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
    /// Failed, no money stays with the merchant: the pay, query or cancel result that
    /// says so (a cancel's: the order was never taken).
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

/// What a cancel or close result means: done, never taken, a person's call, or unknown
/// (try again).
fn cancel_verdict(result: &Result<PaymentResult, GatewayError>) -> Option<SettleVerdict> {
    match result {
        Ok(r) => match r.status {
            PaymentStatus::Closed | PaymentStatus::Refunded { .. } => {
                Some(SettleVerdict::Cancelled)
            }
            // The order was never taken (收钱吧 三.2.4: 本次收款超时并且不需要撤单).
            PaymentStatus::Failed => Some(SettleVerdict::Failed),
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

/// Whether `gateway` has the roles `plan` settles with (`roles` before them): checked
/// before anything is sent, because a flow that could not query could not settle.
pub fn check_roles(
    gateway: &dyn Gateway,
    plan: &SettlePlan,
    roles: &[Role],
) -> Result<(), GatewayError> {
    for &role in roles.iter().chain([Role::Query, plan.cancel_with].iter()) {
        if !gateway.supports(role) {
            return Err(GatewayError::NotSupported {
                provider: gateway.provider().to_owned(),
                role,
            });
        }
    }
    Ok(())
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
    check_roles(gateway, &plan, &[Role::Pay])?;
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
    settle_after_pay(gateway, order, deadline_at, plan, observer).await
}

/// Settles an order whose pay request may have been sent (by a process that died
/// since), telling `observer` of every step: queries `order` every poll interval until
/// `deadline_at` (milliseconds since the epoch by the gateway's clock; at least one
/// query, however late), then cancels or closes as `plan` says. The pay request is
/// never sent.
pub async fn resume_settle(
    gateway: &dyn Gateway,
    order: &OrderRef,
    deadline_at: i64,
    plan: SettlePlan,
    observer: &dyn SettleObserver,
) -> Result<GatewaySettlement, GatewayError> {
    check_roles(gateway, &plan, &[])?;
    settle_after_pay(gateway, order, deadline_at, plan, observer).await
}

/// The flow after the payment: queries until `deadline_at`, then cancels or closes.
async fn settle_after_pay(
    gateway: &dyn Gateway,
    order: &OrderRef,
    deadline_at: i64,
    plan: SettlePlan,
    observer: &dyn SettleObserver,
) -> Result<GatewaySettlement, GatewayError> {
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
            (Some(SettleVerdict::Failed), Ok(r)) => return Ok(GatewaySettlement::Failed(r)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authenticity::Authenticity;
    use crate::client::gateway::{GatewayFuture, PrecreateRequest, RefundQueryRequest};
    use crate::client::gateway::{PaymentEvent, RefundRequest};
    use crate::client::inbound::{Delivery, InboundRequest};
    use crate::error::{Error, TransportErrorKind};
    use crate::wire::de::Fen;
    use std::collections::VecDeque;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Mutex;
    use std::time::Duration;

    /// A scripted answer: a status, or a transport failure.
    #[derive(Clone)]
    enum Answer {
        Status(PaymentStatus),
        Timeout,
        Connect,
    }

    /// A gateway answering from a script, remembering the roles it was asked for, on a
    /// clock that moves only when the flow pauses.
    struct Scripted {
        answers: Mutex<VecDeque<Answer>>,
        sent: Mutex<Vec<Role>>,
        millis: AtomicI64,
        roles: Vec<Role>,
    }

    impl Scripted {
        fn new(answers: impl IntoIterator<Item = Answer>) -> Self {
            Scripted {
                answers: Mutex::new(answers.into_iter().collect()),
                sent: Mutex::default(),
                millis: AtomicI64::new(1_000_000),
                roles: vec![Role::Pay, Role::Query, Role::Cancel],
            }
        }

        fn sent(&self) -> Vec<Role> {
            self.sent.lock().unwrap().clone()
        }

        fn answer(&self, role: Role) -> GatewayFuture<'_, PaymentResult> {
            self.sent.lock().unwrap().push(role);
            let next = self.answers.lock().unwrap().pop_front();
            Box::pin(async move {
                let transport = |kind| {
                    Err(GatewayError::Provider(Error::Transport {
                        kind,
                        message: "scripted".into(),
                        source: None,
                    }))
                };
                match next {
                    Some(Answer::Status(status)) => Ok(result(status)),
                    Some(Answer::Connect) => transport(TransportErrorKind::Connect),
                    Some(Answer::Timeout) | None => transport(TransportErrorKind::Timeout),
                }
            })
        }
    }

    fn result(status: PaymentStatus) -> PaymentResult {
        PaymentResult {
            status,
            trade_no: None,
            order_no: Some("A1".into()),
            amount: Some(Fen(100)),
            qr_code: None,
            pay_url: None,
            refund_no: None,
            refund_amount: None,
            authenticity: Authenticity::Verified,
            raw: Default::default(),
        }
    }

    impl Gateway for Scripted {
        fn provider(&self) -> &str {
            "scripted"
        }
        fn supports(&self, role: Role) -> bool {
            self.roles.contains(&role)
        }
        fn settle_plan(&self) -> Option<SettlePlan> {
            Some(plan())
        }
        fn now_millis(&self) -> i64 {
            self.millis.load(Ordering::SeqCst)
        }
        fn pause(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
            let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
            self.millis.fetch_add(millis, Ordering::SeqCst);
            Box::pin(async {})
        }
        fn pay<'a>(&'a self, _: &'a PayRequest) -> GatewayFuture<'a, PaymentResult> {
            self.answer(Role::Pay)
        }
        fn precreate<'a>(&'a self, _: &'a PrecreateRequest) -> GatewayFuture<'a, PaymentResult> {
            self.answer(Role::Precreate)
        }
        fn query<'a>(&'a self, _: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
            self.answer(Role::Query)
        }
        fn refund<'a>(&'a self, _: &'a RefundRequest) -> GatewayFuture<'a, PaymentResult> {
            self.answer(Role::Refund)
        }
        fn refund_query<'a>(
            &'a self,
            _: &'a RefundQueryRequest,
        ) -> GatewayFuture<'a, PaymentResult> {
            self.answer(Role::RefundQuery)
        }
        fn cancel<'a>(&'a self, _: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
            self.answer(Role::Cancel)
        }
        fn close<'a>(&'a self, _: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
            self.answer(Role::Close)
        }
        fn receive_notification<'a>(
            &'a self,
            _: InboundRequest<'a>,
        ) -> GatewayFuture<'a, Delivery<PaymentEvent>> {
            Box::pin(async {
                Err(GatewayError::NoNotification {
                    provider: "scripted".into(),
                })
            })
        }
    }

    /// 收钱吧's timings (三.2.4: 5 s between queries; 45 s, the spec's choice), two
    /// cancel attempts.
    fn plan() -> SettlePlan {
        SettlePlan {
            cancel_with: Role::Cancel,
            timing: Timing {
                deadline: Duration::from_secs(45),
                poll_interval: Duration::from_secs(5),
                cancel_attempts: 2,
            },
        }
    }

    /// Remembers every step it is told of.
    #[derive(Default)]
    struct Steps(Mutex<Vec<(StepKind, Option<SettleVerdict>, &'static str)>>);

    impl SettleObserver for Steps {
        fn step(&self, step: StepRecord) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
            let seen = (step.kind, step.verdict, step.outcome);
            self.0.lock().unwrap().push(seen);
            Box::pin(async {})
        }
    }

    fn request() -> PayRequest {
        PayRequest {
            order_no: "A1".into(),
            amount: Fen(100),
            subject: "goods".into(),
            auth_code: "134567890123456789".into(),
            notify_url: None,
            extra: Default::default(),
        }
    }

    use Answer::{Status, Timeout};
    use PaymentStatus::{Closed, Failed, Paid, Pending, Unknown};

    #[tokio::test]
    async fn a_lost_pay_reply_is_settled_by_query_and_told_step_by_step() {
        let gateway = Scripted::new([Timeout, Status(Pending), Timeout, Status(Paid)]);
        let steps = Steps::default();
        let settled =
            pay_and_settle_observed(&gateway, &request(), &OrderRef::new("A1"), plan(), &steps)
                .await;
        assert!(settled.is_ok_and(|s| s.is_paid()));
        assert_eq!(
            gateway.sent(),
            [Role::Pay, Role::Query, Role::Query, Role::Query]
        );
        use SettleVerdict::{InProgress, Paid as P};
        assert_eq!(
            *steps.0.lock().unwrap(),
            [
                (StepKind::Pay, None, "unknown"),
                (StepKind::Query, Some(InProgress), "success"),
                (StepKind::Query, None, "unknown"),
                (StepKind::Query, Some(P), "success"),
            ]
        );
    }

    #[tokio::test]
    async fn resume_never_pays_queries_until_the_deadline_then_cancels() {
        // Deadline 12 s away at 5 s: queries at 0, 5 and 10 s; the pause after the
        // third passes it.
        let gateway = Scripted::new([
            Status(Pending),
            Status(Pending),
            Status(Pending),
            Status(Closed),
        ]);
        let steps = Steps::default();
        let deadline_at = gateway.now_millis() + 12_000;
        let settled =
            resume_settle(&gateway, &OrderRef::new("A1"), deadline_at, plan(), &steps).await;
        assert!(
            matches!(settled, Ok(GatewaySettlement::CancelledAfterDeadline(_))),
            "{settled:?}"
        );
        assert_eq!(
            gateway.sent(),
            [Role::Query, Role::Query, Role::Query, Role::Cancel]
        );
        assert_eq!(
            steps.0.lock().unwrap().last(),
            Some(&(StepKind::Cancel, Some(SettleVerdict::Cancelled), "success"))
        );
    }

    #[tokio::test]
    async fn resume_past_its_deadline_still_queries_once() {
        let gateway = Scripted::new([Status(Paid)]);
        let settled = resume_settle(&gateway, &OrderRef::new("A1"), 0, plan(), &()).await;
        assert!(settled.is_ok_and(|s| s.is_paid()));
        assert_eq!(gateway.sent(), [Role::Query]);
    }

    #[tokio::test]
    async fn a_lost_cancel_is_sent_again_up_to_its_attempts() {
        let gateway = Scripted::new([Timeout, Timeout]);
        let settled = resume_settle(&gateway, &OrderRef::new("A1"), 0, plan(), &()).await;
        assert!(
            matches!(
                &settled,
                Ok(GatewaySettlement::NeedsManualAttention { last: Err(e) }) if e.outcome_unknown()
            ),
            "{settled:?}"
        );
        assert_eq!(gateway.sent(), [Role::Query, Role::Cancel, Role::Cancel]);
    }

    #[tokio::test]
    async fn without_the_roles_to_settle_nothing_is_sent() {
        let mut gateway = Scripted::new([Status(Paid)]);
        gateway.roles = vec![Role::Pay, Role::Query];
        let settled = resume_settle(&gateway, &OrderRef::new("A1"), 0, plan(), &()).await;
        assert!(
            matches!(
                settled,
                Err(GatewayError::NotSupported {
                    role: Role::Cancel,
                    ..
                })
            ),
            "{settled:?}"
        );
        let settled =
            pay_and_settle_observed(&gateway, &request(), &OrderRef::new("A1"), plan(), &()).await;
        assert!(settled.is_err(), "{settled:?}");
        assert!(gateway.sent().is_empty());
    }

    #[tokio::test]
    async fn an_unknown_status_is_undecided_queried_then_cancelled() {
        // 收钱吧's PAY_FAIL_ERROR and PAY_ERROR read Unknown (the model has no "ask
        // support"): queried until the deadline, then cancelled; the pay sent once.
        let mut answers = vec![Status(Unknown("PAY_FAIL_ERROR".into()))];
        answers.extend((0..10).map(|_| Status(Unknown("PAY_ERROR".into()))));
        answers.push(Status(Closed));
        let gateway = Scripted::new(answers);
        let settled =
            pay_and_settle_observed(&gateway, &request(), &OrderRef::new("A1"), plan(), &()).await;
        assert!(
            matches!(settled, Ok(GatewaySettlement::CancelledAfterDeadline(_))),
            "{settled:?}"
        );
        let sent = gateway.sent();
        // 45 s at 5 s: queries at 0, 5, ..., 45 s; the pause after the 10th passes it.
        assert_eq!(sent.iter().filter(|r| **r == Role::Query).count(), 10);
        assert_eq!(sent.iter().filter(|r| **r == Role::Pay).count(), 1);
        assert_eq!(sent.last(), Some(&Role::Cancel));
    }

    #[tokio::test]
    async fn a_cancel_that_finds_no_order_settles_failed() {
        // 收钱吧 三.2.4: cancel FAIL + UPAY_ORDER_NOT_EXISTS, 本次收款超时并且不需要撤单.
        let gateway = Scripted::new([Status(Pending), Status(Failed)]);
        let settled = resume_settle(&gateway, &OrderRef::new("A1"), 0, plan(), &()).await;
        assert!(
            matches!(&settled, Ok(GatewaySettlement::Failed(r)) if r.status == Failed),
            "{settled:?}"
        );
        assert_eq!(gateway.sent(), [Role::Query, Role::Cancel]);
    }

    #[tokio::test]
    async fn a_payment_that_never_left_is_an_error_and_nothing_more_is_sent() {
        let gateway = Scripted::new([Answer::Connect]);
        let settled =
            pay_and_settle_observed(&gateway, &request(), &OrderRef::new("A1"), plan(), &()).await;
        assert!(
            matches!(&settled, Err(e) if !e.outcome_unknown()),
            "{settled:?}"
        );
        assert_eq!(gateway.sent(), [Role::Pay]);
    }
}
