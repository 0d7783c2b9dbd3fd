//! The credential values of one merchant, looked up by the names the spec uses.

use crate::crypto::keys::{KeyError, SigningKey};
use crate::crypto::secret::Secret;
use crate::error::Error;
use paygen_protocol::DigestAlgorithm;
use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, Mutex};

/// Credential values by name. Secrets stay [`Secret`]s; plain identifiers print.
#[derive(Clone, Default)]
pub struct Credentials {
    entries: Vec<(Cow<'static, str>, CredentialValue)>,
    /// Key-set credentials (several public keys or certificates, each under its id).
    key_sets: Vec<(Cow<'static, str>, KeySet)>,
    /// Private keys parsed from these credentials, once per credential and algorithm:
    /// parsing a PEM key costs about a tenth of the signature it makes. Shared by clones.
    private_keys: Arc<Mutex<ParsedKeys>>,
}

/// Parsed private keys by credential name and the algorithm they sign with (which
/// decides how the key is read: RSA with SHA-1 and SHA-256 use different libraries).
type ParsedKeys = Vec<(String, DigestAlgorithm, Arc<SigningKey>)>;

/// One credential's value.
#[derive(Clone, Debug)]
pub enum CredentialValue {
    /// An identifier that may be printed (merchant number, terminal id).
    Plain(String),
    /// A secret.
    Secret(Secret),
}

impl CredentialValue {
    /// The value's text, for the wire and for signing.
    pub fn expose(&self) -> &str {
        match self {
            CredentialValue::Plain(value) => value,
            CredentialValue::Secret(secret) => secret.expose(),
        }
    }

    /// True for secrets.
    pub fn is_secret(&self) -> bool {
        matches!(self, CredentialValue::Secret(_))
    }
}

impl Credentials {
    /// No credentials.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a printable credential.
    pub fn plain(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        self.entries
            .push((name.into(), CredentialValue::Plain(value.into())));
        self
    }

    /// Adds a secret credential.
    pub fn secret(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<Secret>) -> Self {
        self.entries
            .push((name.into(), CredentialValue::Secret(value.into())));
        self
    }

    /// Adds a key-set credential: the provider's public keys or certificates, of which
    /// a received message names one (WeChat Pay's `Wechatpay-Serial`).
    pub fn key_set(mut self, name: impl Into<Cow<'static, str>>, keys: KeySet) -> Self {
        self.key_sets.push((name.into(), keys));
        self
    }

    /// The value of the credential `name`. A key set has no one value: asking for it
    /// is an error, never an empty text.
    pub fn get(&self, name: &str) -> Result<&CredentialValue, Error> {
        if let Some(value) = self.entries.iter().find(|(n, _)| n == name) {
            return Ok(&value.1);
        }
        if self.key_sets.iter().any(|(n, _)| n == name) {
            return Err(Error::InvalidCredential {
                name: name.to_owned(),
                reason: "a key set (several keys chosen by serial) is not one value".into(),
            });
        }
        Err(Error::MissingCredential {
            name: name.to_owned(),
        })
    }

    /// The key-set credential `name`.
    pub fn get_key_set(&self, name: &str) -> Result<&KeySet, Error> {
        if let Some((_, keys)) = self.key_sets.iter().find(|(n, _)| n == name) {
            return Ok(keys);
        }
        if self.entries.iter().any(|(n, _)| n == name) {
            return Err(Error::InvalidCredential {
                name: name.to_owned(),
                reason: "one value, where a key set (`Credentials::key_set`) is expected".into(),
            });
        }
        Err(Error::MissingCredential {
            name: name.to_owned(),
        })
    }
}

impl Credentials {
    /// The private key in credential `name` (whose value is `text`) that signs with
    /// `algorithm`, parsed on first use and kept.
    pub(crate) fn private_key(
        &self,
        name: &str,
        algorithm: DigestAlgorithm,
        text: &str,
    ) -> Result<Arc<SigningKey>, KeyError> {
        // A poisoned lock only means a panic elsewhere mid-insert; the list stays valid.
        let mut parsed = self.private_keys.lock().unwrap_or_else(|e| e.into_inner());
        let found = parsed.iter().find(|(n, a, _)| n == name && *a == algorithm);
        if let Some((_, _, key)) = found {
            return Ok(Arc::clone(key));
        }
        let key = Arc::new(SigningKey::parse(algorithm, text)?);
        parsed.push((name.to_owned(), algorithm, Arc::clone(&key)));
        Ok(key)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(n, v)| (n, v as &dyn fmt::Debug)))
            .entries(self.key_sets.iter().map(|(n, v)| (n, v as &dyn fmt::Debug)))
            .finish()
    }
}

/// A provider's public keys and certificates, each under the id its messages name it
/// by: a public key under the id the provider gave it (`PUB_KEY_ID_...`), a certificate
/// under its serial number in upper-case hex.
#[derive(Clone, Default)]
pub struct KeySet {
    entries: Vec<KeyEntry>,
}

/// One key of a [`KeySet`].
#[derive(Clone)]
pub(crate) enum KeyEntry {
    /// A public key (PEM, bare base64, SM2 hex) and its id.
    Key {
        /// The id a message names it by.
        id: String,
        /// The key's text.
        text: String,
    },
    /// An X.509 certificate (PEM), named by its serial number.
    Certificate(String),
}

impl KeySet {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the public key `text` (PEM, bare base64, or hex for SM2) under `id`.
    pub fn public_key(mut self, id: impl Into<String>, text: impl Into<String>) -> Self {
        self.entries.push(KeyEntry::Key {
            id: id.into(),
            text: text.into(),
        });
        self
    }

    /// Adds a certificate (PEM), named by its serial number in upper-case hex.
    pub fn certificate(mut self, pem: impl Into<String>) -> Self {
        self.entries.push(KeyEntry::Certificate(pem.into()));
        self
    }

    /// The keys in the order added.
    pub(crate) fn entries(&self) -> &[KeyEntry] {
        &self.entries
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.entries.iter().map(|entry| match entry {
            KeyEntry::Key { id, .. } => format!("key {id}"),
            KeyEntry::Certificate(_) => "certificate".to_owned(),
        });
        f.debug_list().entries(shown).finish()
    }
}

#[cfg(test)]
mod key_cache_tests {
    use super::*;

    const KEY: &str = include_str!("../../tests/fixtures/rsa_test_key.pem");

    #[test]
    fn a_private_key_is_parsed_once_and_shared_by_clones() {
        let credentials = Credentials::new().secret("app_private_key", KEY);
        let rsa2 = DigestAlgorithm::Rsa2;
        let first = credentials
            .private_key("app_private_key", rsa2, KEY)
            .unwrap();
        let clone = credentials.clone();
        let again = clone.private_key("app_private_key", rsa2, KEY).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        // The same credential read for SHA-1 signing is another library's key.
        let sha1 = clone
            .private_key("app_private_key", DigestAlgorithm::Rsa, KEY)
            .unwrap();
        assert!(!Arc::ptr_eq(&first, &sha1));
        let bad = Credentials::new().secret("k", "not a key");
        assert!(bad.private_key("k", rsa2, "not a key").is_err());
        // The Debug output shows neither the key nor the parsed cache.
        assert!(!format!("{credentials:?}").contains("PRIVATE"));
    }
}
