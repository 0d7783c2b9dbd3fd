//! Receiving a notification from any web framework: the raw request in, the verified
//! typed notification, the exact acknowledgement and whether it was delivered before out.

use crate::client::typed::typed;
use crate::error::Error;
use crate::message::decode::text_of;
use crate::message::decode::{decode_notification_explained, Authenticity, Decoded, Receiver};
use crate::message::seen::SeenStore;
use paygen_protocol::{template_pieces, BodyFormat, Notification, Piece, Text};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// An inbound HTTP request as the web framework received it.
#[derive(Debug, Clone, Copy)]
pub struct InboundRequest<'a> {
    /// `POST`, `GET`...
    pub method: &'a str,
    /// The query string without `?` (empty when none).
    pub query: &'a str,
    /// The headers in received order.
    pub headers: &'a [(String, String)],
    /// The body bytes exactly as received.
    pub body: &'a [u8],
}

/// The exact answer that tells the provider a notification arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// The body, byte for byte as the document gives it.
    pub body: Text,
    /// The `Content-Type` to send it with.
    pub content_type: &'static str,
}

impl Ack {
    /// The acknowledgement of `notification` received with `fields`: its ack, the
    /// template filled with the fields' text where the spec says so; the content type
    /// follows the body's form.
    pub fn of(notification: &Notification, fields: &Map<String, Value>) -> Self {
        let body = ack_body(notification, fields);
        let content_type = match body.trim_start().as_bytes().first() {
            Some(b'<') => "text/xml; charset=utf-8",
            Some(b'{') => "application/json; charset=utf-8",
            _ => "text/plain; charset=utf-8",
        };
        Ack { body, content_type }
    }
}

/// The acknowledgement body of `notification` received with `fields`: the ack as the
/// spec gives it, or with `ack_template` each `{name}` replaced by field `name`'s text
/// (an absent field gives nothing; validation keeps the names to the notification's).
pub fn ack_body(notification: &Notification, fields: &Map<String, Value>) -> Text {
    if !notification.ack_template {
        return notification.ack.clone();
    }
    let mut out = String::with_capacity(notification.ack.len() + 32);
    for piece in template_pieces(&notification.ack) {
        match piece {
            Piece::Text(text) | Piece::Unclosed(text) => out.push_str(text),
            Piece::Placeholder(name) => {
                if let Some(value) = fields.get(name) {
                    out.push_str(&text_of(value));
                }
            }
        }
    }
    Text::Owned(out)
}

/// A verified notification, its acknowledgement, and whether it is a redelivery.
#[derive(Debug, Clone)]
pub struct Delivery<T> {
    /// The typed notification.
    pub notification: T,
    /// What to answer with, whether or not it was seen before: a provider redelivers
    /// until it gets exactly this.
    pub ack: Ack,
    /// True when this process saw the same event before: acknowledge it, act on it
    /// once. Replicas share no memory: across them, hand on through
    /// [`hand_on`](crate::hand_on) with [`event`](Self::event).
    pub seen_before: bool,
    /// The event's identity (provider, notification and its event-key fields): what a
    /// [`DeliveryStore`](crate::DeliveryStore) claims.
    pub event: String,
    /// How its signature was established.
    pub authenticity: Authenticity,
    /// Whether a verified query reply agreed with it (the spec's `confirm_with`): false
    /// for a notification received without confirmation. An `EncryptedOnly`
    /// notification is authentic only once this is true.
    pub confirmed: bool,
}

/// Verifies the notification in `request` (its body, or its query string for a
/// query-string notification), reads it as `R`, and looks its event up in
/// `deliveries`.
///
/// The receiver's own replay store is not consulted: a provider redelivers the same
/// signed message until acknowledged, so a repeat is reported (`seen_before`) rather
/// than refused; acting once per event is what keeps a replay harmless.
pub fn receive_notification<R: DeserializeOwned>(
    provider: &str,
    notification: &Notification,
    receiver: &Receiver<'_>,
    deliveries: &dyn SeenStore,
    request: &InboundRequest<'_>,
) -> Result<Delivery<R>, Error> {
    let (decoded, input) = read_notification(notification, receiver, request)?;
    deliver(provider, notification, deliveries, decoded, input, false)
}

/// The notification in `request` verified and decoded, with the text it was read from
/// (the body, or the query string of a query-string notification).
pub(crate) fn read_notification<'r>(
    notification: &Notification,
    receiver: &Receiver<'_>,
    request: &InboundRequest<'r>,
) -> Result<(Decoded, &'r str), Error> {
    let body = std::str::from_utf8(request.body).map_err(|e| Error::Decode {
        reason: format!("the notification body is not UTF-8: {e}"),
        body: String::from_utf8_lossy(request.body).into_owned(),
    })?;
    let input = match notification.body {
        BodyFormat::Query if !request.query.is_empty() => request.query,
        _ => body,
    };
    let receiver = Receiver {
        seen: None,
        ..*receiver
    };
    let decoded =
        decode_notification_explained(notification, &receiver, input, request.headers, None)?;
    Ok((decoded, input))
}

/// A decoded notification read as `R` and looked up in `deliveries`.
pub(crate) fn deliver<R: DeserializeOwned>(
    provider: &str,
    notification: &Notification,
    deliveries: &dyn SeenStore,
    decoded: Decoded,
    input: &str,
    confirmed: bool,
) -> Result<Delivery<R>, Error> {
    let key = event_key(provider, notification, &decoded.fields);
    let authenticity = decoded.authenticity;
    let ack = Ack::of(notification, &decoded.fields);
    // A notification that does not read as the type is not recorded as delivered.
    let notification_value = typed(decoded.fields, input)?;
    let seen_before = !deliveries.first_sighting(&key);
    Ok(Delivery {
        notification: notification_value,
        ack,
        seen_before,
        event: key,
        authenticity,
        confirmed,
    })
}

/// The event's identity: the spec's `event_key` fields, else its nonce, else every
/// verified field (sorted), as JSON so that no two different events share a key.
fn event_key(provider: &str, notification: &Notification, fields: &Map<String, Value>) -> String {
    // A nonce in a header is signed afresh with every attempt (WeChat Pay APIv3
    // re-signs each redelivery), so only a nonce field can name the event.
    let nonce = notification
        .verification
        .as_ref()
        .and_then(|v| v.nonce.as_ref()?.field());
    let names: Vec<&str> = if !notification.event_key.is_empty() {
        notification.event_key.iter().map(|n| n.as_ref()).collect()
    } else if let Some(nonce) = nonce {
        vec![nonce]
    } else {
        let mut all: Vec<&str> = fields.keys().map(String::as_str).collect();
        all.sort_unstable();
        all
    };
    let values: Vec<(&str, &Value)> = names
        .into_iter()
        .map(|name| (name, fields.get(name).unwrap_or(&Value::Null)))
        .collect();
    // Serializing strings and plain values to JSON cannot fail.
    let values = serde_json::to_string(&values).unwrap_or_default();
    format!("{provider}/{}/{values}", notification.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn notification(ack: &'static str, event_key: &'static [Text]) -> Notification {
        Notification {
            name: Cow::Borrowed("pay"),
            body: BodyFormat::Json,
            payload: paygen_protocol::Payload::Inline,
            verification: None,
            ack: Cow::Borrowed(ack),
            ack_template: false,
            event_key: Cow::Borrowed(event_key),
            fields: Cow::Borrowed(&[]),
            confirm_with: None,
        }
    }

    #[test]
    fn the_ack_content_type_follows_its_form() {
        assert_eq!(
            Ack::of(
                &notification("<xml><return_code>SUCCESS</return_code></xml>", &[]),
                &Map::new()
            )
            .content_type,
            "text/xml; charset=utf-8"
        );
        assert_eq!(
            Ack::of(&notification(r#"{"code":0}"#, &[]), &Map::new()).content_type,
            "application/json; charset=utf-8"
        );
        assert_eq!(
            Ack::of(&notification("success", &[]), &Map::new()).content_type,
            "text/plain; charset=utf-8"
        );
    }

    #[test]
    fn an_ack_template_is_filled_from_the_received_fields_and_a_json_ack_is_text() {
        let fields: Map<String, Value> =
            serde_json::from_str(r#"{"req_seq_id":"202406150001","amount":100}"#).unwrap();
        let template = Notification {
            ack_template: true,
            ..notification("RECV_ORD_ID_{req_seq_id}", &[])
        };
        assert_eq!(ack_body(&template, &fields), "RECV_ORD_ID_202406150001");
        // Without `ack_template`, a JSON ack's braces are its own text.
        let json = notification(r#"{"return_code":200,"return_msg":"SUCCESS"}"#, &[]);
        assert_eq!(
            ack_body(&json, &fields),
            r#"{"return_code":200,"return_msg":"SUCCESS"}"#
        );
    }

    #[test]
    fn the_event_key_reads_the_named_fields_or_all_of_them() {
        let fields: Map<String, Value> = serde_json::from_str(
            r#"{"trade_no":"T1","trade_status":"SUCCESS","notify_time":"12:00"}"#,
        )
        .unwrap();
        let later: Map<String, Value> = serde_json::from_str(
            r#"{"trade_no":"T1","trade_status":"SUCCESS","notify_time":"12:05"}"#,
        )
        .unwrap();
        static KEY: [Text; 2] = [Cow::Borrowed("trade_no"), Cow::Borrowed("trade_status")];
        let keyed = notification("success", &KEY);
        assert_eq!(
            event_key("p", &keyed, &fields),
            event_key("p", &keyed, &later),
            "a redelivery with a new notify_time is the same event"
        );
        let whole = notification("success", &[]);
        assert_ne!(
            event_key("p", &whole, &fields),
            event_key("p", &whole, &later)
        );
        // Values cannot run together: ("a", "b|c") and ("a|b", "c") differ.
        let one: Map<String, Value> = serde_json::from_str(r#"{"x":"a","y":"b|c"}"#).unwrap();
        let two: Map<String, Value> = serde_json::from_str(r#"{"x":"a|b","y":"c"}"#).unwrap();
        assert_ne!(event_key("p", &whole, &one), event_key("p", &whole, &two));
    }
}
