//! A received header of auth parameters (`SCHEME a="1",b="2"`) read strictly against
//! its template: the exact scheme and one space, then each of the template's
//! parameters exactly once, in the template's order, as `name="value"` joined by `,`
//! alone, with nothing after the last. A value is a quoted string without `"`, `\`
//! or control characters: no escapes, so that every byte read is a byte signed.

use paygen_protocol::{is_tchar, ParamSlot, ParamTemplate};

/// The rule a received header of auth parameters broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamRule {
    /// It does not start with the template's scheme and one space.
    #[error("the scheme is not `{expected}` followed by one space")]
    Scheme {
        /// The template's scheme.
        expected: String,
    },
    /// Text that is not `name="value"`, `,` between two of them, or anything after
    /// the last.
    #[error("unexpected text at byte {at}")]
    Syntax {
        /// The byte offset in the header's value.
        at: usize,
    },
    /// A value that is not a quoted string without `"`, `\` or control characters.
    #[error("parameter `{name}` is not a quoted value without escapes")]
    Unquoted {
        /// The parameter.
        name: String,
    },
    /// A parameter the template does not have.
    #[error("parameter `{name}` is not one of the template's")]
    Unknown {
        /// The parameter (at most 64 characters of it).
        name: String,
    },
    /// A parameter given more than once.
    #[error("parameter `{name}` is given twice")]
    Duplicate {
        /// The parameter.
        name: String,
    },
    /// A parameter of the template that is absent.
    #[error("parameter `{name}` is missing")]
    Missing {
        /// The parameter.
        name: String,
    },
    /// A header whose template is not of auth parameters does not match it.
    #[error("the value does not match the template")]
    Template,
    /// Every parameter once, but not in the template's order.
    #[error("parameter `{name}` is out of the template's order")]
    Order {
        /// The first parameter out of place.
        name: String,
    },
}

/// A received name, cut to 64 characters for an error.
fn shown(name: &str) -> String {
    name.chars().take(64).collect()
}

/// The value of each of `template`'s parameters in `value`, in the template's order.
pub fn read_params<'t, 'v>(
    template: &ParamTemplate<'t>,
    value: &'v str,
) -> Result<Vec<(ParamSlot<'t>, &'v str)>, ParamRule> {
    let mut rest = value
        .strip_prefix(template.scheme)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| ParamRule::Scheme {
            expected: template.scheme.to_owned(),
        })?;
    let at = |rest: &str| ParamRule::Syntax {
        at: value.len() - rest.len(),
    };
    let mut given: Vec<(&'v str, &'v str)> = Vec::new();
    loop {
        let name_len = rest.find(|c: char| !is_tchar(c)).unwrap_or(rest.len());
        if name_len == 0 {
            return Err(at(rest));
        }
        let (name, after) = rest.split_at(name_len);
        let after = after.strip_prefix('=').ok_or_else(|| at(after))?;
        let unquoted = || ParamRule::Unquoted { name: shown(name) };
        let inner = after.strip_prefix('"').ok_or_else(unquoted)?;
        let end = inner
            .find(|c: char| c == '"' || c == '\\' || c.is_control())
            .filter(|&end| inner[end..].starts_with('"'))
            .ok_or_else(unquoted)?;
        given.push((name, &inner[..end]));
        rest = &inner[end + 1..];
        if rest.is_empty() {
            break;
        }
        rest = rest.strip_prefix(',').ok_or_else(|| at(rest))?;
    }
    let mut found: Vec<Option<&'v str>> = vec![None; template.params.len()];
    for (name, text) in &given {
        let slot = (template.params.iter())
            .position(|p| p.name == *name)
            .ok_or_else(|| ParamRule::Unknown { name: shown(name) })?;
        if found[slot].replace(text).is_some() {
            return Err(ParamRule::Duplicate {
                name: (*name).to_owned(),
            });
        }
    }
    let mut values = Vec::with_capacity(found.len());
    for (slot, text) in template.params.iter().zip(found) {
        let text = text.ok_or_else(|| ParamRule::Missing {
            name: slot.name.to_owned(),
        })?;
        values.push((*slot, text));
    }
    if let Some(((name, _), _)) =
        (given.iter().zip(template.params.iter())).find(|((name, _), slot)| *name != slot.name)
    {
        return Err(ParamRule::Order {
            name: (*name).to_owned(),
        });
    }
    Ok(values)
}

/// The value of `param` in the one header `header` of `headers`, read against the
/// auth-parameter `template`; `None` when the header is absent, given twice, or does
/// not read.
pub fn header_param<'h>(
    headers: &'h [(String, String)],
    header: &str,
    template: &str,
    param: &str,
) -> Option<&'h str> {
    let mut found = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(header));
    let (_, value) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let template = ParamTemplate::parse(template).ok()?;
    let values = read_params(&template, value).ok()?;
    values
        .into_iter()
        .find(|(slot, _)| slot.name == param)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"SCHEME mchid="{mchid}",nonce_str="{nonce}",signature="{signature}""#;

    fn read(value: &str) -> Result<Vec<(&str, &str)>, ParamRule> {
        let template = ParamTemplate::parse(TEMPLATE).unwrap();
        let values = read_params(&template, value)?;
        Ok(values.into_iter().map(|(s, v)| (s.name, v)).collect())
    }

    #[test]
    fn the_template_s_parameters_are_read_in_order() {
        assert_eq!(
            read(r#"SCHEME mchid="1900",nonce_str="abc",signature="c2ln""#).unwrap(),
            [
                ("mchid", "1900"),
                ("nonce_str", "abc"),
                ("signature", "c2ln")
            ]
        );
        // An empty value is a value (the signature's emptiness is the check's to judge).
        assert_eq!(
            read(r#"SCHEME mchid="",nonce_str="a",signature="s""#).unwrap()[0],
            ("mchid", "")
        );
    }

    #[test]
    fn each_rule_is_named() {
        let cases = [
            (
                r#"scheme mchid="1",nonce_str="a",signature="s""#,
                ParamRule::Scheme {
                    expected: "SCHEME".into(),
                },
            ),
            (
                r#"SCHEMEX mchid="1",nonce_str="a",signature="s""#,
                ParamRule::Scheme {
                    expected: "SCHEME".into(),
                },
            ),
            (
                r#" SCHEME mchid="1",nonce_str="a",signature="s""#,
                ParamRule::Scheme {
                    expected: "SCHEME".into(),
                },
            ),
            (
                r#"SCHEME  mchid="1",nonce_str="a",signature="s""#,
                ParamRule::Syntax { at: 7 },
            ),
            (
                r#"SCHEME mchid="1", nonce_str="a",signature="s""#,
                ParamRule::Syntax { at: 17 },
            ),
            (
                r#"SCHEME mchid="1",nonce_str="a",signature="s" "#,
                ParamRule::Syntax { at: 44 },
            ),
            (
                r#"SCHEME mchid="1",nonce_str="a",signature="s","#,
                ParamRule::Syntax { at: 45 },
            ),
            (
                r#"SCHEME mchid="1",nonce_str="a",signature="s"x"#,
                ParamRule::Syntax { at: 44 },
            ),
            (
                r#"SCHEME mchid=1,nonce_str="a",signature="s""#,
                ParamRule::Unquoted {
                    name: "mchid".into(),
                },
            ),
            (
                r#"SCHEME mchid="1\"",nonce_str="a",signature="s""#,
                ParamRule::Unquoted {
                    name: "mchid".into(),
                },
            ),
            (
                r#"SCHEME mchid="1,nonce_str="a",signature="s"#,
                ParamRule::Syntax { at: 27 },
            ),
            (
                r#"SCHEME mchid="1",nonce_str="a",signature="s",serial_no="x""#,
                ParamRule::Unknown {
                    name: "serial_no".into(),
                },
            ),
            (
                r#"SCHEME mchid="1",nonce_str="a",nonce_str="b",signature="s""#,
                ParamRule::Duplicate {
                    name: "nonce_str".into(),
                },
            ),
            (
                r#"SCHEME mchid="1",signature="s""#,
                ParamRule::Missing {
                    name: "nonce_str".into(),
                },
            ),
            (
                r#"SCHEME nonce_str="a",mchid="1",signature="s""#,
                ParamRule::Order {
                    name: "nonce_str".into(),
                },
            ),
        ];
        for (value, rule) in cases {
            assert_eq!(read(value), Err(rule), "{value}");
        }
    }
}
