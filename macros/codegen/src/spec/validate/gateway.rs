//! Checks of a `gateway:` section: every role of the model is declared once, with an
//! operation of the spec or `none`; mapped fields exist in the operation's request or
//! reply and have a type that fits the model; status values are the field's documented
//! ones, and every documented value of a full status field is mapped.

use super::{resolve, Checker};
use crate::spec::model::*;
use paygen_protocol::GatewayRoleKind;

/// The role named `name`.
pub(crate) fn role_kind(name: &str) -> Option<GatewayRoleKind> {
    GatewayRoleKind::ALL.into_iter().find(|r| r.name() == name)
}

/// The model inputs a role reads.
fn inputs_of(role: GatewayRoleKind) -> &'static [ModelInput] {
    use ModelInput::*;
    match role {
        GatewayRoleKind::Pay => &[Amount, OrderNo, Subject, AuthCode, NotifyUrl],
        GatewayRoleKind::Precreate => &[Amount, OrderNo, Subject, NotifyUrl],
        GatewayRoleKind::Query | GatewayRoleKind::Cancel | GatewayRoleKind::Close => {
            &[OrderNo, TradeNo]
        }
        GatewayRoleKind::Refund => &[Amount, OrderNo, TradeNo, RefundNo, RefundAmount, NotifyUrl],
        GatewayRoleKind::RefundQuery => &[OrderNo, RefundNo],
    }
}

fn input_name(input: ModelInput) -> &'static str {
    match input {
        ModelInput::Amount => "amount",
        ModelInput::OrderNo => "order_no",
        ModelInput::Subject => "subject",
        ModelInput::AuthCode => "auth_code",
        ModelInput::NotifyUrl => "notify_url",
        ModelInput::RefundNo => "refund_no",
        ModelInput::RefundAmount => "refund_amount",
        ModelInput::TradeNo => "trade_no",
    }
}

fn output_name(output: ModelOutput) -> &'static str {
    match output {
        ModelOutput::TradeNo => "trade_no",
        ModelOutput::OrderNo => "order_no",
        ModelOutput::Amount => "amount",
        ModelOutput::QrCode => "qr_code",
        ModelOutput::PayUrl => "pay_url",
        ModelOutput::RefundNo => "refund_no",
        ModelOutput::RefundAmount => "refund_amount",
    }
}

/// Whether a field of type `ty` can carry an amount in 分 (`yuan` is converted).
fn fits_money(field: &Field) -> bool {
    matches!(field.ty, FieldType::Fen | FieldType::Yuan | FieldType::Int)
}

/// Whether a field of type `ty` can carry the model's text (numbers as digits).
fn fits_text(field: &Field) -> bool {
    matches!(field.ty, FieldType::String | FieldType::Int)
}

fn type_name(ty: FieldType) -> &'static str {
    match ty {
        FieldType::String => "string",
        FieldType::Int => "int",
        FieldType::Fen => "fen",
        FieldType::Yuan => "yuan",
        FieldType::Bool => "bool",
        FieldType::Object => "object",
        FieldType::List => "list",
        FieldType::Json => "json",
    }
}

impl Checker<'_> {
    /// Checks the spec's `gateway:` section.
    pub(super) fn gateway(&mut self, gateway: &GatewaySpec) {
        let spec = self.spec;
        let mut declared = Vec::new();
        for entry in &gateway.roles {
            let Some(role) = role_kind(&entry.role.value) else {
                let known: Vec<&str> = GatewayRoleKind::ALL.iter().map(|r| r.name()).collect();
                self.at(
                    &entry.role,
                    format!(
                        "gateway: unknown role `{}` (roles: {})",
                        entry.role.value,
                        known.join(", ")
                    ),
                );
                continue;
            };
            if declared.contains(&role) {
                self.at(
                    &entry.role,
                    format!("gateway: role `{}` is declared twice", role.name()),
                );
                continue;
            }
            declared.push(role);
            self.gateway_role(role, entry);
        }
        if let Some(first) = gateway.roles.first() {
            for role in GatewayRoleKind::ALL {
                if !declared.contains(&role) {
                    self.at(
                        &first.role,
                        format!(
                            "gateway: role `{}` is not declared; map it, or write `operation: none` when the provider lacks it",
                            role.name()
                        ),
                    );
                }
            }
        }
        let has = |role: GatewayRoleKind| {
            gateway
                .roles
                .iter()
                .any(|e| role_kind(&e.role.value) == Some(role) && e.operation.value != "none")
        };
        if let Some(settle) = &gateway.settle {
            let cancel_with = role_kind(&settle.cancel_with.value);
            if !matches!(
                cancel_with,
                Some(GatewayRoleKind::Cancel | GatewayRoleKind::Close)
            ) {
                self.at(
                    &settle.cancel_with,
                    format!(
                        "gateway settle: `cancel_with` must be `cancel` or `close`, got `{}`",
                        settle.cancel_with.value
                    ),
                );
            } else if cancel_with.is_some_and(|r| !has(r)) {
                self.at(
                    &settle.cancel_with,
                    format!(
                        "gateway settle: `cancel_with` names role `{}`, which the provider lacks",
                        settle.cancel_with.value
                    ),
                );
            }
            if !has(GatewayRoleKind::Query) {
                self.at(
                    &settle.cancel_with,
                    "gateway settle: pay-poll-cancel needs the `query` role",
                );
            }
            if settle.deadline_seconds == 0
                || settle.poll_interval_ms == 0
                || settle.cancel_attempts == 0
            {
                self.at(
                        &settle.cancel_with,
                        "gateway settle: deadline_seconds, poll_interval_ms and cancel_attempts must be above 0",
                    );
            }
        }
        for mapped in &gateway.notifications {
            let Some(notification) = spec
                .notifications
                .iter()
                .find(|n| n.name.value == mapped.notification.value)
            else {
                self.at(
                    &mapped.notification,
                    format!(
                        "gateway: notification `{}` is not defined",
                        mapped.notification.value
                    ),
                );
                continue;
            };
            let what = format!("notification `{}`", notification.name.value);
            self.gateway_results(&mapped.results, &notification.fields, &what);
            self.gateway_status(&mapped.status, &notification.fields, &what);
        }
    }

    /// Checks one role's mapping against its operation.
    fn gateway_role(&mut self, role: GatewayRoleKind, entry: &GatewayRoleSpec) {
        if entry.operation.value == "none" {
            let mapped = !entry.fields.is_empty()
                || !entry.also.is_empty()
                || !entry.set.is_empty()
                || !entry.results.is_empty()
                || !entry.status.is_empty()
                || entry.on_success.is_some();
            if mapped {
                self.at(
                    &entry.operation,
                    format!(
                        "gateway: role `{}` has `operation: none` and maps nothing",
                        role.name()
                    ),
                );
            }
            return;
        }
        let spec = self.spec;
        let Some(operation) = spec
            .operations
            .iter()
            .find(|o| o.name.value == entry.operation.value)
        else {
            self.at(
                &entry.operation,
                format!(
                    "gateway: role `{}` names operation `{}`, which is not defined",
                    role.name(),
                    entry.operation.value
                ),
            );
            return;
        };
        let what = format!("`{}`", operation.name.value);
        let also = entry
            .also
            .iter()
            .flat_map(|(input, paths)| paths.iter().map(move |p| (input, p)));
        for (input, path) in entry.fields.iter().chain(also) {
            let name = input_name(*input);
            if !inputs_of(role).contains(input) {
                self.at(
                    path,
                    format!(
                        "gateway: role `{}` has no model input `{name}`",
                        role.name()
                    ),
                );
            }
            let Some(field) = resolve(&operation.request, &path.value) else {
                self.at(
                    path,
                    format!(
                        "gateway: `{name}` maps to `{}`, which is not a request field of {what}",
                        path.value
                    ),
                );
                continue;
            };
            let fits = if input.is_amount() {
                fits_money(field)
            } else {
                fits_text(field)
            };
            if !fits {
                self.at(
                    path,
                    format!(
                        "gateway: `{name}` is {} in the model; `{}` of {what} is {}",
                        if input.is_amount() {
                            "an amount in 分 (fen, yuan or int)"
                        } else {
                            "text (string or int)"
                        },
                        path.value,
                        type_name(field.ty)
                    ),
                );
            }
        }
        for (path, value) in &entry.set {
            match resolve(&operation.request, path) {
                None => self.at(
                    value,
                    format!(
                        "gateway: `set` names `{path}`, which is not a request field of {what}"
                    ),
                ),
                Some(field) => {
                    let documented = &field.values;
                    if !documented.is_empty() && !documented.iter().any(|v| v.value == value.value)
                    {
                        self.at(
                            value,
                            format!(
                                "gateway: `set` gives `{path}` the value `{}`, which its documented values do not list",
                                value.value
                            ),
                        );
                    }
                }
            }
        }
        self.gateway_results(&entry.results, &operation.response, &what);
        self.gateway_status(&entry.status, &operation.response, &what);
    }

    /// Checks reply or notification fields read into the model.
    fn gateway_results(
        &mut self,
        results: &std::collections::BTreeMap<ModelOutput, Name>,
        fields: &[Field],
        what: &str,
    ) {
        for (output, path) in results {
            let name = output_name(*output);
            let Some(field) = resolve(fields, &path.value) else {
                self.at(
                    path,
                    format!(
                        "gateway: result `{name}` reads `{}`, which is not a field of {what}",
                        path.value
                    ),
                );
                continue;
            };
            let fits = if output.is_amount() {
                fits_money(field)
            } else {
                fits_text(field)
            };
            if !fits {
                self.at(
                    path,
                    format!(
                        "gateway: result `{name}` is {} in the model; `{}` of {what} is {}",
                        if output.is_amount() {
                            "an amount in 分 (fen, yuan or int)"
                        } else {
                            "text (string or int)"
                        },
                        path.value,
                        type_name(field.ty)
                    ),
                );
            }
        }
    }

    /// Checks a status mapping against the fields' documented values.
    fn gateway_status(&mut self, status: &[StatusSpec], fields: &[Field], what: &str) {
        for entry in status {
            let Some(field) = resolve(fields, &entry.field.value) else {
                self.at(
                    &entry.field,
                    format!(
                        "gateway: status reads `{}`, which is not a field of {what}",
                        entry.field.value
                    ),
                );
                continue;
            };
            if field.values.is_empty() {
                self.at(
                    &entry.field,
                    format!(
                        "gateway: status reads `{}` of {what}, which documents no values (give it `values:` or a code table)",
                        entry.field.value
                    ),
                );
                continue;
            }
            for (value, kind) in &entry.values {
                if !field.values.iter().any(|v| v.value == *value) {
                    let known: Vec<&str> = field.values.iter().map(|v| v.value.as_str()).collect();
                    self.at(
                        kind,
                        format!(
                            "gateway: status value `{value}` is not a documented value of `{}` of {what} ({})",
                            entry.field.value,
                            known.join(", ")
                        ),
                    );
                }
            }
            if !entry.partial {
                for documented in &field.values {
                    if !entry.values.contains_key(&documented.value) {
                        self.at(
                            &entry.field,
                            format!(
                                "gateway: status of `{}` of {what} leaves documented value `{}` unmapped (map it, or mark the entry `partial: true`)",
                                entry.field.value, documented.value
                            ),
                        );
                    }
                }
            }
        }
    }
}
