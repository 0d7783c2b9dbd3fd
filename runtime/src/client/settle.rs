//! Settling a payment whose outcome is uncertain, as one call: pay once; while the
//! outcome is unknown or in progress, query until a deadline; then cancel (收钱吧 三.2.4,
//! switched on by a spec's `settle:` section). The payment request is never sent twice.

use crate::client::core::ClientCore;
use crate::client::transport::Transport;
use crate::client::typed::{outcome_label, typed};
use crate::error::{Error, ParamRule};
use crate::message::decode::{lookup, text_of, Authenticity};
use crate::wire::WireFields;
use paygen_protocol::{Operation, SettleFlow, SettleRule, SettleVerdict};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tracing::Instrument;

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

impl Timing {
    /// The timings a spec's flow declares.
    pub fn of(flow: &SettleFlow) -> Timing {
        Timing {
            deadline: Duration::from_millis(flow.deadline_ms),
            poll_interval: Duration::from_millis(flow.poll_interval_ms),
            cancel_attempts: flow.cancel_attempts,
        }
    }
}

/// What one step of the flow received: the typed reply, or the error (a refusal keeps
/// its code and raw body).
#[derive(Debug)]
pub enum Step<P, Q, C> {
    /// The payment's answer.
    Pay(Result<P, Error>),
    /// A query's answer.
    Query(Result<Q, Error>),
    /// A cancel's answer.
    Cancel(Result<C, Error>),
}

/// How a payment settled. `Err` from the flow itself means nothing happened at the
/// provider (never sent, or refused before processing): every money-moving outcome is
/// one of these.
#[derive(Debug)]
pub enum Settlement<P, Q, C> {
    /// Paid: the pay or query reply that says so (it passed the success rule).
    Paid(Step<P, Q, C>),
    /// The payment failed and no money stays with the merchant: reversed, or never
    /// taken (the order does not exist).
    Failed(Step<P, Q, C>),
    /// Still unresolved at the deadline, then cancelled: money back to the payer.
    CancelledAfterDeadline(Step<P, Q, C>),
    /// The provider could not say, or the cancel failed: a person has to find out
    /// (the provider's support); do not hand over goods, do not pay again.
    NeedsManualAttention {
        /// The last reply or error received.
        last: Step<P, Q, C>,
    },
}

impl<P, Q, C> Settlement<P, Q, C> {
    /// Whether the payment is made.
    pub fn is_paid(&self) -> bool {
        matches!(self, Settlement::Paid(_))
    }
}

/// Which request a step of the flow sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// The payment.
    Pay,
    /// A query.
    Query,
    /// A cancel.
    Cancel,
}

/// One step as the flow tells its [`SettleObserver`], after its answer was read.
#[derive(Debug, Clone, Copy)]
pub struct StepRecord {
    /// Which request was sent.
    pub kind: StepKind,
    /// What the flow's rules made of the answer (`None`: undecided, the flow goes on).
    pub verdict: Option<SettleVerdict>,
    /// `success`, `refused`, `unknown`... (the call span's outcome label).
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

/// One step's answer and what the flow's rules make of it.
struct Reading<R> {
    result: Result<R, Error>,
    verdict: Option<SettleVerdict>,
}

/// The verdict of the first rule whose conditions all hold.
fn verdict(rules: &[SettleRule], fields: &Map<String, Value>) -> Option<SettleVerdict> {
    rules
        .iter()
        .find(|rule| {
            rule.when.iter().all(|condition| {
                lookup(fields, &condition.field)
                    .is_some_and(|v| condition.equals.iter().any(|ok| *ok == text_of(v)))
            })
        })
        .map(|rule| rule.then)
}

fn missing_operation(name: &str) -> Error {
    // Validation guarantees the flow's operations exist; a hand-built flow may not.
    Error::InvalidParam {
        field: format!("operation `{name}`"),
        rule: ParamRule::Unknown,
    }
}

impl<T: Transport> ClientCore<T> {
    /// The provider's spec name (a payment journal's key, with the order number).
    pub fn provider_name(&self) -> &str {
        &self.provider.name
    }

    /// Now by this client's clock, in milliseconds since the epoch: what a settle flow's
    /// deadline is measured by.
    pub fn now_millis(&self) -> i64 {
        self.clock.now_millis()
    }

    /// Sends one step of the flow, reads its answer with `rules` and tells `observer`.
    async fn settle_step<R: DeserializeOwned>(
        &self,
        (kind, operation): (StepKind, &Operation),
        fields: &WireFields<'_>,
        rules: &[SettleRule],
        observer: &dyn SettleObserver,
    ) -> Reading<R> {
        let span = self.call_span(operation);
        let reading = self
            .read_step(operation, fields, rules)
            .instrument(span.clone())
            .await;
        let outcome = outcome_label(&reading.result);
        span.record("outcome", outcome);
        let record = StepRecord {
            kind,
            verdict: reading.verdict,
            outcome,
        };
        observer.step(record).await;
        reading
    }

    /// [`Self::settle_step`] inside its span.
    async fn read_step<R: DeserializeOwned>(
        &self,
        operation: &Operation,
        fields: &WireFields<'_>,
        rules: &[SettleRule],
    ) -> Reading<R> {
        let (response, decoded, refusal) = match self.round_trip(operation, fields).await {
            Ok(read) => read,
            Err(error) => {
                return Reading {
                    result: Err(error),
                    verdict: None,
                }
            }
        };
        // A reply of a shape the protocol sends unsigned, or one only encrypted, could be
        // anyone's: it decides nothing.
        let trusted = !matches!(
            decoded.authenticity,
            Authenticity::UnsignedErrorReply | Authenticity::EncryptedOnly
        );
        let verdict = if trusted {
            verdict(rules, &decoded.fields)
        } else {
            None
        };
        let result = match refusal {
            None => typed(decoded.fields, &response.body),
            Some(error) => Err(error),
        };
        // Paid only on a reply that passed the success rule and reads as the type.
        let verdict = match verdict {
            Some(SettleVerdict::Paid) if result.is_err() => None,
            other => other,
        };
        tracing::debug!(provider = %self.provider.name, operation = %operation.name, ?verdict, ok = result.is_ok(), "settle step");
        Reading { result, verdict }
    }

    /// Pays with `pay` (the pay operation's wire fields) and settles the outcome as
    /// `flow` says: the payment is sent once; an answer that leaves the outcome unknown
    /// (transport timeout or loss, HTTP 5xx, an undecodable 2xx, a code documented
    /// `unknown` or `in_progress`, or a reply the pay rules read as in progress) is
    /// followed by queries every `poll_interval` until `deadline`, then by a cancel.
    /// `Err` only when nothing happened at the provider.
    pub async fn settle<P, Q, C>(
        &self,
        flow: &SettleFlow,
        pay: &WireFields<'_>,
        timing: Timing,
    ) -> Result<Settlement<P, Q, C>, Error>
    where
        P: DeserializeOwned + Send,
        Q: DeserializeOwned + Send,
        C: DeserializeOwned + Send,
    {
        self.settle_observed(flow, pay, timing, &()).await
    }

    /// [`Self::settle`], telling `observer` of every step.
    pub async fn settle_observed<P, Q, C>(
        &self,
        flow: &SettleFlow,
        pay: &WireFields<'_>,
        timing: Timing,
        observer: &dyn SettleObserver,
    ) -> Result<Settlement<P, Q, C>, Error>
    where
        P: DeserializeOwned + Send,
        Q: DeserializeOwned + Send,
        C: DeserializeOwned + Send,
    {
        let pay_op = self.flow_operation(&flow.pay)?;
        let Some(order_no) = pay.get(&flow.order_no) else {
            return Err(Error::InvalidParam {
                field: flow.order_no.to_string(),
                rule: ParamRule::Required,
            });
        };
        let mut order = WireFields::with_capacity(1);
        order.push(flow.order_no.clone(), order_no.clone());
        // Checked before the payment leaves: a flow that could not query could not settle.
        self.flow_operation(&flow.query)?;
        self.flow_operation(&flow.cancel)?;

        let paid: Reading<P> = self
            .settle_step((StepKind::Pay, pay_op), pay, &flow.pay_rules, observer)
            .await;
        match paid.verdict {
            Some(SettleVerdict::Paid) => return Ok(Settlement::Paid(Step::Pay(paid.result))),
            Some(SettleVerdict::Failed) => return Ok(Settlement::Failed(Step::Pay(paid.result))),
            Some(SettleVerdict::Attention) => {
                return Ok(Settlement::NeedsManualAttention {
                    last: Step::Pay(paid.result),
                })
            }
            // Validation allows neither on a pay reply; querying is the safe reading.
            Some(SettleVerdict::InProgress | SettleVerdict::Cancelled) => {}
            None => {
                if let Err(error) = paid.result {
                    if !error.outcome_unknown() {
                        return Err(error);
                    }
                }
            }
        }

        let deadline = i64::try_from(timing.deadline.as_millis()).unwrap_or(i64::MAX);
        let deadline_at = self.clock.now_millis().saturating_add(deadline);
        self.settle_after_pay(flow, &order, deadline_at, timing, observer)
            .await
    }

    /// Settles a payment whose pay request may have been sent before (by a process that
    /// died since): queries the order `order_no` every `poll_interval` until
    /// `deadline_at` (milliseconds since the epoch, by the client's clock; at least one
    /// query, however late), then cancels. The pay request is never sent.
    pub async fn resume_settle<P, Q, C>(
        &self,
        flow: &SettleFlow,
        order_no: &str,
        deadline_at: i64,
        timing: Timing,
        observer: &dyn SettleObserver,
    ) -> Result<Settlement<P, Q, C>, Error>
    where
        P: Send,
        Q: DeserializeOwned + Send,
        C: DeserializeOwned + Send,
    {
        let mut order = WireFields::with_capacity(1);
        order.push(
            flow.order_no.clone(),
            crate::wire::WireValue::Text(order_no.to_owned().into()),
        );
        self.settle_after_pay(flow, &order, deadline_at, timing, observer)
            .await
    }

    /// The operation `name` of the flow.
    fn flow_operation(&self, name: &str) -> Result<&'static Operation, Error> {
        self.provider
            .operation(name)
            .ok_or_else(|| missing_operation(name))
    }

    /// The flow after the payment: queries until `deadline_at`, then cancels.
    async fn settle_after_pay<P, Q, C>(
        &self,
        flow: &SettleFlow,
        order: &WireFields<'_>,
        deadline_at: i64,
        timing: Timing,
        observer: &dyn SettleObserver,
    ) -> Result<Settlement<P, Q, C>, Error>
    where
        P: Send,
        Q: DeserializeOwned + Send,
        C: DeserializeOwned + Send,
    {
        let query_op = self.flow_operation(&flow.query)?;
        let cancel_op = self.flow_operation(&flow.cancel)?;
        loop {
            let queried: Reading<Q> = self
                .settle_step(
                    (StepKind::Query, query_op),
                    order,
                    &flow.query_rules,
                    observer,
                )
                .await;
            match queried.verdict {
                Some(SettleVerdict::Paid) => {
                    return Ok(Settlement::Paid(Step::Query(queried.result)))
                }
                Some(SettleVerdict::Failed) => {
                    return Ok(Settlement::Failed(Step::Query(queried.result)))
                }
                Some(SettleVerdict::Attention) => {
                    return Ok(Settlement::NeedsManualAttention {
                        last: Step::Query(queried.result),
                    })
                }
                // In progress, unreadable, or an error: a query is safe to repeat, and
                // the cancel at the deadline settles what querying could not.
                _ => {}
            }
            self.sleeper.sleep(timing.poll_interval).await;
            if self.clock.now_millis() > deadline_at {
                break;
            }
        }

        let attempts = timing.cancel_attempts.max(1);
        let mut attempt = 1;
        loop {
            let cancelled: Reading<C> = self
                .settle_step(
                    (StepKind::Cancel, cancel_op),
                    order,
                    &flow.cancel_rules,
                    observer,
                )
                .await;
            match cancelled.verdict {
                Some(SettleVerdict::Cancelled) => {
                    return Ok(Settlement::CancelledAfterDeadline(Step::Cancel(
                        cancelled.result,
                    )))
                }
                Some(SettleVerdict::Failed) => {
                    return Ok(Settlement::Failed(Step::Cancel(cancelled.result)))
                }
                _ => {}
            }
            let unknown = matches!(&cancelled.result, Err(e) if e.outcome_unknown());
            if !unknown || attempt >= attempts {
                return Ok(Settlement::NeedsManualAttention {
                    last: Step::Cancel(cancelled.result),
                });
            }
            attempt += 1;
            self.sleeper.sleep(timing.poll_interval).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::sleep::Sleeper;
    use crate::client::transport::SendFuture;
    use crate::clock::Clock;
    use crate::crypto::credentials::Credentials;
    use crate::error::TransportErrorKind;
    use crate::message::decode::HttpResponse;
    use crate::message::encode::HttpRequest;
    use crate::wire::WireValue;
    use paygen_protocol::*;
    use std::borrow::Cow;
    use std::collections::VecDeque;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::{Arc, Mutex};

    fn text(s: &'static str) -> Text {
        Cow::Borrowed(s)
    }

    fn rule(path: &'static str, values: &'static [&'static str]) -> SuccessRule {
        SuccessRule {
            field: text(path),
            equals: values.iter().map(|v| text(v)).collect(),
            message: None,
            detail: None,
            and: Cow::Borrowed(&[]),
            or: Cow::Borrowed(&[]),
            http_status: Cow::Borrowed(&[]),
        }
    }

    fn field(name: &'static str) -> FieldDef {
        FieldDef {
            name: text(name),
            ty: FieldType::String,
            required: false,
            max_length: None,
            min_length: None,
            as_string: false,
            values: Cow::Borrowed(&[]),
            fields: Cow::Borrowed(&[]),
        }
    }

    fn operation(name: &'static str, success: SuccessRule) -> Operation {
        Operation {
            name: text(name),
            path: Cow::Owned(format!("/{name}")),
            method: text("POST"),
            signed: false,
            moves_money: true,
            common: Cow::Borrowed(&[]),
            headers: Cow::Borrowed(&[]),
            response_members: Cow::Borrowed(&[]),
            one_of: Cow::Borrowed(&[]),
            rules: Cow::Borrowed(&[]),
            request: Cow::Owned(vec![field("client_sn"), field("total_amount")]),
            response: Cow::Borrowed(&[]),
            success,
            codes: Cow::Borrowed(&[]),
            reply_rules: Cow::Borrowed(&[]),
            done_when: None,
        }
    }

    /// Shouqianba's shape, flattened: an unsigned JSON protocol whose pay succeeds on
    /// `result_code` 200 alone, and whose query and cancel need their own code too.
    fn provider() -> &'static Provider {
        let mut query = rule("result_code", &["200"]);
        query.and = Cow::Owned(vec![rule("biz", &["SUCCESS"])]);
        let mut cancel = rule("result_code", &["200"]);
        cancel.and = Cow::Owned(vec![rule("biz", &["CANCEL_SUCCESS"])]);
        Box::leak(Box::new(Provider {
            name: text("test"),
            utc_offset_minutes: 480,
            environments: Cow::Borrowed(&[]),
            credentials: Cow::Borrowed(&[]),
            request: RequestEnvelope {
                method: text("POST"),
                body: BodyFormat::Json,
                payload: Payload::Inline,
                common: Cow::Borrowed(&[]),
                signature: None,
                headers: Cow::Borrowed(&[]),
            },
            response: ResponseEnvelope {
                body: BodyFormat::Json,
                payload: Payload::Inline,
                verification: None,
                refusal_members: Cow::Borrowed(&[]),
            },
            operations: Cow::Owned(vec![
                operation("pay", rule("result_code", &["200"])),
                operation("query", query),
                operation("cancel", cancel),
            ]),
            notifications: Cow::Borrowed(&[]),
        }))
    }

    fn when(conditions: &[(&'static str, &'static str)], then: SettleVerdict) -> SettleRule {
        SettleRule {
            when: conditions
                .iter()
                .map(|(field, value)| FieldEquals {
                    field: text(field),
                    equals: Cow::Owned(vec![text(value)]),
                })
                .collect(),
            then,
        }
    }

    fn flow() -> SettleFlow {
        use SettleVerdict::*;
        let not_found = [("biz", "FAIL"), ("error_code", "UPAY_ORDER_NOT_EXISTS")];
        SettleFlow {
            pay: text("pay"),
            query: text("query"),
            cancel: text("cancel"),
            order_no: text("client_sn"),
            deadline_ms: 45_000,
            poll_interval_ms: 5_000,
            cancel_attempts: 2,
            pay_rules: Cow::Owned(vec![
                when(&[("biz", "PAY_SUCCESS")], Paid),
                when(&[("biz", "PAY_FAIL")], Failed),
                when(&[("biz", "FAIL")], Failed),
                when(&[("biz", "PAY_FAIL_ERROR")], Attention),
            ]),
            query_rules: Cow::Owned(vec![
                when(&not_found, Failed),
                when(&[("order_status", "PAID")], Paid),
                when(&[("order_status", "PAY_CANCELED")], Failed),
                when(&[("order_status", "PAY_ERROR")], Attention),
            ]),
            cancel_rules: Cow::Owned(vec![
                when(&[("biz", "CANCEL_SUCCESS")], Cancelled),
                when(&not_found, Failed),
            ]),
        }
    }

    /// One scripted answer of the transport double.
    enum Reply {
        Body(&'static str),
        Timeout,
        Connect,
        Status(u16),
    }

    /// A transport that answers from a script and records the paths it was sent to.
    #[derive(Default)]
    struct Script {
        replies: Mutex<VecDeque<Reply>>,
        sent: Mutex<Vec<String>>,
    }

    impl Transport for Script {
        fn send<'a>(&'a self, request: HttpRequest, _: OperationInfo<'a>) -> SendFuture<'a> {
            Box::pin(self.answer(request))
        }
    }

    impl Script {
        async fn answer(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
            let path = request
                .url
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            self.sent.lock().map(|mut s| s.push(path)).ok();
            let next = self.replies.lock().ok().and_then(|mut r| r.pop_front());
            let transport = |kind| Error::Transport {
                kind,
                message: "scripted".into(),
                source: None,
            };
            match next {
                Some(Reply::Body(body)) => Ok(HttpResponse {
                    status: 200,
                    headers: Vec::new(),
                    body: body.to_owned(),
                }),
                Some(Reply::Status(status)) => Ok(HttpResponse {
                    status,
                    headers: Vec::new(),
                    body: String::new(),
                }),
                Some(Reply::Connect) => Err(transport(TransportErrorKind::Connect)),
                Some(Reply::Timeout) | None => Err(transport(TransportErrorKind::Timeout)),
            }
        }
    }

    /// A clock that moves only when the flow sleeps, and remembers each sleep.
    #[derive(Clone, Default)]
    struct Manual {
        millis: Arc<AtomicI64>,
        slept: Arc<Mutex<Vec<Duration>>>,
    }

    impl Clock for Manual {
        fn now_millis(&self) -> i64 {
            self.millis.load(Ordering::SeqCst)
        }
    }

    impl Sleeper for Manual {
        fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
            let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
            self.millis.fetch_add(millis, Ordering::SeqCst);
            self.slept.lock().map(|mut s| s.push(duration)).ok();
            Box::pin(async {})
        }
    }

    type Outcome = Result<Settlement<Value, Value, Value>, Error>;

    /// Runs the flow against `replies`; returns the outcome, the paths sent, the sleeps.
    async fn run(replies: Vec<Reply>) -> (Outcome, Vec<String>, Vec<Duration>) {
        let script = Arc::new(Script::default());
        script.replies.lock().unwrap().extend(replies);
        let manual = Manual::default();
        let mut core = ClientCore::new(provider(), "http://x", Credentials::new(), script.clone());
        core.set_clock(manual.clone());
        core.set_sleeper(manual.clone());
        let mut pay = WireFields::with_capacity(2);
        pay.push("client_sn", WireValue::Text("A1".into()));
        pay.push("total_amount", WireValue::Text("100".into()));
        let flow = flow();
        let outcome = core.settle(&flow, &pay, Timing::of(&flow)).await;
        let sent = script.sent.lock().unwrap().clone();
        let slept = manual.slept.lock().unwrap().clone();
        (outcome, sent, slept)
    }

    const PAID: &str = r#"{"result_code":"200","biz":"SUCCESS","order_status":"PAID"}"#;
    const CREATED: &str = r#"{"result_code":"200","biz":"SUCCESS","order_status":"CREATED"}"#;
    const IN_PROGRESS: &str = r#"{"result_code":"200","biz":"PAY_IN_PROGRESS"}"#;
    const NOT_FOUND: &str =
        r#"{"result_code":"200","biz":"FAIL","error_code":"UPAY_ORDER_NOT_EXISTS"}"#;
    const CANCELLED: &str = r#"{"result_code":"200","biz":"CANCEL_SUCCESS"}"#;

    fn paths(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[tokio::test]
    async fn a_paid_reply_settles_at_once() {
        let (outcome, sent, slept) = run(vec![Reply::Body(
            r#"{"result_code":"200","biz":"PAY_SUCCESS"}"#,
        )])
        .await;
        let Ok(Settlement::Paid(Step::Pay(Ok(reply)))) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(reply["biz"], "PAY_SUCCESS");
        assert_eq!((sent, slept.len()), (paths(&["pay"]), 0));
    }

    #[tokio::test]
    async fn pay_failures_are_final_and_pay_fail_error_needs_a_person() {
        let (outcome, sent, _) = run(vec![Reply::Body(
            r#"{"result_code":"200","biz":"PAY_FAIL"}"#,
        )])
        .await;
        assert!(
            matches!(outcome, Ok(Settlement::Failed(Step::Pay(Ok(_))))),
            "{outcome:?}"
        );
        assert_eq!(sent, paths(&["pay"]));
        let (outcome, _, _) = run(vec![Reply::Body(
            r#"{"result_code":"200","biz":"PAY_FAIL_ERROR"}"#,
        )])
        .await;
        assert!(
            matches!(
                outcome,
                Ok(Settlement::NeedsManualAttention {
                    last: Step::Pay(Ok(_))
                })
            ),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn nothing_happened_is_an_error_and_nothing_more_is_sent() {
        let (outcome, sent, _) = run(vec![Reply::Connect]).await;
        assert!(
            matches!(outcome, Err(Error::Transport { .. })),
            "{outcome:?}"
        );
        assert_eq!(sent, paths(&["pay"]));
        // result_code 400: refused before processing.
        let (outcome, sent, _) = run(vec![Reply::Body(
            r#"{"result_code":"400","error_code":"ILLEGAL_SIGN"}"#,
        )])
        .await;
        assert!(matches!(outcome, Err(Error::Service(_))), "{outcome:?}");
        assert_eq!(sent, paths(&["pay"]));
    }

    #[tokio::test]
    async fn a_timeout_is_resolved_by_query_and_the_payment_is_never_sent_again() {
        let (outcome, sent, slept) = run(vec![
            Reply::Timeout,
            Reply::Body(CREATED),
            Reply::Status(502),
            Reply::Body("not json"),
            Reply::Body(PAID),
        ])
        .await;
        let Ok(Settlement::Paid(Step::Query(Ok(reply)))) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(reply["order_status"], "PAID");
        assert_eq!(sent, paths(&["pay", "query", "query", "query", "query"]));
        assert_eq!(slept, vec![Duration::from_secs(5); 3]);
    }

    #[tokio::test]
    async fn in_progress_then_failed_or_order_unknown() {
        let (outcome, _, _) = run(vec![
            Reply::Body(IN_PROGRESS),
            Reply::Body(r#"{"result_code":"200","biz":"SUCCESS","order_status":"PAY_CANCELED"}"#),
        ])
        .await;
        assert!(
            matches!(outcome, Ok(Settlement::Failed(Step::Query(Ok(_))))),
            "{outcome:?}"
        );
        // The query's own success rule refuses FAIL; the rule still reads it.
        let (outcome, _, _) = run(vec![Reply::Timeout, Reply::Body(NOT_FOUND)]).await;
        assert!(
            matches!(
                outcome,
                Ok(Settlement::Failed(Step::Query(Err(Error::Service(_)))))
            ),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn a_refused_reply_is_never_read_as_paid() {
        // order_status PAID inside a reply the success rule refuses: still unresolved.
        let refused_paid = r#"{"result_code":"200","biz":"FAIL","order_status":"PAID"}"#;
        let mut replies = vec![Reply::Body(IN_PROGRESS)];
        replies.extend((0..10).map(|_| Reply::Body(refused_paid)));
        replies.push(Reply::Body(CANCELLED));
        let (outcome, sent, _) = run(replies).await;
        assert!(
            matches!(
                outcome,
                Ok(Settlement::CancelledAfterDeadline(Step::Cancel(Ok(_))))
            ),
            "{outcome:?}"
        );
        assert_eq!(sent.last().map(String::as_str), Some("cancel"));
    }

    #[tokio::test]
    async fn at_the_deadline_the_order_is_cancelled() {
        let mut replies = vec![Reply::Body(IN_PROGRESS)];
        replies.extend((0..20).map(|_| Reply::Body(CREATED)));
        let script_len = replies.len();
        // 45 s at 5 s: queries at 0, 5, ..., 45 s; the sleep after the 10th passes it.
        let (outcome, sent, slept) = run(replies).await;
        assert!(script_len > sent.len());
        let queries = sent.iter().filter(|p| *p == "query").count();
        assert_eq!(queries, 10);
        assert_eq!(slept.len(), 10);
        // The 11th reply scripted is CREATED, not a cancel answer: manual attention.
        assert!(
            matches!(
                outcome,
                Ok(Settlement::NeedsManualAttention {
                    last: Step::Cancel(Err(_))
                })
            ),
            "{outcome:?}"
        );
        assert_eq!(sent.iter().filter(|p| *p == "pay").count(), 1);
    }

    #[tokio::test]
    async fn cancel_outcomes() {
        let deadline = |tail: Vec<Reply>| {
            let mut replies = vec![Reply::Timeout];
            replies.extend((0..10).map(|_| Reply::Body(CREATED)));
            replies.extend(tail);
            replies
        };
        let (outcome, _, _) = run(deadline(vec![Reply::Body(CANCELLED)])).await;
        assert!(
            matches!(outcome, Ok(Settlement::CancelledAfterDeadline(_))),
            "{outcome:?}"
        );
        let (outcome, _, _) = run(deadline(vec![Reply::Body(NOT_FOUND)])).await;
        assert!(
            matches!(outcome, Ok(Settlement::Failed(Step::Cancel(_)))),
            "{outcome:?}"
        );
        // A lost cancel is sent again (2 attempts), then succeeds.
        let (outcome, sent, _) = run(deadline(vec![Reply::Timeout, Reply::Body(CANCELLED)])).await;
        assert!(outcome
            .as_ref()
            .is_ok_and(|o| matches!(o, Settlement::CancelledAfterDeadline(_))));
        assert_eq!(sent.iter().filter(|p| *p == "cancel").count(), 2);
        // Lost twice: out of attempts.
        let (outcome, sent, _) = run(deadline(vec![Reply::Timeout, Reply::Timeout])).await;
        assert!(
            matches!(
                outcome,
                Ok(Settlement::NeedsManualAttention {
                    last: Step::Cancel(Err(Error::Transport { .. }))
                })
            ),
            "{outcome:?}"
        );
        assert_eq!(sent.iter().filter(|p| *p == "cancel").count(), 2);
        // A refused cancel is not retried.
        let refused =
            r#"{"result_code":"200","biz":"FAIL","error_code":"UPAY_CANCEL_INVALID_ORDER_STATE"}"#;
        let (outcome, sent, _) = run(deadline(vec![Reply::Body(refused)])).await;
        assert!(
            matches!(
                outcome,
                Ok(Settlement::NeedsManualAttention {
                    last: Step::Cancel(Err(Error::Service(_)))
                })
            ),
            "{outcome:?}"
        );
        assert_eq!(sent.iter().filter(|p| *p == "cancel").count(), 1);
    }

    /// Remembers every step it is told of.
    #[derive(Default)]
    struct Steps(Mutex<Vec<(StepKind, Option<SettleVerdict>, &'static str)>>);

    impl SettleObserver for Steps {
        fn step(&self, step: StepRecord) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
            let seen = (step.kind, step.verdict, step.outcome);
            self.0.lock().map(|mut s| s.push(seen)).ok();
            Box::pin(async {})
        }
    }

    #[tokio::test]
    async fn every_step_is_observed_and_a_resumed_flow_never_pays() {
        let script = Arc::new(Script::default());
        script.replies.lock().unwrap().extend([
            Reply::Timeout,
            Reply::Body(PAID),
            Reply::Body(CREATED),
            Reply::Body(CREATED),
            Reply::Body(CREATED),
            Reply::Body(CANCELLED),
        ]);
        let manual = Manual::default();
        let mut core = ClientCore::new(provider(), "http://x", Credentials::new(), script.clone());
        core.set_clock(manual.clone());
        core.set_sleeper(manual.clone());
        let flow = flow();
        let mut pay = WireFields::with_capacity(2);
        pay.push("client_sn", WireValue::Text("A1".into()));
        pay.push("total_amount", WireValue::Text("100".into()));
        let steps = Steps::default();
        let outcome: Outcome = core
            .settle_observed(&flow, &pay, Timing::of(&flow), &steps)
            .await;
        assert!(outcome.is_ok_and(|o| o.is_paid()));
        use SettleVerdict::*;
        assert_eq!(
            *steps.0.lock().unwrap(),
            [
                (StepKind::Pay, None, "unknown"),
                (StepKind::Query, Some(Paid), "success")
            ]
        );

        // Resumed with its deadline 12 s away: queries at 0, 5 and 10 s, then the
        // cancel; the script's order shows that no pay was sent.
        let steps = Steps::default();
        let outcome: Outcome = core
            .resume_settle(
                &flow,
                "A1",
                manual.now_millis() + 12_000,
                Timing::of(&flow),
                &steps,
            )
            .await;
        assert!(
            matches!(outcome, Ok(Settlement::CancelledAfterDeadline(_))),
            "{outcome:?}"
        );
        let sent = script.sent.lock().unwrap().clone();
        assert_eq!(
            sent,
            paths(&["pay", "query", "query", "query", "query", "cancel"])
        );
        assert_eq!(
            steps.0.lock().unwrap().last(),
            Some(&(StepKind::Cancel, Some(Cancelled), "success"))
        );
        // A deadline long past still queries once before cancelling.
        script.replies.lock().unwrap().extend([Reply::Body(PAID)]);
        let outcome: Outcome = core
            .resume_settle(&flow, "A1", 0, Timing::of(&flow), &())
            .await;
        assert!(outcome.is_ok_and(|o| o.is_paid()));
    }

    #[tokio::test]
    async fn without_an_order_number_nothing_is_sent() {
        let script = Arc::new(Script::default());
        let core = ClientCore::new(provider(), "http://x", Credentials::new(), script.clone());
        let pay = WireFields::with_capacity(0);
        let flow = flow();
        let outcome: Outcome = core.settle(&flow, &pay, Timing::of(&flow)).await;
        assert!(
            matches!(&outcome, Err(Error::InvalidParam { field, rule: ParamRule::Required }) if field == "client_sn"),
            "{outcome:?}"
        );
        assert!(script.sent.lock().unwrap().is_empty());
    }
}
