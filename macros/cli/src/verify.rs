//! `paygen verify-response` and `paygen verify-notify`: signature checks over the raw
//! received values, through the same runtime the generated clients use.

use crate::{input, CliError};
use paygen::decode::{decode_notification, judge_response};
use paygen::{Authenticity, Error};
use serde_json::{json, Value};
use std::path::Path;

fn check_failed(error: Error) -> CliError {
    match error {
        Error::MissingCredential { .. } | Error::InvalidCredential { .. } => {
            CliError::Usage(error.to_string())
        }
        other => CliError::Check(other.to_string()),
    }
}

fn authenticity(a: Authenticity) -> &'static str {
    match a {
        Authenticity::Verified => "signature verified",
        Authenticity::Unsigned => "the protocol does not sign this message",
        Authenticity::NoPayload => "no payload, so no signature to verify (as the protocol says)",
        Authenticity::UnsignedErrorReply => {
            "unsigned error reply (empty signature, as the protocol allows)"
        }
    }
}

pub fn response(
    spec: &Path,
    operation: &str,
    credentials: &str,
    body: &str,
    headers: &[String],
) -> Result<(), CliError> {
    let loaded = input::spec(spec)?;
    let provider = &loaded.provider;
    let operation = input::operation(provider, operation)?;
    for header in headers {
        if !header.contains(':') {
            return Err(CliError::Usage(format!(
                "--header `{header}` is not of the form `Name: value`"
            )));
        }
    }
    let credentials = input::credentials(provider, credentials)?;
    let (decoded, outcome) =
        judge_response(provider, operation, &credentials, body).map_err(check_failed)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&Value::Object(decoded.fields)).unwrap_or_default()
    );
    eprintln!("{}", authenticity(decoded.authenticity));
    if let Err((code, message)) = outcome {
        eprintln!(
            "business result: failure, code `{code}`{}",
            message
                .map(|m| format!(", message `{m}`"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

pub fn notification(
    spec: &Path,
    name: Option<&str>,
    credentials: &str,
    received: &str,
) -> Result<(), CliError> {
    let loaded = input::spec(spec)?;
    let provider = &loaded.provider;
    let notification = input::notification(provider, name)?;
    let credentials = input::credentials(provider, credentials)?;
    let decoded =
        decode_notification(notification, &credentials, received).map_err(check_failed)?;
    let out = json!({
        "notification": notification.name,
        "authenticity": authenticity(decoded.authenticity),
        "fields": Value::Object(decoded.fields),
        "ack": notification.ack,
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    Ok(())
}
