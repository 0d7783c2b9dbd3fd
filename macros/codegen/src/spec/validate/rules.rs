//! Checks of the field rules: `rules:` of an operation name request fields of the right
//! types; `min`/`max`, `charset`, `secret` and `sent_as` sit on top-level request
//! fields of a type they apply to; `aliases` sit on received fields and name no sibling.

use super::Checker;
use crate::spec::model::*;
use std::collections::BTreeSet;

impl Checker<'_> {
    /// Checks an operation's `rules` and its fields' rule keys.
    pub(super) fn field_rules(&mut self, operation: &Operation) {
        let op = operation.name.value.as_str();
        let request = |name: &Name| {
            operation
                .request
                .iter()
                .find(|f| f.name.value == name.value)
        };
        for rule in &operation.rules {
            match rule {
                OperationRule::Sum(sum) => {
                    for name in std::iter::once(&sum.field)
                        .chain(&sum.plus)
                        .chain(&sum.minus)
                    {
                        match request(name) {
                            None => self.at(
                                name,
                                format!("`sum` names `{}`, which is not a request field of operation `{op}`", name.value),
                            ),
                            Some(f) if !matches!(f.ty, FieldType::Int | FieldType::Fen) => self.at(
                                name,
                                format!("`sum` applies to int and fen fields only, not `{}`", name.value),
                            ),
                            Some(_) => {}
                        }
                    }
                    if sum.plus.is_empty() && sum.minus.is_empty() {
                        self.at(
                            &sum.field,
                            "`sum` needs at least one field in `plus` or `minus`",
                        );
                    }
                }
                OperationRule::RequiredWhen(rule) => {
                    for name in [&rule.field, &rule.when] {
                        if request(name).is_none() {
                            self.at(
                                name,
                                format!("`required_when` names `{}`, which is not a request field of operation `{op}`", name.value),
                            );
                        }
                    }
                    if request(&rule.field).is_some_and(|f| f.required) {
                        self.at(
                            &rule.field,
                            format!(
                                "`required_when`: `{}` is always required already",
                                rule.field.value
                            ),
                        );
                    }
                    if rule.equals.is_empty() {
                        self.at(
                            &rule.when,
                            "`required_when` needs at least one value in `equals`",
                        );
                    }
                }
            }
        }
        for field in &operation.request {
            self.request_field_keys(field);
            self.no_aliases(field, "a request field");
        }
        self.received_fields(&operation.response);
    }

    /// Checks the rule keys of a top-level request field.
    fn request_field_keys(&mut self, field: &Field) {
        let name = field.name.value.as_str();
        if (field.min.is_some() || field.max.is_some())
            && !matches!(field.ty, FieldType::Int | FieldType::Fen)
        {
            self.at(
                &field.name,
                format!("`min` and `max` apply to int and fen fields only, not `{name}`"),
            );
        }
        if let (Some(min), Some(max)) = (field.min, field.max) {
            if min > max {
                self.at(
                    &field.name,
                    format!("field `{name}`: `min` {min} is above `max` {max}"),
                );
            }
        }
        let text_only = [
            ("charset", field.charset.is_some()),
            ("secret", field.secret),
            ("sent_as", field.sent_as.is_some()),
        ];
        for (key, set) in text_only {
            if set && field.ty != FieldType::String {
                self.at(
                    &field.name,
                    format!("`{key}` applies to string fields only, not `{name}`"),
                );
            }
        }
        if (field.secret || field.sent_as.is_some()) && !field.values.is_empty() {
            self.at(
                &field.name,
                format!("field `{name}`: `secret` and `sent_as` cannot go with `values`"),
            );
        }
        if field.charset.is_some() && field.sent_as.is_some() {
            self.at(
                &field.name,
                format!(
                    "field `{name}`: `charset` would check the value sent, which `sent_as` decides"
                ),
            );
        }
        self.no_nested_rule_keys(&field.fields);
    }

    /// Refuses request rule keys on the fields of a request field's objects, at any depth.
    fn no_nested_rule_keys(&mut self, fields: &[Field]) {
        for nested in fields {
            self.no_rule_keys(nested, "a nested field");
            self.no_nested_rule_keys(&nested.fields);
        }
    }

    /// Refuses request rule keys on `field` itself, where they are not read.
    fn no_rule_keys(&mut self, field: &Field, what: &str) {
        let keys = [
            ("min", field.min.is_some()),
            ("max", field.max.is_some()),
            ("charset", field.charset.is_some()),
            ("secret", field.secret),
            ("sent_as", field.sent_as.is_some()),
        ];
        for (key, set) in keys {
            if set {
                self.at(
                    &field.name,
                    format!(
                        "`{key}` applies to top-level request fields only; `{}` is {what}",
                        field.name.value
                    ),
                );
            }
        }
    }

    fn no_aliases(&mut self, field: &Field, what: &str) {
        if let Some(alias) = field.aliases.first() {
            self.at(
                alias,
                format!(
                    "`aliases` apply to received fields only; `{}` is {what}",
                    field.name.value
                ),
            );
        }
        for nested in &field.fields {
            self.no_aliases(nested, what);
        }
    }

    /// Checks the fields of a received message: no request rule keys, and aliases that
    /// name no sibling and no other alias.
    pub(super) fn received_fields(&mut self, fields: &[Field]) {
        let mut names: BTreeSet<&str> = fields.iter().map(|f| f.name.value.as_str()).collect();
        for field in fields {
            self.no_rule_keys(field, "a received field");
            for alias in &field.aliases {
                if !names.insert(alias.value.as_str()) {
                    self.at(
                        alias,
                        format!(
                            "alias `{}` of `{}` is already a field or alias here",
                            alias.value, field.name.value
                        ),
                    );
                }
            }
            self.received_fields(&field.fields);
        }
    }
}
