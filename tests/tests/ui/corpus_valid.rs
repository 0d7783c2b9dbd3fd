// Tricky but valid corpus specs compile through `paygen::provider!`: keyword names,
// names differing only in case (with `rust_name`), Chinese text, dashes and spaces in
// names, doc text with quotes, comment markers and control characters.
#![allow(dead_code)]

mod ok_keyword_fields {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_keyword_fields.yaml");
}
mod ok_keyword_fields_received {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_keyword_fields_received.yaml");
}
mod ok_env_name_keyword {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_env_name_keyword.yaml");
}
mod ok_op_name_dash {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_op_name_dash.yaml");
}
mod ok_op_name_space {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_op_name_space.yaml");
}
mod ok_op_name_keyword {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_op_name_keyword.yaml");
}
mod ok_op_name_digit {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_op_name_digit.yaml");
}
mod ok_notification_name_dash {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_notification_name_dash.yaml");
}
mod ok_case_differences_with_rust_name {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_case_differences_with_rust_name.yaml");
}
mod ok_enum_value_variants {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_enum_value_variants.yaml");
}
mod ok_chinese_text {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_chinese_text.yaml");
}
mod ok_tricky_docs {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_tricky_docs.yaml");
}
mod ok_tricky_ack {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_tricky_ack.yaml");
}
mod ok_rust_name_raw {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_rust_name_raw.yaml");
}
mod ok_same_name_different_values {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_same_name_different_values.yaml");
}
mod ok_shared_enum {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_shared_enum.yaml");
}
mod ok_nested_ten_deep {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_nested_ten_deep.yaml");
}
mod ok_list_of_objects {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_list_of_objects.yaml");
}

fn main() {
    use ok_keyword_fields::{pay_request::Self_, PayRequest};
    let request = PayRequest::new(paygen::Fen(1))
        .with_type_("t")
        .with_fn_(2)
        .with_self_(Self_::B)
        .with_r("r");
    assert_eq!(request.to_wire().iter().count(), 5);
    assert_eq!(Self_::from_wire("a"), Self_::A);

    assert_eq!(
        ok_env_name_keyword::Environment::default(),
        ok_env_name_keyword::Environment::Self_
    );
    let _ = ok_env_name_keyword::Environment::Type.base_url();

    let _ = ok_op_name_dash::PayNowRequest::new();
    let _ = ok_op_name_space::PayNowRequest::new();
    let _ = ok_op_name_keyword::TypeRequest::new();
    let _ = ok_op_name_digit::V2payRequest::new();
    let _ = ok_op_name_dash::tables::PAY_NOW;
    let _ = ok_op_name_keyword::tables::TYPE_;
    assert_eq!(ok_notification_name_dash::PayDoneNotification::ACK, "success");

    use ok_case_differences_with_rust_name::pay_response::Status;
    assert_eq!(Status::from_wire("OK"), Status::OkUpper);
    assert_eq!(Status::Ok.as_str(), "ok");

    use ok_enum_value_variants::pay_response::Status as Values;
    assert_eq!(Values::from_wire("self"), Values::Self_);
    assert_eq!(Values::from_wire("成功"), Values::Success);
    assert_eq!(Values::V00.as_str(), "00");

    let _ = ok_rust_name_raw::PayRequest::new(paygen::Fen(1)).with_type("kind");
    assert!(ok_tricky_ack::PayNotification::ACK.contains("成功"));
}
mod ok_nested_enum_collision {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_nested_enum_collision.yaml");
}
mod ok_nested_request_collision {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_nested_request_collision.yaml");
}
mod ok_nested_type_named_notification {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_nested_type_named_notification.yaml");
}
