//! The runtime is symmetric: for every operation and notification of every generated
//! provider, what one side encodes the other side decodes, through the same envelope,
//! payload codec and recipe.
//!
//! - request: `encode_request` (client) → `server::decode_request` (provider) gives the
//!   operation and the same business fields; a flipped signature character and a changed
//!   value are each refused with `Error::Signature`;
//! - response: `server::encode_response` (provider) → `judge_response`/`decode_response`
//!   (client, verification on) gives the same fields; a flipped signature is refused;
//! - notification: `server::encode_notification` → `decode_notification` gives the same
//!   fields; a flipped signature is refused.
//!
//! Fields come from the spec's documented examples (`params` for requests, `body` for
//! responses and notifications), else from the operation's required fields.

use paygen::clock::format_clock;
use paygen::protocol::{
    BodyFormat, FieldDef, FieldType, Operation, Provider, SignatureOutput, Verification,
};
use paygen::tooling::decode::{
    decode_message_in, decode_notification, decode_response, judge_response,
};
use paygen::tooling::encode::{encode_request, RequestContext};
use paygen::tooling::server::{
    decode_request, encode_notification, encode_response, ReceivedRequest, ServerError,
};
use paygen::tooling::template::path_and_query;
use paygen::tooling::validate::request_fields_from_json;
use paygen::wire::WireFields;
use paygen::{Authenticity, Credentials, Error, FixedClock, FixedNonce, HttpResponse, Receiver};
use paygen_codegen::spec::model::{Example, Spec};
use paygen_codegen::ValidSpec;
use paygen_tests::spec_paths;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The pinned clock: 2023-11-14 22:13:20 UTC.
const NOW: i64 = 1_700_000_000;

/// What one provider's round trips covered.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    requests: usize,
    tampered_signatures: usize,
    tampered_values: usize,
    responses: usize,
    notifications: usize,
}

fn credentials(provider: &Provider, keys: &[(&str, &str)]) -> Credentials {
    let mut credentials = Credentials::new();
    for (name, key) in keys {
        if !provider.credentials.iter().any(|d| d.name == *name) {
            credentials = credentials.secret(name.to_string(), *key);
        }
    }
    for def in provider.credentials.iter() {
        // 32 characters, so that AES-256 keys are valid.
        let value = match keys.iter().find(|(name, _)| def.name == *name) {
            Some((_, key)) => key.to_string(),
            None => format!("{:x<32}", format!("sym-{}", def.name)),
        };
        credentials = if def.secret {
            credentials.secret(def.name.clone(), value)
        } else {
            credentials.plain(def.name.clone(), value)
        };
    }
    credentials
}

fn spec(name: &str) -> ValidSpec {
    let path = spec_paths()
        .into_iter()
        .find(|p| p.file_stem().is_some_and(|s| s == name))
        .unwrap_or_else(|| panic!("spec {name} exists"));
    paygen_codegen::load_file(&path).unwrap().spec
}

/// A value that satisfies the field's rules.
fn sample(def: &FieldDef) -> Value {
    if let Some(first) = def.values.first() {
        return match def.ty {
            FieldType::Int | FieldType::Fen => first
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| json!(first.as_ref())),
            _ => json!(first.as_ref()),
        };
    }
    match def.ty {
        // Padded to the field's least length (mpgateway's orderid: 8).
        FieldType::String => json!(format!(
            "{:1<width$}",
            "s",
            width = def.min_length.unwrap_or(2) as usize
        )),
        FieldType::Int | FieldType::Fen => json!(1),
        FieldType::Yuan => json!("1.00"),
        FieldType::Bool => json!(true),
        FieldType::Object | FieldType::Json => json!({}),
        FieldType::List => json!([]),
    }
}

/// The required fields of a table, plus the first of each one-of group.
fn minimal(
    defs: &[FieldDef],
    one_of: &[paygen::protocol::List<paygen::protocol::Text>],
) -> Map<String, Value> {
    let mut fields = Map::new();
    for def in defs.iter().filter(|d| d.required) {
        fields.insert(def.name.to_string(), sample(def));
    }
    for group in one_of {
        if !group.iter().any(|n| fields.contains_key(n.as_ref())) {
            if let Some(def) = group
                .first()
                .and_then(|n| defs.iter().find(|d| d.name == *n))
            {
                fields.insert(def.name.to_string(), sample(def));
            }
        }
    }
    fields
}

/// A value's text: a string's content, anything else its JSON.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Business fields by name → text, empty ones left out (a `skip_empty` recipe cannot
/// tell them from absent ones).
fn texts_of_wire(fields: &WireFields<'_>) -> BTreeMap<String, String> {
    fields
        .iter()
        .map(|(n, v)| (n.to_owned(), v.text().into_owned()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn texts_of_map(fields: &Map<String, Value>) -> BTreeMap<String, String> {
    fields
        .iter()
        .map(|(n, v)| (n.clone(), text_of(v)))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// Top-level empty and null members left out.
fn non_empty(fields: &Map<String, Value>) -> Map<String, Value> {
    fields
        .iter()
        .filter(|(_, v)| !(v.is_null() || v.as_str() == Some("")))
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect()
}

/// Replaces one character of `text` at byte `at` by one that differs from it in any case.
fn flip_at(text: &str, at: usize) -> String {
    let mut out = text.to_owned();
    let replacement = if text[at..].starts_with('0') {
        "1"
    } else {
        "0"
    };
    out.replace_range(at..at + 1, replacement);
    out
}

/// Where the value of top-level field `name` starts in a message, if written there.
fn value_start(format: BodyFormat, text: &str, name: &str) -> Option<usize> {
    let patterns = match format {
        BodyFormat::Json => vec![format!("\"{name}\":\""), format!("\"{name}\":")],
        BodyFormat::Form | BodyFormat::FormRaw | BodyFormat::Query => {
            vec![format!("?{name}="), format!("&{name}="), format!("{name}=")]
        }
        BodyFormat::Xml | BodyFormat::XmlCdata => {
            vec![format!("<{name}><![CDATA["), format!("<{name}>")]
        }
    };
    for pattern in patterns {
        if let Some(at) = text.find(&pattern) {
            let is_start =
                pattern.starts_with(['?', '&', '"', '<']) || at == 0 || text[..at].ends_with('?');
            if is_start {
                return Some(at + pattern.len());
            }
        }
    }
    None
}

/// The message a signature field flipped: one character of the signature changed.
fn flip_signature_field(format: BodyFormat, text: &str, field: &str) -> String {
    let at = value_start(format, text, field)
        .unwrap_or_else(|| panic!("signature `{field}` not found in {text}"));
    flip_at(text, at)
}

fn is_signature_error(result: &Result<impl std::fmt::Debug, ServerError>) -> bool {
    matches!(result, Err(ServerError::Message(Error::Signature { .. })))
}

struct Side<'a> {
    provider: &'a Provider,
    /// The spec lowered here: its response and notification field tables (generated
    /// crates carry those as typed structs, not as tables).
    lowered: Provider,
    spec: &'a Spec,
    credentials: &'a Credentials,
    clock: FixedClock,
}

impl Side<'_> {
    fn receiver(&self) -> Receiver<'_> {
        Receiver {
            credentials: self.credentials,
            clock: &self.clock,
            utc_offset_minutes: self.provider.utc_offset_minutes,
            seen: None,
        }
    }

    fn examples(&self, operation: &str) -> Vec<&Example> {
        self.spec
            .operations
            .iter()
            .filter(|o| o.name.value == operation)
            .flat_map(|o| o.examples.iter())
            .collect()
    }

    /// Every request of `operation`: each example's params, else the minimal one.
    fn request_params(&self, operation: &Operation) -> Vec<(String, Map<String, Value>)> {
        let mut all: Vec<(String, Map<String, Value>)> = self
            .examples(&operation.name)
            .into_iter()
            .filter_map(|e| {
                let mut params = e.params.clone()?;
                // A sample that leaves out a required field gets one: the provider's
                // side refuses a request without it.
                for name in &e.omits_required {
                    if let Some(def) = operation.request.iter().find(|d| d.name == *name.value) {
                        params.insert(name.value.clone(), sample(def));
                    }
                }
                Some((e.name.clone(), params))
            })
            .collect();
        if all.is_empty() {
            all.push((
                "required fields".into(),
                minimal(&operation.request, &operation.one_of),
            ));
        }
        all
    }

    fn request_round_trip(&self, operation: &Operation, counts: &mut Counts) {
        let provider = self.provider;
        for (example, params) in self.request_params(operation) {
            let what = format!("{}.{} ({example})", provider.name, operation.name);
            let fields = request_fields_from_json(operation, &params)
                .unwrap_or_else(|e| panic!("{what}: params rejected: {e}"));
            let base_url = provider.environments[0].base_url.to_string();
            let context = RequestContext {
                base_url: &base_url,
                credentials: self.credentials,
                clock: &self.clock,
                nonce: &FixedNonce("n0nce".into()),
            };
            let sent = encode_request(provider, operation, &fields, &context, None)
                .unwrap_or_else(|e| panic!("{what}: cannot render: {e}"));
            let headers: Vec<(String, String)> = sent
                .headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            let received = ReceivedRequest {
                method: &sent.method,
                target: path_and_query(&sent.url),
                headers: &headers,
                body: &sent.body,
            };
            let receiver = self.receiver();
            let decoded = decode_request(provider, &receiver, &received).unwrap_or_else(|e| {
                panic!("{what}: the provider's side refuses it: {e}\n{sent:?}")
            });
            assert_eq!(
                decoded.operation.name, operation.name,
                "{what}: routed elsewhere"
            );
            assert_eq!(
                texts_of_map(&decoded.fields),
                texts_of_wire(&fields),
                "{what}: fields differ"
            );
            counts.requests += 1;

            let signature = provider
                .request
                .signature
                .as_ref()
                .filter(|_| operation.signed);
            let Some(signature) = signature else {
                assert_eq!(decoded.authenticity, Authenticity::Unsigned, "{what}");
                continue;
            };
            assert_eq!(decoded.authenticity, Authenticity::Verified, "{what}");
            let in_query = provider.request.body == BodyFormat::Query || operation.method == "GET";
            let (format, text) = if in_query {
                (BodyFormat::Query, received.target.to_owned())
            } else {
                (provider.request.body, sent.body.clone())
            };
            let resend = |text: &str, headers: &[(String, String)]| {
                let target;
                let request = if in_query {
                    target = text.to_owned();
                    ReceivedRequest {
                        target: &target,
                        headers,
                        ..received
                    }
                } else {
                    ReceivedRequest {
                        body: text,
                        headers,
                        ..received
                    }
                };
                decode_request(provider, &receiver, &request).map(|r| r.fields)
            };

            // A signature character changed.
            let flipped = match &signature.output {
                SignatureOutput::Field(name) => {
                    resend(&flip_signature_field(format, &text, name), &headers)
                }
                SignatureOutput::Header { name, .. } => {
                    let mut tampered = headers.clone();
                    let header = tampered
                        .iter_mut()
                        .find(|(n, _)| n.eq_ignore_ascii_case(name))
                        .expect("signature header sent");
                    // Templates end with the signature in every spec: flip its last character.
                    header.1 = flip_at(&header.1, header.1.len() - 1);
                    resend(&text, &tampered)
                }
            };
            assert!(
                is_signature_error(&flipped),
                "{what}: flipped signature: {flipped:?}"
            );
            counts.tampered_signatures += 1;

            // A value changed: the payload's text, else a business or common field's.
            let payload = match &provider.request.payload {
                paygen::protocol::Payload::Field(field) => vec![field.name.to_string()],
                paygen::protocol::Payload::Inline => Vec::new(),
            };
            let names = payload
                .into_iter()
                .chain(fields.iter().map(|(n, _)| n.to_owned()))
                .chain(
                    provider
                        .request
                        .common
                        .iter()
                        .chain(operation.common.iter())
                        .map(|c| c.name.to_string()),
                );
            let at = names
                .filter_map(|name| value_start(format, &text, &name))
                .next()
                .unwrap_or_else(|| panic!("{what}: no value to change in {text}"));
            let changed = flip_at(&text, at);
            let result = resend(&changed, &headers);
            assert!(
                is_signature_error(&result),
                "{what}: changed value: {result:?}"
            );
            counts.tampered_values += 1;
        }
    }

    /// The fields of a documented message body, read without verification (the
    /// documents give no keys), signature field removed; `decoded: true` bodies as is.
    fn documented_fields(
        &self,
        format: BodyFormat,
        payload: &paygen::protocol::Payload,
        verification: Option<&Verification>,
        members: &[paygen::protocol::Text],
        example: &Example,
        body: &str,
    ) -> Map<String, Value> {
        let mut fields = if example.decoded {
            match serde_json::from_str(body) {
                Ok(Value::Object(map)) => map,
                other => panic!("example `{}` is not an object: {other:?}", example.name),
            }
        } else {
            decode_message_in(format, payload, None, members, &self.receiver(), body)
                .unwrap_or_else(|e| panic!("example `{}` does not decode: {e}", example.name))
                .fields
        };
        if let Some(check) = verification {
            fields.shift_remove(check.field.as_ref());
        }
        fields
    }

    fn response_round_trip(&self, operation: &Operation, counts: &mut Counts) {
        let provider = self.provider;
        let envelope = &provider.response;
        let mut samples: Vec<(String, Map<String, Value>)> = self
            .examples(&operation.name)
            .into_iter()
            .filter_map(|e| {
                let body = e.body.as_ref()?;
                let fields = self.documented_fields(
                    envelope.body,
                    &envelope.payload,
                    envelope.verification.as_ref(),
                    &operation.response_members,
                    e,
                    body,
                );
                Some((e.name.clone(), fields))
            })
            .collect();
        if samples.is_empty() {
            let table = self
                .lowered
                .operations
                .iter()
                .find(|o| o.name == operation.name)
                .map_or(&[][..], |o| &o.response[..]);
            samples.push(("required fields".into(), minimal(table, &[])));
        }
        for (example, fields) in samples {
            let what = format!("{}.{} response ({example})", provider.name, operation.name);
            let body = encode_response(provider, operation, self.credentials, &fields)
                .unwrap_or_else(|e| panic!("{what}: cannot encode: {e}"));
            let (decoded, _outcome) = judge_response(provider, operation, &self.receiver(), &body)
                .unwrap_or_else(|e| panic!("{what}: the client refuses it: {e}\n{body}"));
            let expected = if envelope.verification.is_some() {
                Authenticity::Verified
            } else {
                Authenticity::Unsigned
            };
            assert_eq!(decoded.authenticity, expected, "{what}");
            assert_eq!(
                non_empty(&decoded.fields),
                non_empty(&fields),
                "{what}\n{body}"
            );
            let response = HttpResponse {
                status: 200,
                headers: Vec::new(),
                body: body.clone(),
            };
            match decode_response(provider, operation, &self.receiver(), &response) {
                Ok(decoded) => assert_eq!(non_empty(&decoded.fields), non_empty(&fields)),
                Err(Error::Service(refused)) => assert_eq!(refused.authenticity, expected),
                Err(other) => panic!("{what}: decode_response: {other}"),
            }
            if let Some(check) = &envelope.verification {
                let flipped = flip_signature_field(envelope.body, &body, &check.field);
                let refused = judge_response(provider, operation, &self.receiver(), &flipped);
                assert!(
                    matches!(refused, Err(Error::Signature { .. })),
                    "{what}: flipped signature accepted"
                );
            }
            counts.responses += 1;
        }
    }

    fn notification_round_trips(&self, counts: &mut Counts) {
        let provider = self.provider;
        for notification in provider.notifications.iter() {
            let documented = self
                .spec
                .notifications
                .iter()
                .filter(|n| n.name.value == notification.name)
                .flat_map(|n| n.examples.iter());
            let mut samples: Vec<(String, Map<String, Value>)> = documented
                .filter_map(|e| {
                    let body = e.body.as_ref()?;
                    let fields = self.documented_fields(
                        notification.body,
                        &notification.payload,
                        notification.verification.as_ref(),
                        &[],
                        e,
                        body,
                    );
                    Some((e.name.clone(), fields))
                })
                .collect();
            if samples.is_empty() {
                let table = self
                    .lowered
                    .notifications
                    .iter()
                    .find(|n| n.name == notification.name)
                    .map_or(&[][..], |n| &n.fields[..]);
                samples.push(("required fields".into(), minimal(table, &[])));
            }
            for (example, mut fields) in samples {
                let what = format!(
                    "{}.{} notification ({example})",
                    provider.name, notification.name
                );
                // A signed timestamp must be fresh: it is the receiver's now.
                if let Some((window, field)) = notification
                    .verification
                    .as_ref()
                    .and_then(|v| v.freshness.as_ref())
                    .and_then(|f| Some((f, f.source.field()?)))
                {
                    let mut now = String::new();
                    format_clock(
                        NOW * 1000,
                        window.format,
                        provider.utc_offset_minutes,
                        &mut now,
                    );
                    fields.insert(field.to_owned(), Value::String(now));
                }
                let body = encode_notification(notification, self.credentials, &fields)
                    .unwrap_or_else(|e| panic!("{what}: cannot encode: {e}"));
                let decoded = decode_notification(notification, &self.receiver(), &body)
                    .unwrap_or_else(|e| panic!("{what}: the client refuses it: {e}\n{body}"));
                // A field outside the signature (Alipay's sign_type) never reaches the
                // caller.
                if let Some(check) = &notification.verification {
                    for name in check.recipe.canonical.exclude.iter() {
                        fields.shift_remove(name.as_ref());
                    }
                }
                assert_eq!(
                    non_empty(&decoded.fields),
                    non_empty(&fields),
                    "{what}\n{body}"
                );
                if let Some(check) = &notification.verification {
                    assert_eq!(decoded.authenticity, Authenticity::Verified, "{what}");
                    let flipped = flip_signature_field(notification.body, &body, &check.field);
                    let refused = decode_notification(notification, &self.receiver(), &flipped);
                    assert!(
                        matches!(refused, Err(Error::Signature { .. })),
                        "{what}: flipped signature accepted"
                    );
                }
                counts.notifications += 1;
            }
        }
    }
}

fn round_trips(name: &str, provider: &Provider) -> Counts {
    round_trips_with(name, provider, &[])
}

/// The round trips with `keys` (RSA key pairs) replacing or adding credentials.
fn round_trips_with(name: &str, provider: &Provider, keys: &[(&str, &str)]) -> Counts {
    let spec = spec(name);
    let credentials = credentials(provider, keys);
    let side = Side {
        provider,
        lowered: paygen_codegen::lower(&spec),
        spec: &spec,
        credentials: &credentials,
        clock: FixedClock::at_unix_seconds(NOW),
    };
    let mut counts = Counts::default();
    for operation in provider.operations.iter() {
        side.request_round_trip(operation, &mut counts);
        side.response_round_trip(operation, &mut counts);
    }
    side.notification_round_trips(&mut counts);
    println!("{name}: {counts:?}");
    assert!(
        counts.requests >= provider.operations.len(),
        "{name}: every operation"
    );
    assert!(
        counts.responses >= provider.operations.len(),
        "{name}: every response"
    );
    assert!(
        counts.notifications >= provider.notifications.len(),
        "{name}: every notification"
    );
    counts
}

#[test]
fn alipay_round_trips() {
    // Each side holds its half of both RSA pairs: the merchant signs with
    // app_private_key and verifies with alipay_public_key; the provider's side verifies
    // with app_public_key and signs with alipay_private_key.
    let keys = [
        (
            "app_private_key",
            include_str!("../../macros/codegen/sandbox-keys/merchant_private_key.pem"),
        ),
        (
            "app_public_key",
            include_str!("../../macros/codegen/sandbox-keys/merchant_public_key.pem"),
        ),
        (
            "alipay_private_key",
            include_str!("../../macros/codegen/sandbox-keys/provider_private_key.pem"),
        ),
        (
            "alipay_public_key",
            include_str!("../../macros/codegen/sandbox-keys/provider_public_key.pem"),
        ),
    ];
    let counts = round_trips_with("alipay", &paygen_alipay::tables::PROVIDER, &keys);
    assert_eq!(counts.tampered_signatures, counts.requests);
}

#[test]
fn mct1_round_trips() {
    let counts = round_trips("mct1", &paygen_mct1::tables::PROVIDER);
    assert_eq!(counts.tampered_signatures, counts.requests);
}

#[test]
fn mpgateway_round_trips() {
    round_trips("mpgateway", &paygen_mpgateway::tables::PROVIDER);
}

#[test]
fn wantu_round_trips() {
    let counts = round_trips("wantu", &paygen_wantu::tables::PROVIDER);
    assert_eq!(counts.tampered_signatures, counts.requests);
}

#[test]
fn tiantapay_round_trips() {
    let counts = round_trips("tiantapay", &paygen_tiantapay::tables::PROVIDER);
    assert_eq!(counts.tampered_signatures, counts.requests);
}

#[test]
fn shouqianba_round_trips() {
    let counts = round_trips("shouqianba", &paygen_shouqianba::tables::PROVIDER);
    assert_eq!(counts.tampered_signatures, counts.requests);
}
