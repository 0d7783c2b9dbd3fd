//! The credentials the sandbox serves a spec with by default: the merchant's values a
//! client must hold to be accepted. One derivation for the sandbox (which verifies and
//! signs with them) and for a generated client's `Credentials::sandbox()`, so that the
//! two cannot drift and nobody counts `sandbox-<name>` padding by hand.

pub mod keys;

use crate::spec::model::ValueSource as SpecValue;
use crate::spec::ValidSpec;
use paygen_protocol::{Provider, Recipe, SignatureScheme, Text, VerifyKey};

/// A credential's stand-in when nothing else gives its value: `sandbox-<name>`, padded
/// with `0` to 32 characters (so that AES-256 keys are valid).
pub fn stand_in(credential: &str) -> String {
    format!("{:0<32}", format!("sandbox-{credential}"))
}

/// One credential's default value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StandIn {
    /// A text value (plain or secret, as the spec declares the credential).
    Text(String),
    /// A key set: each public key under the id the sandbox names it by.
    KeySet(Vec<(String, String)>),
}

impl StandIn {
    /// The value in the text form configuration files and the CLI give it (a key set as
    /// the JSON object of `paygen::KeySet::from_text`).
    pub fn to_text(&self) -> String {
        match self {
            StandIn::Text(text) => text.clone(),
            StandIn::KeySet(keys) => {
                let object: serde_json::Map<String, serde_json::Value> = keys
                    .iter()
                    .map(|(id, key)| (id.clone(), serde_json::Value::String(key.clone())))
                    .collect();
                serde_json::Value::Object(object).to_string()
            }
        }
    }
}

/// The merchant's credentials the sandbox serves `spec` with by default, in spec order:
/// the first documented example's sample credentials, else, for a credential that
/// chooses the request recipe (`choose_by`), the value choosing the spec's `recipe`,
/// else for a key set the sandbox's provider public key under the serial the sandbox
/// sends, else for an RSA or SM2 key the sandbox's throwaway key of that scheme
/// ([`keys`]: the merchant's private key, the provider's public key), else
/// [`stand_in`].
pub fn credentials(spec: &ValidSpec) -> Vec<(String, StandIn)> {
    let provider = crate::lower(spec);
    let sample = spec
        .operations
        .iter()
        .flat_map(|o| o.examples.iter())
        .find_map(|e| e.credentials.as_ref());
    let chooser = spec.protocol.request.signature.as_ref().and_then(|s| {
        let choice = s.choose_by.as_ref()?;
        let value = choice
            .recipes
            .iter()
            .find(|(_, recipe)| recipe.value == s.recipe.value)?
            .0;
        Some((choice.credential.as_ref()?.value.as_str(), value.as_str()))
    });
    spec.credentials
        .iter()
        .map(|c| {
            let name = c.name.value.clone();
            let text = sample
                .and_then(|s| s.get(&name))
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .or_else(|| {
                    chooser
                        .filter(|(credential, _)| *credential == name)
                        .map(|(_, value)| value.to_owned())
                });
            let value = match text {
                Some(text) => StandIn::Text(text),
                None => key_set(&provider, spec, &name)
                    .map(StandIn::KeySet)
                    .unwrap_or_else(|| {
                        StandIn::Text(match key_owner(&provider, &name) {
                            Some((owner, scheme)) => {
                                let pair = keys::pair(scheme);
                                match owner {
                                    KeyOwner::Merchant => pair.merchant_private.to_owned(),
                                    KeyOwner::Provider => pair.provider_public.to_owned(),
                                }
                            }
                            None => stand_in(&name),
                        })
                    }),
            };
            (name, value)
        })
        .collect()
}

/// A key set's default: the sandbox's provider public key of the recipe's scheme, under
/// the serial the sandbox sends (its `signature_headers` constant for the recipe's
/// serial header, else `SANDBOX`).
fn key_set(provider: &Provider, spec: &ValidSpec, name: &str) -> Option<Vec<(String, String)>> {
    let checks = provider.response.verification.iter();
    let checks = checks.chain(
        provider
            .notifications
            .iter()
            .filter_map(|n| n.verification.as_ref()),
    );
    let (header, scheme) = checks
        .map(|c| &c.recipe)
        .find_map(|r| match &r.verify_key {
            Some(VerifyKey::BySerial { credential, header }) if credential == name => {
                Some((header, scheme(r)?))
            }
            _ => None,
        })?;
    let serial = spec
        .sandbox
        .iter()
        .flat_map(|s| s.signature_headers.iter())
        .find(|h| h.name.value.eq_ignore_ascii_case(header))
        .and_then(|h| match &h.value {
            SpecValue::Constant(serial) => Some(serial.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "SANDBOX".to_owned());
    Some(vec![(
        serial,
        keys::pair(scheme).provider_public.to_owned(),
    )])
}

/// Whose key (RSA, SM2) a merchant's key credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOwner {
    /// The merchant's private key, signing requests (Alipay `app_private_key`).
    Merchant,
    /// The provider's public key, verifying replies and notifications (Alipay
    /// `alipay_public_key`).
    Provider,
}

/// The signature scheme of a recipe's public-key step, when it has one.
fn scheme(recipe: &Recipe) -> Option<SignatureScheme> {
    recipe.signature_algorithm().and_then(|a| a.scheme())
}

/// Whether the merchant's credential `name` is a signature (RSA, SM2) key, whose, and
/// of which scheme: the key of a signed request recipe is the merchant's, the verify key
/// of a signed reply or notification recipe the provider's.
pub fn key_owner(provider: &Provider, name: &str) -> Option<(KeyOwner, SignatureScheme)> {
    signature_key(provider, name).map(|key| (key.owner, key.scheme))
}

/// A merchant's signature key credential, as its recipe names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureKey {
    /// Whose key it is.
    pub owner: KeyOwner,
    /// The other half of the key pair (`pair`), which the provider's side holds.
    pub pair: Option<String>,
    /// The key's scheme.
    pub scheme: SignatureScheme,
}

/// [`key_owner`], with the other half of the key pair that the recipe names.
pub fn signature_key(provider: &Provider, name: &str) -> Option<SignatureKey> {
    let named = |credential: &Option<Text>| credential.as_deref() == Some(name);
    let pair = |half: &Option<Text>| half.as_deref().map(str::to_owned);
    if let Some(signature) = &provider.request.signature {
        let recipes = signature.all_recipes();
        let mut keyed = recipes.filter_map(|r| Some((r, scheme(r)?)));
        if let Some((r, scheme)) = keyed.find(|(r, _)| named(&r.key_credential)) {
            return Some(SignatureKey {
                owner: KeyOwner::Merchant,
                pair: pair(&r.key_pair),
                scheme,
            });
        }
    }
    let checks = provider.response.verification.iter().chain(
        provider
            .notifications
            .iter()
            .filter_map(|n| n.verification.as_ref()),
    );
    // A check without a verify key verifies with its key credential.
    let verifies_with = |r: &Recipe| match &r.verify_key {
        // Of a key set, the provider's side holds the one key `pair` names.
        Some(VerifyKey::BySerial { credential, .. }) => {
            (credential == name).then(|| pair(&r.verify_key_pair))
        }
        Some(source) => {
            (source.single_credential() == Some(name)).then(|| pair(&r.verify_key_pair))
        }
        None => named(&r.key_credential).then(|| pair(&r.key_pair)),
    };
    for check in checks {
        let mut recipes = check.all_recipes();
        let found = recipes.find_map(|r| Some((verifies_with(r)?, scheme(r)?)));
        if let Some((half, scheme)) = found {
            return Some(SignatureKey {
                owner: KeyOwner::Provider,
                pair: half,
                scheme,
            });
        }
    }
    None
}
