//! HTTP: `/<spec>/<operation path>` to the provider's side of the runtime, and
//! `POST /_sandbox/scenario` for the knobs. Every failure is a reply; nothing panics.

use crate::config::SandboxConfig;
use crate::lifecycle;
use crate::log::{Received, RequestLog};
use crate::notify::Notifier;
use crate::providers::Served;
use crate::reply::{error_fields, text_of};
use crate::scenarios::{parse_settings, tamper_signature, Knobs, Scenario, Setting};
use crate::signed::{refusal_status, success_status, tamper_header, SignatureHeaders};
use crate::store::{OrderStore, StoreError};
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use paygen::protocol::{Freshness, SignedValue, ValueSource};
use paygen::tooling::decode::check_fresh;
use paygen::tooling::server::{
    decode_request, encode_response_signed, route, sign_body_in_header, ReceivedRequest,
    ServerError,
};
use paygen::{Error, Receiver, SystemClock};
use paygen_codegen::spec::model::{SandboxErrorKind, SandboxEvent, SandboxRole, SandboxState};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Everything a request handler reads.
#[derive(Debug)]
pub struct State {
    providers: BTreeMap<String, Served>,
    store: Arc<OrderStore>,
    knobs: Knobs,
    config: SandboxConfig,
    notifier: Arc<Notifier>,
    log: RequestLog,
    received: Arc<Received>,
}

impl State {
    /// The shared state of one sandbox.
    pub fn new(
        providers: BTreeMap<String, Served>,
        store: Arc<OrderStore>,
        config: SandboxConfig,
        notifier: Arc<Notifier>,
        log: RequestLog,
        received: Arc<Received>,
    ) -> Arc<State> {
        Arc::new(State {
            providers,
            store,
            knobs: Knobs::default(),
            config,
            notifier,
            log,
            received,
        })
    }
}

/// The largest request body read (axum's default limit for `Bytes`, kept).
pub const MAX_BODY: usize = 2 << 20;

/// The router: every path goes to [`handle`], its body read within the configured
/// `body_read_timeout`.
pub fn router(state: Arc<State>) -> Router {
    Router::new().fallback(move |request: Request| {
        let state = state.clone();
        async move {
            let (parts, body) = request.into_parts();
            match read_body(body, state.config.body_read_timeout).await {
                Ok(body) => handle(&state, parts.method, parts.uri, parts.headers, body).await,
                Err(refusal) => refusal,
            }
        }
    })
}

/// The whole body, or the reply that refuses it. A client that stops sending mid-body
/// would otherwise hold its connection and task for as long as it likes; hyper's
/// header-read timeout does not cover bodies.
async fn read_body(body: Body, within: Duration) -> Result<Bytes, Response> {
    match tokio::time::timeout(within, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(closing(plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is unreadable or longer than {MAX_BODY} bytes"),
        ))),
        Err(_) => Err(closing(plain(
            StatusCode::REQUEST_TIMEOUT,
            format!("the body did not arrive within {} ms", within.as_millis()),
        ))),
    }
}

/// `response` with `Connection: close`: the rest of a refused body is not worth reading,
/// so hyper drops the connection after the reply instead of draining it.
fn closing(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    response
}

fn plain(status: StatusCode, text: impl Into<String>) -> Response {
    let mut response = Response::new(Body::from(text.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// A reply whose connection is dropped before any byte is sent.
fn lost() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("sandbox: response lost"))
    });
    Response::new(Body::from_stream(stream))
}

/// Whether `path` is one of the sandbox's own routes (`/_sandbox/...`), which the
/// `delay_ms` knob never slows: the admin reset must work while replies are delayed.
fn is_admin(path: &str) -> bool {
    path == "/_sandbox" || path.starts_with("/_sandbox/")
}

/// Answers one request.
pub async fn handle(
    state: &State,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    if is_admin(&path) {
        return admin(state, &method, &path, &body);
    }
    // The request takes effect at once and its reply waits: like a provider that
    // processed the payment and is slow to answer, or whose answer is lost on the way.
    let (response, line, scenario) = provider_reply(state, &method, &uri, &headers, &body);
    let delay = state.knobs.delay_ms();
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    state.log.line(format_args!("{method} {path} -> {line}"));
    match scenario {
        Scenario::Slow => {
            tokio::time::sleep(Duration::from_millis(state.config.slow_ms)).await;
            response
        }
        Scenario::LoseResponse => lost(),
        _ => response,
    }
}

/// `POST /_sandbox/scenario` with `{"tamper_responses": N}`, `{"delay_ms": D}`,
/// `{"fail_cancels": N}` (refuses the next N cancels or closes) and/or
/// `{"pay": {"provider": "wantu", "order_no": "..."}}` (marks a created order paid).
/// Every member is checked first (see [`parse_settings`] for the bounds); a refused
/// request is a 400 naming the knob and its range, and changes nothing.
fn admin(state: &State, method: &Method, path: &str, body: &[u8]) -> Response {
    if path != "/_sandbox/scenario" {
        return plain(
            StatusCode::NOT_FOUND,
            "no such sandbox route (POST /_sandbox/scenario)",
        );
    }
    if method != Method::POST {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "POST a JSON object");
    }
    let settings = match parse_settings(body) {
        Ok(settings) => settings,
        Err(refusal) => return plain(StatusCode::BAD_REQUEST, refusal.to_string()),
    };
    // `pay` can fail on an unknown order; it goes first so such a request leaves the
    // knobs as they were.
    for setting in &settings {
        if let Setting::Pay { provider, order_no } = setting {
            if let Err(refusal) = pay(state, provider, order_no) {
                return plain(StatusCode::NOT_FOUND, refusal.to_string());
            }
        }
    }
    for setting in &settings {
        state.knobs.set(setting);
    }
    plain(StatusCode::OK, "ok")
}

/// Marks a created order paid and notifies the merchant (an order past `created` is
/// left as it is).
fn pay(state: &State, provider: &str, order_no: &str) -> Result<(), StoreError> {
    let paid = state.store.update(provider, Some(order_no), None, |o| {
        let created = o.state == SandboxState::Created;
        if created {
            o.state = SandboxState::Paid;
            o.queries_left = 0;
        }
        created.then(|| o.clone())
    });
    match (paid, state.providers.get(provider)) {
        (Ok(Some(order)), Some(served)) => {
            state.notifier.notify(
                served,
                SandboxEvent::Paid,
                &order,
                None,
                order.notify_url.as_deref(),
            );
            Ok(())
        }
        (Ok(_), _) => Ok(()),
        (Err(refusal), _) => Err(refusal),
    }
}

/// The provider's reply, a log line, and the scenario that shapes its delivery.
fn provider_reply(
    state: &State,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> (Response, String, Scenario) {
    let path = uri.path();
    let trimmed = path.trim_start_matches('/');
    let spec = trimmed.split_once('/').map_or(trimmed, |(spec, _)| spec);
    let Some(served) = state.providers.get(spec) else {
        return (
            plain(StatusCode::NOT_FOUND, format!("no provider `{spec}`")),
            "404 no such provider".into(),
            Scenario::Normal,
        );
    };
    // The whole path, `/<spec>` included: what the client signed (routing strips the
    // prefix as the served provider's `sandbox` environment).
    let target = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let reply = |kind: SandboxErrorKind, what: &str, operation| {
        let response = error_reply(served, kind, operation, None);
        (response, format!("{spec} {what}"), Scenario::Normal)
    };
    let Ok(body) = std::str::from_utf8(body) else {
        return reply(
            SandboxErrorKind::Parameter,
            "refused: body is not UTF-8",
            None,
        );
    };
    let clock = SystemClock;
    let receiver = Receiver {
        credentials: &served.credentials,
        clock: &clock,
        utc_offset_minutes: served.provider.utc_offset_minutes,
        seen: None,
    };
    let received = ReceivedRequest {
        method: method.as_str(),
        target: &target,
        headers: &headers,
        body,
    };
    let decoded = match decode_request(&served.provider, &receiver, &received) {
        Ok(decoded) => decoded,
        Err(ServerError::NoOperation { .. }) => {
            return (
                plain(StatusCode::NOT_FOUND, "no such operation"),
                format!("{spec} 404 no such operation"),
                Scenario::Normal,
            )
        }
        // The refusal is written for the operation the request addressed (Alipay
        // answers in that operation's `<method>_response` member).
        Err(ServerError::Message(Error::Signature { .. })) => {
            let operation = route(&served.provider, &received);
            return reply(SandboxErrorKind::Signature, "refused: signature", operation);
        }
        Err(ServerError::Message(Error::InvalidParam { field, .. }))
            if names_merchant(&served.provider, &field) =>
        {
            let operation = route(&served.provider, &received);
            let detail = format!("{field}: not a merchant the provider knows");
            let kind = SandboxErrorKind::UnknownMerchant;
            let response = error_reply(served, kind, operation, Some(&detail));
            return (
                response,
                format!("{spec} refused: unknown merchant in `{field}`"),
                Scenario::Normal,
            );
        }
        // The field and the rule it broke, in the log line and in the reply's detail
        // field where the provider has one (wantu's `return_desc`), so that a developer
        // sees which parameter is wrong. Values are never shown.
        Err(ServerError::Message(Error::InvalidParam { field, rule })) => {
            let operation = route(&served.provider, &received);
            let detail = format!("{field}: {rule}");
            let response = error_reply(
                served,
                SandboxErrorKind::Parameter,
                operation,
                Some(&detail),
            );
            return (
                response,
                format!("{spec} refused: parameter `{field}`: {rule}"),
                Scenario::Normal,
            );
        }
        Err(ServerError::Message(_)) => {
            let operation = route(&served.provider, &received);
            return reply(SandboxErrorKind::Parameter, "refused: parameter", operation);
        }
        Err(error) => {
            return (
                plain(StatusCode::NOT_IMPLEMENTED, error.to_string()),
                format!("{spec} 501 unsupported"),
                Scenario::Normal,
            )
        }
    };
    let operation = decoded.operation;
    state.received.count(spec, &operation.name);
    if !within_window(served, operation, &decoded.common, &receiver) {
        return (
            error_reply(
                served,
                SandboxErrorKind::StaleTimestamp,
                Some(operation),
                None,
            ),
            format!(
                "{spec}.{} refused: timestamp outside the window",
                operation.name
            ),
            Scenario::Normal,
        );
    }
    let role = served.sandbox.as_ref().and_then(|s| {
        s.operations
            .iter()
            .find(|o| o.operation.value == operation.name)
            .map(|o| o.role)
    });
    if matches!(role, Some(SandboxRole::Cancel | SandboxRole::Close))
        && state.knobs.take_fail_cancel()
    {
        return (
            error_reply(
                served,
                SandboxErrorKind::NotCancellable,
                Some(operation),
                None,
            ),
            format!("{spec}.{} refused: fail_cancels", operation.name),
            Scenario::Normal,
        );
    }
    let outcome = lifecycle::run(
        served,
        operation,
        &decoded.fields,
        &decoded.common,
        &state.store,
        &state.config,
    );
    let name = format!("{spec}.{}", operation.name);
    let (response, line) = match outcome.result {
        Ok(fields) => {
            for event in &outcome.events {
                state.notifier.notify(
                    served,
                    event.kind,
                    &event.order,
                    event.refund.as_ref(),
                    event.url.as_deref(),
                );
            }
            let tamper = outcome.scenario == Scenario::Tamper || state.knobs.take_tamper();
            match encode(served, operation, &fields, true, tamper, None) {
                Ok(response) => (response, format!("{name} ok")),
                Err(error) => (
                    plain(StatusCode::INTERNAL_SERVER_ERROR, error),
                    format!("{name} 500 cannot encode"),
                ),
            }
        }
        Err(kind) => (
            error_reply(served, kind, Some(operation), None),
            format!("{name} refused: {kind:?}"),
        ),
    };
    (response, line, outcome.scenario)
}

/// Whether `field` is a common field of the request that carries a credential (the
/// merchant's number): a wrong value there names a merchant the sandbox does not know.
fn names_merchant(provider: &paygen::protocol::Provider, field: &str) -> bool {
    provider
        .request
        .common
        .iter()
        .any(|c| c.name == field && matches!(c.value, ValueSource::Credential(_)))
}

/// The spec's reply for a refusal (its `parameter` reply when the kind is not given),
/// in the envelope of `operation` (the provider's first when unknown), with `detail` in
/// the field the success rule reads a refusal's detail from, when it has one.
fn error_reply(
    served: &Served,
    kind: SandboxErrorKind,
    operation: Option<&paygen::protocol::Operation>,
    detail: Option<&str>,
) -> Response {
    let Some(sandbox) = &served.sandbox else {
        return plain(StatusCode::BAD_REQUEST, format!("refused: {kind:?}"));
    };
    // A refund not found is, without a reply of its own, an order not found.
    let nearest = match kind {
        SandboxErrorKind::RefundNotFound => SandboxErrorKind::OrderNotFound,
        other => other,
    };
    let Some(reply) = sandbox
        .errors
        .get(&kind)
        .or_else(|| sandbox.errors.get(&nearest))
        .or_else(|| sandbox.errors.get(&SandboxErrorKind::Parameter))
    else {
        return plain(StatusCode::BAD_REQUEST, format!("refused: {kind:?}"));
    };
    let mut fields = error_fields(&reply.reply);
    let Some(operation) = operation.or(served.provider.operations.first()) else {
        return plain(StatusCode::BAD_REQUEST, format!("refused: {kind:?}"));
    };
    if let (Some(detail), Some(path)) = (detail, operation.success.detail.as_deref()) {
        if !path.contains('.') {
            fields.insert(path.to_owned(), Value::from(detail));
        }
    }
    match encode(
        served,
        operation,
        &fields,
        reply.signed,
        false,
        Some(reply.status),
    ) {
        Ok(response) => response,
        Err(error) => plain(StatusCode::INTERNAL_SERVER_ERROR, error),
    }
}

/// Writes reply fields in the provider's response envelope: a success (`refusal`
/// `None`) or a refusal under its spec status, with the headers a header-signed
/// protocol sends.
fn encode(
    served: &Served,
    operation: &paygen::protocol::Operation,
    fields: &Map<String, Value>,
    signed: bool,
    tamper: bool,
    refusal: Option<Option<u16>>,
) -> Result<Response, String> {
    let provider = if signed {
        &served.provider
    } else {
        &served.unsigned
    };
    let (status, empty) = match refusal {
        None => success_status(operation, fields),
        Some(given) => (refusal_status(operation, given), false),
    };
    let values = SignatureHeaders::of(served.sandbox.as_ref()).values(provider.utc_offset_minutes);
    let verification = provider.response.verification.as_ref();
    let mut message = if empty {
        sign_body_in_header(verification, &served.credentials, "", &values)
    } else {
        encode_response_signed(
            provider,
            operation,
            &served.credentials,
            fields,
            &paygen::RandomNonce,
            &values,
        )
    }
    .map_err(|e| e.to_string())?;
    if !signed {
        empty_signature(served, &mut message.body);
    }
    if let (true, Some(check)) = (tamper, verification) {
        match &check.header {
            Some(name) => tamper_header(&mut message.headers, name),
            None => {
                if let Some(altered) = tamper_signature(&message.body, &check.field) {
                    message.body = altered;
                }
            }
        }
    }
    let mut response = Response::new(Body::from(message.body));
    *response.status_mut() = status;
    if !empty {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(paygen::wire::content_type(provider.response.body)),
        );
    }
    for (name, value) in &message.headers {
        let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            header::HeaderValue::from_str(value),
        ) else {
            return Err(format!("header `{name}` cannot be sent"));
        };
        response.headers_mut().append(name, value);
    }
    Ok(response)
}

/// Writes the signature field present and empty in an unsigned form reply, where the
/// spec says the provider sends unsigned errors so (`unsigned_error_when:
/// [signature_empty]`, mpgateway 2.2: 应答的 sign 将会是空的).
fn empty_signature(served: &Served, body: &mut String) {
    let Some(check) = served.provider.response.verification.as_ref() else {
        return;
    };
    let empty = check
        .unsigned_error_when
        .contains(&paygen::protocol::UnsignedErrorReply::SignatureEmpty);
    if empty && served.provider.response.body == paygen::protocol::BodyFormat::Form {
        let separator = if body.is_empty() { "" } else { "&" };
        body.push_str(&format!("{separator}{}=", check.field));
    }
}

/// Whether the request's timestamp is within the spec's `request_window` of the
/// sandbox's clock (true when the spec declares none).
fn within_window(
    served: &Served,
    operation: &paygen::protocol::Operation,
    common: &Map<String, Value>,
    receiver: &Receiver<'_>,
) -> bool {
    let Some(window) = served
        .sandbox
        .as_ref()
        .and_then(|s| s.request_window.as_ref())
    else {
        return true;
    };
    let format = served
        .provider
        .request
        .common
        .iter()
        .chain(operation.common.iter())
        .find(|f| f.name == window.field.value.as_str())
        .and_then(|f| match f.value {
            ValueSource::Clock(format) => Some(format),
            _ => None,
        });
    let Some(format) = format else {
        // Validation requires a clock field; an operation without one has no stamp.
        return true;
    };
    let freshness = Freshness {
        source: SignedValue::Field(window.field.value.clone().into()),
        format,
        max_skew_seconds: window.seconds,
    };
    let stamp = common.get(window.field.value.as_str()).map(text_of);
    check_fresh(&freshness, stamp.as_deref(), receiver).is_ok()
}
