//! The providers served: each spec loaded and lowered as the CLI does, with its
//! `sandbox:` section and the credentials the sandbox verifies and signs with.

use crate::config::{stand_in, SandboxConfig};
use crate::SandboxError;
use paygen::protocol::Provider;
use paygen::Credentials;
use paygen_codegen::spec::model::{Sandbox as SandboxSpec, Spec};
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

/// The credentials a spec is served with by default: the first documented example's
/// sample credentials, else, for a credential that chooses the request recipe
/// (`choose_by`), the value choosing the spec's `recipe`, else `stand_in` values.
pub fn default_credentials(spec: &Spec) -> BTreeMap<String, String> {
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
        Some((choice.credential.value.as_str(), value.as_str()))
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
                .unwrap_or_else(|| stand_in(&name));
            (name, value)
        })
        .collect()
}

/// Loads every configured spec; credentials from the config replace the defaults.
pub fn load(config: &SandboxConfig) -> Result<BTreeMap<String, Served>, SandboxError> {
    let mut served = BTreeMap::new();
    for path in &config.specs {
        let loaded =
            paygen_codegen::load_file(path).map_err(|e| SandboxError::Spec(e.to_string()))?;
        let spec = loaded.spec;
        let provider = paygen_codegen::lower(&spec);
        let mut values = default_credentials(&spec);
        if let Some(given) = config.credentials.get(provider.name.as_ref()) {
            for (name, value) in given {
                if !values.contains_key(name) {
                    return Err(SandboxError::Credentials(format!(
                        "`{}` has no credential `{name}`",
                        provider.name
                    )));
                }
                values.insert(name.clone(), value.clone());
            }
        }
        let mut credentials = Credentials::new();
        for def in provider.credentials.iter() {
            let value = values.get(def.name.as_ref()).cloned().unwrap_or_default();
            credentials = if def.secret {
                credentials.secret(def.name.clone(), value)
            } else {
                credentials.plain(def.name.clone(), value)
            };
        }
        let mut unsigned = provider.clone();
        unsigned.response.verification = None;
        served.insert(
            provider.name.to_string(),
            Served {
                provider,
                unsigned,
                sandbox: spec.sandbox,
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
