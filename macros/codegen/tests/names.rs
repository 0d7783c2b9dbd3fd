//! Names that cannot become Rust, or that become the same Rust item, are spec errors
//! with positions; specs that pass generate without panicking.

mod common;

use common::{errors, errors_after, BASE};

const PAY: &str = "  - name: pay\n    summary: Pay\n";

/// `BASE` with a second operation `name` (one request field `amount`).
fn with_operation(name: &str) -> Vec<String> {
    errors_after(
        PAY,
        &format!("  - name: {name}\n    summary: Other\n    path: /other\n    request: []\n    response: []\n{PAY}"),
    )
}

#[test]
fn operation_names_that_are_not_identifiers() {
    for name in ["\"\"", "\"生产\"", "\"-\""] {
        let errors = with_operation(name);
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        assert!(errors[0].starts_with("33:11: operation"), "{errors:?}");
        assert!(errors[0].contains("no ASCII letter or digit"), "{errors:?}");
    }
    // Word breaks become `_`: `pay-now` is `pay_now`, `PAY_NOW`, `PayNowRequest`.
    assert_eq!(with_operation("pay-now"), Vec::<String>::new());
    assert_eq!(with_operation("\"pay now\""), Vec::<String>::new());
}

#[test]
fn operations_colliding_with_each_other_or_the_client() {
    let errors = with_operation("Pay");
    assert!(
        errors.iter().any(|e| e.starts_with("38:11: the client method of operation `pay` would be `pay`, which is already the client method of operation `Pay`")),
        "{errors:?}"
    );
    for name in [
        "new",
        "with_clock",
        "with_transport",
        "with_nonce",
        "with_seen_store",
        "transport",
    ] {
        let errors = with_operation(name);
        assert_eq!(
            errors,
            [format!("33:11: the client method of operation `{name}` would be `{name}`, which is already a method every client has; rename it")]
        );
    }
    let errors = with_operation("render_pay");
    assert!(
        errors.iter().any(|e| e.contains("would be `render_pay`")),
        "{errors:?}"
    );
    let errors = with_operation("provider");
    assert!(
        errors.iter().any(|e| e.contains("would be `PROVIDER`")),
        "{errors:?}"
    );
}

#[test]
fn environments_and_credentials_colliding_after_casing() {
    let errors = errors_after(
        "    base_url: https://pay.example.invalid\n",
        "    base_url: https://pay.example.invalid\n  - name: Production\n    base_url: https://b.invalid\n",
    );
    assert_eq!(errors, ["9:11: the variant of environment `Production` would be `Production`, which is already the variant of environment `production`; rename it"]);
    let errors = errors_after("  - name: production", "  - name: 生产");
    assert_eq!(errors, ["7:11: environment `生产` has no ASCII letter or digit to make a Rust name from; rename it"]);
    let errors = errors_after("  - name: key\n", "  - name: Merchant\n");
    assert!(errors[0].contains("would be `merchant`"), "{errors:?}");
}

#[test]
fn types_that_shadow_the_prelude_or_generated_types() {
    for (field, ty) in [
        ("string", "String"),
        ("option", "Option"),
        ("client", "Client"),
        ("environment", "Environment"),
        ("credentials", "Credentials"),
        ("result", "Result"),
        ("pay_request", "PayRequest"),
    ] {
        // A shared code table is named after itself, whatever its fields are called.
        let text = BASE
            .replacen(
                "operations:\n",
                &format!("codes:\n  - name: {field}\n    values: [{{ value: a }}]\noperations:\n"),
                1,
            )
            .replacen(
                "{ name: code, type: string, required: true }",
                &format!("{{ name: code, type: string, required: true }}\n      - {{ name: x, type: string, ref: {field} }}"),
                1,
            );
        let errors = errors(&text);
        assert_eq!(errors.len(), 1, "{field}: {errors:?}");
        assert!(
            errors[0].starts_with(&format!(
                "43:17: the enum of field `x` would be `{ty}`, which is already"
            )),
            "{errors:?}"
        );
    }
}

#[test]
fn nested_types_live_apart_from_another_operations_types() {
    // `pay`'s response object `request` is `Request` among `PayResponse`'s children
    // (`pay_response::Request`), apart from `PayResponseRequest`, the request type of an
    // operation `pay_response`: flat `<Parent><Field>` names would have collided.
    let text = BASE.replacen(
        "{ name: code, type: string, required: true }\n",
        "{ name: code, type: string, required: true }\n      - { name: request, type: object, fields: [{ name: a, type: string }] }\n  - name: pay_response\n    summary: x\n    path: /x\n    request: []\n    response: []\n",
        1,
    );
    assert_eq!(errors(&text), Vec::<String>::new());
    let spec = paygen_codegen::parse_str(&text, "x.yaml").unwrap();
    let items = paygen_codegen::provider_items(&spec).unwrap().to_string();
    assert!(items.contains("pub struct PayResponseRequest"), "{items}");
    assert!(items.contains("pub mod pay_response { "), "{items}");
    assert!(
        items.contains("pub request : Option < pay_response :: Request >"),
        "{items}"
    );
}

#[test]
fn fields_colliding_after_casing_and_keywords() {
    let errors = errors_after(
        "{ name: amount, type: fen, required: true }",
        "{ name: amount, type: fen, required: true }\n      - { name: a_b, type: string }\n      - { name: aB, type: string }",
    );
    assert_eq!(
        errors,
        ["39:17: two fields of `pay` request become Rust field `a_b`; set `rust_name`"]
    );
    // `self` with values: enum `Self_`, never a made-up name.
    let errors = errors_after(
        "{ name: code, type: string, required: true }",
        "{ name: self, type: string, required: true, values: [{ value: a }] }",
    );
    assert!(
        errors.iter().all(|e| !e.contains("invalid_name")),
        "{errors:?}"
    );
    assert!(
        errors[0].contains("`code`"),
        "the success rule names `code`: {errors:?}"
    );
    let errors = errors_after(
        "{ name: amount, type: fen, required: true }",
        "{ name: amount, type: fen, required: true, rust_name: 金额 }",
    );
    assert_eq!(
        errors,
        ["37:17: `金额` is not a usable Rust name; set `rust_name`"]
    );
    let errors = errors_after(
        "{ name: amount, type: fen, required: true }",
        "{ name: 金额, type: fen, required: true }",
    );
    assert_eq!(errors, ["37:17: field `金额` has no ASCII letter or digit to make a Rust name from; set `rust_name`"]);
}

#[test]
fn notification_names() {
    let notification = |name: &str| {
        format!("\nnotifications:\n  - name: {name}\n    summary: n\n    body: form\n    payload: inline\n    ack: ok\n    fields: []\n")
    };
    let end = "      - { name: code, type: string, required: true }\n";
    assert_eq!(
        errors_after(end, &format!("{end}{}", notification("pay-done"))),
        Vec::<String>::new()
    );
    let errors = errors_after(end, &format!("{end}{}", notification("\"完成\"")));
    assert_eq!(errors, ["42:11: notification `完成` has no ASCII letter or digit to make a Rust name from; rename it"]);
}

#[test]
fn header_names_are_tokens_and_templates_one_line() {
    let output = "output: { field: sign }";
    let errors = errors_after(
        output,
        r#"output: { header: { name: "Bad Header:\n", template: "{signature}" } }"#,
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("is not an HTTP token"), "{errors:?}");
    let errors = errors_after(
        output,
        r#"output: { header: { name: Authorization, template: "{signature}\r\nX: 1" } }"#,
    );
    assert!(
        errors.iter().any(|e| e.contains("line break")),
        "{errors:?}"
    );
    let ok = errors_after(
        output,
        r#"output: { header: { name: X-Sign, template: "{signature}" } }"#,
    );
    assert!(ok.iter().all(|e| !e.contains("header")), "{ok:?}");
}

#[test]
fn booleans_are_true_or_false_only() {
    let errors = errors_after("    secret: true", "    secret: yes");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("12:13:"), "{errors:?}");
}

#[test]
fn non_utf8_is_reported_at_the_first_invalid_byte() {
    let mut bytes = BASE.as_bytes().to_vec();
    let at = BASE.find("Minimal").unwrap() + 3;
    bytes.insert(at, 0xff);
    let errors = paygen_codegen::decode_text(&bytes, "x.yaml").unwrap_err();
    assert_eq!(
        errors.to_string(),
        "x.yaml:4:11: the spec is not UTF-8 text"
    );
}
