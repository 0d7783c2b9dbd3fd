//! An SM2-signed spec is served like an RSA-signed one: each side holds its half of the
//! sandbox's SM2 key pairs, under the names the recipe's `pair` gives them.

use paygen::tooling::sm2_keys::{PrivateKey, PublicKey};
use paygen_sandbox::keys::SM2;

/// A minimal spec whose requests, replies and notifications are SM2-signed.
const SPEC: &str = r#"
name: sm2mini
title: SM2 provider
document: none
environments:
  - { name: production, base_url: "https://pay.example.invalid" }
credentials:
  - { name: merchant }
  - { name: merchant_private_key, secret: true }
  - { name: provider_public_key }
signatures:
  - name: sm2
    input: canonical
    canonical: { exclude: [sign] }
    key: { credential: merchant_private_key, pair: merchant_public_key }
    verify_key: { credential: provider_public_key, pair: provider_private_key }
    digests:
      - { algorithm: sm2_sm3, base64: true }
protocol:
  request:
    body: json
    payload: inline
    common:
      - { name: merchant, value: { credential: merchant } }
    signature: { recipe: sm2, output: { field: sign } }
  response:
    body: json
    payload: inline
    signature: { recipe: sm2, field: sign }
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

#[test]
fn each_side_holds_its_half_of_the_sm2_key_pairs() {
    let spec = paygen_codegen::parse_str(SPEC, "sm2mini.yaml").expect("a valid spec");
    let provider = paygen_codegen::lower(&spec);
    let merchant = paygen_sandbox::providers::default_credentials(&spec);
    assert_eq!(merchant["merchant_private_key"], SM2.merchant_private);
    assert_eq!(merchant["provider_public_key"], SM2.provider_public);
    let served = paygen_sandbox::providers::server_defaults(&provider, &spec);
    let names: Vec<&str> = served.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["merchant", "merchant_public_key", "provider_private_key"]
    );
    assert_eq!(
        (served[1].1, served[1].2.as_str()),
        (false, SM2.merchant_public)
    );
    assert_eq!(
        (served[2].1, served[2].2.as_str()),
        (true, SM2.provider_private)
    );
    // The throwaway keys are SM2 keys the runtime reads.
    for private in [SM2.merchant_private, SM2.provider_private] {
        assert!(PrivateKey::parse(private).is_ok());
    }
    for public in [SM2.merchant_public, SM2.provider_public] {
        assert!(PublicKey::parse(public).is_ok());
    }
}
