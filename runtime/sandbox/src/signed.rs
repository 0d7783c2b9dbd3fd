//! Messages whose signature travels in headers (WeChat Pay APIv3), and replies whose
//! meaning is their HTTP status: the header values the sandbox writes (its spec's
//! `sandbox.signature_headers`, fresh for every message), and the status each reply
//! goes out under where the operation's success rule reads it (`http_status`).

use axum::http::StatusCode;
use paygen::clock::format_clock;
use paygen::protocol::{ClockFormat, Operation};
use paygen::{Clock, NonceSource, RandomNonce, SystemClock};
use paygen_codegen::spec::model::{Sandbox as SandboxSpec, ValueSource};
use serde_json::{Map, Value};

/// Where one header's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Clock(ClockFormat),
    Nonce(u8),
    Constant(String),
}

/// The headers the sandbox writes with each header-signed message, in the spec's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureHeaders(Vec<(String, Source)>);

impl SignatureHeaders {
    /// The spec's `signature_headers` (none without a sandbox section). Validation
    /// refuses credential values, which the sandbox would have to make up.
    pub fn of(sandbox: Option<&SandboxSpec>) -> Self {
        let headers = sandbox
            .map(|s| s.signature_headers.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|h| {
                let source = match &h.value {
                    ValueSource::Clock(format) => Source::Clock(*format),
                    ValueSource::Nonce(len) => Source::Nonce(*len),
                    ValueSource::Constant(text) => Source::Constant(text.clone()),
                    // Refused by validation: the sandbox would have to make them up.
                    ValueSource::Credential(_) | ValueSource::Request(_) => return None,
                };
                Some((h.name.value.clone(), source))
            })
            .collect();
        SignatureHeaders(headers)
    }

    /// The values for one message: the clock now, a fresh nonce.
    pub fn values(&self, utc_offset_minutes: i32) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|(name, source)| {
                let mut value = String::new();
                match source {
                    Source::Clock(format) => format_clock(
                        SystemClock.now_millis(),
                        *format,
                        utc_offset_minutes,
                        &mut value,
                    ),
                    // The thread-local generator does not fail; an empty nonce would
                    // still be signed, and so still verify.
                    Source::Nonce(len) => {
                        let _ = RandomNonce.fill(usize::from(*len), &mut value);
                    }
                    Source::Constant(text) => value.push_str(text),
                }
                (name.clone(), value)
            })
            .collect()
    }
}

/// The status of a success reply, and whether it goes without a body: where the
/// operation's success rule lists statuses, 204 No Content for a reply with no fields
/// when it lists 204 (WeChat Pay APIv3's 关闭订单), else the first it lists; 200 elsewhere.
pub fn success_status(operation: &Operation, fields: &Map<String, Value>) -> (StatusCode, bool) {
    let listed = &operation.success.http_status;
    if fields.is_empty() && listed.contains(&204) {
        return (StatusCode::NO_CONTENT, true);
    }
    let status = listed
        .iter()
        .find(|s| **s != 204)
        .and_then(|s| StatusCode::from_u16(*s).ok())
        .unwrap_or(StatusCode::OK);
    (status, false)
}

/// The status of a refusal: the sandbox reply's own, else 400 where the success rule
/// reads the status (a status it lists would read as success), else 200.
pub fn refusal_status(operation: &Operation, given: Option<u16>) -> StatusCode {
    let default = if operation.success.http_status.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    given
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(default)
}

/// Alters the first character of header `name`'s value (the tamper scenario for a
/// signature sent in a header).
pub fn tamper_header(headers: &mut [(String, String)], name: &str) {
    if let Some((_, value)) = headers
        .iter_mut()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        let replacement = if value.starts_with('A') { "B" } else { "A" };
        let rest: String = value.chars().skip(1).collect();
        *value = format!("{replacement}{rest}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tampered_header_differs_in_its_first_character_only() {
        let mut headers = vec![("Wechatpay-Signature".to_owned(), "Abc=".to_owned())];
        tamper_header(&mut headers, "wechatpay-signature");
        assert_eq!(headers[0].1, "Bbc=");
        tamper_header(&mut headers, "Wechatpay-Signature");
        assert_eq!(headers[0].1, "Abc=");
    }
}
