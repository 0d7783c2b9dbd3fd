//! Mutation suite: every genuine signed message of `genuine_messages.rs`, altered in
//! every way an attacker or a faulty transport could, through the generated code with
//! verification on. A mutant must be rejected, or accepted with a typed result `==` the
//! genuine one: anything else means a received value reached the caller without the
//! signature covering it.
//!
//! Run with `cargo test -p paygen-tests --test mutations -- --nocapture` for the counts.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use support::*;

/// One altered body and what was done to it.
struct Mutant {
    /// The kind of alteration, for the summary.
    category: &'static str,
    /// What exactly was altered.
    detail: String,
    body: String,
}

/// A replacement for one byte: a different character of the same class, so that hex
/// stays hex-looking and digits stay digits; anything else becomes `x`.
fn flip_byte(b: u8) -> u8 {
    match b {
        b'0'..=b'8' | b'a'..=b'y' | b'A'..=b'Y' => b + 1,
        b'9' => b'0',
        b'z' => b'a',
        b'Z' => b'A',
        _ => b'x',
    }
}

/// A plausible different value of the same JSON kind.
fn changed(value: &Value) -> Value {
    match value {
        Value::String(s) => {
            let mut bytes = s.clone().into_bytes();
            match bytes.last_mut() {
                Some(last) if last.is_ascii_alphanumeric() => *last = flip_byte(*last),
                _ => bytes.push(b'1'),
            }
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        }
        Value::Number(n) => match n.as_i64() {
            Some(i) => Value::from(i + 1),
            None => Value::from(n.as_f64().unwrap_or(0.0) + 1.0),
        },
        Value::Bool(b) => Value::Bool(!b),
        Value::Null => Value::from("1"),
        Value::Array(items) if !items.is_empty() => Value::Array(items[1..].to_vec()),
        Value::Object(members) if !members.is_empty() => Value::Object(
            members
                .iter()
                .skip(1)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        Value::Array(_) | Value::Object(_) => Value::from("1"),
    }
}

fn swap_case(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// The value edits applied to every top-level field and every payload member.
fn value_edits(value: &Value, json: bool) -> Vec<(&'static str, Option<Value>)> {
    let mut edits = vec![
        ("changed", Some(changed(value))),
        ("emptied", Some(Value::from(""))),
        ("removed", None),
    ];
    if json {
        edits.push(("nulled", Some(Value::Null)));
    }
    edits
}

/// Names injected around the signed fields: unknown ones, and the business fields an
/// attacker wants to set (001/002/003's payment state, amount and order fields).
fn injected_names(fixture: &Fixture) -> Vec<String> {
    let mut names: Vec<String> = ["zz_unknown", "AAA", "resultcode", "txnamt", "orderid"]
        .into_iter()
        .chain(["status", "trade_status", "total_fee", "trade_amount"])
        .chain(["errcode", "respcode", "return_code"])
        .map(str::to_owned)
        .collect();
    names.extend(fixture.business.keys().cloned());
    names.sort();
    names.dedup();
    names
}

fn mutants(fixture: &Fixture) -> Vec<Mutant> {
    let mut out = Vec::new();
    let json = fixture.format == Format::Json;
    let write = |fields: &[(String, Value)]| fixture.format.write(fields);
    let mut push = |category: &'static str, detail: String, body: String| {
        out.push(Mutant {
            category,
            detail,
            body,
        })
    };

    // Transport damage: each byte replaced, the body re-read as text would be.
    let bytes = fixture.body.as_bytes();
    for i in 0..bytes.len() {
        let mut damaged = bytes.to_vec();
        damaged[i] = flip_byte(bytes[i]);
        let body = String::from_utf8_lossy(&damaged).into_owned();
        push("byte flip", format!("byte {i}"), body);
    }

    // Every top-level value changed, emptied, nulled, removed.
    let fields = &fixture.fields;
    for (i, (name, value)) in fields.iter().enumerate() {
        for (edit, new) in value_edits(value, json) {
            let mut altered = fields.clone();
            match new {
                Some(v) => altered[i].1 = v,
                None => {
                    altered.remove(i);
                }
            }
            let category = if name == "sign" {
                "signature altered"
            } else {
                "top-level value"
            };
            push(category, format!("`{name}` {edit}"), write(&altered));
        }
    }

    // Payload members, re-encoded with the genuine key, the old signature kept.
    if let Some(payload) = fixture.payload {
        let at = fields.iter().position(|(n, _)| n == payload.name).unwrap();
        let inner = payload
            .codec
            .decode(fields[at].1.as_str().unwrap_or_default())
            .expect("genuine payload decodes");
        let reencode = |value: Value| {
            let mut altered = fields.clone();
            altered[at].1 = Value::String(payload.codec.encode(&value));
            write(&altered)
        };
        for (path, edit, value) in payload_edits(&inner) {
            push("payload member", format!("{path} {edit}"), reencode(value));
        }
        if let Value::Object(members) = &inner {
            for name in injected_names(fixture) {
                let mut extended = members.clone();
                let value = members.get(&name).map_or(Value::from("0000"), changed);
                extended.insert(name.clone(), value);
                push("payload injected", name, reencode(Value::Object(extended)));
            }
        }
        // `Data`, `DATA`, `data `, ` data`, `datas` (and the same of `resp`).
        let name = payload.name;
        let renames = [
            format!("{}{}", name[..1].to_uppercase(), &name[1..]),
            name.to_uppercase(),
            format!("{name} "),
            format!(" {name}"),
            format!("{name}s"),
        ];
        for renamed in renames {
            let mut altered = fields.clone();
            altered[at].0 = renamed.clone();
            push(
                "payload renamed",
                format!("`{}` -> `{renamed}`", payload.name),
                write(&altered),
            );
        }
    }

    // Fields injected before and after the signed ones.
    for name in injected_names(fixture) {
        let existing = fixture.business.get(&name);
        let values = [
            existing.map_or(Value::from("0000"), changed),
            Value::from(""),
        ];
        for value in values {
            for before in [true, false] {
                let mut altered = fields.clone();
                let field = (name.clone(), value.clone());
                if before {
                    altered.insert(0, field);
                } else {
                    altered.push(field);
                }
                let place = if before { "before" } else { "after" };
                push(
                    "field injected",
                    format!("`{name}`={value} {place}"),
                    write(&altered),
                );
            }
        }
    }

    // Every key duplicated: same value, a different value, empty; before and after.
    for (i, (name, value)) in fields.iter().enumerate() {
        for (how, dup) in [
            ("same", value.clone()),
            ("different", changed(value)),
            ("empty", Value::from("")),
        ] {
            for before in [true, false] {
                let mut altered = fields.clone();
                let field = (name.clone(), dup.clone());
                if before {
                    altered.insert(i, field);
                } else {
                    altered.push(field);
                }
                let place = if before { "before" } else { "after" };
                let category = if name == "sign" {
                    "signature altered"
                } else {
                    "key duplicated"
                };
                push(
                    category,
                    format!("`{name}` duplicated, {how} value, {place}"),
                    write(&altered),
                );
            }
        }
    }

    // The signature: one character changed (first, last), case swapped.
    let at = fields.iter().position(|(n, _)| n == "sign").unwrap();
    let sign = fields[at].1.as_str().unwrap_or_default().to_owned();
    let mut first = sign.clone().into_bytes();
    first[0] = flip_byte(first[0]);
    let mut last = sign.clone().into_bytes();
    let n = last.len() - 1;
    last[n] = flip_byte(last[n]);
    for (edit, new) in [
        ("first char changed", String::from_utf8(first).unwrap()),
        ("last char changed", String::from_utf8(last).unwrap()),
        ("case swapped", swap_case(&sign)),
    ] {
        let mut altered = fields.clone();
        altered[at].1 = Value::String(new);
        push("signature altered", edit.to_owned(), write(&altered));
    }
    out
}

/// Each member of the payload (and of each element when it is a list of objects)
/// changed, emptied, nulled, removed; each list element removed.
fn payload_edits(inner: &Value) -> Vec<(String, &'static str, Value)> {
    let mut out = Vec::new();
    match inner {
        Value::Object(members) => {
            for (name, value) in members {
                for (edit, new) in value_edits(value, true) {
                    let mut altered = members.clone();
                    match new {
                        Some(v) => {
                            altered.insert(name.clone(), v);
                        }
                        None => {
                            altered.shift_remove(name);
                        }
                    }
                    out.push((format!("`{name}`"), edit, Value::Object(altered)));
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let mut without = items.clone();
                without.remove(i);
                out.push((format!("[{i}]"), "removed", Value::Array(without)));
                for (path, edit, new) in payload_edits(item) {
                    let mut altered = items.clone();
                    altered[i] = new;
                    out.push((format!("[{i}].{path}"), edit, Value::Array(altered)));
                }
            }
        }
        _ => {}
    }
    out
}

/// Builds one provider's fixtures (in its own thread: fixtures are not `Send`).
type Builder = fn() -> Vec<Fixture>;

#[derive(Default)]
struct Counts {
    tried: usize,
    rejected: usize,
    identical: usize,
    different: usize,
    /// Rejections by error variant (a rejection for the wrong reason can hide a hole).
    rejected_by: BTreeMap<String, usize>,
    /// Accepted-different by mutation category.
    different_by: BTreeMap<&'static str, usize>,
    /// The first offending mutants of each category: description and body.
    offenders: BTreeMap<&'static str, Vec<String>>,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.tried += other.tried;
        self.rejected += other.rejected;
        self.identical += other.identical;
        self.different += other.different;
        for (k, v) in other.rejected_by {
            *self.rejected_by.entry(k).or_default() += v;
        }
        for (k, v) in other.different_by {
            *self.different_by.entry(k).or_default() += v;
        }
        for (k, v) in other.offenders {
            self.offenders.entry(k).or_default().extend(v);
        }
    }

    fn line(&self, who: &str) -> String {
        format!(
            "{who:>10}: tried {} / rejected {} / accepted-identical {} / accepted-different {}\n{:>12}rejected by {:?}\n{:>12}different by {:?}",
            self.tried, self.rejected, self.identical, self.different, "", self.rejected_by, "", self.different_by
        )
    }
}

fn variant(error: &paygen::Error) -> String {
    let debug = format!("{error:?}");
    let name: String = debug.chars().take_while(|c| c.is_alphanumeric()).collect();
    match error {
        paygen::Error::Signature { reason, .. } => format!("Signature({reason:?})"),
        _ => name,
    }
}

fn run(fixtures: Vec<Fixture>) -> Counts {
    let mut counts = Counts::default();
    for fixture in &fixtures {
        for mutant in mutants(fixture) {
            counts.tried += 1;
            match fixture.check(&mutant.body) {
                Verdict::Rejected(error) => {
                    counts.rejected += 1;
                    *counts.rejected_by.entry(variant(&error)).or_default() += 1;
                }
                Verdict::Identical => counts.identical += 1,
                Verdict::Different(typed) => {
                    counts.different += 1;
                    *counts.different_by.entry(mutant.category).or_default() += 1;
                    let first = counts.offenders.entry(mutant.category).or_default();
                    if first.len() < 10 {
                        first.push(format!(
                            "{}: {}: {}\n    body: {}\n    typed: {typed}",
                            fixture.name, mutant.category, mutant.detail, mutant.body
                        ));
                    }
                }
            }
        }
    }
    counts
}

#[test]
fn every_mutant_of_every_genuine_message_is_rejected_or_identical() {
    // The genuine bodies themselves must pass, or every mutant would be "rejected" for
    // nothing: a fixture the runtime cannot read is reported, not counted.
    let builders: [(&str, Builder); 3] = [
        ("mct1", mct1_fixtures),
        ("mpgateway", mpgateway_fixtures),
        ("wantu", wantu_fixtures),
    ];
    let results: Vec<(&str, Counts, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = builders
            .iter()
            .map(|(name, build)| {
                scope.spawn(move || {
                    let (usable, unreadable): (Vec<Fixture>, Vec<Fixture>) = build()
                        .into_iter()
                        .partition(|f| matches!(f.check(&f.body), Verdict::Identical));
                    let unreadable = unreadable.iter().map(|f| f.name.clone()).collect();
                    (*name, run(usable), unreadable)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut total = Counts::default();
    let mut unreadable_all = Vec::new();
    for (name, counts, unreadable) in results {
        eprintln!("{}", counts.line(name));
        if !unreadable.is_empty() {
            eprintln!(
                "{:>12}genuine fixtures the runtime rejects (not mutated): {unreadable:?}",
                ""
            );
        }
        unreadable_all.extend(unreadable);
        total.add(counts);
    }
    eprintln!("{}", total.line("total"));
    // The first offenders, taken from every category in turn so that one noisy
    // category does not hide the others.
    let mut listed = Vec::new();
    for round in 0..10 {
        for first in total.offenders.values() {
            if let Some(offender) = first.get(round) {
                if listed.len() < 10 {
                    listed.push(offender.clone());
                }
            }
        }
    }
    assert!(
        total.different == 0,
        "{} mutants accepted with a typed result other than the genuine one; the first {}:\n{}",
        total.different,
        listed.len(),
        listed.join("\n")
    );
    assert!(
        unreadable_all.is_empty(),
        "genuine fixtures rejected, so their mutants prove nothing: {unreadable_all:?}"
    );
}
