//! The credential values of one merchant, looked up by the names the spec uses.

use crate::error::Error;
use crate::secret::Secret;
use std::borrow::Cow;
use std::fmt;

/// Credential values by name. Secrets stay [`Secret`]s; plain identifiers print.
#[derive(Clone, Default)]
pub struct Credentials {
    entries: Vec<(Cow<'static, str>, CredentialValue)>,
}

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

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(n, v)| (n, v)))
            .finish()
    }
}
