//! Checks business fields against the operation's field table before anything is signed.

use crate::error::{Error, ParamRule};
use crate::wire::WireFields;
use paygen_protocol::FieldDef;

/// Every field known, every required field present and non-empty, lengths and documented
/// values respected.
pub fn validate_fields(defs: &[FieldDef], fields: &WireFields<'_>) -> Result<(), Error> {
    let invalid = |def: &FieldDef, rule| Error::InvalidParam {
        field: def.name.to_string(),
        rule,
    };
    for (name, _) in fields.iter() {
        if !defs.iter().any(|def| def.name == name) {
            return Err(Error::InvalidParam {
                field: name.to_owned(),
                rule: ParamRule::Unknown,
            });
        }
    }
    for def in defs {
        let Some(value) = fields.get(&def.name) else {
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
            let actual = text.chars().count();
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
