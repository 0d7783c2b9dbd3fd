//! Checks of an operation's `variants`: each names request fields of the operation,
//! keeps every field the operation requires, requires and fixes only fields it sends,
//! fixes them to values of their type, and no two variants are the same request.

use super::Checker;
use crate::spec::model::*;
use std::collections::BTreeSet;

/// What makes two variants the same request: the fields sent, those required, and the
/// fixed values.
type Shape<'s> = (
    BTreeSet<&'s str>,
    BTreeSet<&'s str>,
    Vec<(&'s str, &'s str)>,
);

impl Checker<'_> {
    /// Checks the scenarios of `operation`.
    pub(super) fn variants(&mut self, operation: &Operation) {
        let op = operation.name.value.as_str();
        let _ = self.unique(
            "variant",
            &format!(" of operation `{op}`"),
            operation.variants.iter().map(|v| &v.name),
        );
        let mut shapes: Vec<(&Name, Shape<'_>)> = Vec::new();
        for variant in &operation.variants {
            let name = variant.name.value.as_str();
            let context = format!("variant `{name}` of `{op}`");
            let _ = self.unique("field", &format!(" in {context}"), variant.fields.iter());
            for field in &variant.fields {
                if !operation
                    .request
                    .iter()
                    .any(|f| f.name.value == field.value)
                {
                    self.at(
                        field,
                        format!(
                            "{context} names `{}`, which is not a request field of the operation",
                            field.value
                        ),
                    );
                }
            }
            let sent: BTreeSet<&str> = variant.fields.iter().map(|f| f.value.as_str()).collect();
            for field in operation.request.iter().filter(|f| f.required) {
                if !sent.contains(field.name.value.as_str()) {
                    self.at(
                        &variant.name,
                        format!(
                            "{context} leaves out `{}`, which the operation requires",
                            field.name.value
                        ),
                    );
                }
            }
            for field in &variant.required {
                if !sent.contains(field.value.as_str()) {
                    self.at(
                        field,
                        format!(
                            "{context} requires `{}`, which it does not send; add it to `fields`",
                            field.value
                        ),
                    );
                }
            }
            let _ = self.unique(
                "required field",
                &format!(" in {context}"),
                variant.required.iter(),
            );
            let _ = self.unique(
                "constant",
                &format!(" in {context}"),
                variant.constants.iter().map(|c| &c.field),
            );
            for constant in &variant.constants {
                let wire = constant.field.value.as_str();
                if !sent.contains(wire) {
                    self.at(
                        &constant.field,
                        format!(
                            "{context} fixes `{wire}`, which it does not send; add it to `fields`"
                        ),
                    );
                }
                if variant.required.iter().any(|r| r.value == wire) {
                    self.at(
                        &constant.field,
                        format!("{context} both requires and fixes `{wire}`; a fixed field is always sent"),
                    );
                }
                let Some(field) = operation.request.iter().find(|f| f.name.value == wire) else {
                    continue;
                };
                if let Some(problem) = constant_problem(field, &constant.value) {
                    self.at(
                        &constant.field,
                        format!(
                            "{context}: `{wire}` cannot be fixed to `{}`: {problem}",
                            constant.value
                        ),
                    );
                }
            }
            let shape = (
                sent,
                variant.required.iter().map(|r| r.value.as_str()).collect(),
                variant
                    .constants
                    .iter()
                    .map(|c| (c.field.value.as_str(), c.value.as_str()))
                    .collect::<Vec<_>>(),
            );
            if let Some((first, _)) = shapes.iter().find(|(_, s)| *s == shape) {
                let first = first.value.clone();
                self.at(
                    &variant.name,
                    format!("variants `{first}` and `{name}` of `{op}` are the same request; make them one variant"),
                );
            }
            shapes.push((&variant.name, shape));
        }
    }
}

/// Why `field` cannot always be sent as `value`, if it cannot.
fn constant_problem(field: &Field, value: &str) -> Option<&'static str> {
    if field.secret || field.sent_as.is_some() {
        return Some("a secret or transformed field is never a constant");
    }
    if !field.values.is_empty() && !field.values.iter().any(|v| v.value == value) {
        return Some("it is not one of the field's documented values");
    }
    match field.ty {
        FieldType::String => None,
        FieldType::Int => value
            .parse::<i64>()
            .is_err()
            .then_some("not a whole number"),
        FieldType::Bool => (!matches!(value, "true" | "false")).then_some("not `true` or `false`"),
        _ => Some("only string, int and bool fields can be fixed"),
    }
}
