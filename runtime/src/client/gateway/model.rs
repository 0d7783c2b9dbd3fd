//! The one payment model every provider maps onto: requests in 分, results and events
//! with a unified status.

use crate::authenticity::Authenticity;
use crate::wire::de::Fen;
use serde_json::{Map, Value};

/// Fields a provider needs beyond the model (a terminal's IP, a store id), by request
/// field name as the provider's document writes it; objects for nested fields.
pub type Extra = Map<String, Value>;

/// Pay by code: the merchant scans the buyer's payment code.
#[derive(Debug, Clone, PartialEq)]
pub struct PayRequest {
    /// The merchant's order number.
    pub order_no: String,
    /// The amount in 分.
    pub amount: Fen,
    /// What is sold.
    pub subject: String,
    /// The buyer's payment code.
    pub auth_code: String,
    /// Where notifications go, when the provider sends any for this payment.
    pub notify_url: Option<String>,
    /// Fields the provider needs beyond the model.
    pub extra: Extra,
}

/// An order the buyer pays by scanning a code or following a link.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecreateRequest {
    /// The merchant's order number.
    pub order_no: String,
    /// The amount in 分.
    pub amount: Fen,
    /// What is sold.
    pub subject: String,
    /// Where notifications go.
    pub notify_url: Option<String>,
    /// Fields the provider needs beyond the model.
    pub extra: Extra,
}

/// An order to query, cancel or close.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrderRef {
    /// The merchant's order number.
    pub order_no: String,
    /// The provider's trade number, when known.
    pub trade_no: Option<String>,
    /// Fields the provider needs beyond the model.
    pub extra: Extra,
}

impl OrderRef {
    /// The order with merchant's order number `order_no`.
    pub fn new(order_no: impl Into<String>) -> Self {
        OrderRef {
            order_no: order_no.into(),
            ..OrderRef::default()
        }
    }
}

/// A refund of (part of) a paid order.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundRequest {
    /// The merchant's order number.
    pub order_no: String,
    /// The provider's trade number, when known.
    pub trade_no: Option<String>,
    /// The merchant's refund number.
    pub refund_no: String,
    /// The order's amount in 分 (some providers ask for it beside the refund's).
    pub amount: Fen,
    /// The refund's amount in 分.
    pub refund_amount: Fen,
    /// Where refund notifications go.
    pub notify_url: Option<String>,
    /// Fields the provider needs beyond the model.
    pub extra: Extra,
}

/// A refund to query.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundQueryRequest {
    /// The merchant's order number.
    pub order_no: String,
    /// The merchant's refund number.
    pub refund_no: String,
    /// Fields the provider needs beyond the model.
    pub extra: Extra,
}

/// Where an order or refund stands, in the model's terms.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// Not decided yet: the buyer is paying, the order waits for payment, a refund is
    /// being processed.
    Pending,
    /// Paid.
    Paid,
    /// Failed; no money stays with the merchant.
    Failed,
    /// Closed or reversed; money, if any moved, goes back to the payer.
    Closed,
    /// Refunded, in part or in full.
    Refunded {
        /// The provider said less than the order's amount was refunded (its status, or
        /// the amounts of its reply); `false` is a full refund or a reply that does not
        /// say (WeChat Pay's `trade_state` REFUND 转入退款 gives no amounts).
        partial: bool,
    },
    /// A value the provider's document does not list: the field's raw text.
    Unknown(String),
}

impl PaymentStatus {
    /// The status's short name (`pending`, `paid`, ..., `unknown`).
    pub fn label(&self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Closed => "closed",
            PaymentStatus::Refunded { partial: true } => "partially_refunded",
            PaymentStatus::Refunded { partial: false } => "refunded",
            PaymentStatus::Unknown(_) => "unknown",
        }
    }
}

impl std::fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaymentStatus::Unknown(raw) => write!(f, "unknown ({raw})"),
            other => f.write_str(other.label()),
        }
    }
}

/// What a role's call answered, in the model's terms. Outputs the spec does not map,
/// or the reply does not carry, are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentResult {
    /// Where the order or refund stands.
    pub status: PaymentStatus,
    /// The provider's trade number.
    pub trade_no: Option<String>,
    /// The merchant's order number, as echoed.
    pub order_no: Option<String>,
    /// The amount paid, in 分.
    pub amount: Option<Fen>,
    /// The QR code's text.
    pub qr_code: Option<String>,
    /// The URL the buyer is sent to.
    pub pay_url: Option<String>,
    /// The merchant's refund number, as echoed.
    pub refund_no: Option<String>,
    /// The amount refunded, in 分.
    pub refund_amount: Option<Fen>,
    /// How the reply's signature was established.
    pub authenticity: Authenticity,
    /// Every decoded field of the reply, by its document's names.
    pub raw: Map<String, Value>,
}

/// A payment or refund notification, in the model's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentEvent {
    /// A payment's or a refund's result.
    pub kind: paygen_protocol::EventKind,
    /// The name of the notification in the provider's spec.
    pub notification: String,
    /// Where the order or refund stands.
    pub status: PaymentStatus,
    /// The provider's trade number.
    pub trade_no: Option<String>,
    /// The merchant's order number.
    pub order_no: Option<String>,
    /// The amount paid, in 分.
    pub amount: Option<Fen>,
    /// The merchant's refund number.
    pub refund_no: Option<String>,
    /// The amount refunded, in 分.
    pub refund_amount: Option<Fen>,
    /// Every decoded field of the notification.
    pub raw: Map<String, Value>,
}
