//! WeChat Pay APIv3 (`specs/wechatpay_v3.yaml`), against sources outside paygen:
//!
//! - the official Go SDK's test vectors, github.com/wechatpay-apiv3/wechatpay-go@6dbd7ce:
//!   `core/auth/signers/sha256withrsa_signer_test.go` (the SHA256withRSA signature of
//!   `source` with its test key) and `core/notify/notify_test.go` (a notification, its
//!   `Wechatpay-*` headers and its signature by that key);
//! - replies and notifications signed here with `ring` directly over the page's
//!   签名验证 string `Wechatpay-Timestamp\nWechatpay-Nonce\nbody\n`, and `resource`
//!   sealed here with the `aes-gcm` crate (回调通知解密: AEAD_AES_256_GCM, key = the
//!   APIv3 key, nonce and associated_data as given), never with the runtime's code;
//! - the generated client's typed nested requests (`amount`, `scene_info.h5_info`),
//!   whose JSON is compared with the document's request example.

mod support;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};
use base64::Engine as _;
use paygen::protocol::{Provider, SignInput};
use paygen::tooling::decode::{decode_notification_explained, judge_response_with_headers};
use paygen::tooling::sign::{sign, SignSource};
use paygen::{Authenticity, Credentials, Error, Fen, FixedClock, Receiver, SignatureFailure};
use serde_json::{json, Value};
use support::alipay::{b64, fixture, rsa2_sign};

fn provider() -> Provider {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/wechatpay_v3.yaml");
    let loaded =
        paygen_codegen::load_file(std::path::Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
    paygen_codegen::lower(&loaded.spec)
}

// ------------------------------------------------------------ wechatpay-go's vectors

/// `testPrivateKeyStr` of `sha256withrsa_signer_test.go` (PKCS#8; the SDK's tests write
/// `TESTING KEY` for `PRIVATE KEY` and swap it back before use, as here).
const GO_TEST_KEY: &str = "-----BEGIN TESTING KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDZUJN33V+dSfvd
fL0Mu+39XrZNXFFMQSy1V15FpncHeV47SmV0TzTqZc7hHB0ddqAdDi8Z5k3TKqb7
6sOwYr5TcAfuR6PIPaleyE0/0KrljBum2Isa2Nyq7Dgc3ElBQ6YN4l/a+DpvKaz1
FSKmKrhLNskqokWVSlu4g8OlKlbPXQ9ibII14MZRQrrkTmHYHzfi7GXXM0thAKuR
0HNvyhTHBh4/lrYM3GaMvmWwkwvsMavnOex6+eioZHBOb1/EIZ/LzC6zuHArPpyW
3daGaZ1rtQB1vVzTyERAVVFsXXgBHvfFud3w3ShsJYk8JvMwK2RpJ5/gV0QSARcm
LDRUAlPzAgMBAAECggEBAMc7rDeUaXiWv6bMGbZ3BTXpg1FhdddnWUnYE8HfX/km
OFI7XtBHXcgYFpcjYz4D5787pcsk7ezPidAj58zqenuclmjKnUmT3pfbI5eCA2v4
C9HnbYDrmUPK1ZcADtka4D6ScDccpNYNa1g2TFHzkIrEa6H+q7S3O2fqxY/DRVtN
0JIXalBb8daaqL5QVzSmM2BMVnHy+YITJWIkP2a3pKs9C0W65JGDsnG0wVrHinHF
+cnhFZIbaPEI//DAFMc9NkrWOKVRTEgcCUxCFaHOZVNxDWZD7A2ZfJB2rK6eg//y
gEiFDR2h6mTaDowMB4YF2n2dsIO4/dCG8vPHI20jn4ECgYEA/ZGu6lEMlO0XZnam
AZGtiNgLcCfM/C2ZERZE7QTRPZH1WdK92Al9ndldsswFw4baJrJLCmghjF/iG4zi
hhBvLnOLksnZUfjdumxoHDWXo2QBWbI5QsWIE7AuTiWgWj1I7X4fCXSQf6i+M/y2
6TogQ7d0ANpZFyOkTNMn/tiJvLECgYEA22XqlamG/yfAGWery5KNH2DGlTIyd6xJ
WtJ9j3jU99lZ0bCQ5xhiBbU9ImxCi3zgTsoqLWgA/p00HhNFNoUcTl9ofc0G3zwT
D1y0ZzcnVKxGJdZ6ohW52V0hJStAigtjYAsUgjm7//FH7PiQDBDP1Wa6xSRkDQU/
aSbQxvEE8+MCgYEA3bb8krW7opyM0XL9RHH0oqsFlVO30Oit5lrqebS0oHl3Zsr2
ZGgoBlWBsEzk3UqUhTFwm/DhJLTSJ/TQPRkxnhQ5/mewNhS9C7yua7wQkzVmWN+V
YeUGTvDGDF6qDz12/vJAgSwDDRym8x4NcXD5tTw7mmNRcwIfL22SkysThIECgYAV
BgccoEoXWS/HP2/u6fQr9ZIR6eV8Ij5FPbZacTG3LlS1Cz5XZra95UgebFFUHHtC
EY1JHJY7z8SWvTH8r3Su7eWNaIAoFBGffzqqSVazfm6aYZsOvRY6BfqPHT3p/H1h
Tq6AbBffxrcltgvXnCTORjHPglU0CjSxVs7awW3AEQKBgB5WtaC8VLROM7rkfVIq
+RXqE5vtJfa3e3N7W3RqxKp4zHFAPfr82FK5CX2bppEaxY7SEZVvVInKDc5gKdG/
jWNRBmvvftZhY59PILHO2X5vO4FXh7suEjy6VIh0gsnK36mmRboYIBGsNuDHjXLe
BDa+8mDLkWu5nHEhOxy2JJZl
-----END TESTING KEY-----";

fn go_private_key() -> String {
    GO_TEST_KEY.replace("TESTING KEY", "PRIVATE KEY")
}

/// The DER of a PEM text.
fn der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    b64().decode(body).unwrap()
}

/// The Go test key's public half (PKCS#1 `RSAPublicKey`), taken from the key by ring.
fn go_public_key_der() -> Vec<u8> {
    let key = ring::signature::RsaKeyPair::from_pkcs8(&der(&go_private_key())).unwrap();
    key.public().as_ref().to_vec()
}

fn go_public_key_pem() -> String {
    let body = b64().encode(go_public_key_der());
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

/// sha256withrsa_signer_test.go: `testMessage` and `testExpectedSignature`.
const GO_SIGNED_MESSAGE: &str = "source";
const GO_EXPECTED_SIGNATURE: &str = "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg==";

#[test]
fn the_go_sdk_signer_vector_is_the_request_recipes_signature() {
    let provider = provider();
    let signature = provider
        .request
        .signature
        .as_ref()
        .expect("signed requests");
    // The recipe's key and digest steps over the vector's message as its whole input
    // (the SDK's test signs the bare string `source`, not a request).
    let mut recipe = signature.recipe.clone();
    recipe.input = SignInput::Body;
    let credentials = Credentials::new().secret("merchant_private_key", go_private_key());
    let made = sign(
        &recipe,
        SignSource::Bytes(GO_SIGNED_MESSAGE.as_bytes()),
        &credentials,
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(made, GO_EXPECTED_SIGNATURE);
}

/// notify_test.go `TestHandler_ParseNotifyRequest`: `wechatPayCertificate`'s body.
const GO_CERTIFICATE: &str = "MIIDVzCCAj+gAwIBAgIJANfOWdH1ItcBMA0GCSqGSIb3DQEBCwUAMEIxCzAJBgNVBAYTAlhYMRUwEwYDVQQHDAxEZWZhdWx0IENpdHkxHDAaBgNVBAoME0RlZmF1bHQgQ29tcGFueSBMdGQwHhcNMjEwNDI3MDg1NTIzWhcNMzEwNDI1MDg1NTIzWjBCMQswCQYDVQQGEwJYWDEVMBMGA1UEBwwMRGVmYXVsdCBDaXR5MRwwGgYDVQQKDBNEZWZhdWx0IENvbXBhbnkgTHRkMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA2VCTd91fnUn73Xy9DLvt/V62TVxRTEEstVdeRaZ3B3leO0pldE806mXO4RwdHXagHQ4vGeZN0yqm++rDsGK+U3AH7kejyD2pXshNP9Cq5YwbptiLGtjcquw4HNxJQUOmDeJf2vg6byms9RUipiq4SzbJKqJFlUpbuIPDpSpWz10PYmyCNeDGUUK65E5h2B834uxl1zNLYQCrkdBzb8oUxwYeP5a2DNxmjL5lsJML7DGr5znsevnoqGRwTm9fxCGfy8wus7hwKz6clt3Whmmda7UAdb1c08hEQFVRbF14AR73xbnd8N0obCWJPCbzMCtkaSef4FdEEgEXJiw0VAJT8wIDAQABo1AwTjAdBgNVHQ4EFgQUT1c7nd/SUO76HSoZumNUJv1R5PwwHwYDVR0jBBgwFoAUT1c7nd/SUO76HSoZumNUJv1R5PwwDAYDVR0TBAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAfTjxKRQMzNB/U6ZoCUS+BSNfa2Oh0plMN6ZuzwiVVZwg1jywvv5yv04koS7Pd4i9E4gt9ZBUQXlpq+A3oOCEEHNRR6b2kyazGRM7s0OP5X21WrbpSmKmU6K7hkfx30yYs08LVs/Q8DIhvaj1FCFeJzUCzYn/fHMq4tsbKO0dKAeydPM/nrUZBmaYQVKMVOORGLFjFKVO7JV6Kq/R86ouhjEPgJOe2xulNBUcjicqtZlBdEh/PWCYP2SpGVDclKm8jeo175T3EVAkdKzzmfpxtMmnMlmqcTJOU9TxuGvNASMtjj7pYIerTx+xgZDXEVBWFW9PjJ0TV06tCRsgSHItgg==";

/// notify_test.go: the request body, byte for byte.
const GO_NOTIFY_BODY: &str = concat!(
    "{",
    "\"id\":\"3119dfba-e649-5eec-ab1e-3412bc4d2e17\",",
    "\"create_time\":\"2021-06-24T16:37:26+08:00\",",
    "\"resource_type\":\"encrypt-resource\",",
    "\"event_type\":\"PAYSCORE.USER_OPEN_SERVICE\",",
    "\"summary\":\"签约成功\",",
    "\"resource\":{",
    "\"original_type\":\"payscore\",",
    "\"algorithm\":\"AEAD_AES_256_GCM\",",
    "\"ciphertext\":\"YDS3lKPaC4Y52Gf3uhft5qUBlIa8b428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZt",
    "tevRMOoPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebthah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPqOTOcgSLgh21YJXYR",
    "7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ==\",",
    "\"associated_data\":\"payscore\",",
    "\"nonce\":\"Kj7QIyUiYx1q\"}",
    "}"
);

/// notify_test.go: the request headers.
fn go_notify_headers() -> Vec<(String, String)> {
    vec![
        ("Content-Type".into(), "application/json".into()),
        ("Wechatpay-Nonce".into(), "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz".into()),
        ("Wechatpay-Timestamp".into(), "1624523846".into()),
        ("Wechatpay-Serial".into(), "D7CE59D1F522D701".into()),
        (
            "Wechatpay-Signature".into(),
            concat!(
                "tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXF",
                "lbYZTOQrVdG4b6LfTnK4mikv9++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1I",
                "BLX70xptjL8hrfUjEE8kkry6yNJTHZRU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY4",
                "06ArAmQ90GAihDwIcb16TQMnzCMBoutnwZKNiKRACrFmtxw2Q=="
            )
            .into(),
        ),
    ]
}

fn receiver_at<'a>(credentials: &'a Credentials, clock: &'a FixedClock) -> Receiver<'a> {
    Receiver {
        credentials,
        clock,
        utc_offset_minutes: 480,
        seen: None,
    }
}

/// The notify vector's time (its `Wechatpay-Timestamp`).
static GO_NOTIFY_TIME: FixedClock = FixedClock::at_unix_seconds(1_624_523_846);
/// The replies' time.
static REPLY_TIME: FixedClock = FixedClock::at_unix_seconds(NOW);

/// The spec's `pay` notification with its `resource` read as plain JSON: the Go vector
/// seals it with a 16-byte key (AES-128-GCM), which a 32-byte APIv3 key never is, so
/// only its signature, over the whole body, is the vector here.
fn signature_only(notification: &paygen::protocol::Notification) -> paygen::protocol::Notification {
    let mut plain = notification.clone();
    plain.payload = paygen::protocol::Payload::Inline;
    plain.fields = std::borrow::Cow::Owned(Vec::new());
    plain
}

#[test]
fn the_go_sdk_notification_vector_verifies_and_its_mutants_do_not() {
    // The certificate the SDK verifies with holds the signer test's key.
    let certificate = b64().decode(GO_CERTIFICATE).unwrap();
    let public = go_public_key_der();
    assert!(certificate.windows(public.len()).any(|w| w == public));

    let provider = provider();
    let notification = signature_only(provider.notification("pay").unwrap());
    let credentials = Credentials::new().plain("platform_public_key", go_public_key_pem());
    let receiver = receiver_at(&credentials, &GO_NOTIFY_TIME);
    let decode = |body: &str, headers: &[(String, String)]| {
        decode_notification_explained(&notification, &receiver, body, headers, None)
    };
    let headers = go_notify_headers();
    let decoded = decode(GO_NOTIFY_BODY, &headers).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decoded.authenticity, Authenticity::Verified);
    assert_eq!(
        decoded.fields["id"],
        json!("3119dfba-e649-5eec-ab1e-3412bc4d2e17")
    );
    assert_eq!(decoded.fields["resource"]["nonce"], json!("Kj7QIyUiYx1q"));

    let with = |name: &str, value: &str| -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| (n.clone(), if n == name { value.into() } else { v.clone() }))
            .collect()
    };
    let refused = |result: Result<paygen::Decoded, Error>| {
        matches!(
            result,
            Err(Error::Signature {
                reason: SignatureFailure::Mismatch,
                ..
            })
        )
    };
    assert!(refused(decode(
        GO_NOTIFY_BODY,
        &with("Wechatpay-Timestamp", "1624523847")
    )));
    assert!(refused(decode(
        GO_NOTIFY_BODY,
        &with("Wechatpay-Nonce", "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBZ")
    )));
    // One byte of the body: the summary's last character.
    let changed = GO_NOTIFY_BODY.replace("签约成功", "签约成兀");
    assert!(refused(decode(&changed, &headers)));
    // The fixture key pair is not the key that signed.
    let other = Credentials::new().plain("platform_public_key", fixture("rsa_test_key_pub.pem"));
    let other_receiver = receiver_at(&other, &GO_NOTIFY_TIME);
    assert!(matches!(
        decode_notification_explained(
            &notification,
            &other_receiver,
            GO_NOTIFY_BODY,
            &headers,
            None
        ),
        Err(Error::Signature {
            reason: SignatureFailure::Mismatch,
            ..
        })
    ));
}

// ------------------------------------------------------------ replies signed here

const MCHID: &str = "1230000109";
const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
const NOW: i64 = 1_554_209_980;

fn credentials() -> Credentials {
    Credentials::new()
        .plain("mchid", MCHID)
        .plain("merchant_serial_no", "F5765756002FDD77")
        .secret("merchant_private_key", fixture("rsa_test_key.pem"))
        .secret("api_v3_key", API_V3_KEY)
        .plain("platform_public_key", fixture("rsa_test_key_pub.pem"))
}

/// WeChat Pay's headers for `body`: signed with ring over the fixture key (the platform
/// key of `credentials`), or with `key_pem` (PKCS#8) when given.
fn headers_signed(
    timestamp: &str,
    nonce: &str,
    body: &str,
    key_pem: Option<&str>,
) -> Vec<(String, String)> {
    let message = format!("{timestamp}\n{nonce}\n{body}\n");
    let signature = match key_pem {
        None => rsa2_sign(&message),
        Some(pem) => {
            let key = ring::signature::RsaKeyPair::from_pkcs8(&der(pem)).unwrap();
            let mut out = vec![0; key.public().modulus_len()];
            key.sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                message.as_bytes(),
                &mut out,
            )
            .unwrap();
            b64().encode(out)
        }
    };
    vec![
        ("Wechatpay-Timestamp".into(), timestamp.into()),
        ("Wechatpay-Nonce".into(), nonce.into()),
        ("Wechatpay-Signature".into(), signature),
        ("Wechatpay-Serial".into(), "PUB_KEY_ID_0112345678".into()),
    ]
}

fn judge(
    operation: &str,
    body: &str,
    headers: &[(String, String)],
) -> Result<(Value, bool), Error> {
    let provider = provider();
    let operation = provider.operation(operation).unwrap();
    let credentials = credentials();
    let receiver = receiver_at(&credentials, &REPLY_TIME);
    let (decoded, outcome) =
        judge_response_with_headers(&provider, operation, &receiver, body, headers)?;
    assert_eq!(decoded.authenticity, Authenticity::Verified);
    Ok((Value::Object(decoded.fields), outcome.is_ok()))
}

/// Each operation's documented 200 reply, as the spec's examples give it.
const REPLIES: &[(&str, &str)] = &[
    (
        "native",
        r#"{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}"#,
    ),
    (
        "jsapi",
        r#"{"prepay_id":"wx26112221580621e9b071c00d9e093b0000"}"#,
    ),
    (
        "query_by_out_trade_no",
        r#"{"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"1217752501201407033233368018","transaction_id":"1217752501201407033233368018","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","amount":{"total":100,"payer_total":90,"currency":"CNY","payer_currency":"CNY"}}"#,
    ),
    (
        "refund",
        r#"{"refund_id":"50000000382019052709732678859","out_refund_no":"1217752501201407033233368018","transaction_id":"1217752501201407033233368018","out_trade_no":"1217752501201407033233368018","channel":"ORIGINAL","user_received_account":"招商银行信用卡0403","create_time":"2020-12-01T16:18:12+08:00","status":"PROCESSING","amount":{"total":100,"refund":100,"payer_total":90,"payer_refund":90,"settlement_refund":100,"settlement_total":100,"discount_refund":10,"currency":"CNY"}}"#,
    ),
];

#[test]
fn genuine_replies_verify_and_their_mutants_are_refused() {
    let nonce = "c5ac7061fccab6bf3e254dcf98995b8c";
    for (operation, body) in REPLIES {
        let headers = headers_signed("1554209980", nonce, body, None);
        let (fields, success) =
            judge(operation, body, &headers).unwrap_or_else(|e| panic!("{operation}: {e}"));
        assert!(success, "{operation}");
        assert_eq!(
            fields,
            serde_json::from_str::<Value>(body).unwrap(),
            "{operation}"
        );
        let mismatch = |result: Result<(Value, bool), Error>| {
            matches!(
                result,
                Err(Error::Signature {
                    reason: SignatureFailure::Mismatch,
                    ..
                })
            )
        };
        // Another timestamp, nonce, a body one byte off, another signing key.
        let mut other_time = headers.clone();
        other_time[0].1 = "1554209981".into();
        assert!(mismatch(judge(operation, body, &other_time)), "{operation}");
        let mut other_nonce = headers.clone();
        other_nonce[1].1 = "c5ac7061fccab6bf3e254dcf98995b8d".into();
        assert!(
            mismatch(judge(operation, body, &other_nonce)),
            "{operation}"
        );
        let changed = body.replacen(':', " :", 1);
        assert!(
            mismatch(judge(operation, &changed, &headers)),
            "{operation}"
        );
        let wrong_key = headers_signed("1554209980", nonce, body, Some(&go_private_key()));
        assert!(mismatch(judge(operation, body, &wrong_key)), "{operation}");
    }
}

#[test]
fn a_signed_error_reply_is_a_refusal_with_its_documented_outcome() {
    let provider = provider();
    let operation = provider.operation("native").unwrap();
    let credentials = credentials();
    let receiver = receiver_at(&credentials, &REPLY_TIME);
    let read = |status: u16, body: &str| {
        let response = paygen::HttpResponse {
            status,
            headers: headers_signed("1554209980", "n0nce", body, None),
            body: body.to_owned(),
        };
        paygen::tooling::decode::read_response(&provider, operation, &receiver, &response)
    };
    let body = r#"{"code":"SYSTEM_ERROR","message":"系统异常，请用相同参数重新调用"}"#;
    let (_, refusal) = read(500, body).unwrap_or_else(|e| panic!("{e}"));
    let refusal = refusal.expect("a refusal");
    assert!(
        refusal.outcome_unknown(),
        "SYSTEM_ERROR: query before acting: {refusal:?}"
    );
    let body = r#"{"code":"PARAM_ERROR","message":"参数错误"}"#;
    let (_, refusal) = read(400, body).unwrap_or_else(|e| panic!("{e}"));
    let refusal = refusal.expect("a refusal");
    assert!(!refusal.outcome_unknown(), "{refusal:?}");
    let Error::Service(refused) = &refusal else {
        panic!("{refusal:?}")
    };
    assert_eq!(refused.raw_code, "PARAM_ERROR");
}

#[test]
fn close_answers_204_with_no_body_and_its_signature_is_still_checked() {
    let provider = provider();
    let operation = provider.operation("close").unwrap();
    let credentials = credentials();
    let receiver = receiver_at(&credentials, &REPLY_TIME);
    let read = |headers: Vec<(String, String)>| {
        let response = paygen::HttpResponse {
            status: 204,
            headers,
            body: String::new(),
        };
        paygen::tooling::decode::read_response(&provider, operation, &receiver, &response)
    };
    let (decoded, refusal) = read(headers_signed("1554209980", "n0nce", "", None)).unwrap();
    assert_eq!(decoded.authenticity, Authenticity::Verified);
    assert!(refusal.is_none());
    assert!(read(headers_signed(
        "1554209980",
        "n0nce",
        "",
        Some(&go_private_key())
    ))
    .is_err());
}

// ------------------------------------------------------------ notifications sealed here

/// AES-256-GCM with the `aes-gcm` crate: ciphertext with the tag appended.
fn seal(nonce: &str, associated_data: &str, plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new_from_slice(API_V3_KEY.as_bytes()).unwrap();
    cipher
        .encrypt(
            nonce.as_bytes().into(),
            Payload {
                msg: plaintext,
                aad: associated_data.as_bytes(),
            },
        )
        .unwrap()
}

/// 支付成功回调通知's resource, decrypted (the page's 解密示例).
fn transaction() -> Value {
    json!({
        "transaction_id": "1217752501201407033233368018",
        "amount": {"payer_total": 100, "total": 100, "currency": "CNY", "payer_currency": "CNY"},
        "mchid": MCHID,
        "trade_state": "SUCCESS",
        "bank_type": "CMC",
        "success_time": "2018-06-08T10:34:56+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "out_trade_no": "1217752501201407033233368018",
        "appid": "wxd678efh567hg6787",
        "trade_state_desc": "支付成功",
        "trade_type": "NATIVE"
    })
}

/// A notification body whose resource is `ciphertext` (base64) with `nonce` and
/// `associated_data`.
fn notification_body(
    event_type: &str,
    ciphertext: &str,
    nonce: &str,
    associated_data: &str,
    original_type: &str,
) -> String {
    json!({
        "id": "EV-2018022511223320873",
        "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "支付成功",
        "resource": {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": ciphertext,
            "associated_data": associated_data,
            "nonce": nonce
        }
    })
    .to_string()
}

/// The fields of `notification_body`'s envelope followed by the opened `resource`.
fn with_envelope(event_type: &str, resource: Value) -> Value {
    let mut fields = json!({
        "id": "EV-2018022511223320873",
        "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "支付成功"
    });
    if let (Value::Object(out), Value::Object(members)) = (&mut fields, resource) {
        out.extend(members);
    }
    fields
}

fn receive(name: &str, body: &str, headers: &[(String, String)]) -> Result<paygen::Decoded, Error> {
    let provider = provider();
    let notification = provider.notification(name).unwrap();
    let credentials = credentials();
    let receiver = receiver_at(&credentials, &REPLY_TIME);
    decode_notification_explained(notification, &receiver, body, headers, None)
}

#[test]
fn a_pay_notification_verifies_opens_and_its_mutants_are_refused() {
    let nonce = "fdasflkja484";
    let plaintext = transaction().to_string();
    let sealed = seal(nonce, "transaction", plaintext.as_bytes());
    let body = notification_body(
        "TRANSACTION.SUCCESS",
        &b64().encode(&sealed),
        nonce,
        "transaction",
        "transaction",
    );
    let headers = headers_signed(
        "1554209980",
        "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        &body,
        None,
    );
    let decoded = receive("pay", &body, &headers).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        decoded.authenticity.is_authentic(),
        "{:?}",
        decoded.authenticity
    );
    // The signed envelope's fields and the opened resource's, never `resource` itself.
    assert_eq!(
        Value::Object(decoded.fields.clone()),
        with_envelope("TRANSACTION.SUCCESS", transaction())
    );

    // The resource re-sealed after a change, the body signed again: only the AEAD can
    // refuse it, and does, for a flipped ciphertext or tag byte, other associated data,
    // another nonce, another key.
    let resigned = |ciphertext: Vec<u8>, nonce: &str, associated_data: &str| {
        let body = notification_body(
            "TRANSACTION.SUCCESS",
            &b64().encode(ciphertext),
            nonce,
            associated_data,
            "transaction",
        );
        let headers = headers_signed(
            "1554209980",
            "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
            &body,
            None,
        );
        receive("pay", &body, &headers)
    };
    let mut flipped = sealed.clone();
    flipped[3] ^= 1;
    assert!(
        resigned(flipped, nonce, "transaction").is_err(),
        "ciphertext byte"
    );
    let mut tag = sealed.clone();
    let last = tag.len() - 1;
    tag[last] ^= 0x80;
    assert!(resigned(tag, nonce, "transaction").is_err(), "tag byte");
    assert!(
        resigned(sealed.clone(), nonce, "refund").is_err(),
        "associated data"
    );
    assert!(
        resigned(sealed.clone(), "fdasflkja485", "transaction").is_err(),
        "nonce"
    );
    let other_key = Aes256Gcm::new_from_slice(b"another-32-byte-key-for-the-test")
        .unwrap()
        .encrypt(
            nonce.as_bytes().into(),
            Payload {
                msg: plaintext.as_bytes(),
                aad: b"transaction",
            },
        )
        .unwrap();
    assert!(resigned(other_key, nonce, "transaction").is_err(), "key");
    // A genuine refund resource posted as a payment: its associated data says refund.
    let refund = seal(nonce, "refund", plaintext.as_bytes());
    assert!(
        resigned(refund, nonce, "refund").is_err(),
        "refund resource"
    );

    // The body changed without a new signature, or headers moved: the signature refuses.
    let mismatch = |result: Result<paygen::Decoded, Error>| {
        matches!(
            result,
            Err(Error::Signature {
                reason: SignatureFailure::Mismatch,
                ..
            })
        )
    };
    let changed = body.replace("EV-2018022511223320873", "EV-2018022511223320874");
    assert!(mismatch(receive("pay", &changed, &headers)));
    let mut other_time = headers.clone();
    other_time[0].1 = "1554209981".into();
    assert!(mismatch(receive("pay", &body, &other_time)));
    let wrong_key = headers_signed(
        "1554209980",
        "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        &body,
        Some(&go_private_key()),
    );
    assert!(mismatch(receive("pay", &body, &wrong_key)));
    assert!(
        receive("pay", &body, &[]).is_err(),
        "no headers: never read unsigned"
    );
}

#[test]
fn a_refund_notification_opens_with_its_own_associated_data() {
    let nonce = "a1b2c3d4e5f6";
    let resource = json!({
        "mchid": "1900000100",
        "transaction_id": "1008450740201411110005820873",
        "out_trade_no": "20150806125346",
        "refund_id": "50200207182018070300011301001",
        "out_refund_no": "7752501201407033233368018",
        "refund_status": "SUCCESS",
        "success_time": "2018-06-08T10:34:56+08:00",
        "user_received_account": "招商银行信用卡0403",
        "amount": {"total": 999, "refund": 999, "payer_total": 999, "payer_refund": 999}
    });
    let sealed = seal(nonce, "refund", resource.to_string().as_bytes());
    let body = notification_body(
        "REFUND.SUCCESS",
        &b64().encode(&sealed),
        nonce,
        "refund",
        "refund",
    );
    let headers = headers_signed("1554209980", "0123456789abcdef", &body, None);
    let decoded = receive("refund", &body, &headers).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        Value::Object(decoded.fields),
        with_envelope("REFUND.SUCCESS", resource)
    );
    // The same sealed refund read as a payment is refused (associated data).
    assert!(receive("pay", &body, &headers).is_err());
}

// ------------------------------------------------------------ typed nested requests

#[test]
fn typed_nested_requests_write_the_documents_json() {
    use paygen_wechatpay_v3::{app_request, h5_request, H5Request, NativeRequest};
    let client = paygen_wechatpay_v3::Client::with_transport(
        "https://api.mch.weixin.qq.com",
        paygen_wechatpay_v3::Credentials {
            mchid: MCHID.into(),
            merchant_serial_no: "F5765756002FDD77".into(),
            merchant_private_key: fixture("rsa_test_key.pem").into(),
            api_v3_key: API_V3_KEY.into(),
            platform_public_key: fixture("rsa_test_key_pub.pem"),
        },
        support::NoTransport,
    )
    .with_clock(FixedClock::at_unix_seconds(NOW));
    // Native下单's 请求示例 (doc/v3/merchant/4012791877), its objects built by type.
    let request = NativeRequest::new(
        "wxd678efh567hg6787",
        "Image形象店-深圳腾大-QQ公仔",
        "1217752501201407033233368018",
        "https://www.weixin.qq.com/wxpay/pay.php",
        app_request::Amount::new(Fen(100)).with_currency("CNY"),
    )
    .with_detail(
        app_request::Detail::default()
            .with_cost_price(Fen(608800))
            .with_invoice_id("微信123")
            .with_goods_detail(vec![app_request::detail::GoodsDetail::new(
                "1246464644",
                1,
                Fen(528800),
            )
            .with_wechatpay_goods_id("1001")
            .with_goods_name("iPhoneX 256G")]),
    )
    .with_scene_info(
        app_request::SceneInfo::new("14.23.150.211")
            .with_device_id("013467007045764")
            .with_store_info(
                app_request::scene_info::StoreInfo::new("0001")
                    .with_name("腾讯大厦分店")
                    .with_area_code("440305")
                    .with_address("广东省深圳市南山区科技中一道10000号"),
            ),
    );
    let rendered = client
        .render_native(&request)
        .unwrap_or_else(|e| panic!("{e}"));
    // The page's example object members, in its order; mchid is the envelope's.
    assert_eq!(
        rendered.body,
        concat!(
            r#"{"mchid":"1230000109","appid":"wxd678efh567hg6787","description":"Image形象店-深圳腾大-QQ公仔","#,
            r#""out_trade_no":"1217752501201407033233368018","notify_url":"https://www.weixin.qq.com/wxpay/pay.php","#,
            r#""amount":{"total":100,"currency":"CNY"},"#,
            r#""detail":{"cost_price":608800,"invoice_id":"微信123","goods_detail":[{"merchant_goods_id":"1246464644","wechatpay_goods_id":"1001","goods_name":"iPhoneX 256G","quantity":1,"unit_price":528800}]},"#,
            r#""scene_info":{"payer_client_ip":"14.23.150.211","device_id":"013467007045764","store_info":{"id":"0001","name":"腾讯大厦分店","area_code":"440305","address":"广东省深圳市南山区科技中一道10000号"}}}"#
        )
    );
    // A member's rule is checked inside its object, and named by its path.
    let h5 = H5Request::new(
        "wxd678efh567hg6787",
        "d",
        "1217752501201407033233368018",
        "https://www.weixin.qq.com/wxpay/pay.php",
        app_request::Amount::new(Fen(1)),
        h5_request::SceneInfo::new(
            "14.23.150.211",
            h5_request::scene_info::H5Info::new("W".repeat(33)),
        ),
    );
    match client.render_h5(&h5) {
        Err(Error::InvalidParam { field, rule }) => {
            assert_eq!(field, "scene_info.h5_info.type");
            assert_eq!(
                rule,
                paygen::ParamRule::TooLong {
                    max: 32,
                    actual: 33
                }
            );
        }
        other => panic!("{other:?}"),
    }
}

// ------------------------------------------------------------ the sandbox section

/// The validation errors of the spec with `old` replaced by `new`.
fn spec_errors(old: &str, new: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/wechatpay_v3.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(old), "{old}");
    match paygen_codegen::parse_str(&text.replacen(old, new, 1), "wechatpay_v3.yaml") {
        Ok(_) => String::new(),
        Err(errors) => errors.to_string(),
    }
}

/// The 1-based line and column of the first `needle` after `after` in the spec.
fn position(after: &str, needle: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/wechatpay_v3.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let at = text.find(after).unwrap() + text[text.find(after).unwrap()..].find(needle).unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{line}:{column}")
}

#[test]
fn a_signed_header_the_sandbox_does_not_write_is_a_spec_error_at_the_recipe() {
    let nonce =
        "    - { name: Wechatpay-Nonce, value: { nonce: 32 }, source: \"签名验证: 应答随机串\" }\n";
    let errors = spec_errors(nonce, "");
    let at = position("  response:\n    body: json", "platform_rsa");
    assert!(
        errors.contains(&format!("wechatpay_v3.yaml:{at}: recipe `platform_rsa` signs header `Wechatpay-Nonce`, which the sandbox does not write")),
        "{errors}"
    );
    let errors = spec_errors("status: 401", "status: 204");
    assert!(
        errors.contains("sandbox error reply status 204"),
        "{errors}"
    );
    let errors = spec_errors(
        "value: { constant: PUB_KEY_ID_0000000000000000000000000000SANDBOX }",
        "value: { credential: mchid }",
    );
    assert!(errors.contains("not a credential"), "{errors}");
}
