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
                ("order_no", &entry.order_no, true),
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
}
