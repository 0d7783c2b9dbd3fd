//! The one scenario every provider runs through its `Arc<dyn Gateway>`.

use super::wire::{take, Arrivals};
use super::{Demo, Row, Style};
use paygen::protocol::SettleVerdict;
use paygen::{
    EventKind, Fen, Gateway, GatewayError, GatewaySettlement, OrderRef, PayRequest, PaymentEvent,
    PaymentResult, PaymentStatus, PrecreateRequest, RefundQueryRequest, RefundRequest, Role,
};
use paygen::{SettleObserver, StepKind, StepRecord};
use paygen_sandbox::Sandbox;
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The amount paid in the lifecycle: 12.88 元 (ends in 88: no scenario knob).
const AMOUNT: i64 = 1288;
/// The partial refund: 5.00 元.
const REFUND: i64 = 500;
/// How long a notification may take to arrive.
const NOTIFY_WAIT: Duration = Duration::from_secs(3);
/// Pay-poll-cancel's amounts: the sandbox's knobs by the last two digits (`paygen
/// serve --help`): 02 in progress until the 2nd query, 03 paid but the connection
/// drops, 04 answered after `slow_ms`.
const KNOBS: [(i64, &str); 3] = [
    (1202, "in progress"),
    (1203, "lost reply"),
    (1204, "slow reply"),
];

/// What a scenario runs against.
pub struct Env<'a> {
    /// The provider.
    pub demo: &'a Demo,
    /// Colours or not.
    pub style: &'a Style,
    /// The receiver's base URL.
    pub notify_url: &'a str,
    /// Notifications the receiver read.
    pub arrivals: &'a Arrivals,
    /// The sandbox's admin client (the buyer pays a precreated order).
    pub admin: &'a reqwest::Client,
    /// The sandbox (its request counts).
    pub sandbox: &'a Sandbox,
}

/// How a step line ends.
#[derive(Clone, Copy, PartialEq)]
enum Mark {
    Ok,
    Fail,
    NotSupported,
    /// A pay-poll-cancel step, shown but checked by the flow's outcome line.
    Step,
}

/// One provider's scenario in progress.
pub struct Run<'a> {
    env: Env<'a>,
    ok: usize,
    failed: usize,
    unsupported: usize,
    /// The lifecycle order's last unified status.
    status: Option<PaymentStatus>,
    highlights: Vec<String>,
}

fn yuan(fen: i64) -> String {
    format!("{} 元", paygen::yuan::format(Fen(fen)))
}

fn status(result: &Result<PaymentResult, GatewayError>) -> Option<&PaymentStatus> {
    result.as_ref().ok().map(|r| &r.status)
}

/// A result's line text: its unified status and how the reply was authenticated, or
/// the error.
fn describe(result: &Result<PaymentResult, GatewayError>) -> String {
    match result {
        Ok(r) => {
            let code = if r.qr_code.is_some() {
                ", a QR code"
            } else if r.pay_url.is_some() {
                ", a pay URL"
            } else {
                ""
            };
            let check = match r.authenticity {
                paygen::Authenticity::Verified => "reply signature verified",
                _ => "reply unsigned (as documented)",
            };
            format!("status {}{code}, {check}", r.status)
        }
        Err(error) => error.to_string(),
    }
}

/// What the settle flow made of a step's answer.
fn verdict(verdict: Option<SettleVerdict>) -> &'static str {
    match verdict {
        None => "undecided",
        Some(SettleVerdict::Paid) => "paid",
        Some(SettleVerdict::Failed) => "failed",
        Some(SettleVerdict::InProgress) => "in progress: query",
        Some(SettleVerdict::Attention) => "needs a person",
        Some(SettleVerdict::Cancelled) => "cancelled",
    }
}

/// Steps of a pay-poll-cancel flow with the exchanges each made.
struct Steps<'a> {
    wire: &'a super::Summaries,
    seen: Mutex<Vec<(StepRecord, Vec<String>)>>,
}

impl SettleObserver for Steps<'_> {
    fn step(&self, step: StepRecord) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let wire = take(self.wire);
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((step, wire));
        Box::pin(async {})
    }
}

impl<'a> Run<'a> {
    /// A scenario not yet run.
    pub fn new(env: Env<'a>) -> Self {
        Run {
            env,
            ok: 0,
            failed: 0,
            unsupported: 0,
            status: None,
            highlights: Vec::new(),
        }
    }

    /// The table's row.
    pub fn row(self) -> Row {
        Row {
            name: self.env.demo.name.clone(),
            ok: self.ok,
            failed: self.failed,
            unsupported: self.unsupported,
            status: self.status,
            highlights: self.highlights,
        }
    }

    fn gateway(&self) -> &'a dyn Gateway {
        self.env.demo.gateway.as_ref()
    }

    /// The operation `role` maps to, or `-`.
    fn operation(&self, role: Role) -> String {
        self.env
            .demo
            .map
            .role(role)
            .map_or_else(|| String::from("-"), |r| r.operation.to_string())
    }

    fn line(&mut self, step: &str, operation: &str, mark: Mark, text: &str) {
        let style = self.env.style;
        let mark = match mark {
            Mark::Ok => {
                self.ok += 1;
                style.paint("32", "ok  ")
            }
            Mark::Fail => {
                self.failed += 1;
                style.paint("31", "FAIL")
            }
            Mark::NotSupported => {
                self.unsupported += 1;
                style.paint("33", "n/a ")
            }
            Mark::Step => String::from("    "),
        };
        println!(
            "{:<13} {:<15} {:<14} {mark} {text}",
            self.env.demo.name, step, operation
        );
        for wire in take(&self.env.demo.wire) {
            println!("{:<44} {}", "", style.paint("2", &wire));
        }
    }

    fn check(&mut self, step: &str, role: Role, ok: bool, text: &str) {
        let mark = if ok { Mark::Ok } else { Mark::Fail };
        self.line(step, &self.operation(role), mark, text);
    }

    fn not_supported(&mut self, step: &str, role: Role) {
        let text = format!("not supported: the spec maps no {} role", role.name());
        self.line(step, "-", Mark::NotSupported, &text);
    }

    fn notify_url(&self) -> Option<String> {
        Some(format!("{}/{}", self.env.notify_url, self.env.demo.name))
    }

    fn extra(&self, role: Role) -> Map<String, Value> {
        paygen_sandbox::gateway::extra(self.env.demo.provider, &self.env.demo.map, role)
    }

    fn pay_request(&self, order_no: &str, fen: i64) -> PayRequest {
        PayRequest {
            order_no: order_no.to_owned(),
            amount: Fen(fen),
            subject: "paygen demo".to_owned(),
            auth_code: "134567890123456789".to_owned(),
            notify_url: self.notify_url(),
            extra: self.extra(Role::Pay),
        }
    }

    fn precreate_request(&self, order_no: &str) -> PrecreateRequest {
        PrecreateRequest {
            order_no: order_no.to_owned(),
            amount: Fen(AMOUNT),
            subject: "paygen demo".to_owned(),
            notify_url: self.notify_url(),
            extra: self.extra(Role::Precreate),
        }
    }

    fn order(&self, role: Role, order_no: &str) -> OrderRef {
        OrderRef {
            order_no: order_no.to_owned(),
            trade_no: None,
            extra: self.extra(role),
        }
    }

    /// Whether the spec maps a status for `role`'s replies (tiantapay's query maps none).
    fn reads_status(&self, role: Role) -> bool {
        self.env
            .demo
            .map
            .role(role)
            .is_some_and(|r| !r.status.is_empty() || r.on_success.is_some())
    }

    /// Whether the spec maps a notification of `kind` (WeChat Pay v2's encrypted-only
    /// refund notification is read too: the gateway confirms it by a refund query).
    fn maps_event(&self, kind: EventKind) -> bool {
        self.env
            .demo
            .map
            .notifications
            .iter()
            .any(|n| n.event == kind)
    }

    /// The buyer scans and pays a precreated order (the sandbox's admin route).
    async fn buyer_pays(&mut self, order_no: &str) {
        let body = serde_json::json!({
            "pay": { "provider": self.env.demo.name, "order_no": order_no }
        });
        let url = format!("{}/_sandbox/scenario", self.env.sandbox.base_url);
        let paid = self.env.admin.post(url).json(&body).send().await;
        let ok = paid.is_ok_and(|r| r.status().is_success());
        let mark = if ok { Mark::Ok } else { Mark::Fail };
        self.line(
            "customer pays",
            "(sandbox)",
            mark,
            "the payer scans and pays",
        );
    }

    /// The event of `kind` for `order_no` the receiver read, waiting up to 3 s; or what
    /// the gateway refused.
    async fn arrival(
        &self,
        kind: EventKind,
        order_no: &str,
    ) -> Option<(Result<PaymentEvent, String>, Vec<String>)> {
        let name = &self.env.demo.name;
        let deadline = Instant::now() + NOTIFY_WAIT;
        while Instant::now() < deadline {
            {
                let arrivals = self.env.arrivals.lock().unwrap_or_else(|e| e.into_inner());
                let found = arrivals.iter().find(|a| {
                    a.spec == *name
                        && a.event.as_ref().is_ok_and(|e| {
                            e.kind == kind && e.order_no.as_deref() == Some(order_no)
                        })
                });
                if let Some(a) = found {
                    return Some((a.event.clone(), a.wire.clone()));
                }
                if let Some(a) = arrivals
                    .iter()
                    .find(|a| a.spec == *name && a.event.is_err())
                {
                    return Some((a.event.clone(), a.wire.clone()));
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    async fn notification(
        &mut self,
        kind: EventKind,
        order_no: &str,
        want: fn(&PaymentStatus) -> bool,
    ) {
        let step = match kind {
            EventKind::Payment => "notify pay",
            EventKind::Refund => "notify refund",
        };
        if !self.maps_event(kind) {
            let text = "not supported: the spec maps no such notification";
            self.line(step, "-", Mark::NotSupported, text);
            return;
        }
        let Some((event, wire)) = self.arrival(kind, order_no).await else {
            self.line(step, "→ receiver", Mark::Fail, "no notification within 3 s");
            return;
        };
        self.env
            .demo
            .wire
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(wire);
        match event {
            Ok(event) => {
                let spec = self.env.demo.provider.notification(&event.notification);
                // An encrypted-only notification reaches the receiver only once a signed
                // query reply agreed with it (the spec's `confirm_with`).
                let (check, proven) = match spec {
                    Some(n) if n.verification.is_some() => {
                        ("signature verified".to_owned(), "verified")
                    }
                    Some(n) => match &n.confirm_with {
                        Some(c) => (
                            format!("decrypted, confirmed by a signed {} reply", c.operation),
                            "confirmed",
                        ),
                        None => ("received (unsigned, as documented)".to_owned(), ""),
                    },
                    None => ("received".to_owned(), ""),
                };
                let ok = want(&event.status);
                let text = format!("{} {check}, status {}", event.notification, event.status);
                let mark = if ok { Mark::Ok } else { Mark::Fail };
                self.line(step, "→ receiver", mark, &text);
                if ok && !proven.is_empty() {
                    self.highlights.push(format!("{step} {proven}"));
                }
                if ok {
                    self.status = Some(event.status);
                }
            }
            Err(error) => self.line(step, "→ receiver", Mark::Fail, &error),
        }
    }

    async fn query(&mut self, order_no: &str, want: fn(&PaymentStatus) -> bool) {
        let gw = self.gateway();
        if !gw.supports(Role::Query) {
            self.not_supported("query", Role::Query);
            return;
        }
        let queried = gw.query(&self.order(Role::Query, order_no)).await;
        if !self.reads_status(Role::Query) {
            let text = format!("{order_no} answered; the spec maps no status for it");
            self.check("query", Role::Query, queried.is_ok(), &text);
            return;
        }
        let ok = status(&queried).is_some_and(want);
        self.check(
            "query",
            Role::Query,
            ok,
            &format!("{order_no} {}", describe(&queried)),
        );
        if ok {
            self.status = status(&queried).cloned();
        }
    }

    /// The scenario: the lifecycle of one order, the close of an unpaid one, and
    /// pay-poll-cancel with the sandbox's knobs.
    pub async fn scenario(&mut self, index: usize) {
        let order_no = format!("DEMO{index:02}01");
        let Some(trade_no) = self.first_payment(&order_no).await else {
            return;
        };
        self.query(&order_no, |s| *s == PaymentStatus::Paid).await;
        self.refund(&order_no, trade_no).await;
        self.close(&format!("DEMO{index:02}02")).await;
        self.settle(index).await;
    }

    /// Precreated and paid by the buyer when the provider notifies of payments (so
    /// that the notification follows), else paid by code. `None` when nothing was paid.
    async fn first_payment(&mut self, order_no: &str) -> Option<Option<String>> {
        let gw = self.gateway();
        let precreate = gw.supports(Role::Precreate)
            && (self.maps_event(EventKind::Payment) || !gw.supports(Role::Pay));
        let result = if precreate {
            let created = gw.precreate(&self.precreate_request(order_no)).await;
            // mpgateway's one operation is pay or precreate by its `action`; the
            // sandbox plays it as pay.
            let ok = matches!(
                status(&created),
                Some(PaymentStatus::Pending | PaymentStatus::Paid)
            );
            let text = format!("{order_no} {}, {}", yuan(AMOUNT), describe(&created));
            self.check("precreate", Role::Precreate, ok, &text);
            if !ok {
                return None;
            }
            self.buyer_pays(order_no).await;
            created
        } else if gw.supports(Role::Pay) {
            let paid = gw.pay(&self.pay_request(order_no, AMOUNT)).await;
            let ok = matches!(
                status(&paid),
                Some(PaymentStatus::Paid | PaymentStatus::Pending)
            );
            let text = format!("{order_no} {}, {}", yuan(AMOUNT), describe(&paid));
            self.check("pay", Role::Pay, ok, &text);
            if !ok {
                return None;
            }
            paid
        } else {
            self.not_supported("pay", Role::Pay);
            return None;
        };
        self.status = status(&result).cloned();
        self.notification(EventKind::Payment, order_no, |s| *s == PaymentStatus::Paid)
            .await;
        Some(result.ok().and_then(|r| r.trade_no))
    }

    async fn refund(&mut self, order_no: &str, trade_no: Option<String>) {
        let gw = self.gateway();
        if !gw.supports(Role::Refund) {
            self.not_supported("refund", Role::Refund);
            return;
        }
        let request = RefundRequest {
            order_no: order_no.to_owned(),
            trade_no,
            refund_no: format!("R{order_no}"),
            amount: Fen(AMOUNT),
            refund_amount: Fen(REFUND),
            notify_url: self.notify_url(),
            extra: self.extra(Role::Refund),
        };
        let refunded = gw.refund(&request).await;
        let ok = matches!(
            status(&refunded),
            Some(PaymentStatus::Pending | PaymentStatus::Refunded { partial: true })
        );
        let text = format!(
            "{} of {} back, {}",
            yuan(REFUND),
            yuan(AMOUNT),
            describe(&refunded)
        );
        self.check("refund", Role::Refund, ok, &text);
        if ok {
            self.highlights.push(format!("refund {}", yuan(REFUND)));
        }
        self.notification(EventKind::Refund, order_no, |s| {
            *s == PaymentStatus::Refunded { partial: true }
        })
        .await;
        self.refund_query(order_no, &request.refund_no).await;
        self.query(order_no, |s| {
            matches!(s, PaymentStatus::Paid | PaymentStatus::Refunded { .. })
        })
        .await;
    }

    /// The refund just made, read back by its number.
    async fn refund_query(&mut self, order_no: &str, refund_no: &str) {
        let gw = self.gateway();
        if !gw.supports(Role::RefundQuery) {
            self.not_supported("refund query", Role::RefundQuery);
            return;
        }
        let request = RefundQueryRequest {
            order_no: order_no.to_owned(),
            refund_no: refund_no.to_owned(),
            extra: self.extra(Role::RefundQuery),
        };
        let queried = gw.refund_query(&request).await;
        if !self.reads_status(Role::RefundQuery) {
            let text = format!("{refund_no} answered; the spec maps no status for it");
            self.check("refund query", Role::RefundQuery, queried.is_ok(), &text);
            return;
        }
        let ok = status(&queried) == Some(&PaymentStatus::Refunded { partial: true });
        let text = format!("{refund_no} {}", describe(&queried));
        self.check("refund query", Role::RefundQuery, ok, &text);
    }

    /// A second order, precreated and left unpaid, then closed.
    async fn close(&mut self, order_no: &str) {
        let gw = self.gateway();
        if !gw.supports(Role::Close) {
            self.not_supported("close", Role::Close);
            return;
        }
        let created = gw.precreate(&self.precreate_request(order_no)).await;
        let ok = status(&created) == Some(&PaymentStatus::Pending);
        let text = format!(
            "{order_no} {} (left unpaid), {}",
            yuan(AMOUNT),
            describe(&created)
        );
        self.check("new order", Role::Precreate, ok, &text);
        if !ok {
            return;
        }
        let closed = gw.close(&self.order(Role::Close, order_no)).await;
        let ok = status(&closed) == Some(&PaymentStatus::Closed);
        self.check(
            "close",
            Role::Close,
            ok,
            &format!("{order_no} {}", describe(&closed)),
        );
    }

    /// Pay-poll-cancel (`pay_and_settle`) for each knob: settled paid, the pay request
    /// sent exactly once (the sandbox's count).
    async fn settle(&mut self, index: usize) {
        let gw = self.gateway();
        let Some(plan) = gw.settle_plan() else {
            // What a service gets: the typed refusal, nothing sent.
            let request = self.pay_request(&format!("DEMO{index:02}09"), AMOUNT);
            let text = match paygen::pay_and_settle(gw, &request).await {
                Err(
                    error @ (GatewayError::NoSettlePlan { .. } | GatewayError::NotSupported { .. }),
                ) => {
                    format!("not supported: {error}")
                }
                other => {
                    self.line("pay-poll-cancel", "-", Mark::Fail, &format!("{other:?}"));
                    return;
                }
            };
            self.line("pay-poll-cancel", "-", Mark::NotSupported, &text);
            return;
        };
        let pay_operation = self.operation(Role::Pay);
        for (n, (fen, knob)) in KNOBS.into_iter().enumerate() {
            let order_no = format!("DEMO{index:02}1{n}");
            let request = self.pay_request(&order_no, fen);
            let order = self.order(Role::Query, &order_no);
            let before = self
                .env
                .sandbox
                .received
                .of(&self.env.demo.name, &pay_operation);
            let steps = Steps {
                wire: &self.env.demo.wire,
                seen: Mutex::new(Vec::new()),
            };
            let settled =
                paygen::gateway::pay_and_settle_observed(gw, &request, &order, plan, &steps).await;
            let seen = steps.seen.into_inner().unwrap_or_else(|e| e.into_inner());
            for (record, wire) in seen {
                let role = match record.kind {
                    StepKind::Pay => Role::Pay,
                    StepKind::Query => Role::Query,
                    StepKind::Cancel => plan.cancel_with,
                };
                let text = format!("{}, {}", record.outcome, verdict(record.verdict));
                self.env
                    .demo
                    .wire
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(wire);
                let step = format!("  · {}", role.name());
                self.line(&step, &self.operation(role), Mark::Step, &text);
            }
            let sent = self
                .env
                .sandbox
                .received
                .of(&self.env.demo.name, &pay_operation)
                - before;
            let paid = matches!(&settled, Ok(GatewaySettlement::Paid(r)) if r.status == PaymentStatus::Paid);
            let text = match &settled {
                Ok(GatewaySettlement::Paid(r)) => format!(
                    "{order_no} {} {knob}: settled {}, pay sent {sent}×",
                    yuan(fen),
                    r.status
                ),
                Ok(other) => format!(
                    "{order_no} {} {knob}: {other:?}, pay sent {sent}×",
                    yuan(fen)
                ),
                Err(error) => format!("{order_no} {} {knob}: {error}", yuan(fen)),
            };
            self.line(
                "pay-poll-cancel",
                "pay_and_settle",
                if paid && sent == 1 {
                    Mark::Ok
                } else {
                    Mark::Fail
                },
                &text,
            );
        }
        self.highlights.push(String::from("pay-poll-cancel ×3"));
    }
}
