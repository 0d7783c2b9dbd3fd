//! Request encoding: business fields plus common fields, through the envelope, signed.

use crate::clock::{format_clock, Clock, NonceSource};
use crate::crypto::credentials::Credentials;
use crate::error::Error;
use crate::message::payload::encode_payload;
use crate::message::validate::validate_request;
use crate::recipe::canonical::SignedText;
use crate::recipe::sign::{choose_recipe, sign, ChoiceSource, SignSource, SigningTrace};
use crate::recipe::template::{path_and_query, write_parts, TemplateValues};
use crate::wire::form_raw::RawFormError;
use crate::wire::xml::{self, XmlField};
use crate::wire::{content_type, write_json_object, xml_fields, WireFields, WireValue};
use paygen_protocol::{
    template_pieces, BodyFormat, ClockFormat, CommonField, Operation, Payload, Piece, Provider,
    Recipe, SignInput, SignatureOutput, TemplatePart, ValueSource,
};

/// The root element of an XML body (WeChat Pay v2 writes `<xml>`).
pub const XML_BODY_ROOT: &str = "xml";
use std::borrow::Cow;

/// Headers in order, as a request sends them.
pub type HeaderList = Vec<(Cow<'static, str>, Cow<'static, str>)>;

/// An HTTP request, exactly as it will be sent.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct HttpRequest {
    /// `POST`, `GET`...
    pub method: Cow<'static, str>,
    /// Full URL.
    pub url: String,
    /// Headers in order.
    pub headers: HeaderList,
    /// The body text.
    pub body: String,
    /// Names of the headers whose value carries a secret (`Authorization: Basic ..`):
    /// Debug shows them as `<redacted>`.
    pub sensitive: Vec<Cow<'static, str>>,
}

impl HttpRequest {
    /// The headers as they may be shown: a sensitive one's value is `<redacted>`.
    pub fn headers_shown(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(name, value)| {
            let hidden = self.sensitive.iter().any(|s| s.eq_ignore_ascii_case(name));
            (
                name.as_ref(),
                if hidden { "<redacted>" } else { value.as_ref() },
            )
        })
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self.headers_shown().collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}

/// Everything besides the fields that a request's bytes depend on.
pub struct RequestContext<'c> {
    /// Base URL of the environment.
    pub base_url: &'c str,
    /// The merchant's credentials.
    pub credentials: &'c Credentials,
    /// The clock for clock fields.
    pub clock: &'c dyn Clock,
    /// The nonce source for nonce fields.
    pub nonce: &'c dyn NonceSource,
}

/// Builds the signed HTTP request of `operation` from its business fields.
/// The trace, when given, receives every signing stage.
///
/// The stages, in the order the signing trace shows them: common fields, payload,
/// signature, placement (a field or a header), body.
pub fn encode_request(
    provider: &Provider,
    operation: &Operation,
    business: &WireFields<'_>,
    context: &RequestContext<'_>,
    trace: Option<&mut SigningTrace>,
) -> Result<HttpRequest, Error> {
    validate_request(operation, business)?;
    let envelope = &provider.request;
    let common = common_fields(provider, operation, context, business)?;
    // Path parameters travel in the URL only; request-valued common fields at the top.
    let (path, in_path) = fill_path(&operation.path, business)?;
    let business: Vec<(&str, &WireValue<'_>)> = business
        .iter()
        .filter(|(name, _)| {
            !in_path.contains(name) && !is_request_common(provider, operation, name)
        })
        .collect();
    let payload = payload_field(&envelope.payload, &common, &business, context)?;
    let mut top = top_level_fields(&envelope.payload, &common, &business, payload.as_ref());

    // A GET has no body: its fields go in the query string, whatever the envelope's
    // body format (a spec's `body: query` says the same for every method).
    let in_query = envelope.body == BodyFormat::Query || operation.method == "GET";
    let format = if in_query {
        BodyFormat::Query
    } else {
        envelope.body
    };
    let mut headers = request_headers(provider, operation, format, in_query, context.credentials)?;
    let signature_value;
    let signature = envelope.signature.as_ref().filter(|_| operation.signed);
    let body = match signature {
        None => render_body(format, &top)?,
        Some(signature) => {
            let credentials = context.credentials;
            let field = |name: &str| {
                let (_, value) = top.iter().find(|(n, _)| *n == name)?;
                Some(value.text().into_owned())
            };
            let source = ChoiceSource {
                credentials,
                field: &field,
                signature: None,
                body: "",
            };
            let recipe = choose_recipe(&signature.recipe, signature.choose_by.as_ref(), &source)?;
            let signed = signature_of(
                &SigningInput {
                    provider,
                    operation,
                    recipe,
                    format,
                    top: &top,
                    payload: payload.as_ref(),
                    context,
                    path: &path,
                    in_query,
                },
                trace,
            )?;
            // Placement: into a field of the body, or into a header.
            match &signature.output {
                SignatureOutput::Field(name) => {
                    signature_value = WireValue::Text(Cow::Owned(signed.value));
                    top.push((name, &signature_value));
                }
                SignatureOutput::Header { name, template } => {
                    let parts = signed.parts.as_ref();
                    let header = fill_template(template, &signed.value, parts, credentials)?;
                    headers.push((name.clone(), Cow::Owned(header)));
                }
            }
            match signed.body {
                Some(body) => body,
                None => render_body(format, &top)?,
            }
        }
    };
    let url = request_url(context, &path, in_query.then_some(body.as_str()));
    let body = if in_query { String::new() } else { body };
    let sensitive = (provider.request.headers.iter())
        .chain(operation.headers.iter())
        .filter(|h| h.sensitive)
        .map(|h| h.name.clone())
        .collect();
    Ok(HttpRequest {
        method: operation.method.clone(),
        url,
        headers,
        body,
        sensitive,
    })
}

/// Stage 1: the envelope's and the operation's common fields, with their values; a
/// request-valued one takes the caller's value from `business`, and is left out when
/// not given (validation has required it when the spec does).
fn common_fields<'p>(
    provider: &'p Provider,
    operation: &'p Operation,
    context: &RequestContext<'p>,
    business: &'p WireFields<'_>,
) -> Result<Vec<(&'p CommonField, WireValue<'p>)>, Error> {
    let mut fields = Vec::with_capacity(provider.request.common.len() + operation.common.len());
    for field in provider
        .request
        .common
        .iter()
        .chain(operation.common.iter())
    {
        let value = match field.value {
            ValueSource::Request => match business.get(&field.name) {
                Some(value) => value.borrowed(),
                None => continue,
            },
            _ => common_value(provider, field, context)?,
        };
        fields.push((field, value));
    }
    Ok(fields)
}

/// Whether `name` is a common field the caller sets per request.
fn is_request_common(provider: &Provider, operation: &Operation, name: &str) -> bool {
    (provider.request.common.iter())
        .chain(operation.common.iter())
        .any(|f| f.name == name && matches!(f.value, ValueSource::Request))
}

/// Stage 2: the encoded payload field (name and value), when the envelope has one: the
/// business fields and the common fields that travel inside it.
fn payload_field<'p>(
    payload: &'p Payload,
    common: &[(&CommonField, WireValue<'_>)],
    business: &[(&str, &WireValue<'_>)],
    context: &RequestContext<'_>,
) -> Result<Option<(&'p str, WireValue<'static>)>, Error> {
    let Payload::Field(field) = payload else {
        return Ok(None);
    };
    let inner: Vec<(&str, &WireValue<'_>)> = common
        .iter()
        .filter(|(f, _)| f.in_payload)
        .map(|(f, v)| (f.name.as_ref(), v))
        .chain(business.iter().copied())
        .collect();
    let value = encode_payload(field, &inner, context.credentials, context.nonce)?;
    Ok(Some((field.name.as_ref(), value)))
}

/// The message's top-level fields before the signature: common fields, then the
/// business fields inline or the payload field.
fn top_level_fields<'a>(
    payload: &Payload,
    common: &'a [(&'a CommonField, WireValue<'a>)],
    business: &[(&'a str, &'a WireValue<'a>)],
    encoded: Option<&'a (&'a str, WireValue<'static>)>,
) -> Vec<(&'a str, &'a WireValue<'a>)> {
    let mut top = Vec::with_capacity(common.len() + business.len() + 2);
    let in_payload = |f: &CommonField| matches!(payload, Payload::Field(_)) && f.in_payload;
    top.extend(
        common
            .iter()
            .filter(|(f, _)| !in_payload(f))
            .map(|(f, v)| (f.name.as_ref(), v)),
    );
    match encoded {
        Some((name, value)) => top.push((*name, value)),
        None => top.extend(business.iter().copied()),
    }
    top
}

/// The content type (none for a query string), the envelope's headers, then the
/// operation's, each composed of its parts.
fn request_headers(
    provider: &Provider,
    operation: &Operation,
    format: BodyFormat,
    in_query: bool,
    credentials: &Credentials,
) -> Result<HeaderList, Error> {
    let envelope = &provider.request;
    let mut headers = Vec::with_capacity(2 + envelope.headers.len() + operation.headers.len());
    if !in_query {
        headers.push((
            Cow::Borrowed("Content-Type"),
            Cow::Borrowed(content_type(format)),
        ));
    }
    for header in envelope.headers.iter().chain(operation.headers.iter()) {
        let value = match header.parts.as_ref() {
            [TemplatePart::Literal(text)] => text.clone(),
            parts => {
                let mut value = Vec::new();
                let values = TemplateValues::default();
                write_parts(parts, "", &values, credentials, &mut value)?;
                // Parts are literals, credentials, base64 and hex: text, unless a
                // credential is not (then the HTTP client would refuse it anyway).
                Cow::Owned(String::from_utf8_lossy(&value).into_owned())
            }
        };
        headers.push((header.name.clone(), value));
    }
    Ok(headers)
}

/// What the signature stage reads.
struct SigningInput<'s, 'a> {
    provider: &'s Provider,
    operation: &'s Operation,
    recipe: &'s Recipe,
    format: BodyFormat,
    top: &'s [(&'a str, &'a WireValue<'a>)],
    payload: Option<&'s (&'a str, WireValue<'static>)>,
    context: &'s RequestContext<'s>,
    path: &'s str,
    in_query: bool,
}

/// A computed signature, with the body it covers when it covers the finished body,
/// and the template parts a header template repeats.
struct Signed {
    value: String,
    body: Option<String>,
    parts: Option<TemplateParts>,
}

/// Stage 3: the signature. A body signature covers the finished body; the others are
/// computed first and then written into the body or a header. Validation rejects a
/// body signature written into a body field.
fn signature_of(
    input: &SigningInput<'_, '_>,
    trace: Option<&mut SigningTrace>,
) -> Result<Signed, Error> {
    let SigningInput {
        provider,
        operation,
        recipe,
        format,
        top,
        payload,
        context,
        path,
        in_query,
    } = *input;
    let credentials = context.credentials;
    let unsigned_body = |value| Signed {
        value,
        body: None,
        parts: None,
    };
    match recipe.input {
        SignInput::Canonical => {
            let mut pairs = Vec::with_capacity(top.len() + 1);
            pairs.extend(top.iter().map(|(n, v)| (*n, SignedText::Wire(v))));
            let value = sign(recipe, SignSource::Pairs(pairs), credentials, trace)?;
            Ok(unsigned_body(value))
        }
        SignInput::PayloadField => {
            let text = payload.map(|(_, value)| value.text()).unwrap_or_default();
            let value = sign(
                recipe,
                SignSource::Bytes(text.as_bytes()),
                credentials,
                trace,
            )?;
            Ok(unsigned_body(value))
        }
        // Validation keeps a member signature to responses; a request has no member,
        // so the body stands in.
        SignInput::Body | SignInput::Member => {
            let body = render_body(format, top)?;
            let bytes = SignSource::Bytes(body.as_bytes());
            let value = sign(recipe, bytes, credentials, trace)?;
            Ok(Signed {
                value,
                body: Some(body),
                parts: None,
            })
        }
        SignInput::Template => {
            let body = render_body(format, top)?;
            let url = request_url(context, path, in_query.then_some(body.as_str()));
            let parts = TemplateParts::new(provider, recipe, context)?;
            // A header part reads one of the constant headers the request sends.
            let sent: Vec<(String, String)> =
                request_headers(provider, operation, format, in_query, context.credentials)?
                    .into_iter()
                    .map(|(name, value)| (name.into_owned(), value.into_owned()))
                    .collect();
            let values = TemplateValues {
                method: &operation.method,
                path: path_and_query(&url),
                timestamp: &parts.timestamp,
                nonce: &parts.nonce,
                // Fields sent in the query are in the path part; the body sent is empty.
                body: if in_query { "" } else { &body },
                headers: &sent,
                header_template: "",
            };
            let value = sign(recipe, SignSource::Parts(values), credentials, trace)?;
            Ok(Signed {
                value,
                body: Some(body),
                parts: Some(parts),
            })
        }
    }
}

/// The operation's path with each `{name}` replaced by that request field's text,
/// percent-encoded as one path segment; returns the names used.
fn fill_path<'p>(
    template: &'p str,
    business: &WireFields<'_>,
) -> Result<(Cow<'p, str>, Vec<&'p str>), Error> {
    if !template.contains('{') {
        return Ok((Cow::Borrowed(template), Vec::new()));
    }
    let mut out = String::with_capacity(template.len() + 32);
    let mut used = Vec::new();
    for piece in template_pieces(template) {
        match piece {
            Piece::Text(text) | Piece::Unclosed(text) => out.push_str(text),
            Piece::Placeholder(name) => {
                let value = business
                    .get(name)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| Error::InvalidParam {
                        field: name.to_owned(),
                        rule: crate::error::ParamRule::Required,
                    })?;
                push_path_segment(&mut out, &value.text());
                used.push(name);
            }
        }
    }
    Ok((Cow::Owned(out), used))
}

/// Appends `text` as one path segment: RFC 3986 unreserved bytes kept, every other
/// byte (`/`, `?`, `#`, space, non-ASCII) as `%XX`.
fn push_path_segment(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        }
    }
}

/// The URL a request goes to; template signatures sign its path and query.
/// The request's URL: base, filled path, and the query string when the fields travel
/// there. Template signatures sign exactly this URL's path and query.
fn request_url(context: &RequestContext<'_>, path: &str, query: Option<&str>) -> String {
    let query = query.filter(|q| !q.is_empty());
    let mut url = String::with_capacity(
        context.base_url.len() + path.len() + query.map_or(0, |q| q.len() + 1),
    );
    url.push_str(context.base_url.trim_end_matches('/'));
    url.push_str(path);
    if let Some(query) = query {
        url.push(if path.contains('?') { '&' } else { '?' });
        url.push_str(query);
    }
    url
}

/// A template signature's timestamp and nonce, made once per request: they are signed
/// and also written into the header as `{timestamp}` and `{nonce}`.
struct TemplateParts {
    timestamp: String,
    nonce: String,
}

impl TemplateParts {
    fn new(
        provider: &Provider,
        recipe: &Recipe,
        context: &RequestContext<'_>,
    ) -> Result<Self, Error> {
        let mut parts = TemplateParts {
            timestamp: String::new(),
            nonce: String::new(),
        };
        // Inside a digest or base64 part too: one timestamp and one nonce per request.
        let mut request_parts = Vec::new();
        for part in recipe.template.parts.iter() {
            part.walk(&mut |p| request_parts.push(p));
        }
        for part in request_parts {
            match part {
                TemplatePart::Timestamp(format) if parts.timestamp.is_empty() => format_clock(
                    context.clock.now_millis(),
                    *format,
                    provider.utc_offset_minutes,
                    &mut parts.timestamp,
                ),
                TemplatePart::Nonce(len) if parts.nonce.is_empty() => {
                    context.nonce.fill(usize::from(*len), &mut parts.nonce)?
                }
                _ => {}
            }
        }
        Ok(parts)
    }
}

fn common_value<'c>(
    provider: &Provider,
    field: &'c CommonField,
    context: &RequestContext<'c>,
) -> Result<WireValue<'c>, Error> {
    Ok(match &field.value {
        ValueSource::Credential(name) => {
            WireValue::Text(Cow::Borrowed(context.credentials.get(name)?.expose()))
        }
        ValueSource::Constant(text) => WireValue::Text(Cow::Borrowed(text.as_ref())),
        ValueSource::Clock(format) if field.as_number => {
            let millis = context.clock.now_millis();
            WireValue::Int(match format {
                ClockFormat::UnixMillis => millis,
                // Validation allows `as_number` for the Unix formats only.
                _ => millis.div_euclid(1000),
            })
        }
        ValueSource::Clock(format) => {
            let mut text = String::with_capacity(20);
            format_clock(
                context.clock.now_millis(),
                *format,
                provider.utc_offset_minutes,
                &mut text,
            );
            WireValue::Text(Cow::Owned(text))
        }
        ValueSource::Nonce(len) => {
            let mut text = String::with_capacity(usize::from(*len));
            context.nonce.fill(usize::from(*len), &mut text)?;
            WireValue::Text(Cow::Owned(text))
        }
        // Taken from the caller's fields by `common_fields`.
        ValueSource::Request => WireValue::Text(Cow::Borrowed("")),
    })
}

/// Replaces `{signature}`, `{<credential>}` and, for template signatures,
/// `{timestamp}` and `{nonce}` in a header template.
fn fill_template(
    template: &str,
    signature: &str,
    parts: Option<&TemplateParts>,
    credentials: &Credentials,
) -> Result<String, Error> {
    let mut out = String::with_capacity(template.len() + signature.len() + 32);
    for piece in template_pieces(template) {
        match piece {
            Piece::Text(text) | Piece::Unclosed(text) => out.push_str(text),
            Piece::Placeholder("signature") => out.push_str(signature),
            Piece::Placeholder("timestamp") if parts.is_some() => {
                out.push_str(parts.map_or("", |p| p.timestamp.as_str()))
            }
            Piece::Placeholder("nonce") if parts.is_some() => {
                out.push_str(parts.map_or("", |p| p.nonce.as_str()))
            }
            Piece::Placeholder(name) => out.push_str(credentials.get(name)?.expose()),
        }
    }
    Ok(out)
}

/// A body's likely size, so that it is written without reallocating.
fn size_hint(fields: &[(&str, &WireValue<'_>)]) -> usize {
    fields
        .iter()
        .map(|(name, value)| {
            name.len()
                + 6
                + match value {
                    WireValue::Text(text) => text.len() + text.len() / 8,
                    _ => 24,
                }
        })
        .sum::<usize>()
        + 2
}

pub(crate) fn render_body(
    format: BodyFormat,
    fields: &[(&str, &WireValue<'_>)],
) -> Result<String, Error> {
    Ok(match format {
        BodyFormat::Json => {
            let mut out = String::with_capacity(size_hint(fields));
            write_json_object(fields.iter().copied(), &mut out);
            out
        }
        BodyFormat::Xml | BodyFormat::XmlCdata => {
            let texts = xml_fields(fields);
            let borrowed: Vec<XmlField<'_>> = texts
                .iter()
                .map(|(n, v, number)| (*n, v.as_ref(), *number))
                .collect();
            let mut out = String::with_capacity(size_hint(fields) * 2);
            let cdata = format == BodyFormat::XmlCdata;
            xml::write_document(XML_BODY_ROOT, &borrowed, cdata, &mut out).map_err(|e| {
                let field = match &e {
                    xml::XmlError::Unwritable(name) => name.clone(),
                    _ => String::new(),
                };
                Error::InvalidParam {
                    field,
                    rule: crate::error::ParamRule::Unwritable {
                        reason: e.to_string(),
                    },
                }
            })?;
            out
        }
        BodyFormat::FormRaw => {
            let texts: Vec<(&str, Cow<'_, str>)> =
                fields.iter().map(|(n, v)| (*n, v.text())).collect();
            let mut out = String::with_capacity(size_hint(fields));
            crate::wire::form_raw::write(texts.iter().map(|(n, v)| (*n, v.as_ref())), &mut out)
                .map_err(|e| Error::InvalidParam {
                    field: match &e {
                        RawFormError::AmpersandInValue(name) | RawFormError::BadName(name) => {
                            name.clone()
                        }
                        _ => String::new(),
                    },
                    rule: crate::ParamRule::Unwritable {
                        reason: e.to_string(),
                    },
                })?;
            out
        }
        BodyFormat::Form | BodyFormat::Query => {
            let mut out = String::with_capacity(size_hint(fields));
            for (index, (name, value)) in fields.iter().enumerate() {
                if index > 0 {
                    out.push('&');
                }
                push_form_component(&mut out, name);
                out.push('=');
                push_form_component(&mut out, &value.text());
            }
            out
        }
    })
}

/// Bytes the form serializer keeps as they are: alphanumerics and `*-._`.
const FORM_KEPT: [bool; 256] = {
    let mut kept = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        kept[byte] = b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_');
        byte += 1;
    }
    kept
};

/// Appends `text` `application/x-www-form-urlencoded` (the WHATWG byte serializer:
/// `*-._` and alphanumerics kept, space as `+`, every other byte as `%XX`).
// Runs of kept bytes are copied whole: `form_urlencoded::byte_serialize` yields one slice
// per escaped byte, which made base64 and hex values the slowest part of a form body.
fn push_form_component(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if text.bytes().all(|b| FORM_KEPT[usize::from(b)]) {
        out.push_str(text);
        return;
    }
    let mut run_start = 0;
    for (index, &byte) in text.as_bytes().iter().enumerate() {
        if FORM_KEPT[usize::from(byte)] {
            continue;
        }
        // A run of kept bytes is ASCII, so both of its ends are char boundaries.
        out.push_str(text.get(run_start..index).unwrap_or_default());
        run_start = index + 1;
        if byte == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        }
    }
    out.push_str(text.get(run_start..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_body_keeps_order_and_chinese() {
        let subject = WireValue::Text("测试".into());
        let fee = WireValue::Int(2000);
        let quote = WireValue::Text("a\"b".into());
        let body = render_body(
            BodyFormat::Json,
            &[
                ("subject", &subject),
                ("total_fee", &fee),
                ("quote", &quote),
            ],
        )
        .unwrap();
        assert_eq!(
            body,
            r#"{"subject":"测试","total_fee":2000,"quote":"a\"b"}"#
        );
    }

    #[test]
    fn form_escaping_matches_form_urlencoded() {
        let samples = [
            "eyJh+/=",
            "a b&c=测",
            "~!@#$%^()[]{}|\\:;\"'<>,?`",
            "\u{7f}\u{0}\n",
        ];
        for sample in samples {
            let mut ours = String::new();
            push_form_component(&mut ours, sample);
            let reference: String = form_urlencoded::byte_serialize(sample.as_bytes()).collect();
            assert_eq!(ours, reference, "{sample:?}");
        }
    }

    #[test]
    fn form_body_encodes_reserved_characters_and_copies_the_rest() {
        let req = WireValue::Text("eyJh+/=".into());
        let sign = WireValue::Text("3304A5EC2CDEB4D1".into());
        let note = WireValue::Text("a b&c=测".into());
        let body = render_body(
            BodyFormat::Form,
            &[("req", &req), ("sign", &sign), ("note", &note)],
        )
        .unwrap();
        assert_eq!(
            body,
            "req=eyJh%2B%2F%3D&sign=3304A5EC2CDEB4D1&note=a+b%26c%3D%E6%B5%8B"
        );
    }
}
