//! Template strings to sign: named parts of a request joined by a separator, the shape
//! of WeChat Pay v3's `HTTP method\nURL\ntimestamp\nnonce\nbody\n`.

use paygen_protocol::{Template, TemplatePart};

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
}

/// Writes the string to sign of `template` over `values` into `out`.
pub fn template_string(template: &Template, values: &TemplateValues<'_>, out: &mut Vec<u8>) {
    for (index, part) in template.parts.iter().enumerate() {
        if index > 0 {
            out.extend_from_slice(template.join.as_bytes());
        }
        let value = match part {
            TemplatePart::Method => values.method,
            TemplatePart::Path => values.path,
            TemplatePart::Timestamp(_) => values.timestamp,
            TemplatePart::Nonce(_) => values.nonce,
            TemplatePart::Body => values.body,
        };
        out.extend_from_slice(value.as_bytes());
    }
    if template.trailing && !template.parts.is_empty() {
        out.extend_from_slice(template.join.as_bytes());
    }
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
        };
        let mut out = Vec::new();
        template_string(&template, &values, &mut out);
        assert_eq!(
            out,
            b"GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n"
        );
    }

    #[test]
    fn path_and_query_of_urls() {
        assert_eq!(path_and_query("https://a.com/v3/x?y=1"), "/v3/x?y=1");
        assert_eq!(path_and_query("https://a.com"), "/");
    }
}
