//! Replying as the provider: responses and notifications encoded and signed as the
//! provider sends them, the signature in a field or in a header.

use crate::clock::{Clock, NonceSource, RandomNonce, SystemClock};
use crate::crypto::credentials::Credentials;
use crate::message::encode::render_body;
use crate::message::payload::{encode_document, encode_payload};
use crate::recipe::canonical::SignedText;
use crate::recipe::sign::{choose_recipe, sign, ChoiceSource, SignSource};
use crate::recipe::template::TemplateValues;
use crate::wire::{write_json_string, WireValue};
use paygen_protocol::{
    template_pieces, BodyFormat, InnerFormat, Notification, Operation, Payload, Piece, Provider,
    SignInput, Verification,
};
use serde_json::{Map, Value};
use std::borrow::Cow;

use super::recipes::{provider_recipe, KeyRole};
use super::values::{scalar_text, unwritable, wire_value};
use super::ServerError;

/// The body of `operation`'s response holding `fields`, in the provider's response
/// envelope (payload field, response member) and signed when responses are signed (a
/// member recipe over the member's exact text; RSA with the provider's private key,
/// named by the recipe's `pair`).
pub fn encode_response(
    provider: &Provider,
    operation: &Operation,
    credentials: &Credentials,
    fields: &Map<String, Value>,
) -> Result<String, ServerError> {
    encode_response_with(provider, operation, credentials, fields, &RandomNonce)
}

/// [`encode_response`] with the nonces an encrypted payload needs (AES-GCM's) drawn
/// from `nonce`, so that tests can pin every byte.
pub fn encode_response_with(
    provider: &Provider,
    operation: &Operation,
    credentials: &Credentials,
    fields: &Map<String, Value>,
    nonce: &dyn NonceSource,
) -> Result<String, ServerError> {
    let envelope = &provider.response;
    if let Some(header) = envelope
        .verification
        .as_ref()
        .and_then(|v| v.header.as_ref())
    {
        // The body alone cannot carry a header; a sandbox would need headers back too.
        return Err(ServerError::Unsupported(format!(
            "responses signed in the `{header}` header"
        )));
    }
    let member = operation.response_members.first().map(|m| m.as_ref());
    encode_message(
        envelope.body,
        &envelope.payload,
        envelope.verification.as_ref(),
        member,
        credentials,
        fields,
        nonce,
    )
}

/// A message as the provider sends it when its signature travels in a header (WeChat
/// Pay APIv3): the body, and the headers to send with it, the signature's last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedMessage {
    /// The body (or query string).
    pub body: String,
    /// The headers the recipe signs (as given) and the one carrying the signature; empty
    /// when the signature is a field of the body or the message is unsigned.
    pub headers: Vec<(String, String)>,
}

/// [`encode_response_with`] for any envelope: a response signed in a header (its
/// `header` check) is written unsigned and signed over its template's parts, each
/// `{ header: … }` part taking its value from `header_values` (the provider's own
/// choice: WeChat Pay APIv3's `Wechatpay-Timestamp` and `Wechatpay-Nonce`), which are
/// sent with it.
pub fn encode_response_signed(
    provider: &Provider,
    operation: &Operation,
    credentials: &Credentials,
    fields: &Map<String, Value>,
    nonce: &dyn NonceSource,
    header_values: &[(String, String)],
) -> Result<SignedMessage, ServerError> {
    let envelope = &provider.response;
    let member = operation.response_members.first().map(|m| m.as_ref());
    let write = |verification: Option<&Verification>| {
        encode_message(
            envelope.body,
            &envelope.payload,
            verification,
            member,
            credentials,
            fields,
            nonce,
        )
    };
    signed_in_header(
        envelope.verification.as_ref(),
        credentials,
        &HeaderMaking::given(header_values),
        write,
    )
}

/// [`encode_notification_with`] for any envelope, as [`encode_response_signed`].
pub fn encode_notification_signed(
    notification: &Notification,
    credentials: &Credentials,
    fields: &Map<String, Value>,
    nonce: &dyn NonceSource,
    header_values: &[(String, String)],
) -> Result<SignedMessage, ServerError> {
    let write = |verification: Option<&Verification>| {
        encode_message(
            notification.body,
            &notification.payload,
            verification,
            None,
            credentials,
            fields,
            nonce,
        )
    };
    signed_in_header(
        notification.verification.as_ref(),
        credentials,
        &HeaderMaking::given(header_values),
        write,
    )
}

/// `body` as sent under `verification` when it signs in a header: WeChat Pay APIv3's
/// `204 No Content`, whose empty body is still signed.
pub fn sign_body_in_header(
    verification: Option<&Verification>,
    credentials: &Credentials,
    body: &str,
    header_values: &[(String, String)],
) -> Result<SignedMessage, ServerError> {
    sign_body_in_header_with(
        verification,
        credentials,
        body,
        header_values,
        &SystemClock,
        &RandomNonce,
    )
}

/// [`sign_body_in_header`] with the `{timestamp}` (Unix seconds) and `{nonce}` (32
/// characters) of a header of auth parameters (`header_template`) drawn from `clock`
/// and `nonce`, so that tests can pin every byte.
pub fn sign_body_in_header_with(
    verification: Option<&Verification>,
    credentials: &Credentials,
    body: &str,
    header_values: &[(String, String)],
    clock: &dyn Clock,
    nonce: &dyn NonceSource,
) -> Result<SignedMessage, ServerError> {
    let header = HeaderMaking {
        values: header_values,
        clock,
        nonce,
    };
    signed_in_header(verification, credentials, &header, |_| Ok(body.to_owned()))
}

/// What a signature header is made of besides the signature: the headers the recipe
/// reads, and for a header of auth parameters the clock and nonce its `{timestamp}` and
/// `{nonce}` take.
pub(super) struct HeaderMaking<'a> {
    values: &'a [(String, String)],
    clock: &'a dyn Clock,
    nonce: &'a dyn NonceSource,
}

impl<'a> HeaderMaking<'a> {
    fn given(values: &'a [(String, String)]) -> Self {
        Self {
            values,
            clock: &SystemClock,
            nonce: &RandomNonce,
        }
    }
}

/// The message `write` makes, signed in its check's header when it has one: written
/// without a signature field, then signed over the template of the recipe (or the body)
/// with the provider's key. A header of auth parameters is written from its template,
/// and the recipe's `header_param` parts read it as the receiver will.
pub(super) fn signed_in_header(
    verification: Option<&Verification>,
    credentials: &Credentials,
    making: &HeaderMaking<'_>,
    write: impl Fn(Option<&Verification>) -> Result<String, ServerError>,
) -> Result<SignedMessage, ServerError> {
    let Some((check, header)) = verification.and_then(|v| Some((v, v.header.as_ref()?))) else {
        return Ok(SignedMessage {
            body: write(verification)?,
            headers: Vec::new(),
        });
    };
    let header_values = making.values;
    // A header signature's message chooses by no field of its own.
    let source = ChoiceSource {
        credentials,
        field: &|_| None,
        signature: None,
        body: "",
    };
    let chosen = choose_recipe(&check.recipe, check.choose_by.as_ref(), &source)?;
    let recipe = provider_recipe(chosen, KeyRole::Sign)?;
    let body = write(None)?;
    // The auth parameters but the signature, filled once: signed, then sent.
    let unsigned_params = match check.header_template.as_deref() {
        Some(template) => Some(param_header(template, credentials, making)?),
        None => None,
    };
    let mut with_params = header_values.to_vec();
    if let Some(params) = &unsigned_params {
        with_params.push((header.to_string(), params.fill("")));
    }
    let source = match recipe.input {
        SignInput::Body => SignSource::Bytes(body.as_bytes()),
        SignInput::Template => {
            for part in recipe.template.parts.iter() {
                if let paygen_protocol::TemplatePart::Header(name) = part {
                    if !header_values
                        .iter()
                        .any(|(n, _)| n.eq_ignore_ascii_case(name))
                    {
                        return Err(ServerError::Unsupported(format!(
                            "the recipe signs header `{name}`, for which no value was given"
                        )));
                    }
                }
            }
            SignSource::Parts(TemplateValues {
                method: "",
                path: "",
                timestamp: "",
                nonce: "",
                body: &body,
                headers: &with_params,
                header_template: check.header_template.as_deref().unwrap_or_default(),
            })
        }
        _ => {
            return Err(ServerError::Unsupported(format!(
                "a signature in the `{header}` header over this recipe's input"
            )))
        }
    };
    let signature = sign(&recipe, source, credentials, None)?;
    let mut headers = header_values.to_vec();
    let value = match &unsigned_params {
        Some(params) => params.fill(&signature),
        None => signature,
    };
    headers.push((header.to_string(), value));
    Ok(SignedMessage { body, headers })
}

/// A header of auth parameters with every value but the signature's.
pub(super) struct ParamHeader {
    /// The template's pieces, each placeholder but `{signature}` (`None`) replaced.
    pieces: Vec<Option<String>>,
}

impl ParamHeader {
    /// The header's value with `signature` in its place.
    fn fill(&self, signature: &str) -> String {
        let text = |piece: &Option<String>| piece.as_deref().unwrap_or(signature).to_owned();
        self.pieces.iter().map(text).collect()
    }
}

/// The values of a header template of auth parameters as the provider writes them:
/// `{timestamp}` the clock in Unix seconds, `{nonce}` 32 random characters, any other
/// placeholder its credential.
pub(super) fn param_header(
    template: &str,
    credentials: &Credentials,
    making: &HeaderMaking<'_>,
) -> Result<ParamHeader, ServerError> {
    let mut pieces = Vec::new();
    for piece in template_pieces(template) {
        pieces.push(match piece {
            Piece::Text(text) | Piece::Unclosed(text) => Some(text.to_owned()),
            Piece::Placeholder("signature") => None,
            Piece::Placeholder("timestamp") => {
                Some((making.clock.now_millis().div_euclid(1000)).to_string())
            }
            Piece::Placeholder("nonce") => {
                let mut nonce = String::with_capacity(32);
                making.nonce.fill(32, &mut nonce)?;
                Some(nonce)
            }
            Piece::Placeholder(name) => Some(credentials.get(name)?.expose().to_owned()),
        });
    }
    Ok(ParamHeader { pieces })
}

/// The body (or query string) of `notification` holding `fields`, signed with its
/// recipe when it is signed.
pub fn encode_notification(
    notification: &Notification,
    credentials: &Credentials,
    fields: &Map<String, Value>,
) -> Result<String, ServerError> {
    encode_notification_with(notification, credentials, fields, &RandomNonce)
}

/// [`encode_notification`] with the nonces an encrypted payload needs (AES-GCM's)
/// drawn from `nonce`, so that tests can pin every byte.
pub fn encode_notification_with(
    notification: &Notification,
    credentials: &Credentials,
    fields: &Map<String, Value>,
    nonce: &dyn NonceSource,
) -> Result<String, ServerError> {
    encode_message(
        notification.body,
        &notification.payload,
        notification.verification.as_ref(),
        None,
        credentials,
        fields,
        nonce,
    )
}

/// Writes one message: payload encoded, member wrapped, signature appended last.
pub(super) fn encode_message(
    format: BodyFormat,
    payload: &Payload,
    verification: Option<&Verification>,
    member: Option<&str>,
    credentials: &Credentials,
    fields: &Map<String, Value>,
    nonce: &dyn NonceSource,
) -> Result<String, ServerError> {
    // The provider signs with the recipe the message it writes names (a received
    // field's choice), or its credential's.
    let field = |name: &str| fields.get(name).and_then(scalar_text);
    let source = ChoiceSource {
        credentials,
        field: &field,
        signature: None,
        body: "",
    };
    let recipe = verification
        .map(|check| choose_recipe(&check.recipe, check.choose_by.as_ref(), &source))
        .transpose()?
        .map(|recipe| provider_recipe(recipe, KeyRole::Sign))
        .transpose()?;
    let recipe = recipe.as_deref();
    if let (Some(check), Some(recipe)) = (verification, recipe) {
        if let Some(scope) = &check.scope {
            return Err(ServerError::Unsupported(format!(
                "signatures inside the `{scope}` object"
            )));
        }
        if fields.contains_key(check.field.as_ref()) {
            return Err(unwritable(
                &check.field,
                "the signature field is written by the envelope",
            ));
        }
        if matches!(recipe.input, SignInput::Body | SignInput::Template) {
            return Err(ServerError::Unsupported(
                "a body or template signature cannot be written into a field of the body it \
                 covers"
                    .into(),
            ));
        }
    }
    let values: Vec<(&str, WireValue<'_>)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), wire_value(value)))
        .collect();
    let payload_value;
    let mut top: Vec<(&str, &WireValue<'_>)> = Vec::with_capacity(values.len() + 2);
    match payload {
        Payload::Inline => top.extend(values.iter().map(|(n, v)| (*n, v))),
        Payload::Field(field) if field.flatten => {
            let inner: Vec<(&str, &WireValue<'_>)> = values.iter().map(|(n, v)| (*n, v)).collect();
            payload_value = encode_payload(field, &inner, credentials, nonce)?;
            top.push((field.name.as_ref(), &payload_value));
        }
        Payload::Field(field) => {
            // The payload field holds its document as an object; absent, the message
            // has no payload (an error reply).
            let mut encoded = None;
            for (name, _) in &values {
                if *name != field.name {
                    continue;
                }
                let document = fields.get(*name).unwrap_or(&Value::Null);
                let Some(members) = document.as_object() else {
                    // Any JSON document (a list) is written as its text.
                    if field.inner == InnerFormat::Xml {
                        return Err(unwritable(name, "an XML payload's document is an object"));
                    }
                    let text = document.to_string();
                    encoded = Some(encode_document(field, text, credentials, nonce)?);
                    continue;
                };
                let inner: Vec<(&str, WireValue<'_>)> = members
                    .iter()
                    .map(|(n, v)| (n.as_str(), wire_value(v)))
                    .collect();
                let inner: Vec<(&str, &WireValue<'_>)> =
                    inner.iter().map(|(n, v)| (*n, v)).collect();
                encoded = Some(encode_payload(field, &inner, credentials, nonce)?);
            }
            payload_value = encoded.unwrap_or(WireValue::Text(Cow::Borrowed("")));
            for (name, value) in &values {
                if *name == field.name {
                    top.push((name, &payload_value));
                } else {
                    top.push((name, value));
                }
            }
        }
    }
    let member_text = match member {
        None => None,
        Some(_) if format != BodyFormat::Json => {
            return Err(ServerError::Unsupported(
                "response members exist in JSON bodies only".into(),
            ))
        }
        Some(_) => Some(render_body(BodyFormat::Json, &top)?),
    };
    let payload_signed = match payload {
        Payload::Field(field) => top
            .iter()
            .find(|(n, _)| *n == field.name)
            .map(|(_, v)| v.text().into_owned())
            .unwrap_or_default(),
        Payload::Inline => String::new(),
    };
    let signature = match (verification, recipe) {
        (Some(check), Some(recipe)) => {
            let source = match (recipe.input, &member_text) {
                (SignInput::Member, Some(text)) => SignSource::Bytes(text.as_bytes()),
                (SignInput::PayloadField, _) => SignSource::Bytes(payload_signed.as_bytes()),
                (SignInput::Canonical, None) => {
                    SignSource::Pairs(top.iter().map(|(n, v)| (*n, SignedText::Wire(v))).collect())
                }
                _ => {
                    return Err(ServerError::Unsupported(
                        "this recipe cannot sign this message shape".into(),
                    ))
                }
            };
            Some((check, sign(recipe, source, credentials, None)?))
        }
        _ => None,
    };
    finish(format, top, member, member_text, signature)
}

/// Appends the signature field, when signed, and writes the body.
pub(super) fn finish(
    format: BodyFormat,
    top: Vec<(&str, &WireValue<'_>)>,
    member: Option<&str>,
    member_text: Option<String>,
    signature: Option<(&Verification, String)>,
) -> Result<String, ServerError> {
    let signature = signature.map(|(check, text)| (check, WireValue::Text(Cow::Owned(text))));
    match (member, member_text) {
        (Some(member), Some(text)) => {
            let mut body = String::with_capacity(text.len() + member.len() + 64);
            body.push('{');
            write_json_string(member, &mut body);
            body.push(':');
            body.push_str(&text);
            if let Some((check, value)) = &signature {
                body.push(',');
                write_json_string(&check.field, &mut body);
                body.push(':');
                value.write_json(&mut body);
            }
            body.push('}');
            Ok(body)
        }
        _ => {
            // The same references, for as long as the signature lives.
            let mut all: Vec<(&str, &WireValue<'_>)> = top;
            if let Some((check, value)) = &signature {
                all.push((check.field.as_ref(), value));
            }
            Ok(render_body(format, &all)?)
        }
    }
}
