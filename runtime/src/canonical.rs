//! The canonical `k=v&...` string that most recipes sign.

use crate::wire::WireValue;
use paygen_protocol::Canonical;

/// A value as a canonical string covers it: received text, or a value about to be sent.
#[derive(Debug, Clone, Copy)]
pub enum SignedText<'v> {
    /// Text as received (or a secret added as a sorted field).
    Str(&'v str),
    /// A value of a request being built.
    Wire(&'v WireValue<'v>),
}

impl SignedText<'_> {
    /// `""` (and JSON `null`) only: `0` and `"0"` are never empty.
    fn is_empty(&self) -> bool {
        match self {
            SignedText::Str(text) => text.is_empty(),
            SignedText::Wire(value) => value.is_empty(),
        }
    }

    fn write_to(&self, out: &mut String) {
        match self {
            SignedText::Str(text) => out.push_str(text),
            SignedText::Wire(value) => value.write_text(out),
        }
    }
}

/// Builds the canonical string of `pairs` under `rules` into `out`: excluded names and
/// (when the rules say so) empty values dropped, the rest sorted by name in ASCII order
/// and joined. Nested values (objects, lists) appear as their compact JSON text for
/// values being sent, and exactly as received for received ones. `pairs` is reordered.
pub fn canonical_string(
    pairs: &mut Vec<(&str, SignedText<'_>)>,
    rules: &Canonical,
    out: &mut String,
) {
    pairs.retain(|(name, value)| {
        let empty = rules.skip_empty && value.is_empty();
        let excluded = rules.exclude.iter().any(|excluded| excluded == name);
        !(empty || excluded)
    });
    // ASCII order of the names, byte by byte; stable for repeated names.
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for (index, (name, value)) in pairs.iter().enumerate() {
        if index > 0 {
            out.push_str(&rules.join);
        }
        out.push_str(name);
        out.push_str(&rules.pair_separator);
        value.write_to(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn rules(exclude: &'static [Cow<'static, str>]) -> Canonical {
        Canonical {
            exclude: Cow::Borrowed(exclude),
            skip_empty: true,
            pair_separator: "=".into(),
            join: "&".into(),
        }
    }

    fn canonical(pairs: &[(&str, &str)], rules: &Canonical) -> String {
        let mut pairs: Vec<(&str, SignedText<'_>)> = pairs
            .iter()
            .map(|(n, v)| (*n, SignedText::Str(v)))
            .collect();
        let mut out = String::new();
        canonical_string(&mut pairs, rules, &mut out);
        out
    }

    #[test]
    fn document_002_section_2_4_sorted_string() {
        // The parameters and open_key of document 002 section 2.4, in submission order.
        let pairs = [
            ("open_id", "87f46f5db1b65f0ac195285f49ee6958"),
            ("timestamp", "1497957842"),
            ("data", "3304A5EC2CDEB4D12ED3338B5C01BF6B"),
            ("open_key", "0828e83720fdbe3685a7b94214af04f9"),
        ];
        assert_eq!(
            canonical(&pairs, &rules(&[])),
            "data=3304A5EC2CDEB4D12ED3338B5C01BF6B&open_id=87f46f5db1b65f0ac195285f49ee6958&open_key=0828e83720fdbe3685a7b94214af04f9&timestamp=1497957842"
        );
    }

    #[test]
    fn document_000_section_3_1_pairs_sorted_with_capitals_first() {
        // Document 000 section 3.1's parameters; the document's sample lacks the `&`
        // before notifyUrl, which its own prose requires.
        static EXCLUDE: [Cow<'static, str>; 1] = [Cow::Borrowed("sign")];
        let pairs = [
            ("user_token", "123456"),
            ("version", "V1.0.7"),
            ("orderNo", "1524731816"),
            ("money", "1"),
            ("type", "ALIPAY"),
            ("notifyUrl", "http://www.baidu.com"),
            ("auth_code", "28705321936224024"),
            ("operatorId", "1234"),
            ("body", "测试"),
            ("sign", "IGNORED"),
            ("attach", ""),
        ];
        assert_eq!(
            canonical(&pairs, &rules(&EXCLUDE)),
            "auth_code=28705321936224024&body=测试&money=1&notifyUrl=http://www.baidu.com&operatorId=1234&orderNo=1524731816&type=ALIPAY&user_token=123456&version=V1.0.7"
        );
    }

    #[test]
    fn zero_is_not_empty_and_uppercase_sorts_before_lowercase() {
        let pairs = [("b", "0"), ("a", ""), ("B", "x")];
        assert_eq!(canonical(&pairs, &rules(&[])), "B=x&b=0");
    }

    #[test]
    fn values_being_sent_write_their_wire_text() {
        let amount = WireValue::Int(0);
        let nested = WireValue::Json(Cow::Owned(serde_json::json!({"b": 1, "a": "x"})));
        let mut pairs = vec![
            ("total_fee", SignedText::Wire(&amount)),
            ("extended", SignedText::Wire(&nested)),
        ];
        let mut out = String::new();
        canonical_string(&mut pairs, &rules(&[]), &mut out);
        assert_eq!(out, r#"extended={"b":1,"a":"x"}&total_fee=0"#);
    }
}
