//! Verify keys chosen by a received serial and carried in a message, run through a
//! spec: WeChat Pay APIv3's platform keys, chosen by `Wechatpay-Serial` (签名验证: "检查
//! HTTP 头 Wechatpay-Serial 的内容是否跟商户当前所持有的微信支付平台证书/公钥ID 一致"),
//! and a notification carrying its signer's certificate in a field, chain-checked
//! against a configured root. The certificates are issued here by rcgen from the keys in
//! runtime/tests/fixtures/ (commands in fixtures/x509/README.md); messages are signed by
//! ring directly (`support::alipay::rsa2_sign`, `fixtures/rsa_test_key.pem`).

mod support;

use base64::Engine as _;
use paygen::tooling::decode::{
    decode_notification, decode_notification_explained, judge_response_with_headers,
};
use paygen::{
    Authenticity, CertificateFailure, Credentials, Error, FixedClock, KeySet, Receiver,
    SignatureFailure,
};
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SerialNumber, PKCS_RSA_SHA256,
};
use support::alipay::{fixture, rsa2_sign};

const SPEC: &str = r#"
name: v3keys
title: WeChat Pay APIv3 platform keys by serial (test subset)
document: https://pay.weixin.qq.com/docs/merchant/development/interface-rules/signature-verification.html
environments:
  - name: production
    base_url: https://api.mch.example.invalid
credentials:
  - name: mchid
  - name: platform_keys
    description: 微信支付平台公钥（公钥ID）或平台证书（证书序列号）
  - name: ca_roots
  - name: ca_intermediates
signatures:
  - name: reply
    input: template
    template:
      parts: [{ header: Wechatpay-Timestamp }, { header: Wechatpay-Nonce }, body]
      join: "\n"
      trailing: true
    verify_key: { credential: platform_keys, by_serial: { header: Wechatpay-Serial } }
    digests:
      - { algorithm: rsa2, base64: true }
  - name: carried
    input: canonical
    canonical: { exclude: [sign] }
    verify_key:
      certificate: { field: sign_cert }
      roots: ca_roots
      intermediates: ca_intermediates
      subject_cn: paygen test signer
    digests:
      - { algorithm: rsa2, base64: true }
protocol:
  request:
    body: json
    payload: inline
  response:
    body: json
    payload: inline
    signature: { recipe: reply, header: Wechatpay-Signature }
    success: { field: trade_state, equals: [SUCCESS, NOTPAY] }
operations:
  - name: query
    summary: 查询订单
    method: GET
    path: /v3/pay/transactions/out-trade-no/{out_trade_no}
    signed: false
    request:
      - { name: out_trade_no, type: string, required: true }
    response:
      - { name: out_trade_no, type: string, required: true }
      - { name: trade_state, type: string, required: true }
notifications:
  - name: pay
    summary: 支付通知
    body: json
    signature: { recipe: reply, header: Wechatpay-Signature }
    ack: ""
    fields:
      - { name: id, type: string, required: true }
  - name: signed_with_certificate
    summary: 证书签名的通知
    body: form
    signature: { recipe: carried, field: sign }
    ack: success
    fields:
      - { name: out_trade_no, type: string, required: true }
      - { name: sign_cert, type: string, required: true }
"#;

fn provider() -> paygen::protocol::Provider {
    let spec = paygen_codegen::parse_str(SPEC, "v3keys.yaml").unwrap_or_else(|e| panic!("{e}"));
    paygen_codegen::lower(&spec)
}

fn key(name: &str) -> KeyPair {
    KeyPair::from_pem_and_sign_algo(&fixture(name), &PKCS_RSA_SHA256).unwrap()
}

fn params(cn: &str, serial: &[u8], ca: bool) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.serial_number = Some(SerialNumber::from(serial.to_vec()));
    params.not_before = rcgen::date_time_ymd(2026, 1, 1);
    params.not_after = rcgen::date_time_ymd(2031, 1, 1);
    (params.is_ca, params.key_usages) = match ca {
        true => (
            IsCa::Ca(BasicConstraints::Unconstrained),
            vec![KeyUsagePurpose::KeyCertSign],
        ),
        false => (IsCa::ExplicitNoCa, vec![KeyUsagePurpose::DigitalSignature]),
    };
    params
}

/// A root, and the platform's certificate it issued for the key that signs the
/// messages here (`rsa_test_key.pem`), serial `5157F09EFDC096DE15EBE81A47057A72` (the
/// serial of WeChat Pay's own example, 签名验证 page).
fn root_and_platform() -> (Certificate, KeyPair, Certificate) {
    let root_key = key("x509/rsa_root.key.pem");
    let root = params("paygen test root", &[1], true)
        .self_signed(&root_key)
        .unwrap();
    let serial = hex::decode("5157F09EFDC096DE15EBE81A47057A72").unwrap();
    let platform = params("paygen test signer", &serial, false)
        .signed_by(&key("rsa_test_key.pem"), &root, &root_key)
        .unwrap();
    (root, root_key, platform)
}

const CURRENT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A72";
const OTHER_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";

/// A key set as a service configures it: the platform certificate, and another
/// platform public key under its id (during a key rotation both are current).
fn credentials(root: &Certificate, platform: &Certificate) -> Credentials {
    let other = key("x509/rsa_rogue.key.pem").public_key_pem();
    Credentials::new()
        .plain("mchid", "1900000001")
        .key_set(
            "platform_keys",
            KeySet::new()
                .public_key(OTHER_KEY_ID, other)
                .certificate(platform.pem()),
        )
        .plain("ca_roots", root.pem())
        .plain("ca_intermediates", "")
}

/// 2027-06-01T00:00:00Z, inside every certificate's validity.
static CLOCK: FixedClock = FixedClock::at_unix_seconds(1_811_808_000);

fn receiver(credentials: &Credentials) -> Receiver<'_> {
    Receiver {
        credentials,
        clock: &CLOCK,
        utc_offset_minutes: 480,
        seen: None,
    }
}

const REPLY: &str = r#"{"out_trade_no":"1217752501201407033233368018","trade_state":"SUCCESS"}"#;

fn signed_headers(body: &str, serial: &str) -> Vec<(String, String)> {
    let (timestamp, nonce) = ("1554209980", "c5ac7061fccab6bf3e254dcf98995b8c");
    vec![
        ("Wechatpay-Timestamp".into(), timestamp.into()),
        ("Wechatpay-Nonce".into(), nonce.into()),
        (
            "Wechatpay-Signature".into(),
            rsa2_sign(&format!("{timestamp}\n{nonce}\n{body}\n")),
        ),
        ("Wechatpay-Serial".into(), serial.into()),
    ]
}

fn judge(headers: &[(String, String)]) -> Result<Authenticity, Error> {
    let (root, _, platform) = root_and_platform();
    let provider = provider();
    let credentials = credentials(&root, &platform);
    let operation = provider.operation("query").unwrap();
    let (decoded, _) = judge_response_with_headers(
        &provider,
        operation,
        &receiver(&credentials),
        REPLY,
        headers,
    )?;
    Ok(decoded.authenticity)
}

fn refusal<T: std::fmt::Debug>(result: Result<T, Error>) -> SignatureFailure {
    match result {
        Err(Error::Signature { reason, .. }) => reason,
        other => panic!("expected a signature refusal, got {other:?}"),
    }
}

#[test]
fn a_reply_verifies_with_the_platform_key_its_serial_header_names() {
    let headers = signed_headers(REPLY, CURRENT_SERIAL);
    assert_eq!(judge(&headers).unwrap(), Authenticity::Verified);
    // The serial of the other configured key chooses that key, which did not sign.
    assert_eq!(
        refusal(judge(&signed_headers(REPLY, OTHER_KEY_ID))),
        SignatureFailure::Mismatch
    );
    // A serial nobody configured: refused naming it, no other key tried.
    assert_eq!(
        refusal(judge(&signed_headers(
            REPLY,
            "7132D72A03E93CDDF8C03BBD1F37EEDF"
        ))),
        SignatureFailure::UnknownSerial {
            header: "Wechatpay-Serial".into(),
            serial: "7132D72A03E93CDDF8C03BBD1F37EEDF".into(),
        }
    );
    // Without the serial header.
    let without: Vec<_> = headers
        .iter()
        .filter(|(n, _)| n != "Wechatpay-Serial")
        .cloned()
        .collect();
    assert_eq!(
        refusal(judge(&without)),
        SignatureFailure::Missing("Wechatpay-Serial".into())
    );
}

#[test]
fn a_notification_verifies_with_the_key_its_serial_header_names() {
    let (root, _, platform) = root_and_platform();
    let provider = provider();
    let credentials = credentials(&root, &platform);
    let notification = provider.notification("pay").unwrap();
    let body = r#"{"id":"EV-2018022511223320873"}"#;
    let headers = signed_headers(body, CURRENT_SERIAL);
    let decoded =
        decode_notification_explained(notification, &receiver(&credentials), body, &headers, None)
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decoded.authenticity, Authenticity::Verified);
    let headers = signed_headers(body, OTHER_KEY_ID);
    assert_eq!(
        refusal(decode_notification_explained(
            notification,
            &receiver(&credentials),
            body,
            &headers,
            None
        )),
        SignatureFailure::Mismatch
    );
}

/// A form notification carrying `cert` (DER) in `sign_cert`, signed over the sorted
/// `k=v` pairs of every field but `sign` (the certificate included).
fn form_notification(out_trade_no: &str, cert: &[u8]) -> String {
    let cert = base64::engine::general_purpose::STANDARD.encode(cert);
    let signed = format!("out_trade_no={out_trade_no}&sign_cert={cert}");
    let signature = rsa2_sign(&signed);
    form_urlencoded::Serializer::new(String::new())
        .append_pair("out_trade_no", out_trade_no)
        .append_pair("sign_cert", &cert)
        .append_pair("sign", &signature)
        .finish()
}

#[test]
fn a_notification_carrying_its_signers_certificate_verifies_once_chained_to_the_root() {
    let (root, root_key, platform) = root_and_platform();
    let provider = provider();
    let credentials = credentials(&root, &platform);
    let notification = provider.notification("signed_with_certificate").unwrap();
    let decode = |body: &str| decode_notification(notification, &receiver(&credentials), body);
    let genuine = form_notification("1217752501201407033233368018", platform.der());
    let decoded = decode(&genuine).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decoded.authenticity, Authenticity::Verified);
    assert_eq!(
        decoded.fields["out_trade_no"],
        "1217752501201407033233368018"
    );

    // The same key in a certificate a rogue CA issued.
    let rogue_key = key("x509/rsa_rogue.key.pem");
    let rogue_ca = params("rogue CA", &[9], true)
        .self_signed(&rogue_key)
        .unwrap();
    let rogue = params("paygen test signer", &[10], false)
        .signed_by(&key("rsa_test_key.pem"), &rogue_ca, &rogue_key)
        .unwrap();
    assert_eq!(
        refusal(decode(&form_notification(
            "1217752501201407033233368018",
            rogue.der()
        ))),
        SignatureFailure::Certificate(CertificateFailure::NotChained {
            subject: "CN=paygen test signer".into(),
            issuer: "CN=rogue CA".into(),
        })
    );
    // A certificate the root issued to someone else.
    let other = params("someone else", &[11], false)
        .signed_by(&key("rsa_test_key.pem"), &root, &root_key)
        .unwrap();
    assert_eq!(
        refusal(decode(&form_notification(
            "1217752501201407033233368018",
            other.der()
        ))),
        SignatureFailure::Certificate(CertificateFailure::SubjectMismatch {
            expected: "paygen test signer".into(),
            subject: "CN=someone else".into(),
        })
    );
    // The genuine certificate with its signature altered.
    let mut altered = platform.der().to_vec();
    let last = altered.len() - 1;
    altered[last] ^= 0x80;
    assert_eq!(
        refusal(decode(&form_notification(
            "1217752501201407033233368018",
            &altered
        ))),
        SignatureFailure::Certificate(CertificateFailure::BadSignature {
            subject: "CN=paygen test signer".into(),
        })
    );
    // A changed field under the genuine certificate: the signature does not match.
    let forged = genuine.replace(
        "1217752501201407033233368018",
        "1217752501201407033233368019",
    );
    assert_eq!(refusal(decode(&forged)), SignatureFailure::Mismatch);
    // Past the certificate's validity.
    static LATER: FixedClock = FixedClock::at_unix_seconds(2_114_380_800);
    let later = Receiver {
        clock: &LATER,
        ..receiver(&credentials)
    };
    assert!(matches!(
        refusal(decode_notification(notification, &later, &genuine)),
        SignatureFailure::Certificate(CertificateFailure::OutsideValidity { .. })
    ));
}
