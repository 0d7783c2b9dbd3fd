//! Scenario knobs: magic amounts, and the admin endpoint's one-shot switches.

use serde_json::Value;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// What the sandbox does with a pay or precreate, chosen by the amount's last two digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Any other amount: the payment succeeds.
    Normal,
    /// `..01`: the payment fails (the spec's `pay_failed` reply).
    Fail,
    /// `..02`: in progress; paid at the configured query (default the 2nd).
    InProgress,
    /// `..03`: the order is paid, then the connection is dropped before the reply.
    LoseResponse,
    /// `..04`: the reply comes after the configured delay (default 1500 ms).
    Slow,
    /// `..05`: the reply's signature is altered (responses that are signed).
    Tamper,
}

impl Scenario {
    /// The scenario of an amount in 分.
    pub fn of_amount(fen: i64) -> Scenario {
        match fen.rem_euclid(100) {
            1 => Scenario::Fail,
            2 => Scenario::InProgress,
            3 => Scenario::LoseResponse,
            4 => Scenario::Slow,
            5 => Scenario::Tamper,
            _ => Scenario::Normal,
        }
    }
}

/// The largest `delay_ms` the admin endpoint accepts: one minute, longer than any
/// client timeout worth testing, short enough that a typo cannot wedge a test run.
pub const MAX_DELAY_MS: u64 = 60_000;

/// The largest count (`tamper_responses`, `fail_cancels`) the admin endpoint accepts:
/// far more replies than a test sends, far fewer than "forever".
pub const MAX_COUNT: u32 = 10_000;

/// Switches set through `POST /_sandbox/scenario`, applying to the next replies.
#[derive(Debug, Default)]
pub struct Knobs {
    tamper: AtomicU32,
    delay_ms: AtomicU64,
    fail_cancels: AtomicU32,
}

/// Counts `counter` one down; false when it was already 0.
fn take(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

impl Knobs {
    /// Alters the signature of the next `n` signed replies (at most [`MAX_COUNT`]; more
    /// is taken as [`MAX_COUNT`]).
    pub fn tamper_next(&self, n: u32) {
        self.tamper.store(n.min(MAX_COUNT), Ordering::SeqCst);
    }

    /// Delays every provider reply by `ms` milliseconds, the request itself taking
    /// effect at once (0 turns it off; at most
    /// [`MAX_DELAY_MS`], more is taken as [`MAX_DELAY_MS`]).
    pub fn delay_all(&self, ms: u64) {
        self.delay_ms.store(ms.min(MAX_DELAY_MS), Ordering::SeqCst);
    }

    /// Whether this reply is to be tampered with (counts one down).
    pub fn take_tamper(&self) -> bool {
        take(&self.tamper)
    }

    /// Refuses the next `n` cancel or close requests (the spec's `not_cancellable`; at
    /// most [`MAX_COUNT`], more is taken as [`MAX_COUNT`]).
    pub fn fail_next_cancels(&self, n: u32) {
        self.fail_cancels.store(n.min(MAX_COUNT), Ordering::SeqCst);
    }

    /// Whether this cancel or close is to be refused (counts one down).
    pub fn take_fail_cancel(&self) -> bool {
        take(&self.fail_cancels)
    }

    /// The delay for every provider reply, in milliseconds (at most [`MAX_DELAY_MS`]).
    pub fn delay_ms(&self) -> u64 {
        self.delay_ms.load(Ordering::SeqCst)
    }

    /// Applies one setting that is not `pay` (which changes the store, not the knobs).
    pub fn set(&self, setting: &Setting) {
        match setting {
            Setting::TamperResponses(n) => self.tamper_next(*n),
            Setting::DelayMs(ms) => self.delay_all(*ms),
            Setting::FailCancels(n) => self.fail_next_cancels(*n),
            Setting::Pay { .. } => {}
        }
    }
}

/// One change asked of `POST /_sandbox/scenario`, already within its bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// `{"tamper_responses": N}`, 0 ..= [`MAX_COUNT`].
    TamperResponses(u32),
    /// `{"delay_ms": D}`, 0 ..= [`MAX_DELAY_MS`].
    DelayMs(u64),
    /// `{"fail_cancels": N}`, 0 ..= [`MAX_COUNT`].
    FailCancels(u32),
    /// `{"pay": {"provider": "...", "order_no": "..."}}`: marks a created order paid.
    Pay {
        /// The spec name.
        provider: String,
        /// The merchant's order number.
        order_no: String,
    },
}

/// Why `POST /_sandbox/scenario` was refused; its text is the reply's body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KnobError {
    /// The body is not a JSON object.
    #[error("expected a JSON object")]
    NotAnObject,
    /// A member names no knob.
    #[error("unknown knob `{0}`")]
    Unknown(String),
    /// A knob's value is not an integer within its range.
    #[error("knob `{knob}` must be an integer from 0 to {max}, got {got}")]
    OutOfRange {
        /// The knob's name.
        knob: &'static str,
        /// Its largest allowed value.
        max: u64,
        /// The value sent, as JSON (cut short when long).
        got: String,
    },
    /// `pay` lacks a string `provider` or `order_no`.
    #[error("pay needs provider and order_no")]
    Pay,
}

/// The longest excerpt of a refused value quoted back, so a huge value cannot make a
/// huge reply.
const QUOTED: usize = 40;

/// `text` cut at [`QUOTED`] characters.
fn cut(text: &str) -> String {
    match text.char_indices().nth(QUOTED) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_owned(),
    }
}

/// `value` as an integer in 0 ..= `max`, or the refusal naming `knob` and its range.
fn bounded(knob: &'static str, value: &Value, max: u64) -> Result<u64, KnobError> {
    value
        .as_u64()
        .filter(|n| *n <= max)
        .ok_or_else(|| KnobError::OutOfRange {
            knob,
            max,
            got: cut(&value.to_string()),
        })
}

/// A count knob, 0 ..= [`MAX_COUNT`].
fn count(knob: &'static str, value: &Value) -> Result<u32, KnobError> {
    let n = bounded(knob, value, u64::from(MAX_COUNT))?;
    // Within MAX_COUNT it fits; the fallback only keeps this free of a panic path.
    Ok(u32::try_from(n).unwrap_or(MAX_COUNT))
}

/// Reads the body of `POST /_sandbox/scenario`: every member checked before any is
/// applied, so a refused request changes nothing.
pub fn parse_settings(body: &[u8]) -> Result<Vec<Setting>, KnobError> {
    let Ok(Value::Object(members)) = serde_json::from_slice::<Value>(body) else {
        return Err(KnobError::NotAnObject);
    };
    members
        .iter()
        .map(|(name, value)| match name.as_str() {
            "tamper_responses" => count("tamper_responses", value).map(Setting::TamperResponses),
            "fail_cancels" => count("fail_cancels", value).map(Setting::FailCancels),
            "delay_ms" => bounded("delay_ms", value, MAX_DELAY_MS).map(Setting::DelayMs),
            "pay" => {
                let field = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
                match (field("provider"), field("order_no")) {
                    (Some(provider), Some(order_no)) => Ok(Setting::Pay { provider, order_no }),
                    _ => Err(KnobError::Pay),
                }
            }
            _ => Err(KnobError::Unknown(cut(name))),
        })
        .collect()
}

/// Alters one character of the value of signature field `field` in `body` (JSON,
/// form or XML); `None` when the field is not found.
pub fn tamper_signature(body: &str, field: &str) -> Option<String> {
    let patterns = [
        format!("\"{field}\":\""),
        format!("\"{field}\": \""),
        format!("&{field}="),
        format!("<{field}><![CDATA["),
        format!("<{field}>"),
    ];
    let mut at = patterns
        .iter()
        .find_map(|p| body.find(p.as_str()).map(|i| i + p.len()));
    if at.is_none() && body.starts_with(&format!("{field}=")) {
        at = Some(field.len() + 1);
    }
    let at = at?;
    let current = body[at..].chars().next()?;
    let replacement = if current == '0' { '1' } else { '0' };
    let mut out = String::with_capacity(body.len());
    out.push_str(&body[..at]);
    out.push(replacement);
    out.push_str(&body[at + current.len_utf8()..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(body: &str) -> String {
        match parse_settings(body.as_bytes()) {
            Err(refusal) => refusal.to_string(),
            Ok(settings) => panic!("{body} was taken: {settings:?}"),
        }
    }

    #[test]
    fn bounds_are_inclusive() {
        let settings =
            parse_settings(br#"{"delay_ms":60000,"tamper_responses":10000,"fail_cancels":0}"#);
        assert_eq!(
            settings,
            Ok(vec![
                Setting::DelayMs(MAX_DELAY_MS),
                Setting::TamperResponses(MAX_COUNT),
                Setting::FailCancels(0),
            ])
        );
    }

    #[test]
    fn out_of_range_names_the_knob_and_its_range() {
        assert_eq!(
            refusal(r#"{"delay_ms":18446744073709551615}"#),
            "knob `delay_ms` must be an integer from 0 to 60000, got 18446744073709551615"
        );
        assert_eq!(
            refusal(r#"{"tamper_responses":10001}"#),
            "knob `tamper_responses` must be an integer from 0 to 10000, got 10001"
        );
        assert_eq!(
            refusal(r#"{"fail_cancels":-1}"#),
            "knob `fail_cancels` must be an integer from 0 to 10000, got -1"
        );
        for body in [
            r#"{"delay_ms":1.5}"#,
            r#"{"delay_ms":"5"}"#,
            r#"{"delay_ms":null}"#,
            r#"{"delay_ms":1e300}"#,
        ] {
            assert!(refusal(body).contains("`delay_ms`"), "{body}");
        }
    }

    #[test]
    fn a_long_value_is_quoted_short() {
        let body = format!(r#"{{"delay_ms":"{}"}}"#, "9".repeat(10_000));
        let text = refusal(&body);
        assert!(text.len() < 120, "{text}");
        assert!(text.ends_with("..."), "{text}");
        let name = "é".repeat(1000);
        let text = refusal(&format!(r#"{{"{name}":1}}"#));
        assert!(text.len() < 120, "{text}");
    }

    #[test]
    fn other_bodies_are_refused() {
        assert_eq!(refusal("[1]"), "expected a JSON object");
        assert_eq!(refusal("\u{0}"), "expected a JSON object");
        assert_eq!(refusal(r#"{"knob":1}"#), "unknown knob `knob`");
        assert_eq!(
            refusal(r#"{"pay":{"provider":"wantu","order_no":1}}"#),
            "pay needs provider and order_no"
        );
    }

    #[test]
    fn setters_clamp_to_the_bounds() {
        let knobs = Knobs::default();
        knobs.delay_all(u64::MAX);
        assert_eq!(knobs.delay_ms(), MAX_DELAY_MS);
        knobs.tamper_next(u32::MAX);
        let mut taken = 0;
        while knobs.take_tamper() && taken <= MAX_COUNT {
            taken += 1;
        }
        assert_eq!(taken, MAX_COUNT);
    }
}
