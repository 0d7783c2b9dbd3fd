//! Checks of a check's freshness window and nonce: each names exactly one place (a body
//! field, a header, a header's parameter), and that place is one every recipe of the
//! check signs. An unsigned timestamp or nonce proves nothing: anyone can put a fresh
//! one beside a genuine signature, so such a spec is refused at load.

use super::Checker;
use crate::spec::model::*;
use paygen_protocol::SignedValue;
use serde_saphyr::Spanned;

impl<'s> Checker<'s> {
    /// The freshness window's and the nonce's places (see the module's doc).
    pub(super) fn signed_values(&mut self, check: &Verification, payload: &Payload) {
        if let Some(freshness) = &check.freshness {
            let place = freshness.value.place();
            self.signed_place(check, payload, freshness, &place, "freshness");
        }
        if let (Some(nonce), Some(_)) = (&check.nonce, &check.nonce_field) {
            self.at(
                nonce,
                "both `nonce` and `nonce_field` name the nonce; give one (`nonce_field: x` is `nonce: { field: x }`)",
            );
        }
        if let Some(nonce) = &check.nonce {
            self.signed_place(check, payload, nonce, &nonce.value, "nonce");
        } else if let Some(field) = &check.nonce_field {
            let place = SignedPlace {
                field: Some(field.clone()),
                header: None,
                header_param: None,
            };
            self.signed_place(check, payload, field, &place, "nonce_field");
        }
    }

    /// One place, given once, signed by every recipe the check may use.
    fn signed_place<T>(
        &mut self,
        check: &Verification,
        payload: &Payload,
        at: &Spanned<T>,
        place: &SignedPlace,
        key: &str,
    ) {
        let given = place.given();
        let source = match given.as_slice() {
            [one] => one,
            [] => {
                self.at(
                    at,
                    format!(
                        "`{key}` names no place; give one of `field`, `header` or `header_param`"
                    ),
                );
                return;
            }
            [..] => {
                let names: Vec<&str> = [
                    place.field.as_ref().map(|_| "`field`"),
                    place.header.as_ref().map(|_| "`header`"),
                    place.header_param.as_ref().map(|_| "`header_param`"),
                ]
                .into_iter()
                .flatten()
                .collect();
                self.at(
                    at,
                    format!(
                        "`{key}` gives {}; give exactly one place",
                        names.join(" and ")
                    ),
                );
                return;
            }
        };
        // Point at the name where there is one.
        let name_at = |checker: &mut Self, message: String| match (&place.field, &place.header) {
            (Some(name), _) | (None, Some(name)) => checker.at(name, message),
            (None, None) => checker.at(at, message),
        };
        if let SignedValue::Field(name) = source {
            if name.is_empty() {
                name_at(self, format!("`{key}` names an empty field"));
                return;
            }
            if check.header.is_none() && check.field.rsplit('.').next() == Some(name) {
                name_at(
                    self,
                    format!("`{key}` reads `{name}`, which is the signature field itself"),
                );
                return;
            }
        }
        for (_, recipe) in self.check_recipes(check) {
            if let Some(why) = unsigned(recipe, payload, source) {
                name_at(
                    self,
                    format!(
                        "`{key}` reads {source}, which recipe `{}` does not sign: {why}; an unsigned value proves nothing, since anyone can write a new one beside a genuine signature",
                        recipe.name.value
                    ),
                );
            }
        }
    }
}

/// Why `recipe` leaves `source` outside its signature, if it does.
fn unsigned(recipe: &SignatureRecipe, payload: &Payload, source: &SignedValue) -> Option<String> {
    let part = |what: &str| {
        if recipe.input != SignInput::Template {
            return Some(format!(
                "it is not a template recipe, so it signs no {what}"
            ));
        }
        let parts = recipe.template.as_ref().map_or(&[][..], |t| &t.parts[..]);
        (!source.signed_by_parts(parts)).then(|| {
            format!(
                "its template has no `{}` part",
                match source {
                    SignedValue::Header(name) => format!("{{ header: {name} }}"),
                    SignedValue::HeaderParam(p) => format!(
                        "{{ header_param: {{ header: {}, param: {} }} }}",
                        p.header, p.param
                    ),
                    SignedValue::Field(_) => String::new(),
                }
            )
        })
    };
    match source {
        SignedValue::Header(_) => part("header"),
        SignedValue::HeaderParam(_) => part("header parameter"),
        SignedValue::Field(name) => match recipe.input {
            SignInput::PayloadField => match payload {
                Payload::Field(p) if p.name == name.as_ref() => None,
                _ => Some("it signs only the payload field".to_owned()),
            },
            SignInput::Canonical => {
                let listed = |names: &[Name]| names.iter().any(|n| n.value == name.as_ref());
                recipe.canonical.as_ref().and_then(|c| {
                    if c.exclude.iter().any(|e| e == name.as_ref()) {
                        Some("its canonical string excludes it".to_owned())
                    } else if !c.include.is_empty() && !listed(&c.include) {
                        Some("its canonical `include` does not list it".to_owned())
                    } else if !c.order.is_empty() && !listed(&c.order) {
                        Some("its canonical `order` does not list it".to_owned())
                    } else {
                        None
                    }
                })
            }
            SignInput::Template => {
                let parts = recipe.template.as_ref().map_or(&[][..], |t| &t.parts[..]);
                let mut body = false;
                for part in parts {
                    part.walk(&mut |p| {
                        body |= matches!(p, TemplatePart::Body | TemplatePart::BodyDigest(_));
                    });
                }
                (!body).then(|| "its template signs no body".to_owned())
            }
            SignInput::Body | SignInput::Member => None,
        },
    }
}
