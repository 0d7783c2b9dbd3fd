//! No panics on any input: every spec cut short at many points is an error with a
//! position, never a panic; every envelope fed malformed bodies is an error that keeps
//! the body.

use paygen::tooling::decode::decode_message;
use paygen::Credentials;
use paygen_tests::spec_paths;

#[test]
fn truncated_specs_are_positioned_errors() {
    for path in spec_paths() {
        let text = std::fs::read_to_string(&path).unwrap();
        let cuts: Vec<usize> = (1..text.len())
            .step_by(769)
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for cut in cuts {
            let result =
                std::panic::catch_unwind(|| paygen_codegen::parse_str(&text[..cut], "spec.yaml"));
            let Ok(result) = result else {
                panic!("{}: parsing the first {cut} bytes panicked", path.display());
            };
            if let Err(errors) = result {
                for error in &errors.0 {
                    assert!(
                        error.line > 0,
                        "{}: cut {cut}: no position: {error}",
                        path.display()
                    );
                    assert!(error.to_string().starts_with("spec.yaml:"), "{error}");
                }
            }
        }
    }
}

#[test]
fn malformed_bodies_are_errors_that_keep_the_body() {
    let bodies = [
        "",
        "{",
        "[]",
        "null",
        r#"{"data":"zz","sign":"x"}"#,
        r#"{"data":"3304A5EC","sign":"x"}"#,
        "resp=%%%&sign=",
        "resp=!!!&sign=abc",
        r#"{"result_code":"200","biz_response":"#,
        "\u{0}\u{1}\u{2}",
        &"9".repeat(400),
    ];
    for path in spec_paths() {
        let loaded = paygen_codegen::load_file(&path).unwrap();
        let provider = paygen_codegen::lower(&loaded.spec);
        let mut credentials = Credentials::new();
        for def in provider.credentials.iter() {
            credentials = credentials.secret(def.name.clone(), "k".repeat(32));
        }
        let envelope = &provider.response;
        let clock = paygen::FixedClock::at_unix_seconds(1_700_000_000);
        let receiver = paygen::Receiver {
            credentials: &credentials,
            clock: &clock,
            utc_offset_minutes: provider.utc_offset_minutes,
            seen: None,
        };
        for body in bodies {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                decode_message(
                    envelope.body,
                    &envelope.payload,
                    envelope.verification.as_ref(),
                    &receiver,
                    body,
                )
            }));
            let Ok(result) = result else {
                panic!("{}: decoding {body:?} panicked", path.display());
            };
            if let Err(error) = result {
                if let Some(kept) = error.raw_body() {
                    assert_eq!(kept, body);
                }
                assert!(
                    !error.to_string().contains(&"k".repeat(32)),
                    "secret in {error}"
                );
            }
        }
    }
}
