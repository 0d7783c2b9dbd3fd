//! Header values and string-to-sign parts composed of parts: HTTP Basic authentication
//! as `Basic base64({client_id}:{client_secret})`, an API-key header, and a digest of
//! other parts inside a string to sign. The client writes them, Debug and the CLI hide a
//! header built from a secret, and the provider's side checks them as the provider would.
//! Expected values come from RFC 7617 section 2 (`Aladdin` / `open sesame`) and from the
//! sha2 and hmac crates used directly.

use hmac::{Hmac, Mac};
use paygen::tooling::encode::{encode_request, RequestContext};
use paygen::tooling::server::{decode_request, ReceivedRequest};
use paygen::{Credentials, Error, FixedClock, FixedNonce, Receiver, SignatureFailure};
use paygen::{WireFields, WireValue};
use sha2::{Digest, Sha256};

const SPEC: &str = r#"
name: basic
title: Composed headers test subset
document: none
environments:
  - name: production
    base_url: https://pay.example.invalid
credentials:
  - name: client_id
  - name: client_secret
    secret: true
  - name: api_key
    secret: true
  - name: key
    secret: true
signatures:
  - name: lines
    input: template
    template:
      parts: [method, { credential: client_id }, { digest: { hash: sha256, of: [{ timestamp: unix_seconds }, body] } }]
      join: "\n"
    key: { credential: key }
    digests:
      - { algorithm: hmac_sha256, hex: lower }
protocol:
  request:
    body: json
    payload: inline
    headers:
      - name: Authorization
        parts: [{ literal: "Basic " }, { base64: [{ credential: client_id }, { literal: ":" }, { credential: client_secret }] }]
      - { name: X-Api-Key, parts: [{ credential: api_key }] }
    signature:
      recipe: lines
      output: { header: { name: X-Sign, template: "t={timestamp},s={signature}" } }
  response:
    body: json
    payload: inline
    success: { field: code, equals: ["0"] }
operations:
  - name: pay
    summary: Pay
    path: /pay
    request:
      - { name: amount, type: fen, required: true }
    response:
      - { name: code, type: string, required: true }
"#;

fn credentials(secret: &str) -> Credentials {
    Credentials::new()
        .plain("client_id", "Aladdin")
        .secret("client_secret", secret)
        .secret("api_key", "ak-0123456789")
        .secret("key", "k3y")
}

fn provider() -> paygen::protocol::Provider {
    let spec = paygen_codegen::parse_str(SPEC, "basic.yaml").unwrap_or_else(|e| panic!("{e}"));
    paygen_codegen::lower(&spec)
}

fn request(provider: &paygen::protocol::Provider) -> paygen::HttpRequest {
    let mut fields = WireFields::with_capacity(1);
    fields.push("amount", WireValue::Int(100));
    let credentials = credentials("open sesame");
    let context = RequestContext {
        base_url: "https://pay.example.invalid",
        credentials: &credentials,
        clock: &FixedClock::at_unix_seconds(1_700_000_000),
        nonce: &FixedNonce("n".into()),
    };
    let operation = provider.operation("pay").unwrap();
    encode_request(provider, operation, &fields, &context, None).unwrap_or_else(|e| panic!("{e}"))
}

fn header<'r>(request: &'r paygen::HttpRequest, name: &str) -> &'r str {
    let found = request.headers.iter().find(|(n, _)| n == name);
    found
        .map(|(_, v)| v.as_ref())
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn basic_authorization_is_rfc_7617s_example_and_a_digest_part_digests_its_parts() {
    let request = request(&provider());
    // RFC 7617 section 2: user-id "Aladdin", password "open sesame".
    assert_eq!(
        header(&request, "Authorization"),
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );
    assert_eq!(header(&request, "X-Api-Key"), "ak-0123456789");
    let body = r#"{"amount":100}"#;
    assert_eq!(request.body, body);
    let inner = hex::encode(Sha256::digest(format!("1700000000{body}")));
    let mut mac = Hmac::<Sha256>::new_from_slice(b"k3y").unwrap();
    mac.update(format!("POST\nAladdin\n{inner}").as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    assert_eq!(
        header(&request, "X-Sign"),
        format!("t=1700000000,s={signature}")
    );
}

#[test]
fn a_header_built_from_a_secret_never_shows_in_debug() {
    let request = request(&provider());
    let shown = format!("{request:?}");
    assert!(!shown.contains("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), "{shown}");
    assert!(!shown.contains("ak-0123456789"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
    // The body and the signature header are not secrets.
    assert!(shown.contains("amount"), "{shown}");
}

fn received(
    provider: &paygen::protocol::Provider,
    request: &paygen::HttpRequest,
    secret: &str,
    drop: &str,
) -> Result<(), paygen::tooling::ServerError> {
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(n, _)| n != drop)
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let credentials = credentials(secret);
    let clock = FixedClock::at_unix_seconds(1_700_000_000);
    let receiver = Receiver {
        credentials: &credentials,
        clock: &clock,
        utc_offset_minutes: provider.utc_offset_minutes,
        seen: None,
    };
    let received = ReceivedRequest {
        method: "POST",
        target: "/pay",
        headers: &headers,
        body: &request.body,
    };
    decode_request(provider, &receiver, &received).map(|_| ())
}

fn failure(result: Result<(), paygen::tooling::ServerError>) -> SignatureFailure {
    match result {
        Err(paygen::tooling::ServerError::Message(Error::Signature { reason, .. })) => reason,
        other => panic!("expected a signature failure, got {other:?}"),
    }
}

#[test]
fn the_provider_side_checks_composed_credential_headers() {
    let provider = provider();
    let request = request(&provider);
    received(&provider, &request, "open sesame", "").unwrap_or_else(|e| panic!("{e}"));
    // The provider knows another password: the Basic header does not match.
    assert_eq!(
        failure(received(&provider, &request, "open sesame!", "")),
        SignatureFailure::Mismatch
    );
    assert_eq!(
        failure(received(&provider, &request, "open sesame", "X-Api-Key")),
        SignatureFailure::Missing("X-Api-Key".into())
    );
}

fn spec_errors(old: &str, new: &str) -> String {
    assert!(SPEC.contains(old), "{old}");
    match paygen_codegen::parse_str(&SPEC.replacen(old, new, 1), "basic.yaml") {
        Ok(_) => String::new(),
        Err(errors) => errors.to_string(),
    }
}

#[test]
fn malformed_composed_headers_are_spec_errors_with_their_position() {
    let api = "{ name: X-Api-Key, parts: [{ credential: api_key }] }";
    let errors = spec_errors(
        api,
        "{ name: X-Api-Key, value: k, parts: [{ credential: api_key }] }",
    );
    assert!(errors.contains("exactly one of `value`"), "{errors}");
    assert!(errors.contains("basic.yaml:32:"), "{errors}");
    let errors = spec_errors(api, "{ name: X-Api-Key, parts: [body] }");
    assert!(
        errors.contains("not known when headers are composed"),
        "{errors}"
    );
    let errors = spec_errors(api, "{ name: X-Api-Key, parts: [{ credential: nothing }] }");
    assert!(errors.contains("names no credential"), "{errors}");
    let errors = spec_errors(
        api,
        "{ name: X-Api-Key, parts: [{ digest: { hash: hmac_sha256, of: [{ literal: a }] } }] }",
    );
    assert!(errors.contains("needs a plain hash"), "{errors}");
    let errors = spec_errors("hash: sha256, of:", "hash: hmac_md5, of:");
    assert!(errors.contains("needs a plain hash"), "{errors}");
}
