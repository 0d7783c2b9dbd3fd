//! Checks of the `sandbox:` section: the operations and fields it names exist, each
//! role has the fields it needs, and every response path is in the response table.

use super::Checker;
use crate::spec::model::*;

impl Checker<'_> {
    /// Checks the sandbox section against the operations it names.
    pub(super) fn sandbox(&mut self, sandbox: &Sandbox) {
        let spec = self.spec;
        for kind in [SandboxErrorKind::Signature, SandboxErrorKind::Parameter] {
            if !sandbox.errors.contains_key(&kind) {
                self.at(
                    &spec.name,
                    format!("sandbox.errors needs a `{kind:?}` reply (snake_case key)"),
                );
            }
        }
        for (kind, reply) in &sandbox.errors {
            self.sandbox_values(&reply.reply, &format!("sandbox error reply `{kind:?}`"));
        }
        let _ = self.unique(
            "sandbox operation",
            "",
            sandbox.operations.iter().map(|o| &o.operation),
        );
        for entry in &sandbox.operations {
            let Some(operation) = spec
                .operations
                .iter()
                .find(|o| o.name.value == entry.operation.value)
            else {
                self.at(
                    &entry.operation,
                    format!(
                        "sandbox names operation `{}`, which is not defined",
                        entry.operation.value
                    ),
                );
                continue;
            };
            let role = entry.role;
            let needs: &[(&str, &Option<Name>, bool)] = &[
                // A refund query may find its refund by the refund's number alone.
                (
                    "order_no",
                    &entry.order_no,
                    role != SandboxRole::RefundQuery || entry.refund_no.is_none(),
                ),
                ("notify_url", &entry.notify_url, false),
                (
                    "amount",
                    &entry.amount,
                    matches!(role, SandboxRole::Pay | SandboxRole::Precreate),
                ),
                (
                    "refund_amount",
                    &entry.refund_amount,
                    role == SandboxRole::Refund,
                ),
            ];
            // A notify URL may also come from a credential-valued common field.
            let common_credential = |name: &Name| {
                spec.protocol
                    .request
                    .common
                    .iter()
                    .chain(operation.common.iter())
                    .any(|f| {
                        f.name.value == name.value && matches!(f.value, ValueSource::Credential(_))
                    })
            };
            for (key, field, required) in needs {
                match field {
                    Some(name) if *key == "notify_url" && common_credential(name) => {}
                    // Amounts may be members of a request object (`amount.total`).
                    Some(name)
                        if key.ends_with("amount")
                            && super::resolve(&operation.request, &name.value).is_some() => {}
                    Some(name) if !operation.request.iter().any(|f| f.name.value == name.value) => {
                        self.at(
                            name,
                            format!(
                                "sandbox `{key}` names request field `{}`, which `{}` does not have",
                                name.value, entry.operation.value
                            ),
                        );
                    }
                    None if *required => self.at(
                        &entry.operation,
                        format!("sandbox operation with role {role:?} needs `{key}`"),
                    ),
                    _ => {}
                }
            }
            let request_field =
                |name: &Name| operation.request.iter().any(|f| f.name.value == name.value);
            if let Some(number) = entry.refund_no.as_ref().filter(|n| !request_field(n)) {
                self.at(
                    number,
                    format!(
                        "sandbox `refund_no` names request field `{}`, which `{}` does not have",
                        number.value, entry.operation.value
                    ),
                );
            }
            if let Some(when) = &entry.precreate_when {
                if role != SandboxRole::Pay {
                    self.at(
                        &when.field,
                        "sandbox `precreate_when` applies to a `pay` operation",
                    );
                }
                if !request_field(&when.field) {
                    self.at(
                        &when.field,
                        format!(
                            "sandbox `precreate_when` reads request field `{}`, which `{}` does not have",
                            when.field.value, entry.operation.value
                        ),
                    );
                }
                self.sandbox_values(&when.reply, "sandbox `precreate_when` reply");
            }
            self.sandbox_refunds(entry, operation, sandbox);
            let what = format!("sandbox reply of `{}`", entry.operation.value);
            self.sandbox_values(&entry.reply, &what);
            self.sandbox_values(&entry.in_progress, &format!("{what} in progress"));
            let mut paths: Vec<&str> = entry.reply.keys().map(String::as_str).collect();
            paths.extend(entry.in_progress.keys().map(String::as_str));
            paths.extend(entry.status.as_ref().map(|s| s.field.as_str()));
            paths.extend(entry.reply_refunded.as_deref());
            paths.extend(entry.reply_amount.as_deref());
            for path in paths {
                if super::resolve(&operation.response, path).is_none() {
                    self.at(
                        &entry.operation,
                        format!(
                            "sandbox response path `{path}` is not a field of `{}`'s response",
                            entry.operation.value
                        ),
                    );
                }
            }
        }
        self.sandbox_fill(sandbox);
        self.sandbox_notifications(sandbox);
        self.sandbox_headers(sandbox);
        if let Some(window) = &sandbox.request_window {
            let clock = spec
                .protocol
                .request
                .common
                .iter()
                .chain(spec.operations.iter().flat_map(|o| o.common.iter()))
                .any(|f| {
                    f.name.value == window.field.value && matches!(f.value, ValueSource::Clock(_))
                });
            if !clock {
                self.at(
                    &window.field,
                    format!(
                        "sandbox request_window field `{}` is not a common field with a clock value",
                        window.field.value
                    ),
                );
            }
            if window.seconds == 0 {
                self.at(
                    &window.field,
                    "sandbox request_window seconds must be above 0".to_owned(),
                );
            }
            if !sandbox
                .errors
                .contains_key(&SandboxErrorKind::StaleTimestamp)
            {
                self.at(
                    &window.field,
                    "sandbox request_window needs a `stale_timestamp` reply in sandbox.errors"
                        .to_owned(),
                );
            }
        }
    }

    /// Checks a refund query's `refunds` (and that only a refund query has one): the
    /// name keeps each field's own name, and every path it writes is in the response.
    fn sandbox_refunds(
        &mut self,
        entry: &SandboxOperation,
        operation: &Operation,
        sandbox: &Sandbox,
    ) {
        let role = entry.role;
        let Some(refunds) = &entry.refunds else {
            if role == SandboxRole::RefundQuery {
                self.at(
                    &entry.operation,
                    "sandbox operation with role RefundQuery needs `refunds` (how its reply carries each refund)",
                );
            }
            return;
        };
        if role != SandboxRole::RefundQuery {
            self.at(
                &entry.operation,
                "sandbox `refunds` applies to a `refund_query` operation",
            );
            return;
        }
        if !refunds.name.contains("{name}") {
            self.at(
                &entry.operation,
                format!(
                    "sandbox `refunds.name` `{}` must contain `{{name}}` (the refund field's own name)",
                    refunds.name
                ),
            );
        }
        self.sandbox_values(
            &refunds.reply,
            &format!("sandbox refunds of `{}`", entry.operation.value),
        );
        let mut paths: Vec<String> = refunds
            .reply
            .keys()
            .map(|name| refunds.reply_name(name, 0))
            .collect();
        paths.extend(refunds.count.clone());
        paths.extend(
            sandbox
                .provider_refund_no
                .as_deref()
                .map(|name| refunds.reply_name(name, 0)),
        );
        for path in paths {
            if super::resolve(&operation.response, &path).is_none() {
                self.at(
                    &entry.operation,
                    format!(
                        "sandbox response path `{path}` is not a field of `{}`'s response",
                        entry.operation.value
                    ),
                );
            }
        }
    }

    /// Checks what the sandbox writes with header-signed messages: every header a reply's
    /// or notification's template signs has a value, each header once, none a credential
    /// (the sandbox's credentials are the merchant's); and that refusals of a protocol
    /// whose success rule reads the HTTP status are sent under a status it does not list.
    fn sandbox_headers(&mut self, sandbox: &Sandbox) {
        let spec = self.spec;
        let _ = self.unique(
            "sandbox signature header",
            "",
            sandbox.signature_headers.iter().map(|h| &h.name),
        );
        for header in &sandbox.signature_headers {
            let what = match header.value {
                ValueSource::Credential(_) => "a credential",
                ValueSource::Request(_) => "a request value",
                _ => continue,
            };
            self.at(
                &header.name,
                format!(
                    "sandbox signature header `{}` takes a clock, nonce or constant value, not {what}",
                    header.name.value
                ),
            );
        }
        let checks = std::iter::once(spec.protocol.response.signature.as_ref())
            .chain(spec.notifications.iter().map(|n| n.signature.as_ref()))
            .flatten()
            .filter(|check| check.header.is_some());
        for check in checks {
            let Some(recipe) = spec
                .signatures
                .iter()
                .find(|r| r.name.value == check.recipe.value)
            else {
                continue;
            };
            let Some(template) = &recipe.template else {
                continue;
            };
            for part in &template.parts {
                let TemplatePart::Header(name) = part else {
                    continue;
                };
                let written = sandbox
                    .signature_headers
                    .iter()
                    .any(|h| h.name.value.eq_ignore_ascii_case(name));
                if !written {
                    self.at(
                        &check.recipe,
                        format!(
                            "recipe `{}` signs header `{name}`, which the sandbox does not write: give it under sandbox.signature_headers",
                            check.recipe.value
                        ),
                    );
                }
            }
        }
        let listed = &spec.protocol.response.success.http_status;
        for reply in sandbox.errors.values() {
            if let Some(status) = reply.status {
                if listed.contains(&status) || !(100..=599).contains(&status) {
                    self.at(
                        &spec.name,
                        format!(
                            "sandbox error reply status {status} is not an HTTP error status the success rule leaves unlisted ({})",
                            reply.source
                        ),
                    );
                }
            }
        }
    }

    /// Checks the notifications the sandbox delivers: each names a notification of the
    /// spec and only its fields.
    fn sandbox_notifications(&mut self, sandbox: &Sandbox) {
        let spec = self.spec;
        for entry in &sandbox.notifications {
            let Some(notification) = spec
                .notifications
                .iter()
                .find(|n| n.name.value == entry.notification.value)
            else {
                self.at(
                    &entry.notification,
                    format!(
                        "sandbox names notification `{}`, which is not defined",
                        entry.notification.value
                    ),
                );
                continue;
            };
            self.sandbox_values(
                &entry.fields,
                &format!("sandbox notification `{}`", entry.notification.value),
            );
            for name in entry.fields.keys() {
                if !notification.fields.iter().any(|f| f.name.value == *name) {
                    self.at(
                        &entry.notification,
                        format!(
                            "sandbox notification field `{name}` is not a field of notification `{}`",
                            entry.notification.value
                        ),
                    );
                }
            }
        }
    }

    /// Every value the sandbox writes is one text, number or boolean. A null or a map
    /// is a YAML slip: `{ msg: 已支付,不能取消 }` unquoted parses as `msg: 已支付` and
    /// a key `不能取消` with no value. Reported at the map.
    fn sandbox_values(&mut self, fields: &SandboxFields, what: &str) {
        for (key, value) in fields.iter() {
            let slip = match value {
                serde_json::Value::Null => format!(
                    "{what}: `{key}` has no value; an unquoted text with a comma inside `{{ }}` splits into two keys (quote the text)"
                ),
                serde_json::Value::Object(_) | serde_json::Value::Array(_) => format!(
                    "{what}: `{key}` is a YAML map or list, not one text, number or boolean (quote a text holding `: `, `,`, `[` or `{{`)"
                ),
                _ => continue,
            };
            self.at(&fields.0, slip);
        }
    }

    /// `fill`: each value a text, number or boolean, or one of the computed forms, and
    /// a `{ request: … }` names a request field of a pay or precreate operation.
    fn sandbox_fill(&mut self, sandbox: &Sandbox) {
        let spec = self.spec;
        let creating: Vec<&Operation> = sandbox
            .operations
            .iter()
            .filter(|o| matches!(o.role, SandboxRole::Pay | SandboxRole::Precreate))
            .filter_map(|o| {
                spec.operations
                    .iter()
                    .find(|op| op.name.value == o.operation.value)
            })
            .collect();
        for (name, value) in sandbox.fill.iter() {
            let problem = match value {
                serde_json::Value::Null => Some(format!(
                    "sandbox fill `{name}` has no value; an unquoted text with a comma inside `{{ }}` splits into two keys (quote the text)"
                )),
                serde_json::Value::Array(_) => Some(format!(
                    "sandbox fill `{name}` is a list, not a text, number, boolean or computed value"
                )),
                serde_json::Value::Object(_) => {
                    match serde_json::from_value::<SandboxComputed>(value.clone()) {
                        Err(why) => Some(format!(
                            "sandbox fill `{name}`: expected a text or {{ clock: … }}, {{ nonce: N }}, {{ request: field }} or {{ order: provider_no | order_no | amount }}: {why}"
                        )),
                        Ok(SandboxComputed::Request(field)) => {
                            let known = creating
                                .iter()
                                .any(|op| op.request.iter().any(|f| f.name.value == field));
                            (!known).then(|| format!(
                                "sandbox fill `{name}` reads request field `{field}`, which no pay or precreate operation has"
                            ))
                        }
                        Ok(_) => None,
                    }
                }
                _ => None,
            };
            if let Some(problem) = problem {
                self.at(&sandbox.fill.0, problem);
            }
        }
    }
}
