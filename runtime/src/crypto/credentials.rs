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

    /// The value of the credential `name`.
    pub fn get(&self, name: &str) -> Result<&CredentialValue, Error> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| Error::MissingCredential {
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
            .entries(self.entries.iter().map(|(n, v)| (n, v)))
            .finish()
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
