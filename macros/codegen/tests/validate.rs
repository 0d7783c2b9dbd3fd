//! Spec validation: each rule, with the line and column it reports.

use paygen_codegen::parse_str;

const BASE: &str = include_str!("../../../tests/tests/ui/specs/base.yaml");

/// The errors of `BASE` with `old` replaced by `new`, as `line:column: message`.
fn errors_after(old: &str, new: &str) -> Vec<String> {
    assert!(BASE.contains(old), "{old}");
    let text = BASE.replacen(old, new, 1);
    match parse_str(&text, "x.yaml") {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .0
            .iter()
            .map(|e| format!("{}:{}: {}", e.line, e.column, e.message))
            .collect(),
    }
}

#[test]
fn the_base_spec_is_valid() {
    assert_eq!(
        errors_after("name: mini", "name: mini"),
        Vec::<String>::new()
    );
}

#[test]
fn unknown_keys_name_the_expected_ones() {
    let errors = errors_after("    summary: Pay", "    summery: Pay");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("34:5: unknown field `summery`"),
        "{errors:?}"
    );
    assert!(errors[0].contains("summary"), "{errors:?}");
}

#[test]
fn references_to_undefined_things() {
    assert_eq!(
        errors_after("value: { credential: merchant }", "value: { credential: shop }"),
        ["25:48: common field names credential `shop`, which is not defined; expected one of `merchant`, `key`"]
    );
    assert_eq!(
        errors_after(
            "signature: { recipe: md5_upper, field: sign }",
            "signature: { recipe: md5, field: sign }"
        ),
        ["30:26: signature recipe `md5` is not defined; expected one of `md5_upper`"]
    );
    assert_eq!(
        errors_after("success: { field: code,", "success: { field: status,"),
        ["33:11: success rule names `status`, which is not a response field of operation `pay`"]
    );
}

#[test]
fn duplicates() {
    let errors = errors_after("  - name: key\n", "  - name: merchant\n");
    assert_eq!(
        errors[0], "11:11: duplicate credential `merchant`",
        "{errors:?}"
    );
}

#[test]
fn recipes_that_cannot_run() {
    let errors = errors_after(
        "    digests:\n      - { algorithm: md5, hex: upper }",
        "    digests: []",
    );
    assert_eq!(
        errors,
        ["14:11: recipe `md5_upper` has no digests; expected at least one step"]
    );
    let errors = errors_after(
        "placement: { append: \"&key=\" }",
        "placement: { sorted_field: key }",
    );
    assert!(
        errors.is_empty(),
        "a canonical recipe may add the key as a sorted field: {errors:?}"
    );
}

#[test]
fn contradictory_fields() {
    let errors = errors_after(
        "{ name: amount, type: fen, required: true }",
        "{ name: amount, type: string, as_string: true }",
    );
    assert_eq!(
        errors,
        ["37:17: `as_string` applies to int, fen and yuan fields only, not `amount`"]
    );
    let errors = errors_after(
        "{ name: amount, type: fen, required: true }",
        "{ name: amount, type: string, values: [{ value: \"1\" }, { value: \"1\" }] }",
    );
    assert_eq!(
        errors[0], "37:17: field `amount` lists value `1` twice",
        "{errors:?}"
    );
}

#[test]
fn one_of_names_request_fields() {
    let errors = errors_after(
        "    path: /pay",
        "    path: /pay\n    one_of: [[amount, coupon]]",
    );
    assert_eq!(
        errors,
        ["36:23: `one_of` names `coupon`, which is not a request field of operation `pay`"]
    );
}

#[test]
fn variant_names_come_from_values_or_rust_name() {
    let errors = errors_after(
        "{ name: code, type: string, required: true }",
        "{ name: code, type: string, required: true, values: [{ value: \"a-b\" }, { value: \"a_b\" }] }",
    );
    assert!(
        errors[0].contains("both become variant `AB`; set `rust_name`"),
        "{errors:?}"
    );
}
