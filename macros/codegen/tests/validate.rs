//! Spec validation: each rule, with the line and column it reports.

mod common;

use common::{errors, errors_after, BASE};

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
    // The nearest key is suggested right after the misspelt one.
    assert!(
        errors[0].starts_with(
            "34:5: unknown field `summery` (did you mean `summary`?), expected one of "
        ),
        "{errors:?}"
    );
}

#[test]
fn a_number_that_is_not_one_says_what_was_expected_and_found() {
    let base = "{ name: code, type: string, required: true }";
    let at = |bad: &str| errors_after(base, &base.replace("true", &format!("true, {bad}")));
    assert_eq!(
        at("max_length: eleven"),
        ["39:65: expected a whole number from 0 to 4294967295, found `eleven`"]
    );
    assert_eq!(
        at("max_length: -3"),
        ["39:65: expected a whole number from 0 to 4294967295, found `-3`"]
    );
}

#[test]
fn a_misspelt_reference_is_the_cause_reported_before_the_unused_table() {
    let text = BASE.replacen(
        "operations:",
        "codes:\n  - name: states\n    values: [{ value: A }]\noperations:",
        1,
    );
    let text = text.replacen(
        "{ name: code, type: string, required: true }",
        "{ name: code, type: string, required: true, ref: stats }",
        1,
    );
    let errors = common::errors(&text);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].ends_with("`ref` names `stats`, which is neither a code table (`codes:`) nor a type (`types:`) (did you mean `states`?)"),
        "{errors:?}"
    );
    assert_eq!(
        errors[1],
        "33:11: code table `states` is not used by any field (`ref: states`)"
    );
}

#[test]
fn every_unknown_key_and_every_validation_problem_is_reported_at_once() {
    let text = BASE
        .replacen("    path: /pay", "    path: /pay\n    sigend: false", 1)
        .replacen(
            "    payload: inline\n    common:",
            "    payload: inline\n    comon: []\n    common:",
            1,
        )
        .replacen("success: { field: code,", "success: { field: status,", 1);
    let errors = errors(&text);
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[0].starts_with("24:5: unknown field `comon`"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("37:5: unknown field `sigend`"),
        "{errors:?}"
    );
    assert_eq!(
        errors[2],
        "32:23: success rule names `status`, which is not a response field of operation `pay`"
    );
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
        ["31:23: success rule names `status`, which is not a response field of operation `pay`"]
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
fn a_yuan_member_of_a_request_object_is_sent_as_text() {
    let errors = errors_after(
        "{ name: amount, type: fen, required: true }",
        "{ name: amount, type: object, required: true, fields: [{ name: total, type: yuan }] }",
    );
    assert_eq!(
        errors,
        ["37:72: `yuan` member `total` of a request object must be `as_string: true`: a JSON number inside an object would go through a float"]
    );
    let errors = errors_after(
        "{ name: amount, type: fen, required: true }",
        "{ name: amount, type: object, required: true, fields: [{ name: total, type: yuan, as_string: true }] }",
    );
    assert!(errors.is_empty(), "{errors:?}");
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

#[test]
fn envelope_features_name_the_place_of_each_problem() {
    // A nested field in a flat XML message.
    assert_eq!(
        errors_after(
            "    body: json\n    payload: inline\n    common:",
            "    body: xml\n    payload: inline\n    common:"
        )
        .len(),
        0
    );
    let text = BASE
        .replacen(
            "    body: json\n    payload: inline\n    common:",
            "    body: xml_cdata\n    common:",
            1,
        )
        .replacen(
            "{ name: amount, type: fen, required: true }",
            "{ name: amount, type: list, required: true }",
            1,
        );
    let errors: Vec<String> = match paygen_codegen::parse_str(&text, "x.yaml") {
        Ok(_) => Vec::new(),
        Err(e) => {
            e.0.iter()
                .map(|e| format!("{}:{}: {}", e.line, e.column, e.message))
                .collect()
        }
    };
    assert_eq!(
        errors,
        ["36:17: field `amount` of `pay` request is nested, but the message is flat XML: its fields hold text only"]
    );
    // A signature nested deeper than one object is not something the runtime reads.
    assert_eq!(
        errors_after(
            "signature: { recipe: md5_upper, field: sign }",
            "signature: { recipe: md5_upper, field: data.inner.sign }"
        ),
        ["30:26: signature field `data.inner.sign`: name one object member and its signature field, as `data.sign`"]
    );
    // Path parameters must be required request fields.
    assert_eq!(
        errors_after("    path: /pay", "    path: /pay/{order}"),
        ["33:11: operation `pay`: path parameter `{order}` is not a request field"]
    );
    assert_eq!(
        errors_after(
            "    path: /pay\n    request:\n      - { name: amount, type: fen, required: true }",
            "    path: /pay/{amount}\n    request:\n      - { name: amount, type: fen }"
        ),
        ["37:17: `amount` is a path parameter, so it must be `required: true`"]
    );
    // A number-valued clock must be a Unix clock.
    assert_eq!(
        errors_after(
            "{ name: merchant, value: { credential: merchant } }",
            "{ name: merchant, value: { credential: merchant }, as_number: true }"
        ),
        ["25:17: `as_number` applies to `unix_seconds` and `unix_millis` clock fields only"]
    );
    // An encrypted payload needs its key; a response member names a constant field.
    assert_eq!(
        errors_after(
            "    body: json\n    payload: inline\n    signature: { recipe",
            "    body: json\n    members: [\"{method}_response\"]\n    payload: { field: { name: d, encoding: aes256_ecb_base64 } }\n    signature: { recipe"
        ),
        [
            "30:44: payload `d` is encrypted but names no `key` credential",
            "34:11: response member `{method}_response` names `{method}`, which is not a constant field of operation `pay`"
        ]
    );
}

/// `BASE` with the response's payload made `payload` (inline text `{ field: {...} }`)
/// in a body of `body`, and `old` replaced by `new` after that.
fn response_payload_errors(body: &str, payload: &str) -> Vec<String> {
    errors(&BASE.replacen(
        "    body: json\n    payload: inline\n    signature: { recipe",
        &format!("    body: {body}\n    payload: {payload}\n    signature: {{ recipe"),
        1,
    ))
}

#[test]
fn an_aead_payload_is_a_keyed_object_in_a_json_body() {
    // WeChat Pay APIv3's notification `resource`, with the default members.
    assert_eq!(
        response_payload_errors(
            "json",
            "{ field: { name: resource, encoding: aead_aes_256_gcm, key: key, flatten: true } }"
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        response_payload_errors(
            "json",
            "{ field: { name: resource, encoding: aead_aes_256_gcm, key: key, aead: { ciphertext: ct, nonce: iv, associated_data: aad, associated_data_value: transaction } } }"
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        response_payload_errors(
            "json",
            "{ field: { name: resource, encoding: aead_aes_256_gcm } }"
        ),
        ["29:51: payload `resource` is encrypted but names no `key` credential"]
    );
    for body in ["form", "query", "xml", "xml_cdata"] {
        assert_eq!(
            response_payload_errors(
                body,
                "{ field: { name: resource, encoding: aead_aes_256_gcm, key: key } }"
            ),
            [format!(
                "29:51: payload `resource` is `aead_aes_256_gcm`, whose value is a JSON object: the body must be `json`, not `{body}`"
            )],
            "{body}"
        );
    }
    // A request's too, and a GET sends its fields in the query.
    let request = BASE.replacen(
        "    body: json\n    payload: inline\n    common:",
        "    body: json\n    payload: { field: { name: resource, encoding: aead_aes_256_gcm, key: key } }\n    common:",
        1,
    );
    assert_eq!(errors(&request), Vec::<String>::new());
    assert_eq!(
        errors(&request.replacen("    path: /pay", "    path: /pay\n    method: GET", 1)),
        ["33:11: operation `pay` is a GET, whose fields travel in the query, but payload `resource` is `aead_aes_256_gcm`, a JSON object that needs a `json` body"]
    );
    assert_eq!(
        errors(&request.replacen("    body: json\n    payload: { field", "    body: form\n    payload: { field", 1)),
        ["23:51: payload `resource` is `aead_aes_256_gcm`, whose value is a JSON object: the body must be `json`, not `form`"]
    );
}

#[test]
fn the_parts_of_an_aead_payload_are_different_members() {
    let aead = |members: &str| {
        response_payload_errors(
            "json",
            &format!("{{ field: {{ name: resource, encoding: aead_aes_256_gcm, key: key, aead: {members} }} }}"),
        )
    };
    // A name given clashes with another part's default name...
    assert_eq!(
        aead("{ nonce: ciphertext }"),
        ["29:94: the AEAD `nonce` member is named `ciphertext`, as the `ciphertext` member is: each part needs its own member"]
    );
    // ...or with another name given, reported once, at the later.
    assert_eq!(
        aead("{ ciphertext: data, associated_data: data }"),
        ["29:122: the AEAD `associated_data` member is named `data`, as the `ciphertext` member is: each part needs its own member"]
    );
    assert_eq!(
        aead("{ nonce: \"\" }"),
        ["29:94: the AEAD `nonce` member needs a name"]
    );
    // Member names mean nothing to the other encodings.
    assert_eq!(
        response_payload_errors(
            "json",
            "{ field: { name: resource, encoding: base64, aead: { nonce: iv } } }"
        ),
        ["29:51: payload `resource`: `aead` applies to `aead_aes_256_gcm` payloads only"]
    );
}

#[test]
fn payload_defaults_to_inline() {
    assert_eq!(
        errors_after(
            "    body: json\n    payload: inline\n    common:",
            "    body: json\n    common:"
        ),
        Vec::<String>::new()
    );
}

#[test]
fn a_signature_is_in_a_field_or_a_response_header() {
    let response = "signature: { recipe: md5_upper, field: sign }\n    success";
    assert_eq!(
        errors_after(
            response,
            "signature: { recipe: md5_upper, field: sign, header: PAY-SIGN }\n    success"
        ),
        ["30:26: the signature is in `field` or in `header`, not both"]
    );
    assert_eq!(
        errors_after(response, "signature: { recipe: md5_upper }\n    success"),
        ["30:26: say where the signature is: `field` (a top-level field) or `header` (a response header)"]
    );
    assert_eq!(
        errors_after(
            response,
            "signature: { recipe: md5_upper, header: \"PAY SIGN\" }\n    success"
        ),
        ["30:26: signature header `PAY SIGN` is not an HTTP header name"]
    );
    assert_eq!(
        errors_after(
            response,
            "signature: { recipe: md5_upper, header: PAY-SIGN }\n    success"
        ),
        Vec::<String>::new()
    );
}

#[test]
fn a_notification_signature_may_be_in_a_header_but_not_in_both_places() {
    let last = "      - { name: code, type: string, required: true }";
    let errors = errors_after(
        last,
        &format!(
            "{last}\nnotifications:\n  - name: paid\n    summary: Paid\n    body: form\n    signature: {{ recipe: md5_upper, header: PAY-SIGN }}\n    ack: ok\n    fields:\n      - {{ name: code, type: string }}"
        ),
    );
    // WeChat Pay APIv3 signs its notifications in `Wechatpay-Signature`.
    assert_eq!(errors, Vec::<String>::new());
    let errors = errors_after(
        last,
        &format!(
            "{last}\nnotifications:\n  - name: paid\n    summary: Paid\n    body: form\n    signature: {{ recipe: md5_upper, header: PAY-SIGN, field: sign }}\n    ack: ok\n    fields:\n      - {{ name: code, type: string }}"
        ),
    );
    assert_eq!(
        errors,
        ["44:26: the signature is in `field` or in `header`, not both"]
    );
}

#[test]
fn a_recipe_chosen_by_a_credential_names_known_things() {
    let sig = "signature: { recipe: md5_upper, output: { field: sign } }";
    let with = |choice: &str| {
        errors_after(
            sig,
            &format!("signature: {{ recipe: md5_upper, choose_by: {choice}, output: {{ field: sign }} }}"),
        )
    };
    assert_eq!(
        with("{ credential: merchant, recipes: { A: md5_upper } }"),
        Vec::<String>::new()
    );
    assert_eq!(
        with("{ credential: shop, recipes: { A: md5_upper } }"),
        ["26:62: choose_by names credential `shop`, which is not defined; expected one of `merchant`, `key`"]
    );
    assert_eq!(
        with("{ credential: merchant, recipes: { A: md5_upper, B: sha } }"),
        ["26:100: signature recipe `sha` is not defined; expected one of `md5_upper`"]
    );
    assert_eq!(
        with("{ credential: merchant, recipes: {} }"),
        ["26:62: choose_by has no `recipes`; expected at least one value: recipe"]
    );
    // Responses too.
    let errors = errors_after(
        "signature: { recipe: md5_upper, field: sign }",
        "signature: { recipe: md5_upper, field: sign, choose_by: { credential: merchant, recipes: { A: md5 } } }",
    );
    assert_eq!(
        errors,
        [
            "30:26: recipe `md5_upper` is not one of choose_by's recipes; expected one of `md5`",
            "30:99: signature recipe `md5` is not defined; expected one of `md5_upper`"
        ]
    );
}

#[test]
fn sandbox_notifications_name_known_things() {
    let sandbox = r#"      - { name: code, type: string, required: true }
notifications:
  - name: paid
    summary: Paid
    body: json
    signature: { recipe: md5_upper, field: sign }
    ack: ok
    fields:
      - { name: order, type: string, required: true }
sandbox:
  errors:
    signature: { reply: { code: "1" }, source: chosen }
    parameter: { reply: { code: "2" }, source: chosen }
  operations:
    - { operation: pay, role: pay, order_no: amount, amount: amount, notify_url: url }
  notifications:
    - { notification: payed, on: paid, retry_seconds: [1], source: chosen }
    - { notification: paid, on: paid, fields: { state: "1" }, retry_seconds: [], source: chosen }
"#;
    let errors = errors_after(
        "      - { name: code, type: string, required: true }\n",
        sandbox,
    );
    assert_eq!(
        errors,
        [
            "53:82: sandbox `notify_url` names request field `url`, which `pay` does not have",
            "55:23: sandbox names notification `payed`, which is not defined",
            "56:23: sandbox notification field `state` is not a field of notification `paid`",
        ]
    );
}

#[test]
fn a_sandbox_refund_query_says_how_its_reply_carries_refunds() {
    let sandbox = |refunds: &str| {
        format!(
            r#"      - {{ name: code, type: string, required: true }}
  - name: refundquery
    summary: Refund query
    path: /refundquery
    request:
      - {{ name: out_refund_no, type: string }}
    response:
      - {{ name: code, type: string, required: true }}
      - {{ name: refund_fee_0, type: fen, required: true }}
sandbox:
  errors:
    signature: {{ reply: {{ code: "1" }}, source: chosen }}
    parameter: {{ reply: {{ code: "2" }}, source: chosen }}
  operations:
    - {{ operation: pay, role: pay, order_no: amount, amount: amount{refunds} }}
    - {{ operation: refundquery, role: refund_query, refund_no: out_refund_no{refunds} }}
"#
        )
    };
    let errors = |refunds: &str| {
        errors_after(
            "      - { name: code, type: string, required: true }\n",
            &sandbox(refunds),
        )
    };
    // The same `refunds` on both entries: only a refund query has one.
    let wrong = r#", refunds: { name: "{n}", count: refund_count, reply: { refund_state: OK }, source: chosen }"#;
    assert_eq!(
        errors(wrong),
        [
            "53:20: sandbox `refunds` applies to a `refund_query` operation",
            "54:20: sandbox `refunds.name` `{n}` must contain `{name}` (the refund field's own name)",
            // `refund_state` of refund 0 under `{n}`.
            "54:20: sandbox response path `0` is not a field of `refundquery`'s response",
            "54:20: sandbox response path `refund_count` is not a field of `refundquery`'s response",
        ]
    );
    assert_eq!(
        errors(""),
        ["54:20: sandbox operation with role RefundQuery needs `refunds` (how its reply carries each refund)"]
    );
    let right = r#", refunds: { name: "{name}_{n}", reply: { refund_fee: 1 }, source: chosen }"#;
    assert_eq!(errors(right).len(), 1, "only the pay entry's refunds");
}

#[test]
fn a_sandbox_header_under_a_freshness_window_is_a_clock_in_its_format() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../specs/wechatpay_v3.yaml");
    let text = std::fs::read_to_string(path).expect("spec");
    let written = "{ name: Wechatpay-Timestamp, value: { clock: unix_seconds }";
    assert!(text.contains(written));
    assert!(errors(&text).is_empty());
    let millis = text.replace(
        written,
        "{ name: Wechatpay-Timestamp, value: { clock: unix_millis }",
    );
    let found = errors(&millis);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].ends_with(
            "sandbox signature header `Wechatpay-Timestamp` must be `{ clock: unix_seconds }`, the format of the freshness window on it"
        ),
        "{found:?}"
    );
}

#[test]
fn a_sandbox_request_window_names_a_clock_field_and_has_its_reply() {
    let sandbox = |window: &str| {
        format!(
            r#"      - {{ name: code, type: string, required: true }}
sandbox:
  errors:
    signature: {{ reply: {{ code: "1" }}, source: chosen }}
    parameter: {{ reply: {{ code: "2" }}, source: chosen }}
  request_window: {window}
"#
        )
    };
    let errors = |window: &str| {
        errors_after(
            "      - { name: code, type: string, required: true }\n",
            &sandbox(window),
        )
    };
    assert_eq!(
        errors("{ field: merchant, seconds: 0, source: chosen }"),
        [
            "44:28: sandbox request_window field `merchant` is not a common field with a clock value",
            "44:28: sandbox request_window seconds must be above 0",
            "44:28: sandbox request_window needs a `stale_timestamp` reply in sandbox.errors",
        ]
    );
}

#[test]
fn the_former_top_level_settle_section_is_an_unknown_key() {
    // Pay-poll-cancel is `gateway.settle` (tests/gateway.rs); the rule-based `settle:`
    // section is gone, and a spec still carrying one is told where it is.
    let last = "      - { name: code, type: string, required: true }";
    let flow = format!("{last}\nsettle:\n  - pay: pay\n    query: pay\n    cancel: pay\n");
    let errors = errors_after(last, &flow);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("40:1: unknown field `settle`"),
        "{errors:?}"
    );
    assert!(errors[0].ends_with("sandbox, gateway"), "{errors:?}");
}

#[test]
fn field_rules_name_request_fields_of_their_type() {
    let errors = errors_after(
        "    path: /pay\n    request:\n      - { name: amount, type: fen, required: true }",
        "    path: /pay\n    rules:\n      - sum: { field: amount, plus: [total], minus: [note] }\n      - required_when: { field: amount, when: note, equals: [] }\n    request:\n      - { name: amount, type: fen, required: true }\n      - { name: note, type: string }",
    );
    assert_eq!(
        errors,
        [
            "37:38: `sum` names `total`, which is not a request field of operation `pay`",
            "37:54: `sum` applies to int and fen fields only, not `note`",
            "38:33: `required_when`: `amount` is always required already",
            "38:47: `required_when` needs at least one value in `equals`",
        ]
    );
}

#[test]
fn field_rule_keys_sit_where_they_are_read() {
    let errors = errors_after(
        "      - { name: amount, type: fen, required: true }\n    response:\n      - { name: code, type: string, required: true }",
        "      - { name: amount, type: fen, required: true, min: 5, max: 1, charset: digits }\n      - { name: pass, type: string, secret: true, sent_as: sha1_hex, aliases: [pwd] }\n    response:\n      - { name: code, type: string, required: true, max: 3, aliases: [status, code] }",
    );
    assert_eq!(
        errors,
        [
            "37:17: field `amount`: `min` 5 is above `max` 1",
            "37:17: `charset` applies to string fields only, not `amount`",
            "38:80: `aliases` apply to received fields only; `pass` is a request field",
            "40:17: `min` and `max` apply to fen and yuan fields only, not `code`",
            "40:79: alias `code` of `code` is already a field or alias here",
        ]
    );
}

#[test]
fn omits_required_names_a_required_field_left_out() {
    let errors = errors_after(
        "    response:\n      - { name: code, type: string, required: true }",
        "    response:\n      - { name: code, type: string, required: true }\n    examples:\n      - { name: sample, source: \"1\", params: { amount: 1 }, omits_required: [amount] }",
    );
    assert_eq!(
        errors,
        ["41:78: example `sample`: `omits_required` names `amount`, which is not a required request field left out of its params"]
    );
}

#[test]
fn an_example_setting_a_misspelt_field_gets_the_nearest_name() {
    let errors = errors_after(
        "    response:\n      - { name: code, type: string, required: true }",
        "    response:\n      - { name: code, type: string, required: true }\n    examples:\n      - { name: sample, source: \"1\", params: { amout: 1 } }",
    );
    assert_eq!(
        errors,
        ["33:11: example `sample` sets `amout`, which is not a request field (did you mean `amount`?)"]
    );
}

/// `variants:` name request fields, keep the operation's required ones, require and fix
/// only fields they send, fix them to values of their type, and differ from each other.
#[test]
fn variants_are_checked_against_the_operation() {
    let request = "    request:\n      - { name: amount, type: fen, required: true }";
    let with = |variants: &str| {
        errors_after(
            request,
            &format!(
                "{request}\n      - {{ name: code, type: string }}\n      - {{ name: n, type: int }}\n    variants:\n{variants}"
            ),
        )
    };
    assert_eq!(
        with("      - { name: a, source: s, fields: [amount, code], required: [code] }\n      - { name: b, source: s, fields: [amount, n], constants: [{ field: n, value: \"1\" }] }"),
        Vec::<String>::new()
    );
    let errors = with(concat!(
        "      - { name: a, source: s, fields: [amount, coupon], required: [code] }\n",
        "      - { name: b, source: s, fields: [code] }\n",
        "      - { name: c, source: s, fields: [amount, n], constants: [{ field: n, value: \"x\" }] }\n",
        "      - { name: d, source: s, fields: [amount, n], constants: [{ field: n, value: \"x\" }] }",
    ));
    let expected = [
        "`coupon`, which is not a request field of the operation",
        "variant `a` of `pay` requires `code`, which it does not send",
        "variant `b` of `pay` leaves out `amount`, which the operation requires",
        "`n` cannot be fixed to `x`: not a whole number",
        "variants `c` and `d` of `pay` are the same request",
    ];
    for part in expected {
        assert!(
            errors.iter().any(|e| e.contains(part)),
            "{part}: {errors:?}"
        );
    }
    assert!(
        errors.iter().all(|e| e
            .split(':')
            .nth(1)
            .is_some_and(|col| col.parse::<u32>().is_ok())),
        "{errors:?}"
    );
}

/// A rule key on a field inside an object is reported once, however deep it sits, in
/// a request and in a received message alike.
#[test]
fn a_nested_rule_key_is_reported_once() {
    let errors = errors_after(
        "      - { name: amount, type: fen, required: true }\n    response:\n      - { name: code, type: string, required: true }",
        "      - { name: amount, type: fen, required: true }\n      - { name: o, type: object, fields: [{ name: p, type: object, fields: [{ name: q, type: int, max: 1 }] }] }\n    response:\n      - { name: code, type: string, required: true }\n      - { name: r, type: object, fields: [{ name: s, type: object, fields: [{ name: t, type: int, max: 1 }] }] }",
    );
    let nested: Vec<&String> = errors
        .iter()
        .filter(|e| e.contains("applies to top-level request fields only"))
        .collect();
    assert_eq!(nested.len(), 2, "{errors:?}");
    assert!(nested[0].contains("`q` is a nested field"), "{errors:?}");
    assert!(nested[1].contains("`t` is a received field"), "{errors:?}");
}

/// The warnings of `BASE` with `old` replaced by `new`, as `line:column: message`.
fn warnings_after(old: &str, new: &str) -> Vec<String> {
    assert!(common::BASE.contains(old), "{old}");
    let spec = paygen_codegen::parse_str(&common::BASE.replacen(old, new, 1), "x.yaml")
        .unwrap_or_else(|e| panic!("{e}"));
    spec.warnings().iter().map(ToString::to_string).collect()
}

#[test]
fn a_keyless_verification_recipe_is_warned_about_as_a_checksum() {
    assert_eq!(
        warnings_after("name: mini", "name: mini"),
        Vec::<String>::new()
    );
    let keyless = "  - name: sha256_plain\n    input: canonical\n    canonical: { exclude: [sign] }\n    digests:\n      - { algorithm: sha256, hex: lower }\nprotocol:";
    let text = common::BASE.replacen("protocol:", keyless, 1).replacen(
        "signature: { recipe: md5_upper, field: sign }",
        "signature: { recipe: sha256_plain, field: sign }",
        1,
    );
    let spec = paygen_codegen::parse_str(&text, "x.yaml").unwrap_or_else(|e| panic!("{e}"));
    let warnings: Vec<String> = spec.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("35:26:"), "{warnings:?}");
    assert!(warnings[0].contains("checksum"), "{warnings:?}");
}

#[test]
fn values_joined_by_nothing_are_warned_about_as_unreadable() {
    let warnings = warnings_after(
        "    canonical: { exclude: [sign] }\n    key: { credential: key, placement: { append: \"&key=\" } }",
        "    canonical: { exclude: [sign], form: values, join: \"\" }\n    key: { credential: key, placement: { append: \"&key=\" } }",
    );
    // Once where responses are verified; signing requests reads nothing back.
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("cannot be read back"), "{warnings:?}");
}

#[test]
fn a_refusal_member_must_be_one_of_the_members() {
    let errors = errors_after(
        "    signature: { recipe: md5_upper, field: sign }\n    success",
        "    signature: { recipe: md5_upper, field: sign }\n    refusal_members: [error_response]\n    success",
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("31:23: refusal member `error_response` is not one of"),
        "{errors:?}"
    );
}

#[test]
fn an_ack_template_names_fields_of_its_notification() {
    let last = "      - { name: code, type: string, required: true }";
    let with_ack = |ack: &str| {
        errors_after(
            last,
            &format!(
                "{last}\nnotifications:\n  - name: paid\n    summary: Paid\n    body: form\n    signature: {{ recipe: md5_upper, field: sign }}\n    ack: \"{ack}\"\n    ack_template: true\n    fields:\n      - {{ name: req_seq_id, type: string }}"
            ),
        )
    };
    assert_eq!(with_ack("RECV_ORD_ID_{req_seq_id}"), Vec::<String>::new());
    assert_eq!(
        with_ack("RECV_ORD_ID_{seq}"),
        ["41:11: the ack template names `{seq}`, which is not a field of notification `paid`"]
    );
    assert_eq!(
        with_ack("RECV_{req_seq_id"),
        ["41:11: the ack template has an unclosed `{req_seq_id`"]
    );
}

#[test]
fn an_operation_header_is_a_token_sent_once() {
    let path = "    path: /pay";
    let with = |headers: &str| errors_after(path, &format!("{path}\n    headers: {headers}"));
    assert_eq!(
        with("[{ name: Accept, value: application/json }]"),
        Vec::<String>::new()
    );
    assert_eq!(
        with("[{ name: Accept, value: a }, { name: accept, value: b }]"),
        [
            "36:23: operation `pay` sends header `Accept` twice (once here, once by the envelope, the content type or this list): a header has one value",
            "36:51: operation `pay` sends header `accept` twice (once here, once by the envelope, the content type or this list): a header has one value"
        ]
    );
    assert_eq!(
        with("[{ name: \"Bad Header\", value: a }]"),
        ["36:23: header name \"Bad Header\" is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)"]
    );
}

/// Amount bounds: a `yuan` bound is 元 text or a whole number, never text on an int or
/// fen field; `min` above `max` is named in the field's unit; `present_when` belongs
/// to optional received fields; `done_when` names a reply field and another operation.
#[test]
fn amount_bounds_present_when_and_done_when_are_checked() {
    let errors = errors_after(
        "      - { name: amount, type: fen, required: true }\n    response:\n      - { name: code, type: string, required: true }",
        "      - { name: amount, type: fen, required: true, min: \"0.01\" }\n      - { name: price, type: yuan, min: \"2.00\", max: \"1.5\", present_when: always }\n      - { name: tip, type: yuan, min: \"1.005\" }\n    done_when: { field: nothing, equals: [], confirm_with: pay, source: x }\n    response:\n      - { name: code, type: string, required: true, present_when: sometimes }\n      - { name: paid, type: yuan, min: \"0.01\", max: 100000000 }",
    );
    assert_eq!(
        errors,
        [
            "37:17: field `amount`: `min` `0.01` is text; a bound of an int or fen field is a whole number",
            "38:17: field `price`: `min` 2.00 is above `max` 1.5",
            "38:17: `present_when` applies to received fields only; `price` is a request field",
            "39:17: field `tip`: `min` `1.005` is not an amount of 元 such as \"0.01\"",
            "40:60: `done_when` reads `nothing`, which is not a reply field of `pay`",
            "40:60: `done_when` needs at least one value in `equals`",
            "40:60: `done_when` confirms with `pay`, which is not another operation of the spec",
            "42:17: field `code`: `present_when` says when an optional field is returned, but it is `required`",
        ]
    );
}

#[test]
fn a_recipe_chosen_by_a_request_field_is_signed_keyed_and_has_no_fallback() {
    let sig = "signature: { recipe: md5_upper, output: { field: sign } }";
    let with = |choice: &str| {
        errors_after(
            sig,
            &format!("signature: {{ recipe: md5_upper, choose_by: {choice}, output: {{ field: sign }} }}"),
        )
    };
    // A common field, and a field of the (only) signed operation.
    assert_eq!(
        with("{ field: merchant, recipes: { A: md5_upper } }"),
        Vec::<String>::new()
    );
    assert_eq!(
        with("{ field: amount, recipes: { A: md5_upper } }"),
        Vec::<String>::new()
    );
    assert_eq!(
        with("{ field: sign_type, recipes: { A: md5_upper } }"),
        ["26:57: choose_by names field `sign_type`, which is not a top-level request field of `pay`; expected a common field outside the payload or a field of every signed operation"]
    );
    assert_eq!(
        with("{ field: merchant, credential: merchant, recipes: { A: md5_upper } }"),
        ["26:79: choose_by takes `credential` or `field`, not both"]
    );
    assert_eq!(
        with("{ recipes: { A: md5_upper } }"),
        ["26:26: choose_by needs `credential` (the merchant's setting) or `field` (a request field, or a received message's field)"]
    );
    // A value whose recipe does not exist.
    assert_eq!(
        with("{ field: merchant, recipes: { A: md5_upper, B: sha } }"),
        ["26:95: signature recipe `sha` is not defined; expected one of `md5_upper`"]
    );
    // The fallback by the signature's form reads a received signature; a request has none.
    assert_eq!(
        with("{ field: merchant, recipes: { A: md5_upper }, by_signature_hex_length: { 32: md5_upper } }"),
        ["26:125: `by_signature_hex_length` is the fallback of a received `field` choice; a request field left out chooses the signature's `recipe`"]
    );
    // Left out of the string to sign, the field could be swapped freely.
    let text = BASE
        .replacen("canonical: { exclude: [sign] }", "canonical: { exclude: [sign, merchant] }", 1)
        .replacen(sig, "signature: { recipe: md5_upper, choose_by: { field: merchant, recipes: { A: md5_upper } }, output: { field: sign } }", 1);
    assert_eq!(
        errors(&text),
        ["26:81: recipe `md5_upper` does not sign field `merchant`; a recipe a request field chooses must sign that field in a canonical string"]
    );
    // A keyless recipe: whoever sends the field could sign with it.
    let text = BASE
        .replacen(
            "signatures:\n",
            "signatures:\n  - name: bare\n    input: canonical\n    canonical: { exclude: [sign] }\n    digests:\n      - { algorithm: md5, hex: upper }\n",
            1,
        )
        .replacen(sig, "signature: { recipe: md5_upper, choose_by: { field: merchant, recipes: { A: md5_upper, B: bare } }, output: { field: sign } }", 1);
    let keyless = errors(&text);
    assert!(
        keyless.iter().any(|e| e.ends_with("recipe `bare` has no key; a message may only choose keyed recipes, else anyone could sign with it")),
        "{keyless:?}"
    );
}

#[test]
fn a_success_alternative_names_a_response_field() {
    let errors = errors_after(
        "success: { field: code, equals: [\"0\"] }",
        "success: { field: code, equals: [\"0\"], or: [{ field: status, equals: [\"1\"] }] }",
    );
    assert_eq!(
        errors,
        ["31:58: success rule names `status`, which is not a response field of operation `pay`"]
    );
    let errors = errors_after(
        "success: { field: code, equals: [\"0\"] }",
        "success: { field: code, equals: [\"0\"], or: [{ field: code, equals: [\"1\"] }] }",
    );
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn a_sorted_object_payload_is_json_in_a_json_body() {
    let errors = errors_after(
        "  response:\n    body: json\n    payload: inline",
        "  response:\n    body: json\n    payload: { field: { name: data, encoding: json_object_sorted, format: xml } }",
    );
    assert_eq!(
        errors,
        ["29:47: payload `data` is `json_object_sorted`, a JSON object: its `format` cannot be `xml`"]
    );
    let errors = errors_after(
        "  response:\n    body: json\n    payload: inline",
        "  response:\n    body: form\n    payload: { field: { name: data, encoding: json_object_sorted } }",
    );
    assert_eq!(
        errors,
        ["29:47: payload `data` is `json_object_sorted`, whose value is a JSON object: the body must be `json`, not `form`"]
    );
}

#[test]
fn min_length_sits_on_string_fields_below_max_length() {
    let errors = errors_after(
        "      - { name: amount, type: fen, required: true }",
        "      - { name: amount, type: fen, required: true, min_length: 2 }\n      - { name: order, type: string, min_length: 9, max_length: 8 }\n      - { name: note, type: string, min_length: 0 }",
    );
    assert_eq!(
        errors,
        [
            "37:17: `min_length` applies to string fields only, not `amount`",
            "38:17: field `order`: `min_length` 9 is above `max_length` 8",
            "39:17: field `note`: `min_length` 0 says nothing; leave it out",
        ]
    );
}

/// The slip of mpgateway's spec (its `not_cancellable` reply, 001): an unquoted text
/// with a comma in a `{ }` map is two keys, the second with no value.
#[test]
fn a_sandbox_value_split_or_nested_by_yaml_is_an_error_at_its_map() {
    let sandbox = r#"      - { name: code, type: string, required: true }
      - { name: msg, type: string }
sandbox:
  errors:
    signature: { reply: { code: "1" }, source: chosen }
    parameter: { reply: { code: "2", msg: 已支付,不能取消 }, source: chosen }
  operations:
    - operation: pay
      role: pay
      order_no: amount
      amount: amount
      reply: { msg: { ok: 1 } }
"#;
    let errors = errors_after(
        "      - { name: code, type: string, required: true }\n",
        sandbox,
    );
    assert_eq!(
        errors,
        [
            "44:25: sandbox error reply `Parameter`: `不能取消` has no value; an unquoted text with a comma inside `{ }` splits into two keys (quote the text)",
            "50:14: sandbox reply of `pay`: `msg` is a YAML map or list, not one text, number or boolean (quote a text holding `: `, `,`, `[` or `{`)",
        ]
    );
}
