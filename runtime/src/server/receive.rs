//! Receiving as the provider: a request routed to its operation, its common fields
//! and credential headers checked, then decoded and verified with the provider's half
//! of the operation's recipe.

use crate::crypto::credentials::Credentials;
use crate::error::{Error, ParamRule, SignatureFailure};
use crate::message::decode::{
    decode_received, single_header, text_of, Authenticity, EmptyBody, ExternalSignature, Receiver,
};
use crate::message::signature_header::{read_signature_header, read_template};
use crate::message::validate::validate_request;
use crate::recipe::sign::{choose_recipe, ChoiceSource};
use crate::recipe::template::{write_parts, TemplateValues};
use paygen_protocol::{
    BodyFormat, ChoicePart, FieldDef, Operation, Payload, PayloadField, Provider, RecipeChoice,
    SignInput, SignatureOutput, ValueSource,
};
use serde_json::{Map, Value};

use crate::crypto::secret::same_text as same;

use super::recipes::{provider_recipe, request_check, KeyRole};
use super::values::{scalar_text, wire_fields};
use super::ServerError;

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

pub(super) fn split_target(target: &str) -> (&str, &str) {
    target.split_once('?').unwrap_or((target, ""))
}

/// Whether an operation's fields travel in the query string.
pub(super) fn in_query(provider: &Provider, operation: &Operation) -> bool {
    provider.request.body == BodyFormat::Query || operation.method == "GET"
}

/// The text of `request` that carries `operation`'s fields, and its format.
pub(super) fn message_text<'r>(
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
pub(super) fn pick<'p>(
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
pub(super) fn routed<'p>(
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

/// Removes the envelope's and the operation's common fields from the decoded fields,
/// checking constants and credentials against their expected values, and returns them.
/// A field from a credential the provider's side does not hold (a per-deployment
/// setting such as Alipay's `notify_url`) is taken as sent, and may be absent.
pub(super) fn take_common_fields(
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
pub(super) fn constants_match(
    provider: &Provider,
    operation: &Operation,
    top: &Map<String, Value>,
) -> bool {
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
pub(super) fn read_top(format: BodyFormat, text: &str) -> Result<Map<String, Value>, Error> {
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
pub(super) fn find_operations<'p>(
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
pub(super) fn match_path<'t>(template: &'t str, path: &str) -> Option<Vec<(&'t str, String)>> {
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
pub(super) fn check_credential_headers(
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
