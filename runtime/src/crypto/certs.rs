//! X.509 certificates as sources of verify keys: a configured certificate's public key,
//! and a certificate carried in a message, trusted only after its chain to a configured
//! root checks out. RustCrypto's `x509-cert` reads the DER; the signatures are checked
//! by the same RSA (ring) and SM2 code that checks messages.
//!
//! A chain is checked as RFC 5280 §6 does for what providers use: each certificate's
//! issuer name is its issuer's subject name, and the issuer's key verifies its signature
//! (RSA PKCS#1 v1.5 with SHA-256 or SHA-1, SM2 with SM3 and the standard's default user
//! id, GM/T 0015); every certificate on the path is within its validity period at the
//! receiver's clock; an intermediate is a CA (basic constraints) allowed to sign
//! certificates (key usage, when present); the carried certificate is not a CA and may
//! sign (key usage, when present). Revocation lists are not read.

use crate::crypto::key_text::{der_of, KeyError};
use crate::crypto::{rsa_keys, sm2_keys};
pub use crate::error::CertificateFailure;
use paygen_protocol::{DigestAlgorithm, SignatureForm, SignatureScheme};
use x509_cert::der::{Decode as _, Encode as _, Tag, Tagged as _};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};
use x509_cert::name::Name;
use x509_cert::spki::ObjectIdentifier;
use x509_cert::Certificate;

/// rsaEncryption (RFC 8017).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey (RFC 5480), the algorithm of an SM2 key with the SM2 curve.
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// sha256WithRSAEncryption (RFC 8017).
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// sha1WithRSAEncryption (RFC 8017).
const SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
/// SM2-with-SM3 (GM/T 0006).
const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
/// commonName (RFC 4519).
const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
/// basicConstraints and keyUsage (RFC 5280 §4.2.1).
const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");

/// The most certificates a path may have above the carried one (intermediates and the
/// root): providers use one or two.
const MAX_DEPTH: usize = 5;

/// A parsed certificate.
#[derive(Debug, Clone)]
pub struct Cert(Certificate);

/// A certificate's subject public key of a known scheme, as SPKI DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyInfo {
    /// The signature scheme the key is for.
    pub scheme: SignatureScheme,
    /// The `SubjectPublicKeyInfo`, DER.
    pub der: Vec<u8>,
}

impl Cert {
    /// Reads one certificate: PEM `CERTIFICATE`, or base64 of its DER.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let (label, der) = der_of(text)?;
        match label.as_deref() {
            Some("CERTIFICATE") | None => Self::from_der(&der),
            Some(other) => Err(KeyError::Label(other.to_owned(), "a certificate")),
        }
    }

    /// Reads a certificate's DER.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        Certificate::from_der(der)
            .map(Cert)
            .map_err(|_| KeyError::Certificate)
    }

    /// Reads every certificate of a PEM bundle (one or more `CERTIFICATE` blocks).
    pub fn parse_bundle(text: &str) -> Result<Vec<Self>, KeyError> {
        let certs = Certificate::load_pem_chain(text.trim().as_bytes())
            .map_err(|_| KeyError::Certificate)?;
        if certs.is_empty() {
            return Err(KeyError::Certificate);
        }
        Ok(certs.into_iter().map(Cert).collect())
    }

    /// The serial number in upper-case hex, without the sign byte DER may add (the
    /// form WeChat Pay's `Wechatpay-Serial` names a platform certificate by).
    pub fn serial_hex(&self) -> String {
        let bytes = self.0.tbs_certificate.serial_number.as_bytes();
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        let significant = bytes.get(start..).unwrap_or_default();
        if significant.is_empty() {
            return "00".to_owned();
        }
        hex::encode_upper(significant)
    }

    /// The subject as RFC 4514 text.
    pub fn subject(&self) -> String {
        self.0.tbs_certificate.subject.to_string()
    }

    /// The subject's common names.
    fn common_names(&self) -> impl Iterator<Item = &str> {
        let name: &Name = &self.0.tbs_certificate.subject;
        name.0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .filter(|atv| atv.oid == COMMON_NAME)
            .filter(|atv| {
                matches!(
                    atv.value.tag(),
                    Tag::Utf8String | Tag::PrintableString | Tag::Ia5String
                )
            })
            .filter_map(|atv| std::str::from_utf8(atv.value.value()).ok())
    }

    /// The public key, which must be of `scheme`, as its SPKI DER (the keys module
    /// reads it: certificates sit below keys, so they hand over bytes, not a key).
    pub fn public_key(&self, scheme: SignatureScheme) -> Result<PublicKeyInfo, KeyError> {
        let info = &self.0.tbs_certificate.subject_public_key_info;
        let der = info.to_der().map_err(|_| KeyError::Certificate)?;
        match (scheme, info.algorithm.oid) {
            (SignatureScheme::RsaPkcs1, RSA_ENCRYPTION) | (SignatureScheme::Sm2, EC_PUBLIC_KEY) => {
                Ok(PublicKeyInfo { scheme, der })
            }
            _ => Err(KeyError::CertificateKey),
        }
    }

    /// Whether the certificate's signature is `issuer`'s key's.
    fn signed_by(&self, issuer: &Cert) -> Result<bool, CertificateFailure> {
        let subject = self.subject();
        let oid = self.0.signature_algorithm.oid;
        let (algorithm, scheme, form) = match oid {
            SHA256_WITH_RSA => (
                DigestAlgorithm::Rsa2,
                SignatureScheme::RsaPkcs1,
                SignatureForm::Der,
            ),
            SHA1_WITH_RSA => (
                DigestAlgorithm::Rsa,
                SignatureScheme::RsaPkcs1,
                SignatureForm::Der,
            ),
            // X.509 carries an SM2 signature as DER `SEQUENCE { r, s }` (GM/T 0015).
            SM2_WITH_SM3 => (
                DigestAlgorithm::Sm2Sm3,
                SignatureScheme::Sm2,
                SignatureForm::Der,
            ),
            other => {
                return Err(CertificateFailure::UnsupportedAlgorithm {
                    subject,
                    oid: other.to_string(),
                })
            }
        };
        // The inner algorithm must be the outer one (RFC 5280 §4.1.1.2), or the signed
        // bytes would say another algorithm than the one checked.
        if self.0.tbs_certificate.signature.oid != oid {
            return Ok(false);
        }
        let Ok(key) = issuer.public_key(scheme) else {
            return Ok(false);
        };
        let Ok(tbs) = self.0.tbs_certificate.to_der() else {
            return Ok(false);
        };
        let Some(signature) = self.0.signature.as_bytes() else {
            return Ok(false);
        };
        // The scheme's own key type, not `keys::VerifyingKey`: keys read certificates,
        // so certificates stay below them.
        let verified = match scheme {
            SignatureScheme::RsaPkcs1 => rsa_keys::PublicKey::from_spki_der(&key.der)
                .map(|k| k.verify(algorithm, &tbs, signature)),
            SignatureScheme::Sm2 => sm2_keys::PublicKey::from_spki_der(&key.der)
                .map(|k| k.verify(&tbs, signature, form)),
        };
        Ok(verified.unwrap_or(false))
    }

    /// Whether `now` (Unix seconds) is within the validity period.
    fn valid_at(&self, now: i64) -> Result<(), CertificateFailure> {
        let validity = &self.0.tbs_certificate.validity;
        let not_before = validity.not_before.to_unix_duration().as_secs();
        let not_after = validity.not_after.to_unix_duration().as_secs();
        let inside = u64::try_from(now).is_ok_and(|now| not_before <= now && now <= not_after);
        if inside {
            return Ok(());
        }
        Err(CertificateFailure::OutsideValidity {
            subject: self.subject(),
            not_before,
            not_after,
            now,
        })
    }

    /// The extension `oid` decoded as `T`: `None` when absent, `Err` when unreadable.
    fn extension<T: for<'a> x509_cert::der::Decode<'a>>(
        &self,
        oid: ObjectIdentifier,
    ) -> Result<Option<T>, ()> {
        let extensions = self.0.tbs_certificate.extensions.as_deref().unwrap_or(&[]);
        match extensions.iter().find(|e| e.extn_id == oid) {
            None => Ok(None),
            Some(e) => T::from_der(e.extn_value.as_bytes())
                .map(Some)
                .map_err(|_| ()),
        }
    }

    /// A CA that may sign certificates.
    fn is_issuing_ca(&self) -> bool {
        let ca = matches!(
            self.extension::<BasicConstraints>(BASIC_CONSTRAINTS),
            Ok(Some(BasicConstraints { ca: true, .. }))
        );
        let usage = match self.extension::<KeyUsage>(KEY_USAGE) {
            Ok(None) => true,
            Ok(Some(usage)) => usage.key_cert_sign(),
            Err(()) => false,
        };
        ca && usage
    }

    /// An end entity's certificate that may sign.
    fn is_signer(&self) -> bool {
        let ca = !matches!(
            self.extension::<BasicConstraints>(BASIC_CONSTRAINTS),
            Ok(Some(BasicConstraints { ca: false, .. }) | None)
        );
        let usage = match self.extension::<KeyUsage>(KEY_USAGE) {
            Ok(None) => true,
            Ok(Some(usage)) => usage.digital_signature() || usage.non_repudiation(),
            Err(()) => false,
        };
        !ca && usage
    }

    fn issuer_der(&self) -> Option<Vec<u8>> {
        self.0.tbs_certificate.issuer.to_der().ok()
    }

    fn subject_der(&self) -> Option<Vec<u8>> {
        self.0.tbs_certificate.subject.to_der().ok()
    }
}

/// What a carried certificate must chain to, and when.
#[derive(Debug)]
pub struct Trust<'a> {
    /// The trusted roots.
    pub roots: &'a [Cert],
    /// Intermediates that may stand between a root and the carried certificate.
    pub intermediates: &'a [Cert],
    /// The receiver's clock, Unix seconds.
    pub now: i64,
    /// The common name the carried certificate's subject must have.
    pub subject_cn: Option<&'a str>,
}

/// The key of `leaf`, once its path to one of `trust`'s roots checks out, of `scheme`.
pub fn chained_key(
    leaf: &Cert,
    trust: &Trust<'_>,
    scheme: SignatureScheme,
) -> Result<PublicKeyInfo, CertificateFailure> {
    let subject = leaf.subject();
    if let Some(expected) = trust.subject_cn {
        if !leaf.common_names().any(|cn| cn == expected) {
            return Err(CertificateFailure::SubjectMismatch {
                expected: expected.to_owned(),
                subject,
            });
        }
    }
    if !leaf.is_signer() {
        return Err(CertificateFailure::NotSigner { subject });
    }
    let mut current = leaf;
    for _ in 0..MAX_DEPTH {
        current.valid_at(trust.now)?;
        let issuer = current.issuer_der();
        let named = |c: &&Cert| issuer.is_some() && c.subject_der() == issuer;
        // A root whose name and key both fit ends the path; several roots may share a
        // name (a renewed root), so each is tried.
        let mut roots = trust.roots.iter().filter(named).peekable();
        let root_named = roots.peek().is_some();
        for root in roots {
            if current.signed_by(root)? {
                root.valid_at(trust.now)?;
                return leaf
                    .public_key(scheme)
                    .map_err(|_| CertificateFailure::KeyType {
                        subject: leaf.subject(),
                    });
            }
        }
        let mut next = None;
        let mut intermediate_named = false;
        for candidate in trust.intermediates.iter().filter(named) {
            intermediate_named = true;
            if std::ptr::eq(candidate, current) {
                continue;
            }
            if current.signed_by(candidate)? {
                next = Some(candidate);
                break;
            }
        }
        let Some(next) = next else {
            if root_named || intermediate_named {
                return Err(CertificateFailure::BadSignature {
                    subject: current.subject(),
                });
            }
            return Err(CertificateFailure::NotChained {
                subject: current.subject(),
                issuer: current.0.tbs_certificate.issuer.to_string(),
            });
        };
        if !next.is_issuing_ca() {
            return Err(CertificateFailure::NotCa {
                subject: next.subject(),
            });
        }
        current = next;
    }
    Err(CertificateFailure::TooLong { max: MAX_DEPTH })
}
