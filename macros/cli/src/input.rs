//! Reading the command line's inputs: specs, credentials and parameters as JSON.

use crate::CliError;
use paygen::protocol::{Environment, Notification, Operation, Provider};
use paygen::Credentials;
use paygen_codegen::suggest::suggestion;
use paygen_codegen::ValidSpec;
use serde_json::{Map, Value};
use std::path::Path;

/// A spec loaded and lowered.
pub struct Loaded {
    /// The validated model.
    pub spec: ValidSpec,
    /// Its protocol IR.
    pub provider: Provider,
}

/// Loads and validates a spec, then lowers it.
pub fn spec(path: &Path) -> Result<Loaded, CliError> {
    let loaded = paygen_codegen::load_file(path).map_err(|e| CliError::Usage(e.to_string()))?;
    let provider = paygen_codegen::lower(&loaded.spec);
    Ok(Loaded {
        spec: loaded.spec,
        provider,
    })
}

/// The error for a name the spec does not define, listing the ones it does.
fn unknown<'n>(
    kind: &str,
    name: &str,
    provider: &Provider,
    known: impl Iterator<Item = &'n str>,
) -> CliError {
    let known: Vec<&str> = known.collect();
    let hint = suggestion(name, known.iter().copied());
    let known = if known.is_empty() {
        "none".to_owned()
    } else {
        known.join(", ")
    };
    CliError::Usage(format!(
        "unknown {kind} `{name}`{hint}; {} has {known}",
        provider.name
    ))
}

/// The message of a parameter error, with a suggestion when the parameter is unknown.
pub fn with_suggestion(error: paygen::Error, fields: &[paygen::protocol::FieldDef]) -> String {
    match &error {
        paygen::Error::InvalidParam {
            field,
            rule: paygen::ParamRule::Unknown,
        } => format!(
            "{error}{}",
            suggestion(field, fields.iter().map(|f| f.name.as_ref()))
        ),
        _ => error.to_string(),
    }
}

/// The operation `name` of the provider.
pub fn operation<'p>(provider: &'p Provider, name: &str) -> Result<&'p Operation, CliError> {
    provider.operation(name).ok_or_else(|| {
        let known = provider.operations.iter().map(|o| o.name.as_ref());
        unknown("operation", name, provider, known)
    })
}

/// The environment `name`, or the spec's first.
pub fn environment<'p>(
    provider: &'p Provider,
    name: Option<&str>,
) -> Result<&'p Environment, CliError> {
    let found = match name {
        Some(name) => provider.environment(name),
        None => provider.environments.first(),
    };
    found.ok_or_else(|| {
        let known = provider.environments.iter().map(|e| e.name.as_ref());
        unknown("environment", name.unwrap_or_default(), provider, known)
    })
}

/// The notification `name`, or the spec's first.
pub fn notification<'p>(
    provider: &'p Provider,
    name: Option<&str>,
) -> Result<&'p Notification, CliError> {
    let found = match name {
        Some(name) => provider.notification(name),
        None => provider.notifications.first(),
    };
    found.ok_or_else(|| match name {
        Some(name) => {
            let known = provider.notifications.iter().map(|n| n.name.as_ref());
            unknown("notification", name, provider, known)
        }
        None => CliError::Usage(format!("{} defines no notifications", provider.name)),
    })
}

/// The JSON text of an argument given inline, or as `@path` in a file (the same rule
/// for every subcommand, so a value that works with one works with all).
pub fn json_argument(what: &str, given: &str) -> Result<String, CliError> {
    match given.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| CliError::Usage(format!("--{what} @{path}: {e}"))),
        None => Ok(given.to_owned()),
    }
}

/// Parses a JSON object argument (inline or `@path`).
pub fn object(what: &str, given: &str) -> Result<Map<String, Value>, CliError> {
    let text = json_argument(what, given)?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(CliError::Usage(format!("--{what} must be a JSON object"))),
        Err(e) => Err(CliError::Usage(format!(
            "--{what} is not valid JSON: {e} (to read it from a file, give @path)"
        ))),
    }
}

/// Credentials from a JSON object (inline or `@path`): every credential of the spec,
/// nothing else.
pub fn credentials(provider: &Provider, given: &str) -> Result<Credentials, CliError> {
    let map = object("credentials", given)?;
    for name in map.keys() {
        if !provider.credentials.iter().any(|c| c.name == name.as_str()) {
            let known = provider.credentials.iter().map(|c| c.name.as_ref());
            return Err(unknown("credential", name, provider, known));
        }
    }
    let mut credentials = Credentials::new();
    for def in provider.credentials.iter() {
        let value = match map.get(def.name.as_ref()) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => {
                return Err(CliError::Usage(format!(
                    "credential `{}` must be a string",
                    def.name
                )))
            }
            None => {
                return Err(CliError::Usage(format!(
                    "missing credential `{}`",
                    def.name
                )))
            }
        };
        credentials = credentials
            .text(provider, def, value)
            .map_err(|e| CliError::Usage(e.to_string()))?;
    }
    Ok(credentials)
}
