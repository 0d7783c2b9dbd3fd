//! What the demo shows of the wire: a transport keeping a one-line summary of each
//! exchange, and a notification receiver answering each gateway's exact ack.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use paygen::{
    Gateway, HttpRequest, InboundRequest, OperationInfo, PaymentEvent, ReqwestTransport,
    SendFuture, Transport,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Summaries of exchanges not yet shown under a step line.
pub type Summaries = Arc<Mutex<Vec<String>>>;

/// Takes the summaries not yet shown.
pub fn take(summaries: &Summaries) -> Vec<String> {
    std::mem::take(&mut *summaries.lock().unwrap_or_else(|e| e.into_inner()))
}

fn push(summaries: &Summaries, summary: String) {
    summaries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(summary);
}

/// The reqwest transport, keeping a one-line summary of each exchange:
/// `POST /wantu/pospay json 212 B -> 200 json 305 B`.
pub struct Wire {
    /// The transport that sends.
    pub inner: ReqwestTransport,
    /// Where the summaries go.
    pub summaries: Summaries,
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
            push(&self.summaries, summary);
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

/// A notification as the receiver read it through its provider's gateway.
pub struct Arrival {
    /// The spec it was sent for.
    pub spec: String,
    /// The payment event, or why the gateway refused it.
    pub event: Result<PaymentEvent, String>,
    /// The delivery's one-line wire summary with the ack answered, after the
    /// exchanges the gateway made to confirm it (WeChat Pay v2's refund query).
    pub wire: Vec<String>,
}

/// Notifications received so far.
pub type Arrivals = Arc<Mutex<Vec<Arrival>>>;

/// The gateways the receiver hands notifications to, by spec name, each with the
/// summaries of its own transport: apart from the scenario's, so that a confirming
/// query made while a redelivery arrives never shows under another step.
pub type Gateways = Arc<Mutex<BTreeMap<String, (Arc<dyn Gateway>, Summaries)>>>;

/// A receiver on a free loopback port: `/<spec>` hands the raw request to that spec's
/// gateway (`receive_notification`) and answers its exact ack only if it holds.
pub async fn receiver(gateways: Gateways, arrivals: Arrivals) -> std::io::Result<String> {
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let gateways = gateways.clone();
            let arrivals = arrivals.clone();
            async move {
                let spec = uri.path().trim_matches('/').to_owned();
                let gateway = gateways
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&spec)
                    .cloned();
                let Some((gateway, summaries)) = gateway else {
                    return (
                        StatusCode::NOT_FOUND,
                        [("content-type", "text/plain")],
                        String::new(),
                    );
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
                let received: Vec<(String, String)> = headers
                    .iter()
                    .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                    .collect();
                let request = InboundRequest {
                    method: method.as_str(),
                    query: uri.query().unwrap_or(""),
                    headers: &received,
                    body: &body,
                };
                let (reply, event) = match gateway.receive_notification(request).await {
                    Ok(delivery) => (
                        (
                            StatusCode::OK,
                            delivery.ack.content_type,
                            delivery.ack.body.to_string(),
                        ),
                        Ok(delivery.notification),
                    ),
                    Err(error) => (
                        (StatusCode::BAD_REQUEST, "text/plain", String::from("FAIL")),
                        Err(error.to_string()),
                    ),
                };
                let mut wire = take(&summaries);
                wire.push(format!(
                    "{method} {} {kind} {size} B -> {:?}",
                    uri.path(),
                    reply.2.as_str()
                ));
                arrivals
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(Arrival { spec, event, wire });
                (reply.0, [("content-type", reply.1)], reply.2)
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://{addr}"))
}
