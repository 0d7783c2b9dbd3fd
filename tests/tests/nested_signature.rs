//! A signature inside a JSON object (`signature: { field: data.sign }`), as several
//! aggregators send it: `{"code":0,"msg":"ok","data":{...,"sign":"..."}}`, the MD5 over
//! `data`'s sorted members and `&key=KEY`. The spec is YAML alone; the genuine reply is
//! signed here with the md-5 crate, and its mutants are refused.

mod support;

use paygen::{Error, FixedClock, HttpResponse, Receiver, SignatureFailure};

const KEY: &str = "nested-signature-test-key";

const SPEC: &str = r#"
name: nested
title: Nested signature provider
document: none
environments:
  - { name: production, base_url: "https://pay.example.invalid" }
credentials:
  - { name: key, secret: true }
signatures:
  - name: md5_key
    input: canonical
    canonical: { exclude: [sign] }
    key: { credential: key, placement: { append: "&key=" } }
    digests: [{ algorithm: md5, hex: upper }]
protocol:
  request:
    body: json
    signature: { recipe: md5_key, output: { field: sign } }
  response:
    body: json
    signature: { recipe: md5_key, field: data.sign, unsigned_fields: ignore }
    success: { field: status, equals: [PAID] }
operations:
  - name: query
    summary: Query
    path: /query
    moves_money: false
    request:
      - { name: order_no, type: string, required: true }
    # the business fields are the members of `data`, as with response `members`
    response:
      - { name: order_no, type: string, required: true }
      - { name: amount, type: fen, required: true }
      - { name: status, type: string, required: true }
"#;

fn provider() -> &'static paygen::protocol::Provider {
    let spec = paygen_codegen::parse_str(SPEC, "nested.yaml").unwrap();
    Box::leak(Box::new(paygen_codegen::lower(&spec)))
}

/// MD5 over the sorted `k=v` pairs of `data` (without `sign`), then `&key=KEY`, upper
/// hex: the recipe of 003 §1.3, computed independently in `support` with the md-5 crate.
fn sign(pairs: &[(&str, &str)]) -> String {
    support::wantu_sign(pairs, KEY)
}

fn decode(body: &str) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    let provider = provider();
    let credentials = paygen::Credentials::new().secret("key", KEY);
    let clock = FixedClock::at_unix_seconds(1_700_000_000);
    let receiver = Receiver {
        credentials: &credentials,
        clock: &clock,
        utc_offset_minutes: 480,
        seen: None,
    };
    let response = HttpResponse {
        status: 200,
        headers: vec![],
        body: body.to_owned(),
    };
    paygen::tooling::decode::decode_response(
        provider,
        &provider.operations[0],
        &receiver,
        &response,
    )
    .map(|d| d.fields)
}

fn genuine() -> String {
    let sign = sign(&[("order_no", "N1"), ("amount", "100"), ("status", "PAID")]);
    format!(
        r#"{{"code":0,"msg":"ok","data":{{"order_no":"N1","amount":100,"status":"PAID","sign":"{sign}"}}}}"#
    )
}

#[test]
fn a_genuine_reply_hands_over_the_signed_object_only() {
    let fields = decode(&genuine()).unwrap();
    assert_eq!(fields["order_no"], "N1");
    assert_eq!(fields["amount"], 100);
    assert_eq!(fields["status"], "PAID");
    assert!(!fields.contains_key("sign") && !fields.contains_key("data"));
    // `code` and `msg` stand outside the signature: dropped (`unsigned_fields: ignore`).
    assert!(
        !fields.contains_key("code") && !fields.contains_key("msg"),
        "{fields:?}"
    );
}

#[test]
fn mutants_of_the_genuine_reply_are_refused() {
    let genuine = genuine();
    let mutants = [
        (
            "amount changed",
            genuine.replace(r#""amount":100"#, r#""amount":10000"#),
        ),
        (
            "status changed",
            genuine.replace(r#""status":"PAID""#, r#""status":"PAYED""#),
        ),
        (
            "member added inside data",
            genuine.replace(r#""order_no":"N1","#, r#""order_no":"N1","extra":"x","#),
        ),
        (
            "signature moved beside data",
            genuine
                .replace(r#","sign":""#, r#"},"sign":""#)
                .replacen("}}", "}", 1),
        ),
        (
            "a data member repeated beside data",
            genuine.replace(r#"{"code":0"#, r#"{"amount":1,"code":0"#),
        ),
        (
            "a data member repeated inside data",
            genuine.replace(r#""order_no":"N1","#, r#""order_no":"N1","order_no":"N2","#),
        ),
    ];
    for (what, body) in mutants {
        // Each mutant must still be well-formed JSON: a refusal for broken JSON would
        // not test the signature.
        assert!(
            serde_json::from_str::<serde_json::Value>(&body).is_ok(),
            "{what}: {body}"
        );
        let result = decode(&body);
        // Changed values fail the signature; a repeated or misplaced member is a decode
        // error (one reading of what was received) or a missing signature.
        let expected = match what {
            "amount changed" | "status changed" | "member added inside data" => {
                matches!(
                    result,
                    Err(Error::Signature {
                        reason: SignatureFailure::Mismatch,
                        ..
                    })
                )
            }
            "signature moved beside data" => matches!(result, Err(Error::Signature { .. })),
            _ => matches!(result, Err(Error::Decode { .. })),
        };
        assert!(expected, "{what}: {body} gave {result:?}");
    }
    // A forged signature beside an unsigned object is not a signature.
    let forged = r#"{"data":{"order_no":"N1","amount":100,"status":"PAID"},"sign":"00"}"#;
    assert!(
        matches!(
            decode(forged),
            Err(Error::Signature {
                reason: SignatureFailure::Missing(_),
                ..
            })
        ),
        "{:?}",
        decode(forged)
    );
}

#[test]
fn nested_signatures_the_runtime_cannot_check_are_spec_errors() {
    let xml = SPEC.replacen(
        "  response:\n    body: json",
        "  response:\n    body: xml",
        1,
    );
    let errors = paygen_codegen::parse_str(&xml, "nested.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        errors
            .contains("signature field `data.sign`: a nested signature field needs a JSON message"),
        "{errors}"
    );
    let deep = SPEC.replacen("field: data.sign", "field: data.inner.sign", 1);
    let errors = paygen_codegen::parse_str(&deep, "nested.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        errors.contains("name one object member and its signature field"),
        "{errors}"
    );
}
