//! Validation of the `gateway:` section: each rule, with the line and column it reports,
//! and the generated `impl paygen::Gateway` of a valid one.

mod common;

use common::{errors, BASE};

/// `BASE` with an order number, a state and a notification, and a gateway section.
fn spec() -> String {
    BASE.replacen(
        "      - { name: amount, type: fen, required: true }",
        "      - { name: amount, type: fen, required: true }\n      - { name: order_no, type: string, required: true }\n      - { name: paid, type: bool }",
        1,
    )
    .replacen(
        "      - { name: code, type: string, required: true }",
        "      - { name: code, type: string, required: true }\n      - { name: state, type: string, values: [{ value: WAIT }, { value: PAID }, { value: SHUT }] }",
        1,
    ) + "\n" + GATEWAY
}

const GATEWAY: &str = "gateway:
  roles:
    - role: pay
      operation: pay
      fields: { amount: amount, order_no: order_no }
      status:
        - { field: state, values: { WAIT: pending, PAID: paid, SHUT: closed } }
    - { role: precreate, operation: none }
    - { role: query, operation: pay }
    - { role: refund, operation: none }
    - { role: refund_query, operation: none }
    - { role: cancel, operation: pay }
    - { role: close, operation: none }
  settle: { cancel_with: cancel, deadline_seconds: 30, poll_interval_ms: 5000, source: chosen }
";

fn errors_of(old: &str, new: &str) -> Vec<String> {
    let text = spec();
    assert!(text.contains(old), "{old}");
    errors(&text.replacen(old, new, 1))
}

#[test]
fn a_complete_mapping_is_valid_and_hands_its_table_to_the_runtime_gateway() {
    assert_eq!(errors(&spec()), Vec::<String>::new());
    let parsed = paygen_codegen::parse_str(&spec(), "x.yaml").unwrap();
    let code = paygen_codegen::provider_items(&parsed).unwrap().to_string();
    assert!(
        code.contains(
            "provider_client ! { title : \"Minimal provider\" , gateway : tables :: GATEWAY }"
        ),
        "{code}"
    );
    assert!(code.contains("pub const GATEWAY : GatewayMap"), "{code}");
    // The one `impl Gateway` is the runtime's: nothing per crate but the table.
    assert!(
        !code.contains("impl < T : :: paygen :: Transport > :: paygen :: Gateway"),
        "{code}"
    );
}

#[test]
fn an_unknown_role_is_named_with_the_roles() {
    assert_eq!(
        errors_of("{ role: close, operation: none }", "{ role: shut, operation: none }"),
        [
            "46:13: gateway: role `close` is not declared; map it, or write `operation: none` when the provider lacks it",
            "56:15: gateway: unknown role `shut` (roles: pay, precreate, query, refund, refund_query, cancel, close)"
        ]
    );
}

#[test]
fn a_mapped_field_that_does_not_exist() {
    assert_eq!(
        errors_of("order_no: order_no }", "order_no: out_no }"),
        ["48:43: gateway: `order_no` maps to `out_no`, which is not a request field of `pay`"]
    );
}

#[test]
fn a_type_that_does_not_fit_the_model() {
    assert_eq!(
        errors_of("{ amount: amount,", "{ amount: paid,"),
        ["48:25: gateway: `amount` is an amount in 分 (fen, yuan or int) in the model; `paid` of `pay` is bool"]
    );
}

#[test]
fn a_status_value_the_table_does_not_have_and_one_left_unmapped() {
    assert_eq!(
        errors_of("SHUT: closed }", "SHUTDOWN: closed }"),
        [
            "50:20: gateway: status of `state` of `pay` leaves documented value `SHUT` unmapped (map it, or mark the entry `partial: true`)",
            "50:74: gateway: status value `SHUTDOWN` is not a documented value of `state` of `pay` (WAIT, PAID, SHUT)"
        ]
    );
    assert_eq!(
        errors_of("SHUT: closed }", "SHUT: closed }, partial: true").len(),
        0
    );
}

#[test]
fn a_role_input_and_a_settle_role_the_provider_lacks() {
    assert_eq!(
        errors_of(
            "{ amount: amount, order_no: order_no }",
            "{ amount: amount, order_no: order_no, refund_no: order_no }"
        ),
        ["48:64: gateway: role `pay` has no model input `refund_no`"]
    );
    assert_eq!(
        errors_of("cancel_with: cancel,", "cancel_with: close,"),
        ["57:26: gateway settle: `cancel_with` names role `close`, which the provider lacks"]
    );
}
