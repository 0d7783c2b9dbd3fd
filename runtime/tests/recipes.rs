//! Recipes run end to end through `paygen::sign` against published vectors and against
//! signatures made by OpenSSL.
//!
//! The RSA fixtures in `fixtures/` were made with OpenSSL 3.0 by:
//!
//! ```sh
//! openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa_test_key.pem
//! openssl rsa -in rsa_test_key.pem -traditional -out rsa_test_key_pkcs1.pem
//! openssl rsa -in rsa_test_key.pem -pubout -out rsa_test_key_pub.pem
//! openssl rsa -in rsa_test_key.pem -RSAPublicKey_out -out rsa_test_key_pub_pkcs1.pem
//! grep -v -- '-----' rsa_test_key.pem | tr -d '\n' > rsa_test_key.b64
//! grep -v -- '-----' rsa_test_key_pub.pem | tr -d '\n' > rsa_test_key_pub.b64
//! printf '%s' '<the message below>' > rsa_message.txt
//! openssl dgst -sha256 -sign rsa_test_key.pem -out sig.bin rsa_message.txt
//! base64 -w0 sig.bin > rsa_message.sha256.sig.b64
//! openssl dgst -sha1 -sign rsa_test_key.pem -out sig.bin rsa_message.txt
//! base64 -w0 sig.bin > rsa_message.sha1.sig.b64
//! ```
//!
//! The key is a test key made for these tests only.

use paygen::protocol::*;
use paygen::tooling::canonical::SignedText;
use paygen::tooling::sign::{sign, verify, SignSource};
use paygen::tooling::SigningTrace;
use paygen::{Credentials, Error};
use std::borrow::Cow;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap()
}

fn recipe(key: Option<&'static str>, place: KeyPlace, steps: &'static [DigestStep]) -> Recipe {
    Recipe {
        input: SignInput::Canonical,
        canonical: Canonical {
            exclude: Cow::Borrowed(&[]),
            skip_empty: true,
            pair_separator: "=".into(),
            join: "&".into(),
            form: CanonicalForm::Pairs,
            order: Cow::Borrowed(&[]),
            value_encoding: ValueEncoding::Raw,
        },
        key_credential: key.map(Cow::Borrowed),
        key_place: place,
        digests: Cow::Borrowed(steps),
        verify_key_credential: None,
        key_pair: None,
        verify_key_pair: None,
        template: Template {
            parts: Cow::Borrowed(&[]),
            join: "".into(),
            trailing: false,
        },
    }
}

/// WeChat Pay v2 security rules (安全规范, 签名算法), the worked example's parameters.
fn wechat_pairs() -> Vec<(&'static str, SignedText<'static>)> {
    vec![
        ("appid", SignedText::Str("wxd930ea5d5a258f4f")),
        ("mch_id", SignedText::Str("10000100")),
        ("device_info", SignedText::Str("1000")),
        ("body", SignedText::Str("test")),
        ("nonce_str", SignedText::Str("ibuaiVcKdpRxkhJA")),
    ]
}

const WECHAT_KEY: &str = "192006250b4c09247ec02edce69f6a2d";

fn wechat_credentials() -> Credentials {
    Credentials::new().secret("key", WECHAT_KEY)
}

#[test]
fn wechat_pay_v2_worked_example_md5() {
    // stringSignTemp = stringA + "&key=192006250b4c09247ec02edce69f6a2d";
    // sign = MD5(stringSignTemp).toUpperCase() = "9A0A8659F005D6984697E2CA0A9CF3B7".
    static MD5_UPPER: [DigestStep; 1] = [DigestStep {
        algorithm: DigestAlgorithm::Md5,
        output: DigestOutput::Hex(HexCase::Upper),
    }];
    let recipe = recipe(Some("key"), KeyPlace::Append("&key=".into()), &MD5_UPPER);
    let mut trace = SigningTrace::default();
    let signature = sign(
        &recipe,
        SignSource::Pairs(wechat_pairs()),
        &wechat_credentials(),
        Some(&mut trace),
    )
    .unwrap();
    assert_eq!(signature, "9A0A8659F005D6984697E2CA0A9CF3B7");
    assert_eq!(
        trace.canonical.as_deref(),
        Some("appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA")
    );
    assert_eq!(
        trace.string_to_sign,
        "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=***"
    );
}

#[test]
fn wechat_pay_v2_worked_example_hmac_sha256() {
    // sign = hash_hmac("sha256", stringSignTemp, key).toUpperCase()
    //      = "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6".
    static HMAC_UPPER: [DigestStep; 1] = [DigestStep {
        algorithm: DigestAlgorithm::HmacSha256,
        output: DigestOutput::Hex(HexCase::Upper),
    }];
    let recipe = recipe(Some("key"), KeyPlace::Append("&key=".into()), &HMAC_UPPER);
    let credentials = wechat_credentials();
    let signature = sign(
        &recipe,
        SignSource::Pairs(wechat_pairs()),
        &credentials,
        None,
    )
    .unwrap();
    assert_eq!(
        signature,
        "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
    );
    // The same recipe verifies it, in either hex case, and rejects another value.
    let mut trace = SigningTrace::default();
    let lower = signature.to_ascii_lowercase();
    let pairs = SignSource::Pairs(wechat_pairs());
    assert!(verify(&recipe, pairs, &lower, &credentials, &mut trace).unwrap());
    let pairs = SignSource::Pairs(wechat_pairs());
    let wrong = "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD7";
    assert!(!verify(&recipe, pairs, wrong, &credentials, &mut trace).unwrap());
}

#[test]
fn a_one_character_key_is_masked_where_it_was_placed_only() {
    static MD5: [DigestStep; 1] = [DigestStep {
        algorithm: DigestAlgorithm::Md5,
        output: DigestOutput::Hex(HexCase::Lower),
    }];
    let recipe = recipe(Some("key"), KeyPlace::SortedField("key".into()), &MD5);
    let credentials = Credentials::new().secret("key", "a");
    let pairs = vec![("name", SignedText::Str("banana"))];
    let mut trace = SigningTrace::default();
    sign(
        &recipe,
        SignSource::Pairs(pairs),
        &credentials,
        Some(&mut trace),
    )
    .unwrap();
    assert_eq!(trace.string_to_sign, "key=***&name=banana");
}

static RSA2: [DigestStep; 1] = [DigestStep {
    algorithm: DigestAlgorithm::Rsa2,
    output: DigestOutput::Base64,
}];

fn rsa_recipe(algorithm: &'static [DigestStep]) -> Recipe {
    Recipe {
        input: SignInput::Body,
        verify_key_credential: Some("provider_public_key".into()),
        key_pair: None,
        verify_key_pair: None,
        ..recipe(Some("app_private_key"), KeyPlace::Unplaced, algorithm)
    }
}

fn rsa_credentials(private: &str, public: &str) -> Credentials {
    Credentials::new()
        .secret("app_private_key", private)
        .plain("provider_public_key", public)
}

#[test]
fn rsa2_signature_equals_openssl_for_pkcs8_pkcs1_and_bare_private_keys() {
    let message = fixture("rsa_message.txt");
    let expected = fixture("rsa_message.sha256.sig.b64");
    let public = fixture("rsa_test_key_pub.pem");
    for private in [
        "rsa_test_key.pem",
        "rsa_test_key_pkcs1.pem",
        "rsa_test_key.b64",
    ] {
        let credentials = rsa_credentials(&fixture(private), &public);
        let mut trace = SigningTrace::default();
        let source = SignSource::Bytes(message.as_bytes());
        let signature = sign(&rsa_recipe(&RSA2), source, &credentials, Some(&mut trace)).unwrap();
        assert_eq!(signature, expected.trim(), "{private}");
        // The private key is not in the string to sign, nor anywhere in the trace.
        assert_eq!(trace.string_to_sign, message);
        let body = fixture("rsa_test_key.b64");
        assert!(!format!("{trace:?}{credentials:?}").contains(&body[100..140]));
    }
}

#[test]
fn rsa2_verifies_openssl_signatures_with_every_public_key_form_and_rejects_a_mutation() {
    let message = fixture("rsa_message.txt");
    let signature = fixture("rsa_message.sha256.sig.b64");
    let private = fixture("rsa_test_key.pem");
    let recipe = rsa_recipe(&RSA2);
    for public in [
        "rsa_test_key_pub.pem",
        "rsa_test_key_pub_pkcs1.pem",
        "rsa_test_key_pub.b64",
    ] {
        let credentials = rsa_credentials(&private, &fixture(public));
        let mut trace = SigningTrace::default();
        let source = SignSource::Bytes(message.as_bytes());
        assert!(
            verify(&recipe, source, signature.trim(), &credentials, &mut trace).unwrap(),
            "{public}"
        );
        // One flipped bit in the signature.
        let mut bytes = signature.trim().as_bytes().to_vec();
        bytes[10] = if bytes[10] == b'A' { b'B' } else { b'A' };
        let mutated = String::from_utf8(bytes).unwrap();
        let source = SignSource::Bytes(message.as_bytes());
        assert!(!verify(&recipe, source, &mutated, &credentials, &mut trace).unwrap());
        // One changed byte in the message.
        let tampered = message.replace("RSA2", "RSA3");
        let source = SignSource::Bytes(tampered.as_bytes());
        assert!(!verify(&recipe, source, signature.trim(), &credentials, &mut trace).unwrap());
    }
}

#[test]
fn rsa_sha1_verifies_openssl_but_does_not_sign() {
    static RSA: [DigestStep; 1] = [DigestStep {
        algorithm: DigestAlgorithm::Rsa,
        output: DigestOutput::Base64,
    }];
    let message = fixture("rsa_message.txt");
    let signature = fixture("rsa_message.sha1.sig.b64");
    let credentials = rsa_credentials(
        &fixture("rsa_test_key.pem"),
        &fixture("rsa_test_key_pub.pem"),
    );
    let recipe = rsa_recipe(&RSA);
    let mut trace = SigningTrace::default();
    let source = SignSource::Bytes(message.as_bytes());
    assert!(verify(&recipe, source, signature.trim(), &credentials, &mut trace).unwrap());
    let source = SignSource::Bytes(message.as_bytes());
    assert!(matches!(
        sign(&recipe, source, &credentials, None),
        Err(Error::InvalidCredential { .. })
    ));
}

#[test]
fn a_bad_key_is_a_credential_error_that_shows_no_key_material() {
    let public = fixture("rsa_test_key_pub.pem");
    let private = fixture("rsa_test_key.pem");
    // A public key where the private key belongs, and a truncated private key.
    for bad in [
        public.clone(),
        private[..600].to_owned(),
        "not a key".to_owned(),
    ] {
        let credentials = rsa_credentials(&bad, &public);
        let source = SignSource::Bytes(b"x");
        let error = sign(&rsa_recipe(&RSA2), source, &credentials, None).unwrap_err();
        let text = format!("{error} {error:?}");
        assert!(
            matches!(&error, Error::InvalidCredential { name, .. } if name == "app_private_key"),
            "{text}"
        );
        assert!(!text.contains("MII") && !text.contains("BEGIN"), "{text}");
    }
    let credentials = rsa_credentials(&private, "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA");
    let mut trace = SigningTrace::default();
    let error = verify(
        &rsa_recipe(&RSA2),
        SignSource::Bytes(b"x"),
        "AAAA",
        &credentials,
        &mut trace,
    )
    .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidCredential { name, .. } if name == "provider_public_key"),
        "{error}"
    );
}

/// A WeChat Pay v3 shaped provider with one operation: five template parts, each line
/// ended by "\n", RSA2 in a header.
fn v3_provider(method: &'static str, path: &'static str) -> (Provider, Operation) {
    static PARTS: [TemplatePart; 5] = [
        TemplatePart::Method,
        TemplatePart::Path,
        TemplatePart::Timestamp(ClockFormat::UnixSeconds),
        TemplatePart::Nonce(8),
        TemplatePart::Body,
    ];
    let recipe = Recipe {
        input: SignInput::Template,
        template: Template {
            parts: Cow::Borrowed(&PARTS),
            join: "\n".into(),
            trailing: true,
        },
        ..rsa_recipe(&RSA2)
    };
    let operation = Operation {
        name: "native".into(),
        path: path.into(),
        method: method.into(),
        signed: true,
        moves_money: true,
        one_of: Cow::Borrowed(&[]),
        rules: Cow::Borrowed(&[]),
        request: Cow::Owned(vec![FieldDef {
            name: "description".into(),
            ty: FieldType::String,
            required: true,
            max_length: None,
            as_string: false,
            values: Cow::Borrowed(&[]),
            fields: Cow::Borrowed(&[]),
        }]),
        response: Cow::Borrowed(&[]),
        common: Cow::Borrowed(&[]),
        response_members: Cow::Borrowed(&[]),
        codes: Cow::Borrowed(&[]),
        success: SuccessRule {
            field: "code".into(),
            equals: Cow::Borrowed(&[]),
            message: None,
            detail: None,
            and: Cow::Borrowed(&[]),
            http_status: Cow::Borrowed(&[]),
        },
    };
    let provider = Provider {
        name: "v3".into(),
        utc_offset_minutes: 480,
        environments: Cow::Borrowed(&[]),
        credentials: Cow::Borrowed(&[]),
        request: RequestEnvelope {
            method: "POST".into(),
            body: BodyFormat::Json,
            payload: Payload::Inline,
            common: Cow::Borrowed(&[]),
            headers: Cow::Borrowed(&[]),
            signature: Some(RequestSignature {
                recipe,
                choose_by: None,
                output: SignatureOutput::Header {
                    name: "Authorization".into(),
                    template: "RSA2 nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",signature=\"{signature}\"".into(),
                },
            }),
        },
        response: ResponseEnvelope {
            body: BodyFormat::Json,
            payload: Payload::Inline,
            verification: None,
            refusal_members: Cow::Borrowed(&[]),
        },
        operations: Cow::Owned(vec![operation.clone()]),
        notifications: Cow::Borrowed(&[]),
    };
    (provider, operation)
}

#[test]
fn a_template_recipe_signs_method_path_timestamp_nonce_body_and_fills_the_header() {
    let (provider, operation) = v3_provider("POST", "/v3/pay/transactions/native");
    let credentials = rsa_credentials(
        &fixture("rsa_test_key.pem"),
        &fixture("rsa_test_key_pub.pem"),
    );
    let mut business = paygen::WireFields::with_capacity(1);
    business.push("description", paygen::WireValue::Text("QQ公仔".into()));
    let context = paygen::RequestContext {
        base_url: "https://api.mch.example.invalid",
        credentials: &credentials,
        clock: &paygen::FixedClock::at_unix_seconds(1_554_208_460),
        nonce: &paygen::FixedNonce("593BEC0C".into()),
    };
    let mut trace = SigningTrace::default();
    let request = paygen::tooling::encode::encode_request(
        &provider,
        &operation,
        &business,
        &context,
        Some(&mut trace),
    )
    .unwrap();
    let body = r#"{"description":"QQ公仔"}"#;
    assert_eq!(request.body, body);
    let to_sign = format!("POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C\n{body}\n");
    assert_eq!(trace.string_to_sign, to_sign);
    let header = &request.headers[1].1;
    let signature = header
        .strip_prefix("RSA2 nonce_str=\"593BEC0C\",timestamp=\"1554208460\",signature=\"")
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap();
    // The provider's side checks it with the public key over the same string.
    let source = SignSource::Bytes(to_sign.as_bytes());
    let check = rsa_recipe(&RSA2);
    assert!(verify(&check, source, signature, &credentials, &mut trace).unwrap());
}

#[test]
fn a_get_template_signs_the_query_in_the_path_and_an_empty_body() {
    // WeChat Pay v3 签名生成: "请求报文主体…当请求方法为GET时，报文主体为空" — the query
    // fields are part of the URL line, and the body line is empty.
    let (provider, operation) = v3_provider("GET", "/v3/pay/transactions/native");
    let credentials = rsa_credentials(
        &fixture("rsa_test_key.pem"),
        &fixture("rsa_test_key_pub.pem"),
    );
    let mut business = paygen::WireFields::with_capacity(1);
    business.push("description", paygen::WireValue::Text("QQ".into()));
    let context = paygen::RequestContext {
        base_url: "https://api.mch.example.invalid",
        credentials: &credentials,
        clock: &paygen::FixedClock::at_unix_seconds(1_554_208_460),
        nonce: &paygen::FixedNonce("593BEC0C".into()),
    };
    let mut trace = SigningTrace::default();
    let request = paygen::tooling::encode::encode_request(
        &provider,
        &operation,
        &business,
        &context,
        Some(&mut trace),
    )
    .unwrap();
    assert_eq!(request.body, "");
    assert_eq!(
        trace.string_to_sign,
        "GET\n/v3/pay/transactions/native?description=QQ\n1554208460\n593BEC0C\n\n"
    );
}
