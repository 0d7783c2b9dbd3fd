//! AES-256-GCM payloads (`encoding: aead_aes_256_gcm`) as WeChat Pay APIv3 sends its
//! notifications: the `resource` object holds base64 of ciphertext and tag, the nonce and
//! the associated data, sealed with the merchant's 32-byte APIv3 key. The bodies here are
//! sealed with the `aes-gcm` crate directly, not with the runtime, and read through a spec
//! lowered at run time, as the CLI and the sandbox read specs.
//!
//! Shapes follow WeChat Pay APIv3's 支付通知 (pay.weixin.qq.com/wiki/doc/apiv3/apis/
//! chapter3_1_5.shtml, 通知报文 and 解密后的resource) and 证书和回调报文解密
//! (wechatpay-apiv3 wiki, 解密回调报文: AEAD_AES_256_GCM, key = APIv3 key, nonce and
//! associated_data as given).

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};
use base64::Engine as _;
use paygen::protocol::Notification;
use paygen::tooling::decode::decode_notification;
use paygen::tooling::server::encode_notification_with;
use paygen::{Authenticity, Credentials, Error, FixedClock, FixedNonce, Receiver};
use serde_json::{json, Map, Value};

const BASE: &str = include_str!("ui/specs/base.yaml");

/// A 32-character APIv3 key, as the merchant platform issues them.
const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";

const NONCE: &str = "fdasflkja484";

/// The base spec with a credential for the APIv3 key and a payment notification whose
/// `resource` is sealed, with `aead` (member names, associated data) as given.
fn provider(aead: &str) -> paygen::protocol::Provider {
    let text = BASE
        .replacen(
            "  - name: key\n    secret: true\n",
            "  - name: key\n    secret: true\n  - name: api_v3_key\n    secret: true\n",
            1,
        )
        .trim_end()
        .to_owned()
        + &format!(
            r#"
notifications:
  - name: transaction
    summary: 支付成功通知
    body: json
    payload:
      field:
        name: resource
        encoding: aead_aes_256_gcm
        key: api_v3_key
        flatten: true
        aead: {aead}
    ack: '{{"code":"SUCCESS","message":"成功"}}'
    fields:
      - {{ name: transaction_id, type: string, required: true }}
      - {{ name: amount, type: json, required: true }}
      - {{ name: mchid, type: string, required: true }}
      - {{ name: trade_state, type: string, required: true }}
      - {{ name: out_trade_no, type: string, required: true }}
      - {{ name: appid, type: string, required: true }}
"#
        );
    let spec = paygen_codegen::parse_str(&text, "aead.yaml").unwrap_or_else(|e| panic!("{e}"));
    paygen_codegen::lower(&spec)
}

/// Requires the associated data WeChat Pay gives payment notifications.
fn transaction_spec() -> paygen::protocol::Provider {
    provider("{ associated_data_value: transaction }")
}

/// Accepts any associated data (the tag still covers it).
fn any_associated_data_spec() -> paygen::protocol::Provider {
    provider("{}")
}

/// The decrypted `resource` of the document's example (a subset of its members).
fn business() -> Value {
    json!({
        "transaction_id": "1217752501201407033233368018",
        "amount": {"payer_total": 100, "total": 100, "currency": "CNY", "payer_currency": "CNY"},
        "mchid": "1230000109",
        "trade_state": "SUCCESS",
        "out_trade_no": "1217752501201407033233368018",
        "appid": "wxd678efh567hg6787"
    })
}

/// Seals `plaintext` with the `aes-gcm` crate: ciphertext with the tag appended.
fn seal(key: &[u8], nonce: &str, associated_data: &str, plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new_from_slice(key).expect("a 32-byte key");
    let payload = Payload {
        msg: plaintext,
        aad: associated_data.as_bytes(),
    };
    cipher
        .encrypt(nonce.as_bytes().into(), payload)
        .expect("sealed")
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The notification body WeChat Pay APIv3 posts, its `resource` as given.
fn body(resource: Value) -> String {
    json!({
        "id": "EV-2018022511223320873",
        "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": resource
    })
    .to_string()
}

/// A genuine `resource`: the business fields sealed with the APIv3 key.
fn resource() -> Map<String, Value> {
    let sealed = seal(
        API_V3_KEY.as_bytes(),
        NONCE,
        "transaction",
        business().to_string().as_bytes(),
    );
    let Value::Object(resource) = json!({
        "original_type": "transaction",
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64(&sealed),
        "associated_data": "transaction",
        "nonce": NONCE
    }) else {
        unreachable!("an object literal")
    };
    resource
}

fn credentials(api_v3_key: &str) -> Credentials {
    Credentials::new()
        .plain("merchant", "1230000109")
        .secret("key", "v2-key")
        .secret("api_v3_key", api_v3_key)
}

fn decode(
    provider: &paygen::protocol::Provider,
    api_v3_key: &str,
    body: &str,
) -> Result<paygen::Decoded, Error> {
    let credentials = credentials(api_v3_key);
    let clock = FixedClock::at_unix_seconds(1_527_000_000);
    let receiver = Receiver {
        credentials: &credentials,
        clock: &clock,
        utc_offset_minutes: provider.utc_offset_minutes,
        seen: None,
    };
    decode_notification(notification(provider), &receiver, body)
}

fn notification(provider: &paygen::protocol::Provider) -> &Notification {
    provider.notification("transaction").expect("transaction")
}

/// The reason of a decode error, checked to hold no secret.
fn refusal(result: Result<paygen::Decoded, Error>) -> String {
    let error = result.expect_err("refused");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(API_V3_KEY), "{shown}");
    match error {
        Error::Decode { reason, .. } => reason,
        other => panic!("not a decode error: {other:?}"),
    }
}

#[test]
fn a_sealed_wechat_pay_v3_notification_decodes_as_sealed() {
    for provider in [transaction_spec(), any_associated_data_spec()] {
        let decoded = decode(&provider, API_V3_KEY, &body(Value::Object(resource())))
            .unwrap_or_else(|e| panic!("{e}"));
        // Only what the tag covers: the sealed members, not the plain envelope (`id`,
        // `event_type`, `summary`) nor the resource's own plain members.
        assert_eq!(Value::Object(decoded.fields), business());
        assert_eq!(decoded.authenticity, Authenticity::Sealed);
        assert!(decoded.authenticity.is_authentic());
    }
}

#[test]
fn an_absent_or_empty_associated_data_is_sealed_as_empty() {
    let provider = any_associated_data_spec();
    let plain = business().to_string();
    let sealed = base64(&seal(API_V3_KEY.as_bytes(), NONCE, "", plain.as_bytes()));
    let empty = json!({"ciphertext": sealed, "associated_data": "", "nonce": NONCE});
    let absent = json!({"ciphertext": sealed, "nonce": NONCE});
    for resource in [empty, absent] {
        let decoded = decode(&provider, API_V3_KEY, &body(resource)).unwrap();
        assert_eq!(Value::Object(decoded.fields), business());
    }
    // The spec that requires `transaction` refuses a message sealed without it.
    let absent = json!({"ciphertext": sealed, "nonce": NONCE});
    let reason = refusal(decode(&transaction_spec(), API_V3_KEY, &body(absent)));
    assert!(
        reason.contains("associated data `` is not `transaction`"),
        "{reason}"
    );
}

/// The genuine resource with `change` applied.
fn mutant(change: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut resource = resource();
    change(&mut resource);
    body(Value::Object(resource))
}

/// The sealed bytes of the genuine resource with byte `index` (from the end when
/// negative) flipped.
fn flip(index: isize) -> impl FnOnce(&mut Map<String, Value>) {
    move |resource| {
        let text = resource["ciphertext"].as_str().unwrap();
        let mut sealed = base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap();
        let at = if index < 0 {
            sealed.len() - index.unsigned_abs()
        } else {
            index.unsigned_abs()
        };
        sealed[at] ^= 0x01;
        resource.insert("ciphertext".into(), Value::from(base64(&sealed)));
    }
}

#[test]
fn every_change_to_what_was_sealed_is_refused() {
    const TAG_MISMATCH: &str = "AES-GCM tag mismatch";
    let provider = any_associated_data_spec();
    let length = business().to_string().len();
    let cases: [(&str, String); 7] = [
        ("first ciphertext byte", mutant(flip(0))),
        ("last ciphertext byte", mutant(flip(length as isize - 1))),
        ("first tag byte", mutant(flip(-16))),
        ("last tag byte", mutant(flip(-1))),
        (
            "the nonce",
            mutant(|r| {
                r.insert("nonce".into(), Value::from("fdasflkja485"));
            }),
        ),
        (
            "the associated data",
            mutant(|r| {
                r.insert("associated_data".into(), Value::from("refund"));
            }),
        ),
        (
            "the associated data dropped",
            mutant(|r| {
                r.remove("associated_data");
            }),
        ),
    ];
    for (case, body) in &cases {
        let reason = refusal(decode(&provider, API_V3_KEY, body));
        assert!(reason.contains(TAG_MISMATCH), "{case}: {reason}");
        assert!(reason.starts_with("payload `resource`"), "{case}: {reason}");
    }
    // The key of another merchant.
    let genuine = body(Value::Object(resource()));
    let reason = refusal(decode(
        &provider,
        "b7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb",
        &genuine,
    ));
    assert!(reason.contains(TAG_MISMATCH), "{reason}");
    // The genuine body still opens: the mutants failed for their change alone.
    assert!(decode(&provider, API_V3_KEY, &genuine).is_ok());
}

#[test]
fn a_genuine_resource_of_another_kind_is_refused_by_its_associated_data() {
    // A refund notification's resource, genuinely sealed, posted as a payment's.
    let sealed = seal(
        API_V3_KEY.as_bytes(),
        NONCE,
        "refund",
        business().to_string().as_bytes(),
    );
    let refund = json!({
        "original_type": "refund",
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64(&sealed),
        "associated_data": "refund",
        "nonce": NONCE
    });
    let reason = refusal(decode(
        &transaction_spec(),
        API_V3_KEY,
        &body(refund.clone()),
    ));
    assert!(
        reason.contains("associated data `refund` is not `transaction`"),
        "{reason}"
    );
    // Without the requirement, it is what the key holder sealed.
    assert!(decode(&any_associated_data_spec(), API_V3_KEY, &body(refund)).is_ok());
}

#[test]
fn malformed_resources_are_decode_errors_that_say_what_is_wrong() {
    let provider = transaction_spec();
    let cases = [
        (
            "no ciphertext",
            mutant(|r| {
                r.remove("ciphertext");
            }),
            "member `ciphertext` is missing",
        ),
        (
            "no nonce",
            mutant(|r| {
                r.remove("nonce");
            }),
            "member `nonce` is missing",
        ),
        (
            "a numeric nonce",
            mutant(|r| {
                r.insert("nonce".into(), Value::from(484));
            }),
            "member `nonce` is not a string",
        ),
        (
            "a nonce of 16 characters",
            mutant(|r| {
                r.insert("nonce".into(), Value::from("fdasflkja4840000"));
            }),
            "nonce must be 12 bytes, got 16",
        ),
        (
            "ciphertext not base64",
            mutant(|r| {
                r.insert("ciphertext".into(), Value::from("not base64!"));
            }),
            "not base64",
        ),
        (
            "ciphertext shorter than a tag",
            mutant(|r| {
                r.insert("ciphertext".into(), Value::from(base64(&[0; 15])));
            }),
            "shorter than its 16-byte tag",
        ),
        (
            "the resource as a string holding its object's text",
            body(Value::from(Value::Object(resource()).to_string())),
            "sealed as a JSON object, but the field is not one",
        ),
    ];
    for (case, body, expected) in &cases {
        let reason = refusal(decode(&provider, API_V3_KEY, body));
        assert!(reason.contains(expected), "{case}: {reason}");
    }
    // A wrong-length key is unusable, and named without its value.
    let reason = refusal(decode(
        &provider,
        "a7cde1ZJB1kG2e7V",
        &body(Value::Object(resource())),
    ));
    assert!(
        reason.contains("AES-256 key must be 32 bytes, got 16"),
        "{reason}"
    );
    assert!(!reason.contains("a7cde1ZJB1kG2e7V"), "{reason}");
    // Without its resource the notification is plain text anyone can post.
    let bare = json!({"id": "EV-1", "event_type": "TRANSACTION.SUCCESS"}).to_string();
    let error = decode(&provider, API_V3_KEY, &bare).unwrap_err();
    assert!(
        matches!(error, Error::Signature { .. }),
        "not refused as unauthenticated: {error:?}"
    );
    // A plain field posing as a sealed one is a second copy, not an override.
    let mut posing: Map<String, Value> =
        serde_json::from_str(&body(Value::Object(resource()))).unwrap();
    posing.insert("trade_state".into(), Value::from("REFUND"));
    let reason = refusal(decode(
        &provider,
        API_V3_KEY,
        &Value::Object(posing).to_string(),
    ));
    assert!(reason.contains("`trade_state` appears twice"), "{reason}");
}

#[test]
fn the_provider_side_seals_what_the_merchant_side_opens() {
    let provider = transaction_spec();
    let notification = notification(&provider);
    let Value::Object(fields) = business() else {
        unreachable!("an object literal")
    };
    let pinned = FixedNonce("0123456789ab".to_owned());
    let written =
        encode_notification_with(notification, &credentials(API_V3_KEY), &fields, &pinned)
            .unwrap_or_else(|e| panic!("{e}"));
    // Pinned nonce, pinned bytes.
    let again =
        encode_notification_with(notification, &credentials(API_V3_KEY), &fields, &pinned).unwrap();
    assert_eq!(written, again);
    let parsed: Value = serde_json::from_str(&written).unwrap();
    let resource = &parsed["resource"];
    assert_eq!(resource["nonce"], "0123456789ab");
    assert_eq!(resource["associated_data"], "transaction");
    // The `aes-gcm` crate opens it on its own.
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(resource["ciphertext"].as_str().unwrap())
        .unwrap();
    let plain = Aes256Gcm::new_from_slice(API_V3_KEY.as_bytes())
        .unwrap()
        .decrypt(
            b"0123456789ab".into(),
            Payload {
                msg: &sealed,
                aad: b"transaction",
            },
        )
        .expect("the crate opens what the runtime sealed");
    assert_eq!(serde_json::from_slice::<Value>(&plain).unwrap(), business());
    // And the merchant's side reads it back.
    let decoded = decode(&provider, API_V3_KEY, &written).unwrap();
    assert_eq!(Value::Object(decoded.fields), business());
    assert_eq!(decoded.authenticity, Authenticity::Sealed);
}
