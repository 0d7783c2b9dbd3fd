//! One test body against every provider whose spec has a `gateway:` section, through
//! `Arc<dyn paygen::Gateway>` on the sandbox over loopback HTTP: success, a refusal,
//! in progress then paid, a lost reply, a slow reply, a partial refund, the close of an
//! unpaid order, notifications, and roles the provider lacks. The specs are read at run
//! time, so a new spec with a `gateway:` section joins with no Rust.
//!
//! The sandbox's scenarios are chosen by the amount's last two digits (its
//! `scenarios.rs`): 00 succeeds, 01 is refused, 02 is in progress until the 2nd query,
//! 03 is paid and its reply lost, 04 is answered after `slow_ms`. It counts every
//! request it authenticated per operation (`Sandbox::received`): what "the pay request
//! was sent exactly once" is checked against.

use paygen::protocol::{GatewayMap, ModelOutput, Provider, StatusKind};
use paygen::tooling::{ClientCore, MappedGateway};
use paygen::{
    Credentials, EventKind, Fen, Gateway, GatewayError, GatewaySettlement, InboundRequest,
    OrderRef, PayRequest, PaymentEvent, PaymentResult, PaymentStatus, PrecreateRequest,
    RefundQueryRequest, RefundRequest, ReqwestTransport, Role,
};
use paygen_sandbox::gateway::SkipClock;
use paygen_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The delay of the sandbox's slow reply, and the client's timeout below it.
const SLOW_MS: u64 = 3000;
const CLIENT_TIMEOUT: Duration = Duration::from_millis(2000);

/// One provider under test: its gateway, its tables, and what it needs beyond the model.
struct Under {
    name: String,
    provider: &'static Provider,
    map: GatewayMap,
    gateway: Arc<dyn Gateway>,
    /// Whether the sandbox plays the precreate operation as one (mpgateway's one
    /// operation is pay or precreate by its `action`; the sandbox plays it as pay).
    sandbox_precreates: bool,
    /// Whether the sandbox's spec has a `pay_failed` reply to refuse a payment with.
    sandbox_refuses: bool,
}

/// Notifications as the receiver read them, by spec name.
type Events = Arc<Mutex<Vec<(String, Result<PaymentEvent, String>)>>>;

/// Every spec of `specs/` with a `gateway:` section, with its provider table and mapping.
type Mapped = (
    &'static Provider,
    GatewayMap,
    BTreeMap<String, String>,
    bool,
    bool,
);

/// (the provider, its mapping, the sandbox's credentials, whether the sandbox plays the
/// precreate operation as one, whether it can refuse a payment).
fn mapped_specs() -> Vec<Mapped> {
    let dir = paygen_sandbox::config::default_spec_dir();
    let mut out = Vec::new();
    for path in paygen_sandbox::config::spec_files(&dir).expect("specs/") {
        let loaded = paygen_codegen::load_file(&path).expect("every spec loads");
        let Some(map) = paygen_codegen::lower::gateway_map(&loaded.spec) else {
            continue;
        };
        let values = paygen_sandbox::providers::default_credentials(&loaded.spec);
        let precreate = map.role(Role::Precreate).map(|r| r.operation.to_string());
        let sandbox_precreates = loaded.spec.sandbox.as_ref().is_some_and(|s| {
            s.operations.iter().any(|o| {
                o.role == paygen_codegen::spec::model::SandboxRole::Precreate
                    && Some(&o.operation.value) == precreate.as_ref()
            })
        });
        let provider: &'static Provider = Box::leak(Box::new(paygen_codegen::lower(&loaded.spec)));
        let sandbox_refuses = loaded.spec.sandbox.as_ref().is_some_and(|s| {
            s.errors
                .contains_key(&paygen_codegen::spec::model::SandboxErrorKind::PayFailed)
        });
        out.push((provider, map, values, sandbox_precreates, sandbox_refuses));
    }
    out
}

/// The client's credentials from the sandbox's default texts; a notify URL credential
/// (Alipay's `notify_url`) points at the receiver.
fn credentials(
    provider: &Provider,
    values: &BTreeMap<String, String>,
    notify_url: &str,
) -> Credentials {
    let mut credentials = Credentials::new();
    for def in provider.credentials.iter() {
        let value = if def.name == "notify_url" {
            notify_url.to_owned()
        } else {
            values.get(def.name.as_ref()).cloned().unwrap_or_default()
        };
        let with = credentials.clone().text(provider, def, value);
        credentials = with.unwrap_or(credentials);
    }
    credentials
}

/// A receiver on a free loopback port: `/<spec>` hands the raw request to that spec's
/// gateway and answers its exact acknowledgement.
async fn receiver(
    gateways: Arc<Mutex<BTreeMap<String, Arc<dyn Gateway>>>>,
    events: Events,
) -> String {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method, StatusCode, Uri};
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let gateways = gateways.clone();
            let events = events.clone();
            async move {
                let spec = uri.path().trim_matches('/').to_owned();
                let gateway = gateways.lock().unwrap().get(&spec).cloned();
                let Some(gateway) = gateway else {
                    return (
                        StatusCode::NOT_FOUND,
                        [("content-type", "text/plain")],
                        String::new(),
                    );
                };
                let headers: Vec<(String, String)> = headers
                    .iter()
                    .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                    .collect();
                let request = InboundRequest {
                    method: method.as_str(),
                    query: uri.query().unwrap_or(""),
                    headers: &headers,
                    body: &body,
                };
                match gateway.receive_notification(request).await {
                    Ok(delivery) => {
                        events
                            .lock()
                            .unwrap()
                            .push((spec, Ok(delivery.notification)));
                        (
                            StatusCode::OK,
                            [("content-type", delivery.ack.content_type)],
                            delivery.ack.body.to_string(),
                        )
                    }
                    Err(error) => {
                        events.lock().unwrap().push((spec, Err(error.to_string())));
                        (
                            StatusCode::INTERNAL_SERVER_ERROR,
                            [("content-type", "text/plain")],
                            String::new(),
                        )
                    }
                }
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// The fields `role` needs beyond the model, as a service would pass in `extra`.
fn extra(under: &Under, role: Role) -> Map<String, Value> {
    paygen_sandbox::gateway::extra(under.provider, &under.map, role)
}

/// What one provider did wrong, collected so that every provider is reported.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn check(&mut self, name: &str, step: &str, ok: bool, detail: impl std::fmt::Debug) {
        if !ok {
            self.0.push(format!("{name} {step}: {detail:?}"));
        }
    }
}

static ORDERS: AtomicU64 = AtomicU64::new(1);

fn order_no(tag: &str) -> String {
    format!("GW{tag}{:06}", ORDERS.fetch_add(1, Ordering::SeqCst))
}

struct Env<'e> {
    sandbox: &'e Sandbox,
    admin: reqwest::Client,
    notify_url: String,
    events: Events,
}

impl Env<'_> {
    /// Requests of `under`'s `role` operation the sandbox has received.
    fn sent(&self, under: &Under, role: Role) -> u64 {
        under
            .map
            .role(role)
            .map_or(0, |r| self.sandbox.received.of(&under.name, &r.operation))
    }

    /// Marks a created order paid (the buyer scanned and paid).
    async fn buyer_pays(&self, under: &Under, order_no: &str) -> bool {
        let body = serde_json::json!({ "pay": { "provider": under.name, "order_no": order_no } });
        let reply = self
            .admin
            .post(format!("{}/_sandbox/scenario", self.sandbox.base_url))
            .body(body.to_string())
            .send()
            .await;
        reply.is_ok_and(|r| r.status().is_success())
    }

    /// The event of `kind` for `order_no` the receiver read for `under`, waiting up to 5 s.
    async fn event(
        &self,
        under: &Under,
        kind: EventKind,
        order_no: &str,
    ) -> Option<Result<PaymentEvent, String>> {
        for _ in 0..250 {
            {
                let events = self.events.lock().unwrap();
                let found = events.iter().find(|(spec, event)| {
                    *spec == under.name
                        && match event {
                            Ok(e) => e.kind == kind && e.order_no.as_deref() == Some(order_no),
                            Err(_) => false,
                        }
                });
                if let Some((_, event)) = found {
                    return Some(event.clone());
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // None arrived: what the receiver refused for this provider, if anything.
        let events = self.events.lock().unwrap();
        let refused: Vec<String> = events
            .iter()
            .filter(|(spec, _)| *spec == under.name)
            .filter_map(|(_, e)| e.as_ref().err().cloned())
            .collect();
        (!refused.is_empty()).then(|| Err(refused.join("; ")))
    }
}

fn pay_request(under: &Under, env: &Env<'_>, order_no: &str, fen: i64) -> PayRequest {
    PayRequest {
        order_no: order_no.to_owned(),
        amount: Fen(fen),
        subject: "gateway".to_owned(),
        auth_code: "134567890123456789".to_owned(),
        notify_url: Some(format!("{}/{}", env.notify_url, under.name)),
        extra: extra(under, Role::Pay),
    }
}

fn precreate_request(under: &Under, env: &Env<'_>, order_no: &str, fen: i64) -> PrecreateRequest {
    PrecreateRequest {
        order_no: order_no.to_owned(),
        amount: Fen(fen),
        subject: "gateway".to_owned(),
        notify_url: Some(format!("{}/{}", env.notify_url, under.name)),
        extra: extra(under, Role::Precreate),
    }
}

fn order(under: &Under, role: Role, order_no: &str) -> OrderRef {
    OrderRef {
        order_no: order_no.to_owned(),
        trade_no: None,
        extra: extra(under, role),
    }
}

/// Whether the spec maps a status for `role`'s replies (tiantapay's query documents none).
fn reads_status(under: &Under, role: Role) -> bool {
    under
        .map
        .role(role)
        .is_some_and(|r| !r.status.is_empty() || r.on_success.is_some())
}

/// Queries `no` and checks its status with `want`, when the spec maps the query's status.
async fn query_is(
    under: &Under,
    f: &mut Failures,
    no: &str,
    step: &str,
    want: impl Fn(&PaymentStatus) -> bool,
) {
    if !reads_status(under, Role::Query) {
        return;
    }
    let queried = under.gateway.query(&order(under, Role::Query, no)).await;
    let fits = status(&queried).is_some_and(&want);
    f.check(&under.name, step, fits, &queried);
}

fn status(result: &Result<PaymentResult, GatewayError>) -> Option<&PaymentStatus> {
    result.as_ref().ok().map(|r| &r.status)
}

/// Creates a paid order: by code when the provider has it, else precreated and paid by
/// the buyer. Returns its number and the provider's trade number, when told.
async fn paid_order(under: &Under, env: &Env<'_>, f: &mut Failures) -> (String, Option<String>) {
    let gw = under.gateway.as_ref();
    let name = &under.name;
    let no = order_no("P");
    if gw.supports(Role::Pay) {
        let before = env.sent(under, Role::Pay);
        let paid = gw.pay(&pay_request(under, env, &no, 100)).await;
        // A provider whose pay reply only says "accepted" (mpgateway) answers pending;
        // its query then says paid.
        let paid = match status(&paid) {
            Some(PaymentStatus::Pending) if reads_status(under, Role::Query) => {
                gw.query(&order(under, Role::Query, &no)).await
            }
            _ => paid,
        };
        f.check(
            name,
            "pay 100: paid",
            status(&paid) == Some(&PaymentStatus::Paid),
            &paid,
        );
        f.check(
            name,
            "pay 100: sent once",
            env.sent(under, Role::Pay) == before + 1,
            env.sent(under, Role::Pay) - before,
        );
        (no, paid.ok().and_then(|r| r.trade_no))
    } else {
        let created = gw.precreate(&precreate_request(under, env, &no, 100)).await;
        f.check(
            name,
            "precreate 100: pending",
            status(&created) == Some(&PaymentStatus::Pending),
            &created,
        );
        f.check(name, "buyer pays", env.buyer_pays(under, &no).await, &no);
        (no, created.ok().and_then(|r| r.trade_no))
    }
}

/// A payment the sandbox refuses (amount ..01).
async fn refusal(under: &Under, env: &Env<'_>, f: &mut Failures) {
    let gw = under.gateway.as_ref();
    let name = under.name.as_str();
    let no = order_no("F");
    let refused = if gw.supports(Role::Pay) {
        gw.pay(&pay_request(under, env, &no, 101)).await
    } else {
        gw.precreate(&precreate_request(under, env, &no, 101)).await
    };
    // A refusal that came unsigned from a protocol that signs could be anyone's: the
    // runtime reports its outcome unknown, as it must.
    let fits = match &refused {
        Err(error) => error.service_error().is_some_and(|e| {
            error.is_retry_safe() || e.authenticity == paygen::Authenticity::UnsignedErrorReply
        }),
        Ok(result) => result.status == PaymentStatus::Failed,
    };
    f.check(
        name,
        "refusal: a ServiceError (retry-safe when signed) or failed",
        fits,
        &refused,
    );
}

/// The one body every provider runs.
async fn conform(under: &Under, env: &Env<'_>) -> Vec<String> {
    let mut f = Failures::default();
    let gw = under.gateway.as_ref();
    let name = under.name.clone();
    let name = name.as_str();
    f.check(name, "provider", gw.provider() == name, gw.provider());

    // Success, then a partial refund of it.
    let (paid, trade_no) = paid_order(under, env, &mut f).await;
    query_is(under, &mut f, &paid, "query of a paid order: paid", |s| {
        *s == PaymentStatus::Paid
    })
    .await;
    if gw.supports(Role::Refund) {
        let refund = RefundRequest {
            order_no: paid.clone(),
            trade_no,
            refund_no: format!("R{paid}"),
            amount: Fen(100),
            refund_amount: Fen(30),
            notify_url: Some(format!("{}/{}", env.notify_url, under.name)),
            extra: extra(under, Role::Refund),
        };
        let refunded = gw.refund(&refund).await;
        let accepted = matches!(
            status(&refunded),
            Some(PaymentStatus::Pending | PaymentStatus::Refunded { partial: true })
        );
        f.check(
            name,
            "partial refund: pending or partially refunded",
            accepted,
            &refunded,
        );
        query_is(
            under,
            &mut f,
            &paid,
            "query after a partial refund: paid or refunded",
            |s| matches!(s, PaymentStatus::Paid | PaymentStatus::Refunded { .. }),
        )
        .await;
        if gw.supports(Role::RefundQuery) {
            let asked = RefundQueryRequest {
                order_no: paid.clone(),
                refund_no: refund.refund_no.clone(),
                extra: extra(under, Role::RefundQuery),
            };
            let queried = gw.refund_query(&asked).await;
            // A spec that maps no refund status (tiantapay: the document lists no reply
            // fields) is only answered.
            let maps_status = under
                .map
                .role(Role::RefundQuery)
                .is_some_and(|r| !r.status.is_empty());
            let fits = match &queried {
                Ok(r) if maps_status => {
                    r.status == PaymentStatus::Refunded { partial: true }
                        && r.refund_amount.is_none_or(|a| a == Fen(30))
                        && r.refund_no.as_deref().is_none_or(|n| n == refund.refund_no)
                }
                Ok(_) => true,
                Err(_) => false,
            };
            f.check(
                name,
                "refund query: the refund, partially refunded, 30 分",
                fits,
                &queried,
            );
        }
        // Every mapped refund notification, WeChat Pay v2's encrypted-only one too: the
        // gateway confirms that one by a refund query before handing it on.
        if under
            .map
            .notifications
            .iter()
            .any(|n| n.event == EventKind::Refund)
        {
            let event = env.event(under, EventKind::Refund, &paid).await;
            let fits = matches!(&event, Some(Ok(e)) if e.status == PaymentStatus::Refunded { partial: true });
            f.check(
                name,
                "refund notification: partially refunded",
                fits,
                &event,
            );
        }
    }

    // A notification of a precreated order the buyer pays.
    if gw.supports(Role::Precreate) {
        let no = order_no("N");
        let created = gw.precreate(&precreate_request(under, env, &no, 100)).await;
        f.check(
            name,
            "precreate: pending",
            status(&created) == Some(&PaymentStatus::Pending) || !under.sandbox_precreates,
            &created,
        );
        let has_code = created
            .as_ref()
            .is_ok_and(|r| r.qr_code.is_some() || r.pay_url.is_some());
        let maps_code = under.map.role(Role::Precreate).is_some_and(|r| {
            r.results
                .iter()
                .any(|o| matches!(o.output, ModelOutput::QrCode | ModelOutput::PayUrl))
        });
        f.check(
            name,
            "precreate: a QR code or URL",
            has_code || !maps_code || !under.sandbox_precreates,
            &created,
        );
        f.check(name, "buyer pays", env.buyer_pays(under, &no).await, &no);
        if under
            .map
            .notifications
            .iter()
            .any(|n| n.event == EventKind::Payment)
        {
            let event = env.event(under, EventKind::Payment, &no).await;
            let fits = matches!(&event, Some(Ok(e)) if e.status == PaymentStatus::Paid);
            f.check(name, "pay notification: paid", fits, &event);
        }
        query_is(
            under,
            &mut f,
            &no,
            "query after the buyer paid: paid",
            |s| *s == PaymentStatus::Paid,
        )
        .await;

        // The close of an unpaid order.
        if gw.supports(Role::Close) {
            let no = order_no("C");
            let created = gw.precreate(&precreate_request(under, env, &no, 100)).await;
            f.check(
                name,
                "precreate to close: pending",
                status(&created) == Some(&PaymentStatus::Pending),
                &created,
            );
            let closed = gw.close(&order(under, Role::Close, &no)).await;
            f.check(
                name,
                "close of an unpaid order: closed",
                status(&closed) == Some(&PaymentStatus::Closed),
                &closed,
            );
            // wantu's trade_status has no closed value: a closed order reads unpaid.
            let maps_closed = under.map.role(Role::Query).is_some_and(|r| {
                r.status
                    .iter()
                    .any(|rule| rule.status == StatusKind::Closed)
            });
            query_is(under, &mut f, &no, "query of a closed order: closed", |s| {
                *s == PaymentStatus::Closed || (!maps_closed && *s == PaymentStatus::Pending)
            })
            .await;
        }
    }

    // A refusal: nothing happened, and the typed refusal is kept.
    // The sandbox refuses payments only (its `pay_failed` reply, amount ..01).
    if under.sandbox_refuses && gw.supports(Role::Pay) {
        refusal(under, env, &mut f).await;
    }

    // Pay-poll-cancel: in progress, lost reply, slow reply; the payment sent once each.
    if gw.settle_plan().is_some() {
        for (fen, what) in [
            (102, "in progress then paid"),
            (103, "lost reply"),
            (104, "slow reply"),
        ] {
            let no = order_no("S");
            let before = env.sent(under, Role::Pay);
            let plan = gw.settle_plan().expect("a plan");
            let request = pay_request(under, env, &no, fen);
            let query = order(under, Role::Query, &no);
            let settled =
                paygen::gateway::pay_and_settle_observed(gw, &request, &query, plan, &()).await;
            let fits = matches!(&settled, Ok(GatewaySettlement::Paid(r)) if r.status == PaymentStatus::Paid);
            f.check(name, &format!("{what}: settles paid"), fits, &settled);
            let sent = env.sent(under, Role::Pay) - before;
            f.check(
                name,
                &format!("{what}: the pay request sent exactly once"),
                sent == 1,
                sent,
            );
        }
    } else {
        let settled = paygen::pay_and_settle(gw, &pay_request(under, env, "NONE", 100)).await;
        let fits = matches!(&settled, Err(GatewayError::NoSettlePlan { .. }));
        f.check(
            name,
            "pay_and_settle without a flow: NoSettlePlan",
            fits,
            &settled,
        );
    }

    // Roles the provider lacks: the typed error, nothing sent.
    for role in Role::ALL {
        if gw.supports(role) {
            continue;
        }
        let lacking = order(under, role, "NONE");
        let result = match role {
            Role::Query => gw.query(&lacking).await,
            Role::Cancel => gw.cancel(&lacking).await,
            Role::Close => gw.close(&lacking).await,
            Role::Pay => gw.pay(&pay_request(under, env, "NONE", 100)).await,
            Role::Precreate => {
                gw.precreate(&precreate_request(under, env, "NONE", 100))
                    .await
            }
            Role::Refund | Role::RefundQuery => continue,
        };
        let fits = matches!(&result, Err(GatewayError::NotSupported { role: r, .. }) if *r == role);
        f.check(
            name,
            &format!("{} lacking: NotSupported", role.name()),
            fits,
            &result,
        );
    }
    f.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mapped_provider_behaves_the_same_through_dyn_gateway() {
    let specs = mapped_specs();
    assert!(!specs.is_empty(), "no spec has a gateway: section");
    let sandbox = Sandbox::start(SandboxConfig {
        slow_ms: SLOW_MS,
        notify_speedup: 1000,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let gateways: Arc<Mutex<BTreeMap<String, Arc<dyn Gateway>>>> = Arc::default();
    let events: Events = Arc::default();
    let notify_url = receiver(gateways.clone(), events.clone()).await;
    let mut unders = Vec::new();
    for (provider, map, values, sandbox_precreates, sandbox_refuses) in specs {
        let name = provider.name.to_string();
        let transport =
            ReqwestTransport::new(Duration::from_secs(2), CLIENT_TIMEOUT).expect("transport");
        let credentials = credentials(provider, &values, &format!("{notify_url}/{name}"));
        let mut core = ClientCore::new(provider, sandbox.url(&name), credentials, transport);
        let clock = SkipClock::now();
        core.set_clock(clock.clone());
        core.set_sleeper(clock);
        let gateway: Arc<dyn Gateway> = Arc::new(MappedGateway::new(core, map.clone()));
        gateways
            .lock()
            .unwrap()
            .insert(name.clone(), gateway.clone());
        unders.push(Under {
            name,
            provider,
            map,
            gateway,
            sandbox_precreates,
            sandbox_refuses,
        });
    }
    let env = Env {
        sandbox: &sandbox,
        admin: reqwest::Client::new(),
        notify_url,
        events,
    };
    let mut failures = Vec::new();
    for under in &unders {
        failures.extend(conform(under, &env).await);
    }
    let names: Vec<&str> = unders.iter().map(|u| u.name.as_str()).collect();
    sandbox.shutdown.shutdown().await;
    assert!(
        failures.is_empty(),
        "providers {names:?}:\n{}",
        failures.join("\n")
    );
}
