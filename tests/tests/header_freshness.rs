//! Freshness windows and replay checks over signed values that travel in headers.
//!
//! WeChat Pay APIv3 signs its replies and callbacks over `Wechatpay-Timestamp`,
//! `Wechatpay-Nonce` and the body, and its page 构造验签源串 (pay.wechatpay.cn/docs/
//! merchant/development/interface-rules/build-verify-sign-src.html, 防止重放攻击) says:
//! 在验证签名之前，商户系统应检查时间戳是否已过期。我们建议商户系统允许最多5分钟的时间偏差。
//! 如果时间戳与当前时间的偏差超过5分钟，您应拒绝处理当前的响应或回调通知。
//! `specs/wechatpay_v3.yaml` declares it as `freshness: { header: Wechatpay-Timestamp,
//! max_skew_seconds: 300 }` and `nonce: { header: Wechatpay-Nonce }`.
//!
//! Each genuine message is signed here, independently of paygen: WeChat's replies with
//! `ring` (SHA256withRSA over the committed test key, base64), the callbacks of an
//! inline spec with the `hmac` and `sha2` crates. The clock is injected (`with_clock`,
//! `FixedClock`), never slept on.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use paygen::inbound::{receive_notification, InboundRequest};
use paygen::protocol::{HeaderParam, Notification, Provider, SignedValue};
use paygen::tooling::decode::decode_notification_explained;
use paygen::{
    Credentials, Decoded, Error, FixedClock, HttpRequest, HttpResponse, MemorySeenStore,
    OperationInfo, Receiver, SendFuture, SignatureFailure, Transport,
};
use paygen_wechatpay_v3::{app_request, NativeRequest};
use sha2::Sha256;

// ------------------------------------------------------------ WeChat Pay APIv3 replies

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime/tests/fixtures/");
/// The receiver's clock: 2019-04-02 12:59:40 UTC, the time of 签名验证's sample reply.
const NOW: i64 = 1_554_209_980;
/// Native下单's 返回示例 (doc/v3/merchant/4012791877).
const NATIVE_REPLY: &str = r#"{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}"#;
const NONCE: &str = "c5ac7061fccab6bf3e254dcf98995b8c";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap()
}

/// SHA256withRSA (PKCS#1 v1.5) with `ring` over the test key, base64: WeChat's signer.
fn rsa_sign(message: &str) -> String {
    let pem = fixture("rsa_test_key.pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = STANDARD.decode(body).unwrap();
    let key = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        message.as_bytes(),
        &mut signature,
    )
    .unwrap();
    STANDARD.encode(signature)
}

/// The reply WeChat Pay sends: `body` signed over `timestamp\nnonce\nbody\n`.
fn wechat_reply(timestamp: i64, nonce: &str, body: &str) -> HttpResponse {
    let signature = rsa_sign(&format!("{timestamp}\n{nonce}\n{body}\n"));
    HttpResponse {
        status: 200,
        headers: vec![
            ("Wechatpay-Timestamp".into(), timestamp.to_string()),
            ("Wechatpay-Nonce".into(), nonce.into()),
            ("Wechatpay-Signature".into(), signature),
            ("Wechatpay-Serial".into(), "PUB_KEY_ID_0112345678".into()),
        ],
        body: body.into(),
    }
}

/// A transport that answers every request with the next of its replies.
struct Replies(std::sync::Mutex<Vec<HttpResponse>>);

impl Transport for Replies {
    fn send<'a>(&'a self, _: HttpRequest, _: OperationInfo<'a>) -> SendFuture<'a> {
        let next = self.0.lock().unwrap().remove(0);
        Box::pin(async move { Ok(next) })
    }
}

/// The generated WeChat Pay APIv3 client, its clock pinned at `NOW`, answered by
/// `replies` in turn; with a seen-store when `seen`.
fn client(replies: Vec<HttpResponse>, seen: bool) -> paygen_wechatpay_v3::Client<Replies> {
    let client = paygen_wechatpay_v3::Client::with_transport(
        "https://api.mch.weixin.qq.com",
        paygen_wechatpay_v3::Credentials {
            mchid: "1230000109".into(),
            merchant_serial_no: "F5765756002FDD77".into(),
            merchant_private_key: fixture("rsa_test_key.pem").into(),
            api_v3_key: "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb".into(),
            platform_keys: paygen::KeySet::new()
                .public_key("PUB_KEY_ID_0112345678", fixture("rsa_test_key_pub.pem")),
        },
        Replies(std::sync::Mutex::new(replies)),
    )
    .with_clock(FixedClock::at_unix_seconds(NOW));
    if seen {
        client.with_seen_store(MemorySeenStore::default())
    } else {
        client
    }
}

fn native_request() -> NativeRequest {
    NativeRequest::new(
        "wxd678efh567hg6787",
        "Image形象店-深圳腾大-QQ公仔",
        "1217752501201407033233368018",
        "https://www.weixin.qq.com/wxpay/pay.php",
        app_request::Amount::new(paygen::Fen(100)).with_currency("CNY"),
    )
}

/// The outcome of one native call answered by `reply`, without a seen-store.
fn call_native(
    reply: HttpResponse,
) -> Result<String, paygen::Error<paygen_wechatpay_v3::ErrorCode>> {
    let client = client(vec![reply], false);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime
        .block_on(client.native(&native_request()))
        .map(|r| r.code_url.clone())
}

fn timestamp_header() -> SignedValue {
    SignedValue::Header("Wechatpay-Timestamp".into())
}

#[test]
fn a_fresh_wechat_reply_verifies_within_five_minutes_either_way() {
    // 允许最多5分钟的时间偏差: 300 s is still allowed, in the past and in the future.
    for offset in [0, -299, 299, -300, 300] {
        let reply = wechat_reply(NOW + offset, NONCE, NATIVE_REPLY);
        let code_url = call_native(reply).unwrap_or_else(|e| panic!("offset {offset}: {e}"));
        assert_eq!(code_url, "weixin://wxpay/bizpayurl?pr=p4lpSuKzz");
    }
}

#[test]
fn a_wechat_reply_stamped_301_seconds_away_is_refused_naming_the_header() {
    // 如果时间戳与当前时间的偏差超过5分钟，您应拒绝处理当前的响应.
    for offset in [-301, 301, -86_400] {
        let reply = wechat_reply(NOW + offset, NONCE, NATIVE_REPLY);
        match call_native(reply) {
            Err(paygen::Error::Signature { reason, body }) => {
                assert_eq!(
                    reason,
                    SignatureFailure::Stale {
                        source: timestamp_header(),
                        skew_seconds: Some(offset),
                        max_skew_seconds: 300,
                    }
                );
                assert_eq!(body, NATIVE_REPLY, "the raw body is kept");
                let message = reason.to_string();
                assert!(
                    message.contains("header `Wechatpay-Timestamp`")
                        && message.contains("at most 300 s"),
                    "{message}"
                );
            }
            other => panic!("offset {offset}: expected a stale signature, got {other:?}"),
        }
    }
}

#[test]
fn a_timestamp_that_is_no_number_is_stale() {
    for stamp in ["", "1554209980.0", "-", "十"] {
        let signature = rsa_sign(&format!("{stamp}\n{NONCE}\n{NATIVE_REPLY}\n"));
        let reply = HttpResponse {
            status: 200,
            headers: vec![
                ("Wechatpay-Timestamp".into(), stamp.into()),
                ("Wechatpay-Nonce".into(), NONCE.into()),
                ("Wechatpay-Signature".into(), signature),
                ("Wechatpay-Serial".into(), "PUB_KEY_ID_0112345678".into()),
            ],
            body: NATIVE_REPLY.into(),
        };
        match call_native(reply) {
            Err(paygen::Error::Signature {
                reason:
                    SignatureFailure::Stale {
                        source,
                        skew_seconds: None,
                        ..
                    },
                ..
            }) => assert_eq!(source, timestamp_header()),
            other => panic!("stamp {stamp:?}: expected a stale signature, got {other:?}"),
        }
    }
}

#[test]
fn a_stale_reply_cannot_be_refreshed_by_rewriting_its_timestamp() {
    // The timestamp is signed: a fresh one beside an old signature breaks it.
    let mut reply = wechat_reply(NOW - 3_600, NONCE, NATIVE_REPLY);
    reply.headers[0].1 = NOW.to_string();
    match call_native(reply) {
        Err(paygen::Error::Signature {
            reason: SignatureFailure::Mismatch,
            ..
        }) => {}
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

#[test]
fn a_replayed_wechat_reply_is_refused_by_a_seen_store() {
    let genuine = wechat_reply(NOW, NONCE, NATIVE_REPLY);
    let other = wechat_reply(NOW, "0123456789abcdef0123456789abcdef", NATIVE_REPLY);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let replies = vec![genuine.clone(), other, genuine.clone()];
    let remembering = client(replies, true);
    let call = || runtime.block_on(remembering.native(&native_request()));
    assert!(call().is_ok(), "first sighting");
    assert!(call().is_ok(), "another nonce");
    match call() {
        Err(paygen::Error::Signature { reason, body }) => {
            assert_eq!(
                reason,
                SignatureFailure::Replayed {
                    source: SignedValue::Header("Wechatpay-Nonce".into()),
                }
            );
            assert_eq!(body, NATIVE_REPLY);
            assert!(reason.to_string().contains("header `Wechatpay-Nonce`"));
        }
        other => panic!("expected a replay, got {other:?}"),
    }
    // Without a store, checking stays pure: the same reply verifies again.
    let pure = client(vec![genuine.clone(), genuine], false);
    assert!(runtime.block_on(pure.native(&native_request())).is_ok());
    assert!(runtime.block_on(pure.native(&native_request())).is_ok());
}

// ------------------------------------------------------------ callbacks of an inline spec

/// A provider whose callbacks carry their timestamp and nonce in headers (`X-Pay-*`) or
/// as parameters of `Authorization`, each signed with HMAC-SHA256 over
/// `timestamp\nnonce\nbody\n`.
const SPEC: &str = r#"
name: stamped
title: Callbacks with signed timestamps and nonces in headers
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
  - name: headers
    input: template
    template:
      parts: [{ header: X-Pay-Timestamp }, { header: X-Pay-Nonce }, body]
      join: "\n"
      trailing: true
    key: { credential: key }
    digests:
      - { algorithm: hmac_sha256, base64: true }
  - name: params
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
  - name: in_headers
    summary: Paid, stamped in headers
    body: json
    signature:
      recipe: headers
      header: X-Pay-Signature
      freshness: { header: X-Pay-Timestamp, format: unix_seconds, max_skew_seconds: 300 }
      nonce: { header: X-Pay-Nonce }
    ack: ""
    event_key: [out_trade_no]
    fields:
      - { name: out_trade_no, type: string, required: true, max_length: 32 }
      - { name: amount, type: fen, required: true }
  - name: in_params
    summary: Paid, stamped in Authorization's parameters
    body: json
    signature:
      recipe: params
      header: Authorization
      header_template: 'SCHEME mchid="{mchid}",nonce_str="{nonce}",timestamp="{timestamp}",signature="{signature}"'
      freshness: { header_param: { header: Authorization, param: timestamp }, max_skew_seconds: 300 }
      nonce: { header_param: { header: Authorization, param: nonce_str } }
    ack: ""
    event_key: [out_trade_no]
    fields:
      - { name: out_trade_no, type: string, required: true, max_length: 32 }
      - { name: amount, type: fen, required: true }
"#;

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";
const MCHID: &str = "1900009191";
const CALLBACK_NONCE: &str = "593BEC0C930BF1AFEB40B4A08C8FB242";
const BODY: &str = r#"{"out_trade_no":"1217752501201407033233368018","amount":100}"#;

fn provider() -> Provider {
    let spec = paygen_codegen::parse_str(SPEC, "stamped.yaml").unwrap_or_else(|e| panic!("{e}"));
    paygen_codegen::lower(&spec)
}

fn credentials() -> Credentials {
    Credentials::new().plain("mchid", MCHID).secret("key", KEY)
}

/// HMAC-SHA256 of `timestamp\nnonce\nbody\n`, base64: the signer, independent of paygen.
fn hmac_sign(timestamp: &str, nonce: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(format!("{timestamp}\n{nonce}\n{body}\n").as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The headers of a callback of `notification` stamped `timestamp` with `nonce`.
fn callback_headers(notification: &str, timestamp: i64, nonce: &str) -> Vec<(String, String)> {
    let stamp = timestamp.to_string();
    let signature = hmac_sign(&stamp, nonce, BODY);
    match notification {
        "in_headers" => vec![
            ("X-Pay-Timestamp".into(), stamp),
            ("X-Pay-Nonce".into(), nonce.into()),
            ("X-Pay-Signature".into(), signature),
        ],
        _ => vec![(
            "Authorization".into(),
            format!(
                r#"SCHEME mchid="{MCHID}",nonce_str="{nonce}",timestamp="{stamp}",signature="{signature}""#
            ),
        )],
    }
}

/// The callback verified at `NOW`, with `seen` as the receiver's seen-store.
fn verify(
    notification: &Notification,
    headers: &[(String, String)],
    seen: Option<&MemorySeenStore>,
) -> Result<Decoded, Error> {
    let credentials = credentials();
    let clock = FixedClock::at_unix_seconds(NOW);
    let receiver = Receiver {
        credentials: &credentials,
        clock: &clock,
        utc_offset_minutes: 480,
        seen: seen.map(|s| s as &dyn paygen::SeenStore),
    };
    decode_notification_explained(notification, &receiver, BODY, headers, None)
}

fn failure(result: Result<Decoded, Error>) -> SignatureFailure {
    match result {
        Err(Error::Signature { reason, body }) => {
            assert_eq!(body, BODY, "the raw body is kept");
            reason
        }
        other => panic!("expected a signature error, got {other:?}"),
    }
}

/// Where each notification reads its timestamp and nonce.
fn sources(notification: &str) -> (SignedValue, SignedValue) {
    let param = |param: &str| {
        SignedValue::HeaderParam(HeaderParam {
            header: "Authorization".into(),
            param: param.to_owned().into(),
        })
    };
    match notification {
        "in_headers" => (
            SignedValue::Header("X-Pay-Timestamp".into()),
            SignedValue::Header("X-Pay-Nonce".into()),
        ),
        _ => (param("timestamp"), param("nonce_str")),
    }
}

#[test]
fn callbacks_stamped_in_headers_or_parameters_keep_to_the_window() {
    let provider = provider();
    for name in ["in_headers", "in_params"] {
        let notification = provider.notification(name).unwrap();
        let (timestamp, _) = sources(name);
        for offset in [0, -299, 299, -300, 300] {
            let headers = callback_headers(name, NOW + offset, CALLBACK_NONCE);
            let decoded = verify(notification, &headers, None)
                .unwrap_or_else(|e| panic!("{name} at {offset}: {e}"));
            assert_eq!(decoded.fields["amount"], 100);
        }
        for offset in [-301, 301] {
            let headers = callback_headers(name, NOW + offset, CALLBACK_NONCE);
            assert_eq!(
                failure(verify(notification, &headers, None)),
                SignatureFailure::Stale {
                    source: timestamp.clone(),
                    skew_seconds: Some(offset),
                    max_skew_seconds: 300,
                },
                "{name} at {offset}"
            );
        }
        // The stamp is signed: rewriting an old callback's stamp breaks the signature.
        let old = callback_headers(name, NOW - 3_600, CALLBACK_NONCE);
        let fresh = callback_headers(name, NOW, CALLBACK_NONCE);
        let mut forged = fresh.clone();
        let signature_of = |h: &[(String, String)]| match name {
            "in_headers" => h[2].1.clone(),
            _ => h[0].1.rsplit_once("signature=").unwrap().1.to_owned(),
        };
        match name {
            "in_headers" => forged[2].1 = signature_of(&old),
            _ => {
                let head = fresh[0].1.rsplit_once("signature=").unwrap().0;
                forged[0].1 = format!("{head}signature={}", signature_of(&old));
            }
        }
        assert_eq!(
            failure(verify(notification, &forged, None)),
            SignatureFailure::Mismatch,
            "{name}"
        );
    }
}

#[test]
fn a_replayed_callback_nonce_is_refused_by_a_seen_store() {
    let provider = provider();
    for name in ["in_headers", "in_params"] {
        let notification = provider.notification(name).unwrap();
        let (_, nonce) = sources(name);
        let seen = MemorySeenStore::default();
        let headers = callback_headers(name, NOW, CALLBACK_NONCE);
        assert!(
            verify(notification, &headers, Some(&seen)).is_ok(),
            "{name}"
        );
        // The same nonce under another (fresh, genuine) timestamp is still a replay.
        let again = callback_headers(name, NOW + 1, CALLBACK_NONCE);
        assert_eq!(
            failure(verify(notification, &again, Some(&seen))),
            SignatureFailure::Replayed { source: nonce },
            "{name}"
        );
        let other = callback_headers(name, NOW, "0F1E2D3C4B5A69788796A5B4C3D2E1F0");
        assert!(verify(notification, &other, Some(&seen)).is_ok(), "{name}");
        // A stale callback is refused before its nonce is recorded.
        let stale = callback_headers(name, NOW - 301, "stale-nonce");
        assert!(verify(notification, &stale, Some(&seen)).is_err());
        let fresh = callback_headers(name, NOW, "stale-nonce");
        assert!(verify(notification, &fresh, Some(&seen)).is_ok(), "{name}");
    }
}

#[test]
fn a_redelivered_callback_is_reported_as_seen_before_not_refused() {
    // `receive_*` consults no seen-store (a provider redelivers until acknowledged): the
    // same callback again, nonce and all, is a redelivery of the same event.
    let provider = provider();
    for name in ["in_headers", "in_params"] {
        let notification = provider.notification(name).unwrap();
        let credentials = credentials();
        let clock = FixedClock::at_unix_seconds(NOW);
        let seen = MemorySeenStore::default();
        let receiver = Receiver {
            credentials: &credentials,
            clock: &clock,
            utc_offset_minutes: 480,
            seen: Some(&seen),
        };
        let deliveries = MemorySeenStore::default();
        let headers = callback_headers(name, NOW, CALLBACK_NONCE);
        let request = InboundRequest {
            method: "POST",
            query: "",
            headers: &headers,
            body: BODY.as_bytes(),
        };
        let receive = || {
            receive_notification::<serde_json::Value>(
                "stamped",
                notification,
                &receiver,
                &deliveries,
                &request,
            )
        };
        let first = receive().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!first.seen_before);
        let again = receive().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(again.seen_before, "{name}");
        // A provider that re-signs each redelivery (WeChat: 重新生成相应的时间戳和签名)
        // sends a new stamp and nonce: still the same event, by `event_key`.
        let resigned = callback_headers(name, NOW + 15, "0F1E2D3C4B5A69788796A5B4C3D2E1F0");
        let redelivery = receive_notification::<serde_json::Value>(
            "stamped",
            notification,
            &receiver,
            &deliveries,
            &InboundRequest {
                headers: &resigned,
                ..request
            },
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(redelivery.seen_before, "{name}");
        assert_eq!(redelivery.event, first.event);
        // A stale one is still refused: the window holds on this path too.
        let stale = callback_headers(name, NOW - 301, CALLBACK_NONCE);
        let request = InboundRequest {
            headers: &stale,
            ..request
        };
        let refused = receive_notification::<serde_json::Value>(
            "stamped",
            notification,
            &receiver,
            &deliveries,
            &request,
        );
        assert!(
            matches!(
                refused,
                Err(Error::Signature {
                    reason: SignatureFailure::Stale { .. },
                    ..
                })
            ),
            "{name}: {refused:?}"
        );
    }
}

// ------------------------------------------------------------ spec validation

/// The errors of `SPEC` with `old` replaced by `new` (the first occurrence after
/// `after`), and the line and column of `needle` in the changed text.
fn spec_errors(after: &str, old: &str, new: &str) -> String {
    let start = SPEC.find(after).unwrap();
    let at = start + SPEC[start..].find(old).unwrap();
    let text = format!("{}{new}{}", &SPEC[..at], &SPEC[at + old.len()..]);
    match paygen_codegen::parse_str(&text, "stamped.yaml") {
        Ok(_) => String::new(),
        Err(errors) => errors.to_string(),
    }
}

/// `file:line:col` of the first `needle` after `after` in `SPEC` changed as above.
fn position(after: &str, old: &str, new: &str, needle: &str) -> String {
    let start = SPEC.find(after).unwrap();
    let at = start + SPEC[start..].find(old).unwrap();
    let text = format!("{}{new}{}", &SPEC[..at], &SPEC[at + old.len()..]);
    let at = at + text[at..].find(needle).unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("stamped.yaml:{line}:{column}")
}

#[test]
fn a_freshness_or_nonce_header_the_recipe_does_not_sign_is_refused_at_load() {
    let after = "  - name: in_headers";
    // An unsigned header: anyone could write a fresh stamp beside a genuine signature.
    let old = "freshness: { header: X-Pay-Timestamp";
    let new = "freshness: { header: X-Pay-Date";
    let errors = spec_errors(after, old, new);
    let at = position(after, old, new, "X-Pay-Date");
    assert!(
        errors.contains(&format!("{at}: `freshness` reads header `X-Pay-Date`, which recipe `headers` does not sign: its template has no `{{ header: X-Pay-Date }}` part; an unsigned value proves nothing")),
        "{errors}"
    );
    // The signature header itself is no signed part either.
    let errors = spec_errors(
        after,
        "nonce: { header: X-Pay-Nonce }",
        "nonce: { header: X-Pay-Signature }",
    );
    assert!(
        errors.contains(
            "`nonce` reads header `X-Pay-Signature`, which recipe `headers` does not sign"
        ),
        "{errors}"
    );
    // A header_param the template does not read.
    let after = "  - name: in_params";
    let old = "nonce: { header_param: { header: Authorization, param: nonce_str } }";
    let new = "nonce: { header_param: { header: Authorization, param: mchid } }";
    let errors = spec_errors(after, old, new);
    let at = position(after, old, new, "{ header_param");
    assert!(
        errors.contains(&format!("{at}: `nonce` reads parameter `mchid` of header `Authorization`, which recipe `params` does not sign: its template has no `{{ header_param: {{ header: Authorization, param: mchid }} }}` part")),
        "{errors}"
    );
    // A header read by a recipe that is no template.
    let errors = spec_errors(after, "recipe: params", "recipe: md5_upper");
    assert!(
        errors.contains("recipe `md5_upper` does not sign: it is not a template recipe, so it signs no header parameter"),
        "{errors}"
    );
}

#[test]
fn a_freshness_or_nonce_names_exactly_one_place() {
    let after = "  - name: in_headers";
    let old = "freshness: { header: X-Pay-Timestamp,";
    let new = "freshness: { field: stamp, header: X-Pay-Timestamp,";
    let errors = spec_errors(after, old, new);
    let at = position(after, old, new, "{ field");
    assert!(
        errors.contains(&format!(
            "{at}: `freshness` gives `field` and `header`; give exactly one place"
        )),
        "{errors}"
    );
    let new = "freshness: {";
    let errors = spec_errors(after, "freshness: { header: X-Pay-Timestamp,", new);
    assert!(
        errors.contains(
            "`freshness` names no place; give one of `field`, `header` or `header_param`"
        ),
        "{errors}"
    );
    let errors = spec_errors(
        after,
        "nonce: { header: X-Pay-Nonce }",
        "nonce: { header: X-Pay-Nonce }\n      nonce_field: out_trade_no",
    );
    assert!(
        errors.contains("both `nonce` and `nonce_field` name the nonce; give one"),
        "{errors}"
    );
    let errors = spec_errors(
        after,
        "nonce: { header: X-Pay-Nonce }",
        "nonce: { cookie: n }",
    );
    assert!(errors.contains("unknown field `cookie`"), "{errors}");
}

#[test]
fn a_freshness_field_outside_the_signed_string_is_refused() {
    // A canonical recipe that excludes the stamp leaves it unsigned.
    let spec = SPEC
        .replace(
            "      recipe: headers\n      header: X-Pay-Signature\n      freshness: { header: X-Pay-Timestamp,",
            "      recipe: md5_upper\n      field: sign\n      freshness: { field: timestamp,",
        )
        .replace("canonical: { exclude: [sign] }", "canonical: { exclude: [sign, timestamp] }")
        .replace("      nonce: { header: X-Pay-Nonce }\n", "");
    let errors = match paygen_codegen::parse_str(&spec, "stamped.yaml") {
        Ok(_) => String::new(),
        Err(errors) => errors.to_string(),
    };
    assert!(
        errors.contains("`freshness` reads field `timestamp`, which recipe `md5_upper` does not sign: its canonical string excludes it"),
        "{errors}"
    );
    // Signed, it loads.
    let signed = spec.replace("exclude: [sign, timestamp]", "exclude: [sign]");
    paygen_codegen::parse_str(&signed, "stamped.yaml").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn the_wechat_spec_declares_the_documented_window_on_replies_and_callbacks() {
    let provider = &paygen_wechatpay_v3::tables::PROVIDER;
    let checks = [
        provider.response.verification.as_ref(),
        provider
            .notification("pay")
            .and_then(|n| n.verification.as_ref()),
        provider
            .notification("refund")
            .and_then(|n| n.verification.as_ref()),
    ];
    for check in checks {
        let check = check.expect("signed");
        let window = check.freshness.as_ref().expect("a freshness window");
        assert_eq!(window.source, timestamp_header());
        assert_eq!(window.format, paygen::protocol::ClockFormat::UnixSeconds);
        assert_eq!(window.max_skew_seconds, 300, "允许最多5分钟的时间偏差");
        assert_eq!(
            check.nonce,
            Some(SignedValue::Header("Wechatpay-Nonce".into()))
        );
    }
}
