//! What a refusal says about the provider's side, per provider: a genuine reply (signed
//! by the independent recipes of `support` where the provider signs its replies)
//! carrying a code its document calls uncertain is an `Error::Service` whose
//! `outcome_unknown()` is true and `is_retry_safe()` false, naming the code that
//! decided; a plain refusal code of the same table is neither.
//!
//! The outcomes are the specs' (`outcome:` on a code's `values`, reasons in each spec's
//! `quirks:`); the runtime reads them from wherever the reply puts the code: nested
//! (shouqianba's `biz_response.result_code`), inside an encrypted payload (mct1's
//! `data`), lifted from a base64 payload (mpgateway) or from the signed member
//! (Alipay).

mod support;

use paygen::protocol::{CodeOutcome, Provider};
use paygen::{Authenticity, Error};
use serde_json::{json, Map, Value};
use support::*;

/// The refusal `body` gives for `operation`, through the same decode path as every
/// genuine-message test (verification on).
fn refusal(
    provider: &'static Provider,
    operation: &str,
    credentials: &paygen::Credentials,
    body: &str,
) -> Error {
    match decode_typed::<Value>(provider, operation, credentials, body) {
        Err(error @ Error::Service(_)) => error,
        other => panic!(
            "{} {operation}: expected a refusal, got {other:?}",
            provider.name
        ),
    }
}

/// An uncertain refusal: query before acting, never send again blindly; `field` holds
/// the code that decided.
fn assert_uncertain(error: &Error, field: &str, value: &str, outcome: CodeOutcome) {
    assert!(error.outcome_unknown(), "{error:?}");
    assert!(!error.is_retry_safe(), "{error:?}");
    match error
        .service_error()
        .and_then(|refused| refused.meaning.as_ref())
    {
        Some(m) => assert_eq!(
            (m.field.as_str(), m.value.as_str(), m.outcome),
            (field, value, outcome),
            "{error:?}"
        ),
        None => panic!("expected a business error with a meaning, got {error:?}"),
    }
}

/// A plain refusal: nothing happened at the provider.
fn assert_plain(error: &Error) {
    assert!(!error.outcome_unknown(), "{error:?}");
    assert!(error.is_retry_safe(), "{error:?}");
}

fn assert_verified(error: &Error) {
    assert!(
        error
            .service_error()
            .is_some_and(|refused| refused.authenticity == Authenticity::Verified),
        "{error:?}"
    );
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

// ------------------------------------------------------------ shouqianba

fn shouqianba_credentials() -> paygen::Credentials {
    paygen::Credentials::new()
        .plain("terminal_sn", "sandbox-terminal_sn0000000000000")
        .secret("terminal_key", "sandbox-terminal_key000000000000")
}

fn shouqianba(operation: &str, reply: Value) -> Error {
    // 收钱吧 replies carry no signature (二.2 signs requests only): the body as sent.
    refusal(
        &paygen_shouqianba::tables::PROVIDER,
        operation,
        &shouqianba_credentials(),
        &reply.to_string(),
    )
}

/// 附录2: REFUND_ERROR 退款操作失败并且不确定第三方支付通状态, read from the nested
/// `biz_response.result_code`; 三.3.3's refusal UPAY_REFUND_INVALID_ORDER_STATE is plain.
#[test]
fn shouqianba_uncertain_refund_is_unknown_and_a_refused_refund_is_plain() {
    let error = shouqianba(
        "refund",
        json!({"result_code": "200", "biz_response": {"result_code": "REFUND_ERROR",
            "error_code": "TRADE_FAILED", "error_message": "退款失败"}}),
    );
    assert_uncertain(
        &error,
        "biz_response.result_code",
        "REFUND_ERROR",
        CodeOutcome::Unknown,
    );
    let error = shouqianba(
        "refund",
        json!({"result_code": "200", "biz_response": {"result_code": "FAIL",
            "error_code": "UPAY_REFUND_INVALID_ORDER_STATE",
            "error_message": "无法对错误的订单状态执行退款操作"}}),
    );
    assert_plain(&error);
}

/// CANCEL_ERROR (附录2) and a 500 UNKNOWN_SYSTEM_ERROR (附录1, 二.3.2 vi) are uncertain; an
/// uncertain order status in a refused cancel (附录3 PAY_ERROR) decides too.
#[test]
fn shouqianba_uncertain_cancel_and_server_errors_are_unknown() {
    let error = shouqianba(
        "cancel",
        json!({"result_code": "200", "biz_response": {"result_code": "CANCEL_ERROR"}}),
    );
    assert_uncertain(
        &error,
        "biz_response.result_code",
        "CANCEL_ERROR",
        CodeOutcome::Unknown,
    );
    let error = shouqianba(
        "pay",
        json!({"result_code": "500", "error_code": "UNKNOWN_SYSTEM_ERROR",
            "error_message": "未知的系统错误"}),
    );
    assert!(
        error.outcome_unknown() && !error.is_retry_safe(),
        "{error:?}"
    );
    let error = shouqianba(
        "cancel",
        json!({"result_code": "200", "biz_response": {"result_code": "FAIL",
            "error_code": "TRADE_NOT_EXIST",
            "data": {"sn": "7894259244064831", "client_sn": "22345677767776",
                "order_status": "PAY_ERROR"}}}),
    );
    assert_uncertain(
        &error,
        "biz_response.data.order_status",
        "PAY_ERROR",
        CodeOutcome::Unknown,
    );
    // 二.3.2 iv: a refused request (400) changed nothing.
    let error = shouqianba(
        "pay",
        json!({"result_code": "400", "error_code": "TERMINAL_NOT_EXISTS",
            "error_message": "不存在这个终端"}),
    );
    assert_plain(&error);
}

// ------------------------------------------------------------ mct1

fn mct1(operation: &str, business: Value) -> Error {
    let body = Format::Json.write(&mct1_wire(&object(business)));
    refusal(
        &paygen_mct1::tables::PROVIDER,
        operation,
        &mct1_credentials(),
        &body,
    )
}

/// 5.1 errcode 8013 订单取消失败 (解决方案: 请立即调用4.5查询付款状态) is uncertain, signed
/// with its `data` (2.5) or unsigned without; 8022 退款金额大于支付金额 is plain.
#[test]
fn mct1_uncertain_cancel_is_unknown_and_a_refused_refund_is_plain() {
    let data = json!({"out_no": "7149794509690017", "ord_no": "9149853698138671785993018"});
    let error = mct1(
        "paycancel",
        json!({"errcode": 8013, "msg": "订单取消失败", "timestamp": NOW, "data": data}),
    );
    assert_verified(&error);
    assert_uncertain(&error, "errcode", "8013", CodeOutcome::Unknown);
    // 2.5: a reply without data is unsigned, and still says what it says.
    let unsigned = r#"{"errcode":8013,"msg":"订单取消失败"}"#;
    let error = refusal(
        &paygen_mct1::tables::PROVIDER,
        "paycancel",
        &mct1_credentials(),
        unsigned,
    );
    assert_uncertain(&error, "errcode", "8013", CodeOutcome::Unknown);

    let error = mct1(
        "payrefund",
        json!({"errcode": 8022, "msg": "退款金额大于支付金额", "timestamp": NOW, "data": data}),
    );
    assert_verified(&error);
    assert_plain(&error);
}

/// An order status inside the encrypted `data` decides too: a refused payorder whose
/// order is 9 等待用户输入密码确认 is still in progress.
#[test]
fn mct1_status_inside_the_encrypted_payload_is_read() {
    let error = mct1(
        "payorder",
        json!({"errcode": 8011, "msg": "支付失败", "timestamp": NOW,
            "data": {"out_no": "7149794509690017", "status": "9"}}),
    );
    assert_verified(&error);
    assert_uncertain(&error, "data.status", "9", CodeOutcome::InProgress);
}

// ------------------------------------------------------------ wantu

fn wantu(operation: &str, business: Value) -> Error {
    let body = Format::Json.write(&wantu_wire(&object(business)));
    refusal(
        &paygen_wantu::tables::PROVIDER,
        operation,
        &wantu_credentials(),
        &body,
    )
}

/// 1.4: 500 SYSTEM_ERROR (系统错误,可能超时) and 508 REFUND_ERROR are unknown, 506
/// USER_PAYING in progress; 505 AUTH_CODE_INVALID is plain.
#[test]
fn wantu_uncertain_codes_are_unknown_and_a_bad_auth_code_is_plain() {
    let cases = [
        ("pospay", "500", "SYSTEM_ERROR", CodeOutcome::Unknown),
        ("pospay", "506", "USER_PAYING", CodeOutcome::InProgress),
        ("refund", "508", "REFUND_ERROR", CodeOutcome::Unknown),
    ];
    for (operation, code, message, outcome) in cases {
        let error = wantu(
            operation,
            json!({"return_code": code, "return_msg": message, "out_trade_no": "5322516544211"}),
        );
        assert_verified(&error);
        assert_uncertain(&error, "return_code", code, outcome);
    }
    let error = wantu(
        "pospay",
        json!({"return_code": "505", "return_msg": "AUTH_CODE_INVALID"}),
    );
    assert_verified(&error);
    assert_plain(&error);
}

// ------------------------------------------------------------ mpgateway

fn mpgateway(operation: &str, business: Value) -> Error {
    let body = Format::Form.write(&mpgateway_wire(&object(business)));
    refusal(
        &paygen_mpgateway::tables::PROVIDER,
        operation,
        &mpgateway_credentials(),
        &body,
    )
}

/// Document 001 has no uncertain refusal code: section 4 lists none and every respcode
/// but 00 is a failure (quirks). Its uncertain rows are the payment's resultcode
/// (3.5.4): a refused query that reports 1004 协查调单 or 1002 交易处理中 is not a plain
/// failure, one without a resultcode is.
#[test]
fn mpgateway_refusal_with_an_open_payment_state_is_unknown() {
    let base = json!({"respcode": "01", "respmsg": "查询失败", "queryid": "Q20231114221320000001",
        "txnamt": 100, "merid": MPGATEWAY_MERID, "orderid": "ORDER20231114001"});
    for (resultcode, outcome) in [
        ("1004", CodeOutcome::Unknown),
        ("1002", CodeOutcome::InProgress),
    ] {
        let mut business = base.clone();
        business["resultcode"] = json!(resultcode);
        let error = mpgateway("query", business);
        assert_verified(&error);
        assert_uncertain(&error, "resultcode", resultcode, outcome);
    }
    let error = mpgateway("query", base);
    assert_verified(&error);
    assert_plain(&error);
}

// ------------------------------------------------------------ tiantapay

/// Document 000 has no code table at all (`code` MAX(4) without values; quirks), so
/// there is no uncertain, in-progress or retryable row to mark: every refusal is plain,
/// and the generated tables carry no code meanings. If a table is ever transcribed,
/// this test fails and asks for its uncertain case.
#[test]
fn tiantapay_has_no_documented_codes_and_refusals_are_plain() {
    let provider = &paygen_tiantapay::tables::PROVIDER;
    assert!(provider.operations.iter().all(|op| op.codes.is_empty()));
    let credentials = paygen::Credentials::new()
        .plain("user_token", "123456")
        .secret("key", "C3226F16BE");
    // Replies are unsigned JSON (the document documents no response signature).
    let body = r#"{"code":"0","msg":"付款码错误"}"#;
    let error = refusal(provider, "index", &credentials, body);
    assert!(
        error
            .service_error()
            .is_some_and(|refused| refused.meaning.is_none()),
        "{error:?}"
    );
    assert_plain(&error);
}

// ------------------------------------------------------------ alipay

fn alipay(operation: &str, member: &str) -> Error {
    let body = alipay::signed_body(&format!("alipay_{operation}_response"), member);
    refusal(
        &paygen_alipay::tables::PROVIDER,
        operation,
        &alipay::credentials(),
        &body,
    )
}

/// trade.refund's ACQ.SYSTEM_ERROR (请使用相同的参数再次调用: the refund may have been
/// made) is unknown; trade.query's ACQ.SYSTEM_ERROR is retryable and ACQ.TRADE_NOT_EXIST
/// plain: neither leaves money in doubt.
#[test]
fn alipay_uncertain_refund_is_unknown_and_query_refusals_are_plain() {
    let error = alipay(
        "trade_refund",
        r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.SYSTEM_ERROR","sub_msg":"系统错误"}"#,
    );
    assert_verified(&error);
    assert_uncertain(&error, "sub_code", "ACQ.SYSTEM_ERROR", CodeOutcome::Unknown);
    for sub_code in ["ACQ.SYSTEM_ERROR", "ACQ.TRADE_NOT_EXIST"] {
        let member = format!(
            r#"{{"code":"40004","msg":"Business Failed","sub_code":"{sub_code}","sub_msg":"x"}}"#
        );
        let error = alipay("trade_query", &member);
        assert_verified(&error);
        assert_plain(&error);
    }
}

// ------------------------------------------------------------ wechatpay_v2

fn wechat(operation: &str, fields: &[(&'static str, &'static str)]) -> Error {
    let body = wechat::xml_owned(&wechat::signed(fields));
    refusal(
        &paygen_wechatpay_v2::tables::PROVIDER,
        operation,
        &wechat::credentials(),
        &body,
    )
}

fn wechat_refund_refusal(err_code: &'static str) -> Error {
    wechat(
        "refund",
        &[
            ("return_code", "SUCCESS"),
            ("appid", wechat::APPID),
            ("mch_id", wechat::MCH_ID),
            ("nonce_str", "IITRi8Iabbblz1Jc"),
            ("result_code", "FAIL"),
            ("err_code", err_code),
            ("err_code_des", "test"),
        ],
    )
}

/// 申请退款 SYSTEMERROR and BIZERR_NEED_RETRY share one guidance (请不要更换商户退款单号，
/// 请使用相同参数再次调用API): retryable with the same out_refund_no, which refunds once;
/// NOTENOUGH (余额不足) is plain.
#[test]
fn wechat_refund_retry_codes_are_retryable_and_no_balance_is_plain() {
    for code in ["SYSTEMERROR", "BIZERR_NEED_RETRY"] {
        let error = wechat_refund_refusal(code);
        assert_verified(&error);
        assert!(!error.outcome_unknown(), "{error:?}");
        let meaning = error
            .service_error()
            .and_then(|r| r.meaning.as_ref())
            .unwrap();
        assert_eq!(
            (meaning.value.as_str(), meaning.outcome),
            (code, CodeOutcome::Retryable)
        );
    }
    let error = wechat_refund_refusal("NOTENOUGH");
    assert_verified(&error);
    assert_plain(&error);
}

// ------------------------------------------------------------ every table

/// Every response or notification field whose documented values carry an outcome has
/// one on each value: a table is transcribed whole, so a code left out is a choice to
/// make in the spec, not a silent plain refusal. Every spec but tiantapay (no table)
/// has such tables.
#[test]
fn code_tables_have_an_outcome_on_every_value() {
    fn walk(
        fields: &[paygen_codegen::spec::model::Field],
        at: &str,
        tables: &mut usize,
        partial: &mut Vec<String>,
    ) {
        for field in fields {
            let path = format!("{at}.{}", field.name.value);
            let marked = field.values.iter().filter(|v| v.outcome.is_some()).count();
            if marked > 0 {
                *tables += 1;
                if marked < field.values.len() {
                    partial.push(path.clone());
                }
            }
            walk(&field.fields, &path, tables, partial);
        }
    }
    let paths = paygen_tests::spec_paths();
    assert!(!paths.is_empty());
    for path in paths {
        let loaded = paygen_codegen::load_file(&path).unwrap_or_else(|e| panic!("{e:?}"));
        let spec = &loaded.spec;
        let (mut tables, mut partial) = (0, Vec::new());
        for op in &spec.operations {
            walk(&op.response, &op.name.value, &mut tables, &mut partial);
        }
        for n in &spec.notifications {
            walk(&n.fields, &n.name.value, &mut tables, &mut partial);
        }
        assert!(
            partial.is_empty(),
            "{}: partly marked {partial:?}",
            spec.name.value
        );
        assert_eq!(
            tables == 0,
            spec.name.value == "tiantapay",
            "{}: {tables} tables with outcomes",
            spec.name.value
        );
    }
}

/// Shouqianba's five operations repeat 附录1-5 in their tables; the generated crate
/// writes the code meanings once and every operation refers to them.
#[test]
fn a_code_table_shared_by_operations_is_written_once() {
    let path = paygen_tests::workspace_root().join("specs/shouqianba.yaml");
    let loaded = paygen_codegen::load_file(&path).unwrap_or_else(|e| panic!("{e:?}"));
    let tokens = paygen_codegen::provider_items(&loaded.spec)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .to_string();
    let written = tokens
        .matches(r#"CodeMeaning :: new ("biz_response.result_code" , "REFUND_ERROR""#)
        .count();
    assert_eq!(written, 1, "{tokens}");
    assert_eq!(tokens.matches("codes : shared :: CODES_0").count(), 5);
    // ...and the runtime sees the table in each of them.
    for op in paygen_shouqianba::tables::PROVIDER.operations.iter() {
        assert!(
            op.codes
                .iter()
                .any(|c| c.field == "biz_response.result_code" && c.value == "REFUND_ERROR"),
            "{}",
            op.name
        );
    }
}

/// The same goes for recipes, recipe choices, verifications and success rules: in each
/// committed `tables.rs`, no value of theirs is written out twice (a repeat is written
/// once in `mod shared` and named where it is used).
#[test]
fn no_recipe_or_success_rule_is_written_twice_in_a_providers_tables() {
    let root = paygen_tests::workspace_root().join("generated");
    let mut read = 0;
    for entry in std::fs::read_dir(&root).expect("generated/") {
        let path = entry.expect("entry").path().join("src/provider/tables.rs");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        read += 1;
        let lines: Vec<&str> = text.lines().collect();
        let mut seen = std::collections::BTreeMap::new();
        for (at, line) in lines.iter().enumerate() {
            let opened = line.trim_start();
            let value = [
                "Recipe {",
                "RecipeChoice {",
                "Verification {",
                "SuccessRule {",
            ]
            .iter()
            .any(|open| opened.ends_with(open) && !opened.contains("pub const"));
            if !value {
                continue;
            }
            // prettyplease closes a multi-line value at the indentation it opened at.
            let indent = line.len() - opened.len();
            let close = lines[at + 1..]
                .iter()
                .position(|l| l.len() - l.trim_start().len() == indent)
                .expect("closing line");
            let body: Vec<&str> = lines[at + 1..at + 1 + close]
                .iter()
                .map(|l| l.trim())
                .collect();
            // The struct's name, also after `Some(`: the same value in an `Option`.
            let ty = opened.rsplit([' ', '(']).nth(1).unwrap_or("");
            let key = format!("{ty} {}", body.join(" "));
            if let Some(first) = seen.insert(key, at + 1) {
                panic!(
                    "{}: the value at line {} repeats the one at line {first}",
                    path.display(),
                    at + 1
                );
            }
        }
    }
    assert_eq!(read, 8, "every generated crate's tables were read");
}

/// 1.4: 303 PARAM_MISSING and 304 PARAM_ERROR name the parameter in `return_desc`,
/// which no response table lists: the refusal's message carries it where present.
#[test]
fn wantu_refusal_message_carries_return_desc() {
    let error = wantu(
        "refund",
        json!({"return_code": "303", "return_msg": "PARAM_MISSING", "return_desc": "out_refund_no"}),
    );
    assert_verified(&error);
    match &error {
        Error::Service(refused) => {
            assert_eq!(refused.raw_code, "303");
            assert_eq!(
                refused.message.as_deref(),
                Some("PARAM_MISSING: out_refund_no")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        error.to_string().contains("PARAM_MISSING: out_refund_no"),
        "{error}"
    );
    let error = wantu(
        "refund",
        json!({"return_code": "304", "return_msg": "PARAM_ERROR", "return_desc": ""}),
    );
    match &error {
        Error::Service(refused) => assert_eq!(refused.message.as_deref(), Some("PARAM_ERROR")),
        other => panic!("{other:?}"),
    }
}
