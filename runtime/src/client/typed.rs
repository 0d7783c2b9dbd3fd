//! From decoded fields to the generated types, and how a call ended for its span.

use crate::error::{Error, Outcome};
use serde::de::DeserializeOwned;

/// How a call ended, for its tracing span: `success`, or the error's kind and outcome.
pub(crate) fn outcome_label<R>(result: &Result<R, Error>) -> &'static str {
    match result {
        Ok(_) => "success",
        Err(error) => match (error, error.outcome()) {
            (Error::Service(_), Outcome::NothingHappened) => "refused",
            (Error::Service(_), Outcome::Unknown) => "business_unknown",
            (_, Outcome::NothingHappened) => "not_sent_or_refused",
            (_, Outcome::Unknown) => "unknown",
        },
    }
}

/// Deserializes decoded fields into the generated type.
pub fn typed<R: DeserializeOwned>(
    fields: serde_json::Map<String, serde_json::Value>,
    body: &str,
) -> Result<R, Error> {
    serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| Error::Decode {
        reason: format!("fields do not match the spec: {e}"),
        body: body.to_owned(),
    })
}
