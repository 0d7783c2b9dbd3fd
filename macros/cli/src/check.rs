//! `paygen check SPEC`: renders every documented example that has a `request_body` and
//! compares it byte for byte, so a provider written in YAML proves its worked example
//! without Rust.

use crate::{input, CliError};
use paygen::tooling::encode::{encode_request, RequestContext};
use paygen::tooling::validate::request_fields_from_json;
use paygen::{ExactNonce, FixedClock, FixedNonce, NonceSource};
use std::path::Path;

/// Checks every example with a `request_body`; `nonce` pins every nonce to exactly that
/// text (default: `0` repeated to each nonce's length).
pub fn run(spec: &Path, nonce: Option<&str>) -> Result<(), CliError> {
    let loaded = input::spec(spec)?;
    let provider = &loaded.provider;
    let base_url = &input::environment(provider, None)?.base_url;
    let nonce: Box<dyn NonceSource> = match nonce {
        Some(text) => Box::new(ExactNonce(text.to_owned())),
        None => Box::new(FixedNonce("0".to_owned())),
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for (operation, model) in provider.operations.iter().zip(&loaded.spec.operations) {
        for example in &model.examples {
            let Some(expected) = &example.request_body else {
                continue;
            };
            let label = format!("{}/{}", operation.name, example.name);
            let credentials =
                serde_json::Value::Object(example.credentials.clone().unwrap_or_default());
            let credentials = input::credentials(provider, &credentials.to_string())
                .map_err(|e| CliError::Usage(format!("{label}: {e}")))?;
            let params = example.params.clone().unwrap_or_default();
            let operation = paygen_codegen::lower::as_printed(operation, example);
            let operation = operation.as_ref();
            let fields = request_fields_from_json(operation, &params)
                .map_err(|e| CliError::Usage(format!("{label}: {e}")))?;
            let clock = FixedClock::at_unix_seconds(example.now.unwrap_or(0));
            let context = RequestContext {
                base_url,
                credentials: &credentials,
                clock: &clock,
                nonce: nonce.as_ref(),
            };
            let request = encode_request(provider, operation, &fields, &context, None)
                .map_err(|e| CliError::Usage(format!("{label}: {e}")))?;
            checked += 1;
            match first_difference(expected, &request.body) {
                None => println!("ok       {label} (document {})", example.source),
                Some(diff) => {
                    println!("MISMATCH {label} (document {})\n{diff}", example.source);
                    failures.push(label);
                }
            }
        }
    }
    if !failures.is_empty() {
        return Err(CliError::Check(format!(
            "{} of {checked} request examples differ: {}",
            failures.len(),
            failures.join(", ")
        )));
    }
    if checked == 0 {
        println!("no example has a request_body");
    }
    Ok(())
}

/// Where two texts first differ, with a little context on each side; `None` if equal.
pub fn first_difference(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let at = expected
        .char_indices()
        .zip(actual.chars())
        .find(|((_, e), a)| e != a)
        .map(|((index, _), _)| index)
        .unwrap_or_else(|| expected.len().min(actual.len()));
    // Back up to a char boundary a few characters before the difference.
    let start = expected[..at]
        .char_indices()
        .rev()
        .nth(15)
        .map_or(0, |(index, _)| index);
    let excerpt = |text: &str| -> String {
        let tail = text.get(start..).unwrap_or_default();
        tail.chars().take(48).collect()
    };
    Some(format!(
        "  first difference at byte {at}\n  - expected: …{}\n  + rendered: …{}",
        excerpt(expected),
        excerpt(actual)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_the_first_differing_byte() {
        assert_eq!(first_difference("a=1&b=2", "a=1&b=2"), None);
        let diff = first_difference("a=1&b=2", "a=1&b=3").unwrap();
        assert!(diff.contains("byte 6"), "{diff}");
        assert!(diff.contains("- expected: …a=1&b=2"), "{diff}");
        assert!(diff.contains("+ rendered: …a=1&b=3"), "{diff}");
        let diff = first_difference("测试x", "测试").unwrap();
        assert!(diff.contains("byte 6"), "{diff}");
    }
}
