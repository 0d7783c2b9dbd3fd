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
//! openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024_test_key.pem
//! openssl rsa -in rsa1024_test_key.pem -pubout -out rsa1024_test_key_pub.pem
//! openssl dgst -sha1 -sign rsa1024_test_key.pem -out sig.bin rsa_message.txt
//! base64 -w0 sig.bin > rsa1024_message.sha1.sig.b64
//! ```
//!
//! The SM2 fixtures, with OpenSSL 3.0 too (whose default SM2 user id is empty, hence
//! `distid`):
//!
//! ```sh
//! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out sm2_test_key.pem
//! openssl ec -in sm2_test_key.pem -out sm2_test_key_sec1.pem   # `SM2 PRIVATE KEY`
//! openssl pkey -in sm2_test_key.pem -pubout -out sm2_test_key_pub.pem
//! openssl dgst -sm3 -sign sm2_test_key.pem -sigopt distid:1234567812345678 \
//!   -out sig.der rsa_message.txt
//! base64 -w0 sig.der > sm2_message.sm3.sig.b64
//! ```
//!
//! The keys are test keys made for these tests only.

use paygen::protocol::*;
use paygen::tooling::canonical::SignedText;
use paygen::tooling::key_source::Presented;
use paygen::tooling::sign::{sign, verify, SignSource};
use paygen::tooling::SigningTrace;
use paygen::{Credentials, Error};
use std::borrow::Cow;

/// A message that presents no headers or fields to the key choice: every recipe here
/// verifies with a key credential.
const PRESENTED: Presented<'static> = Presented {
    headers: &[],
    fields: &[],
    now: 0,
    body: "",
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap()
}

fn recipe(key: Option<&'static str>, place: KeyPlace, steps: &'static [DigestStep]) -> Recipe {
    Recipe {
        input: SignInput::Canonical,
        canonical: Canonical::DEFAULT,
        key_credential: key.map(Cow::Borrowed),
        key_place: place,
        digests: Cow::Borrowed(steps),
        verify_key: None,
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
    assert!(verify(
        &recipe,
        pairs,
        &lower,
        &credentials,
        &PRESENTED,
        Some(&mut trace)
    )
    .unwrap());
    let pairs = SignSource::Pairs(wechat_pairs());
    let wrong = "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD7";
    assert!(!verify(
        &recipe,
        pairs,
        wrong,
        &credentials,
        &PRESENTED,
        Some(&mut trace)
    )
    .unwrap());
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
        verify_key: Some(VerifyKey::Credential("provider_public_key".into())),
        key_pair: None,
        verify_key_pair: None,
        ..recipe(Some("app_private_key"), KeyPlace::Unplaced, algorithm)
    }
}

/// The test key as PKCS#8 PEM, PKCS#1 PEM and bare base64.
const RSA_PRIVATE_FORMS: [&str; 3] = [
    "rsa_test_key.pem",
    "rsa_test_key_pkcs1.pem",
    "rsa_test_key.b64",
];

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
    for private in RSA_PRIVATE_FORMS {
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
            verify(
                &recipe,
                source,
                signature.trim(),
                &credentials,
                &PRESENTED,
                Some(&mut trace)
            )
            .unwrap(),
            "{public}"
        );
        // One flipped bit in the signature.
        let mut bytes = signature.trim().as_bytes().to_vec();
        bytes[10] = if bytes[10] == b'A' { b'B' } else { b'A' };
        let mutated = String::from_utf8(bytes).unwrap();
        let source = SignSource::Bytes(message.as_bytes());
        assert!(!verify(
            &recipe,
            source,
            &mutated,
            &credentials,
            &PRESENTED,
            Some(&mut trace)
        )
        .unwrap());
        // One changed byte in the message.
        let tampered = message.replace("RSA2", "RSA3");
        let source = SignSource::Bytes(tampered.as_bytes());
        assert!(!verify(
            &recipe,
            source,
            signature.trim(),
            &credentials,
            &PRESENTED,
            Some(&mut trace)
        )
        .unwrap());
    }
}

static RSA_SHA1: [DigestStep; 1] = [DigestStep {
    algorithm: DigestAlgorithm::Rsa,
    output: DigestOutput::Base64,
}];

/// The PKCS#1 `RSAPublicKey` DER of a PEM fixture, for ring.
fn pkcs1_der(pem: &str) -> Vec<u8> {
    pem_rfc7468::decode_vec(pem.as_bytes()).unwrap().1
}

/// Runs `openssl` with `args` and `stdin`; `None` when OpenSSL is not installed, else
/// whether it succeeded.
fn openssl(args: &[&str]) -> Option<bool> {
    let output = std::process::Command::new("openssl").args(args).output();
    match output {
        Ok(output) => Some(output.status.success()),
        Err(_) => {
            eprintln!("openssl is not installed: the fixtures alone check this");
            None
        }
    }
}

/// `bytes` in a file of its own under the target's temporary directory.
fn temp_file(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("paygen-recipes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .unwrap()
}

#[test]
fn rsa_sha1_signature_equals_openssl_and_verifies_with_ring_legacy_sha1() {
    let message = fixture("rsa_message.txt");
    let expected = fixture("rsa_message.sha1.sig.b64");
    let public = fixture("rsa_test_key_pub.pem");
    let recipe = rsa_recipe(&RSA_SHA1);
    for private in RSA_PRIVATE_FORMS {
        let credentials = rsa_credentials(&fixture(private), &public);
        let source = SignSource::Bytes(message.as_bytes());
        let signature = sign(&recipe, source, &credentials, None).unwrap();
        // PKCS#1 v1.5 is deterministic: byte for byte what `openssl dgst -sha1` made.
        assert_eq!(signature, expected.trim(), "{private}");
        let source = SignSource::Bytes(message.as_bytes());
        let mut trace = SigningTrace::default();
        assert!(verify(
            &recipe,
            source,
            &signature,
            &credentials,
            &PRESENTED,
            Some(&mut trace)
        )
        .unwrap());
    }
    // ring, which refuses to make such signatures, accepts this one.
    let credentials = rsa_credentials(&fixture("rsa_test_key.pem"), &public);
    let source = SignSource::Bytes(message.as_bytes());
    let signature = base64_decode(&sign(&recipe, source, &credentials, None).unwrap());
    let key = pkcs1_der(&fixture("rsa_test_key_pub_pkcs1.pem"));
    let ring_key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        &key,
    );
    assert!(ring_key.verify(message.as_bytes(), &signature).is_ok());
    assert!(ring_key.verify(b"another message", &signature).is_err());
    // And so does OpenSSL, when it is installed.
    let signature_file = temp_file("rsa_sha1.sig", &signature);
    let public_file = format!("{FIXTURES}rsa_test_key_pub.pem");
    let message_file = format!("{FIXTURES}rsa_message.txt");
    if let Some(ok) = openssl(&[
        "dgst",
        "-sha1",
        "-verify",
        &public_file,
        "-signature",
        &signature_file,
        &message_file,
    ]) {
        assert!(ok, "openssl dgst -sha1 -verify refused the signature");
    }
}

#[test]
fn rsa_sha1_signs_with_a_1024_bit_key_as_openssl_does_and_rsa2_refuses_it() {
    let message = fixture("rsa_message.txt");
    let credentials = rsa_credentials(
        &fixture("rsa1024_test_key.pem"),
        &fixture("rsa1024_test_key_pub.pem"),
    );
    let source = SignSource::Bytes(message.as_bytes());
    let signature = sign(&rsa_recipe(&RSA_SHA1), source, &credentials, None).unwrap();
    assert_eq!(signature, fixture("rsa1024_message.sha1.sig.b64").trim());
    let mut trace = SigningTrace::default();
    let source = SignSource::Bytes(message.as_bytes());
    assert!(verify(
        &rsa_recipe(&RSA_SHA1),
        source,
        &signature,
        &credentials,
        &PRESENTED,
        Some(&mut trace)
    )
    .unwrap());
    // ring signs SHA-256 with 2048 bits and up only.
    let source = SignSource::Bytes(message.as_bytes());
    let error = sign(&rsa_recipe(&RSA2), source, &credentials, None).unwrap_err();
    assert!(
        matches!(&error, Error::InvalidCredential { name, reason } if name == "app_private_key" && reason.contains("2048 to 4096")),
        "{error}"
    );
}

static SM2_DER_BASE64: [DigestStep; 1] = [DigestStep {
    algorithm: DigestAlgorithm::Sm2Sm3,
    output: DigestOutput::Base64,
}];

static SM2_RAW_HEX: [DigestStep; 1] = [DigestStep {
    algorithm: DigestAlgorithm::Sm2Sm3,
    output: DigestOutput::Encoded(OutputForm {
        text: TextEncoding::Hex(HexCase::Upper),
        signature: SignatureForm::Raw,
    }),
}];

static SM2_RAW_BASE64URL: [DigestStep; 1] = [DigestStep {
    algorithm: DigestAlgorithm::Sm2Sm3,
    output: DigestOutput::Encoded(OutputForm {
        text: TextEncoding::Base64 {
            alphabet: Base64Alphabet::Url,
            padded: false,
        },
        signature: SignatureForm::Raw,
    }),
}];

#[test]
fn sm2_verifies_openssl_signatures_with_pem_and_bare_base64_public_keys() {
    let message = fixture("rsa_message.txt");
    let signature = fixture("sm2_message.sm3.sig.b64");
    let recipe = rsa_recipe(&SM2_DER_BASE64);
    let pem = fixture("sm2_test_key_pub.pem");
    let bare: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    for public in [pem, bare] {
        let credentials = rsa_credentials(&fixture("sm2_test_key.pem"), &public);
        let mut trace = SigningTrace::default();
        let source = SignSource::Bytes(message.as_bytes());
        assert!(verify(
            &recipe,
            source,
            signature.trim(),
            &credentials,
            &PRESENTED,
            Some(&mut trace)
        )
        .unwrap());
        let tampered = message.replace("RSA2", "RSA3");
        let source = SignSource::Bytes(tampered.as_bytes());
        assert!(!verify(
            &recipe,
            source,
            signature.trim(),
            &credentials,
            &PRESENTED,
            Some(&mut trace)
        )
        .unwrap());
        // The same signature declared raw is not read as DER.
        let source = SignSource::Bytes(message.as_bytes());
        let raw = rsa_recipe(&SM2_RAW_BASE64URL);
        assert!(!verify(
            &raw,
            source,
            signature.trim(),
            &credentials,
            &PRESENTED,
            Some(&mut trace)
        )
        .unwrap());
    }
}

#[test]
fn sm2_signatures_made_here_verify_here_and_with_openssl() {
    let message = fixture("rsa_message.txt");
    let public = fixture("sm2_test_key_pub.pem");
    for private in ["sm2_test_key.pem", "sm2_test_key_sec1.pem"] {
        let credentials = rsa_credentials(&fixture(private), &public);
        for steps in [&SM2_DER_BASE64, &SM2_RAW_HEX, &SM2_RAW_BASE64URL] {
            let recipe = rsa_recipe(steps);
            let source = SignSource::Bytes(message.as_bytes());
            let signature = sign(&recipe, source, &credentials, None).unwrap();
            let mut trace = SigningTrace::default();
            let source = SignSource::Bytes(message.as_bytes());
            assert!(
                verify(
                    &recipe,
                    source,
                    &signature,
                    &credentials,
                    &PRESENTED,
                    Some(&mut trace)
                )
                .unwrap(),
                "{private} {steps:?}"
            );
            let source = SignSource::Bytes(b"another message");
            assert!(!verify(
                &recipe,
                source,
                &signature,
                &credentials,
                &PRESENTED,
                Some(&mut trace)
            )
            .unwrap());
        }
        let source = SignSource::Bytes(message.as_bytes());
        let signature = sign(&rsa_recipe(&SM2_DER_BASE64), source, &credentials, None).unwrap();
        let signature_file = temp_file("sm2.sig", &base64_decode(&signature));
        let public_file = format!("{FIXTURES}sm2_test_key_pub.pem");
        let message_file = format!("{FIXTURES}rsa_message.txt");
        if let Some(ok) = openssl(&[
            "dgst",
            "-sm3",
            "-verify",
            &public_file,
            "-sigopt",
            "distid:1234567812345678",
            "-signature",
            &signature_file,
            &message_file,
        ]) {
            assert!(ok, "openssl refused the SM2 signature made with {private}");
        }
    }
}

#[test]
fn sm2_verifies_the_gm_t_0003_5_example_with_hex_keys_and_raw_hex_output() {
    // GM/T 0003.5-2012 (GB/T 32918.5-2017) appendix A.2: the recommended curve's
    // signature example, user id 1234567812345678, message "message digest".
    let private = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
    let public = "04\
        09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020\
        CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
    let signature = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3\
        B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
    let credentials = rsa_credentials(private, public);
    let recipe = rsa_recipe(&SM2_RAW_HEX);
    let mut trace = SigningTrace::default();
    let source = SignSource::Bytes(b"message digest");
    assert!(verify(
        &recipe,
        source,
        signature,
        &credentials,
        &PRESENTED,
        Some(&mut trace)
    )
    .unwrap());
    // Hex is read in either case.
    let source = SignSource::Bytes(b"message digest");
    let lower = signature.to_lowercase();
    assert!(verify(
        &recipe,
        source,
        &lower,
        &credentials,
        &PRESENTED,
        Some(&mut trace)
    )
    .unwrap());
    let source = SignSource::Bytes(b"message digesT");
    assert!(!verify(
        &recipe,
        source,
        signature,
        &credentials,
        &PRESENTED,
        Some(&mut trace)
    )
    .unwrap());
    // The standard's k is random: ours differs, and still verifies.
    let source = SignSource::Bytes(b"message digest");
    let ours = sign(&recipe, source, &credentials, None).unwrap();
    let source = SignSource::Bytes(b"message digest");
    assert!(verify(
        &recipe,
        source,
        &ours,
        &credentials,
        &PRESENTED,
        Some(&mut trace)
    )
    .unwrap());
}

#[test]
fn a_bad_sm2_key_is_a_credential_error_naming_it_without_key_material() {
    let rsa_private = fixture("rsa_test_key.pem");
    let sm2_public = fixture("sm2_test_key_pub.pem");
    let recipe = rsa_recipe(&SM2_DER_BASE64);
    for bad in [
        rsa_private.as_str(),
        sm2_public.as_str(),
        "not a key",
        "abcd",
    ] {
        let credentials = rsa_credentials(bad, &sm2_public);
        let source = SignSource::Bytes(b"x");
        let error = sign(&recipe, source, &credentials, None).unwrap_err();
        let text = format!("{error} {error:?}");
        assert!(
            matches!(&error, Error::InvalidCredential { name, .. } if name == "app_private_key"),
            "{text}"
        );
        assert!(!text.contains("MII") && !text.contains("BEGIN"), "{text}");
    }
    // An RSA public key where the provider's SM2 key belongs.
    let credentials = rsa_credentials(
        &fixture("sm2_test_key.pem"),
        &fixture("rsa_test_key_pub.pem"),
    );
    let mut trace = SigningTrace::default();
    let source = SignSource::Bytes(b"x");
    let error = verify(
        &recipe,
        source,
        "AAAA",
        &credentials,
        &PRESENTED,
        Some(&mut trace),
    )
    .unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(
        matches!(&error, Error::InvalidCredential { name, .. } if name == "provider_public_key"),
        "{text}"
    );
    assert!(!text.contains("MII"), "{text}");
}

#[test]
fn hmac_sm3_writes_base64url_without_padding_and_verifies_only_that_form() {
    // GM/T 0042-2015 appendix D.3 case 1 (key 0x01..0x20), its MAC in base64url.
    static STEPS: [DigestStep; 1] = [DigestStep {
        algorithm: DigestAlgorithm::HmacSm3,
        output: DigestOutput::Encoded(OutputForm {
            text: TextEncoding::Base64 {
                alphabet: Base64Alphabet::Url,
                padded: false,
            },
            signature: SignatureForm::Der,
        }),
    }];
    let key: String = (1u8..=0x20).map(char::from).collect();
    let credentials = Credentials::new().secret("key", key);
    let recipe = Recipe {
        input: SignInput::Body,
        ..recipe(Some("key"), KeyPlace::Unplaced, &STEPS)
    };
    let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".repeat(2);
    let source = SignSource::Bytes(message.as_bytes());
    let signature = sign(&recipe, source, &credentials, None).unwrap();
    // ca05e144…b408963a, whose standard base64 has a `/` where this has `_`.
    assert_eq!(signature, "ygXhRO0F0YV4QNHzGKSoZp5Vn8g5H0FEhb_fe7QIljo");
    let mut trace = SigningTrace::default();
    for (received, accepted) in [
        ("ygXhRO0F0YV4QNHzGKSoZp5Vn8g5H0FEhb_fe7QIljo", true),
        ("ygXhRO0F0YV4QNHzGKSoZp5Vn8g5H0FEhb_fe7QIljo=", false),
        ("ygXhRO0F0YV4QNHzGKSoZp5Vn8g5H0FEhb/fe7QIljo", false),
    ] {
        let source = SignSource::Bytes(message.as_bytes());
        let verified = verify(
            &recipe,
            source,
            received,
            &credentials,
            &PRESENTED,
            Some(&mut trace),
        )
        .unwrap();
        assert_eq!(verified, accepted, "{received}");
    }
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
        &PRESENTED,
        Some(&mut trace),
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
            min_length: None,
            as_string: false,
            values: Cow::Borrowed(&[]),
            fields: Cow::Borrowed(&[]),
        }]),
        response: Cow::Borrowed(&[]),
        common: Cow::Borrowed(&[]),
        headers: Cow::Borrowed(&[]),
        response_members: Cow::Borrowed(&[]),
        codes: Cow::Borrowed(&[]),
        reply_rules: Cow::Borrowed(&[]),
        done_when: None,
        success: SuccessRule {
            field: "code".into(),
            equals: Cow::Borrowed(&[]),
            message: None,
            detail: None,
            and: Cow::Borrowed(&[]),
            or: Cow::Borrowed(&[]),
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

/// The v3-shaped request of `method` with one `description`, rendered at a fixed time
/// and nonce with the fixture RSA key: the request, its signing trace, the credentials.
fn render_v3(
    method: &'static str,
    description: &str,
) -> (paygen::HttpRequest, SigningTrace, paygen::Credentials) {
    let (provider, operation) = v3_provider(method, "/v3/pay/transactions/native");
    let credentials = rsa_credentials(
        &fixture("rsa_test_key.pem"),
        &fixture("rsa_test_key_pub.pem"),
    );
    let mut business = paygen::WireFields::with_capacity(1);
    business.push(
        "description",
        paygen::WireValue::Text(description.to_owned().into()),
    );
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
    (request, trace, credentials)
}

#[test]
fn a_template_recipe_signs_method_path_timestamp_nonce_body_and_fills_the_header() {
    let (request, mut trace, credentials) = render_v3("POST", "QQ公仔");
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
    assert!(verify(
        &check,
        source,
        signature,
        &credentials,
        &PRESENTED,
        Some(&mut trace)
    )
    .unwrap());
}

#[test]
fn a_get_template_signs_the_query_in_the_path_and_an_empty_body() {
    // WeChat Pay v3 签名生成: "请求报文主体…当请求方法为GET时，报文主体为空" — the query
    // fields are part of the URL line, and the body line is empty.
    let (request, trace, _) = render_v3("GET", "QQ");
    assert_eq!(request.body, "");
    assert_eq!(
        trace.string_to_sign,
        "GET\n/v3/pay/transactions/native?description=QQ\n1554208460\n593BEC0C\n\n"
    );
}
