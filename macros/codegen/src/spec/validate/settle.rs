//! Checks of a `settle:` flow: its operations exist, the order number is a request field
//! of all three and the only one query and cancel need, every rule reads a response
//! field, and each step's rules give only verdicts that step can have.

use super::Checker;
use crate::spec::model::*;

/// The verdicts a reply of each step may give.
const PAY_OR_QUERY: &[SettleVerdict] = &[
    SettleVerdict::Paid,
    SettleVerdict::Failed,
    SettleVerdict::InProgress,
    SettleVerdict::Attention,
];
const CANCEL: &[SettleVerdict] = &[
    SettleVerdict::Cancelled,
    SettleVerdict::Failed,
    SettleVerdict::Attention,
];

impl Checker<'_> {
    /// Checks one settle flow against the operations it names.
    pub(super) fn settle(&mut self, flow: &SettleFlow) {
        let spec = self.spec;
        let find = |name: &Name| spec.operations.iter().find(|o| o.name.value == name.value);
        if flow.deadline_seconds == 0 || flow.poll_interval_ms == 0 || flow.cancel_attempts == 0 {
            self.at(
                &flow.pay,
                "settle: deadline_seconds, poll_interval_ms and cancel_attempts must be above 0",
            );
        }
        let steps = [
            ("pay", &flow.pay, &flow.pay_outcomes, PAY_OR_QUERY),
            ("query", &flow.query, &flow.query_outcomes, PAY_OR_QUERY),
            ("cancel", &flow.cancel, &flow.cancel_outcomes, CANCEL),
        ];
        for (step, name, rules, allowed) in steps {
            let Some(operation) = find(name) else {
                self.at(
                    name,
                    format!(
                        "settle `{step}` names operation `{}`, which is not defined",
                        name.value
                    ),
                );
                continue;
            };
            if !operation
                .request
                .iter()
                .any(|f| f.name.value == flow.order_no.value)
            {
                self.at(
                    &flow.order_no,
                    format!(
                        "settle `order_no` names request field `{}`, which `{}` does not have",
                        flow.order_no.value, name.value
                    ),
                );
            }
            if step != "pay" {
                for field in operation.request.iter().filter(|f| f.required) {
                    if field.name.value != flow.order_no.value {
                        self.at(
                            name,
                            format!(
                                "settle sends `{}` only `{}`, but its request requires `{}`",
                                name.value, flow.order_no.value, field.name.value
                            ),
                        );
                    }
                }
            }
            for rule in rules {
                if !allowed.contains(&rule.then) {
                    self.at(
                        &rule.field,
                        format!("settle: a {step} reply cannot mean {:?}", rule.then),
                    );
                }
                let conditions = std::iter::once((&rule.field, &rule.equals))
                    .chain(rule.and.iter().map(|c| (&c.field, &c.equals)));
                for (field, equals) in conditions {
                    if super::resolve(&operation.response, &field.value).is_none() {
                        self.at(
                            field,
                            format!(
                                "settle rule reads `{}`, which is not a field of `{}`'s response",
                                field.value, name.value
                            ),
                        );
                    }
                    if equals.is_empty() {
                        self.at(field, "settle rule: `equals` needs at least one value");
                    }
                }
            }
        }
    }
}
