//! Tricky but valid specs compile through `paygen::provider!`, in this test crate rather
//! than through trybuild: keyword names, names differing only in case (with
//! `rust_name`), Chinese text, dashes and spaces in names, doc text with quotes, comment
//! markers and control characters (`macros/codegen/tests/corpus/ok_*`), and the base spec
//! the compile-fail cases mutate.
//!
//! Why here: a trybuild `pass` case is built and linked in trybuild's own target
//! directory, which compiles every dependency a second time, while its compile-fail
//! cases only need `cargo check`.
#![allow(dead_code)]
mod provider {
    paygen::provider!("../tests/tests/ui/specs/base.yaml");
}

/// The base spec of the compile-fail cases compiles as it is.
#[test]
fn the_base_spec_compiles() {
    let request = provider::PayRequest::new(paygen::Fen(100));
    assert_eq!(request.amount, paygen::Fen(100));
}

mod ok_keyword_fields {
    paygen::provider!("../macros/codegen/tests/corpus/ok_keyword_fields.yaml");
}
mod ok_keyword_fields_received {
    paygen::provider!("../macros/codegen/tests/corpus/ok_keyword_fields_received.yaml");
}
mod ok_env_name_keyword {
    paygen::provider!("../macros/codegen/tests/corpus/ok_env_name_keyword.yaml");
}
mod ok_op_name_dash {
    paygen::provider!("../macros/codegen/tests/corpus/ok_op_name_dash.yaml");
}
mod ok_op_name_space {
    paygen::provider!("../macros/codegen/tests/corpus/ok_op_name_space.yaml");
}
mod ok_op_name_keyword {
    paygen::provider!("../macros/codegen/tests/corpus/ok_op_name_keyword.yaml");
}
mod ok_op_name_digit {
    paygen::provider!("../macros/codegen/tests/corpus/ok_op_name_digit.yaml");
}
mod ok_notification_name_dash {
    paygen::provider!("../macros/codegen/tests/corpus/ok_notification_name_dash.yaml");
}
mod ok_case_differences_with_rust_name {
    paygen::provider!("../macros/codegen/tests/corpus/ok_case_differences_with_rust_name.yaml");
}
mod ok_enum_value_variants {
    paygen::provider!("../macros/codegen/tests/corpus/ok_enum_value_variants.yaml");
}
mod ok_chinese_text {
    paygen::provider!("../macros/codegen/tests/corpus/ok_chinese_text.yaml");
}
mod ok_tricky_docs {
    paygen::provider!("../macros/codegen/tests/corpus/ok_tricky_docs.yaml");
}
mod ok_tricky_ack {
    paygen::provider!("../macros/codegen/tests/corpus/ok_tricky_ack.yaml");
}
mod ok_choose_by_field {
    paygen::provider!("../macros/codegen/tests/corpus/ok_choose_by_field.yaml");
}
mod ok_header_params {
    paygen::provider!("../macros/codegen/tests/corpus/ok_header_params.yaml");
}
mod ok_header_freshness {
    paygen::provider!("../macros/codegen/tests/corpus/ok_header_freshness.yaml");
}
mod ok_rust_name_raw {
    paygen::provider!("../macros/codegen/tests/corpus/ok_rust_name_raw.yaml");
}
mod ok_same_name_different_values {
    paygen::provider!("../macros/codegen/tests/corpus/ok_same_name_different_values.yaml");
}
mod ok_shared_enum {
    paygen::provider!("../macros/codegen/tests/corpus/ok_shared_enum.yaml");
}
mod ok_nested_ten_deep {
    paygen::provider!("../macros/codegen/tests/corpus/ok_nested_ten_deep.yaml");
}
mod ok_list_of_objects {
    paygen::provider!("../macros/codegen/tests/corpus/ok_list_of_objects.yaml");
}

mod ok_anchors {
    paygen::provider!("../macros/codegen/tests/corpus/ok_anchors.yaml");
}
mod ok_bom {
    paygen::provider!("../macros/codegen/tests/corpus/ok_bom.yaml");
}
mod ok_bool_capitalized {
    paygen::provider!("../macros/codegen/tests/corpus/ok_bool_capitalized.yaml");
}
mod ok_bool_quoted {
    paygen::provider!("../macros/codegen/tests/corpus/ok_bool_quoted.yaml");
}
mod ok_canonical_sort_value_sorted_json {
    paygen::provider!("../macros/codegen/tests/corpus/ok_canonical_sort_value_sorted_json.yaml");
}
mod ok_common_request_value {
    paygen::provider!("../macros/codegen/tests/corpus/ok_common_request_value.yaml");
}
mod ok_form_raw_bodies {
    paygen::provider!("../macros/codegen/tests/corpus/ok_form_raw_bodies.yaml");
}
mod ok_huge_max_length {
    paygen::provider!("../macros/codegen/tests/corpus/ok_huge_max_length.yaml");
}
mod ok_op_name_long {
    paygen::provider!("../macros/codegen/tests/corpus/ok_op_name_long.yaml");
}
mod ok_verify_key_by_serial {
    paygen::provider!("../macros/codegen/tests/corpus/ok_verify_key_by_serial.yaml");
}
mod ok_verify_key_carried_certificate {
    paygen::provider!("../macros/codegen/tests/corpus/ok_verify_key_carried_certificate.yaml");
}

/// What the corpus's tricky names became, used as a service would use them.
#[test]
fn tricky_corpus_specs_compile_and_their_names_work() {
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
    assert_eq!(
        ok_notification_name_dash::PayDoneNotification::ACK,
        "success"
    );

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
    paygen::provider!("../macros/codegen/tests/corpus/ok_nested_enum_collision.yaml");
}
mod ok_nested_request_collision {
    paygen::provider!("../macros/codegen/tests/corpus/ok_nested_request_collision.yaml");
}
mod ok_nested_type_named_notification {
    paygen::provider!("../macros/codegen/tests/corpus/ok_nested_type_named_notification.yaml");
}

mod ok_gateway {
    paygen::provider!("../macros/codegen/tests/corpus/ok_gateway.yaml");
}

/// A transport that must not be used: a role the spec lacks sends nothing.
struct NoSend(std::sync::atomic::AtomicUsize);

impl paygen::Transport for NoSend {
    fn send<'a>(
        &'a self,
        _: paygen::HttpRequest,
        _: paygen::OperationInfo<'a>,
    ) -> paygen::SendFuture<'a> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::pin(async {
            Err(paygen::Error::Transport {
                kind: paygen::TransportErrorKind::Connect,
                message: "not sent".into(),
                source: None,
            })
        })
    }
}

/// The generated `impl paygen::Gateway` is dyn-compatible, and a role the spec maps to
/// `none` answers the typed `NotSupported` without sending; a mapped one is sent.
#[test]
fn a_role_the_spec_lacks_is_not_supported_through_dyn_gateway() {
    use paygen::{Gateway, GatewayError, OrderRef, Role};
    use std::sync::atomic::Ordering;
    use std::sync::Arc;
    let transport = Arc::new(NoSend(Default::default()));
    let client = ok_gateway::Client::with_transport(
        "https://pay.example.invalid",
        ok_gateway::Credentials {
            merchant: "m".into(),
            key: "k".into(),
        },
        SharedNoSend(transport.clone()),
    );
    let gateway: Arc<dyn Gateway> = Arc::new(client);
    assert_eq!(gateway.provider(), "mini");
    assert!(gateway.supports(Role::Pay) && !gateway.supports(Role::Close));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let closed = runtime.block_on(gateway.close(&OrderRef::new("A1")));
    assert!(
        matches!(&closed, Err(GatewayError::NotSupported { provider, role: Role::Close }) if provider == "mini"),
        "{closed:?}"
    );
    assert_eq!(transport.0.load(Ordering::SeqCst), 0);
    // The spec maps no field for query: the operation's required fields are named.
    let queried = runtime.block_on(gateway.query(&OrderRef::new("A1")));
    assert!(
        matches!(
            &queried,
            Err(GatewayError::Provider(paygen::Error::InvalidParam { .. }))
        ),
        "{queried:?}"
    );
    assert_eq!(transport.0.load(Ordering::SeqCst), 0);
    let pay = paygen::PayRequest {
        order_no: "A1".into(),
        amount: paygen::Fen(100),
        subject: "s".into(),
        auth_code: "c".into(),
        notify_url: None,
        extra: Default::default(),
    };
    let paid = runtime.block_on(gateway.pay(&pay));
    assert!(
        matches!(&paid, Err(e) if e.is_retry_safe() && matches!(e, GatewayError::Provider(paygen::Error::Transport { .. }))),
        "{paid:?}"
    );
    assert_eq!(transport.0.load(Ordering::SeqCst), 1);
}

/// [`NoSend`] shared with the test that counts its sends.
struct SharedNoSend(std::sync::Arc<NoSend>);

impl paygen::Transport for SharedNoSend {
    fn send<'a>(
        &'a self,
        request: paygen::HttpRequest,
        info: paygen::OperationInfo<'a>,
    ) -> paygen::SendFuture<'a> {
        self.0.send(request, info)
    }
}

/// Every valid corpus spec is compiled above: a new `ok_*.yaml` must be added here.
#[test]
fn every_valid_corpus_spec_is_compiled_here() {
    let this = include_str!("corpus_compiles.rs");
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../macros/codegen/tests/corpus");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("ok_") && !this.contains(&format!("/corpus/{name}\")")) {
            missing.push(name);
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "not compiled by corpus_compiles.rs: {missing:?}"
    );
}
