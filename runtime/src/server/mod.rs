//! The provider's side of every envelope: a received request decoded and verified
//! exactly as the provider would, and responses and notifications encoded and signed
//! as the provider sends them. The same envelopes, payload codecs and recipes as the
//! client side, run from the other end (the base of a provider sandbox).

use crate::clock::{Clock, NonceSource, RandomNonce, SystemClock};
use crate::crypto::credentials::Credentials;
use crate::error::{Error, ParamRule, SignatureFailure};
use crate::message::decode::{
    decode_received, single_header, text_of, Authenticity, EmptyBody, ExternalSignature, Receiver,
};
use crate::message::encode::render_body;
use crate::message::payload::{encode_document, encode_payload};
use crate::message::signature_header::{read_signature_header, read_template};
use crate::message::validate::validate_request;
use crate::recipe::canonical::SignedText;
use crate::recipe::sign::{choose_recipe, sign, ChoiceSource, SignSource};
use crate::recipe::template::{write_parts, TemplateValues};
use crate::wire::{write_json_string, WireFields, WireValue};
use paygen_protocol::{
    template_pieces, AlgorithmKind, BodyFormat, ChoicePart, FieldDef, InnerFormat, Notification,
    Operation, Payload, PayloadField, Piece, Provider, Recipe, RecipeChoice, SignInput,
    SignatureOutput, UnsignedFields, ValueSource, Verification, VerifyKey,
};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// An HTTP request as the provider's side received it.
#[derive(Debug, Clone, Copy)]
pub struct ReceivedRequest<'a> {
    /// The HTTP method (`POST`, `GET`...).
    pub method: &'a str,
    /// The request target: path and query, e.g. `/mct1/paylist` or `/api/query?a=1`.
    pub target: &'a str,
    /// The headers as received, in order.
    pub headers: &'a [(String, String)],
    /// The body text (empty for a GET).
    pub body: &'a str,
}

/// A request decoded by the provider's side: the operation it addresses and its fields.
#[derive(Debug, Clone)]
pub struct ServerRequest<'p> {
    /// The operation the request addresses.
    pub operation: &'p Operation,
    /// Business fields by wire name: signed fields only, common fields removed, path
    /// parameters added, values as received.
    pub fields: Map<String, Value>,
    /// Whether the request's signature was verified or the operation takes none.
    pub authenticity: Authenticity,
    /// The envelope's and the operation's common fields, as received (checked against
    /// the credentials the provider's side holds; see [`decode_request`]).
    pub common: Map<String, Value>,
}

/// Why the provider's side could not read a request or write a message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// No operation of the provider answers this method and path.
    #[error("no operation of `{provider}` answers {method} {path}")]
    NoOperation {
        /// The provider's spec name.
        provider: String,
        /// The request's method.
        method: String,
        /// The request's path, without its query.
        path: String,
    },
    /// The spec does not give what the provider's side needs (e.g. an RSA key).
    #[error("not supported on the provider's side: {0}")]
    Unsupported(String),
    /// The message broke a rule: `Signature`, `Decode`, `InvalidParam`, credentials.
    #[error(transparent)]
    Message(#[from] Error),
}

impl ServerError {
    /// The runtime error inside, when the message itself broke a rule.
    pub fn as_error(&self) -> Option<&Error> {
        match self {
            ServerError::Message(error) => Some(error),
            _ => None,
        }
    }
}

/// Finds the operations a request's method and path address, verifies its signature as
/// the provider would (an RSA signature with the other half of the merchant's key pair,
/// named by the recipe's `pair`), picks the operation among them by the verified fields
/// (one URL serving several operations: Alipay's `method`), and checks its fields
/// against the operation's table. The request is parsed once, and routing reads only
/// what was verified.
pub fn decode_request<'p>(
    provider: &'p Provider,
    receiver: &Receiver<'_>,
    request: &ReceivedRequest<'_>,
) -> Result<ServerRequest<'p>, ServerError> {
    let (path, _) = split_target(request.target);
    let envelope = &provider.request;
    let candidates = find_operations(provider, request.method, path);
    let no_operation = || ServerError::NoOperation {
        provider: provider.name.to_string(),
        method: request.method.to_owned(),
        path: path.to_owned(),
    };
    // Candidates share the method, so they read the same text; a signature is checked
    // when any of them is signed (never weaker than the operation finally picked).
    let Some((first, _)) = candidates.first() else {
        return Err(no_operation());
    };
    let signed = candidates.iter().any(|(op, _)| op.signed);
    let (format, text) = message_text(provider, first, request);
    // The request's payload holds the business fields: lift them to the top level.
    let payload = match &envelope.payload {
        Payload::Inline => Payload::Inline,
        Payload::Field(field) => Payload::Field(PayloadField {
            flatten: true,
            ..field.clone()
        }),
    };
    let signature = envelope.signature.as_ref().filter(|_| signed);
    // The operation is picked from what is decoded: the candidates' request tables
    // together say how each field reads (a `yuan` number keeps its text).
    let defs: Vec<FieldDef> = candidates
        .iter()
        .flat_map(|(op, _)| op.request.iter().cloned())
        .collect();
    let decoded = match signature {
        None => decode_received(
            format,
            &payload,
            None,
            &[],
            &defs,
            receiver,
            text,
            None,
            request.headers,
            None,
            EmptyBody::Refused,
        )?,
        Some(signature) => {
            // A choosing field is read unverified here: every recipe it can choose is
            // keyed and signs it, so a changed value fails the recipe it chose.
            let top = match &signature.choose_by {
                Some(RecipeChoice {
                    by: ChoicePart::RequestField(_),
                    ..
                }) => read_top(format, text)?,
                _ => Map::new(),
            };
            let field = |name: &str| top.get(name).and_then(scalar_text);
            let source = ChoiceSource {
                credentials: receiver.credentials,
                field: &field,
                signature: None,
                body: text,
            };
            let chosen = choose_recipe(&signature.recipe, signature.choose_by.as_ref(), &source)?;
            let recipe = provider_recipe(chosen, KeyRole::Verify)?;
            let recipe = recipe.as_ref();
            let (name, external) = match &signature.output {
                SignatureOutput::Field(name) => (name, None),
                SignatureOutput::Header { name, template } => {
                    let signed_by = |reason| Error::Signature {
                        reason,
                        body: text.to_owned(),
                    };
                    let missing = || signed_by(SignatureFailure::Missing(name.to_string()));
                    let value = single_header(request.headers, name, text)?.ok_or_else(missing)?;
                    let header =
                        read_signature_header(name, template, value, receiver.credentials, text)?;
                    if header.signature.is_empty() {
                        return Err(signed_by(SignatureFailure::Empty(name.to_string())).into());
                    }
                    let parts = (recipe.input == SignInput::Template).then_some(TemplateValues {
                        method: request.method,
                        path: request.target,
                        timestamp: header.timestamp,
                        nonce: header.nonce,
                        // The body as received: a request whose fields travel in the
                        // query signs an empty body, as the client does.
                        body: request.body,
                        headers: request.headers,
                        header_template: "",
                    });
                    let external = ExternalSignature {
                        signature: header.signature,
                        parts,
                    };
                    (name, Some(external))
                }
            };
            let check = request_check(recipe, name.clone());
            decode_received(
                format,
                &payload,
                Some(&check),
                &[],
                &defs,
                receiver,
                text,
                external,
                request.headers,
                None,
                EmptyBody::Refused,
            )?
        }
    };
    let mut fields = decoded.fields;
    let (operation, path_params) = pick(provider, candidates, &fields).ok_or_else(no_operation)?;
    check_credential_headers(provider, operation, receiver.credentials, request, text)?;
    let common = take_common_fields(provider, operation, receiver.credentials, &mut fields)?;
    for (name, value) in path_params {
        if fields.contains_key(name) {
            return Err(Error::InvalidParam {
                field: name.to_owned(),
                rule: ParamRule::Unwritable {
                    reason: "given both in the path and in the message".into(),
                },
            }
            .into());
        }
        fields.insert(name.to_owned(), Value::String(value));
    }
    validate_request(operation, &wire_fields(&fields))?;
    Ok(ServerRequest {
        operation,
        fields,
        authenticity: decoded.authenticity,
        common,
    })
}

/// The operation a request addresses, by method, path and (for one URL serving several
/// operations) its constant fields, read unverified: what an error reply to a request
/// that fails verification is written for.
pub fn route<'p>(provider: &'p Provider, request: &ReceivedRequest<'_>) -> Option<&'p Operation> {
    routed(provider, request).map(|(operation, _)| operation)
}

fn split_target(target: &str) -> (&str, &str) {
    target.split_once('?').unwrap_or((target, ""))
}

/// Whether an operation's fields travel in the query string.
fn in_query(provider: &Provider, operation: &Operation) -> bool {
    provider.request.body == BodyFormat::Query || operation.method == "GET"
}

/// The text of `request` that carries `operation`'s fields, and its format.
fn message_text<'r>(
    provider: &Provider,
    operation: &Operation,
    request: &ReceivedRequest<'r>,
) -> (BodyFormat, &'r str) {
    if in_query(provider, operation) {
        (BodyFormat::Query, split_target(request.target).1)
    } else {
        (provider.request.body, request.body)
    }
}

/// The one candidate, or the one whose constant fields (Alipay's `method`) `fields`
/// carry: one URL serving several operations.
fn pick<'p>(
    provider: &Provider,
    candidates: Vec<(&'p Operation, Vec<(&'p str, String)>)>,
    fields: &Map<String, Value>,
) -> Option<(&'p Operation, Vec<(&'p str, String)>)> {
    match candidates.len() {
        1 => candidates.into_iter().next(),
        _ => candidates
            .into_iter()
            .find(|(op, _)| constants_match(provider, op, fields)),
    }
}

/// The operation a request addresses and its path parameters.
fn routed<'p>(
    provider: &'p Provider,
    request: &ReceivedRequest<'_>,
) -> Option<(&'p Operation, Vec<(&'p str, String)>)> {
    let (path, _) = split_target(request.target);
    let candidates = find_operations(provider, request.method, path);
    let (first, _) = candidates.first()?;
    if candidates.len() == 1 {
        return candidates.into_iter().next();
    }
    // Several operations at one URL, read unverified and only to route an error reply.
    // Unreadable: only an operation without constants can be meant.
    let (format, text) = message_text(provider, first, request);
    let top = read_top(format, text).unwrap_or_default();
    pick(provider, candidates, &top)
}

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
struct HeaderMaking<'a> {
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
fn signed_in_header(
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
struct ParamHeader {
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
fn param_header(
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
fn encode_message(
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
fn finish(
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

fn unwritable(field: &str, reason: &str) -> ServerError {
    ServerError::Message(Error::InvalidParam {
        field: field.to_owned(),
        rule: ParamRule::Unwritable {
            reason: reason.to_owned(),
        },
    })
}

/// A decoded value as a value to send: strings as text, anything else as its JSON.
fn wire_value(value: &Value) -> WireValue<'_> {
    match value {
        Value::String(text) => WireValue::Text(Cow::Borrowed(text)),
        other => WireValue::Json(Cow::Borrowed(other)),
    }
}

/// A received scalar as the text a recipe choice compares.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Decoded fields as wire fields, for the request validator.
fn wire_fields(fields: &Map<String, Value>) -> WireFields<'_> {
    let mut wire = WireFields::with_capacity(fields.len());
    for (name, value) in fields {
        wire.push(Cow::Owned(name.clone()), wire_value(value));
    }
    wire
}

/// The check of a request's signature: the request recipe, every field covered.
fn request_check(recipe: &Recipe, field: paygen_protocol::Text) -> Verification {
    Verification {
        recipe: recipe.clone(),
        choose_by: None,
        field,
        scope: None,
        header: None,
        header_template: None,
        unsigned_error_when: Cow::Borrowed(&[]),
        unsigned_fields: UnsignedFields::Reject,
        freshness: None,
        nonce_field: None,
    }
}

/// What the provider's side does with a signature (RSA, SM2) recipe's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyRole {
    /// Verify what the merchant signed with its private key.
    Verify,
    /// Sign what the merchant verifies with the provider's public key.
    Sign,
}

/// The recipe as the provider's side runs it. Digests and HMACs use the shared key
/// unchanged; a signature recipe's roles swap to the other half of each key pair, as the
/// spec names it (`key: { credential: app_private_key, pair: app_public_key }`): the
/// provider verifies what the merchant signed with the merchant key's public half, and
/// signs what the merchant verifies with the verify key's private half.
fn provider_recipe(recipe: &Recipe, role: KeyRole) -> Result<Cow<'_, Recipe>, ServerError> {
    if !recipe.has_step(AlgorithmKind::PublicKey) {
        return Ok(Cow::Borrowed(recipe));
    }
    let (merchant_key, pair) = match (role, &recipe.verify_key) {
        (KeyRole::Sign, Some(VerifyKey::Credential(verify_key))) => {
            (Some(verify_key), recipe.verify_key_pair.as_ref())
        }
        // Of a key set the provider's side signs with the one key `pair` names; the
        // serial it sends with the message (the sandbox's `signature_headers`) names it.
        (KeyRole::Sign, Some(VerifyKey::BySerial { credential, .. })) => {
            (Some(credential), recipe.verify_key_pair.as_ref())
        }
        // The provider's side of a carried certificate would send a certificate chained
        // to the merchant's roots; the sandbox has none.
        (KeyRole::Sign, Some(VerifyKey::Carried(_))) => {
            return Err(ServerError::Unsupported(
                "a verify key carried in a certificate".into(),
            ))
        }
        _ => (recipe.key_credential.as_ref(), recipe.key_pair.as_ref()),
    };
    let Some(merchant_key) = merchant_key else {
        return Err(ServerError::Unsupported(
            "a signature recipe without a key credential".into(),
        ));
    };
    let Some(own) = pair.cloned() else {
        return Err(ServerError::Unsupported(format!(
            "key credential `{merchant_key}` names no `pair`, so the provider's side \
             cannot hold the other half of its key pair"
        )));
    };
    let mut swapped = recipe.clone();
    // The key is never placed in a signature recipe's string to sign (validation), so moving
    // it between the two roles changes nothing but which key signs or verifies.
    match role {
        KeyRole::Verify => {
            swapped.key_credential = None;
            swapped.verify_key = Some(VerifyKey::Credential(own));
        }
        KeyRole::Sign => {
            swapped.key_credential = Some(own);
            swapped.verify_key = None;
        }
    }
    Ok(Cow::Owned(swapped))
}

/// Removes the envelope's and the operation's common fields from the decoded fields,
/// checking constants and credentials against their expected values, and returns them.
/// A field from a credential the provider's side does not hold (a per-deployment
/// setting such as Alipay's `notify_url`) is taken as sent, and may be absent.
fn take_common_fields(
    provider: &Provider,
    operation: &Operation,
    credentials: &Credentials,
    fields: &mut Map<String, Value>,
) -> Result<Map<String, Value>, Error> {
    let mut taken = Map::new();
    let common = provider
        .request
        .common
        .iter()
        .chain(operation.common.iter());
    for field in common {
        if matches!(field.value, ValueSource::Request) {
            // One of the operation's request fields: checked with them.
            continue;
        }
        let invalid = |rule| Error::InvalidParam {
            field: field.name.to_string(),
            rule,
        };
        let unheld = match &field.value {
            ValueSource::Credential(name) => credentials.get(name).is_err(),
            _ => false,
        };
        let Some(value) = fields.shift_remove(field.name.as_ref()) else {
            // An empty value the signature skips (`notify_url=`) is not kept.
            if unheld {
                continue;
            }
            return Err(invalid(ParamRule::Required));
        };
        let text = text_of(&value);
        match &field.value {
            ValueSource::Constant(expected) if text != expected.as_ref() => {
                return Err(invalid(ParamRule::NotAllowed {
                    allowed: vec![expected.to_string()],
                }))
            }
            ValueSource::Credential(name) => {
                let Ok(expected) = credentials.get(name) else {
                    debug_assert!(unheld);
                    taken.insert(field.name.to_string(), value);
                    continue;
                };
                if !same(expected.expose(), &text) {
                    // A secret's value never appears in an error.
                    let allowed = if expected.is_secret() {
                        Vec::new()
                    } else {
                        vec![expected.expose().to_owned()]
                    };
                    return Err(invalid(ParamRule::NotAllowed { allowed }));
                }
            }
            _ => {}
        }
        taken.insert(field.name.to_string(), value);
    }
    Ok(taken)
}

/// Whether `text` (a body or query string) carries the operation's constant fields.
fn constants_match(provider: &Provider, operation: &Operation, top: &Map<String, Value>) -> bool {
    let mut constants = provider
        .request
        .common
        .iter()
        .chain(operation.common.iter())
        .filter(|f| !f.in_payload)
        .filter_map(|f| match &f.value {
            ValueSource::Constant(expected) => Some((f.name.as_ref(), expected.as_ref())),
            _ => None,
        });
    constants.all(|(name, expected)| top.get(name).is_some_and(|v| text_of(v) == expected))
}

/// A message's top-level fields, unverified (for routing only).
fn read_top(format: BodyFormat, text: &str) -> Result<Map<String, Value>, Error> {
    let credentials = Credentials::new();
    let clock = crate::clock::FixedClock::at_unix_seconds(0);
    let receiver = Receiver {
        credentials: &credentials,
        clock: &clock,
        utc_offset_minutes: 0,
        seen: None,
    };
    let decoded = decode_received(
        format,
        &Payload::Inline,
        None,
        &[],
        &[],
        &receiver,
        text,
        None,
        &[],
        None,
        EmptyBody::Refused,
    )?;
    Ok(decoded.fields)
}

/// The operations whose method and path template match, with the path parameters.
fn find_operations<'p>(
    provider: &'p Provider,
    method: &str,
    path: &str,
) -> Vec<(&'p Operation, Vec<(&'p str, String)>)> {
    // The path as received, and without each environment's base path.
    let mut paths = vec![path];
    for environment in provider.environments.iter() {
        let base = crate::recipe::template::path_and_query(&environment.base_url);
        let base = base
            .split('?')
            .next()
            .unwrap_or_default()
            .trim_end_matches('/');
        if let Some(rest) = path.strip_prefix(base).filter(|_| !base.is_empty()) {
            if !paths.contains(&rest) {
                paths.push(rest);
            }
        }
    }
    let mut found = Vec::new();
    for operation in provider.operations.iter() {
        if !operation.method.eq_ignore_ascii_case(method) {
            continue;
        }
        if let Some(params) = paths.iter().find_map(|p| match_path(&operation.path, p)) {
            found.push((operation, params));
        }
    }
    found
}

/// Matches a received path against a template with `{name}` segments; gives each
/// parameter's percent-decoded value.
fn match_path<'t>(template: &'t str, path: &str) -> Option<Vec<(&'t str, String)>> {
    if template.is_empty() {
        return (path.is_empty() || path == "/").then(Vec::new);
    }
    read_template(template, path, true)?
        .into_iter()
        .map(|(name, raw)| {
            let value = percent_encoding::percent_decode_str(raw)
                .decode_utf8()
                .ok()?;
            (!value.is_empty()).then(|| (name, value.into_owned()))
        })
        .collect()
}

/// A header composed of credentials (HTTP Basic, an API key) is the provider's first
/// check: the request must carry it once, equal to what the merchant's credentials
/// compose. Constant headers without a credential are not checked.
fn check_credential_headers(
    provider: &Provider,
    operation: &Operation,
    credentials: &Credentials,
    request: &ReceivedRequest<'_>,
    body: &str,
) -> Result<(), Error> {
    let headers = provider
        .request
        .headers
        .iter()
        .chain(operation.headers.iter());
    for header in headers {
        let mut reads_credential = false;
        for part in header.parts.iter() {
            part.walk(&mut |p| {
                reads_credential |= matches!(p, paygen_protocol::TemplatePart::Credential(_))
            });
        }
        if !reads_credential {
            continue;
        }
        let mut expected = Vec::new();
        write_parts(
            &header.parts,
            "",
            &TemplateValues::default(),
            credentials,
            &mut expected,
        )?;
        let refused = |reason| Error::Signature {
            reason,
            body: body.to_owned(),
        };
        let given = single_header(request.headers, &header.name, body)?
            .ok_or_else(|| refused(SignatureFailure::Missing(header.name.to_string())))?;
        if !same(&String::from_utf8_lossy(&expected), given) {
            return Err(refused(SignatureFailure::Mismatch));
        }
    }
    Ok(())
}

use crate::crypto::secret::same_text as same;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{FixedClock, FixedNonce};
    use crate::crypto::digest::digest_hex;
    use crate::error::SignatureFailure;
    use crate::message::encode::{encode_request, RequestContext};
    use crate::recipe::template::path_and_query;
    use paygen_protocol::{
        Canonical, ClockFormat, CommonField, DigestAlgorithm, DigestOutput, DigestStep,
        Environment, FieldDef, FieldType, HexCase, KeyPlace, RequestEnvelope, RequestSignature,
        ResponseEnvelope, SuccessRule, Template, TemplatePart, Text,
    };

    fn text(s: &'static str) -> Text {
        Cow::Borrowed(s)
    }

    fn field(name: &'static str, required: bool) -> FieldDef {
        FieldDef {
            name: text(name),
            ty: FieldType::String,
            required,
            max_length: Some(32),
            min_length: None,
            as_string: false,
            values: Cow::Borrowed(&[]),
            fields: Cow::Borrowed(&[]),
        }
    }

    fn operation(name: &'static str, method: &'static str, path: &'static str) -> Operation {
        Operation {
            name: text(name),
            path: text(path),
            method: text(method),
            signed: true,
            moves_money: false,
            common: Cow::Borrowed(&[]),
            headers: Cow::Borrowed(&[]),
            response_members: Cow::Borrowed(&[]),
            codes: Cow::Borrowed(&[]),
            reply_rules: Cow::Borrowed(&[]),
            done_when: None,
            one_of: Cow::Owned(vec![Cow::Owned(vec![text("sn"), text("client_sn")])]),
            rules: Cow::Borrowed(&[]),
            request: Cow::Owned(vec![field("sn", false), field("client_sn", false)]),
            response: Cow::Borrowed(&[]),
            success: SuccessRule {
                field: text("result_code"),
                equals: Cow::Borrowed(&[]),
                message: None,
                detail: None,
                and: Cow::Borrowed(&[]),
                or: Cow::Borrowed(&[]),
                http_status: Cow::Borrowed(&[]),
            },
        }
    }

    /// Shouqianba's envelope: JSON body, `Authorization: <terminal_sn> md5(body + key)`.
    fn shouqianba() -> Provider {
        let recipe = Recipe {
            input: SignInput::Body,
            canonical: Canonical::DEFAULT,
            key_credential: Some(text("terminal_key")),
            key_place: KeyPlace::Append(text("")),
            digests: Cow::Owned(vec![DigestStep {
                algorithm: DigestAlgorithm::Md5,
                output: DigestOutput::Hex(HexCase::Lower),
            }]),
            verify_key: None,
            key_pair: None,
            verify_key_pair: None,
            template: Template {
                parts: Cow::Borrowed(&[]),
                join: text(""),
                trailing: false,
            },
        };
        let mut by_path = operation("cancel", "POST", "/upay/v2/orders/{sn}/cancel");
        by_path.one_of = Cow::Borrowed(&[]);
        by_path.request = Cow::Owned(vec![field("sn", true), field("reason", false)]);
        Provider {
            name: text("shouqianba"),
            utc_offset_minutes: 480,
            environments: Cow::Owned(vec![Environment {
                name: text("production"),
                base_url: text("https://api.shouqianba.com/gw"),
            }]),
            credentials: Cow::Borrowed(&[]),
            request: RequestEnvelope {
                method: text("POST"),
                body: BodyFormat::Json,
                payload: Payload::Inline,
                common: Cow::Owned(vec![CommonField {
                    name: text("terminal_sn"),
                    value: ValueSource::Credential(text("terminal_sn")),
                    in_payload: false,
                    as_number: false,
                }]),
                signature: Some(RequestSignature {
                    recipe,
                    choose_by: None,
                    output: SignatureOutput::Header {
                        name: text("Authorization"),
                        template: text("{terminal_sn} {signature}"),
                    },
                }),
                headers: Cow::Borrowed(&[]),
            },
            response: ResponseEnvelope {
                body: BodyFormat::Json,
                payload: Payload::Inline,
                verification: None,
                refusal_members: Cow::Borrowed(&[]),
            },
            operations: Cow::Owned(vec![operation("query", "POST", "/upay/v2/query"), by_path]),
            notifications: Cow::Borrowed(&[]),
        }
    }

    fn credentials() -> Credentials {
        Credentials::new()
            .plain("terminal_sn", "100000330000000001")
            .secret("terminal_key", "e3b0c44298fc1c149afbf4c8996fb924")
    }

    /// What a client sends for `operation` with `fields`, as the server receives it.
    fn send(
        provider: &Provider,
        operation: &str,
        fields: &[(&'static str, &'static str)],
        credentials: &Credentials,
    ) -> (String, Vec<(String, String)>, String, String) {
        let mut wire = WireFields::default();
        for (name, value) in fields {
            wire.push(*name, WireValue::Text(Cow::Borrowed(value)));
        }
        let clock = FixedClock::at_unix_seconds(1_700_000_000);
        let nonce = FixedNonce("n0nce".into());
        let context = RequestContext {
            base_url: &provider.environments[0].base_url,
            credentials,
            clock: &clock,
            nonce: &nonce,
        };
        let operation = provider.operation(operation).expect("operation");
        let sent = encode_request(provider, operation, &wire, &context, None).expect("encodes");
        let headers = sent
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        (
            sent.method.to_string(),
            headers,
            path_and_query(&sent.url).to_owned(),
            sent.body,
        )
    }

    fn receive(
        provider: &Provider,
        method: &str,
        headers: &[(String, String)],
        target: &str,
        body: &str,
    ) -> Result<Map<String, Value>, ServerError> {
        let credentials = credentials();
        let clock = FixedClock::at_unix_seconds(1_700_000_000);
        let receiver = Receiver {
            credentials: &credentials,
            clock: &clock,
            utc_offset_minutes: 480,
            seen: None,
        };
        let request = ReceivedRequest {
            method,
            target,
            headers,
            body,
        };
        decode_request(provider, &receiver, &request).map(|r| {
            assert_eq!(r.authenticity, Authenticity::Verified);
            r.fields
        })
    }

    fn signature_failure(result: Result<Map<String, Value>, ServerError>) -> SignatureFailure {
        match result {
            Err(ServerError::Message(Error::Signature { reason, .. })) => reason,
            other => panic!("expected a signature error, got {other:?}"),
        }
    }

    #[test]
    fn header_signature_over_the_body_verifies_and_routes() {
        let provider = shouqianba();
        let (method, headers, target, body) =
            send(&provider, "query", &[("client_sn", "c-1")], &credentials());
        assert_eq!(target, "/gw/upay/v2/query");
        let md5 = digest_hex(
            DigestAlgorithm::Md5,
            format!("{body}e3b0c44298fc1c149afbf4c8996fb924").as_bytes(),
            HexCase::Lower,
        );
        assert!(headers.contains(&("Authorization".into(), format!("100000330000000001 {md5}"))));
        let fields = receive(&provider, &method, &headers, &target, &body).unwrap();
        assert_eq!(
            Value::Object(fields),
            serde_json::json!({"client_sn": "c-1"})
        );
        // Mounted at the root as well as under the base URL's path.
        assert!(receive(&provider, &method, &headers, "/upay/v2/query", &body).is_ok());
    }

    #[test]
    fn header_signature_refusals_say_which_check_failed() {
        let provider = shouqianba();
        let (method, headers, target, body) =
            send(&provider, "query", &[("client_sn", "c-1")], &credentials());
        let changed = body.replace("c-1", "c-2");
        assert_eq!(
            signature_failure(receive(&provider, &method, &headers, &target, &changed)),
            SignatureFailure::Mismatch
        );
        let other_key = Credentials::new()
            .plain("terminal_sn", "100000330000000001")
            .secret("terminal_key", "another key");
        let (_, forged, _, _) = send(&provider, "query", &[("client_sn", "c-1")], &other_key);
        assert_eq!(
            signature_failure(receive(&provider, &method, &forged, &target, &body)),
            SignatureFailure::Mismatch
        );
        let other_terminal = Credentials::new()
            .plain("terminal_sn", "100000330000000002")
            .secret("terminal_key", "e3b0c44298fc1c149afbf4c8996fb924");
        let (_, theirs, _, their_body) =
            send(&provider, "query", &[("client_sn", "c-1")], &other_terminal);
        assert!(receive(&provider, &method, &theirs, &target, &their_body).is_err());
        let none: Vec<(String, String)> = Vec::new();
        assert_eq!(
            signature_failure(receive(&provider, &method, &none, &target, &body)),
            SignatureFailure::Missing("Authorization".into())
        );
        // A header that does not read against its template says so.
        let malformed = vec![("authorization".to_owned(), "no-space".to_owned())];
        assert_eq!(
            signature_failure(receive(&provider, &method, &malformed, &target, &body)),
            SignatureFailure::MalformedHeader {
                header: "Authorization".into(),
                rule: crate::wire::auth_params::ParamRule::Template
            }
        );
        let empty = vec![("Authorization".to_owned(), "100000330000000001 ".to_owned())];
        assert_eq!(
            signature_failure(receive(&provider, &method, &empty, &target, &body)),
            SignatureFailure::Empty("Authorization".into())
        );
        // The genuine header given twice: one reading of what was received.
        let twice: Vec<(String, String)> = headers.iter().chain(headers.iter()).cloned().collect();
        assert!(matches!(
            receive(&provider, &method, &twice, &target, &body),
            Err(ServerError::Message(Error::Decode { .. }))
        ));
    }

    #[test]
    fn a_verified_request_still_obeys_the_field_table() {
        let provider = shouqianba();
        let signed = |body: &str| {
            let md5 = digest_hex(
                DigestAlgorithm::Md5,
                format!("{body}e3b0c44298fc1c149afbf4c8996fb924").as_bytes(),
                HexCase::Lower,
            );
            vec![(
                "Authorization".to_owned(),
                format!("100000330000000001 {md5}"),
            )]
        };
        let refusal =
            |body: &str| match receive(&provider, "POST", &signed(body), "/upay/v2/query", body) {
                Err(ServerError::Message(Error::InvalidParam { field, rule })) => (field, rule),
                other => panic!("expected a parameter error, got {other:?}"),
            };
        let (field, rule) = refusal(r#"{"terminal_sn":"100000330000000001"}"#);
        assert_eq!(field, "sn");
        assert!(matches!(rule, ParamRule::OneOf { .. }));
        let (field, rule) = refusal(r#"{"terminal_sn":"100000330000000001","sn":"1","x":"2"}"#);
        assert_eq!((field.as_str(), rule), ("x", ParamRule::Unknown));
        let long = format!(
            r#"{{"terminal_sn":"100000330000000001","sn":"{}"}}"#,
            "9".repeat(33)
        );
        let (field, rule) = refusal(&long);
        assert_eq!(field, "sn");
        assert!(matches!(
            rule,
            ParamRule::TooLong {
                max: 32,
                actual: 33
            }
        ));
        let (field, _) = refusal(r#"{"sn":"1"}"#);
        assert_eq!(field, "terminal_sn");
        let (field, rule) = refusal(r#"{"terminal_sn":"someone else","sn":"1"}"#);
        assert_eq!(field, "terminal_sn");
        assert!(matches!(rule, ParamRule::NotAllowed { .. }));
        // A repeated field is a decode error, before anything is trusted.
        let twice = r#"{"terminal_sn":"100000330000000001","sn":"1","sn":"2"}"#;
        assert!(matches!(
            receive(&provider, "POST", &signed(twice), "/upay/v2/query", twice),
            Err(ServerError::Message(Error::Decode { .. }))
        ));
    }

    #[test]
    fn path_parameters_are_matched_and_decoded_and_unknown_paths_refused() {
        let provider = shouqianba();
        let (method, headers, target, body) = send(
            &provider,
            "cancel",
            &[("sn", "a/b c"), ("reason", "r")],
            &credentials(),
        );
        assert_eq!(target, "/gw/upay/v2/orders/a%2Fb%20c/cancel");
        let fields = receive(&provider, &method, &headers, &target, &body).unwrap();
        assert_eq!(
            Value::Object(fields),
            serde_json::json!({"reason": "r", "sn": "a/b c"})
        );
        for (method, target) in [
            ("POST", "/upay/v2/nowhere"),
            ("GET", "/upay/v2/query"),
            ("POST", "/upay/v2/orders//cancel"),
            ("POST", "/upay/v2/orders/a/b/cancel"),
        ] {
            assert!(
                matches!(
                    receive(&provider, method, &headers, target, &body),
                    Err(ServerError::NoOperation { .. })
                ),
                "{method} {target}"
            );
        }
        assert_eq!(match_path("", "/"), Some(Vec::new()));
        assert_eq!(
            match_path("/v/{id}.json", "/v/7.json"),
            Some(vec![("id", "7".to_owned())])
        );
    }

    /// The shouqianba test provider signing WeChat Pay v3's five template parts with an
    /// HMAC into an `Authorization` header.
    fn template_signed() -> Provider {
        let mut provider = shouqianba();
        if let Some(signature) = &mut provider.request.signature {
            signature.recipe.input = SignInput::Template;
            signature.recipe.key_place = KeyPlace::Unplaced;
            signature.recipe.digests = Cow::Owned(vec![DigestStep {
                algorithm: DigestAlgorithm::HmacSha256,
                output: DigestOutput::Base64,
            }]);
            signature.recipe.template = Template {
                parts: Cow::Owned(vec![
                    TemplatePart::Method,
                    TemplatePart::Path,
                    TemplatePart::Timestamp(ClockFormat::UnixSeconds),
                    TemplatePart::Nonce(8),
                    TemplatePart::Body,
                ]),
                join: text("\n"),
                trailing: true,
            };
            signature.output = SignatureOutput::Header {
                name: text("Authorization"),
                template: text(
                    r#"HMAC sn="{terminal_sn}",ts="{timestamp}",nonce="{nonce}",sig="{signature}""#,
                ),
            };
        }
        provider
    }

    #[test]
    fn a_get_template_signature_covers_the_query_and_an_empty_body_both_ways() {
        let mut provider = template_signed();
        let mut operations = provider.operations.to_vec();
        operations[0].method = text("GET");
        provider.operations = Cow::Owned(operations);
        let (method, headers, target, body) =
            send(&provider, "query", &[("sn", "s-1")], &credentials());
        assert_eq!((method.as_str(), body.as_str()), ("GET", ""));
        assert!(target.ends_with("&sn=s-1"), "{target}");
        let fields = receive(&provider, &method, &headers, &target, &body).unwrap();
        assert_eq!(Value::Object(fields), serde_json::json!({"sn": "s-1"}));
        // The query is signed in the path part.
        let other = target.replace("s-1", "s-2");
        assert_eq!(
            signature_failure(receive(&provider, &method, &headers, &other, &body)),
            SignatureFailure::Mismatch
        );
    }

    #[test]
    fn template_signatures_verify_with_the_header_timestamp_and_nonce() {
        let provider = template_signed();
        let (method, headers, target, body) =
            send(&provider, "query", &[("sn", "s-1")], &credentials());
        let fields = receive(&provider, &method, &headers, &target, &body).unwrap();
        assert_eq!(Value::Object(fields), serde_json::json!({"sn": "s-1"}));
        // The timestamp is signed: another one in the header breaks the signature.
        let moved: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| {
                (
                    n.clone(),
                    v.replace("ts=\"1700000000\"", "ts=\"1700000001\""),
                )
            })
            .collect();
        assert_ne!(moved, headers);
        assert_eq!(
            signature_failure(receive(&provider, &method, &moved, &target, &body)),
            SignatureFailure::Mismatch
        );
        // So is the path.
        let elsewhere = target.replacen("/gw", "", 1);
        assert_eq!(
            signature_failure(receive(&provider, &method, &headers, &elsewhere, &body)),
            SignatureFailure::Mismatch
        );
    }

    #[test]
    fn rsa_keys_not_named_as_a_pair_are_unsupported() {
        let mut provider = shouqianba();
        if let Some(signature) = &mut provider.request.signature {
            signature.recipe.digests = Cow::Owned(vec![DigestStep {
                algorithm: DigestAlgorithm::Rsa2,
                output: DigestOutput::Base64,
            }]);
        }
        let result = receive(&provider, "POST", &[], "/upay/v2/query", "{}");
        assert!(
            matches!(result, Err(ServerError::Unsupported(_))),
            "{result:?}"
        );
    }

    /// An SM2 key pair in hex: GM/T 0003.5-2012 appendix A.2's example key.
    const SM2_PRIVATE: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
    const SM2_PUBLIC: &str = "0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";

    #[test]
    fn the_provider_side_verifies_an_sm2_request_with_the_pair_the_recipe_names() {
        let mut provider = shouqianba();
        if let Some(signature) = &mut provider.request.signature {
            signature.recipe.key_place = KeyPlace::Unplaced;
            signature.recipe.key_pair = Some(text("terminal_public_key"));
            signature.recipe.digests = Cow::Owned(vec![DigestStep {
                algorithm: DigestAlgorithm::Sm2Sm3,
                output: DigestOutput::Encoded(paygen_protocol::OutputForm {
                    text: paygen_protocol::TextEncoding::Base64 {
                        alphabet: paygen_protocol::Base64Alphabet::Url,
                        padded: false,
                    },
                    signature: paygen_protocol::SignatureForm::Raw,
                }),
            }]);
        }
        let merchant = Credentials::new()
            .plain("terminal_sn", "100000330000000001")
            .secret("terminal_key", SM2_PRIVATE);
        let (method, headers, target, body) =
            send(&provider, "query", &[("client_sn", "c-1")], &merchant);
        // The provider holds only the public half, under the name `pair` gives it.
        let own = Credentials::new()
            .plain("terminal_sn", "100000330000000001")
            .plain("terminal_public_key", SM2_PUBLIC);
        let clock = FixedClock::at_unix_seconds(1_700_000_000);
        let receiver = Receiver {
            credentials: &own,
            clock: &clock,
            utc_offset_minutes: 480,
            seen: None,
        };
        let received = |body: &str| {
            let request = ReceivedRequest {
                method: &method,
                target: &target,
                headers: &headers,
                body,
            };
            decode_request(&provider, &receiver, &request).map(|r| r.authenticity)
        };
        assert_eq!(received(&body).unwrap(), Authenticity::Verified);
        let changed = body.replace("c-1", "c-2");
        assert_eq!(
            signature_failure(received(&changed).map(|_| Map::new())),
            SignatureFailure::Mismatch
        );
        // Without `pair` the provider's side has no key to verify with.
        if let Some(signature) = &mut provider.request.signature {
            signature.recipe.key_pair = None;
        }
        let request = ReceivedRequest {
            method: &method,
            target: &target,
            headers: &headers,
            body: &body,
        };
        let result = decode_request(&provider, &receiver, &request);
        assert!(
            matches!(result, Err(ServerError::Unsupported(_))),
            "{result:?}"
        );
    }

    #[test]
    fn odd_input_is_an_error_never_a_panic() {
        let provider = shouqianba();
        let headers = vec![("Authorization".to_owned(), "a b".to_owned())];
        for (method, target, body) in [
            ("POST", "/upay/v2/query", "not json"),
            ("POST", "/upay/v2/query", ""),
            ("POST", "", "{}"),
            ("", "/upay/v2/query", "{}"),
            ("POST", "/upay/v2/orders/%FF/cancel", "{}"),
            ("POST", "/upay/v2/query?x=%zz", "{\"a\":[1,{\"b\":null}]}"),
            ("POST", "/upay/v2/orders/é/cancel", "\u{0}"),
        ] {
            assert!(receive(&provider, method, &headers, target, body).is_err());
        }
        let read = crate::message::signature_header::read_header;
        assert!(read("{a}{signature}", "xyz").is_ok());
        assert!(read("{signature} end", "x").is_err());
    }
}
