//! 微信支付 V2 through the generated crate `paygen-wechatpay_v2`, against independent
//! implementations written from the documents (hmac, sha2, md-5, aes and base64 used
//! directly; nothing of the runtime's `canonical`, `digest`, `sign`, `cipher` or `xml`):
//!
//! - 安全规范 签名算法's worked example through the spec's own recipe table;
//! - genuine signed XML responses and a pay notification, signed here, decode into the
//!   typed messages, and every mutant of them is refused;
//! - a refund notification whose `req_info` is encrypted here as the document says
//!   (base64 of AES-256-ECB, PKCS#7, key = lowercase hex MD5 of the API key) decrypts
//!   into the typed notification, and its mutants are refused.

mod support;

use aes::cipher::{generic_array::GenericArray, BlockEncrypt, KeyInit};
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use paygen::tooling::canonical::SignedText;
use paygen::tooling::sign::{choose_recipe, sign, ChoiceSource, SignSource};
use paygen::{Authenticity, Error, Fen};
use paygen_wechatpay_v2 as wx;
use sha2::Sha256;
use support::wechat::*;
use support::{base64_encode, decode_typed, NoTransport, NOW};

/// 安全规范 签名算法: the document's example.
const DOC_KEY: &str = "192006250b4c09247ec02edce69f6a2d";
const DOC_PAIRS: [(&str, &str); 5] = [
    ("appid", "wxd930ea5d5a258f4f"),
    ("mch_id", "10000100"),
    ("device_info", "1000"),
    ("body", "test"),
    ("nonce_str", "ibuaiVcKdpRxkhJA"),
];
const DOC_STRING_A: &str =
    "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA";
const DOC_HMAC_SHA256: &str = "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6";
const DOC_MD5: &str = "9A0A8659F005D6984697E2CA0A9CF3B7";

/// AES-256-ECB, PKCS#7, key = the 32 ASCII bytes of lowercase hex MD5(API key), base64
/// (退款结果通知 解密步骤, run backwards).
fn encrypt_req_info(api_key: &str, plain: &str) -> String {
    let aes_key = hex::encode(Md5::digest(api_key.as_bytes()));
    let cipher = aes::Aes256::new(GenericArray::from_slice(aes_key.as_bytes()));
    let pad = 16 - plain.len() % 16;
    let mut data = plain.as_bytes().to_vec();
    data.resize(data.len() + pad, pad as u8);
    for block in data.chunks_mut(16) {
        cipher.encrypt_block(GenericArray::from_mut_slice(block));
    }
    base64_encode(&data)
}

fn client() -> wx::Client<NoTransport> {
    client_signing_with("HMAC-SHA256")
}

fn client_signing_with(sign_type: &str) -> wx::Client<NoTransport> {
    wx::Client::with_transport(
        "http://127.0.0.1:9",
        wx::Credentials {
            appid: APPID.into(),
            mch_id: MCH_ID.into(),
            key: KEY.into(),
            sign_type: sign_type.into(),
        },
        NoTransport,
    )
    .with_clock(paygen::FixedClock::at_unix_seconds(NOW))
}

// ------------------------------------------------------------ the worked example

/// The document's pairs signed by `recipe`, and the trace.
fn sign_documented(
    recipe: &paygen::protocol::Recipe,
    credentials: &paygen::Credentials,
) -> (String, paygen::tooling::SigningTrace) {
    let pairs = DOC_PAIRS
        .iter()
        .map(|(k, v)| (*k, SignedText::Str(v)))
        .collect();
    let mut trace = paygen::tooling::SigningTrace::default();
    let value = sign(
        recipe,
        SignSource::Pairs(pairs),
        credentials,
        Some(&mut trace),
    )
    .unwrap();
    (value, trace)
}

#[test]
fn documented_hmac_sha256_value_through_the_spec_recipe() {
    // The oracle itself reproduces the document first.
    assert_eq!(string_a(&DOC_PAIRS), DOC_STRING_A);
    assert_eq!(hmac_sign(&DOC_PAIRS, DOC_KEY), DOC_HMAC_SHA256);

    let provider = &wx::tables::PROVIDER;
    let recipe = &provider.request.signature.as_ref().unwrap().recipe;
    let credentials = paygen::Credentials::new().secret("key", DOC_KEY);
    let (value, trace) = sign_documented(recipe, &credentials);
    assert_eq!(value, DOC_HMAC_SHA256);
    assert_eq!(trace.canonical.as_deref(), Some(DOC_STRING_A));

    // Responses and the pay notification are verified with the same recipe and choice.
    let signature = provider.request.signature.as_ref().unwrap();
    let choice = format!("{:?}", signature.choose_by);
    let verification = provider.response.verification.as_ref().unwrap();
    assert_eq!(format!("{:?}", verification.recipe), format!("{recipe:?}"));
    assert_eq!(format!("{:?}", verification.choose_by), choice);
    let pay = provider
        .notifications
        .iter()
        .find(|n| &*n.name == "pay")
        .unwrap();
    let pay = pay.verification.as_ref().unwrap();
    assert_eq!(format!("{:?}", pay.recipe), format!("{recipe:?}"));
    // The pay notification chooses by its own sign_type among the same keyed recipes.
    let by_message = pay.choose_by.as_ref().unwrap();
    assert!(
        matches!(&by_message.by, paygen::protocol::ChoicePart::ReceivedField { field, .. } if field == "sign_type"),
        "{:?}",
        by_message.by
    );
    assert_eq!(
        format!("{:?}", by_message.recipes),
        format!("{:?}", signature.choose_by.as_ref().unwrap().recipes)
    );
}

#[test]
fn documented_md5_value_through_the_spec_md5_choice() {
    assert_eq!(md5_sign(&DOC_PAIRS, DOC_KEY), DOC_MD5);

    let signature = wx::tables::PROVIDER.request.signature.as_ref().unwrap();
    let credentials = paygen::Credentials::new()
        .secret("key", DOC_KEY)
        .plain("sign_type", "MD5");
    let source = ChoiceSource {
        credentials: &credentials,
        field: &|_| None,
        signature: None,
        body: "",
    };
    let recipe = choose_recipe(&signature.recipe, signature.choose_by.as_ref(), &source).unwrap();
    let (value, trace) = sign_documented(recipe, &credentials);
    assert_eq!(value, DOC_MD5);
    assert_eq!(trace.canonical.as_deref(), Some(DOC_STRING_A));
}

const TRANSACTION_ID: &str = "1008450740201411110005820873";
const REQUEST_NONCE: &str = "ec2316275641faa3aacf3cc599e8730f";

/// An orderquery rendered by a client whose credential `sign_type` is `sign_type`.
fn rendered_orderquery(sign_type: &str) -> Result<String, Error> {
    let request = wx::OrderqueryRequest::new().with_transaction_id(TRANSACTION_ID);
    client_signing_with(sign_type)
        .with_nonce(paygen::FixedNonce(REQUEST_NONCE.into()))
        .render_orderquery(&request)
        .map(|rendered| rendered.body)
}

/// What that orderquery signs.
fn orderquery_pairs(sign_type: &str) -> [(&str, &str); 5] {
    [
        ("appid", APPID),
        ("mch_id", MCH_ID),
        ("nonce_str", REQUEST_NONCE),
        ("sign_type", sign_type),
        ("transaction_id", TRANSACTION_ID),
    ]
}

#[test]
fn a_rendered_md5_request_carries_sign_type_md5_and_its_md5() {
    let body = rendered_orderquery("MD5").unwrap();
    assert!(
        body.contains("<sign_type><![CDATA[MD5]]></sign_type>"),
        "{body}"
    );
    let expected = md5_sign(&orderquery_pairs("MD5"), KEY);
    assert_eq!(expected.len(), 32);
    assert!(
        body.ends_with(&format!("<sign><![CDATA[{expected}]]></sign></xml>")),
        "{body}"
    );
}

#[test]
fn an_unknown_sign_type_is_an_invalid_credential_never_a_fallback() {
    for given in ["SHA256", "md5", ""] {
        match rendered_orderquery(given) {
            Err(Error::InvalidCredential { name, reason }) => {
                assert_eq!(name, "sign_type");
                assert!(reason.contains("HMAC-SHA256, MD5"), "{reason}");
            }
            other => panic!("sign_type {given:?}: {other:?}"),
        }
    }
    // Receiving too: a response is never checked with a guessed recipe.
    let body = xml_owned(&signed(&UNIFIEDORDER));
    let credentials = credentials_signing_with("SHA1");
    match decode_typed::<wx::UnifiedorderResponse>(
        &wx::tables::PROVIDER,
        "unifiedorder",
        &credentials,
        &body,
    ) {
        Err(Error::InvalidCredential { name, .. }) => assert_eq!(name, "sign_type"),
        other => panic!("{other:?}"),
    }
    // Absent, it is missing (the request's sign_type field needs it anyway).
    let without = paygen::Credentials::new()
        .plain("appid", APPID)
        .plain("mch_id", MCH_ID)
        .secret("key", KEY);
    match decode_typed::<wx::UnifiedorderResponse>(
        &wx::tables::PROVIDER,
        "unifiedorder",
        &without,
        &body,
    ) {
        Err(Error::MissingCredential { name }) => assert_eq!(name, "sign_type"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_rendered_request_carries_sign_type_and_a_verifiable_hmac() {
    let body = rendered_orderquery("HMAC-SHA256").unwrap();
    assert!(
        body.starts_with("<xml><appid><![CDATA[wx2421b1c4370ec43b]]></appid>"),
        "{body}"
    );
    assert!(
        body.contains("<sign_type><![CDATA[HMAC-SHA256]]></sign_type>"),
        "{body}"
    );
    let expected = hmac_sign(&orderquery_pairs("HMAC-SHA256"), KEY);
    assert!(
        body.ends_with(&format!("<sign><![CDATA[{expected}]]></sign></xml>")),
        "{body}"
    );
}

// ------------------------------------------------------------ responses

const UNIFIEDORDER: [(&str, &str); 8] = [
    ("return_code", "SUCCESS"),
    ("return_msg", "OK"),
    ("appid", APPID),
    ("mch_id", MCH_ID),
    ("nonce_str", "IITRi8Iabbblz1Jc"),
    ("result_code", "SUCCESS"),
    ("prepay_id", "wx201411101639507cbf6ffd8b0779950874"),
    ("trade_type", "JSAPI"),
];

fn unifiedorder(body: &str) -> Result<wx::UnifiedorderResponse, Error> {
    decode_typed(&wx::tables::PROVIDER, "unifiedorder", &credentials(), body)
}

#[test]
fn an_md5_signed_response_verifies_for_an_md5_client_only() {
    let mut fields: Vec<(&str, String)> = UNIFIEDORDER
        .iter()
        .map(|(k, v)| (*k, v.to_string()))
        .collect();
    fields.push(("sign", md5_sign(&UNIFIEDORDER, KEY)));
    let body = xml_owned(&fields);
    let md5 = credentials_signing_with("MD5");
    let typed: wx::UnifiedorderResponse =
        decode_typed(&wx::tables::PROVIDER, "unifiedorder", &md5, &body)
            .unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(typed.prepay_id, "wx201411101639507cbf6ffd8b0779950874");
    match unifiedorder(&body) {
        Err(Error::Signature { .. }) => {}
        other => panic!("an HMAC-SHA256 client took an MD5 signature: {other:?}"),
    }
    // And the other way round.
    let hmac_body = xml_owned(&signed(&UNIFIEDORDER));
    assert!(unifiedorder(&hmac_body).is_ok());
    match decode_typed::<wx::UnifiedorderResponse>(
        &wx::tables::PROVIDER,
        "unifiedorder",
        &md5,
        &hmac_body,
    ) {
        Err(Error::Signature { .. }) => {}
        other => panic!("an MD5 client took an HMAC-SHA256 signature: {other:?}"),
    }
}

#[test]
fn genuine_signed_response_decodes_into_the_typed_response() {
    let body = xml_owned(&signed(&UNIFIEDORDER));
    let typed = unifiedorder(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(typed.return_code, wx::ReturnCode::Success);
    assert_eq!(typed.result_code, wx::ResultCode::Success);
    assert_eq!(typed.prepay_id, "wx201411101639507cbf6ffd8b0779950874");
    assert_eq!(typed.trade_type, "JSAPI");
    assert_eq!(typed.code_url, None);

    // orderquery: money and the trade_state table.
    let fields = [
        ("return_code", "SUCCESS"),
        ("appid", APPID),
        ("mch_id", MCH_ID),
        ("nonce_str", "TN55wO9Pba5yENl8"),
        ("result_code", "SUCCESS"),
        ("trade_type", "MICROPAY"),
        ("total_fee", "101"),
        ("cash_fee", "100"),
        ("coupon_type_0", "NO_CASH"),
        ("coupon_fee_0", "1"),
        ("coupon_id_1", "10001"),
        ("out_trade_no", "1415757673"),
        ("trade_state", "USERPAYING"),
    ];
    let body = xml_owned(&signed(&fields));
    let typed: wx::OrderqueryResponse =
        decode_typed(&wx::tables::PROVIDER, "orderquery", &credentials(), &body).unwrap();
    assert_eq!(
        typed.trade_state,
        wx::orderquery_response::TradeState::Userpaying
    );
    assert_eq!(typed.total_fee, Some(Fen(101)));
    assert_eq!(typed.cash_fee, Some(Fen(100)));
    assert_eq!(typed.coupon_type_0, Some(wx::CouponType::NoCash));
    assert_eq!(typed.coupon_fee_0, Some(Fen(1)));
    assert_eq!(typed.transaction_id, None);
}

#[test]
fn mutants_of_a_genuine_response_are_refused() {
    let genuine = signed(&UNIFIEDORDER);
    let body = xml_owned(&genuine);
    let mut mutants: Vec<(&str, String)> = vec![
        (
            "changed value",
            body.replace(
                "wx201411101639507cbf6ffd8b0779950874",
                "wx201411101639507cbf6ffd8b0779950875",
            ),
        ),
        (
            "injected element",
            body.replace(
                "</xml>",
                "<code_url><![CDATA[weixin://evil]]></code_url></xml>",
            ),
        ),
        (
            "duplicated element",
            body.replace(
                "<prepay_id>",
                "<prepay_id><![CDATA[wx_other]]></prepay_id><prepay_id>",
            ),
        ),
        (
            "removed element",
            body.replace("<trade_type><![CDATA[JSAPI]]></trade_type>", ""),
        ),
        ("signature removed", {
            let sign = &genuine.last().unwrap().1;
            body.replace(&format!("<sign><![CDATA[{sign}]]></sign>"), "")
        }),
        ("signature empty", {
            let sign = &genuine.last().unwrap().1;
            body.replace(sign.as_str(), "")
        }),
        ("signed with another key", {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"another-key").unwrap();
            mac.update(format!("{}&key=another-key", string_a(&UNIFIEDORDER)).as_bytes());
            let other = hex::encode_upper(mac.finalize().into_bytes());
            body.replace(genuine.last().unwrap().1.as_str(), &other)
        }),
        (
            "doctype",
            format!("<!DOCTYPE xml [<!ENTITY e \"x\">]>{body}"),
        ),
    ];
    let sign = genuine.last().unwrap().1.clone();
    for (i, c) in sign.char_indices().step_by(7) {
        let flipped = if c == 'A' { 'B' } else { 'A' };
        let mut altered = sign.clone();
        altered.replace_range(i..i + 1, &flipped.to_string());
        mutants.push(("signature altered", body.replace(&sign, &altered)));
    }
    for (what, mutant) in mutants {
        assert_ne!(mutant, body, "{what}: mutant equals the genuine body");
        match unifiedorder(&mutant) {
            Err(Error::Signature { .. } | Error::Decode { .. }) => {}
            other => panic!("{what}: {other:?}\n{mutant}"),
        }
    }
}

#[test]
fn unsigned_fail_reply_is_an_unsigned_business_error_and_never_success() {
    // 通信失败: only return_code and return_msg, no sign.
    let fail = xml(&[("return_code", "FAIL"), ("return_msg", "签名失败")]);
    match unifiedorder(&fail) {
        Err(Error::Service(refused))
            if refused.authenticity == Authenticity::UnsignedErrorReply =>
        {
            assert_eq!(refused.raw_code, "FAIL");
            assert_eq!(refused.message.as_deref(), Some("签名失败"));
        }
        other => panic!("{other:?}"),
    }
    // The same shape claiming success is not believed.
    let forged = xml(&UNIFIEDORDER);
    match unifiedorder(&forged) {
        Err(Error::Signature { .. }) => {}
        other => panic!("{other:?}"),
    }
    // A signed business failure: result_code FAIL, message err_code_des.
    let refused = signed(&[
        ("return_code", "SUCCESS"),
        ("appid", APPID),
        ("mch_id", MCH_ID),
        ("nonce_str", "IITRi8Iabbblz1Jc"),
        ("result_code", "FAIL"),
        ("err_code", "ORDERPAID"),
        ("err_code_des", "商户订单已支付"),
    ]);
    match unifiedorder(&xml_owned(&refused)) {
        Err(Error::Service(refused)) if refused.authenticity == Authenticity::Verified => {
            assert_eq!(refused.raw_code, "FAIL");
            assert_eq!(refused.message.as_deref(), Some("商户订单已支付"));
        }
        other => panic!("{other:?}"),
    }
}

/// 付款码支付 (micropay) err_code table: SYSTEMERROR and BANKERROR mean 结果未知 and
/// USERPAYING 用户支付中; the spec marks them unknown / in_progress, so the refusal
/// says "query before acting", while a final code (AUTHCODEEXPIRE) stays a plain refusal.
#[test]
fn uncertain_micropay_codes_report_an_unknown_outcome() {
    for (err_code, unknown) in [
        ("USERPAYING", true),
        ("SYSTEMERROR", true),
        ("BANKERROR", true),
        ("AUTHCODEEXPIRE", false),
    ] {
        let reply = xml_owned(&signed(&[
            ("return_code", "SUCCESS"),
            ("appid", APPID),
            ("mch_id", MCH_ID),
            ("nonce_str", "IITRi8Iabbblz1Jc"),
            ("result_code", "FAIL"),
            ("err_code", err_code),
            ("err_code_des", "test"),
        ]));
        let error = decode_typed::<wx::MicropayResponse>(
            &wx::tables::PROVIDER,
            "micropay",
            &credentials(),
            &reply,
        )
        .expect_err("a refusal");
        assert_eq!(error.outcome_unknown(), unknown, "{err_code}: {error:?}");
        assert_ne!(error.is_retry_safe(), unknown, "{err_code}");
        if unknown {
            assert!(
                matches!(error.service_error().and_then(|e| e.meaning.as_ref()), Some(m) if m.field == "err_code" && m.value == err_code),
                "{error:?}"
            );
        }
    }
}

// ------------------------------------------------------------ pay notification

const PAY: [(&str, &str); 14] = [
    ("appid", APPID),
    ("attach", "支付测试&"),
    ("bank_type", "CFT"),
    ("fee_type", "CNY"),
    ("is_subscribe", "Y"),
    ("mch_id", MCH_ID),
    ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
    ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
    ("out_trade_no", "1409811653"),
    ("result_code", "SUCCESS"),
    ("return_code", "SUCCESS"),
    ("time_end", "20140903131540"),
    ("total_fee", "1"),
    ("transaction_id", "1004400740201409030005092168"),
];

fn pay_fields() -> Vec<(&'static str, &'static str)> {
    let mut fields = PAY.to_vec();
    fields.push(("trade_type", "JSAPI"));
    fields.push(("sign_type", "HMAC-SHA256"));
    fields
}

#[test]
fn genuine_pay_notification_verifies_and_mutants_are_refused() {
    let genuine = signed(&pay_fields());
    let body = xml_owned(&genuine);
    let typed = client()
        .verify_pay_notification(&body)
        .unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(typed.attach.as_deref(), Some("支付测试&"));
    assert_eq!(typed.total_fee, Fen(1));
    assert_eq!(typed.trade_type, wx::pay_notification::TradeType::Jsapi);
    assert_eq!(typed.transaction_id, "1004400740201409030005092168");
    assert_eq!(
        wx::PayNotification::ACK,
        "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
    );

    let sign = genuine.last().unwrap().1.clone();
    let mut altered = sign.clone();
    altered.replace_range(0..1, if sign.starts_with('0') { "1" } else { "0" });
    let mutants = [
        (
            "changed value",
            body.replace("<total_fee>1</total_fee>", "<total_fee>100</total_fee>"),
        ),
        (
            "injected element",
            body.replace("</xml>", "<coupon_fee>1</coupon_fee></xml>"),
        ),
        (
            "duplicated element",
            body.replace(
                "<out_trade_no>",
                "<out_trade_no><![CDATA[other]]></out_trade_no><out_trade_no>",
            ),
        ),
        ("signature altered", body.replace(&sign, &altered)),
        (
            "signature removed",
            body.replace(&format!("<sign><![CDATA[{sign}]]></sign>"), ""),
        ),
        ("unsigned", xml(&pay_fields())),
    ];
    for (what, mutant) in mutants {
        assert_ne!(mutant, body, "{what}");
        match client().verify_pay_notification(&mutant) {
            Err(Error::Signature { .. } | Error::Decode { .. }) => {}
            other => panic!("{what}: {other:?}\n{mutant}"),
        }
    }
}

// ------------------------------------------------------------ refund notification

/// The document's decrypted sample (req_info解密后的示例), verbatim.
const REFUND_PLAIN: &str = "<root>\n<out_refund_no><![CDATA[131811191610442717309]]></out_refund_no>\n<out_trade_no><![CDATA[71106718111915575302817]]></out_trade_no>\n<refund_account><![CDATA[REFUND_SOURCE_RECHARGE_FUNDS]]></refund_account>\n<refund_fee><![CDATA[3960]]></refund_fee>\n<refund_id><![CDATA[50000408942018111907145868882]]></refund_id>\n<refund_recv_accout><![CDATA[支付用户零钱]]></refund_recv_accout>\n<refund_request_source><![CDATA[API]]></refund_request_source>\n<refund_status><![CDATA[SUCCESS]]></refund_status>\n<settlement_refund_fee><![CDATA[3960]]></settlement_refund_fee>\n<settlement_total_fee><![CDATA[3960]]></settlement_total_fee>\n<success_time><![CDATA[2018-11-19 16:24:13]]></success_time>\n<total_fee><![CDATA[3960]]></total_fee>\n<transaction_id><![CDATA[4200000215201811190261405420]]></transaction_id>\n</root>";

fn refund_body(req_info: &str) -> String {
    xml(&[
        ("return_code", "SUCCESS"),
        ("appid", APPID),
        ("mch_id", MCH_ID),
        ("nonce_str", "TeqClE3i0mvn3DrK"),
        ("req_info", req_info),
    ])
}

#[test]
fn refund_notification_req_info_decrypts_into_the_typed_notification() {
    let req_info = encrypt_req_info(KEY, REFUND_PLAIN);
    let body = refund_body(&req_info);
    let typed = client()
        .verify_refund_notification(&body)
        .unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(
        typed.refund_status,
        wx::refund_notification::RefundStatus::Success
    );
    assert_eq!(typed.refund_fee, Fen(3960));
    assert_eq!(typed.settlement_total_fee, Some(Fen(3960)));
    assert_eq!(typed.refund_recv_accout, "支付用户零钱");
    assert_eq!(
        typed.refund_account,
        wx::RefundAccount::RefundSourceRechargeFunds
    );
    assert_eq!(
        typed.refund_request_source,
        wx::refund_notification::RefundRequestSource::Api
    );
    assert_eq!(typed.out_refund_no, "131811191610442717309");
}

/// The outer fields of a refund notification are plain text nothing authenticates:
/// changing them changes nothing the caller sees.
#[test]
fn refund_notification_outer_plain_text_never_reaches_the_caller() {
    let body = refund_body(&encrypt_req_info(KEY, REFUND_PLAIN));
    let genuine = client().verify_refund_notification(&body).unwrap();
    let altered = body
        .replace(APPID, "wx0000000000000000")
        .replace(MCH_ID, "99999999");
    assert_ne!(altered, body);
    assert_eq!(
        client().verify_refund_notification(&altered).unwrap(),
        genuine
    );
}

#[test]
fn refund_notification_mutants_are_refused() {
    let req_info = encrypt_req_info(KEY, REFUND_PLAIN);
    let body = refund_body(&req_info);
    // A change in the first ciphertext block garbles <root>.
    let mut first_block_changed = req_info.clone();
    let c = if req_info.starts_with('A') { "B" } else { "A" };
    first_block_changed.replace_range(0..1, c);
    let changed_plain = REFUND_PLAIN.replace(
        "<refund_status><![CDATA[SUCCESS]]></refund_status>",
        "<refund_status><![CDATA[SUCCESS]]></refund_status>\n<refund_status><![CDATA[CHANGE]]></refund_status>",
    );
    let mutants = [
        ("encrypted with another key", refund_body(&encrypt_req_info("another-key", REFUND_PLAIN))),
        ("ciphertext changed", refund_body(&first_block_changed)),
        ("ciphertext truncated", refund_body(&req_info[..req_info.len() - 4])),
        (
            "field duplicated inside req_info",
            refund_body(&encrypt_req_info(KEY, &changed_plain)),
        ),
        (
            "req_info duplicated",
            body.replace("</xml>", &format!("<req_info><![CDATA[{req_info}]]></req_info></xml>")),
        ),
        (
            "decrypted field injected outside req_info",
            body.replace("</xml>", "<refund_fee>1</refund_fee></xml>"),
        ),
        (
            "fields in plain text, no req_info",
            REFUND_PLAIN
                .replace("<root>", "<xml>\n<return_code>SUCCESS</return_code>\n<appid>wx2421b1c4370ec43b</appid>\n<mch_id>10000100</mch_id>\n<nonce_str>TeqClE3i0mvn3DrK</nonce_str>")
                .replace("</root>", "</xml>"),
        ),
        (
            "no req_info at all",
            xml(&[("return_code", "SUCCESS"), ("appid", APPID), ("mch_id", MCH_ID), ("nonce_str", "x")]),
        ),
    ];
    for (what, mutant) in mutants {
        assert_ne!(mutant, body, "{what}");
        match client().verify_refund_notification(&mutant) {
            Err(Error::Signature { .. } | Error::Decode { .. }) => {}
            other => panic!("{what}: {other:?}\n{mutant}"),
        }
    }
}
