//! A signature header read against its template: the one reader of the provider's side
//! (a request's `Authorization`) and of the client's (a reply's or callback's), so that
//! both sides read the same bytes the same way.

use crate::crypto::credentials::Credentials;
use crate::crypto::secret::same_text;
use crate::error::{Error, SignatureFailure};
use crate::wire::auth_params::{read_params, ParamRule};
use paygen_protocol::{template_pieces, ParamTemplate, Piece};

/// The values a signature header carries, by its template's placeholders.
#[derive(Debug, Default)]
pub struct HeaderValues<'h> {
    /// `{signature}`.
    pub signature: &'h str,
    /// `{timestamp}`, empty when the template has none.
    pub timestamp: &'h str,
    /// `{nonce}`, empty when the template has none.
    pub nonce: &'h str,
    /// Every other placeholder (a credential) and its received value.
    pub credentials: Vec<(&'h str, &'h str)>,
    /// Of a template of auth parameters: each parameter's name and value, in order.
    pub params: Vec<(&'h str, &'h str)>,
}

impl HeaderValues<'_> {
    /// Whether every credential placeholder holds the credential's value (compared in
    /// constant time); a credential not configured is an error.
    pub fn credentials_match(&self, credentials: &Credentials) -> Result<bool, Error> {
        let mut all = true;
        for (name, given) in &self.credentials {
            all &= same_text(credentials.get(name)?.expose(), given);
        }
        Ok(all)
    }
}

/// Reads a header's value against its template: strictly as auth parameters
/// (`SCHEME a="{x}",signature="{signature}"`, see [`read_params`]) when the template
/// has that shape, else as literal text around placeholders (`{terminal_sn} {signature}`).
pub fn read_header<'h>(template: &'h str, value: &'h str) -> Result<HeaderValues<'h>, ParamRule> {
    let mut out = HeaderValues::default();
    let values = match ParamTemplate::parse(template) {
        Ok(params) => {
            let read = read_params(&params, value)?;
            out.params = read.iter().map(|(slot, v)| (slot.name, *v)).collect();
            read.into_iter()
                .map(|(slot, v)| (slot.placeholder, v))
                .collect()
        }
        Err(_) => read_template(template, value, false).ok_or(ParamRule::Template)?,
    };
    for (name, text) in values {
        match name {
            "signature" => out.signature = text,
            "timestamp" => out.timestamp = text,
            "nonce" => out.nonce = text,
            credential => out.credentials.push((credential, text)),
        }
    }
    Ok(out)
}

/// Header `name`'s `value` read against `template` ([`read_header`]), its credentials
/// checked against the receiver's: a header that does not read is
/// [`SignatureFailure::MalformedHeader`] naming the rule, another credential a
/// [`SignatureFailure::Mismatch`] (`body` is the received text, for the error).
pub fn read_signature_header<'h>(
    name: &str,
    template: &'h str,
    value: &'h str,
    credentials: &Credentials,
    body: &str,
) -> Result<HeaderValues<'h>, Error> {
    let refused = |reason| Error::Signature {
        reason,
        body: body.to_owned(),
    };
    let read = read_header(template, value).map_err(|rule| {
        refused(SignatureFailure::MalformedHeader {
            header: name.to_owned(),
            rule,
        })
    })?;
    if !read.credentials_match(credentials)? {
        return Err(refused(SignatureFailure::Mismatch));
    }
    Ok(read)
}

/// The text of each `{name}` of `template` in `text`, which the template must match
/// whole: a placeholder runs up to the template's next literal text (and, within a
/// path, never past a `/`).
pub(crate) fn read_template<'t, 'x>(
    template: &'t str,
    text: &'x str,
    in_path: bool,
) -> Option<Vec<(&'t str, &'x str)>> {
    let pieces = template_pieces(template);
    let mut rest = text;
    let mut values = Vec::new();
    for (index, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Text(literal) | Piece::Unclosed(literal) => rest = rest.strip_prefix(literal)?,
            Piece::Placeholder(name) => {
                let bound = if in_path {
                    rest.find('/').unwrap_or(rest.len())
                } else {
                    rest.len()
                };
                let scope = rest.get(..bound)?;
                let end = match pieces.get(index + 1) {
                    Some(Piece::Text(next)) if !(in_path && next.starts_with('/')) => {
                        scope.find(next)?
                    }
                    _ => bound,
                };
                values.push((*name, rest.get(..end)?));
                rest = rest.get(end..)?;
            }
        }
    }
    rest.is_empty().then_some(values)
}
