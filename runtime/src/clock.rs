//! The injectable clock and nonce source, so every wire byte is reproducible in tests.

use crate::error::Error;
use paygen_protocol::ClockFormat;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock stopped at one instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock {
    millis: i64,
}

impl FixedClock {
    /// Stopped at `seconds` after the Unix epoch.
    pub const fn at_unix_seconds(seconds: i64) -> Self {
        FixedClock {
            millis: seconds.saturating_mul(1000),
        }
    }
}

impl Clock for FixedClock {
    fn now_millis(&self) -> i64 {
        self.millis
    }
}

/// A source of random strings for nonce fields.
pub trait NonceSource: Send + Sync {
    /// Appends `len` alphanumeric characters.
    fn fill(&self, len: usize, out: &mut String) -> Result<(), Error>;
}

/// Nonces from the operating system's cryptographic random source: a nonce that goes
/// into a signature must not be predictable.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomNonce;

impl NonceSource for RandomNonce {
    fn fill(&self, len: usize, out: &mut String) -> Result<(), Error> {
        const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        // Bytes at or above 248 (= 4 * 62) are dropped so every character is equally likely.
        const UNBIASED: u8 = 248;
        let mut produced = 0;
        let mut buffer = [0u8; 64];
        while produced < len {
            getrandom::getrandom(&mut buffer).map_err(|e| Error::Randomness {
                reason: e.to_string(),
            })?;
            for byte in buffer
                .iter()
                .filter(|b| **b < UNBIASED)
                .take(len - produced)
            {
                out.push(char::from(ALPHABET[usize::from(byte % 62)]));
                produced += 1;
            }
        }
        Ok(())
    }
}

/// A nonce source that always gives the same text (tests).
#[derive(Debug, Clone)]
pub struct FixedNonce(pub String);

impl NonceSource for FixedNonce {
    fn fill(&self, len: usize, out: &mut String) -> Result<(), Error> {
        out.extend(self.0.chars().cycle().take(len));
        Ok(())
    }
}

/// A nonce source that gives exactly its text, whatever length the spec's nonce has:
/// a document's example nonce (WeChat's 16-character `ibuaiVcKdpRxkhJA` for a field of
/// up to 32) reproduced byte for byte (`paygen request --nonce`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactNonce(pub String);

impl NonceSource for ExactNonce {
    fn fill(&self, _len: usize, out: &mut String) -> Result<(), Error> {
        out.push_str(&self.0);
        Ok(())
    }
}

/// Formats `millis` since the epoch in `format` at `utc_offset_minutes`.
pub fn format_clock(millis: i64, format: ClockFormat, utc_offset_minutes: i32, out: &mut String) {
    match format {
        ClockFormat::UnixSeconds => {
            out.push_str(itoa::Buffer::new().format(millis.div_euclid(1000)))
        }
        ClockFormat::UnixMillis => out.push_str(itoa::Buffer::new().format(millis)),
        ClockFormat::DateTime | ClockFormat::Compact => {
            let local = millis.div_euclid(1000) + i64::from(utc_offset_minutes) * 60;
            let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
            let (year, month, day) = civil_from_days(days);
            let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
            let (date_sep, middle, time_sep) = if format == ClockFormat::DateTime {
                ("-", " ", ":")
            } else {
                ("", "", "")
            };
            if (0..10_000).contains(&year) {
                push_digits(out, year as u32, 4);
            } else {
                let _ = write!(out, "{year}");
            }
            out.push_str(date_sep);
            push_digits(out, month, 2);
            out.push_str(date_sep);
            push_digits(out, day, 2);
            out.push_str(middle);
            push_digits(out, h as u32, 2);
            out.push_str(time_sep);
            push_digits(out, m as u32, 2);
            out.push_str(time_sep);
            push_digits(out, s as u32, 2);
        }
    }
}

/// Appends `value` as exactly `width` decimal digits, zero-padded.
fn push_digits(out: &mut String, value: u32, width: u32) {
    for position in (0..width).rev() {
        let digit = value / 10u32.pow(position) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

/// Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
/// Reads a timestamp written in `format` back into Unix milliseconds; `None` when the
/// text is not exactly that format.
pub fn parse_clock(text: &str, format: ClockFormat, utc_offset_minutes: i32) -> Option<i64> {
    let digits = |part: &str| -> Option<i64> {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    match format {
        ClockFormat::UnixSeconds => digits(text)?.checked_mul(1000),
        ClockFormat::UnixMillis => digits(text),
        ClockFormat::DateTime | ClockFormat::Compact => {
            let compact: String = if format == ClockFormat::DateTime {
                let bytes = text.as_bytes();
                let separators = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
                if bytes.len() != 19 || separators.iter().any(|&(i, c)| bytes[i] != c) {
                    return None;
                }
                text.chars().filter(char::is_ascii_digit).collect()
            } else {
                text.to_owned()
            };
            if compact.len() != 14 {
                return None;
            }
            let field = |range: std::ops::Range<usize>| compact.get(range).and_then(digits);
            let (year, month, day) = (field(0..4)?, field(4..6)?, field(6..8)?);
            let (hour, minute, second) = (field(8..10)?, field(10..12)?, field(12..14)?);
            if !(1..=12).contains(&month)
                || !(1..=31).contains(&day)
                || hour > 23
                || minute > 59
                || second > 60
            {
                return None;
            }
            let days = days_from_civil(year, month as u32, day as u32);
            let local = days * 86_400 + hour * 3600 + minute * 60 + second;
            Some((local - i64::from(utc_offset_minutes) * 60) * 1000)
        }
    }
}

// The inverse of `civil_from_days`.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

// A calendar crate for one conversion would be the larger cost.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(seconds: i64, format: ClockFormat) -> String {
        let mut out = String::new();
        format_clock(seconds * 1000, format, 480, &mut out);
        out
    }

    #[test]
    fn beijing_time_of_known_instants() {
        // `date -u -d @1511926525` is 2017-11-29 03:35:25 UTC: 11:35:25 in UTC+8.
        assert_eq!(
            fmt(1_511_926_525, ClockFormat::DateTime),
            "2017-11-29 11:35:25"
        );
        assert_eq!(fmt(1_497_957_842, ClockFormat::Compact), "20170620192402");
        assert_eq!(fmt(0, ClockFormat::DateTime), "1970-01-01 08:00:00");
        // 2024-02-29 16:00:00 UTC crosses midnight into March 1st in UTC+8.
        assert_eq!(
            fmt(1_709_222_400, ClockFormat::DateTime),
            "2024-03-01 00:00:00"
        );
        assert_eq!(fmt(1_497_957_842, ClockFormat::UnixSeconds), "1497957842");
    }

    #[test]
    fn nonces_have_the_length_and_alphabet_asked_for() {
        let source = RandomNonce;
        let (mut a, mut b) = (String::new(), String::new());
        source.fill(32, &mut a).unwrap();
        source.fill(32, &mut b).unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn parse_reads_back_what_format_writes() {
        for seconds in [0, 1_497_957_842, 1_700_000_000, 951_782_400] {
            for format in [
                ClockFormat::UnixSeconds,
                ClockFormat::UnixMillis,
                ClockFormat::DateTime,
                ClockFormat::Compact,
            ] {
                let text = fmt(seconds, format);
                assert_eq!(
                    parse_clock(&text, format, 480),
                    Some(seconds * 1000),
                    "{text}"
                );
            }
        }
        assert_eq!(
            parse_clock("17000000x0", ClockFormat::UnixSeconds, 480),
            None
        );
        assert_eq!(
            parse_clock("2023-11-15T06:13:20", ClockFormat::DateTime, 480),
            None
        );
        assert_eq!(
            parse_clock("20231315061320", ClockFormat::Compact, 480),
            None
        );
        assert_eq!(parse_clock("", ClockFormat::UnixMillis, 480), None);
    }
}
