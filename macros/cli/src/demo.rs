//! `paygen demo`: the embedded sandbox on a free loopback port, and for every spec a
//! payment's lifecycle through the runtime client (`paygen::tooling::ClientCore`, what every
//! generated crate wraps): pay or precreate, the notification received and verified,
//! query, partial refund (and its notification), query, cancel or close. One line per
//! step and, under it, its wire summary (`POST /wantu/pospay json 366 B -> 200 json
//! 219 B`), then a table; exit code 1 if any step failed. Offline, a few seconds.

use crate::{input, CliError};
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use paygen::protocol::{Notification, Operation, Provider};
use paygen::tooling::validate::request_fields_from_json;
use paygen::tooling::ClientCore;
use paygen::{
    Credentials, Error, HttpRequest, OperationInfo, ReqwestTransport, Response, SendFuture,
    Transport,
};
use paygen_codegen::spec::model::{
    Sandbox as SandboxSpec, SandboxEvent, SandboxOperation, SandboxRole,
};
use paygen_sandbox::config::{default_spec_dir, spec_files};
use paygen_sandbox::providers::{client_credentials as credentials_of, default_credentials};
use paygen_sandbox::requests::{notify_credential, Lifecycle};
use paygen_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The amount paid in every lifecycle: 12.88 元 (ends in 88: no scenario knob).
const AMOUNT: i64 = 1288;
/// The partial refund: 5.00 元.
const REFUND: i64 = 500;
/// How long a notification may take to arrive.
const NOTIFY_WAIT: Duration = Duration::from_secs(3);

/// A notification as the demo's receiver got it, verified or not.
struct Arrival {
    spec: String,
    notification: String,
    verified: Result<Map<String, Value>, Error>,
    /// The delivery's one-line wire summary.
    wire: String,
}

/// One spec as the demo drives it.
struct Demo {
    name: String,
    provider: &'static Provider,
    sandbox: SandboxSpec,
    client: ClientCore<Wire>,
    /// The last exchange's one-line summary, taken by the step line that reports it.
    wire: Arc<Mutex<Option<String>>>,
}

/// The reqwest transport, keeping a one-line summary of each exchange:
/// `POST /wantu/pospay json 212 B -> 200 json 305 B`.
struct Wire {
    inner: ReqwestTransport,
    last: Arc<Mutex<Option<String>>>,
}

impl Transport for Wire {
    fn send<'a>(&'a self, request: HttpRequest, info: OperationInfo<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            let target = paygen::tooling::template::path_and_query(&request.url);
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            let sent = if request.body.is_empty() && !query.is_empty() {
                format!("{} {path} query {} B", request.method, query.len())
            } else {
                let kind = body_kind(
                    request
                        .headers
                        .iter()
                        .map(|(n, v)| (n.as_ref(), v.as_ref())),
                );
                format!("{} {path} {kind} {} B", request.method, request.body.len())
            };
            let result = self.inner.send(request, info).await;
            let summary = match &result {
                Ok(reply) => {
                    let kind =
                        body_kind(reply.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
                    format!("{sent} -> {} {kind} {} B", reply.status, reply.body.len())
                }
                Err(error) => match error.outcome() {
                    paygen::Outcome::Unknown => format!("{sent} -> no reply (outcome unknown)"),
                    _ => format!("{sent} -> no reply"),
                },
            };
            *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(summary);
            result
        })
    }
}

/// A body's kind from its `Content-Type` header: json, form, xml or text.
fn body_kind<'h>(mut headers: impl Iterator<Item = (&'h str, &'h str)>) -> &'static str {
    let Some((_, value)) = headers.find(|(n, _)| n.eq_ignore_ascii_case("content-type")) else {
        return "text";
    };
    if value.contains("json") {
        "json"
    } else if value.contains("x-www-form-urlencoded") {
        "form"
    } else if value.contains("xml") {
        "xml"
    } else {
        "text"
    }
}

/// Step results, for the table.
#[derive(Default)]
struct Tally {
    rows: Vec<(String, usize, usize, String)>,
}

/// Colours only on a terminal.
struct Style {
    colour: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

fn yuan(fen: i64) -> String {
    format!("{} 元", paygen::yuan::format(paygen::Fen(fen)))
}

/// Runs the demo.
pub fn run() -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(demo())
}

async fn demo() -> Result<(), CliError> {
    let started = Instant::now();
    let style = Style {
        colour: std::io::stdout().is_terminal(),
    };
    let specs = spec_files(&default_spec_dir())
        .map_err(|e| CliError::Usage(format!("cannot list specs/: {e}")))?;
    let sandbox = Sandbox::start(SandboxConfig {
        specs: specs.clone(),
        notify_speedup: 1000,
        ..SandboxConfig::default()
    })
    .await
    .map_err(|e| CliError::Usage(e.to_string()))?;
    println!("sandbox listening on {}", sandbox.base_url);

    let mut served = Vec::new();
    let mut skipped = Vec::new();
    let mut receivers: BTreeMap<String, (&'static Provider, Credentials)> = BTreeMap::new();
    for path in &specs {
        let loaded = input::spec(path)?;
        let values = default_credentials(&loaded.spec);
        // One provider table per spec for the whole run: the runtime client takes the
        // `&'static` table a generated crate has as a constant.
        let provider: &'static Provider = Box::leak(Box::new(loaded.provider));
        let name = provider.name.to_string();
        let Some(section) = loaded.spec.into_spec().sandbox else {
            skipped.push(name);
            continue;
        };
        receivers.insert(name.clone(), (provider, credentials_of(provider, &values)));
        served.push((name, provider, section, values));
    }
    let (notify_url, arrivals) = receiver(receivers)
        .await
        .map_err(|e| CliError::Usage(format!("cannot start the notification receiver: {e}")))?;
    println!("notifications received on {notify_url}/<spec>/<notification>\n");
    let mut demos = Vec::new();
    for (name, provider, section, mut values) in served {
        // A notify URL the client sends from a credential (Alipay's `notify_url`).
        if let Some((credential, url)) = notify_credential(provider, &section, &notify_url) {
            values.insert(credential, url);
        }
        let inner = ReqwestTransport::new(Duration::from_secs(2), Duration::from_secs(5))
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let wire = Arc::new(Mutex::new(None));
        let transport = Wire {
            inner,
            last: wire.clone(),
        };
        let credentials = credentials_of(provider, &values);
        let client = ClientCore::new(provider, sandbox.url(&name), credentials, transport);
        demos.push(Demo {
            name,
            provider,
            sandbox: section,
            client,
            wire,
        });
    }

    let mut tally = Tally::default();
    let mut arrivals = arrivals;
    let admin = reqwest::Client::new();
    for (index, demo) in demos.iter().enumerate() {
        let mut run = Run {
            demo,
            style: &style,
            notify_url: &notify_url,
            arrivals: &mut arrivals,
            admin: &admin,
            admin_url: format!("{}/_sandbox/scenario", sandbox.base_url),
            ok: 0,
            failed: 0,
            highlights: Vec::new(),
        };
        run.lifecycle(index).await;
        tally.rows.push((
            demo.name.clone(),
            run.ok,
            run.failed,
            run.highlights.join(", "),
        ));
        println!();
    }
    sandbox.shutdown.shutdown().await;

    let failed: usize = tally.rows.iter().map(|r| r.2).sum();
    let steps: usize = tally.rows.iter().map(|r| r.1 + r.2).sum();
    println!("{:<14} {:>5} {:>7}  checked", "provider", "steps", "failed");
    for (name, ok, bad, highlights) in &tally.rows {
        let bad_text = format!("{bad:>7}");
        let bad_text = if *bad > 0 {
            style.paint("31", &bad_text)
        } else {
            bad_text
        };
        println!("{name:<14} {:>5} {bad_text}  {highlights}", ok + bad);
    }
    for name in &skipped {
        println!(
            "{name:<14} {:>5} {:>7}  skipped: its spec has no sandbox: section",
            0, 0
        );
    }
    let verdict = if failed == 0 {
        style.paint("32", "all passed")
    } else {
        style.paint("31", &format!("{failed} failed"))
    };
    println!(
        "\n{} providers, {steps} steps, {verdict} in {} ms",
        tally.rows.len(),
        started.elapsed().as_millis()
    );
    if failed > 0 {
        return Err(CliError::Check(format!("{failed} demo steps failed")));
    }
    Ok(())
}

/// A receiver on a free loopback port: `/<spec>/<notification>` verifies the
/// notification as the merchant would and answers the documented ack only if it holds.
async fn receiver(
    providers: BTreeMap<String, (&'static Provider, Credentials)>,
) -> std::io::Result<(String, mpsc::Receiver<Arrival>)> {
    let (send, arrivals) = mpsc::channel::<Arrival>(64);
    let providers = Arc::new(providers);
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let providers = providers.clone();
            let send = send.clone();
            async move {
                let mut parts = uri.path().trim_start_matches('/').splitn(2, '/');
                let (spec, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let Some((provider, credentials)) = providers.get(spec) else {
                    return String::from("unknown spec");
                };
                let Some(notification) = provider.notification(name) else {
                    return String::from("unknown notification");
                };
                let input = match uri.query() {
                    Some(query) => query.to_owned(),
                    None => String::from_utf8_lossy(&body).into_owned(),
                };
                let received: Vec<(String, String)> = headers
                    .iter()
                    .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                    .collect();
                let verified = verify(provider, notification, credentials, &input, &received);
                let ack = match &verified {
                    Ok(fields) => paygen::inbound::ack_body(notification, fields).into_owned(),
                    Err(_) => String::from("FAIL"),
                };
                let (kind, size) = match uri.query() {
                    Some(query) => ("query", query.len()),
                    None => (
                        body_kind(
                            headers
                                .iter()
                                .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?))),
                        ),
                        body.len(),
                    ),
                };
                let wire = format!("{method} {} {kind} {size} B -> {:?}", uri.path(), ack);
                let _ = send
                    .send(Arrival {
                        spec: spec.to_owned(),
                        notification: name.to_owned(),
                        verified,
                        wire,
                    })
                    .await;
                ack
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{addr}"), arrivals))
}

fn verify(
    provider: &'static Provider,
    notification: &Notification,
    credentials: &Credentials,
    input: &str,
    headers: &[(String, String)],
) -> Result<Map<String, Value>, Error> {
    let clock = paygen::SystemClock;
    let receiver = paygen::Receiver {
        credentials,
        clock: &clock,
        utc_offset_minutes: provider.utc_offset_minutes,
        seen: None,
    };
    // The headers carry the signature where the notification signs in them (WeChat Pay
    // APIv3).
    paygen::tooling::decode::decode_notification_explained(
        notification,
        &receiver,
        input,
        headers,
        None,
    )
    .map(|d| d.fields)
}

/// One spec's lifecycle in progress.
struct Run<'a> {
    demo: &'a Demo,
    style: &'a Style,
    notify_url: &'a str,
    arrivals: &'a mut mpsc::Receiver<Arrival>,
    admin: &'a reqwest::Client,
    admin_url: String,
    ok: usize,
    failed: usize,
    highlights: Vec<String>,
}

impl<'a> Run<'a> {
    fn entry(&self, roles: &[SandboxRole]) -> Option<&'a SandboxOperation> {
        let demo: &'a Demo = self.demo;
        roles
            .iter()
            .find_map(|role| demo.sandbox.operations.iter().find(|o| o.role == *role))
    }

    fn operation(&self, entry: &SandboxOperation) -> Option<&'static Operation> {
        self.demo.provider.operation(&entry.operation.value)
    }

    fn line(&mut self, step: &str, operation: &str, ok: bool, text: &str) {
        if ok {
            self.ok += 1;
        } else {
            self.failed += 1;
        }
        let mark = if ok {
            self.style.paint("32", "ok  ")
        } else {
            self.style.paint("31", "FAIL")
        };
        println!(
            "{:<13} {:<13} {:<14} {mark} {text}",
            self.demo.name, step, operation
        );
        let wire = self
            .demo
            .wire
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(wire) = wire {
            println!("{:<42} {}", "", self.style.paint("2", &wire));
        }
    }

    /// The notification URL for `notification`, when the entry names a request field.
    fn notify(&self, entry: &SandboxOperation, event: SandboxEvent) -> Option<String> {
        entry.notify_url.as_ref()?;
        let notification = self
            .demo
            .sandbox
            .notifications
            .iter()
            .find(|n| n.on == event)?;
        Some(format!(
            "{}/{}/{}",
            self.notify_url, self.demo.name, notification.notification.value
        ))
    }

    /// Request fields: the lifecycle's own, and a plausible value for every other
    /// required field.
    fn request(
        &self,
        operation: &Operation,
        entry: &SandboxOperation,
        order_no: &str,
        amount: i64,
        notify: Option<&str>,
    ) -> Map<String, Value> {
        Lifecycle {
            entry,
            order_no,
            amount,
            total: AMOUNT,
            notify,
            fill: Some(&self.demo.sandbox.fill.0.value),
        }
        .request(operation)
    }

    /// Sends one operation through the runtime client; `sent_as` fields (mct1's
    /// `shop_pass`) go out as the generated request would send them.
    async fn call(
        &self,
        operation: &'static Operation,
        fields: &Map<String, Value>,
    ) -> Result<Response<Map<String, Value>>, Error> {
        let wire = request_fields_from_json(operation, fields)?;
        self.demo
            .client
            .call::<Map<String, Value>, String>(operation, &wire)
            .await
    }

    /// What the reply's signature check amounted to, as the client established it.
    fn reply_check(reply: &Response<Map<String, Value>>) -> &'static str {
        if reply.is_verified() {
            "reply signature verified"
        } else {
            "reply unsigned (as documented)"
        }
    }

    /// The reply's status value, by the entry's `status` path.
    fn status(entry: &SandboxOperation, reply: &Map<String, Value>) -> Option<String> {
        let path = &entry.status.as_ref()?.field;
        let mut value = reply.get(path.split('.').next()?)?;
        for part in path.split('.').skip(1) {
            value = value.get(part)?;
        }
        Some(match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
    }

    async fn wait_for(&mut self, name: &str) -> Option<Result<Map<String, Value>, Error>> {
        let deadline = Instant::now() + NOTIFY_WAIT;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let arrival = tokio::time::timeout(left, self.arrivals.recv())
                .await
                .ok()??;
            if arrival.spec == self.demo.name && arrival.notification == name {
                *self.demo.wire.lock().unwrap_or_else(|e| e.into_inner()) = Some(arrival.wire);
                return Some(arrival.verified);
            }
        }
    }

    async fn expect_notification(&mut self, url: Option<String>) {
        let Some(url) = url else {
            return;
        };
        let name = url.rsplit('/').next().unwrap_or("").to_owned();
        let Some(notification) = self.demo.provider.notification(&name) else {
            return;
        };
        let signed = notification.verification.is_some();
        let step = format!("notify {name}");
        match self.wait_for(&name).await {
            Some(Ok(fields)) => {
                let check = if signed {
                    "signature verified"
                } else if notification.fields.is_empty() {
                    "received (the document defines no fields or signature)"
                } else {
                    "received (unsigned, as documented)"
                };
                let text = format!(
                    "{check}, {} fields, acked {:?}",
                    fields.len(),
                    paygen::inbound::ack_body(notification, &fields).as_ref()
                );
                self.line(&step, "→ receiver", true, &text);
                if signed {
                    self.highlights
                        .push(format!("{name} notification verified"));
                }
            }
            Some(Err(error)) => self.line(&step, "→ receiver", false, &error.to_string()),
            None => self.line(&step, "→ receiver", false, "no notification within 3 s"),
        }
    }

    async fn lifecycle(&mut self, index: usize) {
        let order_no = format!("DEMO{index:02}01");
        let Some(entry) = self.entry(&[SandboxRole::Pay, SandboxRole::Precreate]) else {
            self.line(
                "pay",
                "-",
                false,
                "the sandbox section has no pay or precreate",
            );
            return;
        };
        // Prefer the operation that sends a notification (WeChat: unifiedorder, not micropay).
        let demo: &'a Demo = self.demo;
        let entry = demo
            .sandbox
            .operations
            .iter()
            .find(|o| {
                matches!(o.role, SandboxRole::Pay | SandboxRole::Precreate)
                    && self.notify(o, SandboxEvent::Paid).is_some()
            })
            .unwrap_or(entry);
        let Some(operation) = self.operation(entry) else {
            return;
        };
        let notify = self.notify(entry, SandboxEvent::Paid);
        let fields = self.request(operation, entry, &order_no, AMOUNT, notify.as_deref());
        let step = if entry.role == SandboxRole::Pay {
            "pay"
        } else {
            "precreate"
        };
        match self.call(operation, &fields).await {
            Ok(reply) => {
                let text = format!("{order_no} {}, {}", yuan(AMOUNT), Self::reply_check(&reply));
                self.line(step, &operation.name, true, &text);
            }
            Err(error) => {
                self.line(step, &operation.name, false, &error.to_string());
                return;
            }
        }
        if entry.role == SandboxRole::Precreate {
            let body =
                serde_json::json!({"pay": {"provider": self.demo.name, "order_no": order_no}});
            let paid = self.admin.post(&self.admin_url).json(&body).send().await;
            let ok = paid.as_ref().is_ok_and(|r| r.status().is_success());
            self.line("customer pays", "(sandbox)", ok, "the payer scans and pays");
        }
        self.expect_notification(notify).await;

        if let Some(query) = self.entry(&[SandboxRole::Query]) {
            self.query(query, &order_no).await;
        }
        if let Some(refund) = self.entry(&[SandboxRole::Refund]) {
            let Some(operation) = self.operation(refund) else {
                return;
            };
            let notify = self.notify(refund, SandboxEvent::Refunded);
            let fields = self.request(operation, refund, &order_no, REFUND, notify.as_deref());
            match self.call(operation, &fields).await {
                Ok(reply) => {
                    let text = format!(
                        "{} of {} back, {}",
                        yuan(REFUND),
                        yuan(AMOUNT),
                        Self::reply_check(&reply)
                    );
                    self.line("refund", &operation.name, true, &text);
                    self.highlights.push(format!("refund {}", yuan(REFUND)));
                }
                Err(error) => self.line("refund", &operation.name, false, &error.to_string()),
            }
            self.expect_notification(notify).await;
            if let Some(query) = self.entry(&[SandboxRole::Query]) {
                self.query(query, &order_no).await;
            }
        }
        for role in [SandboxRole::Cancel, SandboxRole::Close] {
            if let Some(entry) = self.entry(&[role]) {
                self.cancel(entry, index, role).await;
            }
        }
    }

    async fn query(&mut self, entry: &SandboxOperation, order_no: &str) {
        let Some(operation) = self.operation(entry) else {
            return;
        };
        let fields = self.request(operation, entry, order_no, AMOUNT, None);
        match self.call(operation, &fields).await {
            Ok(reply) => {
                let status = Self::status(entry, &reply)
                    .map(|s| format!("status {s}, "))
                    .unwrap_or_default();
                let text = format!("{order_no} {status}{}", Self::reply_check(&reply));
                self.line("query", &operation.name, true, &text);
            }
            Err(error) => self.line("query", &operation.name, false, &error.to_string()),
        }
    }

    /// A second, unpaid order (precreated, or a payment still in progress: amount
    /// ending in 02), then cancelled or closed.
    async fn cancel(&mut self, entry: &SandboxOperation, index: usize, role: SandboxRole) {
        let order_no = format!(
            "DEMO{index:02}0{}",
            if role == SandboxRole::Cancel { 2 } else { 3 }
        );
        let (create, amount) = match self.entry(&[SandboxRole::Precreate]) {
            Some(precreate) => (precreate, AMOUNT),
            None => match self.entry(&[SandboxRole::Pay]) {
                Some(pay) => (pay, AMOUNT - 86),
                None => return,
            },
        };
        let (Some(create_op), Some(operation)) = (self.operation(create), self.operation(entry))
        else {
            return;
        };
        let fields = self.request(create_op, create, &order_no, amount, None);
        if let Err(error) = self.call(create_op, &fields).await {
            self.line("new order", &create_op.name, false, &error.to_string());
            return;
        }
        let fields = self.request(operation, entry, &order_no, amount, None);
        let (step, done) = if role == SandboxRole::Cancel {
            ("cancel", "cancelled")
        } else {
            ("close", "closed")
        };
        match self.call(operation, &fields).await {
            Ok(reply) => {
                let text = format!(
                    "{order_no} (unpaid, {}) {done}, {}",
                    yuan(amount),
                    Self::reply_check(&reply)
                );
                self.line(step, &operation.name, true, &text);
            }
            Err(error) => self.line(step, &operation.name, false, &error.to_string()),
        }
    }
}
