//! Reading received messages: parse the envelope, verify the signature over the raw
//! received values, decode the payload, judge success.

use crate::canonical::SignedText;
use crate::cipher::{aes256_ecb_decrypt_hex, base64_decode};
use crate::credentials::Credentials;
use crate::error::{Error, SignatureFailure};
use crate::raw_json::{signed_text, RawObject};
use crate::sign::{sign, SignSource, SigningTrace};
use paygen_protocol::{
    BodyFormat, Notification, Operation, Payload, PayloadEncoding, Provider, SignInput,
    SuccessRule, Verification,
};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

/// An HTTP response as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The raw body text.
    pub body: String,
}

/// How a decoded message's signature was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authenticity {
    /// The signature matched the received values.
    Verified,
    /// The protocol does not sign this message.
    Unsigned,
    /// The protocol signs only messages with a payload, and this one has none.
    NoPayload,
    /// An empty signature on an error reply, as the protocol allows.
    UnsignedErrorReply,
}

/// A received message after its envelope: business fields and how they were checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Business fields, payload decoded, signature field removed.
    pub fields: Map<String, Value>,
    /// How the signature was established.
    pub authenticity: Authenticity,
    /// The signing stages of the check, when a signature was verified.
    pub trace: Option<SigningTrace>,
}

struct TopField {
    name: String,
    signed_text: String,
    value: Value,
}

/// Decodes and verifies an operation's response, then applies its success rule.
pub fn decode_response(
    provider: &Provider,
    operation: &Operation,
    credentials: &Credentials,
    response: &HttpResponse,
) -> Result<Decoded, Error> {
    if !(200..300).contains(&response.status) {
        return Err(Error::HttpStatus {
            status: response.status,
            body: response.body.clone(),
        });
    }
    let (decoded, outcome) = judge_response(provider, operation, credentials, &response.body)?;
    match outcome {
        Ok(()) => Ok(decoded),
        Err((code, message)) => Err(Error::Business {
            code,
            message,
            body: response.body.clone(),
        }),
    }
}

/// A business failure found by the success rule: the code and message received.
pub type Refusal = (String, Option<String>);

/// Decodes and verifies a response body and applies the operation's success rule,
/// returning the decoded fields even when the provider refused. Fails only when the
/// body cannot be decoded or its signature does not hold (including an empty
/// signature on a reply that claims success).
pub fn judge_response(
    provider: &Provider,
    operation: &Operation,
    credentials: &Credentials,
    body: &str,
) -> Result<(Decoded, Result<(), Refusal>), Error> {
    let envelope = &provider.response;
    let decoded = decode_message(
        envelope.body,
        &envelope.payload,
        envelope.verification.as_ref(),
        credentials,
        body,
    )?;
    let outcome = judge(&operation.success, &decoded.fields);
    if outcome.is_ok() && decoded.authenticity == Authenticity::UnsignedErrorReply {
        return Err(Error::Signature {
            reason: SignatureFailure::EmptyOnSuccess,
            body: body.to_owned(),
        });
    }
    Ok((decoded, outcome))
}

/// Decodes and verifies an inbound notification (`input` is the body, or the query
/// string for GET notifications).
pub fn decode_notification(
    notification: &Notification,
    credentials: &Credentials,
    input: &str,
) -> Result<Decoded, Error> {
    decode_message(
        notification.body,
        &notification.payload,
        notification.verification.as_ref(),
        credentials,
        input,
    )
}

/// Parses, verifies and decodes one message.
pub fn decode_message(
    format: BodyFormat,
    payload: &Payload,
    verification: Option<&Verification>,
    credentials: &Credentials,
    body: &str,
) -> Result<Decoded, Error> {
    let decode_error = |reason: String| Error::Decode {
        reason,
        body: body.to_owned(),
    };
    let mut top = parse_top(format, body).map_err(decode_error)?;
    if let Payload::Field(p) = payload {
        if p.encoding == PayloadEncoding::Base64 {
            // A form decoder turns base64's `+` into a space: restore the text as sent,
            // once, for both the signature check and the decoding.
            for field in top.iter_mut().filter(|f| f.name == p.name) {
                field.signed_text = field.signed_text.replace(' ', "+");
            }
        }
    }
    let find = |name: &str| top.iter().find(|f| f.name == name);

    let mut authenticity = Authenticity::Unsigned;
    let mut trace = None;
    if let Some(check) = verification {
        let skip = check
            .only_when_present
            .as_deref()
            .is_some_and(|name| find(name).is_none());
        if skip {
            authenticity = Authenticity::NoPayload;
        } else {
            let received = find(&check.field).map(|f| f.signed_text.as_str());
            match received {
                None => {
                    return Err(Error::Signature {
                        reason: SignatureFailure::Missing(check.field.to_string()),
                        body: body.to_owned(),
                    })
                }
                Some("") if check.empty_on_error => {
                    authenticity = Authenticity::UnsignedErrorReply;
                }
                Some(received) => {
                    let mut stages = SigningTrace::default();
                    let expected =
                        expected_signature(check, payload, &top, body, credentials, &mut stages)?;
                    if !same_signature(&expected, received) {
                        return Err(Error::Signature {
                            reason: SignatureFailure::Mismatch,
                            body: body.to_owned(),
                        });
                    }
                    authenticity = Authenticity::Verified;
                    trace = Some(stages);
                }
            }
        }
    }

    let signature_field = verification.map(|v| v.field.as_ref());
    let mut fields = Map::new();
    for field in &top {
        if Some(field.name.as_str()) == signature_field {
            continue;
        }
        match payload {
            Payload::Field(p) if p.name == field.name => {
                let json = match p.encoding {
                    PayloadEncoding::Base64 => base64_decode(&field.signed_text),
                    PayloadEncoding::Aes256EcbHex => {
                        let key_name = p.key.as_deref().unwrap_or_default();
                        let key = credentials.get(key_name)?.expose();
                        aes256_ecb_decrypt_hex(key.as_bytes(), &field.signed_text)
                    }
                }
                .map_err(|e| decode_error(format!("payload `{}`: {e}", p.name)))?;
                let value: Value = serde_json::from_slice(&json)
                    .map_err(|e| decode_error(format!("payload `{}` is not JSON: {e}", p.name)))?;
                match value {
                    Value::Object(members) if p.flatten => fields.extend(members),
                    other => {
                        fields.insert(field.name.clone(), other);
                    }
                }
            }
            _ => {
                fields.insert(field.name.clone(), field.value.clone());
            }
        }
    }
    Ok(Decoded {
        fields,
        authenticity,
        trace,
    })
}

fn expected_signature(
    check: &Verification,
    payload: &Payload,
    top: &[TopField],
    body: &str,
    credentials: &Credentials,
    trace: &mut SigningTrace,
) -> Result<String, Error> {
    let recipe = &check.recipe;
    match recipe.input {
        SignInput::Canonical => {
            let pairs = top
                .iter()
                .filter(|f| f.name != check.field)
                .map(|f| (f.name.as_str(), SignedText::Str(&f.signed_text)))
                .collect();
            sign(recipe, SignSource::Pairs(pairs), credentials, Some(trace))
        }
        SignInput::PayloadField => {
            let text = match payload {
                Payload::Field(p) => top.iter().find(|f| f.name == p.name),
                Payload::Inline => None,
            }
            .map_or("", |f| f.signed_text.as_str());
            sign(
                recipe,
                SignSource::Bytes(text.as_bytes()),
                credentials,
                Some(trace),
            )
        }
        SignInput::Body => sign(
            recipe,
            SignSource::Bytes(body.as_bytes()),
            credentials,
            Some(trace),
        ),
    }
}

/// Constant-time comparison; hex case carries no information, so it is ignored.
fn same_signature(expected: &str, received: &str) -> bool {
    let expected = expected.to_ascii_lowercase();
    let received = received.trim().to_ascii_lowercase();
    expected.len() == received.len() && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

fn parse_top(format: BodyFormat, body: &str) -> Result<Vec<TopField>, String> {
    match format {
        BodyFormat::Json => {
            let object: RawObject<'_> = serde_json::from_str(body.trim())
                .map_err(|e| format!("body is not a JSON object: {e}"))?;
            object
                .0
                .into_iter()
                .map(|(name, raw)| {
                    let signed_text =
                        signed_text(raw).map_err(|e| format!("field `{name}`: {e}"))?;
                    let value = serde_json::from_str(raw.get())
                        .map_err(|e| format!("field `{name}`: {e}"))?;
                    Ok(TopField {
                        name,
                        signed_text,
                        value,
                    })
                })
                .collect()
        }
        BodyFormat::Form | BodyFormat::Query => Ok(form_urlencoded::parse(
            body.trim().trim_start_matches('?').as_bytes(),
        )
        .map(|(name, value)| TopField {
            name: name.into_owned(),
            signed_text: value.to_string(),
            value: Value::String(value.into_owned()),
        })
        .collect()),
    }
}

/// Applies a success rule; on failure gives the code and message found.
pub fn judge(
    rule: &SuccessRule,
    fields: &Map<String, Value>,
) -> Result<(), (String, Option<String>)> {
    let code = lookup(fields, &rule.field).map(text_of).unwrap_or_default();
    if !rule.equals.iter().any(|ok| *ok == code) {
        let message = rule
            .message
            .as_deref()
            .and_then(|path| lookup(fields, path))
            .map(text_of);
        return Err((code, message));
    }
    rule.and.iter().try_for_each(|inner| judge(inner, fields))
}

fn lookup<'v>(fields: &'v Map<String, Value>, path: &str) -> Option<&'v Value> {
    let mut parts = path.split('.');
    let mut current = fields.get(parts.next()?)?;
    for part in parts {
        current = current.get(part)?;
    }
    Some(current)
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
