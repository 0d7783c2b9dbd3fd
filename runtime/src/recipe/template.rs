//! Template strings to sign: named parts of a message joined by a separator, the shape
//! of WeChat Pay v3's `HTTP method\nURL\ntimestamp\nnonce\nbody\n` for a request and
//! `timestamp\nnonce\nbody\n` (from its headers) for a reply.

use crate::crypto::credentials::Credentials;
use crate::crypto::digest::digest_hex;
use crate::error::{Error, SignatureFailure};
use crate::wire::auth_params::header_param;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use paygen_protocol::{HeaderParam, HexCase, PartDigest, Template, TemplatePart};

/// The values of one request's template parts.
#[derive(Debug, Clone, Copy, Default)]
pub struct TemplateValues<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The URL's path with its query.
    pub path: &'a str,
    /// The request time, formatted as the template says.
    pub timestamp: &'a str,
    /// The request's nonce.
    pub nonce: &'a str,
    /// The body text.
    pub body: &'a str,
    /// The message's headers: the ones a request sends, or the ones received.
    pub headers: &'a [(String, String)],
    /// The template of auth parameters that `header_param` parts read their header
    /// against (the check's `header_template`); empty when there is none.
    pub header_template: &'a str,
}

impl<'a> TemplateValues<'a> {
    /// The one value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        let mut found = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        match (found.next(), found.next()) {
            (Some((_, value)), None) => Some(value.as_str()),
            _ => None,
        }
    }
}

/// Writes the string to sign of `template` over `values` into `out`. A header the
/// message lacks (or carries twice) is a missing signature part; a credential part
/// reads the credential.
pub fn template_string(
    template: &Template,
    values: &TemplateValues<'_>,
    credentials: &Credentials,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    write_parts(&template.parts, &template.join, values, credentials, out)?;
    if template.trailing && !template.parts.is_empty() {
        out.extend_from_slice(template.join.as_bytes());
    }
    Ok(())
}

/// Writes `parts` joined by `join`: a string to sign, or a header's value.
pub fn write_parts(
    parts: &[TemplatePart],
    join: &str,
    values: &TemplateValues<'_>,
    credentials: &Credentials,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            out.extend_from_slice(join.as_bytes());
        }
        match part {
            TemplatePart::Method => out.extend_from_slice(values.method.as_bytes()),
            TemplatePart::Path => out.extend_from_slice(values.path.as_bytes()),
            TemplatePart::Timestamp(_) => out.extend_from_slice(values.timestamp.as_bytes()),
            TemplatePart::Nonce(_) => out.extend_from_slice(values.nonce.as_bytes()),
            TemplatePart::Body => out.extend_from_slice(values.body.as_bytes()),
            TemplatePart::Literal(text) => out.extend_from_slice(text.as_bytes()),
            TemplatePart::Credential(name) => {
                out.extend_from_slice(credentials.get(name)?.expose().as_bytes());
            }
            TemplatePart::Header(name) => {
                let value = values.header(name).ok_or_else(|| Error::Signature {
                    reason: SignatureFailure::Missing(name.to_string()),
                    body: values.body.to_owned(),
                })?;
                out.extend_from_slice(value.as_bytes());
            }
            TemplatePart::HeaderParam(HeaderParam { header, param }) => {
                let value = header_param(values.headers, header, values.header_template, param)
                    .ok_or_else(|| Error::Signature {
                        reason: SignatureFailure::Missing(format!("{header} {param}")),
                        body: values.body.to_owned(),
                    })?;
                out.extend_from_slice(value.as_bytes());
            }
            TemplatePart::BodyDigest(algorithm) => {
                let digest = digest_hex(*algorithm, values.body.as_bytes(), HexCase::Lower);
                out.extend_from_slice(digest.as_bytes());
            }
            TemplatePart::Digest(PartDigest { hash, of }) => {
                let mut inner = Vec::new();
                write_parts(of, "", values, credentials, &mut inner)?;
                out.extend_from_slice(digest_hex(*hash, &inner, HexCase::Lower).as_bytes());
            }
            TemplatePart::Base64(of) => {
                let mut inner = Vec::new();
                write_parts(of, "", values, credentials, &mut inner)?;
                out.extend_from_slice(STANDARD.encode(&inner).as_bytes());
            }
        }
    }
    Ok(())
}

/// The path and query of an absolute URL (`/v3/pay?a=1` of `https://h/v3/pay?a=1`);
/// `/` when it has none.
pub fn path_and_query(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    match after_scheme.find(['/', '?']) {
        Some(start) => after_scheme.get(start..).unwrap_or("/"),
        None => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paygen_protocol::ClockFormat;
    use std::borrow::Cow;

    #[test]
    fn wechat_pay_v3_lines_each_end_with_a_newline() {
        static PARTS: [TemplatePart; 5] = [
            TemplatePart::Method,
            TemplatePart::Path,
            TemplatePart::Timestamp(ClockFormat::UnixSeconds),
            TemplatePart::Nonce(32),
            TemplatePart::Body,
        ];
        let template = Template {
            parts: Cow::Borrowed(&PARTS),
            join: "\n".into(),
            trailing: true,
        };
        let values = TemplateValues {
            method: "GET",
            path: "/v3/certificates",
            timestamp: "1554208460",
            nonce: "593BEC0C930BF1AFEB40B4A08C8FB242",
            body: "",
            headers: &[],
            header_template: "",
        };
        let mut out = Vec::new();
        template_string(&template, &values, &Credentials::new(), &mut out).unwrap();
        assert_eq!(
            out,
            b"GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n"
        );
    }

    #[test]
    fn literal_credential_header_and_body_digest_parts() {
        // `appId + timestamp + nonce + hex(SHA-256(body))` with a literal scheme first;
        // SHA-256("abc") from FIPS 180-2 B.1.
        let parts = vec![
            TemplatePart::Literal("SCHEME".into()),
            TemplatePart::Credential("app_id".into()),
            TemplatePart::Header("X-Timestamp".into()),
            TemplatePart::BodyDigest(paygen_protocol::DigestAlgorithm::Sha256),
        ];
        let template = Template {
            parts: Cow::Owned(parts),
            join: "|".into(),
            trailing: false,
        };
        let headers = vec![("x-timestamp".to_owned(), "1700000000".to_owned())];
        let values = TemplateValues {
            body: "abc",
            headers: &headers,
            ..TemplateValues::default()
        };
        let credentials = Credentials::new().plain("app_id", "wx1");
        let mut out = Vec::new();
        template_string(&template, &values, &credentials, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "SCHEME|wx1|1700000000|ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // A header absent, or given twice, is a missing part, never a guess.
        for headers in [vec![], [headers.clone(), headers.clone()].concat()] {
            let values = TemplateValues {
                headers: &headers,
                ..values
            };
            let error = template_string(&template, &values, &credentials, &mut Vec::new());
            assert!(
                matches!(
                    error,
                    Err(Error::Signature {
                        reason: SignatureFailure::Missing(ref name),
                        ..
                    }) if name == "X-Timestamp"
                ),
                "{error:?}"
            );
        }
        let error = template_string(&template, &values, &Credentials::new(), &mut Vec::new());
        assert!(
            matches!(error, Err(Error::MissingCredential { .. })),
            "{error:?}"
        );
    }

    #[test]
    fn header_param_parts_read_the_header_against_its_template() {
        let parts = vec![
            TemplatePart::HeaderParam(HeaderParam {
                header: "Authorization".into(),
                param: "timestamp".into(),
            }),
            TemplatePart::HeaderParam(HeaderParam {
                header: "Authorization".into(),
                param: "nonce_str".into(),
            }),
            TemplatePart::Body,
        ];
        let template = Template {
            parts: Cow::Owned(parts),
            join: "\n".into(),
            trailing: true,
        };
        let header = r#"S nonce_str="abc",timestamp="1554208460",signature="x""#;
        let headers = vec![("authorization".to_owned(), header.to_owned())];
        let values = TemplateValues {
            body: "{}",
            headers: &headers,
            header_template: r#"S nonce_str="{nonce}",timestamp="{timestamp}",signature="{signature}""#,
            ..TemplateValues::default()
        };
        let mut out = Vec::new();
        template_string(&template, &values, &Credentials::new(), &mut out).unwrap();
        assert_eq!(out, b"1554208460\nabc\n{}\n");
        // The header twice, or one that does not read, is a missing part.
        let twice = [headers.clone(), headers.clone()].concat();
        let bad = vec![("Authorization".to_owned(), header.replace("S ", "T "))];
        for headers in [twice, bad, vec![]] {
            let values = TemplateValues {
                headers: &headers,
                ..values
            };
            let error = template_string(&template, &values, &Credentials::new(), &mut Vec::new());
            assert!(
                matches!(
                    error,
                    Err(Error::Signature {
                        reason: SignatureFailure::Missing(_),
                        ..
                    })
                ),
                "{error:?}"
            );
        }
    }

    #[test]
    fn path_and_query_of_urls() {
        assert_eq!(path_and_query("https://a.com/v3/x?y=1"), "/v3/x?y=1");
        assert_eq!(path_and_query("https://a.com"), "/");
    }
}
