//! Every reply and notification the sandbox sends satisfies its spec's own tables: one
//! test over every spec in `specs/` × every operation of its `sandbox:` section × every
//! scenario knob (the magic amounts `..01` to `..05`, `fail_cancels`, and the refusals
//! the lifecycle can meet), driven by the specs alone: a new spec gets it with no code.
//!
//! Each reply is read by the spec's own client (`ClientCore`, what every generated crate
//! wraps), which must accept it (a success, or a refusal it decodes), and then held to:
//! - the reply table: required fields present, every value of its type and within its
//!   `max_length`/`min_length` (`paygen::tooling::received::check_fields`);
//! - no placeholder: no text of a documented field is the sandbox's stand-in
//!   `sandbox` (or a cut of it), apart from a credential the merchant sent;
//! - echoes: a field the document describes as the merchant's order number
//!   (`商户订单号`, or named as the request's order number field) or as echoed (`回传`)
//!   carries what the request sent, and a field named as a credential-valued common
//!   field of the request carries that credential;
//! - amounts: every `fen`/`yuan` value is one the order's state explains: the amount
//!   paid, refunded, this refund, what is left, or 0.
//!
//! Notifications are verified by the spec's decoder and held to the same rules against
//! the order they report, which they must name.

use paygen::protocol::{FieldDef, FieldType, Operation, Provider, ValueSource};
use paygen::tooling::decode::{decode_notification_explained, read_response};
use paygen::tooling::received::{check_fields, check_present_fields};
use paygen::tooling::validate::request_fields_from_json;
use paygen::tooling::ClientCore;
use paygen::{
    Credentials, Error, HttpRequest, HttpResponse, OperationInfo, ReqwestTransport, SendFuture,
    Transport,
};
use paygen_codegen::spec::model::{
    Sandbox as Section, SandboxEvent, SandboxOperation, SandboxRole, SandboxState,
};
use paygen_codegen::ValidSpec;
use paygen_sandbox::config::{default_spec_dir, spec_files};
use paygen_sandbox::providers::{client_credentials as credentials_of, default_credentials};
use paygen_sandbox::requests::{notify_credential, Lifecycle};
use paygen_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The amount of every order before its scenario's last two digits: 12.xx 元.
const BASE: i64 = 1200;
/// The last two digits of each magic amount, and `88`, no scenario.
const SCENARIOS: [(i64, &str); 6] = [
    (88, "normal"),
    (1, "fail"),
    (2, "in progress"),
    (3, "lost reply"),
    (4, "slow"),
    (5, "tampered"),
];
/// The partial refund, in 分.
const REFUND: i64 = 500;

/// The last exchange's reply, as received.
#[derive(Clone, Default)]
struct Last(Arc<Mutex<Option<HttpResponse>>>);

struct Recorder {
    inner: ReqwestTransport,
    last: Last,
}

impl Transport for Recorder {
    fn send<'a>(&'a self, request: HttpRequest, info: OperationInfo<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            let result = self.inner.send(request, info).await;
            *self.last.0.lock().unwrap() = result.as_ref().ok().cloned();
            result
        })
    }
}

/// A notification as delivered, unread.
#[derive(Debug, Clone)]
struct Arrival {
    spec: String,
    notification: String,
    input: String,
    headers: Vec<(String, String)>,
}

/// A receiver on a free loopback port that keeps every delivery to
/// `/<spec>/<notification>` and answers each with the acknowledgement of `acks`.
async fn receiver(acks: BTreeMap<String, String>) -> (String, Arc<Mutex<Vec<Arrival>>>) {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Uri};
    let kept = Arc::new(Mutex::new(Vec::new()));
    let store = kept.clone();
    let acks = Arc::new(acks);
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let store = store.clone();
        let acks = acks.clone();
        async move {
            let path = uri.path().trim_start_matches('/').to_owned();
            let (spec, notification) = path.split_once('/').unwrap_or((&path, ""));
            let input = match uri.query() {
                Some(query) => query.to_owned(),
                None => String::from_utf8_lossy(&body).into_owned(),
            };
            let headers = headers
                .iter()
                .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect();
            store.lock().unwrap().push(Arrival {
                spec: spec.to_owned(),
                notification: notification.to_owned(),
                input,
                headers,
            });
            acks.get(&path).cloned().unwrap_or_default()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), kept)
}

/// An order as the test made it, to judge what is said about it.
#[derive(Debug, Clone, Default)]
struct Order {
    /// The pay or precreate request's fields.
    request: Map<String, Value>,
    amount: i64,
    refunded: i64,
    /// Where the order is, as the scenario and the steps so far make it.
    state: Option<SandboxState>,
    /// A payment in progress (`..02`), paid at the sandbox's 2nd query (its default).
    in_progress: bool,
    queries: u32,
}

/// One spec under test.
struct Spec {
    name: String,
    provider: &'static Provider,
    model: ValidSpec,
    section: Section,
    client: ClientCore<Recorder>,
    /// A client whose signing key is altered, for the signature refusal.
    forger: Option<ClientCore<Recorder>>,
    /// A client naming another merchant, for the refusal of an unknown merchant.
    stranger: Option<ClientCore<Recorder>>,
    last: Last,
    credentials: Credentials,
    /// Values of the merchant's credentials (echoes of these are no placeholders).
    values: BTreeMap<String, String>,
    notify_url: String,
    /// The spec's text before its `sandbox:` section: the document's own values (an
    /// example's `uqq***@sandbox.com`) are no placeholders.
    document: String,
    findings: Vec<String>,
    orders: BTreeMap<String, Order>,
    /// Refund numbers sent so far (`refund_no`).
    refund_numbers: BTreeSet<String>,
    admin: String,
}

/// Who sends a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Merchant,
    Forger,
    Stranger,
}

/// What the reply is expected to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Success,
    Refusal,
    Either,
    /// A reply with its signature altered: the client must refuse it as such.
    Tampered,
    /// No reply at all.
    Lost,
}

impl Spec {
    fn entries(&self, role: SandboxRole) -> Vec<&SandboxOperation> {
        self.section
            .operations
            .iter()
            .filter(|o| o.role == role)
            .collect()
    }

    fn operation(&self, entry: &SandboxOperation) -> &'static Operation {
        self.provider
            .operation(&entry.operation.value)
            .expect("validation keeps sandbox operations to the spec's")
    }

    fn find(&mut self, step: &str, problem: impl std::fmt::Display) {
        self.findings
            .push(format!("{} {step}: {problem}", self.name));
    }

    fn notify(&self, entry: &SandboxOperation, event: SandboxEvent) -> Option<String> {
        entry.notify_url.as_ref()?;
        let notification = self.section.notifications.iter().find(|n| n.on == event)?;
        Some(format!(
            "{}/{}/{}",
            self.notify_url, self.name, notification.notification.value
        ))
    }

    fn request(
        &self,
        entry: &SandboxOperation,
        order_no: &str,
        amount: i64,
        total: i64,
        notify: Option<&str>,
    ) -> Map<String, Value> {
        Lifecycle {
            entry,
            order_no,
            amount,
            total,
            notify,
            fill: Some(&self.section.fill.0.value),
        }
        .request(self.operation(entry))
    }

    /// Sends one request and checks its reply; the reply's fields when it came.
    async fn call(
        &mut self,
        step: &str,
        entry: &SandboxOperation,
        fields: &Map<String, Value>,
        order_no: &str,
        expect: Expect,
        who: Who,
    ) -> Option<Map<String, Value>> {
        let operation = self.operation(entry);
        let wire = match request_fields_from_json(operation, fields) {
            Ok(wire) => wire,
            Err(error) => {
                self.find(step, format!("the request cannot be built: {error}"));
                return None;
            }
        };
        *self.last.0.lock().unwrap() = None;
        let client = match (who, &self.forger, &self.stranger) {
            (Who::Forger, Some(forger), _) => forger,
            (Who::Stranger, _, Some(stranger)) => stranger,
            _ => &self.client,
        };
        let result = client
            .call::<Map<String, Value>, String>(operation, &wire)
            .await;
        let accepted = match (&result, expect) {
            // The reply to a forged request is signed with the merchant's real key, which
            // the forger does not hold.
            (Err(Error::Signature { .. }), _) if who == Who::Forger => Ok(()),
            (Err(error @ Error::InvalidParam { .. }), _) => Err(format!(
                "the request was refused before it was sent: {error}"
            )),
            (Err(Error::Transport { .. }), Expect::Lost) => return None,
            (_, Expect::Lost) => Err("the reply was to be lost".to_owned()),
            (Err(Error::Signature { .. }), Expect::Tampered) => return None,
            (_, Expect::Tampered) => Err(format!(
                "a tampered reply was not refused as such: {:?}",
                result.as_ref().err()
            )),
            // A refusal whose success rule reads only the envelope (shouqianba's
            // `result_code` 200 with `biz_response.result_code` FAIL) is a success to the
            // client; its table then holds in full.
            (Ok(_), _) => Ok(()),
            (Err(Error::Service(_)), Expect::Refusal | Expect::Either) => Ok(()),
            (Err(error), _) => Err(format!("the spec's own client refuses the reply: {error}")),
        };
        match accepted {
            Ok(()) => {}
            Err(problem) => {
                self.find(step, problem);
                return None;
            }
        };
        let response = self.last.0.lock().unwrap().clone()?;
        let receiver = self.receiver();
        let (decoded, refused) = match read_response(self.provider, operation, &receiver, &response)
        {
            Ok((decoded, refusal)) => (decoded.fields, refusal.is_some()),
            Err(error) => {
                self.find(step, format!("cannot be read again: {error}"));
                return None;
            }
        };
        let table = if refused {
            check_present_fields(&operation.response, &decoded)
        } else {
            check_fields(&operation.response, &decoded)
        };
        if let Err(problem) = table {
            self.find(step, format!("breaks the reply table: {problem}"));
        }
        if entry.role == SandboxRole::Query {
            if let Some(order) = self.orders.get_mut(order_no) {
                order.queries += 1;
                if order.in_progress
                    && order.queries >= 2
                    && order.state == Some(SandboxState::Created)
                {
                    order.state = Some(SandboxState::Paid);
                }
            }
        }
        let order = self.orders.get(order_no).cloned().unwrap_or_default();
        if let (false, SandboxRole::Query, Some(status), Some(state)) =
            (refused, entry.role, &entry.status, order.state)
        {
            // A refunded order was paid: documents without a refund state keep
            // reporting the payment.
            let refund = matches!(
                state,
                SandboxState::Refunded | SandboxState::PartiallyRefunded
            );
            let documented = status.values.get(&state).or_else(|| {
                refund
                    .then(|| status.values.get(&SandboxState::Paid))
                    .flatten()
            });
            let received = lookup(&decoded, &status.field).map(text);
            if let Some(documented) = documented {
                if received.as_deref() != Some(documented.as_str()) {
                    self.find(
                        step,
                        format!(
                            "`{}` is {received:?}, not {documented:?}: the order is {state:?}",
                            status.field
                        ),
                    );
                }
            }
        }
        let described = descriptions(&self.model, &entry.operation.value);
        let mut sent = fields.clone();
        for (k, v) in &order.request {
            sent.entry(k.clone()).or_insert(v.clone());
        }
        let problems = self.judge(
            &operation.response,
            &decoded,
            &described,
            entry.order_no.as_ref().map(|n| n.value.as_str()),
            order_no,
            &sent,
            &order,
            amount_of(entry, fields, operation),
        );
        for problem in problems {
            self.find(step, problem);
        }
        Some(decoded)
    }

    /// The rules beyond the table: placeholders, echoes and amounts.
    #[allow(clippy::too_many_arguments)]
    fn judge(
        &self,
        table: &[FieldDef],
        fields: &Map<String, Value>,
        described: &BTreeMap<String, String>,
        order_field: Option<&str>,
        order_no: &str,
        sent: &Map<String, Value>,
        order: &Order,
        this_amount: Option<i64>,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        let credentials: BTreeSet<&str> = self.values.values().map(String::as_str).collect();
        let mut scalars = Vec::new();
        walk(table, fields, "", &mut scalars);
        let sent_texts: BTreeSet<String> = sent.values().map(text).collect();
        for (path, def, value) in scalars {
            let shown = text(value);
            let name = def.name.as_ref();
            // A document's own value (`uqq***@sandbox.com`) is quoted in the spec; the
            // bare stand-in or a cut of it never counts as quoted.
            let stand_in = "sandbox".starts_with(&shown.to_ascii_lowercase());
            let quoted = !stand_in && self.document.contains(shown.as_str());
            if is_placeholder(&shown) && !credentials.contains(shown.as_str()) && !quoted {
                problems.push(format!("`{path}` is the placeholder {value}"));
            }
            let description = described.get(name).map(String::as_str).unwrap_or("");
            let names_order = Some(name) == order_field || description.contains("商户订单号");
            if names_order && !order_no.is_empty() && shown != order_no {
                problems.push(format!(
                    "`{path}` is {value}, not the merchant's order number {order_no:?}"
                ));
            } else if description.contains("回传") && !sent_texts.contains(&shown) {
                problems.push(format!(
                    "`{path}` ({description}) is {value}, which the request did not send"
                ));
            }
            if let Some(common) = self.credential_common(name) {
                if self.values.get(common).is_some_and(|v| *v != shown) {
                    problems.push(format!(
                        "`{path}` is {value}, not the merchant's `{common}` it echoes"
                    ));
                }
            }
            if matches!(def.ty, FieldType::Fen | FieldType::Yuan) {
                let fen = if def.ty == FieldType::Yuan {
                    paygen::yuan::parse(&shown).ok().map(|f| f.0)
                } else {
                    shown.parse::<i64>().ok()
                };
                let explained = [
                    Some(order.amount),
                    Some(order.refunded),
                    Some(order.amount - order.refunded),
                    this_amount,
                    Some(0),
                ];
                if order.amount > 0 && !fen.is_some_and(|fen| explained.contains(&Some(fen))) {
                    problems.push(format!(
                        "`{path}` is {value}: the order is {} 分 with {} 分 refunded",
                        order.amount, order.refunded
                    ));
                }
            }
        }
        problems
    }

    /// The credential a common field of the request carries, by the field's name.
    /// The merchant's side of a received message: its credentials, the system clock.
    fn receiver(&self) -> paygen::Receiver<'_> {
        paygen::Receiver {
            credentials: &self.credentials,
            clock: &paygen::SystemClock,
            utc_offset_minutes: self.provider.utc_offset_minutes,
            seen: None,
        }
    }

    fn credential_common(&self, name: &str) -> Option<&str> {
        self.provider
            .request
            .common
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| match &c.value {
                ValueSource::Credential(credential) => Some(credential.as_ref()),
                _ => None,
            })
    }

    async fn admin(&mut self, body: Value) {
        let ok = reqwest::Client::new()
            .post(&self.admin)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if !ok {
            self.find("admin", format!("{body} refused"));
        }
    }

    /// Every scenario of one pay or precreate entry; `variant` sets a request field to
    /// a value that makes a pay a precreate (`precreate_when`).
    async fn scenarios(
        &mut self,
        index: usize,
        create: &SandboxOperation,
        variant: Option<(&str, &str)>,
    ) {
        let mut normal = None;
        for (suffix, scenario) in SCENARIOS {
            let order_no = format!("CF{index:02}{suffix:02}{:02}", self.orders.len() % 100);
            if suffix == 88 {
                normal = Some(order_no.clone());
            }
            let amount = BASE + suffix;
            let pay = create.role == SandboxRole::Pay && variant.is_none();
            let notify = self.notify(create, SandboxEvent::Paid);
            let mut request = self.request(create, &order_no, amount, amount, notify.as_deref());
            if let Some((field, value)) = variant {
                request.insert(field.to_owned(), Value::from(value));
            }
            self.orders.insert(
                order_no.clone(),
                Order {
                    request: request.clone(),
                    amount,
                    state: Some(match (pay, suffix) {
                        (false, _) | (true, 2) => SandboxState::Created,
                        (true, 1) => SandboxState::Failed,
                        _ => SandboxState::Paid,
                    }),
                    in_progress: pay && suffix == 2,
                    ..Order::default()
                },
            );
            let expect = match (suffix, pay) {
                (1, true) => Expect::Refusal,
                (2, true) => Expect::Either,
                (3, _) => Expect::Lost,
                (5, _) if self.provider.response.verification.is_some() => Expect::Tampered,
                _ => Expect::Success,
            };
            let step = format!("{} {scenario}", create.operation.value);
            self.call(&step, create, &request, &order_no, expect, Who::Merchant)
                .await;
            if !pay && suffix == 88 {
                // The customer scans and pays.
                let body =
                    serde_json::json!({"pay": {"provider": self.name, "order_no": order_no}});
                self.admin(body).await;
                if let Some(order) = self.orders.get_mut(&order_no) {
                    order.state = Some(SandboxState::Paid);
                }
            }
            for query in self.section_entries(SandboxRole::Query) {
                let rounds = if suffix == 2 { 3 } else { 1 };
                for round in 0..rounds {
                    let request = self.request(&query, &order_no, amount, amount, None);
                    let step = format!("{} after {scenario} #{round}", query.operation.value);
                    self.call(
                        &step,
                        &query,
                        &request,
                        &order_no,
                        Expect::Success,
                        Who::Merchant,
                    )
                    .await;
                }
            }
            let settled = suffix == 88 || (pay && (suffix == 4 || suffix == 2));
            if settled {
                self.refunds(&order_no, amount, scenario).await;
            }
            if suffix == 88 || (suffix == 1 && pay) {
                self.cancels(&order_no, amount, scenario).await;
            }
        }
        // The same order number again.
        if let Some(order_no) = normal {
            let request = self.orders[&order_no].request.clone();
            let step = format!("{} repeated order", create.operation.value);
            self.call(
                &step,
                create,
                &request,
                &order_no,
                Expect::Refusal,
                Who::Merchant,
            )
            .await;
        }
        // A request the sandbox cannot verify, and one from a merchant it does not know.
        let others = [
            (self.forger.is_some(), Who::Forger, 99, "bad signature"),
            (
                self.stranger.is_some(),
                Who::Stranger,
                98,
                "unknown merchant",
            ),
        ];
        for (who, number, what) in others
            .into_iter()
            .filter_map(|(has, w, n, t)| has.then_some((w, n, t)))
        {
            let order_no = format!("CF{index:02}{number}00");
            let request = self.request(create, &order_no, BASE + 88, BASE + 88, None);
            let step = format!("{} {what}", create.operation.value);
            self.call(&step, create, &request, &order_no, Expect::Refusal, who)
                .await;
        }
        // An unpaid order cancelled, once refused by the `fail_cancels` knob.
        for cancel in self
            .section_entries(SandboxRole::Cancel)
            .into_iter()
            .chain(self.section_entries(SandboxRole::Close))
        {
            let order_no = format!("CF{index:02}77{:02}", self.orders.len() % 100);
            let amount = if create.role == SandboxRole::Pay {
                BASE + 2
            } else {
                BASE + 88
            };
            let request = self.request(create, &order_no, amount, amount, None);
            self.orders.insert(
                order_no.clone(),
                Order {
                    request: request.clone(),
                    amount,
                    ..Order::default()
                },
            );
            let step = format!("{} unpaid", create.operation.value);
            self.call(
                &step,
                create,
                &request,
                &order_no,
                Expect::Either,
                Who::Merchant,
            )
            .await;
            self.admin(serde_json::json!({"fail_cancels": 1})).await;
            let request = self.request(&cancel, &order_no, amount, amount, None);
            let step = format!("{} fail_cancels", cancel.operation.value);
            self.call(
                &step,
                &cancel,
                &request,
                &order_no,
                Expect::Refusal,
                Who::Merchant,
            )
            .await;
            let step = format!("{} unpaid", cancel.operation.value);
            self.call(
                &step,
                &cancel,
                &request,
                &order_no,
                Expect::Success,
                Who::Merchant,
            )
            .await;
        }
        // An order nobody made.
        for query in self.section_entries(SandboxRole::Query) {
            let request = self.request(&query, "CFUNKNOWN1", BASE, BASE, None);
            let step = format!("{} unknown order", query.operation.value);
            self.call(&step, &query, &request, "", Expect::Refusal, Who::Merchant)
                .await;
        }
    }

    /// The entries of a role, owned (the section outlives the calls that borrow `self`).
    fn section_entries(&self, role: SandboxRole) -> Vec<SandboxOperation> {
        self.entries(role).into_iter().cloned().collect()
    }

    async fn refunds(&mut self, order_no: &str, amount: i64, scenario: &str) {
        for refund in self.section_entries(SandboxRole::Refund) {
            let notify = self.notify(&refund, SandboxEvent::Refunded);
            let request = self.request(&refund, order_no, REFUND, amount, notify.as_deref());
            if let Some(order) = self.orders.get_mut(order_no) {
                order.refunded += REFUND;
                order.state = Some(SandboxState::PartiallyRefunded);
            }
            let step = format!("{} after {scenario}", refund.operation.value);
            self.call(
                &step,
                &refund,
                &request,
                order_no,
                Expect::Success,
                Who::Merchant,
            )
            .await;
            // The order, and the refund read back where a refund query is played.
            let mut queries = self.section_entries(SandboxRole::Query);
            queries.extend(self.section_entries(SandboxRole::RefundQuery));
            for query in queries {
                let request = self.request(&query, order_no, amount, amount, None);
                let step = format!("{} after refund", query.operation.value);
                self.call(
                    &step,
                    &query,
                    &request,
                    order_no,
                    Expect::Success,
                    Who::Merchant,
                )
                .await;
            }
            // More than is left, under a fresh refund number (a repeated one is answered
            // as the refund made before, or refused as a duplicate).
            let mut request = self.request(&refund, order_no, amount, amount, None);
            if let Some(Value::String(number)) = refund
                .refund_no
                .as_ref()
                .and_then(|field| request.get_mut(&field.value))
            {
                number.pop();
                number.push('X');
            }
            let step = format!("{} exceeding", refund.operation.value);
            self.call(
                &step,
                &refund,
                &request,
                order_no,
                Expect::Refusal,
                Who::Merchant,
            )
            .await;
        }
    }

    async fn cancels(&mut self, order_no: &str, amount: i64, scenario: &str) {
        for cancel in self
            .section_entries(SandboxRole::Cancel)
            .into_iter()
            .chain(self.section_entries(SandboxRole::Close))
        {
            let request = self.request(&cancel, order_no, amount, amount, None);
            let step = format!("{} after {scenario}", cancel.operation.value);
            self.call(
                &step,
                &cancel,
                &request,
                order_no,
                Expect::Either,
                Who::Merchant,
            )
            .await;
        }
    }

    /// Checks every notification delivered for this spec.
    fn notifications(&mut self, arrivals: &[Arrival]) {
        let mut seen = BTreeSet::new();
        let name = self.name.clone();
        for arrival in arrivals.iter().filter(|a| a.spec == name) {
            if !seen.insert((arrival.notification.clone(), arrival.input.clone())) {
                continue;
            }
            let step = format!("notification {}", arrival.notification);
            let Some(notification) = self.provider.notification(&arrival.notification) else {
                self.find(&step, "no such notification");
                continue;
            };
            let receiver = self.receiver();
            let decoded = match decode_notification_explained(
                notification,
                &receiver,
                &arrival.input,
                &arrival.headers,
                None,
            ) {
                Ok(decoded) => decoded.fields,
                Err(error) => {
                    self.find(&step, format!("the spec's own decoder refuses it: {error}"));
                    continue;
                }
            };
            // The order it reports: the one whose number one of its fields carries.
            let mut scalars = Vec::new();
            walk(&notification.fields, &decoded, "", &mut scalars);
            let named = scalars
                .iter()
                .find_map(|(_, _, v)| self.orders.get_key_value(&text(v)));
            let Some((order_no, order)) = named.map(|(k, o)| (k.clone(), o.clone())) else {
                self.find(
                    &step,
                    format!(
                        "names no order the merchant made: {}",
                        Value::Object(decoded)
                    ),
                );
                continue;
            };
            let described = notification_descriptions(&self.model, &arrival.notification);
            let order_field = self
                .section
                .operations
                .iter()
                .find(|o| matches!(o.role, SandboxRole::Pay | SandboxRole::Precreate))
                .and_then(|o| o.order_no.as_ref())
                .map(|n| n.value.clone());
            let problems = self.judge(
                &notification.fields,
                &decoded,
                &described,
                order_field.as_deref(),
                &order_no,
                &order.request,
                &order,
                Some(REFUND),
            );
            for problem in problems {
                self.find(&step, problem);
            }
        }
    }
}

/// The amount the request's entry names (its `amount` or `refund_amount`), in 分.
fn amount_of(
    entry: &SandboxOperation,
    fields: &Map<String, Value>,
    operation: &Operation,
) -> Option<i64> {
    let path = entry.refund_amount.as_ref().or(entry.amount.as_ref())?;
    let mut value = fields.get(path.value.split('.').next()?)?;
    for part in path.value.split('.').skip(1) {
        value = value.get(part)?;
    }
    let shown = text(value);
    let yuan = operation
        .request
        .iter()
        .any(|d| d.name == path.value.as_str() && d.ty == FieldType::Yuan);
    if yuan {
        paygen::yuan::parse(&shown).ok().map(|f| f.0)
    } else {
        shown.parse().ok()
    }
}

/// The value at dotted `path`.
fn lookup<'v>(fields: &'v Map<String, Value>, path: &str) -> Option<&'v Value> {
    let mut parts = path.split('.');
    let mut value = fields.get(parts.next()?)?;
    for part in parts {
        value = value.get(part)?;
    }
    Some(value)
}

/// A value's text: a string's content, anything else its JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The sandbox's stand-in text, or a cut of it at least two characters long.
fn is_placeholder(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("sandbox") || (lower.len() >= 2 && "sandbox".starts_with(&lower))
}

/// Every scalar of the message that its table defines, with its dotted path.
fn walk<'v>(
    table: &'v [FieldDef],
    fields: &'v Map<String, Value>,
    prefix: &str,
    out: &mut Vec<(String, &'v FieldDef, &'v Value)>,
) {
    for def in table {
        let Some(value) = fields.get(def.name.as_ref()) else {
            continue;
        };
        let path = if prefix.is_empty() {
            def.name.to_string()
        } else {
            format!("{prefix}.{}", def.name)
        };
        match value {
            Value::Object(members) => walk(&def.fields, members, &path, out),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Value::Object(members) = item {
                        walk(&def.fields, members, &format!("{path}[{i}]"), out);
                    }
                }
            }
            Value::Null => {}
            _ => out.push((path, def, value)),
        }
    }
}

/// The document's description of each reply field of an operation, at any depth.
fn descriptions(spec: &ValidSpec, operation: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(op) = spec.operations.iter().find(|o| o.name.value == operation) {
        describe(&op.response, &mut out);
    }
    out
}

fn notification_descriptions(spec: &ValidSpec, name: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(n) = spec.notifications.iter().find(|n| n.name.value == name) {
        describe(&n.fields, &mut out);
    }
    out
}

fn describe(fields: &[paygen_codegen::spec::model::Field], out: &mut BTreeMap<String, String>) {
    for field in fields {
        out.entry(field.name.value.clone())
            .or_insert_with(|| field.description.clone());
        describe(&field.fields, out);
    }
}

/// The credentials with `name`'s text altered (its last character), or `None` when
/// it is not a plain text (a PEM key, a key set).
fn altered(
    provider: &Provider,
    values: &BTreeMap<String, String>,
    name: &str,
) -> Option<Credentials> {
    let mut values = values.clone();
    let value = values.get_mut(name)?;
    if value.starts_with("-----") || value.starts_with('{') || value.is_empty() {
        return None;
    }
    let last = value.pop().unwrap_or('0');
    value.push(if last == '1' { '2' } else { '1' });
    credentials_of(provider, &values).ok()
}

/// The credentials with the request's signing key altered.
fn forged(provider: &Provider, values: &BTreeMap<String, String>) -> Option<Credentials> {
    let signature = provider.request.signature.as_ref()?;
    let key = signature.recipe.key_credential.as_deref()?;
    altered(provider, values, key)
}

/// The credentials naming another merchant: the first credential-valued common field's
/// credential altered.
fn stranger(provider: &Provider, values: &BTreeMap<String, String>) -> Option<Credentials> {
    let credential = provider
        .request
        .common
        .iter()
        .find_map(|c| match &c.value {
            ValueSource::Credential(credential) => Some(credential.to_string()),
            _ => None,
        })?;
    altered(provider, values, &credential)
}

fn model_path(paths: &[std::path::PathBuf], name: &str) -> std::path::PathBuf {
    paths
        .iter()
        .find(|p| p.file_stem().is_some_and(|s| *s == *name))
        .expect("its file")
        .clone()
}

fn transport() -> ReqwestTransport {
    ReqwestTransport::new(Duration::from_secs(2), Duration::from_secs(5)).expect("transport")
}

/// A sandbox serving every spec of `specs/`, a notification receiver, and a driver
/// per spec with a `sandbox:` section.
struct Harness {
    sandbox: Sandbox,
    arrivals: Arc<Mutex<Vec<Arrival>>>,
    specs: Vec<Spec>,
}

async fn harness() -> Harness {
    let paths = spec_files(&default_spec_dir()).expect("specs/");
    let sandbox = Sandbox::start(SandboxConfig {
        specs: paths.clone(),
        notify_speedup: 1000,
        slow_ms: 20,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let mut loaded = Vec::new();
    let mut acks = BTreeMap::new();
    for path in &paths {
        let spec = paygen_codegen::load_file(path).expect("a valid spec").spec;
        let provider: &'static Provider = Box::leak(Box::new(paygen_codegen::lower(&spec)));
        for n in provider.notifications.iter() {
            acks.insert(format!("{}/{}", provider.name, n.name), n.ack.to_string());
        }
        loaded.push((spec, provider));
    }
    let (notify_url, arrivals) = receiver(acks).await;
    let mut specs = Vec::new();
    for (model, provider) in loaded {
        let Some(section) = paygen_codegen::load_file(&model_path(&paths, &provider.name))
            .expect("a valid spec")
            .spec
            .into_spec()
            .sandbox
        else {
            continue;
        };
        let mut values = default_credentials(&model);
        if let Some((credential, url)) = notify_credential(provider, &section, &notify_url) {
            values.insert(credential, url);
        }
        let name = provider.name.to_string();
        let text = std::fs::read_to_string(model_path(&paths, &name)).expect("its text");
        let document = text
            .split("\nsandbox:")
            .next()
            .unwrap_or_default()
            .to_owned();
        let last = Last::default();
        let credentials =
            credentials_of(provider, &values).expect("the sandbox's default credentials read");
        let client_of = |credentials: Credentials| {
            let recorder = Recorder {
                inner: transport(),
                last: last.clone(),
            };
            ClientCore::new(provider, sandbox.url(&name), credentials, recorder)
        };
        let client = client_of(credentials.clone());
        let forger = forged(provider, &values).map(client_of);
        let stranger = stranger(provider, &values).map(client_of);
        specs.push(Spec {
            name,
            provider,
            model,
            section,
            client,
            forger,
            stranger,
            last,
            credentials,
            values,
            notify_url: notify_url.clone(),
            document,
            findings: Vec::new(),
            orders: BTreeMap::new(),
            refund_numbers: BTreeSet::new(),
            admin: format!("{}/_sandbox/scenario", sandbox.base_url),
        });
    }
    Harness {
        sandbox,
        arrivals,
        specs,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reply_and_notification_satisfies_its_spec() {
    let Harness {
        sandbox,
        arrivals,
        mut specs,
    } = harness().await;
    assert!(
        specs.len() >= 5,
        "only {} specs have a sandbox section",
        specs.len()
    );
    for spec in &mut specs {
        let creates: Vec<SandboxOperation> = spec
            .section
            .operations
            .iter()
            .filter(|o| matches!(o.role, SandboxRole::Pay | SandboxRole::Precreate))
            .map(SandboxOperation::clone)
            .collect();
        assert!(!creates.is_empty(), "{}: no pay or precreate", spec.name);
        for (index, create) in creates.iter().enumerate() {
            spec.scenarios(index, create, None).await;
            if let Some(when) = &create.precreate_when {
                for (offset, value) in when.equals.iter().enumerate() {
                    let variant = Some((when.field.value.as_str(), value.as_str()));
                    spec.scenarios(10 + 10 * index + offset, create, variant)
                        .await;
                }
            }
        }
    }
    // Deliveries are quick at a speedup of 1000; redeliveries of refused ones too.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let arrivals = arrivals.lock().unwrap().clone();
    let mut report = String::new();
    let mut total = 0;
    for spec in &mut specs {
        spec.notifications(&arrivals);
        spec.findings.sort();
        spec.findings.dedup();
        total += spec.findings.len();
        report.push_str(&format!("{}: {}\n", spec.name, spec.findings.len()));
        for finding in &spec.findings {
            report.push_str(&format!("  {finding}\n"));
        }
    }
    let notified: BTreeSet<&str> = arrivals.iter().map(|a| a.spec.as_str()).collect();
    for spec in &specs {
        if !spec.section.notifications.is_empty() && !notified.contains(spec.name.as_str()) {
            total += 1;
            report.push_str(&format!("{}: no notification arrived\n", spec.name));
        }
    }
    sandbox.shutdown.shutdown().await;
    assert_eq!(total, 0, "findings per spec:\n{report}");
}

impl Harness {
    fn spec(&mut self, name: &str) -> &mut Spec {
        self.specs
            .iter_mut()
            .find(|s| s.name == name)
            .expect("a spec with a sandbox section")
    }
}

impl Spec {
    /// The sandbox entry of `operation`.
    fn entry(&self, operation: &str) -> SandboxOperation {
        self.section
            .operations
            .iter()
            .find(|o| o.operation.value == operation)
            .cloned()
            .expect("a sandbox entry")
    }

    /// Sends `operation` for `order_no` with the lifecycle's fields, `edit`ed, as `who`;
    /// the decoded reply (every conformance rule is checked on the way) and its body.
    async fn ask(
        &mut self,
        operation: &str,
        order_no: &str,
        amount: i64,
        who: Who,
        edit: impl FnOnce(&mut Map<String, Value>),
    ) -> (Map<String, Value>, String) {
        let entry = self.entry(operation);
        let notify = format!("{}/{}/pay", self.notify_url, self.name);
        let mut fields = self.request(&entry, order_no, amount, amount, Some(&notify));
        edit(&mut fields);
        // A refund the sandbox takes: every one here but a repeated number's.
        let repeated = self.refund_numbers.contains(&fields_text(&fields, &entry));
        if entry.role == SandboxRole::Refund && !repeated {
            self.refund_numbers.insert(fields_text(&fields, &entry));
            if let Some(order) = self.orders.get_mut(order_no) {
                order.refunded += amount;
            }
        }
        if matches!(entry.role, SandboxRole::Pay | SandboxRole::Precreate) {
            self.orders.insert(
                order_no.to_owned(),
                Order {
                    request: fields.clone(),
                    amount,
                    ..Order::default()
                },
            );
        }
        let decoded = self
            .call(operation, &entry, &fields, order_no, Expect::Either, who)
            .await;
        let body = self
            .last
            .0
            .lock()
            .unwrap()
            .as_ref()
            .map(|r| r.body.clone())
            .unwrap_or_default();
        (decoded.unwrap_or_default(), body)
    }
}

/// The refund number a refund request sends (`refund_no`), or "".
fn fields_text(fields: &Map<String, Value>, entry: &SandboxOperation) -> String {
    entry
        .refund_no
        .as_ref()
        .and_then(|n| fields.get(&n.value))
        .map(text)
        .unwrap_or_default()
}

fn at(fields: &Map<String, Value>, path: &str) -> String {
    lookup(fields, path).map(text).unwrap_or_default()
}

/// The items of issue 18 against the document lines they come from (000, 001, 004 in
/// /work/shared/providers), beyond what the generic rules above can tell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_say_what_the_documents_say() {
    let mut harness = harness().await;

    // 000 L239: out_trade_no 商户订单号（回传）; pay_channel is the request's channel.
    let tianta = harness.spec("tiantapay");
    let (reply, _) = tianta
        .ask("index", "T0000001", 1288, Who::Merchant, |_| {})
        .await;
    assert_eq!(at(&reply, "out_trade_no"), "T0000001", "{reply:?}");
    let channel = tianta.orders["T0000001"].request["type"].clone();
    assert_eq!(at(&reply, "pay_channel"), text(&channel));
    let date = at(&reply, "pay_date");
    assert_eq!(date.len(), "2016-07-19 14:10:47".len(), "{date}");

    // 001 2.2 (L66): a wrong signature of a known merchant is answered signed; only a
    // 前置性错误 (an unknown merchant) with the sign present and empty.
    let mpg = harness.spec("mpgateway");
    let (_, body) = mpg
        .ask("mpgateway", "M0000001", 1288, Who::Forger, |_| {})
        .await;
    let sign = form_value(&body, "sign");
    assert_eq!(sign.as_deref().map(str::len), Some(32), "{body}");
    let (refused, body) = mpg
        .ask("mpgateway", "M0000002", 1288, Who::Stranger, |_| {})
        .await;
    assert_eq!(form_value(&body, "sign").as_deref(), Some(""), "{body}");
    assert_eq!(at(&refused, "respcode"), "99");
    // 3.1.3: merid echoes the merchant's.
    let (paid, _) = mpg
        .ask("mpgateway", "M0000003", 1288, Who::Merchant, |_| {})
        .await;
    assert_eq!(at(&paid, "merid"), mpg.values["merid"]);
    // 3.1.2 AliSao is 正扫: unpaid until the customer scans; 3.1.3 (L130) formaction.
    let (sao, _) = mpg
        .ask("mpgateway", "M0000004", 1288, Who::Merchant, |f| {
            f.insert("action".into(), Value::from("AliSao"));
        })
        .await;
    assert!(!at(&sao, "formaction").is_empty(), "{sao:?}");
    let (query, _) = mpg
        .ask("query", "M0000004", 1288, Who::Merchant, |_| {})
        .await;
    assert_eq!(
        (at(&query, "resultcode"), at(&query, "resultmsg")),
        ("1001".to_owned(), "未支付".to_owned())
    );
    // 3.5.4: 1003 交易失败, its message the code's.
    mpg.ask("mpgateway", "M0000005", 1201, Who::Merchant, |_| {})
        .await;
    let (query, _) = mpg
        .ask("query", "M0000005", 1201, Who::Merchant, |_| {})
        .await;
    assert_eq!(
        (at(&query, "resultcode"), at(&query, "resultmsg")),
        ("1003".to_owned(), "交易失败".to_owned())
    );
    // The not_cancellable text is one message (the spec's L376 was split by YAML).
    let (refused, _) = mpg
        .ask("cancel", "M0000003", 1288, Who::Merchant, |_| {})
        .await;
    assert_eq!(at(&refused, "respmsg"), "订单已支付,不能取消");

    let sqb = harness.spec("shouqianba");
    // 004 L110: net_amount is total_amount without refunds, less them after.
    let (paid, _) = sqb
        .ask("pay", "S0000001", 1288, Who::Merchant, |_| {})
        .await;
    let data = |reply: &Map<String, Value>, member: &str| {
        at(reply, &format!("biz_response.data.{member}"))
    };
    assert_eq!(data(&paid, "net_amount"), "1288");
    assert_eq!(data(&paid, "total_amount"), "1288");
    // 附录 String(13) times: 13-digit milliseconds.
    let finish = data(&paid, "finish_time");
    assert!(
        finish.len() == 13 && finish.bytes().all(|b| b.is_ascii_digit()),
        "{finish}"
    );
    let sn = data(&paid, "sn");
    let refund = |number: &'static str| {
        let sn = sn.clone();
        move |f: &mut Map<String, Value>| {
            f.insert("sn".into(), Value::from(sn));
            f.insert("refund_request_no".into(), Value::from(number));
        }
    };
    let (refunded, _) = sqb
        .ask("refund", "S0000001", 500, Who::Merchant, refund("R1"))
        .await;
    assert_eq!(data(&refunded, "net_amount"), "788", "{refunded:?}");
    // L692: the same refund_request_no again is REFUND_REQUEST_CONFLICT.
    let (again, _) = sqb
        .ask("refund", "S0000001", 100, Who::Merchant, refund("R1"))
        .await;
    assert_eq!(
        at(&again, "biz_response.error_code"),
        "REFUND_REQUEST_CONFLICT"
    );
    let (other, _) = sqb
        .ask("refund", "S0000001", 100, Who::Merchant, refund("R2"))
        .await;
    assert_eq!(at(&other, "biz_response.result_code"), "REFUND_SUCCESS");
    // L583, L711: a precreate carries qr_code and sub_payway 2 二维码支付.
    let (pre, _) = sqb
        .ask("precreate", "S0000002", 1288, Who::Merchant, |_| {})
        .await;
    assert!(!data(&pre, "qr_code").is_empty(), "{pre:?}");
    assert_eq!(data(&pre, "sub_payway"), "2");
    // In progress: no undocumented code, no finished 流水.
    let (pending, body) = sqb
        .ask("pay", "S0000003", 1202, Who::Merchant, |_| {})
        .await;
    assert_eq!(at(&pending, "biz_response.result_code"), "INPROGRESS");
    assert!(
        !body.contains("PAY_IN_PROGRESS") && !body.contains("\"SUCCESS\""),
        "{body}"
    );
    // L156-177 example iii: PAY_FAIL with the order in data.
    let (failed, _) = sqb
        .ask("pay", "S0000004", 1201, Who::Merchant, |_| {})
        .await;
    assert_eq!(at(&failed, "biz_response.result_code"), "PAY_FAIL");
    assert_eq!(
        (
            data(&failed, "client_sn"),
            data(&failed, "status"),
            data(&failed, "order_status"),
            data(&failed, "total_amount"),
        ),
        (
            "S0000004".to_owned(),
            "FAIL_CANCELED".to_owned(),
            "PAY_CANCELED".to_owned(),
            "1201".to_owned(),
        )
    );

    // The notifications of these orders hold to the rules too; tiantapay's names the
    // order (its 通知参数列表 points to Alipay's: out_trade_no, trade_status).
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let arrivals = harness.arrivals.lock().unwrap().clone();
    let tianta = arrivals
        .iter()
        .find(|a| a.spec == "tiantapay")
        .expect("a tiantapay notification");
    assert_eq!(
        form_value(&tianta.input, "out_trade_no").as_deref(),
        Some("T0000001")
    );
    assert_eq!(
        form_value(&tianta.input, "trade_status").as_deref(),
        Some("TRADE_SUCCESS")
    );
    let mut findings = Vec::new();
    for spec in &mut harness.specs {
        spec.notifications(&arrivals);
        findings.append(&mut spec.findings);
    }
    assert!(findings.is_empty(), "{findings:#?}");
    harness.sandbox.shutdown.shutdown().await;
}

/// The value of `name` in a form body, decoded.
fn form_value(body: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
