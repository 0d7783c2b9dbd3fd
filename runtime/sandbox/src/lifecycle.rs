//! An operation's effect on the order store, by its role in the spec's `sandbox:`
//! section, and the reply fields it answers with.

use crate::config::SandboxConfig;
use crate::providers::Served;
use crate::reply::{self, echo, fill, set_path, succeed, text_of, Fill};
use crate::scenarios::Scenario;
use crate::store::{Order, OrderStore, Refund, StoreError};
use paygen::protocol::Operation;
use paygen_codegen::spec::model::{
    SandboxErrorKind, SandboxEvent, SandboxOperation, SandboxRefunds, SandboxRole, SandboxState,
};
use serde_json::{Map, Value};

/// What an operation answers: reply fields, or a refusal of a documented kind.
#[derive(Debug)]
pub struct Outcome {
    /// The reply fields on success, or the refusal.
    pub result: Result<Map<String, Value>, SandboxErrorKind>,
    /// The scenario the order's amount chose.
    pub scenario: Scenario,
    /// What happened to the order, for notifications.
    pub events: Vec<Event>,
}

/// A change of an order that the provider notifies about.
#[derive(Debug, Clone)]
pub struct Event {
    /// Paid or refunded.
    pub kind: SandboxEvent,
    /// The order after the change.
    pub order: Order,
    /// Where the notification goes: the refund's own notify URL, else the order's.
    pub url: Option<String>,
    /// The refund, for a refund's notification.
    pub refund: Option<Refund>,
}

/// The text of the field at `name`, a dotted path for a member of a request object
/// (`amount.total`).
fn field_text(fields: &Map<String, Value>, name: Option<&str>) -> Option<String> {
    let mut parts = name?.split('.');
    let mut value = fields.get(parts.next()?)?;
    for part in parts {
        value = value.get(part)?;
    }
    Some(text_of(value)).filter(|t| !t.is_empty())
}

/// An amount in 分: the field's text read as its type says (decimal 元 for `yuan`).
fn amount(
    operation: &Operation,
    fields: &Map<String, Value>,
    name: Option<&str>,
) -> Result<i64, SandboxErrorKind> {
    let yuan = name.is_some_and(|n| reply::is_yuan(&operation.request, n));
    field_text(fields, name)
        .and_then(|t| {
            if yuan {
                paygen::yuan::parse(&t).ok().map(|f| f.0)
            } else {
                t.parse::<i64>().ok()
            }
        })
        .filter(|a| *a > 0)
        .ok_or(SandboxErrorKind::Parameter)
}

fn not_found(_: StoreError) -> SandboxErrorKind {
    SandboxErrorKind::OrderNotFound
}

/// Runs one decoded request against the store and builds its reply fields. `common`
/// holds the request's common fields (a notify URL may be one: Alipay's `notify_url`).
pub fn run(
    served: &Served,
    operation: &Operation,
    request: &Map<String, Value>,
    common: &Map<String, Value>,
    store: &OrderStore,
    config: &SandboxConfig,
) -> Outcome {
    let sandbox = served.sandbox.as_ref();
    let entry = sandbox.and_then(|s| {
        s.operations
            .iter()
            .find(|o| o.operation.value == operation.name)
    });
    let Some(entry) = entry else {
        // No role: a filled, successful reply with the request echoed.
        let with = Fill {
            values: sandbox.map(|s| &s.fill.0.value),
            request: Some(request),
            amount: None,
            numbers: None,
            utc_offset_minutes: served.provider.utc_offset_minutes,
        };
        let mut fields = Map::new();
        fill(&operation.response, &mut fields, &with);
        succeed(&operation.response, &mut fields, &operation.success, &with);
        let mut source = common.clone();
        source.extend(request.iter().map(|(k, v)| (k.clone(), v.clone())));
        echo(&operation.response, &mut fields, &source);
        return Outcome {
            result: Ok(fields),
            scenario: Scenario::Normal,
            events: Vec::new(),
        };
    };
    let provider = served.provider.name.as_ref();
    let provider_no_name = sandbox.and_then(|s| s.provider_no.as_deref());
    let provider_refund_no_name = sandbox.and_then(|s| s.provider_refund_no.as_deref());
    let order_no = field_text(request, entry.order_no.as_ref().map(|n| n.value.as_str()));
    let provider_no = field_text(request, provider_no_name);
    let mut scenario = Scenario::Normal;
    let mut failed_with_order = None;
    let mut events = Vec::new();
    let notify_field = entry.notify_url.as_ref().map(|n| n.value.as_str());
    let notify_url = field_text(request, notify_field).or_else(|| field_text(common, notify_field));
    // The refund a refund made, or the one a refund query asks about.
    let mut asked: Option<Refund> = None;
    let mut event = |kind: SandboxEvent, order: &Order, refund: Option<&Refund>| {
        events.push(Event {
            kind,
            order: order.clone(),
            url: notify_url.clone().or_else(|| order.notify_url.clone()),
            refund: refund.cloned(),
        });
    };
    let result = (|| -> Result<(Order, bool), SandboxErrorKind> {
        match entry.role {
            SandboxRole::Pay | SandboxRole::Precreate => {
                let order_no = order_no.clone().ok_or(SandboxErrorKind::Parameter)?;
                let fen = amount(
                    operation,
                    request,
                    entry.amount.as_ref().map(|n| n.value.as_str()),
                )?;
                scenario = Scenario::of_amount(fen);
                let pay = entry.role == SandboxRole::Pay && !precreates(entry, request);
                let state = match scenario {
                    _ if !pay => SandboxState::Created,
                    Scenario::Fail => SandboxState::Failed,
                    Scenario::InProgress => SandboxState::Created,
                    _ => SandboxState::Paid,
                };
                let order = store
                    .create(Order {
                        provider: provider.to_owned(),
                        order_no,
                        provider_no: String::new(),
                        amount: fen,
                        refunded: 0,
                        state,
                        queries_left: if pay && scenario == Scenario::InProgress {
                            config.in_progress_queries.max(1)
                        } else {
                            0
                        },
                        fields: request.clone(),
                        notify_url: notify_url.clone(),
                        refunds: Vec::new(),
                    })
                    .map_err(|_| SandboxErrorKind::DuplicateOrder)?;
                if order.state == SandboxState::Paid {
                    event(SandboxEvent::Paid, &order, None);
                }
                if pay && scenario == Scenario::Fail {
                    failed_with_order = sandbox
                        .and_then(|s| s.errors.get(&SandboxErrorKind::PayFailed))
                        .filter(|reply| reply.with_order);
                    if failed_with_order.is_none() {
                        return Err(SandboxErrorKind::PayFailed);
                    }
                }
                Ok((order, pay && scenario == Scenario::InProgress))
            }
            SandboxRole::Query => {
                let (order, became_paid) = store
                    .update(provider, order_no.as_deref(), provider_no.as_deref(), |o| {
                        let mut became_paid = false;
                        if o.state == SandboxState::Created && o.queries_left > 0 {
                            o.queries_left -= 1;
                            if o.queries_left == 0 {
                                o.state = SandboxState::Paid;
                                became_paid = true;
                            }
                        }
                        (o.clone(), became_paid)
                    })
                    .map_err(not_found)?;
                if became_paid {
                    event(SandboxEvent::Paid, &order, None);
                }
                Ok((order, false))
            }
            SandboxRole::Refund => {
                let fen = amount(
                    operation,
                    request,
                    entry.refund_amount.as_ref().map(|n| n.value.as_str()),
                )?;
                let refund = Refund {
                    refund_no: field_text(
                        request,
                        entry.refund_no.as_ref().map(|n| n.value.as_str()),
                    ),
                    provider_refund_no: String::new(),
                    amount: fen,
                    fields: request.clone(),
                };
                // A repeated refund number: the document's `duplicate_refund` reply, or
                // without one the refund made before, answered again and not repeated
                // (同一退款单号多次请求只退一笔).
                let refuses_repeats = sandbox
                    .is_some_and(|s| s.errors.contains_key(&SandboxErrorKind::DuplicateRefund));
                let made = store
                    .refund(
                        provider,
                        order_no.as_deref(),
                        provider_no.as_deref(),
                        refund,
                        |o, refund| {
                            let before = refund.refund_no.as_deref().and_then(|n| {
                                o.refunds
                                    .iter()
                                    .position(|r| r.refund_no.as_deref() == Some(n))
                            });
                            match before {
                                Some(_) if refuses_repeats => {
                                    return Err(Refusal::Kind(SandboxErrorKind::DuplicateRefund))
                                }
                                Some(index) => return Err(Refusal::Repeat(index)),
                                None => {}
                            }
                            let refundable = matches!(
                                o.state,
                                SandboxState::Paid | SandboxState::PartiallyRefunded
                            );
                            if !refundable || o.refunded + fen > o.amount {
                                return Err(Refusal::Kind(SandboxErrorKind::RefundExceeded));
                            }
                            o.refunded += fen;
                            o.state = if o.refunded == o.amount {
                                SandboxState::Refunded
                            } else {
                                SandboxState::PartiallyRefunded
                            };
                            Ok(())
                        },
                    )
                    .map_err(not_found)?;
                let (order, refund) = match made {
                    Ok(made) => made,
                    Err(Refusal::Kind(kind)) => return Err(kind),
                    Err(Refusal::Repeat(index)) => {
                        let order = store
                            .update(provider, order_no.as_deref(), provider_no.as_deref(), |o| {
                                o.clone()
                            })
                            .map_err(not_found)?;
                        asked = order.refunds.get(index).cloned();
                        return Ok((order, false));
                    }
                };
                event(SandboxEvent::Refunded, &order, Some(&refund));
                asked = Some(refund);
                Ok((order, false))
            }
            SandboxRole::RefundQuery => {
                let refund_no =
                    field_text(request, entry.refund_no.as_ref().map(|n| n.value.as_str()));
                let provider_refund_no = field_text(request, provider_refund_no_name);
                // The provider's refund number first: it names one refund everywhere.
                let number = provider_refund_no.or(refund_no);
                let order = store
                    .update_by_refund(
                        provider,
                        order_no.as_deref(),
                        provider_no.as_deref(),
                        number.as_deref(),
                        |o| o.clone(),
                    )
                    .map_err(|_| SandboxErrorKind::RefundNotFound)?;
                if let Some(number) = &number {
                    let refund = order.refunds.iter().find(|r| {
                        r.refund_no.as_deref() == Some(number) || r.provider_refund_no == *number
                    });
                    asked = Some(refund.cloned().ok_or(SandboxErrorKind::RefundNotFound)?);
                } else if order.refunds.is_empty() {
                    return Err(SandboxErrorKind::RefundNotFound);
                }
                Ok((order, false))
            }
            SandboxRole::Cancel | SandboxRole::Close => {
                let close = entry.role == SandboxRole::Close;
                store
                    .update(provider, order_no.as_deref(), provider_no.as_deref(), |o| {
                        let allowed = match o.state {
                            SandboxState::Created => true,
                            SandboxState::Paid => !close && entry.cancels_paid,
                            SandboxState::Closed | SandboxState::Cancelled => true,
                            _ => false,
                        };
                        if !allowed {
                            return Err(SandboxErrorKind::NotCancellable);
                        }
                        if !matches!(o.state, SandboxState::Closed | SandboxState::Cancelled) {
                            o.state = if close {
                                SandboxState::Closed
                            } else {
                                SandboxState::Cancelled
                            };
                        }
                        Ok(o.clone())
                    })
                    .map_err(not_found)?
                    .map(|o| (o, false))
            }
        }
    })();
    let result = result.map(|(order, in_progress)| {
        let with = Fill {
            values: sandbox.map(|s| &s.fill.0.value),
            request: Some(&order.fields),
            amount: Some(order.amount - order.refunded),
            numbers: Some((&order.order_no, &order.provider_no)),
            utc_offset_minutes: served.provider.utc_offset_minutes,
        };
        let mut source = common.clone();
        source.extend(order.fields.iter().map(|(k, v)| (k.clone(), v.clone())));
        source.extend(request.iter().map(|(k, v)| (k.clone(), v.clone())));
        let mut fields = reply_fields(
            operation,
            entry,
            provider_no_name,
            &order,
            source,
            in_progress,
            &with,
        );
        // A refund's reply: the request is echoed above; the provider's number here.
        let made = asked.as_ref().filter(|_| entry.role == SandboxRole::Refund);
        if let (Some(refund), Some(name)) = (made, provider_refund_no_name) {
            let number = Value::from(refund.provider_refund_no.as_str());
            echo(
                &operation.response,
                &mut fields,
                &Map::from_iter([(name.to_owned(), number)]),
            );
        }
        if let Some(refunds) = &entry.refunds {
            let reported: Vec<&Refund> = match (&asked, refunds.indexed()) {
                (Some(refund), _) => vec![refund],
                (None, true) => order.refunds.iter().collect(),
                (None, false) => order.refunds.last().into_iter().collect(),
            };
            refund_fields(
                &operation.response,
                &mut fields,
                refunds,
                &reported,
                provider_refund_no_name,
                &with,
            );
        }
        // A failed payment's reply: the order, under the refusal's codes.
        if let Some(failed) = failed_with_order {
            for (path, value) in failed.reply.iter() {
                set_path(&[], &mut fields, path, value, &with);
            }
        }
        if let Some(when) = entry
            .precreate_when
            .as_ref()
            .filter(|_| precreates(entry, request))
        {
            for (path, value) in when.reply.iter() {
                set_path(&[], &mut fields, path, value, &with);
            }
        }
        fields
    });
    Outcome {
        result,
        scenario,
        events,
    }
}

/// A refund's fields to echo: its request's, and the provider's refund number under
/// its name.
fn refund_source(refund: &Refund, provider_refund_no_name: Option<&str>) -> Map<String, Value> {
    let mut source = refund.fields.clone();
    if let Some(name) = provider_refund_no_name {
        source.insert(
            name.to_owned(),
            Value::from(refund.provider_refund_no.as_str()),
        );
    }
    source
}

/// Writes each refund a refund query reports under the names `refunds` makes, with the
/// fields written for every refund, and their count.
fn refund_fields(
    table: &[paygen::protocol::FieldDef],
    fields: &mut Map<String, Value>,
    refunds: &SandboxRefunds,
    reported: &[&Refund],
    provider_refund_no_name: Option<&str>,
    with: &Fill<'_>,
) {
    for (index, refund) in reported.iter().enumerate() {
        let source = refund_source(refund, provider_refund_no_name);
        let named: Map<String, Value> = source
            .into_iter()
            .map(|(name, value)| (refunds.reply_name(&name, index), value))
            .collect();
        echo(table, fields, &named);
        for (name, value) in refunds.reply.iter() {
            set_path(table, fields, &refunds.reply_name(name, index), value, with);
        }
    }
    if let Some(count) = &refunds.count {
        set_path(table, fields, count, &Value::from(reported.len()), with);
    }
}

/// Why a refund is not made: a documented refusal, or a repeat of the order's refund
/// at this index.
enum Refusal {
    Kind(SandboxErrorKind),
    Repeat(usize),
}

/// Whether a `pay` entry's request makes an unpaid order instead (`precreate_when`).
fn precreates(entry: &SandboxOperation, request: &Map<String, Value>) -> bool {
    entry.precreate_when.as_ref().is_some_and(|when| {
        field_text(request, Some(when.field.value.as_str()))
            .is_some_and(|value| when.equals.contains(&value))
    })
}

/// The reply of a successful operation on `order`; `source` holds the fields echoed by
/// name (the request's common fields, the order's and this request's fields).
fn reply_fields(
    operation: &Operation,
    entry: &SandboxOperation,
    provider_no_name: Option<&str>,
    order: &Order,
    mut source: Map<String, Value>,
    in_progress: bool,
    with: &Fill<'_>,
) -> Map<String, Value> {
    let table = &operation.response;
    let mut fields = Map::new();
    fill(table, &mut fields, with);
    succeed(table, &mut fields, &operation.success, with);
    // While in progress, `in_progress` is written instead of the reply and the status.
    let status = entry
        .status
        .as_ref()
        .filter(|_| !in_progress || entry.in_progress.is_empty());
    if let Some(status) = status {
        let state = if in_progress {
            SandboxState::Created
        } else {
            order.state
        };
        // A refunded order was paid: documents without a refund state keep reporting
        // the payment (wantu's SUCCESS, mct1's 1).
        let value = status.values.get(&state).or_else(|| {
            matches!(
                state,
                SandboxState::Refunded | SandboxState::PartiallyRefunded
            )
            .then(|| status.values.get(&SandboxState::Paid))
            .flatten()
        });
        match value {
            Some(value) => set_path(
                table,
                &mut fields,
                &status.field,
                &Value::from(value.as_str()),
                with,
            ),
            // No documented value for this state: the field keeps its filled value.
            None => remove_null(&mut fields, &status.field, table, with),
        }
        let message = status
            .message
            .as_ref()
            .and_then(|m| Some((&m.field, m.values.get(&state)?)));
        if let Some((field, text)) = message {
            set_path(table, &mut fields, field, &Value::from(text.as_str()), with);
        }
    }
    if let Some(name) = provider_no_name {
        source.insert(name.to_owned(), Value::from(order.provider_no.as_str()));
    }
    echo(table, &mut fields, &source);
    let overrides = if in_progress && !entry.in_progress.is_empty() {
        &entry.in_progress
    } else {
        &entry.reply
    };
    // Written as given: `return_code: 301` stays a number, `"5"` a string.
    for (path, value) in overrides.iter() {
        set_path(&[], &mut fields, path, value, with);
    }
    if let Some(path) = &entry.reply_refunded {
        let refunded = if reply::is_yuan(table, path) {
            Value::from(paygen::yuan::format(paygen::Fen(order.refunded)))
        } else {
            Value::from(order.refunded)
        };
        set_path(table, &mut fields, path, &refunded, with);
    }
    if let Some(path) = &entry.reply_amount {
        let amount = if reply::is_yuan(table, path) {
            Value::from(paygen::yuan::format(paygen::Fen(order.amount)))
        } else {
            Value::from(order.amount)
        };
        set_path(table, &mut fields, path, &amount, with);
    }
    fields
}

/// Puts a filled value at `path` (the field's first documented value, when required),
/// creating the objects on the way.
fn remove_null(
    fields: &mut Map<String, Value>,
    path: &str,
    table: &[paygen::protocol::FieldDef],
    with: &Fill<'_>,
) {
    let mut defs = table;
    let mut current = fields;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let def = defs.iter().find(|d| d.name == part);
        if parts.peek().is_none() {
            current.remove(part);
            if let Some(def) = def.filter(|d| d.required) {
                let mut refill = Map::new();
                fill(std::slice::from_ref(def), &mut refill, with);
                current.extend(refill);
            }
            return;
        }
        defs = def.map(|d| d.fields.as_ref()).unwrap_or(&[]);
        // An optional object nobody filled yet: it holds the status, so it is written.
        let slot = current
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(inner) = slot else {
            return;
        };
        fill(defs, inner, with);
        current = inner;
    }
}
