//! Mutation suite: every genuine signed message of `genuine_messages.rs` and of the
//! WeChat Pay v2, Alipay and WeChat Pay APIv3 fixtures (`support::wechat_fixtures`,
//! `support::alipay_fixtures`, `support::wechat_v3_fixtures`; APIv3's signature is in
//! headers, held as sent while the body is mutated), altered in every way an attacker or a faulty transport
//! could, through the generated code with verification on. A mutant must be rejected,
//! or accepted with a typed result `==` the genuine one: anything else means a received
//! value reached the caller without the signature covering it. The one exception is a
//! message protected only by unauthenticated encryption (WeChat's refund notification):
//! accepted with `Authenticity::EncryptedOnly`, which the product does not present as
//! authentic, it is counted apart as accepted-unconfirmed.
//!
//! Beside the edits of single values, three classes aim at what a signature over a
//! canonical string or a member cannot see:
//! - re-partition: a signed field folded into the value of the field sorted just before
//!   it (`N=n&F=f` read as `N` = `n&F=f`), in every encoding the envelope decodes; the
//!   canonical string and so the signature are unchanged;
//! - member renaming (Alipay): a signed member moved under another operation's member
//!   name, or under `error_response`, and checked as that operation's reply;
//! - ECB blocks (WeChat's `req_info`): a block duplicated, removed, two swapped, and the
//!   head of one genuine notification spliced onto the tail of another.
//!
//! tiantapay and shouqianba receive nothing signed (their specs verify no response and
//! no notification), so they have no fixture.
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
    /// The operation whose reply it is checked as, when not the fixture's own.
    check_as: Option<&'static str>,
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
            check_as: None,
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

    // Payload members, re-encoded with the genuine key, the old signature kept. Only
    // where a signature covers the payload: re-encrypting an unsigned message's payload
    // needs the key, which is what an attacker lacks (the ECB class below is what one
    // can do instead).
    if let Some(payload) = fixture.payload {
        let at = fields.iter().position(|(n, _)| n == payload.name).unwrap();
        let inner = payload
            .codec
            .decode(&fields[at].1)
            .expect("genuine payload decodes");
        let reencode = |value: Value| {
            let mut altered = fields.clone();
            altered[at].1 = payload.codec.encode(&value);
            write(&altered)
        };
        if fixture.is_signed() {
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
    if let Some(at) = fields.iter().position(|(n, _)| n == "sign") {
        let sign = fields[at].1.as_str().unwrap_or_default().to_owned();
        let mut first = sign.clone().into_bytes();
        first[0] = flip_byte(first[0]);
        let mut last = sign.clone().into_bytes();
        let n = last.len() - 1;
        last[n] = flip_byte(last[n]);
        for (edit, new) in [
            (
                "first char changed",
                String::from_utf8_lossy(&first).into_owned(),
            ),
            (
                "last char changed",
                String::from_utf8_lossy(&last).into_owned(),
            ),
            ("case swapped", swap_case(&sign)),
        ] {
            let mut altered = fields.clone();
            altered[at].1 = Value::String(new);
            push("signature altered", edit.to_owned(), write(&altered));
        }
    }

    for (detail, body) in repartitions(fixture) {
        push("re-partition", detail, body);
    }
    for (category, detail, body) in ecb_mutants(fixture) {
        push(category, detail, body);
    }
    out.extend(member_renamings(fixture));
    out
}

/// The encodings of `fields` that an envelope of `format` decodes, each carrying the
/// `&` that starts `&{folded}=` as that encoding writes it.
fn encodings(format: Format, fields: &[(String, Value)], folded: &str) -> Vec<(String, String)> {
    let marker = format!("&{folded}=");
    match format {
        Format::Xml { .. } => {
            let escaped = write_xml("xml", fields, false);
            let amp = format!("&amp;{folded}=");
            vec![
                ("XML &amp;".into(), escaped.clone()),
                (
                    "XML &#38;".into(),
                    escaped.replacen(&amp, &format!("&#38;{folded}="), 1),
                ),
                (
                    "XML &#x26;".into(),
                    escaped.replacen(&amp, &format!("&#x26;{folded}="), 1),
                ),
                ("XML CDATA".into(), write_xml("xml", fields, true)),
            ]
        }
        Format::Form => vec![("form %26".into(), write_form(fields))],
        Format::Json => {
            let raw = write_json(fields);
            vec![
                ("JSON raw &".into(), raw.clone()),
                (
                    "JSON \\u0026".into(),
                    raw.replacen(&marker, &format!("\\u0026{folded}="), 1),
                ),
            ]
        }
    }
}

/// Re-partition over the fixture's canonical string: for each signed field F and the
/// field N sorted just before it, F deleted and `&F=value` appended to N's value. The
/// canonical string, so the signature, is unchanged; only the reading differs.
fn repartitions(fixture: &Fixture) -> Vec<(String, String)> {
    let Some(canonical) = fixture.canonical else {
        return Vec::new();
    };
    let fields = &fixture.fields;
    let unique = |name: &str| {
        let mut at = fields.iter().enumerate().filter(|(_, (k, _))| k == name);
        match (at.next(), at.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    };
    let mut out = Vec::new();
    for pair in canonical.sorted_names(fields).windows(2) {
        let (n, f) = (&pair[0], &pair[1]);
        // A field the receiver adds itself (mct1's open_key) is not in the message.
        let (Some(ni), Some(fi)) = (unique(n), unique(f)) else {
            continue;
        };
        let folded = format!("{}&{f}={}", text_of(&fields[ni].1), text_of(&fields[fi].1));
        let mut altered = fields.clone();
        altered[ni].1 = Value::String(folded);
        altered.remove(fi);
        for (encoding, body) in encodings(fixture.format, &altered, f) {
            out.push((format!("`{f}` folded into `{n}` ({encoding})"), body));
        }
    }
    out
}

/// Block edits of an AES-256-ECB payload (WeChat's `req_info`), done without the key:
/// a block duplicated or removed, two swapped, and splices of this notification with
/// another genuine one (`wechat_fixtures::other_refund_plain`, encrypted under the same
/// key, its values the same lengths so that the blocks line up).
fn ecb_mutants(fixture: &Fixture) -> Vec<(&'static str, String, String)> {
    let Some((payload, key)) = fixture.payload.and_then(|p| match p.codec {
        Codec::WechatReqInfo(key) => Some((p, key)),
        _ => None,
    }) else {
        return Vec::new();
    };
    let fields = &fixture.fields;
    let at = fields.iter().position(|(n, _)| n == payload.name).unwrap();
    let blocks = wechat_fixtures::req_info_blocks(fields[at].1.as_str().unwrap_or_default())
        .expect("genuine req_info is whole blocks");
    let other = wechat_fixtures::encrypt_req_info(key, &wechat_fixtures::other_refund_plain());
    let other = wechat_fixtures::req_info_blocks(&other).expect("whole blocks");
    let with = |altered_blocks: &[[u8; 16]]| {
        let mut altered = fields.clone();
        altered[at].1 = Value::String(wechat_fixtures::blocks_to_req_info(altered_blocks));
        fixture.format.write(&altered)
    };
    let mut out = Vec::new();
    for i in 0..blocks.len() {
        let mut duplicated = blocks.clone();
        duplicated.insert(i + 1, blocks[i]);
        out.push((
            "ECB block duplicated",
            format!("block {i}"),
            with(&duplicated),
        ));
        let mut removed = blocks.clone();
        removed.remove(i);
        if !removed.is_empty() {
            out.push(("ECB block removed", format!("block {i}"), with(&removed)));
        }
        for j in i + 1..blocks.len() {
            if blocks[i] != blocks[j] {
                let mut swapped = blocks.clone();
                swapped.swap(i, j);
                out.push((
                    "ECB blocks swapped",
                    format!("blocks {i} and {j}"),
                    with(&swapped),
                ));
            }
        }
    }
    for k in 1..blocks.len().min(other.len()) {
        let head_this: Vec<[u8; 16]> = blocks[..k].iter().chain(&other[k..]).copied().collect();
        let head_other: Vec<[u8; 16]> = other[..k].iter().chain(&blocks[k..]).copied().collect();
        for (which, spliced) in [("this", head_this), ("other", head_other)] {
            if spliced != blocks {
                out.push((
                    "ECB splice",
                    format!("head of {which} notification up to block {k}"),
                    with(&spliced),
                ));
            }
        }
    }
    out
}

/// Alipay: the signed member moved under every other operation's member name and under
/// `error_response`, each checked as that operation's reply (the signature covers the
/// member's text, not its name).
fn member_renamings(fixture: &Fixture) -> Vec<Mutant> {
    let Some(payload) = fixture.payload.filter(|p| p.codec == Codec::AlipayMember) else {
        return Vec::new();
    };
    let own = payload.name;
    let mut out = Vec::new();
    for (operation, member) in alipay_fixtures::OPERATIONS {
        for target in [member, alipay_fixtures::ERROR_MEMBER] {
            if target == own {
                continue;
            }
            let mut altered = fixture.fields.clone();
            for field in altered.iter_mut().filter(|(k, _)| k == own) {
                field.0 = target.to_owned();
            }
            let body = fixture.format.write(&altered);
            if out
                .iter()
                .any(|m: &Mutant| m.body == body && m.check_as == Some(operation))
            {
                continue;
            }
            out.push(Mutant {
                category: "member renamed",
                detail: format!("`{own}` -> `{target}`, checked as {operation}"),
                body,
                check_as: Some(operation),
            });
        }
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
    /// Accepted different, but marked `Authenticity::EncryptedOnly`.
    unconfirmed: usize,
    different: usize,
    /// Rejections by error variant (a rejection for the wrong reason can hide a hole).
    rejected_by: BTreeMap<String, usize>,
    /// Accepted-unconfirmed by mutation category.
    unconfirmed_by: BTreeMap<&'static str, usize>,
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
        self.unconfirmed += other.unconfirmed;
        self.different += other.different;
        for (k, v) in other.rejected_by {
            *self.rejected_by.entry(k).or_default() += v;
        }
        for (k, v) in other.unconfirmed_by {
            *self.unconfirmed_by.entry(k).or_default() += v;
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
            "{who:>12}: tried {} / rejected {} / accepted-identical {} / accepted-unconfirmed {} / accepted-different {}\n{:>14}rejected by {:?}\n{:>14}unconfirmed by {:?}\n{:>14}different by {:?}",
            self.tried,
            self.rejected,
            self.identical,
            self.unconfirmed,
            self.different,
            "",
            self.rejected_by,
            "",
            self.unconfirmed_by,
            "",
            self.different_by
        )
    }
}

fn variant(error: &paygen::Error) -> String {
    let debug = format!("{error:?}");
    let name: String = debug.chars().take_while(|c| c.is_alphanumeric()).collect();
    match error {
        paygen::Error::Signature { reason, .. } => format!("Signature({reason:?})"),
        paygen::Error::Service(refusal) => format!(
            "Service({:?}, outcome {:?})",
            refusal.authenticity,
            error.outcome()
        ),
        _ => name,
    }
}

/// A mutant checked as its fixture's reply, or as another operation's (member renaming).
fn check(fixture: &Fixture, mutant: &Mutant) -> Checked {
    match mutant.check_as {
        Some(operation) if fixture.operation.as_deref() != Some(operation) => {
            // No genuine reply of that operation exists: anything accepted is different.
            let verdict = match alipay_fixtures::accepted_as(operation, &mutant.body) {
                Ok(typed) => Verdict::Different(typed),
                Err(error) => Verdict::Rejected(error),
            };
            Checked {
                verdict,
                authenticity: None,
            }
        }
        _ => fixture.check_detailed(&mutant.body),
    }
}

fn run(fixtures: Vec<Fixture>) -> Counts {
    let mut counts = Counts::default();
    for fixture in &fixtures {
        for mutant in mutants(fixture) {
            counts.tried += 1;
            let checked = check(fixture, &mutant);
            match checked.verdict {
                Verdict::Rejected(error) => {
                    counts.rejected += 1;
                    *counts.rejected_by.entry(variant(&error)).or_default() += 1;
                }
                Verdict::Identical => counts.identical += 1,
                Verdict::Different(_) if is_encrypted_only(checked.authenticity) => {
                    counts.unconfirmed += 1;
                    *counts.unconfirmed_by.entry(mutant.category).or_default() += 1;
                }
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
    let builders: [(&str, Builder); 6] = [
        ("mct1", mct1_fixtures),
        ("mpgateway", mpgateway_fixtures),
        ("wantu", wantu_fixtures),
        ("wechatpay_v2", wechat_fixtures::fixtures),
        ("alipay", alipay_fixtures::fixtures),
        ("wechatpay_v3", wechat_v3_fixtures::fixtures),
    ];
    let results: Vec<(&str, Counts, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = builders
            .iter()
            .map(|(name, build)| {
                scope.spawn(move || {
                    let (usable, unreadable): (Vec<Fixture>, Vec<Fixture>) = build()
                        .into_iter()
                        .partition(|f| matches!(f.check(&f.body), Verdict::Identical));
                    let unreadable = unreadable
                        .iter()
                        .map(|f| format!("{}: {:?}", f.name, f.check(&f.body)))
                        .collect();
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
                "{:>14}genuine fixtures the runtime rejects (not mutated): {unreadable:?}",
                ""
            );
        }
        unreadable_all.extend(unreadable);
        total.add(counts);
    }
    for (name, why) in [
        (
            "tiantapay",
            "verifies no response and no notification: nothing to mutate",
        ),
        (
            "shouqianba",
            "verifies no response and has no notification: nothing to mutate",
        ),
    ] {
        eprintln!("{name:>12}: tried 0 ({why})");
    }
    eprintln!("{}", total.line("total"));
    // The first offenders, taken from every category in turn so that one noisy
    // category does not hide the others.
    let mut listed = Vec::new();
    for round in 0..10 {
        for first in total.offenders.values() {
            if let Some(offender) = first.get(round) {
                if listed.len() < 20 {
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
