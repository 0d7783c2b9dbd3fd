//! Runs a signing recipe: the string to sign, the key, the digest chain.

use crate::canonical::{canonical_string, SignedText};
use crate::credentials::Credentials;
use crate::digest::{digest_chain, DigestTrace};
use crate::error::Error;
use paygen_protocol::{KeyPlace, Recipe, SignInput};

/// What a recipe signs, already taken from the message.
#[derive(Debug)]
pub enum SignSource<'a> {
    /// Top-level `(name, value)` pairs for a canonical string.
    Pairs(Vec<(&'a str, SignedText<'a>)>),
    /// Raw bytes: the payload field's text or the body.
    Bytes(&'a [u8]),
}

/// Every stage of one signature, with secrets masked: what `--explain` prints and what a
/// failing signature test compares stage by stage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SigningTrace {
    /// What the recipe signs.
    pub input: String,
    /// The canonical string, for canonical recipes (without the appended key).
    pub canonical: Option<String>,
    /// The string to sign, secrets shown as `***`.
    pub string_to_sign: String,
    /// Each digest step's output.
    pub digests: Vec<DigestTrace>,
    /// The final signature.
    pub signature: String,
}

/// Computes the signature of `source` under `recipe`.
pub fn sign(
    recipe: &Recipe,
    source: SignSource<'_>,
    credentials: &Credentials,
    trace: Option<&mut SigningTrace>,
) -> Result<String, Error> {
    let key = credentials.get(&recipe.key_credential)?.expose();
    let mut to_sign: Vec<u8>;
    let mut canonical_text = None;
    match source {
        SignSource::Pairs(mut pairs) => {
            if let KeyPlace::SortedField(name) = &recipe.key_place {
                pairs.push((name, SignedText::Str(key)));
            }
            let mut canonical = String::with_capacity(pairs.len() * 32 + key.len() + 16);
            canonical_string(&mut pairs, &recipe.canonical, &mut canonical);
            if trace.is_some() {
                canonical_text = Some(canonical.clone());
            }
            to_sign = canonical.into_bytes();
        }
        SignSource::Bytes(bytes) => {
            to_sign = Vec::with_capacity(bytes.len() + key.len() + 8);
            to_sign.extend_from_slice(bytes);
        }
    }
    if let KeyPlace::Append(prefix) = &recipe.key_place {
        to_sign.extend_from_slice(prefix.as_bytes());
        to_sign.extend_from_slice(key.as_bytes());
    }
    match trace {
        None => Ok(digest_chain(&to_sign, &recipe.digests, None)),
        Some(trace) => {
            let mask = |text: &str| {
                credentials
                    .secrets()
                    .filter(|secret| !secret.is_empty())
                    .fold(text.to_owned(), |acc, secret| acc.replace(secret, "***"))
            };
            trace.input = match recipe.input {
                SignInput::Canonical => "canonical string of the top-level fields".into(),
                SignInput::PayloadField => "text of the encoded payload field".into(),
                SignInput::Body => "raw body bytes".into(),
                SignInput::Member => "raw text of the response member".into(),
            };
            trace.canonical = canonical_text.map(|c| mask(&c));
            trace.string_to_sign = mask(&String::from_utf8_lossy(&to_sign));
            trace.digests.clear();
            let signature = digest_chain(&to_sign, &recipe.digests, Some(&mut trace.digests));
            trace.signature = signature.clone();
            Ok(signature)
        }
    }
}
