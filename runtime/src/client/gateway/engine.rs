//! The gateway over a client's core, driven by the spec's `gateway:` mapping alone:
//! model inputs become request fields, reply fields become model outputs, and reply
//! values become unified statuses. Generated `impl Gateway` blocks delegate here.

use super::model::{
    OrderRef, PayRequest, PaymentEvent, PaymentResult, PaymentStatus, PrecreateRequest,
    RefundQueryRequest, RefundRequest,
};
use super::GatewayError;
use crate::authenticity::Authenticity;
use crate::client::core::ClientCore;
use crate::client::inbound::{Delivery, InboundRequest};
use crate::client::transport::Transport;
use crate::error::{Error, ParamRule};
use crate::message::decode::{lookup, text_of};
use crate::message::validate::request_fields_from_json;
use crate::wire::de::Fen;
use crate::wire::yuan;
use paygen_protocol::{
    FieldDef, FieldType, GatewayMap, GatewayRole, GatewayRoleKind, ModelInput, ModelOutput,
    ModelOutputField, StatusKind, StatusRule,
};
use serde_json::{Map, Value};
use tracing::Instrument;

/// One call's model inputs, and the caller's extra request fields.
struct Inputs<'r> {
    values: Vec<(ModelInput, InputValue<'r>)>,
    extra: &'r Map<String, Value>,
}

/// A model input's value.
#[derive(Clone, Copy)]
enum InputValue<'r> {
    Text(&'r str),
    Money(Fen),
}

impl<'r> Inputs<'r> {
    fn get(&self, input: ModelInput) -> Option<InputValue<'r>> {
        self.values
            .iter()
            .find(|(i, _)| *i == input)
            .map(|(_, v)| *v)
    }
}

fn text<'r>(input: ModelInput, value: &'r str) -> (ModelInput, InputValue<'r>) {
    (input, InputValue::Text(value))
}

fn optional<'r>(
    input: ModelInput,
    value: &'r Option<String>,
) -> Option<(ModelInput, InputValue<'r>)> {
    value.as_deref().map(|v| text(input, v))
}

/// The field at dotted `path` among `defs`, members of objects included.
fn field_def<'d>(defs: &'d [FieldDef], path: &str) -> Option<&'d FieldDef> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut def = defs.iter().find(|d| d.name == first)?;
    for part in parts {
        def = def.fields.iter().find(|d| d.name == part)?;
    }
    Some(def)
}

/// Puts `value` at dotted `path` of `params`, making the objects on the way.
fn insert_at(params: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            params.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let member = params
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !member.is_object() {
                *member = Value::Object(Map::new());
            }
            if let Value::Object(inner) = member {
                insert_at(inner, rest, value);
            }
        }
    }
}

/// `extra` merged into `params`: objects member by member (a caller's `amount.from`
/// beside the spec's `amount.currency`), anything else replaced.
fn merge(params: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (name, value) in extra {
        match (params.get_mut(name), value) {
            (Some(Value::Object(inner)), Value::Object(more)) => merge(inner, more),
            _ => {
                params.insert(name.clone(), value.clone());
            }
        }
    }
}

/// A value as the request field's type reads it: 元 text for a `yuan` field, digits as
/// a number for a number field, text otherwise.
fn value_for(def: Option<&FieldDef>, value: InputValue<'_>) -> Value {
    let ty = def.map(|d| d.ty).unwrap_or(FieldType::String);
    match (value, ty) {
        (InputValue::Money(fen), FieldType::Yuan) => Value::from(yuan::format(fen)),
        (InputValue::Money(fen), FieldType::String) => Value::from(fen.0.to_string()),
        (InputValue::Money(fen), _) => Value::from(fen.0),
        (InputValue::Text(text), FieldType::Int | FieldType::Fen) => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(text)),
        (InputValue::Text(text), FieldType::Bool) => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::from(other),
        },
        (InputValue::Text(text), _) => Value::from(text),
    }
}

/// The request parameters of `role` filled from `inputs`: the spec's fixed values,
/// then the caller's extra fields (which may replace them), then the model's (which
/// win).
fn params(role: &GatewayRole, request: &[FieldDef], inputs: &Inputs<'_>) -> Map<String, Value> {
    let mut params = Map::new();
    for fixed in role.set.iter() {
        let def = field_def(request, &fixed.field);
        insert_at(
            &mut params,
            &fixed.field,
            value_for(def, InputValue::Text(&fixed.value)),
        );
    }
    merge(&mut params, inputs.extra);
    for mapped in role.fields.iter() {
        if let Some(value) = inputs.get(mapped.input) {
            let def = field_def(request, &mapped.field);
            insert_at(&mut params, &mapped.field, value_for(def, value));
        }
    }
    params
}

/// The amount in a received value: 元 text for a `yuan` field, else whole 分.
fn money(def: Option<&FieldDef>, value: &Value) -> Option<Fen> {
    let text = text_of(value);
    if def.is_some_and(|d| d.ty == FieldType::Yuan) {
        return yuan::parse(&text).ok();
    }
    value.as_i64().or_else(|| text.parse::<i64>().ok()).map(Fen)
}

/// The model's outputs read from received `fields`.
#[derive(Default)]
struct Outputs {
    trade_no: Option<String>,
    order_no: Option<String>,
    amount: Option<Fen>,
    qr_code: Option<String>,
    pay_url: Option<String>,
    refund_no: Option<String>,
    refund_amount: Option<Fen>,
}

fn outputs(map: &[ModelOutputField], defs: &[FieldDef], fields: &Map<String, Value>) -> Outputs {
    let mut out = Outputs::default();
    for mapped in map {
        let Some(value) = lookup(fields, &mapped.field).filter(|v| !v.is_null()) else {
            continue;
        };
        let def = field_def(defs, &mapped.field);
        let text = || Some(text_of(value)).filter(|t| !t.is_empty());
        match mapped.output {
            ModelOutput::TradeNo => out.trade_no = text(),
            ModelOutput::OrderNo => out.order_no = text(),
            ModelOutput::QrCode => out.qr_code = text(),
            ModelOutput::PayUrl => out.pay_url = text(),
            ModelOutput::RefundNo => out.refund_no = text(),
            ModelOutput::Amount => out.amount = money(def, value),
            ModelOutput::RefundAmount => out.refund_amount = money(def, value),
        }
    }
    out
}

/// What `rules` make of `fields`: the first rule that matches, or `None`.
pub(crate) fn status_of(rules: &[StatusRule], fields: &Map<String, Value>) -> Option<StatusKind> {
    rules
        .iter()
        .find(|rule| {
            lookup(fields, &rule.field)
                .is_some_and(|v| rule.equals.iter().any(|e| *e == text_of(v)))
        })
        .map(|rule| rule.status)
}

/// The raw value of the first status field present, for [`PaymentStatus::Unknown`].
fn raw_status(rules: &[StatusRule], fields: &Map<String, Value>) -> String {
    rules
        .iter()
        .find_map(|rule| lookup(fields, &rule.field).map(text_of))
        .unwrap_or_default()
}

/// The model's status of `kind`; a refund is partial when the amounts say so.
fn unified(kind: StatusKind, refunded: Option<Fen>, total: Option<Fen>) -> PaymentStatus {
    match kind {
        StatusKind::Pending => PaymentStatus::Pending,
        StatusKind::Paid => PaymentStatus::Paid,
        StatusKind::Failed => PaymentStatus::Failed,
        StatusKind::Closed => PaymentStatus::Closed,
        StatusKind::PartiallyRefunded => PaymentStatus::Refunded { partial: true },
        StatusKind::Refunded => PaymentStatus::Refunded {
            partial: matches!((refunded, total), (Some(r), Some(t)) if r < t),
        },
    }
}

/// The status a spec's value maps to, as the status test reads a provider's table:
/// `rules` over a reply whose only field is `field` = `value`, else `Unknown(value)`.
pub fn classify(rules: &[StatusRule], field: &str, value: &str) -> PaymentStatus {
    let mut fields = Map::new();
    insert_at(&mut fields, field, Value::from(value));
    match status_of(rules, &fields) {
        Some(kind) => unified(kind, None, None),
        None => PaymentStatus::Unknown(value.to_owned()),
    }
}

fn not_supported(provider: &str, role: GatewayRoleKind) -> GatewayError {
    GatewayError::NotSupported {
        provider: provider.to_owned(),
        role,
    }
}

impl<T: Transport> ClientCore<T> {
    /// Waits `duration` with this client's sleeper (a settle flow's pause).
    pub fn pause(
        &self,
        duration: std::time::Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'static>> {
        self.sleeper.sleep(duration)
    }

    /// Sends `role` with `inputs` and reads the reply into the model.
    async fn gateway_call(
        &self,
        map: &GatewayMap,
        role: GatewayRoleKind,
        inputs: Inputs<'_>,
        total: Option<Fen>,
    ) -> Result<PaymentResult, GatewayError> {
        let provider = self.provider_name();
        let mapping = map
            .role(role)
            .ok_or_else(|| not_supported(provider, role))?;
        let operation = self
            .provider
            .operation(&mapping.operation)
            // Validation keeps a role's operation to the spec's own.
            .ok_or_else(|| Error::InvalidParam {
                field: format!("operation `{}`", mapping.operation),
                rule: ParamRule::Unknown,
            })?;
        let params = params(mapping, &operation.request, &inputs);
        let fields = request_fields_from_json(operation, &params)?;
        let span = self.call_span(operation);
        let read = self
            .round_trip(operation, &fields)
            .instrument(span.clone())
            .await;
        let (_, decoded, refusal) = read.inspect_err(|error| {
            span.record(
                "outcome",
                if error.outcome_unknown() {
                    "unknown"
                } else {
                    "not_sent_or_refused"
                },
            );
        })?;
        // A reply the protocol sends unsigned, or only encrypted, could be anyone's: its
        // values decide no status.
        let trusted = !matches!(
            decoded.authenticity,
            Authenticity::UnsignedErrorReply | Authenticity::EncryptedOnly
        );
        let kind = if trusted {
            status_of(&mapping.status, &decoded.fields)
        } else {
            None
        };
        let kind = match (kind, refusal) {
            (Some(kind), _) => Some(kind),
            (None, Some(refusal)) => {
                span.record("outcome", "refused");
                return Err(refusal.into());
            }
            (None, None) => mapping.on_success,
        };
        span.record("outcome", "success");
        let out = outputs(&mapping.results, &operation.response, &decoded.fields);
        let refunded = out
            .refund_amount
            .or(match inputs.get(ModelInput::RefundAmount) {
                Some(InputValue::Money(fen)) => Some(fen),
                _ => None,
            });
        let status = match kind {
            Some(kind) => unified(kind, refunded, out.amount.or(total)),
            None => PaymentStatus::Unknown(raw_status(&mapping.status, &decoded.fields)),
        };
        tracing::debug!(provider, role = role.name(), %status, "gateway call");
        Ok(PaymentResult {
            status,
            trade_no: out.trade_no,
            order_no: out.order_no,
            amount: out.amount,
            qr_code: out.qr_code,
            pay_url: out.pay_url,
            refund_no: out.refund_no,
            refund_amount: out.refund_amount,
            authenticity: decoded.authenticity,
            raw: decoded.fields,
        })
    }

    /// [`Gateway::pay`](super::Gateway::pay) by the spec's mapping.
    pub async fn gateway_pay(
        &self,
        map: &GatewayMap,
        request: &PayRequest,
    ) -> Result<PaymentResult, GatewayError> {
        let values = vec![
            text(ModelInput::OrderNo, &request.order_no),
            (ModelInput::Amount, InputValue::Money(request.amount)),
            text(ModelInput::Subject, &request.subject),
            text(ModelInput::AuthCode, &request.auth_code),
        ];
        let values = values
            .into_iter()
            .chain(optional(ModelInput::NotifyUrl, &request.notify_url))
            .collect();
        let inputs = Inputs {
            values,
            extra: &request.extra,
        };
        self.gateway_call(map, GatewayRoleKind::Pay, inputs, Some(request.amount))
            .await
    }

    /// [`Gateway::precreate`](super::Gateway::precreate) by the spec's mapping.
    pub async fn gateway_precreate(
        &self,
        map: &GatewayMap,
        request: &PrecreateRequest,
    ) -> Result<PaymentResult, GatewayError> {
        let values = vec![
            text(ModelInput::OrderNo, &request.order_no),
            (ModelInput::Amount, InputValue::Money(request.amount)),
            text(ModelInput::Subject, &request.subject),
        ];
        let values = values
            .into_iter()
            .chain(optional(ModelInput::NotifyUrl, &request.notify_url))
            .collect();
        let inputs = Inputs {
            values,
            extra: &request.extra,
        };
        self.gateway_call(
            map,
            GatewayRoleKind::Precreate,
            inputs,
            Some(request.amount),
        )
        .await
    }

    /// [`Gateway::query`](super::Gateway::query), `cancel` and `close` by the spec's
    /// mapping of `role`.
    pub async fn gateway_order(
        &self,
        map: &GatewayMap,
        role: GatewayRoleKind,
        order: &OrderRef,
    ) -> Result<PaymentResult, GatewayError> {
        let values = std::iter::once(text(ModelInput::OrderNo, &order.order_no))
            .chain(optional(ModelInput::TradeNo, &order.trade_no))
            .collect();
        let inputs = Inputs {
            values,
            extra: &order.extra,
        };
        self.gateway_call(map, role, inputs, None).await
    }

    /// [`Gateway::refund`](super::Gateway::refund) by the spec's mapping.
    pub async fn gateway_refund(
        &self,
        map: &GatewayMap,
        request: &RefundRequest,
    ) -> Result<PaymentResult, GatewayError> {
        let values = vec![
            text(ModelInput::OrderNo, &request.order_no),
            text(ModelInput::RefundNo, &request.refund_no),
            (ModelInput::Amount, InputValue::Money(request.amount)),
            (
                ModelInput::RefundAmount,
                InputValue::Money(request.refund_amount),
            ),
        ];
        let values = values
            .into_iter()
            .chain(optional(ModelInput::TradeNo, &request.trade_no))
            .chain(optional(ModelInput::NotifyUrl, &request.notify_url))
            .collect();
        let inputs = Inputs {
            values,
            extra: &request.extra,
        };
        self.gateway_call(map, GatewayRoleKind::Refund, inputs, Some(request.amount))
            .await
    }

    /// [`Gateway::refund_query`](super::Gateway::refund_query) by the spec's mapping.
    pub async fn gateway_refund_query(
        &self,
        map: &GatewayMap,
        request: &RefundQueryRequest,
    ) -> Result<PaymentResult, GatewayError> {
        let values = vec![
            text(ModelInput::OrderNo, &request.order_no),
            text(ModelInput::RefundNo, &request.refund_no),
        ];
        let inputs = Inputs {
            values,
            extra: &request.extra,
        };
        self.gateway_call(map, GatewayRoleKind::RefundQuery, inputs, None)
            .await
    }

    /// [`Gateway::receive_notification`](super::Gateway::receive_notification) by the
    /// spec's mapping: the first mapped notification, in the spec's order, that
    /// verifies and decodes the request is the one received, confirmed by its `confirm_with` query when the spec
    /// gives one.
    pub async fn gateway_receive(
        &self,
        map: &GatewayMap,
        request: InboundRequest<'_>,
    ) -> Result<Delivery<PaymentEvent>, GatewayError> {
        let mut last_error = None;
        for mapped in map.notifications.iter() {
            let Some(notification) = self.provider.notification(&mapped.notification) else {
                continue;
            };
            let delivery = match self
                .receive_confirmed::<Map<String, Value>>(notification, &request)
                .await
            {
                Ok(delivery) => delivery,
                Err(error) => {
                    tracing::debug!(notification = %notification.name, %error, "not this notification");
                    last_error = Some(error);
                    continue;
                }
            };
            let fields = &delivery.notification;
            let out = outputs(&mapped.results, &notification.fields, fields);
            let status = match status_of(&mapped.status, fields).or(mapped.on_success) {
                Some(kind) => unified(kind, out.refund_amount, out.amount),
                None => PaymentStatus::Unknown(raw_status(&mapped.status, fields)),
            };
            let event = PaymentEvent {
                kind: mapped.event,
                notification: mapped.notification.to_string(),
                status,
                trade_no: out.trade_no,
                order_no: out.order_no,
                amount: out.amount,
                refund_no: out.refund_no,
                refund_amount: out.refund_amount,
                raw: delivery.notification.clone(),
            };
            return Ok(Delivery {
                notification: event,
                ack: delivery.ack,
                seen_before: delivery.seen_before,
                event: delivery.event,
                authenticity: delivery.authenticity,
                confirmed: delivery.confirmed,
            });
        }
        // The last candidate's error: the spec lists the most general notification last.
        Err(match last_error {
            Some(error) => error.into(),
            None => GatewayError::NoNotification {
                provider: self.provider_name().to_owned(),
            },
        })
    }
}
