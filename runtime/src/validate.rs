//! Checks business fields against the operation's field table before anything is signed.

use crate::error::{Error, ParamRule};
use crate::wire::WireFields;
use paygen_protocol::{FieldDef, Operation};

/// [`validate_fields`] plus the operation's at-least-one-of groups.
pub fn validate_request(operation: &Operation, fields: &WireFields<'_>) -> Result<(), Error> {
    validate_fields(&operation.request, fields)?;
    for group in operation.one_of.iter() {
        let given = group
            .iter()
            .any(|name| fields.get(name).is_some_and(|v| !v.is_empty()));
        if !given {
            return Err(Error::InvalidParam {
                field: group.first().map(|n| n.to_string()).unwrap_or_default(),
                rule: ParamRule::OneOf {
                    fields: group.iter().map(|n| n.to_string()).collect(),
                },
            });
        }
    }
    Ok(())
}

/// Every field known, every required field present and non-empty, lengths and documented
/// values respected.
pub fn validate_fields(defs: &[FieldDef], fields: &WireFields<'_>) -> Result<(), Error> {
    let invalid = |def: &FieldDef, rule| Error::InvalidParam {
        field: def.name.to_string(),
        rule,
    };
    // Generated requests and `fields_from_json` list fields in the table's order: then one
    // walk over both lists pairs each field with its definition. Anything else is looked
    // up by name.
    let entries = fields.as_slice();
    let mut cursor = 0;
    for def in defs {
        if entries
            .get(cursor)
            .is_some_and(|(name, _)| *name == def.name)
        {
            cursor += 1;
        }
    }
    let in_order = cursor == entries.len();
    if !in_order {
        for (name, _) in fields.iter() {
            if !defs.iter().any(|def| def.name == name) {
                return Err(Error::InvalidParam {
                    field: name.to_owned(),
                    rule: ParamRule::Unknown,
                });
            }
        }
    }
    let mut cursor = 0;
    for def in defs {
        let value = if in_order {
            match entries.get(cursor) {
                Some((name, value)) if *name == def.name => {
                    cursor += 1;
                    Some(value)
                }
                _ => None,
            }
        } else {
            fields.get(&def.name)
        };
        let Some(value) = value else {
            if def.required {
                return Err(invalid(def, ParamRule::Required));
            }
            continue;
        };
        if value.is_empty() {
            if def.required {
                return Err(invalid(def, ParamRule::Required));
            }
            continue;
        }
        if def.max_length.is_none() && def.values.is_empty() {
            continue;
        }
        let text = value.text();
        if let Some(max) = def.max_length {
            // Bytes are never fewer than characters: count only when it may matter.
            let actual = if text.len() <= max as usize {
                0
            } else {
                text.chars().count()
            };
            if actual > max as usize {
                return Err(invalid(def, ParamRule::TooLong { max, actual }));
            }
        }
        if !def.values.is_empty() && !def.values.iter().any(|allowed| allowed == &*text) {
            return Err(invalid(
                def,
                ParamRule::NotAllowed {
                    allowed: def.values.iter().map(|v| v.to_string()).collect(),
                },
            ));
        }
    }
    Ok(())
}
