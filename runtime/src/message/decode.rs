//! Reading received messages: parse the envelope once, verify the signature over the
//! raw received values, keep only what the signature covers, decode the payload, judge
//! success.

use crate::error::{Error, ReceivedCode, Refusal, ServiceError, SignatureFailure};
use crate::message::payload::{decode_payload, PayloadError};
use crate::message::received::{check_fields, check_present_fields};
pub use crate::message::receiver::Receiver;
use crate::message::signature_header::read_signature_header;
pub use crate::message::signed_value::check_fresh;
use crate::message::signed_value::SignedValues;
use crate::recipe::canonical::{second_reading, SignedText};
use crate::recipe::key_source::Presented;
use crate::recipe::sign::{choose_recipe, verify, ChoiceSource, SignSource, SigningTrace};
use crate::recipe::template::TemplateValues;
use crate::wire::raw_json::{signed_text, typed_member, RawObject};
use paygen_protocol::{
    AlgorithmKind, BodyFormat, FieldDef, NestedValues, Notification, Operation, Payload,
    PayloadEncoding, PayloadField, Provider, Recipe, SignInput, SuccessRule, Text,
    UnsignedErrorReply, UnsignedFields, Verification, VerifyKey,
};
use serde_json::{Map, Value};

pub use crate::authenticity::Authenticity;

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

/// A received message after its envelope: business fields and how they were checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Business fields: the signed fields only, payload decoded, signature removed.
    pub fields: Map<String, Value>,
    /// How the signature was established.
    pub authenticity: Authenticity,
    /// The response member the business fields were read from, when the envelope names
    /// members (Alipay `alipay_trade_pay_response` or `error_response`). The name is not
    /// signed: it says where the fields were, never which call they answer.
    pub member: Option<String>,
}

/// One top-level field exactly as received.
struct ReceivedField {
    name: String,
    /// Read from inside the response member rather than the top level.
    in_member: bool,
    /// The text a signature covers: strings unescaped, numbers as sent.
    signed_text: String,
    value: Value,
}

/// Decodes and verifies an operation's response, then applies its success rule.
pub fn decode_response(
    provider: &Provider,
    operation: &Operation,
    receiver: &Receiver<'_>,
    response: &HttpResponse,
) -> Result<Decoded, Error> {
    match read_response(provider, operation, receiver, response)? {
        (decoded, None) => Ok(decoded),
        (_, Some(refusal)) => Err(refusal),
    }
}

/// [`decode_response`] that also hands back the decoded fields of a refusal, beside the
/// `Error::Service` it makes, so that a caller can read a refused reply's codes (the
/// settle flow does). Fails outright as `decode_response` does for everything else.
pub fn read_response(
    provider: &Provider,
    operation: &Operation,
    receiver: &Receiver<'_>,
    response: &HttpResponse,
) -> Result<(Decoded, Option<Error>), Error> {
    let http_status = || Error::HttpStatus {
        status: response.status,
        body: response.body.clone(),
    };
    let ok_status = (200..300).contains(&response.status);
    if !ok_status && !operation.success.by_status() {
        return Err(http_status());
    }
    let received = Received {
        status: response.status,
        body: &response.body,
        headers: &response.headers,
    };
    let (decoded, outcome) =
        match judge_http_response(provider, operation, receiver, received, None) {
            // An error page that is no message of the protocol keeps its status's meaning.
            Err(Error::Decode { .. }) if !ok_status => return Err(http_status()),
            judged => judged?,
        };
    let refusal = outcome.err().map(|refusal| {
        Error::Service(Box::new(ServiceError::untyped(
            refusal,
            decoded.authenticity,
            operation.moves_money,
            code_meaning(operation, &decoded.fields),
            response.body.clone(),
        )))
    });
    // A success is held to the document's bounds; a refusal's amounts say nothing.
    if refusal.is_none() {
        crate::message::validate::check_reply_bounds(&operation.reply_rules, &decoded.fields)
            .map_err(|(field, rule)| Error::Decode {
                reason: format!("reply field `{field}` {rule}"),
                body: response.body.clone(),
            })?;
    }
    Ok((decoded, refusal))
}

/// Decodes and verifies a response body and applies the operation's success rule,
/// returning the decoded fields even when the provider refused. Fails only when the
/// body cannot be decoded or its signature does not hold (including an unsigned reply
/// that claims success).
pub fn judge_response(
    provider: &Provider,
    operation: &Operation,
    receiver: &Receiver<'_>,
    body: &str,
) -> Result<(Decoded, Result<(), Refusal>), Error> {
    judge_response_with_headers(provider, operation, receiver, body, &[])
}

/// [`judge_response`] with the response's headers, where a spec reads the signature
/// from a header (`signature: { header: PAY-SIGN }`). A header given twice is a decode
/// error: one reading of what was received.
pub fn judge_response_with_headers(
    provider: &Provider,
    operation: &Operation,
    receiver: &Receiver<'_>,
    body: &str,
    headers: &[(String, String)],
) -> Result<(Decoded, Result<(), Refusal>), Error> {
    judge_response_explained(provider, operation, receiver, body, headers, None)
}

/// What the signature check of a received message computed, kept whether or not the
/// signature matched (`paygen verify-response --explain`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignatureExplanation {
    /// Whether a signature was checked at all (false for unsigned messages and shapes).
    pub checked: bool,
    /// The stages over the received values: the string to sign (secrets masked), each
    /// digest, and in `signature` the expected signature (for RSA, the received one).
    pub trace: SigningTrace,
    /// The signature as received.
    pub received: String,
    /// The signature the receiver computed; `None` for RSA, which is checked with the
    /// provider's public key and has no expected text.
    pub expected: Option<String>,
}

/// [`judge_response_with_headers`] that also fills `explain` with the signature check's
/// stages, even when the check fails. The reply is taken as HTTP 200; see
/// [`judge_http_response`] for a rule that reads the status.
pub fn judge_response_explained(
    provider: &Provider,
    operation: &Operation,
    receiver: &Receiver<'_>,
    body: &str,
    headers: &[(String, String)],
    explain: Option<&mut SignatureExplanation>,
) -> Result<(Decoded, Result<(), Refusal>), Error> {
    let response = Received {
        status: 200,
        body,
        headers,
    };
    judge_http_response(provider, operation, receiver, response, explain)
}

/// A reply as received: its HTTP status, body and headers.
#[derive(Debug, Clone, Copy)]
pub struct Received<'r> {
    /// The HTTP status.
    pub status: u16,
    /// The raw body text.
    pub body: &'r str,
    /// The headers in order.
    pub headers: &'r [(String, String)],
}

/// Decodes and verifies a reply and applies the operation's success rule, the HTTP
/// status included where the rule lists `http_status` (a listed status is success, and
/// its body may be empty; another is a refusal whose code is the rule's field).
pub fn judge_http_response(
    provider: &Provider,
    operation: &Operation,
    receiver: &Receiver<'_>,
    response: Received<'_>,
    explain: Option<&mut SignatureExplanation>,
) -> Result<(Decoded, Result<(), Refusal>), Error> {
    let Received {
        status,
        body,
        headers,
    } = response;
    let envelope = &provider.response;
    let verification = envelope.verification.as_ref();
    let rule = &operation.success;
    let external = header_signature(verification, receiver, body, headers)?;
    let success_status = rule.http_status.contains(&status);
    let decoded = decode_received(
        envelope.body,
        &envelope.payload,
        verification,
        &operation.response_members,
        &operation.response,
        receiver,
        body,
        external,
        headers,
        explain,
        if success_status {
            EmptyBody::NoFields
        } else {
            EmptyBody::Refused
        },
    )?;
    let outcome = match (rule.by_status(), success_status) {
        (false, _) => judge(rule, &decoded.fields),
        (true, true) => Ok(()),
        // A refusal's code is the rule's field, else the status itself.
        (true, false) => {
            let code = lookup(&decoded.fields, &rule.field)
                .map(text_of)
                .unwrap_or_else(|| status.to_string());
            Err(refusal(rule, &decoded.fields, code))
        }
    };
    // A member's name is not signed: a success read from a member that carries refusals
    // only is a genuine success of some other call, relabelled.
    if let Some(member) = decoded
        .member
        .as_deref()
        .filter(|m| outcome.is_ok() && envelope.refusal_members.iter().any(|r| r == m))
    {
        return Err(Error::Decode {
            reason: format!(
                "member `{member}` carries refusals only, but its reply passes the success rule"
            ),
            body: body.to_owned(),
        });
    }
    // The same binding where the reply table is known at run time (the CLI, the
    // sandbox); generated types refuse undeclared fields themselves.
    let member_signed = verification.is_some_and(|v| v.recipe.input == SignInput::Member);
    if member_signed && outcome.is_ok() && !operation.response.is_empty() {
        if let Some(name) = decoded
            .fields
            .keys()
            .find(|name| !operation.response.iter().any(|f| f.name == name.as_str()))
        {
            return Err(Error::Decode {
                reason: format!(
                    "field `{name}` is not a field of `{}`'s reply: a member signature does not \
                     name the operation, so a reply with another operation's fields is refused",
                    operation.name
                ),
                body: body.to_owned(),
            });
        }
    }
    // A shape the protocol sends unsigned is still a reply of the protocol: one without
    // the code its success rule reads (`<xml/>`, an empty object) is not a refusal.
    let code = lookup(&decoded.fields, &rule.field);
    if decoded.authenticity == Authenticity::UnsignedErrorReply && code.is_none() {
        return Err(Error::Decode {
            reason: format!(
                "an unsigned reply without `{}`: not a reply of this protocol",
                rule.field
            ),
            body: body.to_owned(),
        });
    }
    // A signed string that cannot be read back verifies for other splits of the same
    // text too: each field must at least have its declared shape.
    if decoded.authenticity == Authenticity::Verified
        && verification.is_some_and(Verification::cannot_be_read_back)
    {
        let check = if outcome.is_ok() {
            check_fields
        } else {
            check_present_fields
        };
        check(&operation.response, &decoded.fields).map_err(|problem| Error::Decode {
            reason: format!("{problem} (the signed string has no single reading)"),
            body: body.to_owned(),
        })?;
    }
    if outcome.is_ok() && decoded.authenticity == Authenticity::UnsignedErrorReply {
        return Err(Error::Signature {
            reason: SignatureFailure::UnsignedSuccess,
            body: body.to_owned(),
        });
    }
    Ok((decoded, outcome))
}

/// The signature a received message carries in a header, when its check reads one, with
/// the received body and headers a template recipe signs (WeChat Pay v3's
/// `Wechatpay-Timestamp\nWechatpay-Nonce\nbody\n`).
fn header_signature<'h>(
    verification: Option<&'h Verification>,
    receiver: &Receiver<'_>,
    body: &'h str,
    headers: &'h [(String, String)],
) -> Result<Option<ExternalSignature<'h>>, Error> {
    let Some(check) = verification else {
        return Ok(None);
    };
    let Some(name) = check.header.as_deref() else {
        return Ok(None);
    };
    let Some(value) = single_header(headers, name, body)? else {
        return Ok(None);
    };
    let signature = match check.header_template.as_deref() {
        None => value.trim(),
        // Auth parameters, read strictly; their credentials must be the receiver's.
        Some(template) => {
            read_signature_header(name, template, value, receiver.credentials, body)?.signature
        }
    };
    // Every recipe of a choice signs the same input (validation).
    let template = check.recipe.input == SignInput::Template;
    Ok(Some(ExternalSignature {
        signature,
        parts: template.then_some(TemplateValues {
            body,
            headers,
            header_template: check.header_template.as_deref().unwrap_or_default(),
            ..TemplateValues::default()
        }),
    }))
}

/// The one value of header `name` (case-insensitive), if any: a header given twice is a
/// decode error, so a signature is never read from one copy while another is shown.
pub(crate) fn single_header<'h>(
    headers: &'h [(String, String)],
    name: &str,
    body: &str,
) -> Result<Option<&'h str>, Error> {
    let mut found = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    let first = found.next().map(|(_, value)| value.as_str());
    if found.next().is_some() {
        return Err(Error::Decode {
            reason: format!("header `{name}` appears twice"),
            body: body.to_owned(),
        });
    }
    Ok(first)
}

/// Decodes and verifies an inbound notification (`input` is the body, or the query
/// string for GET notifications). A notification is never accepted unsigned when its
/// spec says it is signed.
pub fn decode_notification(
    notification: &Notification,
    receiver: &Receiver<'_>,
    input: &str,
) -> Result<Decoded, Error> {
    decode_notification_explained(notification, receiver, input, &[], None)
}

/// [`decode_notification`] with the request's headers, where the notification's
/// signature travels in a header (`signature: { header: Wechatpay-Signature }`), and
/// filling `explain` with the signature check's stages, even when the check fails.
pub fn decode_notification_explained(
    notification: &Notification,
    receiver: &Receiver<'_>,
    input: &str,
    headers: &[(String, String)],
    explain: Option<&mut SignatureExplanation>,
) -> Result<Decoded, Error> {
    let verification = notification.verification.as_ref();
    let external = header_signature(verification, receiver, input, headers)?;
    let decoded = decode_received(
        notification.body,
        &notification.payload,
        verification,
        &[],
        &notification.fields,
        receiver,
        input,
        external,
        headers,
        explain,
        EmptyBody::Refused,
    )?;
    if decoded.authenticity == Authenticity::UnsignedErrorReply {
        return Err(Error::Signature {
            reason: SignatureFailure::UnsignedNotification,
            body: input.to_owned(),
        });
    }
    // Blocks of an unauthenticated cipher can be repeated, reordered or spliced: what
    // decrypts must at least have the shape the table declares, so that most such edits
    // (a value holding a piece of markup, a length no genuine value has) are caught.
    let unreadable = verification.is_some_and(Verification::cannot_be_read_back);
    if decoded.authenticity == Authenticity::EncryptedOnly || unreadable {
        let what = match decoded.authenticity {
            Authenticity::EncryptedOnly => "decrypted payload",
            _ => "a signed string with no single reading",
        };
        check_fields(&notification.fields, &decoded.fields).map_err(|problem| Error::Decode {
            reason: format!("{what}: {problem}"),
            body: input.to_owned(),
        })?;
    }
    Ok(decoded)
}

/// Parses, verifies and decodes one message: one parse of what was received, and the
/// signature check and the decoded fields both read that one list.
pub fn decode_message(
    format: BodyFormat,
    payload: &Payload,
    verification: Option<&Verification>,
    receiver: &Receiver<'_>,
    body: &str,
) -> Result<Decoded, Error> {
    decode_message_in(format, payload, verification, &[], receiver, body)
}

/// [`decode_message`] for a message whose business fields are the members of one of
/// `members` (the first present; empty: the body's own members). The member's raw
/// text, exactly as received, is what a `Member` signature covers.
pub fn decode_message_in(
    format: BodyFormat,
    payload: &Payload,
    verification: Option<&Verification>,
    members: &[Text],
    receiver: &Receiver<'_>,
    body: &str,
) -> Result<Decoded, Error> {
    decode_received(
        format,
        payload,
        verification,
        members,
        &[],
        receiver,
        body,
        None,
        &[],
        None,
        EmptyBody::Refused,
    )
}

/// A signature that travels outside the message's fields (a request's header), with
/// the request parts a template recipe signs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExternalSignature<'a> {
    /// The signature text taken from the header.
    pub signature: &'a str,
    /// The request's parts, for `SignInput::Template`.
    pub parts: Option<TemplateValues<'a>>,
}

/// What an empty body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmptyBody {
    /// Not a message of the format (a decode error).
    Refused,
    /// A message without fields: a reply whose HTTP status says success (`204 No
    /// Content`), its signature, if any, still checked over the empty body.
    NoFields,
}

/// [`decode_message_in`] following the message's field table `defs` (a `yuan` field
/// sent as a JSON number keeps its exact text), the signature read from `external`
/// rather than from the field `verification.field` when given (then no field is the
/// signature itself);
/// `explain`, when given, is filled with what the signature check computed; an empty
/// body read as `empty` says.
#[allow(clippy::too_many_arguments)]
pub(crate) fn decode_received(
    format: BodyFormat,
    payload: &Payload,
    verification: Option<&Verification>,
    members: &[Text],
    defs: &[FieldDef],
    receiver: &Receiver<'_>,
    body: &str,
    external: Option<ExternalSignature<'_>>,
    headers: &[(String, String)],
    explain: Option<&mut SignatureExplanation>,
    empty: EmptyBody,
) -> Result<Decoded, Error> {
    let decode_error = |reason: String| Error::Decode {
        reason,
        body: body.to_owned(),
    };
    let signature_error = |reason: SignatureFailure| Error::Signature {
        reason,
        body: body.to_owned(),
    };
    let top = match empty {
        EmptyBody::NoFields if body.trim().is_empty() => Vec::new(),
        _ => parse_received(format, body, defs).map_err(decode_error)?,
    };
    let members = if top.is_empty() && empty == EmptyBody::NoFields {
        &[]
    } else {
        members
    };
    let (mut received, member) = open_member(top, members, defs).map_err(decode_error)?;
    let (member_name, member_text) = member.map(|m| (m.name, m.text)).unzip();
    // `data.sign`: the signature and the fields it covers are the members of `data`;
    // whatever stands beside it is outside the signature.
    let scope = verification.and_then(|v| v.scope.as_deref());
    if let Some(scope) = scope.filter(|s| received.iter().any(|f| f.name == *s)) {
        let object = [Text::from(scope.to_owned())];
        received = open_member(received, &object, defs)
            .map_err(decode_error)?
            .0;
    }
    let payload_field = match payload {
        Payload::Field(p) => Some(p),
        Payload::Inline => None,
    };
    if let Some(p) = payload_field.filter(|p| {
        matches!(
            p.encoding,
            PayloadEncoding::Base64 | PayloadEncoding::Aes256EcbBase64
        )
    }) {
        // A form decoder turns base64's `+` into a space: restore the text as sent,
        // once, for both the signature check and the decoding.
        for field in received.iter_mut().filter(|f| f.name == p.name) {
            field.signed_text = field.signed_text.replace(' ', "+");
        }
    }
    if let Some(p) = payload_field.filter(|p| p.encoding == PayloadEncoding::JsonObjectSorted) {
        // What a signature covers is the sorted compact text of exactly the object
        // received, built from its one parse; decoding reads that same text.
        for field in received.iter_mut().filter(|f| f.name == p.name) {
            if !field.value.is_object() {
                return Err(decode_error(format!(
                    "payload `{}` is a JSON object signed over its sorted text, but the field is not an object",
                    p.name
                )));
            }
            field.signed_text = crate::wire::raw_json::sorted_compact(&field.signed_text)
                .map_err(|e| decode_error(format!("payload `{}`: {e}", p.name)))?;
        }
    }
    let find = |name: &str| received.iter().find(|f| f.name == name);

    let Some(check) = verification else {
        // An unsigned message with an encrypted payload (WeChat Pay v2's refund
        // notification, `req_info`; APIv3's sealed `resource`) is authentic only through
        // that payload: without it, its fields would be taken from plain text anyone can
        // send.
        let encrypted = payload_field.filter(|p| p.encoding.is_encrypted());
        if let Some(p) = encrypted.filter(|p| find(&p.name).is_none()) {
            return Err(signature_error(SignatureFailure::EncryptedPayloadMissing(
                p.name.to_string(),
            )));
        }
        // Only what the key authenticates reaches the caller: the encrypted payload's
        // members, never the plain text around it.
        let keep = |f: &ReceivedField| match encrypted {
            Some(p) => f.name == p.name,
            None => member_text.is_none() || f.in_member,
        };
        let fields = business_fields(payload_field, defs, &received, keep, receiver, body)?;
        // Plain text posing as one of the payload's members is a second copy of it.
        if let Some(shadow) = received
            .iter()
            .find(|f| !keep(f) && fields.contains_key(&f.name))
        {
            return Err(Error::Decode {
                reason: format!("field `{}` appears twice", shadow.name),
                body: body.to_owned(),
            });
        }
        let authenticity = match encrypted {
            // The tag checked every decrypted byte: nothing can be spliced in.
            Some(p) if p.encoding.is_authenticated() => Authenticity::Sealed,
            Some(_) => Authenticity::EncryptedOnly,
            None => Authenticity::Unsigned,
        };
        return Ok(Decoded {
            fields,
            authenticity,
            member: member_name,
        });
    };

    let signature = match &external {
        Some(given) => Some(given.signature),
        // A spec that reads the signature from a header never takes it from a field,
        // not even one named like the (empty) field.
        None if check.header.is_some() => None,
        None => received
            .iter()
            .find(|f| f.name == check.field && (scope.is_none() || f.in_member))
            .map(|f| f.signed_text.as_str()),
    };
    let signature_place = check.header.as_deref().unwrap_or(&check.field);
    if is_unsigned_error_reply(check, payload_field, signature, &find) {
        let fields = business_fields(
            payload_field,
            defs,
            &received,
            |f| f.name != check.field,
            receiver,
            body,
        )?;
        return Ok(Decoded {
            fields,
            authenticity: Authenticity::UnsignedErrorReply,
            member: member_name,
        });
    }
    let signature = match signature {
        None => {
            return Err(signature_error(SignatureFailure::Missing(
                signature_place.to_owned(),
            )))
        }
        Some("") => {
            return Err(signature_error(SignatureFailure::Empty(
                signature_place.to_owned(),
            )))
        }
        Some(text) => text,
    };
    // A received field picks among the spec's keyed recipes only; the key still decides.
    let field = |name: &str| Some(find(name)?.signed_text.clone());
    let source = ChoiceSource {
        credentials: receiver.credentials,
        field: &field,
        signature: Some(signature),
        body,
    };
    let recipe = choose_recipe(&check.recipe, check.choose_by.as_ref(), &source)?;
    // The stages are written out only for an explanation (`paygen verify-response`).
    let mut stages = explain.is_some().then(SigningTrace::default);
    // A member signature covers the member's raw text, not the whole body.
    let signed_source = member_text.as_deref().unwrap_or(body);
    let verified = check_signature(
        (check, recipe),
        payload_field,
        &received,
        signed_source,
        ReceivedSignature {
            text: signature,
            outside: external.is_some(),
            parts: external.and_then(|e| e.parts),
            headers,
        },
        receiver,
        stages.as_mut(),
    )?;
    if let (Some(explain), Some(stages)) = (explain, stages) {
        let rsa = recipe.has_step(AlgorithmKind::PublicKey);
        *explain = SignatureExplanation {
            checked: true,
            expected: (!rsa).then(|| stages.signature.clone()),
            trace: stages,
            received: signature.to_owned(),
        };
    }
    if !verified {
        return Err(signature_error(SignatureFailure::Mismatch));
    }
    // A signature over `k=v&...` holds for every list of fields that writes the same
    // string: accept only the list whose string has no other reading.
    if recipe.input == SignInput::Canonical {
        let pairs = canonical_pairs(check, &received, external.is_some());
        if let Some(field) = second_reading(&pairs, &recipe.canonical) {
            return Err(signature_error(SignatureFailure::SecondReading {
                field: field.to_owned(),
            }));
        }
    }

    // Only what the signature covers reaches the caller, as the recipe the check used
    // says (with `choose_by`, the one the receiver's credential chose).
    let mut signed = Vec::with_capacity(received.len());
    for field in &received {
        match coverage(check, recipe, payload_field, field, external.is_some()) {
            Coverage::Signed => signed.push(field.name.as_str()),
            Coverage::SignatureItself | Coverage::EmptyAsAbsent => {}
            Coverage::Outside => match check.unsigned_fields {
                UnsignedFields::Reject => {
                    return Err(signature_error(SignatureFailure::UnsignedField(
                        field.name.clone(),
                    )))
                }
                UnsignedFields::Ignore => {}
            },
        }
    }
    // The timestamp and the nonce are read only from what the signature covered.
    let signed_field = |name: &str| {
        find(name)
            .filter(|f| signed.contains(&f.name.as_str()))
            .map(|f| f.signed_text.as_str())
    };
    let values = SignedValues {
        recipe,
        parts: external.and_then(|e| e.parts),
        field: &signed_field,
    };
    if let Some(window) = &check.freshness {
        values
            .check_fresh(window, receiver)
            .map_err(signature_error)?;
    }
    if let Some(nonce) = &check.nonce {
        values
            .check_nonce(nonce, receiver)
            .map_err(signature_error)?;
    }
    let fields = business_fields(
        payload_field,
        defs,
        &received,
        |f| signed.contains(&f.name.as_str()),
        receiver,
        body,
    )?;
    // A recipe without a key is a checksum: it matched, but anyone could have made it.
    let authenticity = if recipe.is_keyless() {
        Authenticity::Checksum
    } else {
        Authenticity::Verified
    };
    Ok(Decoded {
        fields,
        authenticity,
        member: member_name,
    })
}

/// Whether the received message has a shape the spec declares as an unsigned error
/// reply.
fn is_unsigned_error_reply<'r>(
    check: &Verification,
    payload: Option<&PayloadField>,
    signature: Option<&str>,
    find: &impl Fn(&str) -> Option<&'r ReceivedField>,
) -> bool {
    check.unsigned_error_when.iter().any(|shape| match shape {
        UnsignedErrorReply::SignatureEmpty => signature == Some(""),
        UnsignedErrorReply::SignatureAbsent => signature.is_none(),
        UnsignedErrorReply::PayloadAbsent => payload.is_some_and(|p| find(&p.name).is_none()),
    })
}

/// Whether a received field is covered by a verified signature.
enum Coverage {
    /// In the signed string.
    Signed,
    /// The signature field.
    SignatureItself,
    /// Left out of the signed string because it is empty: the recipe cannot tell it
    /// from an absent field, so it is treated as absent.
    EmptyAsAbsent,
    /// Not covered at all.
    Outside,
}

fn coverage(
    check: &Verification,
    recipe: &Recipe,
    payload: Option<&PayloadField>,
    field: &ReceivedField,
    signature_outside: bool,
) -> Coverage {
    let in_scope = check.scope.is_none() || field.in_member;
    if !signature_outside && field.name == check.field && in_scope {
        return Coverage::SignatureItself;
    }
    match recipe.input {
        SignInput::Body | SignInput::Template => Coverage::Signed,
        SignInput::Member if field.in_member => Coverage::Signed,
        SignInput::Member => Coverage::Outside,
        SignInput::PayloadField => match payload {
            Some(p) if p.name == field.name => Coverage::Signed,
            _ => Coverage::Outside,
        },
        SignInput::Canonical => {
            let nested = field.value.is_object() || field.value.is_array();
            let omitted = nested && recipe.canonical.nested == NestedValues::Omit;
            if !in_scope || !recipe.canonical.covers(&field.name) || omitted {
                Coverage::Outside
            } else if recipe.canonical.skip_empty && field.signed_text.is_empty() {
                Coverage::EmptyAsAbsent
            } else {
                Coverage::Signed
            }
        }
    }
}

/// The business fields of the kept received fields, the payload decoded in place (or
/// its members lifted, when flattened). A name that would appear twice is an error.
fn business_fields(
    payload: Option<&PayloadField>,
    defs: &[FieldDef],
    received: &[ReceivedField],
    keep: impl Fn(&ReceivedField) -> bool,
    receiver: &Receiver<'_>,
    body: &str,
) -> Result<Map<String, Value>, Error> {
    let decode_error = |reason: String| Error::Decode {
        reason,
        body: body.to_owned(),
    };
    let mut fields = Map::new();
    let mut insert = |name: String, value: Value| {
        if fields.contains_key(&name) {
            return Err(decode_error(format!("field `{name}` appears twice")));
        }
        fields.insert(name, value);
        Ok(())
    };
    for field in received.iter().filter(|f| keep(f)) {
        match payload {
            Some(p) if p.name == field.name => {
                // A string holding the object's text is another reading of the message.
                if p.encoding.is_object() && !field.value.is_object() {
                    return Err(decode_error(format!(
                        "payload `{}` is sealed as a JSON object, but the field is not one",
                        p.name
                    )));
                }
                // A flattened payload's members are the message's fields; another's are
                // the members of the field that holds it.
                let payload_defs: &[FieldDef] = if p.flatten {
                    defs
                } else {
                    defs.iter()
                        .find(|d| d.name == p.name)
                        .map_or(&[], |d| &d.fields)
                };
                let value =
                    decode_payload(p, &field.signed_text, receiver.credentials, payload_defs)
                        .map_err(|e| match e {
                            PayloadError::Credential(e) => e,
                            other => decode_error(other.to_string()),
                        })?;
                match value {
                    Value::Object(members) if p.flatten => {
                        for (name, value) in members {
                            insert(name, value)?;
                        }
                    }
                    other => insert(field.name.clone(), other)?,
                }
            }
            _ => insert(field.name.clone(), field.value.clone())?,
        }
    }
    Ok(fields)
}

/// A received signature: its text, whether it came from outside the fields (a header),
/// the request parts a template recipe signs, and the received headers (where a key
/// source may read a serial or a certificate).
struct ReceivedSignature<'a> {
    text: &'a str,
    outside: bool,
    parts: Option<TemplateValues<'a>>,
    headers: &'a [(String, String)],
}

/// Whether `signature` is the recipe's signature of the received message.
fn check_signature(
    (check, recipe): (&Verification, &Recipe),
    payload: Option<&PayloadField>,
    received: &[ReceivedField],
    body: &str,
    signature: ReceivedSignature<'_>,
    receiver: &Receiver<'_>,
    trace: Option<&mut SigningTrace>,
) -> Result<bool, Error> {
    let credentials = receiver.credentials;
    let parts = signature.parts;
    let source = match (recipe.input, parts) {
        (SignInput::Template, Some(parts)) => SignSource::Parts(parts),
        (SignInput::Canonical, _) => {
            SignSource::Pairs(canonical_pairs(check, received, signature.outside))
        }
        (SignInput::PayloadField, _) => SignSource::Bytes(
            payload
                .and_then(|p| received.iter().find(|f| f.name == p.name))
                .map_or("", |f| f.signed_text.as_str())
                .as_bytes(),
        ),
        // Validation keeps template recipes (request parts) out of verification; for
        // a member signature `body` is the member's raw text.
        (SignInput::Body | SignInput::Member | SignInput::Template, _) => {
            SignSource::Bytes(body.as_bytes())
        }
    };
    // A carried certificate in a field is read from the fields the signature covers.
    let fields: Vec<(&str, &str)> = match &recipe.verify_key {
        Some(VerifyKey::Carried(_)) => received
            .iter()
            .map(|f| (f.name.as_str(), f.signed_text.as_str()))
            .collect(),
        _ => Vec::new(),
    };
    let presented = Presented {
        headers: signature.headers,
        fields: &fields,
        now: receiver.clock.now_millis().div_euclid(1000),
        body,
    };
    verify(
        recipe,
        source,
        signature.text,
        credentials,
        &presented,
        trace,
    )
}

/// The received (name, text) pairs a canonical signature covers: the fields in scope,
/// the signature field itself left out unless the signature came from outside.
fn canonical_pairs<'r>(
    check: &Verification,
    received: &'r [ReceivedField],
    signature_outside: bool,
) -> Vec<(&'r str, SignedText<'r>)> {
    received
        .iter()
        .filter(|f| check.scope.is_none() || f.in_member)
        .filter(|f| signature_outside || f.name != check.field)
        .map(|f| {
            let text = if f.value.is_object() || f.value.is_array() {
                SignedText::Json(&f.signed_text)
            } else {
                SignedText::Str(&f.signed_text)
            };
            (f.name.as_str(), text)
        })
        .collect()
}

/// Parses a body once into its top-level fields in received order; a repeated name is
/// an error, so no two readers can disagree on which copy counts.
fn parse_received(
    format: BodyFormat,
    body: &str,
    defs: &[FieldDef],
) -> Result<Vec<ReceivedField>, String> {
    let fields: Vec<ReceivedField> = match format {
        BodyFormat::Json => {
            let object: RawObject<'_> = serde_json::from_str(body.trim())
                .map_err(|e| format!("body is not a JSON object: {e}"))?;
            object
                .0
                .into_iter()
                .map(|(name, raw)| {
                    let signed_text =
                        signed_text(raw).map_err(|e| format!("field `{name}`: {e}"))?;
                    let def = defs.iter().find(|d| d.name == name.as_str());
                    let value =
                        typed_member(raw.get(), def).map_err(|e| format!("field `{name}`: {e}"))?;
                    Ok(ReceivedField {
                        name,
                        in_member: false,
                        signed_text,
                        value,
                    })
                })
                .collect::<Result<_, String>>()?
        }
        BodyFormat::Xml | BodyFormat::XmlCdata => crate::wire::xml::parse_fields(body)
            .map_err(|e| format!("body is not a flat XML document: {e}"))?
            .into_iter()
            .map(|(name, text)| ReceivedField {
                name,
                in_member: false,
                value: Value::String(text.clone()),
                signed_text: text,
            })
            .collect(),
        BodyFormat::FormRaw => crate::wire::form_raw::parse(body)
            .map_err(|e| format!("body is not a raw `k=v&k=v` form: {e}"))?
            .into_iter()
            .map(|(name, text)| ReceivedField {
                name: name.to_owned(),
                in_member: false,
                value: Value::String(text.to_owned()),
                signed_text: text.to_owned(),
            })
            .collect(),
        BodyFormat::Form | BodyFormat::Query => {
            let text = body.trim();
            let text = if format == BodyFormat::Query {
                text.strip_prefix('?').unwrap_or(text)
            } else {
                text
            };
            let mut fields: Vec<ReceivedField> = Vec::new();
            for (name, value) in form_urlencoded::parse(text.as_bytes()) {
                if fields.iter().any(|f| f.name == name) {
                    return Err(format!("duplicate field `{name}`"));
                }
                fields.push(ReceivedField {
                    name: name.into_owned(),
                    in_member: false,
                    signed_text: value.to_string(),
                    value: Value::String(value.into_owned()),
                });
            }
            fields
        }
    };
    Ok(fields)
}

/// A member opened by [`open_member`]: its name and its raw text, exactly as received.
struct OpenedMember {
    name: String,
    text: String,
}

/// Replaces the member holding the business fields by its own members (marked
/// `in_member`), keeping the other top-level fields; gives the member's name and raw text.
fn open_member(
    top: Vec<ReceivedField>,
    members: &[Text],
    defs: &[FieldDef],
) -> Result<(Vec<ReceivedField>, Option<OpenedMember>), String> {
    if members.is_empty() {
        return Ok((top, None));
    }
    let Some(index) = members
        .iter()
        .find_map(|m| top.iter().position(|f| f.name == m.as_ref()))
    else {
        let names: Vec<&str> = members.iter().map(|m| m.as_ref()).collect();
        return Err(format!("none of the members {names:?} is present"));
    };
    let mut fields = top;
    let member = fields.remove(index);
    // Positions inside the member would point into text the reader never sees whole.
    if !member.value.is_object() {
        let shown: String = member.signed_text.chars().take(40).collect();
        return Err(format!(
            "member `{}` is `{shown}`, not a JSON object",
            member.name
        ));
    }
    let mut inner = parse_received(BodyFormat::Json, &member.signed_text, defs)
        .map_err(|e| format!("member `{}`: {e}", member.name))?;
    for field in &mut inner {
        field.in_member = true;
        if fields.iter().any(|f| f.name == field.name) {
            return Err(format!(
                "field `{}` appears both in member `{}` and beside it",
                field.name, member.name
            ));
        }
    }
    inner.extend(fields);
    Ok((
        inner,
        Some(OpenedMember {
            name: member.name,
            text: member.signed_text,
        }),
    ))
}

/// The most uncertain documented code in a decoded reply: `unknown` over `in_progress`
/// over `retryable` over `failed` over `success`, so that one uncertain code among
/// several (WeChat's `result_code` FAIL with `err_code` SYSTEMERROR) is never missed.
pub fn code_meaning(operation: &Operation, fields: &Map<String, Value>) -> Option<ReceivedCode> {
    operation
        .codes
        .iter()
        .filter(|code| lookup(fields, &code.field).is_some_and(|v| text_of(v) == *code.value))
        .max_by_key(|code| code.outcome)
        .map(|code| ReceivedCode {
            field: code.field.to_string(),
            value: code.value.to_string(),
            outcome: code.outcome,
        })
}

/// Applies a success rule; on failure gives the failed check's code and message.
pub fn judge(rule: &SuccessRule, fields: &Map<String, Value>) -> Result<(), Refusal> {
    let code = lookup(fields, &rule.field).map(text_of).unwrap_or_default();
    let alternative = || rule.or.iter().any(|other| judge(other, fields).is_ok());
    if !rule.equals.iter().any(|ok| *ok == code) && !alternative() {
        return Err(refusal(rule, fields, code));
    }
    rule.and.iter().try_for_each(|inner| judge(inner, fields))
}

/// The refusal a reply states under `rule`: `code` with the reply's message (and its
/// detail, where present).
fn refusal(rule: &SuccessRule, fields: &Map<String, Value>, code: String) -> Refusal {
    let message = rule
        .message
        .as_deref()
        .and_then(|path| lookup(fields, path))
        .map(text_of);
    let detail = rule
        .detail
        .as_deref()
        .and_then(|path| lookup(fields, path))
        .map(text_of)
        .filter(|d| !d.is_empty());
    let message = match (message, detail) {
        (Some(message), Some(detail)) => Some(format!("{message}: {detail}")),
        (message, detail) => message.or(detail),
    };
    Refusal {
        field: rule.field.to_string(),
        code,
        message,
    }
}

pub(crate) fn lookup<'v>(fields: &'v Map<String, Value>, path: &str) -> Option<&'v Value> {
    let mut parts = path.split('.');
    let mut current = fields.get(parts.next()?)?;
    for part in parts {
        current = current.get(part)?;
    }
    Some(current)
}

/// A decoded value's text: a string's content, `null` as empty, anything else its JSON.
pub(crate) fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
