//! Flat XML documents, `<xml><name>value</name>...</xml>` (WeChat Pay v2): written
//! from ordered fields, and read once into ordered (name, text) fields.
//!
//! Reading is deliberately narrow. A DOCTYPE is refused (no entity can be declared, so
//! no external entity is fetched and no entity expands into billions of bytes); only
//! XML's predefined entities and character references are resolved. A field holds text
//! and CDATA only: an element inside a field, text between fields, a repeated field
//! name or a second root element is an error. A field's text is kept exactly as
//! received, whitespace included, because a signature covers it as sent.

use quick_xml::events::Event;
use quick_xml::Reader;

/// Why an XML document was refused or could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// quick-xml could not read it (unclosed or mismatched tags, bad entity...).
    #[error("not well-formed XML at byte {position}: {reason}")]
    Syntax {
        /// Byte offset where reading stopped.
        position: u64,
        /// The parser's message.
        reason: String,
    },
    /// The document declares a DOCTYPE.
    #[error(
        "a DOCTYPE is refused (entity declarations could fetch files or expand without bound)"
    )]
    Doctype,
    /// There is no root element.
    #[error("no root element")]
    NoRoot,
    /// Something other than whitespace, comments or processing instructions outside
    /// the root element, or a second root.
    #[error("content after the root element")]
    AfterRoot,
    /// Text directly inside the root, between fields.
    #[error("text between fields: {0:?}")]
    StrayText(String),
    /// An element inside a field.
    #[error("field `{field}` contains element `{child}`; fields hold text only")]
    Nested {
        /// The field.
        field: String,
        /// The element found in it.
        child: String,
    },
    /// A field name repeated.
    #[error("field `{0}` appears twice")]
    Duplicate(String),
    /// A name or text that is not UTF-8.
    #[error("not UTF-8 text")]
    NotUtf8,
    /// A value with a character XML 1.0 cannot carry.
    #[error("field `{0}` holds a control character that XML cannot carry")]
    Unwritable(String),
}

/// Reads a flat document into its fields in received order.
pub fn parse_fields(text: &str) -> Result<Vec<(String, String)>, XmlError> {
    let mut reader = Reader::from_str(text);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut depth = 0u8;
    let mut root_done = false;
    let mut current: Option<(String, String)> = None;
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|e| XmlError::Syntax {
            position,
            reason: e.to_string(),
        })?;
        let syntax = |reason: String| XmlError::Syntax { position, reason };
        match event {
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
            Event::Start(element) | Event::Empty(element) if root_done => {
                let _ = element;
                return Err(XmlError::AfterRoot);
            }
            Event::Start(element) => {
                let name = utf8(element.name().as_ref())?;
                match depth {
                    0 => depth = 1,
                    1 => {
                        current = Some((name, String::new()));
                        depth = 2;
                    }
                    _ => {
                        let field = current.take().map(|(n, _)| n).unwrap_or_default();
                        return Err(XmlError::Nested { field, child: name });
                    }
                }
            }
            Event::Empty(element) => {
                let name = utf8(element.name().as_ref())?;
                match depth {
                    0 => root_done = true,
                    1 => push(&mut fields, name, String::new())?,
                    _ => {
                        let field = current.take().map(|(n, _)| n).unwrap_or_default();
                        return Err(XmlError::Nested { field, child: name });
                    }
                }
            }
            Event::End(_) => match depth {
                2 => {
                    if let Some((name, value)) = current.take() {
                        push(&mut fields, name, value)?;
                    }
                    depth = 1;
                }
                1 => {
                    depth = 0;
                    root_done = true;
                }
                _ => return Err(syntax("closing tag without an opening one".into())),
            },
            Event::Text(content) => {
                let content = content.unescape().map_err(|e| syntax(e.to_string()))?;
                match (&mut current, depth) {
                    (Some((_, value)), 2) => value.push_str(&content),
                    _ if content.trim().is_empty() => {}
                    (_, 1) => return Err(XmlError::StrayText(content.into_owned())),
                    _ if root_done => return Err(XmlError::AfterRoot),
                    _ => return Err(XmlError::StrayText(content.into_owned())),
                }
            }
            Event::CData(content) => {
                let content = content.into_inner();
                let content = std::str::from_utf8(&content).map_err(|_| XmlError::NotUtf8)?;
                match (&mut current, depth) {
                    (Some((_, value)), 2) => value.push_str(content),
                    _ if root_done => return Err(XmlError::AfterRoot),
                    _ => return Err(XmlError::StrayText(content.to_owned())),
                }
            }
        }
    }
    if !root_done {
        return Err(if depth == 0 {
            XmlError::NoRoot
        } else {
            XmlError::Syntax {
                position: text.len() as u64,
                reason: "the root element is not closed".into(),
            }
        });
    }
    Ok(fields)
}

fn utf8(bytes: &[u8]) -> Result<String, XmlError> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| XmlError::NotUtf8)
}

fn push(fields: &mut Vec<(String, String)>, name: String, value: String) -> Result<(), XmlError> {
    if fields.iter().any(|(seen, _)| *seen == name) {
        return Err(XmlError::Duplicate(name));
    }
    fields.push((name, value));
    Ok(())
}

/// One field to write: its name, its text, and whether it is a number (numbers are
/// never put in CDATA, as WeChat writes them).
pub type XmlField<'a> = (&'a str, &'a str, bool);

/// Writes `<root><name>value</name>...</root>`, text values escaped or, with `cdata`,
/// in CDATA sections.
pub fn write_document(
    root: &str,
    fields: &[XmlField<'_>],
    cdata: bool,
    out: &mut String,
) -> Result<(), XmlError> {
    out.push('<');
    out.push_str(root);
    out.push('>');
    for (name, value, number) in fields {
        // XML 1.0 has no way to write these, not even as character references.
        if value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(XmlError::Unwritable((*name).to_owned()));
        }
        out.push('<');
        out.push_str(name);
        out.push('>');
        if cdata && !number {
            out.push_str("<![CDATA[");
            // `]]>` would end the section: close it between `]]` and `>`.
            out.push_str(&value.replace("]]>", "]]]]><![CDATA[>"));
            out.push_str("]]>");
        } else {
            for c in value.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    c => out.push(c),
                }
            }
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
    out.push_str("</");
    out.push_str(root);
    out.push('>');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
        fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn reads_wechat_v2_reply() {
        // The shape of WeChat Pay v2's unifiedorder reply (pay.weixin.qq.com, 统一下单
        // 返回结果示例): CDATA and plain values, whitespace between fields.
        let body = "<xml>\n   <return_code><![CDATA[SUCCESS]]></return_code>\n   <return_msg><![CDATA[OK]]></return_msg>\n   <total_fee>1</total_fee>\n   <empty></empty><blank/>\n</xml>";
        let fields = parse_fields(body).unwrap();
        assert_eq!(
            pairs(&fields),
            [
                ("return_code", "SUCCESS"),
                ("return_msg", "OK"),
                ("total_fee", "1"),
                ("empty", ""),
                ("blank", "")
            ]
        );
    }

    #[test]
    fn keeps_field_text_exactly_and_resolves_predefined_entities() {
        let body = "<?xml version=\"1.0\"?><xml><a> x </a><b>1 &lt; 2 &amp; &#x6210;</b><c>p<![CDATA[<q>]]>r</c></xml>";
        let fields = parse_fields(body).unwrap();
        assert_eq!(
            pairs(&fields),
            [("a", " x "), ("b", "1 < 2 & 成"), ("c", "p<q>r")]
        );
    }

    #[test]
    fn refuses_doctype_entities_nesting_duplicates_and_strays() {
        let billion_laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><xml><a>&lol2;</a></xml>";
        assert_eq!(parse_fields(billion_laughs), Err(XmlError::Doctype));
        let xxe = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><a>&e;</a></xml>";
        assert_eq!(parse_fields(xxe), Err(XmlError::Doctype));
        assert!(matches!(
            parse_fields("<xml><a>&e;</a></xml>"),
            Err(XmlError::Syntax { .. })
        ));
        assert_eq!(
            parse_fields("<xml><a><b>1</b></a></xml>"),
            Err(XmlError::Nested {
                field: "a".into(),
                child: "b".into()
            })
        );
        assert_eq!(
            parse_fields("<xml><a>1</a><a>2</a></xml>"),
            Err(XmlError::Duplicate("a".into()))
        );
        assert_eq!(
            parse_fields("<xml>x<a>1</a></xml>"),
            Err(XmlError::StrayText("x".into()))
        );
        assert_eq!(
            parse_fields("<xml><a>1</a></xml><xml/>"),
            Err(XmlError::AfterRoot)
        );
        assert!(parse_fields("<xml><a>1</a>").is_err());
        assert!(parse_fields("<xml><a>1</b></xml>").is_err());
        assert_eq!(parse_fields("  "), Err(XmlError::NoRoot));
        assert_eq!(
            parse_fields("{\"a\":1}"),
            Err(XmlError::StrayText("{\"a\":1}".into()))
        );
    }

    #[test]
    fn writes_and_reads_back() {
        let fields: [XmlField<'_>; 3] = [
            ("body", "a<b>&c ]]> d", false),
            ("total_fee", "1", true),
            ("attach", "测试", false),
        ];
        for cdata in [false, true] {
            let mut out = String::new();
            write_document("xml", &fields, cdata, &mut out).unwrap();
            let back = parse_fields(&out).unwrap();
            assert_eq!(
                pairs(&back),
                [
                    ("body", "a<b>&c ]]> d"),
                    ("total_fee", "1"),
                    ("attach", "测试")
                ]
            );
        }
        let mut out = String::new();
        write_document("xml", &fields[1..], true, &mut out).unwrap();
        assert_eq!(
            out,
            "<xml><total_fee>1</total_fee><attach><![CDATA[测试]]></attach></xml>"
        );
        assert_eq!(
            write_document("xml", &[("a", "\u{1}", false)], false, &mut String::new()),
            Err(XmlError::Unwritable("a".into()))
        );
    }
}
