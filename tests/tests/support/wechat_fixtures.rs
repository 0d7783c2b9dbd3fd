//! WeChat Pay v2 (`specs/wechatpay_v2.yaml`) genuine messages for the mutation suite,
//! made here by an independent implementation of 安全规范 签名算法 (`super::wechat`'s
//! hmac/sha2/md-5 recipes) and of 退款结果通知 解密步骤 run backwards (md-5, aes,
//! base64): the micropay reply (a success, and refusals whose `err_code` decides the
//! outcome), the orderquery reply and the pay notification (the spec's documented
//! examples, re-signed), and the refund notification (the document's decrypted sample,
//! encrypted). Every signed one comes in both `sign_type`s and both XML forms (CDATA,
//! escaped character data).

use super::wechat::{hmac_sign, md5_sign, APPID, MCH_ID};
use super::*;
use paygen_wechatpay_v2 as wx;

/// 安全规范 签名算法's documented API key.
pub const KEY: &str = "192006250b4c09247ec02edce69f6a2d";
/// The stand-in key the spec's refund notification example is encrypted under (its note).
pub const EXAMPLE_REFUND_KEY: &str = "test-keyxxxxxxxxxxxxxxxxxxxxxxxx";
pub const SIGN_TYPES: [&str; 2] = ["MD5", "HMAC-SHA256"];

/// 安全规范: every field but `sign`, empty ones left out, sorted; the key appended after.
pub const CANONICAL: Canonical = Canonical {
    exclude: &["sign"],
    added: &[],
    skip_empty: true,
};

/// 退款结果通知 解密步骤 (2): key* = md5(API密钥), 32 lowercase hex characters.
pub fn aes_key(api_key: &str) -> String {
    md5_lower(api_key.as_bytes())
}

/// AES-256-ECB (PKCS#7) under key*, base64: the encryption 解密步骤 undoes.
pub fn encrypt_req_info(api_key: &str, plain: &str) -> String {
    base64_encode(&aes_ecb_encrypt(
        aes_key(api_key).as_bytes(),
        plain.as_bytes(),
    ))
}

/// The ciphertext blocks of a `req_info` (base64 decoded), unpadded, undecrypted.
pub fn req_info_blocks(text: &str) -> Option<Vec<[u8; 16]>> {
    let data = base64_decode(text)?;
    if data.is_empty() || data.len() % 16 != 0 {
        return None;
    }
    Some(
        data.chunks(16)
            .map(|c| <[u8; 16]>::try_from(c).unwrap_or([0; 16]))
            .collect(),
    )
}

pub fn blocks_to_req_info(blocks: &[[u8; 16]]) -> String {
    base64_encode(&blocks.concat())
}

/// 解密步骤 (1)-(3): base64, AES-256-ECB under key*, PKCS#7 removed, UTF-8.
pub fn decrypt_req_info(api_key: &str, text: &str) -> Option<String> {
    let plain = aes_ecb_decrypt(aes_key(api_key).as_bytes(), base64_decode(text)?)?;
    String::from_utf8(plain).ok()
}

/// `pairs` signed with the recipe `sign_type` names, under `key`, upper hex.
pub fn sign(pairs: &[(String, String)], sign_type: &str, key: &str) -> String {
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    match sign_type {
        "MD5" => md5_sign(&borrowed, key),
        _ => hmac_sign(&borrowed, key),
    }
}

/// `pairs` with `sign` appended.
pub fn signed(pairs: &[(String, String)], sign_type: &str, key: &str) -> Vec<(String, Value)> {
    let mut fields: Vec<(String, Value)> = pairs
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    fields.push(("sign".into(), Value::String(sign(pairs, sign_type, key))));
    fields
}

pub fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn credentials(key: &str, sign_type: &str) -> paygen::Credentials {
    paygen::Credentials::new()
        .plain("appid", APPID)
        .plain("mch_id", MCH_ID)
        .secret("key", key)
        .plain("sign_type", sign_type)
}

pub fn client(key: &str, sign_type: &str) -> wx::Client<NoTransport> {
    wx::Client::with_transport(
        "http://127.0.0.1:9",
        wx::Credentials {
            appid: APPID.into(),
            mch_id: MCH_ID.into(),
            key: key.into(),
            sign_type: sign_type.into(),
        },
        NoTransport,
    )
    .with_clock(FixedClock::at_unix_seconds(NOW))
}

/// What a WeChat message means: every field as sent but `sign`; an empty value is the
/// same as an absent one (安全规范 leaves it out of the signed string).
fn business_of(fields: &[(String, Value)]) -> Map<String, Value> {
    fields
        .iter()
        .filter(|(k, v)| k != "sign" && !text_of(v).is_empty())
        .cloned()
        .collect()
}

fn form_name(cdata: bool) -> &'static str {
    if cdata {
        "CDATA"
    } else {
        "escaped"
    }
}

/// `pairs` signed in both sign types and written in both XML forms: one fixture each,
/// checked by what `check` makes of (sign_type, business fields, description).
fn signed_variants(
    label: &str,
    operation: Option<&'static str>,
    pairs: &[(String, String)],
    check: impl Fn(&str, &Map<String, Value>, &str) -> CheckFn,
) -> Vec<Fixture> {
    let mut out = Vec::new();
    for sign_type in SIGN_TYPES {
        for cdata in [true, false] {
            let what = format!("wechatpay_v2 {label} ({sign_type}, {})", form_name(cdata));
            let mut pairs = pairs.to_vec();
            // WeChat names the HMAC-SHA256 recipe in a notification's sign_type.
            if operation.is_none() && sign_type != "MD5" {
                pairs.push(("sign_type".into(), sign_type.into()));
            }
            let fields = signed(&pairs, sign_type, KEY);
            let business = business_of(&fields);
            let check = check(sign_type, &business, &what);
            let fixture = Fixture::new(
                "wechatpay_v2",
                what,
                Format::Xml { cdata },
                None,
                fields,
                business,
                check,
            )
            .with_canonical(CANONICAL);
            out.push(match operation {
                Some(operation) => fixture.for_operation(operation),
                None => fixture,
            });
        }
    }
    out
}

/// A signed reply of `operation` with `pairs`, in both sign types and XML forms.
fn replies(operation: &'static str, source: &str, pairs: &[(String, String)]) -> Vec<Fixture> {
    let label = format!("response {operation} ({source})");
    signed_variants(
        &label,
        Some(operation),
        pairs,
        |sign_type, business, what| {
            response_check_for!(paygen_wechatpay_v2, operation, credentials(KEY, sign_type), business, what, {
                "unifiedorder" => UnifiedorderResponse, "micropay" => MicropayResponse,
                "orderquery" => OrderqueryResponse, "closeorder" => CloseorderResponse,
                "reverse" => ReverseResponse, "refund" => RefundResponse,
                "refundquery" => RefundqueryResponse,
            })
        },
    )
}

/// A signed refusal of `operation` (result_code FAIL with `err_code`), in both sign
/// types and XML forms; `outcome` is what the spec's err_code table says of the code.
fn refusals(
    operation: &'static str,
    pairs: &[(String, String)],
    err_code: &str,
    outcome: Outcome,
) -> Vec<Fixture> {
    let find = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let genuine = ExpectedRefusal {
        // 先判断协议字段返回 (return_code SUCCESS), 再判断业务返回: result_code decides.
        raw_code: find("result_code").unwrap_or_default(),
        message: find("err_code_des"),
        meaning: Some(("err_code".into(), err_code.into())),
        outcome,
    };
    let label = format!("refusal {operation} err_code {err_code}");
    signed_variants(&label, Some(operation), pairs, |sign_type, _, _| {
        refusal_check(
            &wx::tables::PROVIDER,
            operation,
            credentials(KEY, sign_type),
            genuine.clone(),
        )
    })
}

/// A micropay (付款码支付) success reply: every field of the response table that a
/// paid order has.
pub fn micropay_success_pairs() -> Vec<(String, String)> {
    owned(&[
        ("return_code", "SUCCESS"),
        ("return_msg", "OK"),
        ("appid", APPID),
        ("mch_id", MCH_ID),
        ("device_info", "013467007045764"),
        ("nonce_str", "sthBJ9QyUG6vkrjJ"),
        ("result_code", "SUCCESS"),
        ("openid", "oUpF8uN95-Ptaags6E_roPHg7AG0"),
        ("is_subscribe", "Y"),
        ("trade_type", "MICROPAY"),
        ("bank_type", "CCB_DEBIT"),
        ("fee_type", "CNY"),
        ("total_fee", "888"),
        ("cash_fee_type", "CNY"),
        ("cash_fee", "888"),
        ("transaction_id", "1217752501201407033233368018"),
        ("out_trade_no", "1415757673"),
        ("attach", "订单额外描述"),
        ("time_end", "20141030133525"),
    ])
}

/// A micropay refusal: return_code SUCCESS, result_code FAIL, `err_code`.
pub fn micropay_refusal_pairs(err_code: &str, description: &str) -> Vec<(String, String)> {
    owned(&[
        ("return_code", "SUCCESS"),
        ("return_msg", "OK"),
        ("appid", APPID),
        ("mch_id", MCH_ID),
        ("nonce_str", "IITRi8Iabbblz1Jc"),
        ("result_code", "FAIL"),
        ("err_code", err_code),
        ("err_code_des", description),
    ])
}

/// The spec's documented example body of `name` (an operation's, or a notification's):
/// its fields as parsed here, `sign` dropped (no document gives the key it was made with).
pub fn documented(name: &str, notification: bool) -> (String, Vec<(String, String)>) {
    let (_, source, body) = example_bodies("wechatpay_v2", notification)
        .into_iter()
        .find(|(n, _, _)| n == name)
        .unwrap_or_else(|| panic!("wechatpay_v2 has no documented {name} body"));
    let pairs = parse_flat_xml(&body, "xml")
        .unwrap_or_else(|| panic!("the documented {name} body is not flat <xml>: {body}"));
    let pairs = pairs.into_iter().filter(|(k, _)| k != "sign").collect();
    (source, pairs)
}

/// The pay notification (支付结果通知), the documented example's values re-signed; an
/// HMAC-SHA256 one says so in `sign_type`, as WeChat writes it for such an order.
fn pay_notifications() -> Vec<Fixture> {
    let (_, pairs) = documented("pay", true);
    signed_variants(
        "notification pay (documented values)",
        None,
        &pairs,
        |sign_type, business, what| {
            let client = client(KEY, sign_type);
            delivery_check(
                move |body: &str| client.receive_pay_notification(&inbound(body)),
                business,
                what,
            )
        },
    )
}

/// The document's decrypted refund sample (req_info解密后的示例), taken from the spec's
/// example by decrypting its `req_info` here under the stand-in key its note names.
pub fn documented_refund_plain() -> String {
    let (_, pairs) = documented("refund", true);
    let req_info = pairs
        .iter()
        .find(|(k, _)| k == "req_info")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    decrypt_req_info(EXAMPLE_REFUND_KEY, &req_info)
        .unwrap_or_else(|| panic!("the documented req_info does not decrypt: {req_info}"))
}

/// A second genuine refund of another order, every value the same length as the
/// documented one's so that its blocks line up with them (a splice is then a mix of
/// two genuine notifications' fields).
pub fn other_refund_plain() -> String {
    documented_refund_plain()
        .replace("131811191610442717309", "131811201755031122846")
        .replace("71106718111915575302817", "71106718112017550270991")
        .replace(
            "50000408942018111907145868882",
            "50000408942018112007146012345",
        )
        .replace(
            "4200000215201811190261405420",
            "4200000215201811200261409999",
        )
        .replace("<![CDATA[3960]]>", "<![CDATA[0001]]>")
        .replace("2018-11-19 16:24:13", "2018-11-20 17:55:09")
}

/// The outer fields of a refund notification around `req_info`, as the document shows.
pub fn refund_outer(req_info: &str) -> Vec<(String, Value)> {
    [
        ("return_code", "SUCCESS"),
        ("appid", APPID),
        ("mch_id", MCH_ID),
        ("nonce_str", "TeqClE3i0mvn3DrK"),
        ("req_info", req_info),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
    .collect()
}

/// A refund notification (退款结果通知) whose `req_info` is `plain` encrypted under
/// `key`: no signature; what it means is `plain`'s fields.
pub fn refund_notification(what: String, key: &'static str, plain: &str, cdata: bool) -> Fixture {
    let fields = refund_outer(&encrypt_req_info(key, plain));
    let business: Map<String, Value> = parse_flat_xml(plain, "root")
        .unwrap_or_else(|| panic!("{what}: the refund plaintext is not flat <root>"))
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let client = client(key, "HMAC-SHA256");
    let check = delivery_check(
        move |body: &str| client.receive_refund_notification(&inbound(body)),
        &business,
        &what,
    );
    let payload = PayloadField {
        name: "req_info",
        codec: Codec::WechatReqInfo(key),
    };
    Fixture::new(
        "wechatpay_v2",
        what,
        Format::Xml { cdata },
        Some(payload),
        fields,
        business,
        check,
    )
}

pub fn fixtures() -> Vec<Fixture> {
    let mut out = replies("micropay", "paid", &micropay_success_pairs());
    // 付款码支付 err_code: SYSTEMERROR 结果未知 (outcome unknown), USERPAYING 用户支付中
    // (in_progress): both leave the payment's outcome open.
    out.extend(refusals(
        "micropay",
        &micropay_refusal_pairs("SYSTEMERROR", "系统超时"),
        "SYSTEMERROR",
        Outcome::Unknown,
    ));
    out.extend(refusals(
        "micropay",
        &micropay_refusal_pairs("USERPAYING", "需要用户输入支付密码"),
        "USERPAYING",
        Outcome::Unknown,
    ));
    let (source, orderquery) = documented("orderquery", false);
    out.extend(replies("orderquery", &source, &orderquery));
    out.extend(pay_notifications());
    let plain = documented_refund_plain();
    for cdata in [true, false] {
        let form = form_name(cdata);
        out.push(refund_notification(
            format!("wechatpay_v2 notification refund (documented sample; {form})"),
            KEY,
            &plain,
            cdata,
        ));
        out.push(refund_notification(
            format!("wechatpay_v2 notification refund (documented example's stand-in key; {form})"),
            EXAMPLE_REFUND_KEY,
            &plain,
            cdata,
        ));
    }
    out
}
