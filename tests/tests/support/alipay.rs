//! Alipay's side of a message, independently: RSA2 with `ring` over the committed test
//! key pair of `runtime/tests/fixtures/` (both the app key and the "Alipay" key), and
//! responses as Alipay sends them: `{"<method>_response":<member>,"sign":"..."}` signed
//! over the member's raw text.

use base64::Engine;

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime/tests/fixtures/");
pub const APP_ID: &str = "2014072300007148";
pub const NOTIFY_URL: &str = "https://api.xx.com/receive_notify.htm";

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap()
}

pub fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// The DER inside a PEM file.
pub fn pem_der(name: &str) -> Vec<u8> {
    let body: String = fixture(name)
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    b64().decode(body).unwrap()
}

/// SHA256withRSA (PKCS#1 v1.5), base64: ring with the PKCS#8 key, deterministic.
pub fn rsa2_sign(text: &str) -> String {
    let key = ring::signature::RsaKeyPair::from_pkcs8(&pem_der("rsa_test_key.pem")).unwrap();
    let mut signature = vec![0; key.public().modulus_len()];
    let rng = ring::rand::SystemRandom::new();
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &rng,
        text.as_bytes(),
        &mut signature,
    )
    .unwrap();
    b64().encode(signature)
}

pub fn credentials() -> paygen::Credentials {
    paygen::Credentials::new()
        .plain("app_id", APP_ID)
        .secret("app_private_key", fixture("rsa_test_key.pem"))
        .plain("alipay_public_key", fixture("rsa_test_key_pub.pem"))
        .plain("notify_url", NOTIFY_URL)
}

/// The generated client with the test keys, its clock pinned (it never sends).
pub fn client() -> paygen_alipay::Client<super::NoTransport> {
    paygen_alipay::Client::with_transport(
        "https://openapi.alipay.com/gateway.do",
        paygen_alipay::Credentials {
            app_id: APP_ID.into(),
            app_private_key: fixture("rsa_test_key.pem").into(),
            alipay_public_key: fixture("rsa_test_key_pub.pem"),
            notify_url: NOTIFY_URL.into(),
        },
        super::NoTransport,
    )
    .with_clock(paygen::FixedClock::at_unix_seconds(super::NOW))
}

/// A response body: `member` (kept byte for byte) under `member_name`, signed over its
/// text.
pub fn signed_body(member_name: &str, member: &str) -> String {
    format!(
        r#"{{"{member_name}":{member},"sign":"{}"}}"#,
        rsa2_sign(member)
    )
}
