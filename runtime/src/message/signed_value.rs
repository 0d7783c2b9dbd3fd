//! The values a check reads besides the signature, once the signature is verified: the
//! timestamp of a freshness window and the nonce of the replay check. Each is read from
//! a body field, a header or a parameter of the check's header of auth parameters, and
//! only from what the signature covered: an unsigned timestamp or nonce proves nothing,
//! since anyone can write a new one beside a genuine signature.

use crate::clock::parse_clock;
use crate::error::SignatureFailure;
use crate::message::receiver::Receiver;
use crate::recipe::template::TemplateValues;
use crate::wire::auth_params::header_param;
use paygen_protocol::{Freshness, HeaderParam, Recipe, SignedValue};

/// Where a verified message's signed values are read.
#[derive(Clone, Copy)]
pub(crate) struct SignedValues<'a> {
    /// The recipe that verified the message (with `choose_by`, the chosen one).
    pub recipe: &'a Recipe,
    /// The template parts the signature was checked over, for a template recipe: the
    /// received headers and the check's header template, exactly as signed.
    pub parts: Option<TemplateValues<'a>>,
    /// The text of a top-level field the signature covers (`None` for a field that is
    /// absent or outside the signature).
    pub field: &'a dyn Fn(&str) -> Option<&'a str>,
}

impl<'a> SignedValues<'a> {
    /// The value at `source`, if the verified signature covers it. A header or header
    /// parameter counts only when the recipe signs it in a template part, and it is read
    /// with the template's own reader, so the value checked is the value signed.
    pub fn get(&self, source: &SignedValue) -> Option<&'a str> {
        match source {
            SignedValue::Field(name) => (self.field)(name),
            SignedValue::Header(name) => {
                let parts = self
                    .parts
                    .filter(|_| source.signed_by_template(self.recipe))?;
                parts.header(name)
            }
            SignedValue::HeaderParam(HeaderParam { header, param }) => {
                let parts = self
                    .parts
                    .filter(|_| source.signed_by_template(self.recipe))?;
                header_param(parts.headers, header, parts.header_template, param)
            }
        }
    }

    /// Whether the signed timestamp of `window` is within it of the receiver's clock;
    /// a missing, unsigned or unreadable timestamp is stale.
    pub fn check_fresh(
        &self,
        window: &Freshness,
        receiver: &Receiver<'_>,
    ) -> Result<(), SignatureFailure> {
        check_fresh(window, self.get(&window.source), receiver)
    }

    /// Whether the signed nonce at `source` is seen for the first time by the
    /// receiver's seen-store (no store: no check). A missing, unsigned or empty nonce is
    /// refused with the store set: it cannot be told from a replay.
    pub fn check_nonce(
        &self,
        source: &SignedValue,
        receiver: &Receiver<'_>,
    ) -> Result<(), SignatureFailure> {
        let Some(seen) = receiver.seen else {
            return Ok(());
        };
        match self.get(source).filter(|nonce| !nonce.is_empty()) {
            Some(nonce) if seen.first_sighting(nonce) => Ok(()),
            _ => Err(SignatureFailure::Replayed {
                source: source.clone(),
            }),
        }
    }
}

/// Whether timestamp `stamp` (as received) is within `window` of the receiver's clock;
/// a missing or unreadable stamp is stale.
pub fn check_fresh(
    window: &Freshness,
    stamp: Option<&str>,
    receiver: &Receiver<'_>,
) -> Result<(), SignatureFailure> {
    let sent = stamp.and_then(|text| parse_clock(text, window.format, receiver.utc_offset_minutes));
    let skew_seconds = sent.map(|millis| (millis - receiver.clock.now_millis()) / 1000);
    match skew_seconds {
        Some(skew) if skew.unsigned_abs() <= u64::from(window.max_skew_seconds) => Ok(()),
        _ => Err(SignatureFailure::Stale {
            source: window.source.clone(),
            skew_seconds,
            max_skew_seconds: window.max_skew_seconds,
        }),
    }
}
