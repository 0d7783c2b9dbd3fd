//! The providers served: each spec loaded and lowered as the CLI does, with its
//! `sandbox:` section and the credentials the sandbox verifies and signs with.

use crate::config::{stand_in, SandboxConfig};
use crate::keys;
use crate::SandboxError;
use paygen::protocol::{Provider, Recipe, RecipeChoice, SignatureScheme, ValueSource};
use paygen::Credentials;
use paygen_codegen::spec::model::Sandbox as SandboxSpec;
use paygen_codegen::ValidSpec;
use std::collections::BTreeMap;

/// One provider as served.
#[derive(Debug)]
pub struct Served {
    /// The protocol, lowered from the spec.
    pub provider: Provider,
    /// The same protocol with unsigned responses, for replies the document sends unsigned.
    pub unsigned: Provider,
    /// The spec's `sandbox:` section, when it has one.
    pub sandbox: Option<SandboxSpec>,
    /// The credentials the sandbox verifies requests and signs replies with.
    pub credentials: Credentials,
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

/// A signature's recipe and every recipe its `choose_by` can choose.
fn with_choices<'r>(
    recipe: &'r Recipe,
    choice: Option<&'r RecipeChoice>,
) -> impl Iterator<Item = &'r Recipe> {
    let options = choice.into_iter().flat_map(|c| c.recipes.iter());
    std::iter::once(recipe).chain(options.map(|option| &option.recipe))
}

/// Whether the merchant's credential `name` is a signature (RSA, SM2) key, whose, and
/// of which scheme: the key of a signed request recipe is the merchant's, the verify key
/// of a signed reply or notification recipe the provider's.
pub fn key_owner(provider: &Provider, name: &str) -> Option<(KeyOwner, SignatureScheme)> {
    signature_key(provider, name).map(|key| (key.owner, key.scheme))
}

/// A merchant's signature key credential, as its recipe names it.
struct SignatureKey {
    owner: KeyOwner,
    /// The other half of the key pair (`pair`), which the provider's side holds.
    pair: Option<String>,
    scheme: SignatureScheme,
}

/// [`key_owner`], with the other half of the key pair that the recipe names.
fn signature_key(provider: &Provider, name: &str) -> Option<SignatureKey> {
    let named = |credential: &Option<paygen::protocol::Text>| credential.as_deref() == Some(name);
    let pair = |half: &Option<paygen::protocol::Text>| half.as_deref().map(str::to_owned);
    if let Some(signature) = &provider.request.signature {
        let recipes = with_choices(&signature.recipe, signature.choose_by.as_ref());
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
        Some(paygen::protocol::VerifyKey::BySerial { credential, .. }) => {
            (credential == name).then(|| pair(&r.verify_key_pair))
        }
        Some(source) => {
            (source.single_credential() == Some(name)).then(|| pair(&r.verify_key_pair))
        }
        None => named(&r.key_credential).then(|| pair(&r.key_pair)),
    };
    for check in checks {
        let mut recipes = with_choices(&check.recipe, check.choose_by.as_ref());
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

/// The credentials a spec is served with by default: the first documented example's
/// sample credentials, else, for a credential that chooses the request recipe
/// (`choose_by`), the value choosing the spec's `recipe`, else for an RSA or SM2 key
/// the sandbox's throwaway key of that scheme ([`keys`]: the merchant's private key,
/// the provider's public key), else `stand_in` values. These are the merchant's (a client's) values.
pub fn default_credentials(spec: &ValidSpec) -> BTreeMap<String, String> {
    let provider = paygen_codegen::lower(spec);
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
            let value = sample
                .and_then(|s| s.get(&name))
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .or_else(|| {
                    chooser
                        .filter(|(credential, _)| *credential == name)
                        .map(|(_, value)| value.to_owned())
                })
                .or_else(|| key_set(&provider, spec, &name))
                .or_else(|| {
                    key_owner(&provider, &name).map(|(owner, scheme)| {
                        let pair = keys::pair(scheme);
                        match owner {
                            KeyOwner::Merchant => pair.merchant_private.to_owned(),
                            KeyOwner::Provider => pair.provider_public.to_owned(),
                        }
                    })
                })
                .unwrap_or_else(|| stand_in(&name));
            (name, value)
        })
        .collect()
}

/// A client's credentials from texts such as [`default_credentials`] gives; a text the
/// runtime cannot read (a key set) is left out, so the call that needs it fails and
/// says so.
pub fn client_credentials(provider: &Provider, values: &BTreeMap<String, String>) -> Credentials {
    let mut credentials = Credentials::new();
    for def in provider.credentials.iter() {
        let value = values.get(def.name.as_ref()).cloned().unwrap_or_default();
        let with = credentials.clone().text(provider, def, value);
        credentials = with.unwrap_or(credentials);
    }
    credentials
}

/// A key set's default: the sandbox's provider public key of the recipe's scheme, under
/// the serial the sandbox sends (its `signature_headers` constant for the recipe's
/// serial header), in the JSON text form of `paygen::KeySet::from_text`.
fn key_set(provider: &Provider, spec: &ValidSpec, name: &str) -> Option<String> {
    use paygen::protocol::VerifyKey;
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
    let sandbox = spec.sandbox.as_ref();
    let serial = sandbox
        .into_iter()
        .flat_map(|s| s.signature_headers.iter())
        .find(|h| h.name.value.eq_ignore_ascii_case(header))
        .and_then(|h| match &h.value {
            paygen_codegen::spec::model::ValueSource::Constant(serial) => Some(serial.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "SANDBOX".to_owned());
    let keys = serde_json::json!({ serial: keys::pair(scheme).provider_public });
    Some(keys.to_string())
}

/// Loads every configured spec; credentials from the config replace the defaults.
pub fn load(config: &SandboxConfig) -> Result<BTreeMap<String, Served>, SandboxError> {
    let mut served = BTreeMap::new();
    for path in &config.specs {
        let loaded =
            paygen_codegen::load_file(path).map_err(|e| SandboxError::Spec(e.to_string()))?;
        let spec = loaded.spec;
        let mut provider = paygen_codegen::lower(&spec);
        // The sandbox serves each provider under `/<spec>`: a request's path, as its
        // client signs it (a template's `path`), starts there, and routing strips it as
        // it strips any environment's base path.
        let mut environments = provider.environments.to_vec();
        environments.push(paygen::protocol::Environment {
            name: "sandbox".into(),
            base_url: format!("http://sandbox/{}", provider.name).into(),
        });
        provider.environments = environments.into();
        let mut values = server_defaults(&provider, &spec);
        if let Some(given) = config.credentials.get(provider.name.as_ref()) {
            for (name, value) in given {
                let Some(slot) = values.iter_mut().find(|(n, _, _)| n == name) else {
                    return Err(SandboxError::Credentials(format!(
                        "`{}` has no credential `{name}` on the provider's side",
                        provider.name
                    )));
                };
                slot.2 = value.clone();
            }
        }
        let mut credentials = Credentials::new();
        for (name, secret, value) in values {
            credentials = if secret {
                credentials.secret(name, value)
            } else {
                credentials.plain(name, value)
            };
        }
        let mut unsigned = provider.clone();
        unsigned.response.verification = None;
        served.insert(
            provider.name.to_string(),
            Served {
                provider,
                unsigned,
                sandbox: spec.into_spec().sandbox,
                credentials,
            },
        );
    }
    for name in config.credentials.keys() {
        if !served.contains_key(name) {
            return Err(SandboxError::Credentials(format!(
                "no spec named `{name}` is served"
            )));
        }
    }
    Ok(served)
}

/// The credentials the provider's side holds, by name, whether secret, and default
/// value. The merchant's shared values as they are; for an RSA or SM2 key, the other half of
/// the pair its recipe names (`pair`: Alipay `app_public_key`, `alipay_private_key`);
/// not a credential that only supplies a request's notify URL (Alipay `notify_url`),
/// which the provider takes as sent.
pub fn server_defaults(provider: &Provider, spec: &ValidSpec) -> Vec<(String, bool, String)> {
    let merchant = default_credentials(spec);
    let notify_only: Vec<&str> = spec
        .sandbox
        .iter()
        .flat_map(|s| s.operations.iter())
        .filter_map(|o| o.notify_url.as_ref())
        .filter_map(|name| {
            let field = provider
                .request
                .common
                .iter()
                .chain(provider.operations.iter().flat_map(|o| o.common.iter()))
                .find(|f| f.name == name.value.as_str())?;
            match &field.value {
                ValueSource::Credential(credential) => Some(credential.as_ref()),
                _ => None,
            }
        })
        .collect();
    provider
        .credentials
        .iter()
        .filter(|def| !notify_only.contains(&def.name.as_ref()))
        .map(|def| {
            let name = def.name.to_string();
            match signature_key(provider, &name) {
                Some(SignatureKey {
                    owner,
                    pair: Some(own),
                    scheme,
                }) => {
                    let pair = keys::pair(scheme);
                    let (secret, key) = match owner {
                        KeyOwner::Merchant => (false, pair.merchant_public),
                        KeyOwner::Provider => (true, pair.provider_private),
                    };
                    (own, secret, key.to_owned())
                }
                _ => {
                    let value = merchant.get(&name).cloned().unwrap_or_default();
                    (name, def.secret, value)
                }
            }
        })
        .collect()
}
