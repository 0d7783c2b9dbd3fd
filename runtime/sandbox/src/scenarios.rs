//! Scenario knobs: magic amounts, and the admin endpoint's one-shot switches.

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
    /// Alters the signature of the next `n` signed replies.
    pub fn tamper_next(&self, n: u32) {
        self.tamper.store(n, Ordering::SeqCst);
    }

    /// Delays every reply by `ms` milliseconds (0 turns it off).
    pub fn delay_all(&self, ms: u64) {
        self.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// Whether this reply is to be tampered with (counts one down).
    pub fn take_tamper(&self) -> bool {
        take(&self.tamper)
    }

    /// Refuses the next `n` cancel or close requests (the spec's `not_cancellable`).
    pub fn fail_next_cancels(&self, n: u32) {
        self.fail_cancels.store(n, Ordering::SeqCst);
    }

    /// Whether this cancel or close is to be refused (counts one down).
    pub fn take_fail_cancel(&self) -> bool {
        take(&self.fail_cancels)
    }

    /// The delay for every reply, in milliseconds.
    pub fn delay_ms(&self) -> u64 {
        self.delay_ms.load(Ordering::SeqCst)
    }
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
