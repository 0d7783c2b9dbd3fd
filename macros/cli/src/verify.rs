//! `paygen verify-response` and `paygen verify-notify`: signature checks over the raw
//! received values, through the same runtime the generated clients use, then the
//! message's field table, as a generated client's typed decoding would apply it.

use crate::{input, CliError};
use paygen::tooling::decode::{
    decode_notification_explained, judge_response_explained, SignatureExplanation,
};
use paygen::tooling::received::{check_fields, check_present_fields};
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
    a.describe()
}

/// How a refusal came to be believed, for the exit-3 line.
fn refusal_source(a: Authenticity) -> &'static str {
    match a {
        Authenticity::Verified => "signature verified",
        Authenticity::Unsigned => "unsigned protocol",
        Authenticity::UnsignedErrorReply => "unsigned error reply",
        Authenticity::EncryptedOnly => "only encrypted, not signed",
        Authenticity::Checksum => "a keyless checksum",
        Authenticity::Sealed => "sealed with the shared AEAD key, not signed",
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

/// Prints what the signature check computed over the received values: the string to
/// sign with the secrets masked where the recipe put them, each digest, and the
/// expected and received signatures.
fn print_explanation(explain: &SignatureExplanation) {
    if !explain.checked {
        println!("# signature: none checked (unsigned message or documented unsigned shape)");
        return;
    }
    let trace = &explain.trace;
    println!("# signature check ({})", trace.input);
    crate::request::print_stages(trace, 19);
    match &explain.expected {
        Some(expected) => println!("expected signature: {expected}"),
        None => println!("expected signature: (RSA: checked with the provider's public key)"),
    }
    println!("received signature: {}", explain.received);
}

/// `paygen verify-response`: signature, response table, success rule (exit 0, 1 or 3).
#[allow(clippy::too_many_arguments)]
pub fn response(
    spec: &Path,
    operation: &str,
    credentials: &str,
    body: &str,
    headers: &[String],
    now: Option<i64>,
    explain: bool,
) -> Result<(), CliError> {
    let loaded = input::spec(spec)?;
    let provider = &loaded.provider;
    let operation = input::operation(provider, operation)?;
    let headers = parse_headers(headers)?;
    let credentials = input::credentials(provider, credentials)?;
    let clock = clock(now);
    let receiver = receiver(provider, &credentials, clock.as_ref());
    let mut explanation = SignatureExplanation::default();
    let judged = judge_response_explained(
        provider,
        operation,
        &receiver,
        body,
        &headers,
        Some(&mut explanation),
    );
    if explain {
        print_explanation(&explanation);
    }
    let (decoded, outcome) = judged.map_err(check_failed)?;
    // As a generated client: a refused reply becomes a refusal before the success type
    // is decoded, so only the values it does carry must fit the table.
    let fields_fit = match &outcome {
        Ok(()) => check_fields(&operation.response, &decoded.fields),
        Err(_) => check_present_fields(&operation.response, &decoded.fields),
    };
    fields_fit.map_err(|problem| {
        CliError::Check(format!(
            "the reply does not fit the response table of `{}`: {problem}",
            operation.name
        ))
    })?;
    println!(
        "{}",
        serde_json::to_string_pretty(&Value::Object(decoded.fields)).unwrap_or_default()
    );
    eprintln!("{}", authenticity(decoded.authenticity));
    match outcome {
        Ok(()) => Ok(()),
        Err(refusal) => Err(CliError::Refused(format!(
            "business result: failure ({}), `{}` is `{}`{}",
            refusal_source(decoded.authenticity),
            refusal.field,
            refusal.code,
            refusal
                .message
                .map(|m| format!(", message `{m}`"))
                .unwrap_or_default()
        ))),
    }
}

/// `paygen verify-notify`: signature and the notification's field table (exit 0 or 1).
pub fn notification(
    spec: &Path,
    name: Option<&str>,
    credentials: &str,
    received: &str,
    headers: &[String],
    now: Option<i64>,
    explain: bool,
) -> Result<(), CliError> {
    let loaded = input::spec(spec)?;
    let provider = &loaded.provider;
    let notification = input::notification(provider, name)?;
    let headers = parse_headers(headers)?;
    let credentials = input::credentials(provider, credentials)?;
    let clock = clock(now);
    let receiver = receiver(provider, &credentials, clock.as_ref());
    let mut explanation = SignatureExplanation::default();
    let decoded = decode_notification_explained(
        notification,
        &receiver,
        received,
        &headers,
        Some(&mut explanation),
    );
    if explain {
        print_explanation(&explanation);
    }
    let decoded = decoded.map_err(check_failed)?;
    check_fields(&notification.fields, &decoded.fields).map_err(|problem| {
        CliError::Check(format!(
            "the notification does not fit the field table of `{}`: {problem}",
            notification.name
        ))
    })?;
    let ack = paygen::inbound::ack_body(notification, &decoded.fields);
    let out = json!({
        "notification": notification.name,
        "authenticity": authenticity(decoded.authenticity),
        "fields": Value::Object(decoded.fields),
        "ack": ack,
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    Ok(())
}

/// `--header 'Name: value'` arguments as (name, value) pairs.
fn parse_headers(headers: &[String]) -> Result<Vec<(String, String)>, CliError> {
    headers
        .iter()
        .map(|header| match header.split_once(':') {
            Some((name, value)) => Ok((name.trim().to_owned(), value.trim().to_owned())),
            None => Err(CliError::Usage(format!(
                "--header `{header}` is not of the form `Name: value`"
            ))),
        })
        .collect()
}
