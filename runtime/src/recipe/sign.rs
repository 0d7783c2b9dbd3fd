//! Runs a signing recipe: the string to sign, the key, the digest chain; and checks a
//! received signature the same way.

use crate::crypto::credentials::Credentials;
use crate::crypto::digest::{decode_output, digest_chain, DigestTrace, StepError, StepKeys};
use crate::crypto::keys::KeyError;
use crate::error::{Error, ParamRule, SignatureFailure};
use crate::recipe::canonical::{canonical_string, SignedText};
use crate::recipe::key_source::{verifying_key, Presented};
use crate::recipe::template::{template_string, TemplateValues};
use paygen_protocol::{
    AlgorithmKind, ChoicePart, DigestOutput, KeyPlace, Recipe, RecipeChoice, SignInput, VerifyKey,
};
use std::ops::Range;

/// What a recipe signs, already taken from the message.
#[derive(Debug)]
pub enum SignSource<'a> {
    /// Top-level `(name, value)` pairs for a canonical string.
    Pairs(Vec<(&'a str, SignedText<'a>)>),
    /// Raw bytes: the payload field's text or the body.
    Bytes(&'a [u8]),
    /// The values of a template's parts.
    Parts(TemplateValues<'a>),
}

/// Every stage of one signature, with secrets masked: what `--explain` prints and what a
/// failing signature test compares stage by stage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SigningTrace {
    /// What the recipe signs.
    pub input: String,
    /// The canonical string, for canonical recipes (without the appended key).
    pub canonical: Option<String>,
    /// The string to sign, the secrets the recipe placed in it shown as `***`.
    pub string_to_sign: String,
    /// Each digest step's output.
    pub digests: Vec<DigestTrace>,
    /// The final signature (for an RSA verification, the received one).
    pub signature: String,
}

/// The string to sign, with where the recipe wrote secrets into it.
struct ToSign {
    bytes: Vec<u8>,
    /// Length of the canonical string at the start of `bytes`, for canonical input.
    canonical_len: Option<usize>,
    secrets: Vec<Range<usize>>,
}

/// Computes the signature of `source` under `recipe`.
pub fn sign(
    recipe: &Recipe,
    source: SignSource<'_>,
    credentials: &Credentials,
    trace: Option<&mut SigningTrace>,
) -> Result<String, Error> {
    let key = signing_key(recipe, credentials)?;
    let to_sign = string_to_sign(recipe, source, key, credentials)?;
    // Parsed once per credentials value and kept: only recipes with a signature step
    // need it.
    let private = match (recipe.signature_algorithm(), &recipe.key_credential, key) {
        (Some(algorithm), Some(name), Some(text)) => Some(
            credentials
                .private_key(name, algorithm, text)
                .map_err(|e| key_error(recipe, e))?,
        ),
        _ => None,
    };
    let keys = StepKeys {
        hmac: key.map(str::as_bytes),
        private: private.as_deref(),
    };
    let mut digests = trace.is_some().then(Vec::new);
    let signature = digest_chain(&to_sign.bytes, &recipe.digests, keys, digests.as_mut())
        .map_err(|e| step_error(recipe, e))?;
    if let Some(trace) = trace {
        explain(
            recipe,
            &to_sign,
            digests.unwrap_or_default(),
            &signature,
            trace,
        );
    }
    Ok(signature)
}

/// Whether `received` is the signature of `source` under `recipe`: recomputed and
/// compared in constant time for digests and HMACs (hex case ignored, base64 exact),
/// checked with the verify key for signatures (RSA, SM2), taken where the recipe's
/// key source says from what the message `presented`. `trace`, when given, is filled
/// with the stages (tooling asks for them; a client's call does not pay for them).
pub fn verify(
    recipe: &Recipe,
    source: SignSource<'_>,
    received: &str,
    credentials: &Credentials,
    presented: &Presented<'_>,
    trace: Option<&mut SigningTrace>,
) -> Result<bool, Error> {
    let Some((last, before)) = recipe.digests.split_last() else {
        return Ok(false);
    };
    if last.algorithm.kind() != AlgorithmKind::PublicKey {
        let expected = sign(recipe, source, credentials, trace)?;
        return Ok(same_text(&expected, received, last.output));
    }
    let key = signing_key(recipe, credentials)?;
    let to_sign = string_to_sign(recipe, source, key, credentials)?;
    // A recipe without a verify key verifies with its key credential (which then holds
    // the public key).
    let own;
    let source_of_key = match &recipe.verify_key {
        Some(source) => source,
        None => {
            own = VerifyKey::Credential(recipe.key_credential.clone().unwrap_or_default());
            &own
        }
    };
    let public = verifying_key(source_of_key, last.algorithm, credentials, presented)?;
    let keys = StepKeys {
        hmac: key.map(str::as_bytes),
        private: None,
    };
    let mut digests = Vec::new();
    let chained;
    let message: &[u8] = if before.is_empty() {
        &to_sign.bytes
    } else {
        let steps = trace.is_some().then_some(&mut digests);
        chained =
            digest_chain(&to_sign.bytes, before, keys, steps).map_err(|e| step_error(recipe, e))?;
        chained.as_bytes()
    };
    if let Some(trace) = trace {
        explain(recipe, &to_sign, digests, received, trace);
    }
    let Some(signature) = decode_output(received, last.output) else {
        return Ok(false);
    };
    let form = last.output.form().signature;
    Ok(public.verify(last.algorithm, message, &signature, form))
}

/// The signing key's text, when the recipe has one.
fn signing_key<'c>(
    recipe: &Recipe,
    credentials: &'c Credentials,
) -> Result<Option<&'c str>, Error> {
    match &recipe.key_credential {
        Some(name) => Ok(Some(credentials.get(name)?.expose())),
        None => Ok(None),
    }
}

fn key_error(recipe: &Recipe, error: KeyError) -> Error {
    Error::InvalidCredential {
        name: recipe
            .key_credential
            .as_deref()
            .unwrap_or_default()
            .to_owned(),
        reason: error.to_string(),
    }
}

fn step_error(recipe: &Recipe, error: StepError) -> Error {
    match error {
        StepError::Key(error) => key_error(recipe, error),
        // Validation rejects keyed steps in recipes without a key.
        StepError::NoKey(step) => Error::InvalidCredential {
            name: step.to_owned(),
            reason: error.to_string(),
        },
    }
}

/// Builds the string to sign, recording where the recipe placed the key.
fn string_to_sign(
    recipe: &Recipe,
    source: SignSource<'_>,
    key: Option<&str>,
    credentials: &Credentials,
) -> Result<ToSign, Error> {
    let placed = key.unwrap_or_default();
    let mut to_sign = ToSign {
        bytes: Vec::new(),
        canonical_len: None,
        secrets: Vec::new(),
    };
    match source {
        SignSource::Pairs(mut pairs) => {
            if let (KeyPlace::SortedField(name), Some(key)) = (&recipe.key_place, key) {
                pairs.push((name, SignedText::Secret(key)));
            }
            let mut canonical = String::with_capacity(pairs.len() * 32 + placed.len() + 16);
            to_sign.secrets = canonical_string(&mut pairs, &recipe.canonical, &mut canonical);
            to_sign.canonical_len = Some(canonical.len());
            to_sign.bytes = canonical.into_bytes();
        }
        SignSource::Bytes(bytes) => {
            to_sign.bytes = Vec::with_capacity(bytes.len() + placed.len() + 8);
            to_sign.bytes.extend_from_slice(bytes);
        }
        SignSource::Parts(values) => {
            template_string(&recipe.template, &values, credentials, &mut to_sign.bytes)?;
        }
    }
    if let (KeyPlace::Append(prefix), Some(key)) = (&recipe.key_place, key) {
        to_sign.bytes.extend_from_slice(prefix.as_bytes());
        let start = to_sign.bytes.len();
        to_sign.bytes.extend_from_slice(key.as_bytes());
        to_sign.secrets.push(start..to_sign.bytes.len());
    }
    Ok(to_sign)
}

/// Fills `trace`, masking the secrets at the places the recipe put them (and nowhere
/// else: a short key must not mask every matching character of the message).
fn explain(
    recipe: &Recipe,
    to_sign: &ToSign,
    digests: Vec<DigestTrace>,
    signature: &str,
    trace: &mut SigningTrace,
) {
    trace.input = match recipe.input {
        SignInput::Canonical => "canonical string of the top-level fields",
        SignInput::PayloadField => "text of the encoded payload field",
        SignInput::Body => "raw body bytes",
        SignInput::Template => "template of the message's parts",
        SignInput::Member => "raw text of the response member",
    }
    .into();
    trace.canonical = to_sign.canonical_len.map(|len| {
        masked(
            to_sign.bytes.get(..len).unwrap_or_default(),
            &to_sign.secrets,
        )
    });
    trace.string_to_sign = masked(&to_sign.bytes, &to_sign.secrets);
    trace.digests = digests;
    trace.signature = signature.to_owned();
}

/// `bytes` as text with every range of `secrets` (that lies within it) shown as `***`.
fn masked(bytes: &[u8], secrets: &[Range<usize>]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for range in secrets {
        // Ranges come in writing order and never overlap; skip any that would not fit.
        if range.end > bytes.len() || range.start < at {
            continue;
        }
        out.extend_from_slice(bytes.get(at..range.start).unwrap_or_default());
        out.extend_from_slice(b"***");
        at = range.end;
    }
    out.extend_from_slice(bytes.get(at..).unwrap_or_default());
    String::from_utf8_lossy(&out).into_owned()
}

/// Constant-time comparison; hex case carries no information, so it is ignored, and
/// base64 (of any alphabet and padding) is compared exactly.
fn same_text(expected: &str, received: &str, output: DigestOutput) -> bool {
    let (expected, received) = if output.is_hex() {
        (expected.to_ascii_lowercase(), received.to_ascii_lowercase())
    } else {
        (expected.to_owned(), received.to_owned())
    };
    crate::crypto::secret::same_text(&expected, &received)
}

/// What a [`RecipeChoice`]'s part is read from: the credentials, the message's
/// top-level fields (the one being signed, or the one received), and the received
/// signature, for a received field's fallback by its hex length.
pub struct ChoiceSource<'a> {
    /// The credentials a credential part reads.
    pub credentials: &'a Credentials,
    /// A top-level field's value as text, `None` when absent.
    pub field: &'a dyn Fn(&str) -> Option<String>,
    /// The received signature; `None` when signing, where the writer of the message
    /// sets its field and the fallback by the signature's form has nothing to read.
    pub signature: Option<&'a str>,
    /// The received text, for a refusal's error.
    pub body: &'a str,
}

/// The recipe a signature or check uses: its own `recipe`, or the one its `choose_by`
/// part's value names.
///
/// - A credential is required ([`Error::MissingCredential`]) and its value must be one
///   of the choice's ([`Error::InvalidCredential`] listing them): there is no fallback.
/// - A request field absent leaves `recipe` (the provider's documented default);
///   present, a value not listed is [`Error::InvalidParam`] naming the field, on the
///   client and on the provider's side alike.
/// - A received field absent or empty chooses by the signature's hex length when the
///   choice says so; otherwise, or for a value not listed, the message is refused
///   ([`SignatureFailure::NoRecipe`]). Signing such a message (the provider's side),
///   the field is read as a request field is.
pub fn choose_recipe<'r>(
    recipe: &'r Recipe,
    choice: Option<&'r RecipeChoice>,
    source: &ChoiceSource<'_>,
) -> Result<&'r Recipe, Error> {
    let Some(choice) = choice else {
        return Ok(recipe);
    };
    match &choice.by {
        ChoicePart::Credential(name) => by_credential(choice, name, source.credentials),
        ChoicePart::RequestField(name) => by_sent_field(recipe, choice, name, source),
        ChoicePart::ReceivedField { field, .. } if source.signature.is_none() => {
            by_sent_field(recipe, choice, field, source)
        }
        ChoicePart::ReceivedField { field, .. } => {
            let named = (source.field)(field).filter(|v| !v.is_empty());
            let found = match &named {
                Some(value) => choice.choose(value),
                None => choice.by_hex_length(source.signature.unwrap_or_default()),
            };
            found.ok_or_else(|| {
                let why = match named {
                    Some(value) => format!(
                        "`{field}` is `{value}`, which names no signature recipe; expected one of: {}",
                        choice.values()
                    ),
                    None => no_hex_length(choice, field),
                };
                Error::Signature {
                    reason: SignatureFailure::NoRecipe(why),
                    body: source.body.to_owned(),
                }
            })
        }
    }
}

/// A field of the message being signed, or of a received request: absent, `recipe`.
fn by_sent_field<'r>(
    recipe: &'r Recipe,
    choice: &'r RecipeChoice,
    name: &str,
    source: &ChoiceSource<'_>,
) -> Result<&'r Recipe, Error> {
    let Some(value) = (source.field)(name) else {
        return Ok(recipe);
    };
    choice.choose(&value).ok_or_else(|| Error::InvalidParam {
        field: name.to_owned(),
        rule: ParamRule::NotAllowed {
            allowed: choice.recipes.iter().map(|o| o.value.to_string()).collect(),
        },
    })
}

fn no_hex_length(choice: &RecipeChoice, field: &str) -> String {
    let lengths: Vec<String> = match &choice.by {
        ChoicePart::ReceivedField { by_hex_length, .. } => {
            by_hex_length.iter().map(|o| o.length.to_string()).collect()
        }
        _ => Vec::new(),
    };
    if lengths.is_empty() {
        format!("no `{field}`, which chooses the signature recipe")
    } else {
        format!(
            "no `{field}`, and the signature is not {} hex digits",
            lengths.join(" or ")
        )
    }
}

fn by_credential<'r>(
    choice: &'r RecipeChoice,
    name: &str,
    credentials: &Credentials,
) -> Result<&'r Recipe, Error> {
    let given = credentials.get(name)?;
    let value = given.expose();
    choice.choose(value).ok_or_else(|| {
        // A secret credential's value never goes into an error.
        let shown = if given.is_secret() {
            "the value".to_owned()
        } else {
            format!("`{value}`")
        };
        Error::InvalidCredential {
            name: name.to_owned(),
            reason: format!(
                "{shown} chooses no signature recipe; expected one of: {}",
                choice.values()
            ),
        }
    })
}
