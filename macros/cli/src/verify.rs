//! `paygen verify-response` and `paygen verify-notify`: signature checks over the raw
//! received values, through the same runtime the generated clients use.

use crate::{input, CliError};
use paygen::decode::{decode_notification, judge_response_with_headers};
use paygen::{Authenticity, Clock, Error, FixedClock, Receiver, SystemClock};
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
        Authenticity::UnsignedErrorReply => {
            "unsigned error reply (a shape the protocol sends unsigned; never a success)"
        }
    }
}

/// The receiver's clock: pinned by `--now`, else the system's.
fn clock(now: Option<i64>) -> Box<dyn Clock> {
    match now {
        Some(seconds) => Box::new(FixedClock::at_unix_seconds(seconds)),
        None => Box::new(SystemClock),
    }
}

/// What the CLI checks received messages against: no seen-store, one message at a time.
fn receiver<'a>(
    provider: &paygen::protocol::Provider,
    credentials: &'a paygen::Credentials,
    clock: &'a dyn Clock,
) -> Receiver<'a> {
    Receiver {
        credentials,
        clock,
        utc_offset_minutes: provider.utc_offset_minutes,
        seen: None,
    }
}

pub fn response(
    spec: &Path,
    operation: &str,
    credentials: &str,
    body: &str,
    headers: &[String],
    now: Option<i64>,
) -> Result<(), CliError> {
    let loaded = input::spec(spec)?;
    let provider = &loaded.provider;
    let operation = input::operation(provider, operation)?;
    let headers = headers
        .iter()
        .map(|header| match header.split_once(':') {
            Some((name, value)) => Ok((name.trim().to_owned(), value.trim().to_owned())),
            None => Err(CliError::Usage(format!(
                "--header `{header}` is not of the form `Name: value`"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let credentials = input::credentials(provider, credentials)?;
    let clock = clock(now);
    let receiver = receiver(provider, &credentials, clock.as_ref());
    let (decoded, outcome) =
        judge_response_with_headers(provider, operation, &receiver, body, &headers)
            .map_err(check_failed)?;
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
    now: Option<i64>,
) -> Result<(), CliError> {
    let loaded = input::spec(spec)?;
    let provider = &loaded.provider;
    let notification = input::notification(provider, name)?;
    let credentials = input::credentials(provider, credentials)?;
    let clock = clock(now);
    let receiver = receiver(provider, &credentials, clock.as_ref());
    let decoded = decode_notification(notification, &receiver, received).map_err(check_failed)?;
    let out = json!({
        "notification": notification.name,
        "authenticity": authenticity(decoded.authenticity),
        "fields": Value::Object(decoded.fields),
        "ack": notification.ack,
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    Ok(())
}
