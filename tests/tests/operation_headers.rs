//! An operation's own constant headers follow the envelope's on the wire, and a request
//! template can sign one of the envelope's (`{ header: … }`). The spec is lowered at run
//! time, as the CLI does; the expected signature is computed here with md-5 directly.

use md5::{Digest, Md5};
use paygen::tooling::encode::{encode_request, RequestContext};
use paygen::{Credentials, FixedClock, FixedNonce, WireFields, WireValue};

const SPEC: &str = r#"
name: hdr
title: Header test subset
document: none
environments:
  - name: production
    base_url: https://pay.example.invalid
credentials:
  - name: app_id
  - name: key
    secret: true
signatures:
  - name: lines
    input: template
    template:
      parts: [{ literal: V1 }, { credential: app_id }, { header: X-Api-Version }, body]
      join: "\n"
    key: { credential: key, placement: { append: "\n" } }
    digests:
      - { algorithm: md5, hex: lower }
protocol:
  request:
    body: json
    payload: inline
    headers:
      - { name: X-Api-Version, value: "2024-06" }
    signature:
      recipe: lines
      output: { header: { name: X-Sign, template: "{signature}" } }
  response:
    body: json
    payload: inline
    success: { field: code, equals: ["0"] }
operations:
  - name: pay
    summary: Pay
    path: /pay
    headers:
      - { name: Accept, value: application/json }
    request:
      - { name: amount, type: fen, required: true }
    response:
      - { name: code, type: string, required: true }
"#;

#[test]
fn operation_headers_follow_the_envelope_and_a_signed_header_part_is_in_the_string() {
    let spec = paygen_codegen::parse_str(SPEC, "hdr.yaml").unwrap_or_else(|e| panic!("{e}"));
    let provider = paygen_codegen::lower(&spec);
    let operation = provider.operation("pay").unwrap();
    let credentials = Credentials::new()
        .plain("app_id", "A1")
        .secret("key", "k3y");
    let mut fields = WireFields::with_capacity(1);
    fields.push("amount", WireValue::Int(100));
    let context = RequestContext {
        base_url: "https://pay.example.invalid",
        credentials: &credentials,
        clock: &FixedClock::at_unix_seconds(0),
        nonce: &FixedNonce("n".into()),
    };
    let request = encode_request(&provider, operation, &fields, &context, None)
        .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = request.headers.iter().map(|(n, _)| n.as_ref()).collect();
    assert_eq!(names, ["Content-Type", "X-Api-Version", "Accept", "X-Sign"]);
    let body = r#"{"amount":100}"#;
    assert_eq!(request.body, body);
    let expected = hex::encode(Md5::digest(
        format!("V1\nA1\n2024-06\n{body}\nk3y").as_bytes(),
    ));
    assert_eq!(request.headers[3].1, expected);
}
