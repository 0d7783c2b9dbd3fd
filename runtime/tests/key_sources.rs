//! Verify keys from each key source: a credential holding a certificate, a key set chosen
//! by a received serial, and a certificate carried in the message and chain-checked.
//!
//! The RSA certificates are issued here by rcgen (an X.509 writer independent of the
//! runtime's reader) from the keys in `fixtures/x509/` and `fixtures/rsa_test_key.pem`;
//! the SM2 ones were issued by OpenSSL (commands in `fixtures/x509/README.md`). Messages
//! are signed by ring (RSA) and the `sm2` crate (SM2) directly, not by the runtime.

use base64::Engine as _;
use paygen::protocol::{
    CarriedCertificate, CertificatePlace, DigestAlgorithm, SignatureForm, VerifyKey,
};
use paygen::tooling::key_source::{verifying_key, Presented};
use paygen::{CertificateFailure, Credentials, Error, KeySet, SignatureFailure};
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SerialNumber, PKCS_RSA_SHA256,
};
use sm2::dsa::signature::Signer as _;
use sm2::pkcs8::DecodePrivateKey as _;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// 2027-06-01T00:00:00Z: inside every certificate's validity period here.
const NOW: i64 = 1_811_808_000;
/// 2037-01-01T00:00:00Z: after every one.
const LATER: i64 = 2_114_380_800;

const MESSAGE: &[u8] =
    b"1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n{\"trade_state\":\"SUCCESS\"}\n";

fn rsa_key(name: &str) -> KeyPair {
    KeyPair::from_pem_and_sign_algo(&fixture(name), &PKCS_RSA_SHA256).unwrap()
}

fn params(cn: &str, serial: u64, ca: bool) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.serial_number = Some(SerialNumber::from(serial.to_be_bytes().to_vec()));
    params.not_before = rcgen::date_time_ymd(2026, 1, 1);
    params.not_after = rcgen::date_time_ymd(2031, 1, 1);
    if ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    } else {
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    }
    params
}

/// A root, an intermediate it issued, and a signer's certificate the intermediate
/// issued, all RSA with SHA-256.
struct Chain {
    root: Certificate,
    root_key: KeyPair,
    intermediate: Certificate,
    intermediate_key: KeyPair,
    leaf: Certificate,
    leaf_key: KeyPair,
}

fn chain() -> Chain {
    let root_key = rsa_key("x509/rsa_root.key.pem");
    let root = params("paygen test root", 1, true)
        .self_signed(&root_key)
        .unwrap();
    let intermediate_key = rsa_key("x509/rsa_intermediate.key.pem");
    let intermediate = params("paygen test intermediate", 2, true)
        .signed_by(&intermediate_key, &root, &root_key)
        .unwrap();
    let leaf_key = rsa_key("rsa_test_key.pem");
    let leaf = params("paygen test signer", 0x5157_F09E_FDC0_96DE, false)
        .signed_by(&leaf_key, &intermediate, &intermediate_key)
        .unwrap();
    Chain {
        root,
        root_key,
        intermediate,
        intermediate_key,
        leaf,
        leaf_key,
    }
}

/// `message` signed with the PKCS#8 RSA key in fixture `name`, by ring.
fn rsa_sign(name: &str, message: &[u8]) -> Vec<u8> {
    let der = pem_rfc7468::decode_vec(fixture(name).as_bytes()).unwrap().1;
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let mut signature = vec![0u8; pair.public().modulus_len()];
    let rng = ring::rand::SystemRandom::new();
    pair.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &rng,
        message,
        &mut signature,
    )
    .unwrap();
    signature
}

fn presented<'a>(headers: &'a [(String, String)], now: i64) -> Presented<'a> {
    Presented {
        headers,
        fields: &[],
        now,
        body: "",
    }
}

fn header(name: &str, value: &str) -> Vec<(String, String)> {
    vec![(name.to_owned(), value.to_owned())]
}

/// Whether the key from `source` verifies the genuine RSA signature of [`MESSAGE`]
/// (made with `fixtures/rsa_test_key.pem`), or why no key was chosen.
fn verifies_rsa(
    source: &VerifyKey,
    credentials: &Credentials,
    presented: &Presented<'_>,
) -> Result<bool, Error> {
    let key = verifying_key(source, DigestAlgorithm::Rsa2, credentials, presented)?;
    let signature = rsa_sign("rsa_test_key.pem", MESSAGE);
    let genuine = key.verify(
        DigestAlgorithm::Rsa2,
        MESSAGE,
        &signature,
        SignatureForm::Der,
    );
    let changed = key.verify(
        DigestAlgorithm::Rsa2,
        b"changed",
        &signature,
        SignatureForm::Der,
    );
    assert!(!changed, "a changed message verified");
    Ok(genuine)
}

fn refusal(result: Result<bool, Error>) -> SignatureFailure {
    match result {
        Err(Error::Signature { reason, .. }) => reason,
        other => panic!("expected a signature refusal, got {other:?}"),
    }
}

#[test]
fn a_credential_holding_a_certificate_verifies_with_the_certificates_key() {
    let chain = chain();
    let credentials = Credentials::new().plain("platform_cert", chain.leaf.pem());
    let source = VerifyKey::Credential("platform_cert".into());
    assert!(verifies_rsa(&source, &credentials, &presented(&[], NOW)).unwrap());
    // Another key's certificate does not verify the same signature.
    let other = Credentials::new().plain("platform_cert", chain.root.pem());
    assert!(!verifies_rsa(&source, &other, &presented(&[], NOW)).unwrap());
    // An RSA certificate cannot verify SM2 signatures: a credential error, not a refusal.
    let wrong = verifying_key(
        &source,
        DigestAlgorithm::Sm2Sm3,
        &credentials,
        &presented(&[], NOW),
    );
    assert!(
        matches!(&wrong, Err(Error::InvalidCredential { name, .. }) if name == "platform_cert"),
        "{wrong:?}"
    );
}

#[test]
fn a_key_set_chooses_the_key_the_serial_header_names_and_no_other() {
    let chain = chain();
    let rogue_public = {
        let key = rsa_key("x509/rsa_rogue.key.pem");
        key.public_key_pem()
    };
    let keys = KeySet::new()
        .public_key("PUB_KEY_ID_0114232134912410000000000000", rogue_public)
        .certificate(chain.leaf.pem());
    let credentials = Credentials::new().key_set("platform_keys", keys);
    let source = VerifyKey::BySerial {
        credential: "platform_keys".into(),
        header: "Wechatpay-Serial".into(),
    };
    // The certificate is named by its serial number in upper-case hex.
    let serial = header("Wechatpay-Serial", "5157F09EFDC096DE");
    assert!(verifies_rsa(&source, &credentials, &presented(&serial, NOW)).unwrap());
    // The header naming the other key chooses that key, which does not verify.
    let other = header(
        "wechatpay-serial",
        "PUB_KEY_ID_0114232134912410000000000000",
    );
    assert!(!verifies_rsa(&source, &credentials, &presented(&other, NOW)).unwrap());
    // An unknown serial is a refusal naming it; no configured key is tried.
    let unknown = header("Wechatpay-Serial", "7132D72A03E93CDDF8C03BBD1F37EEDF");
    assert_eq!(
        refusal(verifies_rsa(
            &source,
            &credentials,
            &presented(&unknown, NOW)
        )),
        SignatureFailure::UnknownSerial {
            header: "Wechatpay-Serial".into(),
            serial: "7132D72A03E93CDDF8C03BBD1F37EEDF".into(),
        }
    );
    // No header, or the header twice: which key is meant is unknown.
    let mut twice = serial.clone();
    twice.extend(other.clone());
    for headers in [Vec::new(), twice] {
        assert_eq!(
            refusal(verifies_rsa(
                &source,
                &credentials,
                &presented(&headers, NOW)
            )),
            SignatureFailure::Missing("Wechatpay-Serial".into())
        );
    }
    // Two keys under one id is a configuration error, never a guess.
    let doubled = Credentials::new().key_set(
        "platform_keys",
        KeySet::new()
            .certificate(chain.leaf.pem())
            .public_key("5157F09EFDC096DE", fixture("rsa_test_key_pub.pem")),
    );
    let result = verifies_rsa(&source, &doubled, &presented(&serial, NOW));
    assert!(
        matches!(&result, Err(Error::InvalidCredential { reason, .. }) if reason.contains("5157F09EFDC096DE")),
        "{result:?}"
    );
    // A key set is not one value, and one value is not a key set.
    assert!(matches!(
        credentials.get("platform_keys"),
        Err(Error::InvalidCredential { .. })
    ));
    let plain = Credentials::new().plain("platform_keys", chain.leaf.pem());
    assert!(matches!(
        verifies_rsa(&source, &plain, &presented(&serial, NOW)),
        Err(Error::InvalidCredential { .. })
    ));
    // The set's Debug output names its ids only.
    let shown = format!("{credentials:?}");
    assert!(shown.contains("PUB_KEY_ID_0114232134912410000000000000"));
    assert!(!shown.contains("BEGIN"));
}

fn carried(place: CertificatePlace, subject_cn: Option<&'static str>) -> VerifyKey {
    VerifyKey::Carried(CarriedCertificate {
        from: place,
        roots: "roots".into(),
        intermediates: Some("intermediates".into()),
        subject_cn: subject_cn.map(Into::into),
    })
}

fn trust(chain: &Chain) -> Credentials {
    Credentials::new()
        .plain("roots", chain.root.pem())
        .plain("intermediates", chain.intermediate.pem())
}

/// Whether the certificate `cert` (PEM) carried in header `X-Signer-Cert` gives the key
/// that verifies the genuine signature, at `now`.
fn with_carried(cert: &str, credentials: &Credentials, now: i64) -> Result<bool, Error> {
    let headers = header("X-Signer-Cert", &one_line(cert));
    verifies_rsa(
        &carried(CertificatePlace::Header("X-Signer-Cert".into()), None),
        credentials,
        &presented(&headers, now),
    )
}

/// A PEM certificate as a header carries it: the base64 of its DER on one line (any
/// other text as it is).
fn one_line(text: &str) -> String {
    match pem_rfc7468::decode_vec(text.as_bytes()) {
        Ok((_, der)) => base64::engine::general_purpose::STANDARD.encode(der),
        Err(_) => text.to_owned(),
    }
}

#[test]
fn a_carried_certificate_chained_to_the_root_verifies_from_a_header_or_a_field() {
    let chain = chain();
    let credentials = trust(&chain);
    assert!(with_carried(&chain.leaf.pem(), &credentials, NOW).unwrap());
    // In a field, as base64 of the DER (no armour), with the subject's common name.
    let der = base64::engine::general_purpose::STANDARD.encode(chain.leaf.der());
    let fields = [
        ("out_trade_no", "1217752501201407033233368018"),
        ("sign_cert", der.as_str()),
    ];
    let presented = Presented {
        headers: &[],
        fields: &fields,
        now: NOW,
        body: "",
    };
    let source = carried(
        CertificatePlace::Field("sign_cert".into()),
        Some("paygen test signer"),
    );
    assert!(verifies_rsa(&source, &credentials, &presented).unwrap());
    let expecting_other = carried(
        CertificatePlace::Field("sign_cert".into()),
        Some("paygen test"),
    );
    assert_eq!(
        refusal(verifies_rsa(&expecting_other, &credentials, &presented)),
        SignatureFailure::Certificate(CertificateFailure::SubjectMismatch {
            expected: "paygen test".into(),
            subject: "CN=paygen test signer".into(),
        })
    );
}

fn certificate_refusal(cert: &str, credentials: &Credentials, now: i64) -> CertificateFailure {
    match refusal(with_carried(cert, credentials, now)) {
        SignatureFailure::Certificate(failure) => failure,
        other => panic!("expected a certificate refusal, got {other:?}"),
    }
}

#[test]
fn untrusted_carried_certificates_are_refused_naming_what_failed() {
    let chain = chain();
    let credentials = trust(&chain);
    let leaf_key = &chain.leaf_key;

    // Issued by a CA nobody configured.
    let rogue_key = rsa_key("x509/rsa_rogue.key.pem");
    let rogue_ca = params("rogue CA", 9, true).self_signed(&rogue_key).unwrap();
    let rogue_leaf = params("paygen test signer", 10, false)
        .signed_by(leaf_key, &rogue_ca, &rogue_key)
        .unwrap();
    assert_eq!(
        certificate_refusal(&rogue_leaf.pem(), &credentials, NOW),
        CertificateFailure::NotChained {
            subject: "CN=paygen test signer".into(),
            issuer: "CN=rogue CA".into(),
        }
    );

    // A rogue CA that copies the intermediate's name: the name chains, the signature
    // does not.
    let posing_ca = params("paygen test intermediate", 11, true)
        .self_signed(&rogue_key)
        .unwrap();
    let posing_leaf = params("paygen test signer", 12, false)
        .signed_by(leaf_key, &posing_ca, &rogue_key)
        .unwrap();
    assert_eq!(
        certificate_refusal(&posing_leaf.pem(), &credentials, NOW),
        CertificateFailure::BadSignature {
            subject: "CN=paygen test signer".into(),
        }
    );

    // A self-signed certificate posing as the signer's.
    let self_signed = params("paygen test signer", 13, false)
        .self_signed(leaf_key)
        .unwrap();
    assert_eq!(
        certificate_refusal(&self_signed.pem(), &credentials, NOW),
        CertificateFailure::NotChained {
            subject: "CN=paygen test signer".into(),
            issuer: "CN=paygen test signer".into(),
        }
    );

    // The genuine certificate with one byte of its signature changed.
    let mut altered = chain.leaf.der().to_vec();
    let last = altered.len() - 1;
    altered[last] ^= 0x01;
    let altered =
        pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, &altered).unwrap();
    assert_eq!(
        certificate_refusal(&altered, &credentials, NOW),
        CertificateFailure::BadSignature {
            subject: "CN=paygen test signer".into(),
        }
    );

    // Expired, and not yet valid: the receiver's clock decides.
    let expired = certificate_refusal(&chain.leaf.pem(), &credentials, LATER);
    assert!(
        matches!(&expired, CertificateFailure::OutsideValidity { subject, now, .. } if subject == "CN=paygen test signer" && *now == LATER),
        "{expired:?}"
    );
    let mut future = params("paygen test signer", 14, false);
    future.not_before = rcgen::date_time_ymd(2030, 1, 1);
    let future = future
        .signed_by(leaf_key, &chain.intermediate, &chain.intermediate_key)
        .unwrap();
    assert!(matches!(
        certificate_refusal(&future.pem(), &credentials, NOW),
        CertificateFailure::OutsideValidity { .. }
    ));

    // The root itself, or any CA's certificate, carried as the signer's.
    assert_eq!(
        certificate_refusal(&chain.root.pem(), &credentials, NOW),
        CertificateFailure::NotSigner {
            subject: "CN=paygen test root".into(),
        }
    );

    // An intermediate that is not a CA (an end entity's certificate issuing another).
    let end_entity = params("paygen test intermediate", 15, false)
        .signed_by(&chain.intermediate_key, &chain.root, &chain.root_key)
        .unwrap();
    let under_end_entity = params("paygen test signer", 16, false)
        .signed_by(leaf_key, &end_entity, &chain.intermediate_key)
        .unwrap();
    let with_end_entity = Credentials::new()
        .plain("roots", chain.root.pem())
        .plain("intermediates", end_entity.pem());
    assert_eq!(
        certificate_refusal(&under_end_entity.pem(), &with_end_entity, NOW),
        CertificateFailure::NotCa {
            subject: "CN=paygen test intermediate".into(),
        }
    );

    // Without the intermediate configured, the path does not reach the root.
    let roots_only = Credentials::new()
        .plain("roots", chain.root.pem())
        .plain("intermediates", "");
    assert!(matches!(
        certificate_refusal(&chain.leaf.pem(), &roots_only, NOW),
        CertificateFailure::NotChained { .. }
    ));

    // No certificate, or not one.
    let source = carried(CertificatePlace::Header("X-Signer-Cert".into()), None);
    assert_eq!(
        refusal(verifies_rsa(&source, &credentials, &presented(&[], NOW))),
        SignatureFailure::Certificate(CertificateFailure::Missing("X-Signer-Cert".into()))
    );
    assert_eq!(
        certificate_refusal("not a certificate", &credentials, NOW),
        CertificateFailure::Unreadable("X-Signer-Cert".into())
    );
}

/// The SM2 chain OpenSSL issued: its leaf's key verifies what that key signed (by the
/// `sm2` crate, DER form, the standard's default user id).
#[test]
fn an_sm2_certificate_chain_issued_by_openssl_verifies_and_its_mutants_do_not() {
    let credentials = Credentials::new()
        .plain("roots", fixture("x509/sm2_root.cert.pem"))
        .plain("intermediates", "");
    let leaf = fixture("x509/sm2_leaf.cert.pem");
    let key_der = pem_rfc7468::decode_vec(fixture("x509/sm2_leaf.key.pem").as_bytes())
        .unwrap()
        .1;
    let secret = sm2::SecretKey::from_pkcs8_der(&key_der).unwrap();
    let signer = sm2::dsa::SigningKey::new("1234567812345678", &secret).unwrap();
    let signature: sm2::dsa::Signature = signer.sign(MESSAGE);
    let signature = signature.to_bytes().to_vec();
    let source = carried(CertificatePlace::Header("X-Signer-Cert".into()), None);
    let sm2_key = |cert: &str, now: i64| {
        let headers = [("X-Signer-Cert".to_owned(), cert.to_owned())];
        verifying_key(
            &source,
            DigestAlgorithm::Sm2Sm3,
            &credentials,
            &presented(&headers, now),
        )
    };
    let key = sm2_key(&leaf, NOW).unwrap();
    let form = SignatureForm::Raw;
    assert!(key.verify(DigestAlgorithm::Sm2Sm3, MESSAGE, &signature, form));
    assert!(!key.verify(DigestAlgorithm::Sm2Sm3, b"changed", &signature, form));
    // The same certificate as a configured credential, and in a key set by its serial.
    let configured = Credentials::new()
        .plain("platform_cert", leaf.clone())
        .key_set("platform_keys", KeySet::new().certificate(leaf.clone()));
    let key = verifying_key(
        &VerifyKey::Credential("platform_cert".into()),
        DigestAlgorithm::Sm2Sm3,
        &configured,
        &presented(&[], NOW),
    )
    .unwrap();
    assert!(key.verify(DigestAlgorithm::Sm2Sm3, MESSAGE, &signature, form));
    let serial = header("Wechatpay-Serial", "2002");
    let by_serial = VerifyKey::BySerial {
        credential: "platform_keys".into(),
        header: "Wechatpay-Serial".into(),
    };
    let key = verifying_key(
        &by_serial,
        DigestAlgorithm::Sm2Sm3,
        &configured,
        &presented(&serial, NOW),
    )
    .unwrap();
    assert!(key.verify(DigestAlgorithm::Sm2Sm3, MESSAGE, &signature, form));

    // Its signature changed in the last byte (inside `s`).
    let der = pem_rfc7468::decode_vec(leaf.as_bytes()).unwrap().1;
    let mut altered = der.clone();
    let last = altered.len() - 1;
    altered[last] ^= 0x01;
    let altered = base64::engine::general_purpose::STANDARD.encode(&altered);
    let refused = |result: Result<_, Error>| match result {
        Err(Error::Signature {
            reason: SignatureFailure::Certificate(failure),
            ..
        }) => failure,
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("accepted"),
    };
    assert_eq!(
        refused(sm2_key(&altered, NOW)),
        CertificateFailure::BadSignature {
            subject: "CN=paygen test SM2 signer".into(),
        }
    );
    assert!(matches!(
        refused(sm2_key(&leaf, LATER)),
        CertificateFailure::OutsideValidity { .. }
    ));
    // The SM2 certificate's key is not an RSA key.
    let headers = [("X-Signer-Cert".to_owned(), leaf.clone())];
    assert_eq!(
        refused(verifying_key(
            &source,
            DigestAlgorithm::Rsa2,
            &credentials,
            &presented(&headers, NOW)
        )),
        CertificateFailure::KeyType {
            subject: "CN=paygen test SM2 signer".into(),
        }
    );
}
