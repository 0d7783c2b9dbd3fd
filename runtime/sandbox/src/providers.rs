//! The providers served: each spec loaded and lowered as the CLI does, with its
//! `sandbox:` section and the credentials the sandbox verifies and signs with.

use crate::config::SandboxConfig;
use crate::keys;
use crate::SandboxError;
use paygen::protocol::{Provider, ValueSource};
use paygen::Credentials;
use paygen_codegen::spec::model::Sandbox as SandboxSpec;
use paygen_codegen::stand_in;
pub use paygen_codegen::stand_in::{key_owner, KeyOwner};
use paygen_codegen::stand_in::{signature_key, SignatureKey};
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

/// The merchant's credentials the sandbox serves `spec` with by default, by name, in
/// their text form (a key set as the JSON object of `paygen::KeySet::from_text`): what
/// a generated client's `Credentials::sandbox()` holds (see
/// [`paygen_codegen::stand_in::credentials`], the one derivation of both).
pub fn default_credentials(spec: &ValidSpec) -> BTreeMap<String, String> {
    stand_in::credentials(spec)
        .into_iter()
        .map(|(name, value)| (name, value.to_text()))
        .collect()
}

/// A client's credentials from texts such as [`default_credentials`] gives; a
/// credential without a text, or with one the runtime cannot read (a key set that is
/// not one), is an error naming it.
pub fn client_credentials(
    provider: &Provider,
    values: &BTreeMap<String, String>,
) -> Result<Credentials, SandboxError> {
    let mut credentials = Credentials::new();
    for def in provider.credentials.iter() {
        let Some(value) = values.get(def.name.as_ref()) else {
            return Err(SandboxError::Credentials(format!(
                "`{}` has no value for credential `{}`",
                provider.name, def.name
            )));
        };
        credentials = credentials
            .text(provider, def, value.as_str())
            .map_err(|e| SandboxError::Credentials(format!("`{}`: {e}", provider.name)))?;
    }
    Ok(credentials)
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
