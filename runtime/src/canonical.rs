//! The canonical `k=v&...` string that most recipes sign.

use paygen_protocol::Canonical;

/// Builds the canonical string of `pairs` under `rules`: excluded names and (when the
/// rules say so) empty values dropped, the rest sorted by name in ASCII order and joined.
/// Empty means `""` only: `0` and `"0"` are kept.
pub fn canonical_string<'p>(
    pairs: impl IntoIterator<Item = (&'p str, &'p str)>,
    rules: &Canonical,
    out: &mut String,
) {
    let mut kept: Vec<(&str, &str)> = pairs
        .into_iter()
        .filter(|(name, value)| {
            let empty = rules.skip_empty && value.is_empty();
            let excluded = rules.exclude.iter().any(|excluded| excluded == name);
            !(empty || excluded)
        })
        .collect();
    // ASCII order of the names, byte by byte; stable for repeated names.
    kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for (index, (name, value)) in kept.iter().enumerate() {
        if index > 0 {
            out.push_str(&rules.join);
        }
        out.push_str(name);
        out.push_str(&rules.pair_separator);
        out.push_str(value);
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

    #[test]
    fn document_002_section_2_4_sorted_string() {
        // The parameters and open_key of document 002 section 2.4, in submission order.
        let pairs = [
            ("open_id", "87f46f5db1b65f0ac195285f49ee6958"),
            ("timestamp", "1497957842"),
            ("data", "3304A5EC2CDEB4D12ED3338B5C01BF6B"),
            ("open_key", "0828e83720fdbe3685a7b94214af04f9"),
        ];
        let mut out = String::new();
        canonical_string(pairs, &rules(&[]), &mut out);
        assert_eq!(
            out,
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
        let mut out = String::new();
        canonical_string(pairs, &rules(&EXCLUDE), &mut out);
        assert_eq!(
            out,
            "auth_code=28705321936224024&body=测试&money=1&notifyUrl=http://www.baidu.com&operatorId=1234&orderNo=1524731816&type=ALIPAY&user_token=123456&version=V1.0.7"
        );
    }

    #[test]
    fn zero_is_not_empty_and_uppercase_sorts_before_lowercase() {
        let pairs = [("b", "0"), ("a", ""), ("B", "x")];
        let mut out = String::new();
        canonical_string(pairs, &rules(&[]), &mut out);
        assert_eq!(out, "B=x&b=0");
    }
}
