//! A callback signed over parameters of its `Authorization` header plus the body
//! (issue 14: "parameters read from a received `Authorization` header, for a callback
//! signed over them plus the body"): `Authorization: SCHEME mchid="…",nonce_str="…",
//! timestamp="…",signature="…"`, the signature an HMAC-SHA256 (base64) over
//! `timestamp\nnonce_str\nbody\n`, the timestamp and nonce read from the header's
//! parameters (`header_param` parts), the header read strictly against the check's
//! `header_template`.
//!
//! The genuine callback is signed here, independently of paygen, with the `hmac`,
//! `sha2` and `base64` crates; the header's shape is the one of WeChat Pay APIv3's
//! `Authorization` (签名生成, 设置HTTP头: `认证类型 签名信息`, the five items as
//! `name="value"` joined by `,`). Parameters are read in the template's order only:
//! paygen refuses a reordered header (`ParamRule::Order`), because no document in
//! `/work/shared/providers/` says that the order is free.
//!
//! Attacks, each refused with the rule it broke: changed body, changed parameter,
//! another merchant's `mchid`, a parameter given twice (before or after the genuine one),
//! missing, unknown or reordered parameters, the header given twice, another scheme,
//! an escaped quote smuggling a second value, trailing text, an empty signature.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use paygen::protocol::{Notification, Provider};
use paygen::tooling::decode::decode_notification_explained;
use paygen::tooling::server::sign_body_in_header_with;
use paygen::wire::auth_params::ParamRule;
use paygen::{
    Authenticity, Credentials, Decoded, Error, FixedClock, FixedNonce, Receiver, SignatureFailure,
};
use sha2::Sha256;

const SPEC: &str = r#"
name: callback
title: A callback signed over its Authorization header's parameters
document: none
environments:
  - name: production
    base_url: https://pay.example.invalid
credentials:
  - name: mchid
  - name: key
    secret: true
signatures:
  - name: md5_upper
    input: canonical
    canonical: { exclude: [sign] }
    key: { credential: key, placement: { append: "&key=" } }
    digests:
      - { algorithm: md5, hex: upper }
  - name: callback
    input: template
    template:
      parts:
        - { header_param: { header: Authorization, param: timestamp } }
        - { header_param: { header: Authorization, param: nonce_str } }
        - body
      join: "\n"
      trailing: true
    key: { credential: key }
    digests:
      - { algorithm: hmac_sha256, base64: true }
protocol:
  request:
    body: json
    payload: inline
    common:
      - { name: mchid, value: { credential: mchid } }
    signature: { recipe: md5_upper, output: { field: sign } }
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
notifications:
  - name: paid
    summary: Paid
    body: json
    signature:
      recipe: callback
      header: Authorization
      header_template: 'SCHEME mchid="{mchid}",nonce_str="{nonce}",timestamp="{timestamp}",signature="{signature}"'
    ack: ""
    fields:
      - { name: out_trade_no, type: string, required: true, max_length: 32 }
      - { name: amount, type: fen, required: true }
"#;

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";
const MCHID: &str = "1900009191";
const TIMESTAMP: &str = "1554208460";
const NONCE: &str = "593BEC0C930BF1AFEB40B4A08C8FB242";
const BODY: &str = r#"{"out_trade_no":"1217752501201407033233368018","amount":100}"#;

fn provider() -> Provider {
    let spec = paygen_codegen::parse_str(SPEC, "callback.yaml").unwrap_or_else(|e| panic!("{e}"));
    paygen_codegen::lower(&spec)
}

fn credentials() -> Credentials {
    Credentials::new().plain("mchid", MCHID).secret("key", KEY)
}

/// HMAC-SHA256 of `timestamp\nnonce\nbody\n`, base64: the signer, independent of paygen.
fn signature(timestamp: &str, nonce: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(format!("{timestamp}\n{nonce}\n{body}\n").as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The header the provider sends, written here by hand.
fn authorization(mchid: &str, nonce: &str, timestamp: &str, signature: &str) -> String {
    format!(
        r#"SCHEME mchid="{mchid}",nonce_str="{nonce}",timestamp="{timestamp}",signature="{signature}""#
    )
}

fn genuine() -> String {
    authorization(MCHID, NONCE, TIMESTAMP, &signature(TIMESTAMP, NONCE, BODY))
}

fn receive(
    notification: &Notification,
    headers: &[(String, String)],
    body: &str,
) -> Result<Decoded, Error> {
    let credentials = credentials();
    let clock = FixedClock::at_unix_seconds(1_554_208_460);
    let receiver = Receiver {
        credentials: &credentials,
        clock: &clock,
        utc_offset_minutes: 480,
        seen: None,
    };
    decode_notification_explained(notification, &receiver, body, headers, None)
}

fn with(value: String) -> Vec<(String, String)> {
    vec![("Authorization".to_owned(), value)]
}

fn failure(result: Result<Decoded, Error>) -> SignatureFailure {
    match result {
        Err(Error::Signature { reason, .. }) => reason,
        other => panic!("expected a signature error, got {other:?}"),
    }
}

fn malformed(result: Result<Decoded, Error>) -> ParamRule {
    match failure(result) {
        SignatureFailure::MalformedHeader { header, rule } => {
            assert_eq!(header, "Authorization");
            rule
        }
        other => panic!("expected a malformed header, got {other:?}"),
    }
}

#[test]
fn a_genuine_callback_verifies_and_only_what_was_signed_is_read() {
    let provider = provider();
    let paid = provider.notification("paid").unwrap();
    let decoded = receive(paid, &with(genuine()), BODY).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decoded.authenticity, Authenticity::Verified);
    assert_eq!(
        decoded.fields["out_trade_no"],
        "1217752501201407033233368018"
    );
    assert_eq!(decoded.fields["amount"], 100);
    // Header names are case-insensitive (RFC 9110 §5.1).
    let lower = vec![("authorization".to_owned(), genuine())];
    assert!(receive(paid, &lower, BODY).is_ok());
}

#[test]
fn the_sandbox_signs_the_same_header_the_independent_signer_writes() {
    let provider = provider();
    let paid = provider.notification("paid").unwrap();
    let signed = sign_body_in_header_with(
        paid.verification.as_ref(),
        &credentials(),
        BODY,
        &[],
        &FixedClock::at_unix_seconds(1_554_208_460),
        &FixedNonce(NONCE.into()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(signed.body, BODY);
    assert_eq!(signed.headers, with(genuine()));
    assert!(receive(paid, &signed.headers, &signed.body).is_ok());
}

#[test]
fn a_changed_body_or_parameter_breaks_the_signature() {
    let provider = provider();
    let paid = provider.notification("paid").unwrap();
    let sig = signature(TIMESTAMP, NONCE, BODY);
    let changed_body = BODY.replace("100", "1");
    assert_eq!(
        failure(receive(paid, &with(genuine()), &changed_body)),
        SignatureFailure::Mismatch
    );
    for header in [
        authorization(MCHID, NONCE, "1554208461", &sig),
        authorization(MCHID, "593BEC0C930BF1AFEB40B4A08C8FB243", TIMESTAMP, &sig),
        // The timestamp and nonce swapped: the signed text differs.
        authorization(MCHID, TIMESTAMP, NONCE, &sig),
        // Another merchant's id: the header's credential must be the receiver's.
        authorization("1900009192", NONCE, TIMESTAMP, &sig),
    ] {
        assert_eq!(
            failure(receive(paid, &with(header.clone()), BODY)),
            SignatureFailure::Mismatch,
            "{header}"
        );
    }
    // Moved between the header and the body: the join still separates them.
    let moved = signature(TIMESTAMP, &format!("{NONCE}\n{BODY}"), "");
    let header = authorization(MCHID, NONCE, TIMESTAMP, &moved);
    assert!(receive(paid, &with(header), BODY).is_err());
}

#[test]
fn each_broken_rule_of_the_header_is_named() {
    let provider = provider();
    let paid = provider.notification("paid").unwrap();
    let sig = signature(TIMESTAMP, NONCE, BODY);
    let g = genuine();
    let cases: Vec<(String, ParamRule)> = vec![
        // The parameter given twice, before and after the genuine one.
        (
            g.replacen(",timestamp=", ",nonce_str=\"x\",timestamp=", 1),
            ParamRule::Duplicate {
                name: "nonce_str".into(),
            },
        ),
        (
            format!("{g},timestamp=\"1\""),
            ParamRule::Duplicate {
                name: "timestamp".into(),
            },
        ),
        (
            format!(r#"SCHEME mchid="{MCHID}",timestamp="{TIMESTAMP}",signature="{sig}""#),
            ParamRule::Missing {
                name: "nonce_str".into(),
            },
        ),
        (
            format!(
                r#"SCHEME mchid="{MCHID}",timestamp="{TIMESTAMP}",nonce_str="{NONCE}",signature="{sig}""#
            ),
            ParamRule::Order {
                name: "timestamp".into(),
            },
        ),
        (
            format!("{g},serial_no=\"5157F09EFDC096DE15EBE81A47057A7232F1B8E1\""),
            ParamRule::Unknown {
                name: "serial_no".into(),
            },
        ),
        (
            g.replacen("SCHEME", "OTHER", 1),
            ParamRule::Scheme {
                expected: "SCHEME".into(),
            },
        ),
        (
            g.replacen("SCHEME", "scheme", 1),
            ParamRule::Scheme {
                expected: "SCHEME".into(),
            },
        ),
        (format!("{g} "), ParamRule::Syntax { at: g.len() }),
        (format!("{g}garbage"), ParamRule::Syntax { at: g.len() }),
        (
            g.replacen(",nonce_str", ", nonce_str", 1),
            ParamRule::Syntax {
                at: g.find(",nonce_str").unwrap() + 1,
            },
        ),
        (
            g.replacen(&format!("\"{MCHID}\""), MCHID, 1),
            ParamRule::Unquoted {
                name: "mchid".into(),
            },
        ),
        // An escaped quote that would let one value carry a second parameter.
        (
            g.replacen(
                &format!("nonce_str=\"{NONCE}\""),
                &format!("nonce_str=\"{NONCE}\\\",timestamp=\\\"1\""),
                1,
            ),
            ParamRule::Unquoted {
                name: "nonce_str".into(),
            },
        ),
    ];
    for (header, rule) in cases {
        assert_eq!(
            malformed(receive(paid, &with(header.clone()), BODY)),
            rule,
            "{header}"
        );
    }
}

#[test]
fn the_header_twice_absent_or_without_a_signature_is_refused() {
    let provider = provider();
    let paid = provider.notification("paid").unwrap();
    let twice = [with(genuine()), with(genuine())].concat();
    assert!(
        matches!(receive(paid, &twice, BODY), Err(Error::Decode { ref reason, .. }) if reason.contains("twice")),
    );
    assert_eq!(
        failure(receive(paid, &[], BODY)),
        SignatureFailure::Missing("Authorization".into())
    );
    let empty = authorization(MCHID, NONCE, TIMESTAMP, "");
    assert_eq!(
        failure(receive(paid, &with(empty), BODY)),
        SignatureFailure::Empty("Authorization".into())
    );
}
