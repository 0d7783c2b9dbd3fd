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
        if let Some(done) = &operation.done_when {
            self.done_when(operation, done);
        }
        for field in &operation.request {
            self.request_field_keys(field);
            self.no_aliases(field, "a request field");
        }
        self.reply_fields(&operation.response);
    }

    /// `done_when`: a reply field of the operation, at least one value, and a confirming
    /// operation of the spec other than this one. Reported at `confirm_with`.
    fn done_when(&mut self, operation: &Operation, done: &DoneWhen) {
        let op = operation.name.value.as_str();
        let top = done.field.split('.').next().unwrap_or_default();
        if !operation.response.iter().any(|f| f.name.value == top) {
            self.at(
                &done.confirm_with,
                format!(
                    "`done_when` reads `{}`, which is not a reply field of `{op}`",
                    done.field
                ),
            );
        }
        if done.equals.is_empty() {
            self.at(
                &done.confirm_with,
                "`done_when` needs at least one value in `equals`",
            );
        }
        let target = done.confirm_with.value.as_str();
        if target == op || !self.spec.operations.iter().any(|o| o.name.value == target) {
            self.at(
                &done.confirm_with,
                format!("`done_when` confirms with `{target}`, which is not another operation of the spec"),
            );
        }
    }

    /// Checks `min`/`max` of a top-level field: an int or amount field, bounds that read
    /// as its type, and `min` not above `max`.
    fn bounds(&mut self, field: &Field, amounts_only: bool) {
        let name = field.name.value.as_str();
        if field.min.is_none() && field.max.is_none() {
            return;
        }
        let (allowed, which) = if amounts_only {
            (
                matches!(field.ty, FieldType::Fen | FieldType::Yuan),
                "fen and yuan",
            )
        } else {
            (
                matches!(field.ty, FieldType::Int | FieldType::Fen | FieldType::Yuan),
                "int, fen and yuan",
            )
        };
        if !allowed {
            self.at(
                &field.name,
                format!("`min` and `max` apply to {which} fields only, not `{name}`"),
            );
            return;
        }
        let mut read = |key: &str, bound: &Option<Bound>| match bound {
            None => None,
            Some(bound) => match bound.value(field.ty) {
                Ok(value) => Some(value),
                Err(why) => {
                    self.at(&field.name, format!("field `{name}`: `{key}` {why}"));
                    None
                }
            },
        };
        let (min, max) = (read("min", &field.min), read("max", &field.max));
        if let (Some(low), Some(high)) = (min, max) {
            if low > high {
                let shown = |b: &Option<Bound>| match b {
                    Some(Bound::Whole(n)) => n.to_string(),
                    Some(Bound::Yuan(t)) => t.clone(),
                    None => String::new(),
                };
                self.at(
                    &field.name,
                    format!(
                        "field `{name}`: `min` {} is above `max` {}",
                        shown(&field.min),
                        shown(&field.max)
                    ),
                );
            }
        }
    }

    /// Checks the rule keys of a top-level request field.
    fn request_field_keys(&mut self, field: &Field) {
        let name = field.name.value.as_str();
        self.bounds(field, false);
        if field.present_when.is_some() {
            self.at(
                &field.name,
                format!(
                    "`present_when` applies to received fields only; `{name}` is a request field"
                ),
            );
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

    /// Refuses request rule keys on `field` itself, where they are not read (`min` and
    /// `max` too, unless `bounds` allows them).
    fn no_rule_keys(&mut self, field: &Field, what: &str) {
        self.no_rule_keys_but_bounds(field, what, false);
    }

    fn no_rule_keys_but_bounds(&mut self, field: &Field, what: &str, bounds: bool) {
        let keys = [
            ("min", !bounds && field.min.is_some()),
            ("max", !bounds && field.max.is_some()),
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

    /// Checks the fields of a reply: bounds on top-level amounts, no other request rule
    /// keys, and what [`Checker::received_fields`] checks.
    pub(super) fn reply_fields(&mut self, fields: &[Field]) {
        for field in fields {
            self.bounds(field, true);
            self.no_rule_keys_but_bounds(field, "a reply field", true);
        }
        self.received_fields_with(fields, true);
    }

    /// Checks the fields of a received message: no request rule keys, `present_when`
    /// only on optional fields, and aliases that name no sibling and no other alias.
    pub(super) fn received_fields(&mut self, fields: &[Field]) {
        self.received_fields_with(fields, false);
    }

    fn received_fields_with(&mut self, fields: &[Field], top_bounds_checked: bool) {
        let mut names: BTreeSet<&str> = fields.iter().map(|f| f.name.value.as_str()).collect();
        for field in fields {
            if !top_bounds_checked {
                self.no_rule_keys(field, "a received field");
            }
            if field.required && field.present_when.is_some() {
                self.at(
                    &field.name,
                    format!(
                        "field `{}`: `present_when` says when an optional field is returned, but it is `required`",
                        field.name.value
                    ),
                );
            }
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
