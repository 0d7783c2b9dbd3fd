//! Genuine signed messages shared by the test files (`genuine_messages.rs`,
//! `mutations.rs`, `outcomes.rs`; Alipay's and WeChat's in `alipay` and `wechat`).
//!
//! Every signed response (each operation of mct1, mpgateway and wantu) and every signed
//! notification, built from the spec's documented example body where there is one, and
//! signed here by an independent implementation of each recipe written against the
//! documents (md-5, sha1, aes, hex and base64 used directly; nothing of the runtime's
//! `canonical`, `digest`, `sign` or `cipher`). A fixture knows its wire shape so that the
//! mutation suite can take it apart, and how to run a body through the generated code
//! with verification on, comparing the typed result with the genuine one.
//!
//! Recipes, as the documents state them:
//! - mct1 (002 §2.4 签名规则, §2.5 数据返回签名验证规则, §4.8.1.1 通知 sign 验签方式请参照2.5):
//!   every field but `sign`, plus `open_key` as a field, ASCII-sorted `k=v` joined by `&`,
//!   sha1 (lower hex), then md5 of that hex (lower hex); responses carry `data` as the
//!   AES-256-ECB (key `open_key`, PKCS#5/7) hex of the business JSON (§2.2 item 3-5).
//! - mpgateway (001 §2.2, §2.3 steps 2-3): `resp=<base64(json)>&sign=<md5(base64 text +
//!   key)>`, lower hex, for responses and the backurl notification alike.
//! - wantu (003 §1.3 签名算法, applied to responses and notifications per §1.2
//!   调用方需验证签名): non-empty fields but `sign`, ASCII-sorted `k=v&...`, then
//!   `&key=<key>`, md5, upper hex.

#![allow(dead_code)] // each test file uses part of the support

pub mod alipay;
pub mod wechat;

use aes::cipher::{generic_array::GenericArray, BlockDecrypt, BlockEncrypt, KeyInit};
use base64::Engine;
use md5::{Digest, Md5};
use paygen::protocol::Provider;
use paygen::{Error, FixedClock, HttpRequest, HttpResponse, Transport};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sha1::Sha1;
use std::fmt::Debug;

/// The pinned clock of every client: 2023-11-14 22:13:20 UTC. Signed timestamps equal it.
pub const NOW: i64 = 1_700_000_000;

/// Document 002 §2.4's pair, the only key any document gives.
pub const MCT1_OPEN_ID: &str = "87f46f5db1b65f0ac195285f49ee6958";
pub const MCT1_OPEN_KEY: &str = "0828e83720fdbe3685a7b94214af04f9";
/// Made up: document 001 gives no key.
pub const MPGATEWAY_MERID: &str = "898100000000001";
pub const MPGATEWAY_KEY: &str = "mpgateway-genuine-test-key-7c1e";
/// Made up: document 003 gives no key.
pub const WANTU_MERCHANT: &str = "HKG1382543269";
pub const WANTU_STORE: &str = "HKG1382543269001";
pub const WANTU_KEY: &str = "wantu-genuine-test-key-5d2a9b";

// ------------------------------------------------------------ independent recipes

pub fn md5_lower(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

pub fn sha1_lower(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// `k=v&...` over the pairs with a non-empty value, sorted by name byte by byte.
fn sorted_pairs(pairs: &[(&str, &str)]) -> String {
    let mut kept: Vec<&(&str, &str)> = pairs.iter().filter(|(_, v)| !v.is_empty()).collect();
    kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    kept.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// 002 §2.5: every field but `sign` (empty ones left out) plus `open_key`, sorted,
/// sha1 lower hex, then md5 of that text, lower hex.
pub fn mct1_sign(pairs: &[(&str, &str)], open_key: &str) -> String {
    let mut all: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(k, _)| *k != "sign")
        .collect();
    all.push(("open_key", open_key));
    md5_lower(sha1_lower(sorted_pairs(&all).as_bytes()).as_bytes())
}

/// 003 §1.3: non-empty fields but `sign`, sorted, `&key=KEY` appended, md5 upper hex.
pub fn wantu_sign(pairs: &[(&str, &str)], key: &str) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(k, _)| *k != "sign")
        .collect();
    md5_lower(format!("{}&key={key}", sorted_pairs(&kept)).as_bytes()).to_uppercase()
}

/// 001 §2.2: md5(base64 text + key), lower hex.
pub fn mpgateway_sign(resp_base64: &str, key: &str) -> String {
    md5_lower(format!("{resp_base64}{key}").as_bytes())
}

/// AES-256-ECB with PKCS#7 padding, upper hex (002 §2.2, as the 2.4 sample writes it).
pub fn aes_ecb_hex(key: &str, plain: &[u8]) -> String {
    let cipher = aes::Aes256::new(GenericArray::from_slice(key.as_bytes()));
    let pad = 16 - plain.len() % 16;
    let mut data = plain.to_vec();
    data.resize(data.len() + pad, pad as u8);
    for block in data.chunks_mut(16) {
        cipher.encrypt_block(GenericArray::from_mut_slice(block));
    }
    hex::encode_upper(data)
}

pub fn aes_ecb_hex_decrypt(key: &str, text: &str) -> Option<Vec<u8>> {
    let mut data = hex::decode(text).ok()?;
    if data.is_empty() || data.len() % 16 != 0 {
        return None;
    }
    let cipher = aes::Aes256::new(GenericArray::from_slice(key.as_bytes()));
    for block in data.chunks_mut(16) {
        cipher.decrypt_block(GenericArray::from_mut_slice(block));
    }
    let pad = *data.last()? as usize;
    (1..=16)
        .contains(&pad)
        .then(|| data[..data.len() - pad].to_vec())
}

pub fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

// ------------------------------------------------------------ wire shapes

/// The text a top-level value is signed as: a string's content, `null` as empty, any
/// other value as its compact JSON text, which is exactly what `write_json` sends.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A compact JSON object with the members in this order, repeated names kept.
pub fn write_json(fields: &[(String, Value)]) -> String {
    let members: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), v))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// `application/x-www-form-urlencoded` (and query strings): everything but unreserved
/// characters percent-encoded, so base64's `+`, `/` and `=` arrive intact.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn write_form(fields: &[(String, Value)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(&text_of(v))))
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON object (mct1 and wantu responses, wantu notification).
    Json,
    /// A form body or query string (mpgateway messages, mct1 notifications).
    Form,
}

impl Format {
    pub fn write(self, fields: &[(String, Value)]) -> String {
        match self {
            Format::Json => write_json(fields),
            Format::Form => write_form(fields),
        }
    }
}

/// A field carrying the business JSON encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// mct1 `data`: AES-256-ECB hex under `open_key`.
    Mct1Aes,
    /// mpgateway `resp`: base64.
    Base64,
}

impl Codec {
    pub fn encode(self, value: &Value) -> String {
        let json = value.to_string();
        match self {
            Codec::Mct1Aes => aes_ecb_hex(MCT1_OPEN_KEY, json.as_bytes()),
            Codec::Base64 => base64_encode(json.as_bytes()),
        }
    }

    pub fn decode(self, text: &str) -> Option<Value> {
        let bytes = match self {
            Codec::Mct1Aes => aes_ecb_hex_decrypt(MCT1_OPEN_KEY, text)?,
            Codec::Base64 => base64_decode(text)?,
        };
        serde_json::from_slice(&bytes).ok()
    }
}

/// The payload field of an envelope: its name and encoding.
#[derive(Debug, Clone, Copy)]
pub struct PayloadField {
    pub name: &'static str,
    pub codec: Codec,
}

/// What running a (possibly mutated) body through the generated code gave.
#[derive(Debug)]
pub enum Verdict {
    Rejected(Error),
    /// Accepted, typed result `==` the genuine one.
    Identical,
    /// Accepted with a different typed result: the `Debug` of what came out.
    Different(String),
}

/// One genuine signed message and how to check a body against it.
pub struct Fixture {
    /// `mct1`, `mpgateway`, `wantu`.
    pub provider: &'static str,
    /// e.g. `mct1 response payorder (4.4.1.4)`.
    pub name: String,
    pub format: Format,
    pub payload: Option<PayloadField>,
    /// The top-level fields as sent, in order, `sign` included.
    pub fields: Vec<(String, Value)>,
    /// The genuine body (query string for GET notifications).
    pub body: String,
    /// The business fields the typed result was built from (the oracle).
    pub business: Map<String, Value>,
    check: Box<dyn Fn(&str) -> Verdict>,
}

/// mct1's response payload (002 §2.2 item 3).
pub const MCT1_DATA: PayloadField = PayloadField {
    name: "data",
    codec: Codec::Mct1Aes,
};
/// mpgateway's response and notification payload (001 §2.2).
pub const MPGATEWAY_RESP: PayloadField = PayloadField {
    name: "resp",
    codec: Codec::Base64,
};

impl Fixture {
    fn new(
        provider: &'static str,
        name: String,
        format: Format,
        payload: Option<PayloadField>,
        fields: Vec<(String, Value)>,
        business: Map<String, Value>,
        check: Box<dyn Fn(&str) -> Verdict>,
    ) -> Self {
        Fixture {
            provider,
            name,
            format,
            payload,
            body: format.write(&fields),
            fields,
            business,
            check,
        }
    }

    pub fn check(&self, body: &str) -> Verdict {
        (self.check)(body)
    }
}

// ------------------------------------------------------------ the runtime call

/// THE decode path under test for responses: verification on, then the typed result.
/// Every response in both test files goes through here, so the runtime call can be
/// swapped in this one place.
pub fn decode_typed<R: DeserializeOwned>(
    provider: &'static Provider,
    operation: &str,
    credentials: &paygen::Credentials,
    body: &str,
) -> Result<R, Error> {
    let operation = provider
        .operation(operation)
        .unwrap_or_else(|| panic!("{} has no operation {operation}", provider.name));
    let response = HttpResponse {
        status: 200,
        headers: vec![],
        body: body.to_owned(),
    };
    let clock = paygen::FixedClock::at_unix_seconds(NOW);
    let receiver = paygen::Receiver {
        credentials,
        clock: &clock,
        utc_offset_minutes: provider.utc_offset_minutes,
        seen: None,
    };
    let decoded =
        paygen::tooling::decode::decode_response(provider, operation, &receiver, &response)?;
    paygen::tooling::typed::<R>(decoded.fields, body)
}

/// Clients in these tests never send: verifying notifications needs no network.
#[derive(Debug)]
pub struct NoTransport;

impl Transport for NoTransport {
    fn send<'a>(&'a self, _: HttpRequest, _: paygen::OperationInfo<'a>) -> paygen::SendFuture<'a> {
        panic!("the notification tests send nothing")
    }
}

pub fn mct1_client() -> paygen_mct1::Client<NoTransport> {
    paygen_mct1::Client::with_transport(
        "http://127.0.0.1:9",
        paygen_mct1::Credentials {
            open_id: MCT1_OPEN_ID.into(),
            open_key: MCT1_OPEN_KEY.into(),
        },
        NoTransport,
    )
    .with_clock(FixedClock::at_unix_seconds(NOW))
}

pub fn mpgateway_client() -> paygen_mpgateway::Client<NoTransport> {
    paygen_mpgateway::Client::with_transport(
        "http://127.0.0.1:9",
        paygen_mpgateway::Credentials {
            merid: MPGATEWAY_MERID.into(),
            key: MPGATEWAY_KEY.into(),
        },
        NoTransport,
    )
    .with_clock(FixedClock::at_unix_seconds(NOW))
}

pub fn wantu_client() -> paygen_wantu::Client<NoTransport> {
    paygen_wantu::Client::with_transport(
        "http://127.0.0.1:9",
        paygen_wantu::Credentials {
            merchant_account: WANTU_MERCHANT.into(),
            store_account: WANTU_STORE.into(),
            key: WANTU_KEY.into(),
        },
        NoTransport,
    )
    .with_clock(FixedClock::at_unix_seconds(NOW))
}

pub fn mct1_credentials() -> paygen::Credentials {
    paygen::Credentials::new()
        .plain("open_id", MCT1_OPEN_ID)
        .secret("open_key", MCT1_OPEN_KEY)
}

pub fn mpgateway_credentials() -> paygen::Credentials {
    paygen::Credentials::new()
        .plain("merid", MPGATEWAY_MERID)
        .secret("key", MPGATEWAY_KEY)
}

pub fn wantu_credentials() -> paygen::Credentials {
    paygen::Credentials::new()
        .plain("merchant_account", WANTU_MERCHANT)
        .plain("store_account", WANTU_STORE)
        .secret("key", WANTU_KEY)
}

/// Compares what `run` gives with `expected`.
fn verdict<R: PartialEq + Debug>(result: Result<R, Error>, expected: &R) -> Verdict {
    match result {
        Err(error) => Verdict::Rejected(error),
        Ok(typed) if typed == *expected => Verdict::Identical,
        Ok(typed) => Verdict::Different(format!("{typed:?}")),
    }
}

/// The typed value the business fields make, straight through serde (the oracle).
fn expected<R: DeserializeOwned>(business: &Map<String, Value>, what: &str) -> R {
    serde_json::from_value(Value::Object(business.clone()))
        .unwrap_or_else(|e| panic!("{what}: fixture fields do not fit the generated type: {e}"))
}

fn response_check<R: DeserializeOwned + PartialEq + Debug + 'static>(
    provider: &'static Provider,
    operation: &'static str,
    credentials: paygen::Credentials,
    business: &Map<String, Value>,
    what: &str,
) -> Box<dyn Fn(&str) -> Verdict> {
    let genuine: R = expected(business, what);
    Box::new(move |body| {
        verdict(
            decode_typed::<R>(provider, operation, &credentials, body),
            &genuine,
        )
    })
}

fn notification_check<R: DeserializeOwned + PartialEq + Debug + 'static>(
    verify: impl Fn(&str) -> Result<R, Error> + 'static,
    business: &Map<String, Value>,
    what: &str,
) -> Box<dyn Fn(&str) -> Verdict> {
    let genuine: R = expected(business, what);
    Box::new(move |body| verdict(verify(body), &genuine))
}

// ------------------------------------------------------------ documented examples

/// Every example body of `spec`'s operations (or notifications): (name, source, body).
fn example_bodies(spec: &str, notifications: bool) -> Vec<(String, String, String)> {
    let path = paygen_tests::workspace_root().join(format!("specs/{spec}.yaml"));
    let loaded = paygen_codegen::load_file(&path).unwrap_or_else(|e| panic!("{spec}: {e:?}"));
    let mut out = Vec::new();
    let mut push = |name: &str, examples: &[paygen_codegen::spec::model::Example]| {
        for example in examples {
            if let Some(body) = &example.body {
                out.push((name.to_owned(), example.source.clone(), body.clone()));
            }
        }
    };
    if notifications {
        for n in &loaded.spec.notifications {
            push(&n.name.value, &n.examples);
        }
    } else {
        for op in &loaded.spec.operations {
            push(&op.name.value, &op.examples);
        }
    }
    out
}

fn json_object(body: &str, what: &str) -> Map<String, Value> {
    match serde_json::from_str(body) {
        Ok(Value::Object(map)) => map,
        other => panic!("{what}: example is not a JSON object: {other:?}"),
    }
}

// ------------------------------------------------------------ mct1

/// The check of a response of `$krate`'s operation `$operation`, typed by the table.
macro_rules! response_check_for {
    ($krate:ident, $operation:expr, $credentials:expr, $business:expr, $what:expr,
     { $($op:literal => $ty:ident),* $(,)? }) => {
        match $operation {
            $($op => response_check::<$krate::$ty>(
                &$krate::tables::PROVIDER, $op, $credentials, $business, $what,
            ),)*
            other => panic!("{}: no generated type for `{other}`", $what),
        }
    };
}

/// A signed mct1 response around `decoded` (the document's decoded sample: `data`
/// already decrypted): `data` encrypted, `timestamp` NOW added as in §2.2/§2.5's wire
/// sample, then signed.
pub fn mct1_response(operation: &str, source: &str, decoded: Map<String, Value>) -> Fixture {
    let what = format!("mct1 response {operation} ({source})");
    let mut business = decoded;
    business
        .entry("timestamp")
        .or_insert_with(|| Value::from(NOW));
    let fields = mct1_wire(&business);
    let check = response_check_for!(paygen_mct1, operation, mct1_credentials(), &business, &what, {
        "paylist" => PaylistResponse, "order" => OrderResponse, "order_view" => OrderViewResponse,
        "payorder" => PayorderResponse, "paystatus" => PaystatusResponse,
        "paycancel" => PaycancelResponse, "payrefund" => PayrefundResponse,
    });
    Fixture::new(
        "mct1",
        what,
        Format::Json,
        Some(MCT1_DATA),
        fields,
        business,
        check,
    )
}

/// The wire fields of an mct1 response: business fields with `data` encrypted, `sign`
/// appended.
pub fn mct1_wire(business: &Map<String, Value>) -> Vec<(String, Value)> {
    let mut fields: Vec<(String, Value)> = business
        .iter()
        .map(|(k, v)| {
            let v = if k == "data" {
                Value::String(Codec::Mct1Aes.encode(v))
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect();
    let texts: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.clone(), text_of(v)))
        .collect();
    let pairs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.push((
        "sign".into(),
        Value::String(mct1_sign(&pairs, MCT1_OPEN_KEY)),
    ));
    fields
}

/// Query fields of an mct1 notification (4.8.1.3's order: timestamp, out_no, status,
/// sign, rand_str; ord_no, which 4.8.1.1 lists, after status), signed.
pub fn mct1_notification_fields(timestamp: i64, status: &str) -> Vec<(String, Value)> {
    let unsigned = [
        ("timestamp", timestamp.to_string()),
        ("out_no", "7149794509690017".to_owned()),
        ("status", status.to_owned()),
        ("ord_no", "9149853698138671785993018".to_owned()),
        ("rand_str", "Zk3pQ9sLm2XvR7tB".to_owned()),
    ];
    let pairs: Vec<(&str, &str)> = unsigned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let sign = mct1_sign(&pairs, MCT1_OPEN_KEY);
    let mut fields: Vec<(String, Value)> = unsigned
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
        .collect();
    fields.insert(3, ("sign".into(), Value::String(sign)));
    fields
}

pub fn mct1_notification(name: &'static str) -> Fixture {
    let what = format!("mct1 notification {name} (4.8.1.3 shape)");
    let fields = mct1_notification_fields(NOW, "1");
    let business: Map<String, Value> = fields
        .iter()
        .filter(|(k, _)| k != "sign")
        .cloned()
        .collect();
    let client = mct1_client();
    let check = match name {
        "pay" => notification_check(move |q| client.verify_pay_notification(q), &business, &what),
        "jump" => notification_check(
            move |q| client.verify_jump_notification(q),
            &business,
            &what,
        ),
        other => panic!("mct1 has no notification {other}"),
    };
    Fixture::new("mct1", what, Format::Form, None, fields, business, check)
}

pub fn mct1_fixtures() -> Vec<Fixture> {
    let mut out: Vec<Fixture> = example_bodies("mct1", false)
        .into_iter()
        .map(|(op, source, body)| {
            let decoded = json_object(&body, &op);
            mct1_response(&op, &source, decoded)
        })
        .collect();
    out.push(mct1_notification("pay"));
    out.push(mct1_notification("jump"));
    out
}

// ------------------------------------------------------------ mpgateway

/// `resp=<base64(json)>&sign=<md5>` around `business` (001 §2.3).
pub fn mpgateway_wire(business: &Map<String, Value>) -> Vec<(String, Value)> {
    let resp = Codec::Base64.encode(&Value::Object(business.clone()));
    let sign = mpgateway_sign(&resp, MPGATEWAY_KEY);
    vec![
        ("resp".into(), Value::String(resp)),
        ("sign".into(), Value::String(sign)),
    ]
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("fixtures are objects"),
    }
}

/// Document 001 has no concrete message (templates only): realistic replies with every
/// field of each operation's 3.x.3/3.x.4 table.
pub fn mpgateway_business(operation: &str) -> Map<String, Value> {
    let m = MPGATEWAY_MERID;
    object(match operation {
        "mpgateway" => serde_json::json!({
            "respcode": "00", "respmsg": "交易成功", "txnamt": 100, "merid": m,
            "orderid": "ORDER20231114001", "queryid": "Q20231114221320000001",
            "formaction": "https://qr.alipay.com/bax01234567890abcdef"
        }),
        // 3.2/3.3: browser pages, no business fields of their own (response: []).
        "openid" | "gopay" => serde_json::json!({
            "respcode": "00", "respmsg": "成功", "merid": m
        }),
        "query" => serde_json::json!({
            "respcode": "00", "respmsg": "查询成功", "resultcode": "0000",
            "resultmsg": "交易成功", "queryid": "Q20231114221320000001", "txnamt": 100,
            "merid": m, "orderid": "ORDER20231114001", "paytime": "2023-11-15 06:13:20"
        }),
        "cancel" => serde_json::json!({
            "respcode": "00", "respmsg": "取消成功", "queryid": "Q20231114221320000001",
            "txnamt": 100, "merid": m, "orderid": "ORDER20231114001"
        }),
        other => panic!("mpgateway has no operation {other}"),
    })
}

/// 3.4.3's fields; `paid` false is 1001 未支付 with an empty paytime.
pub fn mpgateway_notification_business(paid: bool) -> Map<String, Value> {
    let (code, msg, time) = if paid {
        ("0000", "交易成功", "2023-11-15 06:13:20")
    } else {
        ("1001", "未支付", "")
    };
    object(serde_json::json!({
        "resultcode": code, "resultmsg": msg, "queryid": "Q20231114221320000001",
        "txnamt": 100, "merid": MPGATEWAY_MERID, "orderid": "ORDER20231114001",
        "paytime": time
    }))
}

pub fn mpgateway_response(operation: &str) -> Fixture {
    let what = format!("mpgateway response {operation}");
    let business = mpgateway_business(operation);
    let fields = mpgateway_wire(&business);
    let check = response_check_for!(paygen_mpgateway, operation, mpgateway_credentials(), &business, &what, {
        "mpgateway" => MpgatewayResponse, "openid" => OpenidResponse, "gopay" => GopayResponse,
        "query" => QueryResponse, "cancel" => CancelResponse,
    });
    Fixture::new(
        "mpgateway",
        what,
        Format::Form,
        Some(MPGATEWAY_RESP),
        fields,
        business,
        check,
    )
}

pub fn mpgateway_notification(paid: bool) -> Fixture {
    let what = format!(
        "mpgateway notification pay ({})",
        if paid { "paid" } else { "unpaid" }
    );
    let business = mpgateway_notification_business(paid);
    let fields = mpgateway_wire(&business);
    let client = mpgateway_client();
    let check = notification_check(
        move |body| client.verify_pay_notification(body),
        &business,
        &what,
    );
    Fixture::new(
        "mpgateway",
        what,
        Format::Form,
        Some(MPGATEWAY_RESP),
        fields,
        business,
        check,
    )
}

pub fn mpgateway_fixtures() -> Vec<Fixture> {
    let mut out: Vec<Fixture> = paygen_mpgateway::tables::PROVIDER
        .operations
        .iter()
        .map(|op| mpgateway_response(&op.name))
        .collect();
    out.push(mpgateway_notification(true));
    out.push(mpgateway_notification(false));
    out
}

// ------------------------------------------------------------ wantu

/// `business` (the document's sample, its unverifiable `sign` dropped) signed with the
/// test key; the signature goes last.
pub fn wantu_wire(business: &Map<String, Value>) -> Vec<(String, Value)> {
    let mut fields: Vec<(String, Value)> = business
        .iter()
        .filter(|(k, _)| *k != "sign")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let texts: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.clone(), text_of(v)))
        .collect();
    let pairs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.push(("sign".into(), Value::String(wantu_sign(&pairs, WANTU_KEY))));
    fields
}

/// What a wantu message means: its fields as sent, but an empty value is the same as an
/// absent one (003 §1.3 leaves empty values out of the signed string, so no receiver can
/// tell them apart, and the runtime decodes both as absent).
fn wantu_business(fields: &[(String, Value)]) -> Map<String, Value> {
    fields
        .iter()
        .filter(|(_, v)| !text_of(v).is_empty())
        .cloned()
        .collect()
}

pub fn wantu_response(operation: &str, source: &str, sample: Map<String, Value>) -> Fixture {
    let what = format!("wantu response {operation} ({source})");
    let fields = wantu_wire(&sample);
    let business = wantu_business(&fields);
    let check = response_check_for!(paygen_wantu, operation, wantu_credentials(), &business, &what, {
        "create_qrcode" => CreateQrcodeResponse, "pospay" => PospayResponse, "refund" => RefundResponse,
        "query" => QueryResponse, "pay_form" => PayFormResponse, "order_list" => OrderListResponse,
        "web" => WebResponse, "app" => AppResponse, "wap" => WapResponse,
        "merchant_qrcode" => MerchantQrcodeResponse, "currency" => CurrencyResponse,
        "cancel" => CancelResponse, "close" => CloseResponse,
    });
    Fixture::new("wantu", what, Format::Json, None, fields, business, check)
}

pub fn wantu_notification(source: &str, sample: Map<String, Value>) -> Fixture {
    let what = format!("wantu notification pay ({source})");
    let fields = wantu_wire(&sample);
    let business = wantu_business(&fields);
    let client = wantu_client();
    let check = notification_check(
        move |body| client.verify_pay_notification(body),
        &business,
        &what,
    );
    Fixture::new("wantu", what, Format::Json, None, fields, business, check)
}

pub fn wantu_fixtures() -> Vec<Fixture> {
    let mut out: Vec<Fixture> = example_bodies("wantu", false)
        .into_iter()
        .map(|(op, source, body)| {
            let sample = json_object(&body, &op);
            wantu_response(&op, &source, sample)
        })
        .collect();
    for (_, source, body) in example_bodies("wantu", true) {
        out.push(wantu_notification(&source, json_object(&body, "pay")));
    }
    out
}

pub fn all_fixtures() -> Vec<Fixture> {
    let mut out = mct1_fixtures();
    out.extend(mpgateway_fixtures());
    out.extend(wantu_fixtures());
    out
}
