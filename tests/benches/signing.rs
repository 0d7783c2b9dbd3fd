//! Build + sign + encode of one typical request per provider, three ways:
//!
//! - `generated`: the typed request built from literals, then `Client::render_<op>`;
//! - `baseline`: the same request the way hand-rolled clients build it (`json!`, a
//!   `BTreeMap<String, String>` for the canonical string, `format!`, `serde_json::to_string`);
//! - `floor`: only the digests and ciphers, over bytes prepared outside the loop.
//!
//! Before timing, each group checks that the baseline renders the very request the
//! generated client renders (URL, headers, body, hence the signature) and that the floor
//! computes the same signature, so the three measure the same work.
//!
//! `cargo bench -p paygen-tests --bench signing`
// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use md5::{Digest as _, Md5};
use paygen::protocol::{ClockFormat, HexCase};
use paygen::tooling::cipher::{aes256_ecb_encrypt_hex, base64_encode};
use paygen::{Fen, FixedClock, HttpRequest, ReqwestTransport};
use serde_json::{json, Value};
use sha1::Sha1;

/// The pinned clock of every client, and the baselines' "now".
const NOW: i64 = 1_700_000_000;

const JSON: &str = "application/json; charset=utf-8";
const FORM: &str = "application/x-www-form-urlencoded";

fn md5_lower(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

fn md5_upper(bytes: &[u8]) -> String {
    hex::encode_upper(Md5::digest(bytes))
}

fn sha1_lower(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

fn aes_hex_upper(key: &str, plaintext: &[u8]) -> String {
    aes256_ecb_encrypt_hex(key.as_bytes(), plaintext, HexCase::Upper).expect("32-byte key")
}

/// A JSON value as the text a hand-rolled client signs: strings unquoted.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The usual hand-rolled canonical map: every top-level field but `sign`, as text,
/// empty values dropped, sorted by the `BTreeMap`.
fn sorted_map(message: &Value) -> BTreeMap<String, String> {
    message
        .as_object()
        .map(|object| {
            object
                .iter()
                .filter(|(name, _)| name.as_str() != "sign")
                .map(|(name, value)| (name.clone(), text(value)))
                .filter(|(_, value)| !value.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// `k=v&k=v...` in map order.
fn join(map: &BTreeMap<String, String>) -> String {
    map.iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `application/x-www-form-urlencoded` escaping of one value.
fn form_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A form body of a message's top-level fields, in their order.
fn form_body(message: &Value) -> String {
    message
        .as_object()
        .map(|object| {
            object
                .iter()
                .map(|(name, value)| format!("{}={}", form_escape(name), form_escape(&text(value))))
                .collect::<Vec<_>>()
                .join("&")
        })
        .unwrap_or_default()
}

/// `yyyy-MM-dd HH:mm:ss` in UTC+8. Both paths format the clock the same way, so the
/// runtime's formatter serves the baseline too: the date is not what is compared.
fn beijing_date_time(unix_seconds: i64) -> String {
    let mut out = String::new();
    paygen::clock::format_clock(unix_seconds * 1000, ClockFormat::DateTime, 480, &mut out);
    out
}

fn http_request(
    url: &str,
    content_type: &str,
    extra: Option<(&str, String)>,
    body: String,
) -> HttpRequest {
    let mut headers = vec![(
        "Content-Type".to_owned().into(),
        content_type.to_owned().into(),
    )];
    if let Some((name, value)) = extra {
        headers.push((name.to_owned().into(), value.into()));
    }
    HttpRequest {
        method: "POST".to_owned().into(),
        url: url.to_owned(),
        headers,
        body,
        sensitive: Vec::new(),
    }
}

/// The `sign` of a JSON body.
fn json_sign(body: &str) -> String {
    let value: Value = serde_json::from_str(body).expect("JSON body");
    value["sign"].as_str().expect("sign field").to_owned()
}

/// The `sign` of a form body (always its last field here).
fn form_sign(body: &str) -> String {
    body.rsplit_once("&sign=").expect("sign field").1.to_owned()
}

/// The generated and baseline renders are the same request, and all three paths agree
/// on the signature.
/// Times the generated path, the hand-rolled baseline and the floor as one group.
fn three_way<G, F>(
    c: &mut Criterion,
    name: &str,
    mut generated: impl FnMut() -> G,
    baseline: fn() -> HttpRequest,
    mut floor: impl FnMut() -> F,
) {
    let mut group = c.benchmark_group(name);
    group.bench_function("generated", |b| b.iter(&mut generated));
    group.bench_function("baseline", |b| b.iter(baseline));
    group.bench_function("floor", |b| b.iter(&mut floor));
    group.finish();
}

fn check(
    provider: &str,
    generated: &HttpRequest,
    baseline: &HttpRequest,
    signature: &str,
    floor: &str,
) {
    assert_eq!(
        generated, baseline,
        "{provider}: baseline renders a different request"
    );
    assert_eq!(
        signature, floor,
        "{provider}: floor computes a different signature"
    );
}

mod tiantapay {
    use super::*;
    use paygen_tiantapay::{Client, Credentials, IndexRequest, PayType};

    const BASE_URL: &str = "http://pay.tiantapay.com/scanpay.php/Gateway";
    const URL: &str = "http://pay.tiantapay.com/scanpay.php/Gateway/index";
    const USER_TOKEN: &str = "123456";
    const KEY: &str = "C3226F16BE2A4B6D9E0F1A2B3C4D5E6F";

    fn client() -> Client {
        let credentials = Credentials {
            user_token: USER_TOKEN.into(),
            key: KEY.into(),
        };
        Client::with_transport(BASE_URL, credentials, ReqwestTransport::default())
            .with_clock(FixedClock::at_unix_seconds(NOW))
    }

    fn generated(client: &Client) -> HttpRequest {
        let request = IndexRequest::new(
            "287053219362240241",
            PayType::Alipay,
            Fen(2000),
            "https://merchant.example.com/notify",
            "1234",
            "测试商品",
            "20231115061320000001",
        );
        client.render_index(&request).expect("renders")
    }

    fn message() -> Value {
        let money: i64 = 2000;
        json!({
            "user_token": USER_TOKEN,
            "version": "V1.0.8",
            "auth_code": "287053219362240241",
            "type": "ALIPAY",
            "money": money.to_string(),
            "notifyUrl": "https://merchant.example.com/notify",
            "operatorId": "1234",
            "body": "测试商品",
            "orderNo": "20231115061320000001",
        })
    }

    fn string_to_sign(message: &Value) -> String {
        format!("{}{KEY}", join(&sorted_map(message)))
    }

    fn baseline() -> HttpRequest {
        let mut message = message();
        let sign = md5_upper(string_to_sign(&message).as_bytes());
        message["sign"] = Value::String(sign);
        let body = serde_json::to_string(&message).expect("JSON");
        http_request(URL, JSON, None, body)
    }

    fn floor(to_sign: &[u8]) -> String {
        md5_upper(to_sign)
    }

    pub fn bench(c: &mut Criterion) {
        let client = client();
        let to_sign = string_to_sign(&message()).into_bytes();
        let rendered = generated(&client);
        check(
            "tiantapay",
            &rendered,
            &baseline(),
            &json_sign(&rendered.body),
            &floor(&to_sign),
        );

        three_way(
            c,
            "tiantapay",
            || generated(black_box(&client)),
            baseline,
            || floor(black_box(&to_sign)),
        );
    }
}

mod mpgateway {
    use super::*;
    use paygen_mpgateway::{mpgateway_request, Client, Credentials, MpgatewayRequest};

    const BASE_URL: &str = "https://api.example.invalid";
    const URL: &str = "https://api.example.invalid/api/mpgateway";
    const MERID: &str = "100000000000001";
    const KEY: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";

    fn client() -> Client {
        let credentials = Credentials {
            merid: MERID.into(),
            key: KEY.into(),
        };
        Client::with_transport(BASE_URL, credentials, ReqwestTransport::default())
            .with_clock(FixedClock::at_unix_seconds(NOW))
    }

    fn generated(client: &Client) -> HttpRequest {
        let request = MpgatewayRequest::new(
            mpgateway_request::Action::AliCode,
            Fen(2000),
            "20231115061320000001",
            "https://merchant.example.com/notify",
        )
        .with_code("287053219362240241");
        client.render_mpgateway(&request).expect("renders")
    }

    fn payload() -> String {
        let message = json!({
            "merid": MERID,
            "action": "AliCode",
            "txnamt": 2000,
            "orderid": "20231115061320000001",
            "code": "287053219362240241",
            "backurl": "https://merchant.example.com/notify",
        });
        serde_json::to_string(&message).expect("JSON")
    }

    fn baseline() -> HttpRequest {
        let req = base64_encode(payload().as_bytes());
        let sign = md5_lower(format!("{req}{KEY}").as_bytes());
        let body = form_body(&json!({ "req": req, "sign": sign }));
        http_request(URL, FORM, None, body)
    }

    fn floor(payload: &[u8], to_sign: &[u8]) -> (String, String) {
        (base64_encode(payload), md5_lower(to_sign))
    }

    pub fn bench(c: &mut Criterion) {
        let client = client();
        let payload = payload().into_bytes();
        let to_sign = format!("{}{KEY}", base64_encode(&payload)).into_bytes();
        let rendered = generated(&client);
        let (_, floor_sign) = floor(&payload, &to_sign);
        check(
            "mpgateway",
            &rendered,
            &baseline(),
            &form_sign(&rendered.body),
            &floor_sign,
        );

        three_way(
            c,
            "mpgateway",
            || generated(black_box(&client)),
            baseline,
            || floor(black_box(&payload), black_box(&to_sign)),
        );
    }
}

mod mct1 {
    use super::*;
    use paygen_mct1::{Client, Credentials, PayorderBarcodeRequest};

    const BASE_URL: &str = "https://api.XXX.com/mct1";
    const URL: &str = "https://api.XXX.com/mct1/payorder";
    const OPEN_ID: &str = "87f46f5db1b65f0ac195285f49ee6958";
    const OPEN_KEY: &str = "0828e83720fdbe3685a7b94214af04f9";

    fn client() -> Client {
        let credentials = Credentials {
            open_id: OPEN_ID.into(),
            open_key: OPEN_KEY.into(),
        };
        Client::with_transport(BASE_URL, credentials, ReqwestTransport::default())
            .with_clock(FixedClock::at_unix_seconds(NOW))
    }

    /// 4.4.2 条码支付.
    fn generated(client: &Client) -> HttpRequest {
        let request = PayorderBarcodeRequest::new(
            "7149794509690017",
            "Weixin",
            Fen(2000),
            Fen(2000),
            "134674074004982976",
        )
        .with_ord_name("测试商品")
        .with_remark("门店收银台 1");
        client.render_payorder(&request.into()).expect("renders")
    }

    fn business() -> String {
        let message = json!({
            "out_no": "7149794509690017",
            "pmt_tag": "Weixin",
            "ord_name": "测试商品",
            "original_amount": 2000,
            "trade_amount": 2000,
            "remark": "门店收银台 1",
            "auth_code": "134674074004982976",
        });
        serde_json::to_string(&message).expect("JSON")
    }

    fn message(data: String) -> Value {
        json!({ "timestamp": NOW, "open_id": OPEN_ID, "data": data })
    }

    fn string_to_sign(message: &Value) -> String {
        let mut map = sorted_map(message);
        map.insert("open_key".to_owned(), OPEN_KEY.to_owned());
        join(&map)
    }

    fn baseline() -> HttpRequest {
        let data = aes_hex_upper(OPEN_KEY, business().as_bytes());
        let mut message = message(data);
        let sign = md5_lower(sha1_lower(string_to_sign(&message).as_bytes()).as_bytes());
        message["sign"] = Value::String(sign);
        http_request(URL, FORM, None, form_body(&message))
    }

    fn floor(business: &[u8], to_sign: &[u8]) -> (String, String) {
        let data = aes_hex_upper(OPEN_KEY, business);
        (data, md5_lower(sha1_lower(to_sign).as_bytes()))
    }

    pub fn bench(c: &mut Criterion) {
        let client = client();
        let business = business().into_bytes();
        let data = aes_hex_upper(OPEN_KEY, &business);
        let to_sign = string_to_sign(&message(data.clone())).into_bytes();
        let rendered = generated(&client);
        let (floor_data, floor_sign) = floor(&business, &to_sign);
        assert_eq!(floor_data, data);
        check(
            "mct1",
            &rendered,
            &baseline(),
            &form_sign(&rendered.body),
            &floor_sign,
        );

        three_way(
            c,
            "mct1",
            || generated(black_box(&client)),
            baseline,
            || floor(black_box(&business), black_box(&to_sign)),
        );
    }
}

mod wantu {
    use super::*;
    use paygen_wantu::{Client, Credentials, PayChannel, PospayRequest};

    const BASE_URL: &str = "https://merchants-api.wantu.cn/paygate";
    const URL: &str = "https://merchants-api.wantu.cn/paygate/pospay";
    const MERCHANT_ACCOUNT: &str = "M201711290001";
    const STORE_ACCOUNT: &str = "S201711290001";
    const KEY: &str = "5f4dcc3b5aa765d61d8327deb882cf99";

    fn client() -> Client {
        let credentials = Credentials {
            merchant_account: MERCHANT_ACCOUNT.into(),
            store_account: STORE_ACCOUNT.into(),
            key: KEY.into(),
        };
        Client::with_transport(BASE_URL, credentials, ReqwestTransport::default())
            .with_clock(FixedClock::at_unix_seconds(NOW))
    }

    fn generated(client: &Client) -> HttpRequest {
        let request = PospayRequest::new(
            PayChannel::Wechat,
            Fen(2000),
            "测试商品",
            "20231115061320000001",
            "134674074004982976",
            "CNY",
            "https://merchant.example.com/notify",
        );
        client.render_pospay(&request).expect("renders")
    }

    fn message() -> Value {
        let total_fee: i64 = 2000;
        json!({
            "merchant_account": MERCHANT_ACCOUNT,
            "store_account": STORE_ACCOUNT,
            "send_time": beijing_date_time(NOW),
            "version": "1.0",
            "pay_channel": "1",
            "total_fee": total_fee.to_string(),
            "subject": "测试商品",
            "out_trade_no": "20231115061320000001",
            "auth_code": "134674074004982976",
            "fee_type": "CNY",
            "notify_url": "https://merchant.example.com/notify",
        })
    }

    fn string_to_sign(message: &Value) -> String {
        format!("{}&key={KEY}", join(&sorted_map(message)))
    }

    fn baseline() -> HttpRequest {
        let mut message = message();
        let sign = md5_upper(string_to_sign(&message).as_bytes());
        message["sign"] = Value::String(sign);
        let body = serde_json::to_string(&message).expect("JSON");
        http_request(URL, JSON, None, body)
    }

    fn floor(to_sign: &[u8]) -> String {
        md5_upper(to_sign)
    }

    pub fn bench(c: &mut Criterion) {
        let client = client();
        let to_sign = string_to_sign(&message()).into_bytes();
        let rendered = generated(&client);
        check(
            "wantu",
            &rendered,
            &baseline(),
            &json_sign(&rendered.body),
            &floor(&to_sign),
        );

        three_way(
            c,
            "wantu",
            || generated(black_box(&client)),
            baseline,
            || floor(black_box(&to_sign)),
        );
    }
}

mod shouqianba {
    use super::*;
    use paygen_shouqianba::{Client, Credentials, PayRequest, Payway};

    const BASE_URL: &str = "https://api.shouqianba.com";
    const URL: &str = "https://api.shouqianba.com/upay/v2/pay";
    const TERMINAL_SN: &str = "100000330002245679";
    const TERMINAL_KEY: &str = "8b1a9953c4611296a827abf8c47804d7";

    fn client() -> Client {
        let credentials = Credentials {
            terminal_sn: TERMINAL_SN.into(),
            terminal_key: TERMINAL_KEY.into(),
        };
        Client::with_transport(BASE_URL, credentials, ReqwestTransport::default())
            .with_clock(FixedClock::at_unix_seconds(NOW))
    }

    fn generated(client: &Client) -> HttpRequest {
        let request = PayRequest::new(
            "20231115061320000001",
            Fen(2000),
            "134674074004982976",
            "测试商品",
            "operator-01",
        )
        .with_payway(Payway::Wechat);
        client.render_pay(&request).expect("renders")
    }

    fn body() -> String {
        let total_amount: i64 = 2000;
        let message = json!({
            "terminal_sn": TERMINAL_SN,
            "client_sn": "20231115061320000001",
            "total_amount": total_amount.to_string(),
            "payway": "3",
            "dynamic_id": "134674074004982976",
            "subject": "测试商品",
            "operator": "operator-01",
        });
        serde_json::to_string(&message).expect("JSON")
    }

    fn baseline() -> HttpRequest {
        let body = body();
        let sign = md5_lower(format!("{body}{TERMINAL_KEY}").as_bytes());
        let authorization = format!("{TERMINAL_SN} {sign}");
        http_request(URL, JSON, Some(("Authorization", authorization)), body)
    }

    fn floor(to_sign: &[u8]) -> String {
        md5_lower(to_sign)
    }

    pub fn bench(c: &mut Criterion) {
        let client = client();
        let to_sign = format!("{}{TERMINAL_KEY}", body()).into_bytes();
        let rendered = generated(&client);
        let signature = rendered
            .headers
            .iter()
            .find(|(name, _)| name == "Authorization")
            .and_then(|(_, value)| value.split_once(' '))
            .map(|(_, sign)| sign.to_owned())
            .expect("Authorization header");
        check(
            "shouqianba",
            &rendered,
            &baseline(),
            &signature,
            &floor(&to_sign),
        );

        three_way(
            c,
            "shouqianba",
            || generated(black_box(&client)),
            baseline,
            || floor(black_box(&to_sign)),
        );
    }
}

mod alipay {
    //! 支付宝 alipay.trade.pay: form body, biz_content JSON text, RSA2 (SHA256withRSA,
    //! base64) over the sorted non-empty parameters but `sign`. The floor is the RSA
    //! signature alone; the baseline signs with `ring` directly (PKCS#8 key).
    use super::*;
    use paygen_alipay::{trade_pay_request, Client, Credentials, TradePayRequest};
    use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};

    const URL: &str = "https://openapi.alipay.com/gateway.do";
    const APP_ID: &str = "2014072300007148";
    const NOTIFY_URL: &str = "https://merchant.example.com/alipay/notify";
    const KEY_PEM: &str = include_str!("../../runtime/tests/fixtures/rsa_test_key.pem");
    const PUB_PEM: &str = include_str!("../../runtime/tests/fixtures/rsa_test_key_pub.pem");
    const PKCS8_B64: &str = include_str!("../../runtime/tests/fixtures/rsa_test_key.b64");

    fn client() -> Client {
        let credentials = Credentials {
            app_id: APP_ID.into(),
            app_private_key: KEY_PEM.into(),
            alipay_public_key: PUB_PEM.into(),
            notify_url: NOTIFY_URL.into(),
        };
        Client::with_transport(URL, credentials, ReqwestTransport::default())
            .with_clock(FixedClock::at_unix_seconds(NOW))
    }

    fn generated(client: &Client) -> HttpRequest {
        let request = TradePayRequest::new(
            "20231115061320000001",
            trade_pay_request::Scene::BarCode,
            "28763443825664394",
            "测试商品",
        )
        .with_total_amount(Fen(8888))
        .with_store_id("NJ_001")
        .with_terminal_id("NJ_T_001");
        client.render_trade_pay(&request).expect("renders")
    }

    fn key() -> RsaKeyPair {
        let der = base64::engine::general_purpose::STANDARD
            .decode(PKCS8_B64.trim())
            .expect("base64 key");
        RsaKeyPair::from_pkcs8(&der).expect("PKCS#8 key")
    }

    fn rsa2(key: &RsaKeyPair, to_sign: &[u8]) -> String {
        let mut signature = vec![0; key.public().modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            to_sign,
            &mut signature,
        )
        .expect("signs");
        base64::engine::general_purpose::STANDARD.encode(signature)
    }

    fn message() -> Value {
        let total_amount: i64 = 8888;
        let biz_content = json!({
            "out_trade_no": "20231115061320000001",
            "scene": "bar_code",
            "auth_code": "28763443825664394",
            "subject": "测试商品",
            "total_amount": format!("{}.{:02}", total_amount / 100, total_amount % 100),
            "store_id": "NJ_001",
            "terminal_id": "NJ_T_001",
        });
        json!({
            "app_id": APP_ID,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": beijing_date_time(NOW),
            "version": "1.0",
            "method": "alipay.trade.pay",
            "notify_url": NOTIFY_URL,
            "biz_content": serde_json::to_string(&biz_content).expect("JSON"),
        })
    }

    fn string_to_sign(message: &Value) -> String {
        join(&sorted_map(message))
    }

    fn baseline_with(key: &RsaKeyPair) -> HttpRequest {
        let mut message = message();
        let sign = rsa2(key, string_to_sign(&message).as_bytes());
        message["sign"] = Value::String(sign);
        http_request(URL, FORM, None, form_body(&message))
    }

    fn form_unescape(value: &str) -> String {
        form_urlencoded::parse(format!("v={value}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }

    pub fn bench(c: &mut Criterion) {
        let client = client();
        // The key is parsed once, outside the loop, in the baseline and the floor, as a
        // long-lived hand-rolled client would keep it.
        let key = key();
        let to_sign = string_to_sign(&message()).into_bytes();
        let rendered = generated(&client);
        check(
            "alipay",
            &rendered,
            &baseline_with(&key),
            &form_unescape(&form_sign(&rendered.body)),
            &rsa2(&key, &to_sign),
        );

        let mut group = c.benchmark_group("alipay");
        group.bench_function("generated", |b| b.iter(|| generated(black_box(&client))));
        group.bench_function("baseline", |b| b.iter(|| baseline_with(black_box(&key))));
        group.bench_function("floor", |b| {
            b.iter(|| rsa2(black_box(&key), black_box(&to_sign)))
        });
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

mod wechatpay_v2 {
    use super::*;
    use hmac::{Hmac, Mac};
    use paygen::FixedNonce;
    use paygen_wechatpay_v2::{unifiedorder_request, Client, Credentials, UnifiedorderRequest};
    use sha2::Sha256;

    const BASE_URL: &str = "https://api.mch.weixin.qq.com";
    const URL: &str = "https://api.mch.weixin.qq.com/pay/unifiedorder";
    const XML: &str = "text/xml; charset=utf-8";
    const APPID: &str = "wx2421b1c4370ec43b";
    const MCH_ID: &str = "10000100";
    const KEY: &str = "192006250b4c09247ec02edce69f6a2d";
    const NONCE: &str = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";

    fn client() -> Client {
        let credentials = Credentials {
            appid: APPID.into(),
            mch_id: MCH_ID.into(),
            key: KEY.into(),
            sign_type: "HMAC-SHA256".into(),
        };
        Client::with_transport(BASE_URL, credentials, ReqwestTransport::default())
            .with_clock(FixedClock::at_unix_seconds(NOW))
            .with_nonce(FixedNonce(NONCE.into()))
    }

    fn generated(client: &Client) -> HttpRequest {
        let request = UnifiedorderRequest::new(
            "腾讯充值中心-QQ会员充值",
            "20231115061320000001",
            Fen(2000),
            "14.23.150.211",
            "https://merchant.example.com/notify",
            unifiedorder_request::TradeType::Jsapi,
        )
        .with_openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
        client.render_unifiedorder(&request).expect("renders")
    }

    /// The fields in wire order, as a hand-rolled client lists them.
    fn fields() -> Vec<(&'static str, String)> {
        let total_fee: i64 = 2000;
        vec![
            ("appid", APPID.to_owned()),
            ("mch_id", MCH_ID.to_owned()),
            ("nonce_str", NONCE.to_owned()),
            ("sign_type", "HMAC-SHA256".to_owned()),
            ("body", "腾讯充值中心-QQ会员充值".to_owned()),
            ("out_trade_no", "20231115061320000001".to_owned()),
            ("total_fee", total_fee.to_string()),
            ("spbill_create_ip", "14.23.150.211".to_owned()),
            (
                "notify_url",
                "https://merchant.example.com/notify".to_owned(),
            ),
            ("trade_type", "JSAPI".to_owned()),
            ("openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".to_owned()),
        ]
    }

    fn string_to_sign(fields: &[(&'static str, String)]) -> String {
        let map: BTreeMap<String, String> = fields
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        format!("{}&key={KEY}", join(&map))
    }

    fn hmac_upper(to_sign: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(KEY.as_bytes()).expect("any key");
        mac.update(to_sign);
        hex::encode_upper(mac.finalize().into_bytes())
    }

    fn baseline() -> HttpRequest {
        let mut fields = fields();
        let sign = hmac_upper(string_to_sign(&fields).as_bytes());
        fields.push(("sign", sign));
        let mut body = String::from("<xml>");
        for (k, v) in &fields {
            if *k == "total_fee" {
                body.push_str(&format!("<{k}>{v}</{k}>"));
            } else {
                body.push_str(&format!("<{k}><![CDATA[{v}]]></{k}>"));
            }
        }
        body.push_str("</xml>");
        http_request(URL, XML, None, body)
    }

    fn floor(to_sign: &[u8]) -> String {
        hmac_upper(to_sign)
    }

    fn xml_sign(body: &str) -> String {
        let start = body.find("<sign><![CDATA[").expect("sign field") + "<sign><![CDATA[".len();
        let end = body[start..].find("]]>").expect("CDATA end");
        body[start..start + end].to_owned()
    }

    pub fn bench(c: &mut Criterion) {
        let client = client();
        let to_sign = string_to_sign(&fields()).into_bytes();
        let rendered = generated(&client);
        check(
            "wechatpay_v2",
            &rendered,
            &baseline(),
            &xml_sign(&rendered.body),
            &floor(&to_sign),
        );

        three_way(
            c,
            "wechatpay_v2",
            || generated(black_box(&client)),
            baseline,
            || floor(black_box(&to_sign)),
        );
    }
}

criterion_group! {
    name = signing;
    config = config();
    targets = tiantapay::bench, mpgateway::bench, mct1::bench, wantu::bench, shouqianba::bench, wechatpay_v2::bench, alipay::bench
}
criterion_main!(signing);
