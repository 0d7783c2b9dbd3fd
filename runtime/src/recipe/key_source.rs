//! The key that verifies a received signature, taken where the recipe's [`VerifyKey`]
//! says: a credential, the key of a key set that a received header names, or a
//! certificate the message carries once its chain checks out. Whatever the source, the
//! key material is read one way (a public key or a certificate, [`VerifyingKey::parse`]).
//!
//! A message chooses among configured keys, never adds one: an unknown serial, a
//! missing header or an untrusted certificate is a refusal naming what failed, and no
//! other key is tried.

use crate::crypto::certs::{chained_key, Cert, Trust};
use crate::crypto::credentials::{Credentials, KeyEntry};
use crate::crypto::key_text::{is_certificate, KeyError};
use crate::crypto::keys::VerifyingKey;
use crate::error::{CertificateFailure, Error, SignatureFailure};
use crate::recipe::template::TemplateValues;
use paygen_protocol::{CertificatePlace, DigestAlgorithm, VerifyKey};

/// What a received message presents to the key choice.
#[derive(Debug)]
pub struct Presented<'a> {
    /// The received HTTP headers.
    pub headers: &'a [(String, String)],
    /// The received top-level fields' (name, text) pairs.
    pub fields: &'a [(&'a str, &'a str)],
    /// The receiver's clock, Unix seconds.
    pub now: i64,
    /// The received body, for the errors.
    pub body: &'a str,
}

impl Presented<'_> {
    /// The one value of header `name` (case-insensitive); `None` when absent or sent
    /// twice, so that no copy is chosen over another.
    fn header(&self, name: &str) -> Option<&str> {
        let headers = TemplateValues {
            headers: self.headers,
            ..TemplateValues::default()
        };
        headers.header(name).map(str::trim)
    }

    /// The one field `name`; `None` when absent or given twice.
    fn field(&self, name: &str) -> Option<&str> {
        let mut found = self.fields.iter().filter(|(n, _)| *n == name);
        match (found.next(), found.next()) {
            (Some((_, value)), None) => Some(value),
            _ => None,
        }
    }

    fn refuse(&self, reason: SignatureFailure) -> Error {
        Error::Signature {
            reason,
            body: self.body.to_owned(),
        }
    }
}

/// The key from `source` that verifies `algorithm`'s signatures of the message.
pub fn verifying_key(
    source: &VerifyKey,
    algorithm: DigestAlgorithm,
    credentials: &Credentials,
    presented: &Presented<'_>,
) -> Result<VerifyingKey, Error> {
    match source {
        VerifyKey::Credential(name) => {
            let text = credentials.get(name)?.expose();
            VerifyingKey::parse(algorithm, text).map_err(|e| invalid(name, &e))
        }
        VerifyKey::BySerial { credential, header } => {
            let Some(serial) = presented.header(header) else {
                return Err(presented.refuse(SignatureFailure::Missing(header.to_string())));
            };
            let text = key_by_serial(credentials, credential, serial)?.ok_or_else(|| {
                presented.refuse(SignatureFailure::UnknownSerial {
                    header: header.to_string(),
                    serial: shown(serial),
                })
            })?;
            VerifyingKey::parse(algorithm, text).map_err(|e| invalid(credential, &e))
        }
        VerifyKey::Carried(carried) => {
            let refuse = |failure| presented.refuse(SignatureFailure::Certificate(failure));
            let (place, text) = match &carried.from {
                CertificatePlace::Field(name) => (name, presented.field(name)),
                CertificatePlace::Header(name) => (name, presented.header(name)),
            };
            let text = text.filter(|t| !t.trim().is_empty());
            let text =
                text.ok_or_else(|| refuse(CertificateFailure::Missing(place.to_string())))?;
            let leaf = Cert::parse(text)
                .map_err(|_| refuse(CertificateFailure::Unreadable(place.to_string())))?;
            let roots = bundle(credentials, &carried.roots)?;
            let intermediates = match &carried.intermediates {
                Some(name) => bundle(credentials, name)?,
                None => Vec::new(),
            };
            let trust = Trust {
                roots: &roots,
                intermediates: &intermediates,
                now: presented.now,
                subject_cn: carried.subject_cn.as_deref(),
            };
            let scheme = algorithm.scheme().ok_or_else(|| {
                invalid(&carried.roots, &KeyError::NotSignature(algorithm.name()))
            })?;
            let info = chained_key(&leaf, &trust, scheme).map_err(refuse)?;
            VerifyingKey::from_public_key_info(&info).map_err(|_| {
                refuse(CertificateFailure::KeyType {
                    subject: leaf.subject(),
                })
            })
        }
    }
}

/// The text of the one key of key set `name` whose id is `serial`, if any. Two keys
/// under one id are a configuration error: which one signed would be a guess.
fn key_by_serial<'c>(
    credentials: &'c Credentials,
    name: &str,
    serial: &str,
) -> Result<Option<&'c str>, Error> {
    let keys = credentials.get_key_set(name)?;
    let mut found = None;
    for entry in keys.entries() {
        let (id, text) = match entry {
            KeyEntry::Key { id, text } => (id.clone(), text.as_str()),
            KeyEntry::Certificate(pem) => {
                if !is_certificate(pem) {
                    return Err(invalid(name, &KeyError::Certificate));
                }
                let cert = Cert::parse(pem).map_err(|e| invalid(name, &e))?;
                (cert.serial_hex(), pem.as_str())
            }
        };
        if id != serial {
            continue;
        }
        if found.is_some() {
            return Err(Error::InvalidCredential {
                name: name.to_owned(),
                reason: format!("two keys have the id `{id}`"),
            });
        }
        found = Some(text);
    }
    Ok(found)
}

/// The certificates of the PEM bundle in credential `name`; an empty value is none.
fn bundle(credentials: &Credentials, name: &str) -> Result<Vec<Cert>, Error> {
    let text = credentials.get(name)?.expose();
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    Cert::parse_bundle(text).map_err(|e| invalid(name, &e))
}

fn invalid(name: &str, error: &KeyError) -> Error {
    Error::InvalidCredential {
        name: name.to_owned(),
        reason: error.to_string(),
    }
}

/// A received serial as an error shows it: at most 64 characters of it.
fn shown(serial: &str) -> String {
    serial.chars().take(64).collect()
}
