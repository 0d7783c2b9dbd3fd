//! The attacks of "Verification, round 2" on WeChat Pay v2, Alipay and WeChat Pay APIv3:
//! a genuine message made here by an independent signer (hmac/sha2/md-5, aes, ring;
//! `support::wechat_fixtures`, `support::alipay_fixtures`), checked to be read as
//! genuine first, then attacked. Each attack was accepted with values other than what
//! was signed; each test states what the runtime must do instead.
//!
//! - Re-partition: a signed field folded into the value of the field sorted just before
//!   it. The canonical string is the same text (checked here), so the signature holds;
//!   the signed text has more than one reading and must be refused (a `Signature` or
//!   `Decode` error).
//! - Member renaming: Alipay signs a member's text, not its name.
//! - ECB blocks: WeChat's refund notification is only encrypted (AES-256-ECB, no MAC):
//!   blocks can be duplicated or spliced without the key. What decrypts must still fit
//!   the declared fields, and what is accepted is marked `EncryptedOnly`, never
//!   `Verified`.
//! - Unsigned refusals on an operation that moves money cannot say "nothing happened".
//! - Errors say what is wrong.
//! - WeChat Pay APIv3 (signed in headers over `timestamp\nnonce\nbody\n`, `resource`
//!   sealed with AES-256-GCM): the signed text re-partitioned across the headers and
//!   the body, names and headers given twice, fields injected: 0 harmful acceptances.

mod support;

use paygen::{Authenticity, Error, Outcome};
use paygen_alipay as ali;
use paygen_wechatpay_v2 as wx;
use paygen_wechatpay_v3 as v3;
use serde_json::{json, Value};
use support::alipay::rsa2_sign;
use support::alipay_fixtures::{self as alipay, notification_string, signed_notification};
use support::wechat::{string_a, MCH_ID};
use support::wechat_fixtures::{self as wechat, KEY};
use support::wechat_v3_fixtures as v3f;
use support::{
    decode_typed, inbound, is_encrypted_only, parse_flat_xml, text_of, write_form, write_xml,
};

// ------------------------------------------------------------ helpers

/// `fields` with `folded` deleted and `&folded=<its value>` appended to `into`'s value.
fn fold(fields: &[(String, Value)], folded: &str, into: &str) -> Vec<(String, Value)> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| text_of(v))
            .unwrap_or_else(|| panic!("no field `{name}` to fold"))
    };
    let joined = format!("{}&{folded}={}", value(into), value(folded));
    fields
        .iter()
        .filter(|(k, _)| k != folded)
        .map(|(k, v)| {
            if k == into {
                (k.clone(), Value::String(joined.clone()))
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect()
}

/// The texts of `fields` as (name, text) pairs.
fn texts(fields: &[(String, Value)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| (k.clone(), text_of(v)))
        .collect()
}

/// 安全规范's stringA of `fields` (sign left out), computed here.
fn wechat_string_a(fields: &[(String, Value)]) -> String {
    let texts = texts(fields);
    let pairs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    string_a(&pairs)
}

/// The name sorted just before `name` among the non-empty fields but `exclude`.
fn sorted_before(fields: &[(String, Value)], name: &str, exclude: &[&str]) -> Option<String> {
    let mut names: Vec<&str> = fields
        .iter()
        .filter(|(k, v)| !exclude.contains(&k.as_str()) && !text_of(v).is_empty())
        .map(|(k, _)| k.as_str())
        .collect();
    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let at = names.iter().position(|n| *n == name)?;
    at.checked_sub(1).map(|i| names[i].to_owned())
}

/// A WeChat re-partition of `genuine` (signed, sign last): `folded` moved into `into`,
/// in both XML forms. Checks first that `into` sorts just before `folded` and that the
/// canonical string, so the signature, is unchanged.
fn wechat_folds(genuine: &[(String, Value)], folded: &str, into: &str) -> Vec<(String, String)> {
    assert_eq!(
        sorted_before(genuine, folded, &["sign"]).as_deref(),
        Some(into),
        "`{into}` must sort just before `{folded}`"
    );
    let attacked = fold(genuine, folded, into);
    assert_eq!(
        wechat_string_a(&attacked),
        wechat_string_a(genuine),
        "the canonical string must be unchanged"
    );
    vec![
        ("escaped".to_owned(), write_xml("xml", &attacked, false)),
        ("CDATA".to_owned(), write_xml("xml", &attacked, true)),
    ]
}

fn assert_refused<T: std::fmt::Debug>(what: &str, body: &str, result: Result<T, Error>) {
    match result {
        Err(error @ (Error::Signature { .. } | Error::Decode { .. })) => {
            eprintln!("{what}: refused: {error}");
        }
        other => {
            panic!("{what}: accepted, expected a Signature or Decode error: {other:?}\n{body}")
        }
    }
}

// ------------------------------------------------------------ WeChat micropay

/// The issue's micropay refusal: appid wx1, err_code (no err_code_des), HMAC-SHA256.
fn micropay_refusal(err_code: &str) -> Vec<(String, Value)> {
    let pairs = wechat::owned(&[
        ("return_code", "SUCCESS"),
        ("appid", "wx1"),
        ("mch_id", MCH_ID),
        ("nonce_str", "n1"),
        ("result_code", "FAIL"),
        ("err_code", err_code),
    ]);
    wechat::signed(&pairs, "HMAC-SHA256", KEY)
}

fn micropay(body: &str) -> Result<Value, Error> {
    decode_typed(
        &wx::tables::PROVIDER,
        "micropay",
        &wechat::credentials(KEY, "HMAC-SHA256"),
        body,
    )
}

/// The genuine refusal is read as the documented uncertain code: query before acting.
fn assert_genuine_uncertain_refusal(genuine: &[(String, Value)], err_code: &str) {
    for cdata in [true, false] {
        let body = write_xml("xml", genuine, cdata);
        match micropay(&body) {
            Err(error @ Error::Service(_)) => {
                let refusal = error.service_error().unwrap();
                assert_eq!(refusal.authenticity, Authenticity::Verified, "{body}");
                let meaning = refusal.meaning.as_ref().map(|m| (&*m.field, &*m.value));
                assert_eq!(meaning, Some(("err_code", err_code)), "{body}");
                assert_eq!(error.outcome(), Outcome::Unknown, "{body}");
            }
            other => panic!("the genuine {err_code} refusal: {other:?}\n{body}"),
        }
    }
}

fn micropay_fold_is_refused(err_code: &str, form: &str) {
    let genuine = micropay_refusal(err_code);
    assert_genuine_uncertain_refusal(&genuine, err_code);
    for (encoding, body) in wechat_folds(&genuine, "err_code", "appid") {
        if encoding == form {
            let appid = if form == "escaped" {
                format!("<appid>wx1&amp;err_code={err_code}</appid>")
            } else {
                format!("<appid><![CDATA[wx1&err_code={err_code}]]></appid>")
            };
            assert!(body.contains(&appid), "{body}");
            assert!(!body.contains("<err_code>"), "{body}");
            assert_refused(
                &format!("{err_code} folded into appid ({form})"),
                &body,
                micropay(&body),
            );
        }
    }
}

#[test]
fn wechat_micropay_systemerror_folded_into_appid_escaped_is_rejected() {
    micropay_fold_is_refused("SYSTEMERROR", "escaped");
}

#[test]
fn wechat_micropay_systemerror_folded_into_appid_cdata_is_rejected() {
    micropay_fold_is_refused("SYSTEMERROR", "CDATA");
}

#[test]
fn wechat_micropay_userpaying_folded_into_appid_is_rejected() {
    micropay_fold_is_refused("USERPAYING", "escaped");
    micropay_fold_is_refused("USERPAYING", "CDATA");
}

// ------------------------------------------------------------ WeChat orderquery, pay

/// The spec's documented orderquery reply, its values signed here (HMAC-SHA256).
fn documented_orderquery() -> Vec<(String, Value)> {
    let (_, pairs) = wechat::documented("orderquery", false);
    wechat::signed(&pairs, "HMAC-SHA256", KEY)
}

#[test]
fn wechat_orderquery_total_fee_folded_into_time_end_is_rejected() {
    let genuine = documented_orderquery();
    let check = |body: &str| -> Result<wx::OrderqueryResponse, Error> {
        decode_typed(
            &wx::tables::PROVIDER,
            "orderquery",
            &wechat::credentials(KEY, "HMAC-SHA256"),
            body,
        )
    };
    for cdata in [true, false] {
        let body = write_xml("xml", &genuine, cdata);
        let typed = check(&body).unwrap_or_else(|e| panic!("genuine orderquery: {e}\n{body}"));
        assert_eq!(typed.total_fee, Some(paygen::Fen(1)));
    }
    for (form, body) in wechat_folds(&genuine, "total_fee", "time_end") {
        assert_refused(
            &format!("total_fee in time_end ({form})"),
            &body,
            check(&body),
        );
    }
}

#[test]
fn wechat_pay_notification_bank_type_folded_into_attach_is_rejected() {
    // The documented notification (attach 支付测试&, an `&` of its own), re-signed.
    let (_, mut pairs) = wechat::documented("pay", true);
    pairs.push(("sign_type".into(), "HMAC-SHA256".into()));
    let genuine = wechat::signed(&pairs, "HMAC-SHA256", KEY);
    let client = wechat::client(KEY, "HMAC-SHA256");
    for cdata in [true, false] {
        let body = write_xml("xml", &genuine, cdata);
        let typed = client
            .verify_pay_notification(&body)
            .unwrap_or_else(|e| panic!("genuine pay notification: {e}\n{body}"));
        assert_eq!(typed.attach.as_deref(), Some("支付测试&"));
        assert_eq!(typed.bank_type, "CFT");
    }
    for (form, body) in wechat_folds(&genuine, "bank_type", "attach") {
        assert_refused(
            &format!("bank_type in attach ({form})"),
            &body,
            client.verify_pay_notification(&body),
        );
    }
}

/// Beyond the issue's list: on the same notification, bank_type (required, so a fold
/// that deletes it already fails to type) receives an optional field instead.
#[test]
fn wechat_pay_notification_fee_type_folded_into_coupon_type_is_rejected() {
    let (_, pairs) = wechat::documented("pay", true);
    let genuine = wechat::signed(&pairs, "MD5", KEY);
    let client = wechat::client(KEY, "MD5");
    let body = write_xml("xml", &genuine, true);
    let typed = client
        .verify_pay_notification(&body)
        .unwrap_or_else(|e| panic!("genuine pay notification: {e}\n{body}"));
    assert_eq!(typed.fee_type.as_deref(), Some("CNY"));
    for (form, body) in wechat_folds(&genuine, "fee_type", "coupon_type") {
        assert_refused(
            &format!("fee_type in coupon_type ({form})"),
            &body,
            client.verify_pay_notification(&body),
        );
    }
}

// ------------------------------------------------------------ Alipay notification

/// An Alipay notification re-partition: `folded` moved into `into`, sent as a form (the
/// `&` percent-encoded `%26`), the signed string checked unchanged first.
fn alipay_notification_fold_is_refused(folded: &str, into: &str) {
    let pairs = alipay::refund_notification_pairs();
    let genuine = signed_notification(&pairs);
    let client = support::alipay::client();
    let body = write_form(&genuine);
    let typed = client
        .verify_pay_notification(&body)
        .unwrap_or_else(|e| panic!("genuine notification: {e}\n{body}"));
    assert_eq!(typed.out_biz_no.as_deref(), Some("HZ01RF001"));

    assert_eq!(
        sorted_before(&genuine, folded, &["sign", "sign_type"]).as_deref(),
        Some(into),
        "`{into}` must sort just before `{folded}`"
    );
    let attacked = fold(&genuine, folded, into);
    let unsigned = |fields: &[(String, Value)]| {
        let texts = texts(fields);
        notification_string(&texts)
    };
    assert_eq!(unsigned(&attacked), unsigned(&genuine));
    let body = write_form(&attacked);
    assert!(body.contains(&format!("%26{folded}%3D")), "{body}");
    assert_refused(
        &format!("{folded} folded into {into}"),
        &body,
        client.verify_pay_notification(&body),
    );
}

#[test]
fn alipay_notification_trade_status_folded_into_trade_no_is_rejected() {
    alipay_notification_fold_is_refused("trade_status", "trade_no");
}

#[test]
fn alipay_notification_buyer_id_folded_into_body_is_rejected() {
    alipay_notification_fold_is_refused("buyer_id", "body");
}

#[test]
fn alipay_notification_out_biz_no_folded_into_notify_type_is_rejected() {
    alipay_notification_fold_is_refused("out_biz_no", "notify_type");
}

// ------------------------------------------------------------ Alipay member renaming

/// A reply body: `member` (its exact text) under `name`, signed over that text.
fn alipay_reply(name: &str, member: &str) -> String {
    format!(r#"{{"{name}":{member},"sign":"{}"}}"#, rsa2_sign(member))
}

#[test]
fn alipay_query_member_renamed_as_trade_pay_reply_is_rejected() {
    // A genuine WAIT_BUYER_PAY query reply: the order is not paid. It carries every
    // field trade_pay's typed reply needs (Alipay's replies carry more than the spec's
    // tables: gmt_payment here), so that only its name tells it from a payment.
    let member = r#"{"code":"10000","msg":"Success","trade_no":"2013112011001004330000121536","out_trade_no":"6823789339978248","buyer_logon_id":"159****5620","trade_status":"WAIT_BUYER_PAY","total_amount":"88.88","receipt_amount":"0.00","gmt_payment":"2014-11-27 15:45:57","fund_bill_list":[],"buyer_user_id":"2088101117955611"}"#;
    let renamed = alipay_reply("alipay_trade_pay_response", member);
    let result: Result<ali::TradePayResponse, Error> = decode_typed(
        &ali::tables::PROVIDER,
        "trade_pay",
        &support::alipay::credentials(),
        &renamed,
    );
    assert_refused(
        "a query member renamed alipay_trade_pay_response",
        &renamed,
        result,
    );
}

#[test]
fn alipay_success_member_relabelled_error_response_is_rejected() {
    let member = alipay::trade_cancel_member().to_string();
    let genuine = alipay_reply("alipay_trade_cancel_response", &member);
    let credentials = support::alipay::credentials();
    let typed: ali::TradeCancelResponse = decode_typed(
        &ali::tables::PROVIDER,
        "trade_cancel",
        &credentials,
        &genuine,
    )
    .unwrap_or_else(|e| panic!("genuine trade_cancel reply: {e}\n{genuine}"));
    assert_eq!(typed.code, ali::GatewayCode::Success);

    let relabelled = alipay_reply("error_response", &member);
    let result: Result<ali::TradeCloseResponse, Error> = decode_typed(
        &ali::tables::PROVIDER,
        "trade_close",
        &credentials,
        &relabelled,
    );
    assert_refused(
        "trade_cancel's success member as trade_close's error_response",
        &relabelled,
        result,
    );
}

// ------------------------------------------------------------ WeChat refund, ECB

/// A refund notification whose `req_info` is these ciphertext blocks.
fn refund_body(blocks: &[[u8; 16]]) -> String {
    let fields = wechat::refund_outer(&wechat::blocks_to_req_info(blocks));
    write_xml("xml", &fields, true)
}

fn refund_blocks(plain: &str) -> Vec<[u8; 16]> {
    wechat::req_info_blocks(&wechat::encrypt_req_info(KEY, plain)).expect("whole blocks")
}

/// The members of the `<root>` these blocks decrypt to, decrypted here.
fn decrypted(blocks: &[[u8; 16]]) -> Option<Vec<(String, String)>> {
    let plain = wechat::decrypt_req_info(KEY, &wechat::blocks_to_req_info(blocks))?;
    parse_flat_xml(&plain, "root")
}

#[test]
fn wechat_refund_notification_duplicated_block_is_rejected() {
    let plain = wechat::documented_refund_plain();
    let blocks = refund_blocks(&plain);
    let client = wechat::client(KEY, "HMAC-SHA256");
    let genuine = client
        .verify_refund_notification(&refund_body(&blocks))
        .unwrap_or_else(|e| panic!("genuine refund notification: {e}"));
    assert_eq!(genuine.out_trade_no, "71106718111915575302817");

    // The block where out_trade_no's value starts, given twice: the value takes in the
    // block's markup (`…de_no><![CDATA[7…`) and passes out_trade_no's max_length 32.
    let at = plain.find("71106718111915575302817").expect("out_trade_no") / 16;
    let mut duplicated = blocks.clone();
    duplicated.insert(at + 1, blocks[at]);
    let members = decrypted(&duplicated).expect("still one flat <root>");
    let out_trade_no = members
        .iter()
        .find(|(k, _)| k == "out_trade_no")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    assert!(out_trade_no.chars().count() > 32, "{out_trade_no}");
    assert!(out_trade_no.contains("<![CDATA["), "{out_trade_no}");
    let body = refund_body(&duplicated);
    assert_refused(
        &format!("block {at} duplicated (out_trade_no {out_trade_no:?})"),
        &body,
        client.verify_refund_notification(&body),
    );
}

#[test]
fn wechat_refund_notification_splice_is_at_most_encrypted_only() {
    let this = wechat::documented_refund_plain();
    let other = wechat::other_refund_plain();
    let (a, b) = (refund_blocks(&this), refund_blocks(&other));
    let client = wechat::client(KEY, "HMAC-SHA256");
    let read = |plain: &str| decrypted(&refund_blocks(plain)).expect("genuine <root>");
    let (read_a, read_b) = (read(&this), read(&other));
    // The first splice (head of one, tail of the other) that decrypts to a well-formed
    // notification unlike either genuine one: fields of two refunds in one.
    let spliced = (1..a.len().min(b.len()))
        .flat_map(|k| {
            let head_a: Vec<[u8; 16]> = a[..k].iter().chain(&b[k..]).copied().collect();
            let head_b: Vec<[u8; 16]> = b[..k].iter().chain(&a[k..]).copied().collect();
            [head_a, head_b]
        })
        .find(|blocks| {
            decrypted(blocks).is_some_and(|m| {
                let names =
                    |v: &[(String, String)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
                m != read_a && m != read_b && names(&m) == names(&read_a)
            })
        })
        .expect("a splice that decrypts to a notification of its own");
    let body = refund_body(&spliced);
    match client.receive_refund_notification(&inbound(&body)) {
        Err(Error::Signature { .. } | Error::Decode { .. }) => {}
        Ok(delivery) => {
            assert_ne!(
                delivery.authenticity,
                Authenticity::Verified,
                "a spliced refund notification presented as verified: {:?}",
                delivery.notification
            );
            assert!(
                is_encrypted_only(Some(delivery.authenticity)),
                "a spliced refund notification accepted as {:?}, not EncryptedOnly: {:?}",
                delivery.authenticity,
                delivery.notification
            );
        }
        Err(other) => panic!("spliced refund notification: {other:?}"),
    }
}

// ------------------------------------------------------------ unsigned refusals

/// An unsigned refusal of an operation that moves money cannot be told from a forged
/// one: the payment may have gone through, so the outcome is unknown.
fn assert_unknown_unsigned_refusal(what: &str, result: Result<Value, Error>) {
    match result {
        Err(error @ Error::Service(_)) => {
            let refusal = error.service_error().unwrap();
            assert_ne!(refusal.authenticity, Authenticity::Verified, "{what}");
            assert_eq!(error.outcome(), Outcome::Unknown, "{what}: {error:?}");
            assert!(!error.is_retry_safe(), "{what}: {error:?}");
        }
        other => panic!("{what}: expected an unsigned Error::Service, got {other:?}"),
    }
}

#[test]
fn wechat_micropay_unsigned_fail_reply_leaves_the_outcome_unknown() {
    let paid = wechat::signed(&wechat::micropay_success_pairs(), "HMAC-SHA256", KEY);
    let body = write_xml("xml", &paid, true);
    assert!(micropay(&body).is_ok(), "genuine micropay reply: {body}");
    // The signature stripped, return_code written FAIL.
    let forged: Vec<(String, Value)> = paid
        .iter()
        .filter(|(k, _)| k != "sign")
        .map(|(k, v)| {
            if k == "return_code" {
                (k.clone(), Value::from("FAIL"))
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect();
    let body = write_xml("xml", &forged, true);
    assert_unknown_unsigned_refusal("micropay, unsigned return_code FAIL", micropay(&body));
    // And the bare documented shape of a 通信失败 reply.
    let bare = write_xml(
        "xml",
        &[
            ("return_code".to_owned(), Value::from("FAIL")),
            ("return_msg".to_owned(), Value::from("签名失败")),
        ],
        true,
    );
    assert_unknown_unsigned_refusal("micropay, bare return_code FAIL", micropay(&bare));
}

#[test]
fn alipay_trade_pay_unsigned_refusal_leaves_the_outcome_unknown() {
    // A final sub_code: signed, it would be a plain refusal; unsigned, anyone can send it.
    let member = r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.PAYMENT_AUTH_CODE_INVALID","sub_msg":"支付授权码无效"}"#;
    let credentials = support::alipay::credentials();
    let pay = |body: &str| -> Result<Value, Error> {
        decode_typed(&ali::tables::PROVIDER, "trade_pay", &credentials, body)
    };
    let signed = alipay_reply("alipay_trade_pay_response", member);
    match pay(&signed) {
        Err(error @ Error::Service(_)) => assert_eq!(error.outcome(), Outcome::NothingHappened),
        other => panic!("signed final refusal: {other:?}"),
    }
    let unsigned = format!(r#"{{"alipay_trade_pay_response":{member}}}"#);
    assert_unknown_unsigned_refusal("trade_pay, 40004 without sign", pay(&unsigned));
}

// ------------------------------------------------------------ clear errors

#[test]
fn wechat_refund_notification_without_req_info_says_what_is_missing() {
    let fields: Vec<(String, Value)> = wechat::refund_outer("x")
        .into_iter()
        .filter(|(k, _)| k != "req_info")
        .collect();
    let body = write_xml("xml", &fields, true);
    let client = wechat::client(KEY, "HMAC-SHA256");
    match client.verify_refund_notification(&body) {
        Ok(typed) => panic!("accepted without req_info: {typed:?}"),
        Err(error) => {
            let text = error.to_string();
            assert!(
                !text.contains("no signature"),
                "the refund notification has no signature to miss: {text}"
            );
            assert!(
                text.contains("req_info"),
                "name the encrypted payload: {text}"
            );
        }
    }
}

#[test]
fn wechat_micropay_bare_xml_is_a_decode_error() {
    for body in ["<xml/>", "<xml></xml>"] {
        match micropay(body) {
            Err(Error::Decode { .. }) => {}
            other => panic!("{body}: expected Error::Decode, got {other:?}"),
        }
    }
}

#[test]
fn wechat_micropay_html_page_is_a_decode_error() {
    let body = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    match micropay(body) {
        Err(Error::Decode { .. }) => {}
        other => panic!("an HTML page: expected Error::Decode, got {other:?}"),
    }
}

// ------------------------------------------------------------ WeChat Pay APIv3

/// A pay notification as WeChat Pay APIv3 sends it, signed over `timestamp\nnonce\nbody\n`
/// (`support::wechat_v3_fixtures`): its body, headers and the typed value it must give.
fn v3_genuine_pay(body: &str) -> (Vec<(String, String)>, v3::PayNotification) {
    let headers = v3f::headers(body);
    let typed = v3f::client()
        .receive_pay_notification(&v3f::posted(&headers, body))
        .unwrap_or_else(|e| panic!("the genuine notification is accepted: {e}"))
        .notification;
    (headers, typed)
}

/// Whether `result` hands over anything but `genuine`: an acceptance with other values.
fn v3_harmful(
    result: &Result<paygen::Delivery<v3::PayNotification>, Error>,
    genuine: &v3::PayNotification,
) -> bool {
    result
        .as_ref()
        .is_ok_and(|delivery| delivery.notification != *genuine)
}

fn v3_receive(
    headers: &[(String, String)],
    body: &str,
) -> Result<paygen::Delivery<v3::PayNotification>, Error> {
    v3f::client().receive_pay_notification(&v3f::posted(headers, body))
}

/// `headers` with `name`'s value replaced.
fn v3_with(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                if n == name {
                    value.to_owned()
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

/// Re-partition: the signed text `timestamp\nnonce\nbody\n` split at other line breaks
/// into timestamp, nonce and body (a body written over several lines has them), the
/// signature kept. The text, so the signature, is the same (checked); none of these
/// readings may hand over other values.
#[test]
fn wechat_v3_signed_text_repartitioned_across_headers_and_body_is_never_harmful() {
    let fields =
        v3f::notification_fields("TRANSACTION.SUCCESS", "transaction", &v3f::transaction());
    let object: serde_json::Map<String, Value> = fields.into_iter().collect();
    // Pretty-printed, and with a leading line break: both are JSON WeChat could sign.
    let bodies = [
        serde_json::to_string_pretty(&Value::Object(object.clone())).unwrap(),
        format!("\n{}", Value::Object(object)),
    ];
    let (mut tried, mut harmful, mut accepted) = (0, 0, 0);
    for body in &bodies {
        let (headers, genuine) = v3_genuine_pay(body);
        let signed = format!("{}\n{}\n{body}", v3f::TIMESTAMP, v3f::NONCE);
        let breaks: Vec<usize> = signed.match_indices('\n').map(|(i, _)| i).collect();
        for (a, &first) in breaks.iter().enumerate() {
            for &second in &breaks[a + 1..] {
                if (first, second) == (breaks[0], breaks[1]) {
                    continue; // the genuine reading
                }
                let (timestamp, nonce, rest) = (
                    &signed[..first],
                    &signed[first + 1..second],
                    &signed[second + 1..],
                );
                assert_eq!(format!("{timestamp}\n{nonce}\n{rest}"), signed);
                let moved = v3_with(
                    &v3_with(&headers, "Wechatpay-Timestamp", timestamp),
                    "Wechatpay-Nonce",
                    nonce,
                );
                let result = v3_receive(&moved, rest);
                tried += 1;
                accepted += usize::from(result.is_ok());
                if v3_harmful(&result, &genuine) {
                    harmful += 1;
                    eprintln!("harmful re-partition: {timestamp:?} / {nonce:?} / {rest:?}");
                }
            }
        }
    }
    eprintln!("wechatpay_v3 re-partition: tried {tried}, accepted {accepted}, harmful {harmful}");
    assert!(tried > 20, "{tried}");
    assert_eq!(harmful, 0);
}

/// Duplicates: a name given twice where one reader would take the first value and
/// another the last. Signed by WeChat's key (so only the reading can go wrong), each
/// must be refused, never read as either value; a header given twice likewise.
#[test]
fn wechat_v3_duplicated_names_and_headers_are_refused() {
    let resource = v3f::transaction().to_string();
    let genuine_body = Value::Object(
        v3f::notification_fields("TRANSACTION.SUCCESS", "transaction", &v3f::transaction())
            .into_iter()
            .collect(),
    )
    .to_string();
    let (headers, genuine) = v3_genuine_pay(&genuine_body);
    let mut harmful = 0;
    let mut check = |what: &str, headers: &[(String, String)], body: &str| {
        let result = v3_receive(headers, body);
        if v3_harmful(&result, &genuine) || (result.is_ok() && body != genuine_body) {
            harmful += 1;
            eprintln!("{what}: accepted: {result:?}");
        }
        assert!(result.is_err(), "{what}: accepted {result:?}");
    };
    // An envelope member twice, the whole body signed.
    let twice = genuine_body.replacen(
        "\"summary\":\"支付成功\"",
        "\"summary\":\"支付成功\",\"summary\":\"支付失败\"",
        1,
    );
    check("envelope member twice", &v3f::headers(&twice), &twice);
    // A resource member twice, sealed and signed.
    let sealed_twice = resource.replacen(
        "\"trade_state\":\"SUCCESS\"",
        "\"trade_state\":\"NOTPAY\",\"trade_state\":\"SUCCESS\"",
        1,
    );
    let nonce = "fdasflkja484";
    let body = genuine_body.replace(
        &v3f::seal(nonce, "transaction", &resource),
        &v3f::seal(nonce, "transaction", &sealed_twice),
    );
    assert_ne!(body, genuine_body);
    check("resource member twice", &v3f::headers(&body), &body);
    // A resource member also in the signed envelope: one name, two values.
    let shadowed =
        genuine_body.replacen("\"summary\":", "\"trade_state\":\"NOTPAY\",\"summary\":", 1);
    check(
        "envelope shadows resource",
        &v3f::headers(&shadowed),
        &shadowed,
    );
    // Headers given twice: the signed parts and the signature itself.
    for name in [
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Signature",
    ] {
        let mut doubled = headers.clone();
        let other = v3f::headers_with("1700000001", "0000000000000000", &genuine_body);
        let index = headers.iter().position(|(n, _)| n == name).unwrap();
        doubled.push(other[index].clone());
        check(&format!("{name} twice"), &doubled, &genuine_body);
    }
    assert_eq!(harmful, 0);
}

/// Injection: fields an attacker wants to set, added to the signed body (top level, or
/// beside the sealed resource's members), the genuine headers kept. Without WeChat's
/// key the body cannot be signed again: each must be refused.
#[test]
fn wechat_v3_injected_fields_are_refused() {
    let object: serde_json::Map<String, Value> =
        v3f::notification_fields("TRANSACTION.SUCCESS", "transaction", &v3f::transaction())
            .into_iter()
            .collect();
    let genuine_body = Value::Object(object.clone()).to_string();
    let (headers, genuine) = v3_genuine_pay(&genuine_body);
    let mut tried = 0;
    let mut harmful = 0;
    let injected = [
        ("trade_state", json!("SUCCESS")),
        (
            "amount",
            json!({"total": 1, "payer_total": 1, "currency": "CNY", "payer_currency": "CNY"}),
        ),
        ("out_trade_no", json!("ATTACKER-ORDER")),
        ("mchid", json!("1900000000")),
        ("zz_unknown", json!("1")),
    ];
    for (name, value) in &injected {
        for at_front in [true, false] {
            let mut attacked = serde_json::Map::new();
            if at_front {
                attacked.insert((*name).to_owned(), value.clone());
            }
            attacked.extend(object.clone());
            if !at_front {
                attacked.insert((*name).to_owned(), value.clone());
            }
            let body = Value::Object(attacked).to_string();
            let result = v3_receive(&headers, &body);
            tried += 1;
            if v3_harmful(&result, &genuine) {
                harmful += 1;
            }
            assert!(
                matches!(result, Err(Error::Signature { .. })),
                "{name} injected: {result:?}"
            );
        }
        // Into the resource object, beside ciphertext, nonce and associated_data.
        let mut attacked = object.clone();
        if let Some(Value::Object(resource)) = attacked.get_mut("resource") {
            resource.insert((*name).to_owned(), value.clone());
        }
        let body = Value::Object(attacked).to_string();
        let result = v3_receive(&headers, &body);
        tried += 1;
        if v3_harmful(&result, &genuine) {
            harmful += 1;
        }
        assert!(result.is_err(), "{name} injected into resource: {result:?}");
    }
    eprintln!("wechatpay_v3 injection: tried {tried}, harmful {harmful}");
    assert_eq!(harmful, 0);
}
