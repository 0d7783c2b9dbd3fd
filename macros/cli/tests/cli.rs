//! The `paygen` binary end to end: the documented worked example, byte-identical requests
//! from the CLI and the generated clients, verification (exit 1 refused, 3 a business
//! refusal), and one-line errors (exit 2).

use md5::{Digest, Md5};
use paygen::{FixedClock, HttpRequest};
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::process::{Command, Output};

const NOW: i64 = 1_700_000_000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn paygen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paygen"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("the paygen binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `paygen request ... --json` as (method, url, headers, body).
fn cli_request(spec: &str, operation: &str, credentials: &Value, params: &Value) -> HttpRequest {
    let output = paygen(&[
        "request",
        spec,
        operation,
        "--credentials",
        &credentials.to_string(),
        "--params",
        &params.to_string(),
        "--now",
        &NOW.to_string(),
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let value: Value = serde_json::from_str(&stdout(&output)).unwrap();
    HttpRequest {
        method: value["method"].as_str().unwrap().to_owned().into(),
        url: value["url"].as_str().unwrap().to_owned(),
        headers: value["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(n, v)| (n.clone().into(), v.as_str().unwrap().to_owned().into()))
            .collect(),
        body: value["body"].as_str().unwrap().to_owned(),
        sensitive: Vec::new(),
    }
}

#[test]
fn worked_example_of_document_002_byte_for_byte() {
    let credentials = json!({
        "open_id": "87f46f5db1b65f0ac195285f49ee6958",
        "open_key": "0828e83720fdbe3685a7b94214af04f9",
    });
    let output = paygen(&[
        "request",
        "specs/mct1.yaml",
        "paylist",
        "--credentials",
        &credentials.to_string(),
        "--params",
        r#"{"pmt_type":0}"#,
        "--now",
        "1497957842",
        "--json",
        "--explain",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let value: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        value["body"],
        "timestamp=1497957842&open_id=87f46f5db1b65f0ac195285f49ee6958&data=3304A5EC2CDEB4D12ED3338B5C01BF6B&sign=915be5aff09f2686870e1d17e93b3542"
    );
    assert_eq!(value["url"], "https://api.XXX.com/mct1/paylist");
    let signing = &value["signing"];
    assert_eq!(
        signing["digests"][0]["output"],
        "013030c4532c00c14ad8b9e47f3382f9ea4a8ed1"
    );
    assert_eq!(signing["signature"], "915be5aff09f2686870e1d17e93b3542");
    assert!(signing["string_to_sign"]
        .as_str()
        .unwrap()
        .contains("open_key=***"));
    assert!(!stdout(&output).contains("0828e83720fdbe3685a7b94214af04f9"));
    // The pmt_type given as a string is the same wire value.
    let as_string = cli_request(
        "specs/mct1.yaml",
        "paylist",
        &credentials,
        &json!({"pmt_type": "0"}),
    );
    assert!(as_string
        .body
        .contains("data=3304A5EC2CDEB4D12ED3338B5C01BF6B"));
}

#[test]
fn tiantapay_cli_and_generated_client_agree() {
    use paygen_tiantapay::*;
    let client = Client::new(
        Environment::default(),
        Credentials {
            user_token: "123456".into(),
            key: "C3226F16BE".into(),
        },
    )
    .with_clock(FixedClock::at_unix_seconds(NOW));
    let request = IndexRequest::new(
        "28705321936224024",
        PayType::Alipay,
        paygen::Fen(1),
        "http://www.baidu.com",
        "1234",
        "测试",
        "1524731816",
    );
    let generated = client.render_index(&request).unwrap();
    let cli = cli_request(
        "specs/tiantapay.yaml",
        "index",
        &json!({"user_token": "123456", "key": "C3226F16BE"}),
        &json!({"auth_code": "28705321936224024", "type": "ALIPAY", "money": 1,
                "notifyUrl": "http://www.baidu.com", "operatorId": "1234", "body": "测试",
                "orderNo": "1524731816"}),
    );
    assert_eq!(generated, cli);
    // Document 000 section 3.1: sorted pairs, key appended raw, MD5 upper. The MD5 of
    // that string with this spec's version=V1.0.8 is recorded in specs/tiantapay.yaml
    // (example `sign_string_sample`), computed outside the runtime.
    let md5 = "6410139E76EA6B9A4F0731F7AB0B6063";
    assert!(
        generated.body.contains(&format!(r#""sign":"{md5}""#)),
        "{}",
        generated.body
    );
}

#[test]
fn mpgateway_cli_and_generated_client_agree() {
    use paygen_mpgateway::*;
    let client = Client::new(
        Environment::default(),
        Credentials {
            merid: "100000000000001".into(),
            key: "k".into(),
        },
    )
    .with_clock(FixedClock::at_unix_seconds(NOW));
    let request = MpgatewayRequest::new(
        mpgateway_request::Action::AliCode,
        paygen::Fen(100),
        "20240101000001",
        "https://m.example/notify",
    )
    .with_code("284020000000000000");
    let generated = client.render_mpgateway(&request).unwrap();
    let cli = cli_request(
        "specs/mpgateway.yaml",
        "mpgateway",
        &json!({"merid": "100000000000001", "key": "k"}),
        &json!({"action": "AliCode", "txnamt": "100", "orderid": "20240101000001",
                "backurl": "https://m.example/notify", "code": "284020000000000000"}),
    );
    assert_eq!(generated, cli);
    // req is base64 of the business JSON with merid inside; sign is md5(req + key) lower.
    let form: Vec<(String, String)> = form_urlencoded_pairs(&generated.body);
    assert_eq!(form[0].0, "req");
    let json = paygen::tooling::cipher::base64_decode(&form[0].1).unwrap();
    let value: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(value["merid"], "100000000000001");
    assert_eq!(value["txnamt"], 100);
    let expected = paygen::tooling::digest::digest_hex(
        paygen::protocol::DigestAlgorithm::Md5,
        format!("{}k", form[0].1).as_bytes(),
        paygen::protocol::HexCase::Lower,
    );
    assert_eq!(form[1], ("sign".to_owned(), expected));
}

fn form_urlencoded_pairs(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap();
            let decode = |s: &str| {
                let mut out = Vec::new();
                let bytes = s.as_bytes();
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i] == b'%' {
                        out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                        i += 3;
                    } else {
                        out.push(bytes[i]);
                        i += 1;
                    }
                }
                String::from_utf8(out).unwrap()
            };
            (decode(name), decode(value))
        })
        .collect()
}

#[test]
fn wantu_cli_and_generated_client_agree() {
    use paygen_wantu::*;
    let client = Client::new(
        Environment::Sandbox,
        Credentials {
            merchant_account: "HKG1449074190".into(),
            store_account: "HKG1831455570".into(),
            key: "secret-md5-key".into(),
        },
    )
    .with_clock(FixedClock::at_unix_seconds(NOW));
    let request = PospayRequest::new(
        PayChannel::from_wire("1"),
        paygen::Fen(2000),
        "aaaa",
        "5322516544211",
        "134567890123456789",
        "HKD",
        "http://www.dev/test/post.php",
    )
    .with_attach("xxxxxx");
    let generated = client.render_pospay(&request).unwrap();
    let cli = cli_request(
        "specs/wantu.yaml",
        "pospay",
        &json!({"merchant_account": "HKG1449074190", "store_account": "HKG1831455570", "key": "secret-md5-key"}),
        &json!({"pay_channel": 1, "total_fee": 2000, "subject": "aaaa", "out_trade_no": "5322516544211",
                "auth_code": "134567890123456789", "fee_type": "HKD",
                "notify_url": "http://www.dev/test/post.php", "attach": "xxxxxx"}),
    );
    assert_eq!(generated, cli);
    // send_time is the clock in UTC+8: 1700000000 is 2023-11-14 22:13:20 UTC.
    assert!(
        generated
            .body
            .contains(r#""send_time":"2023-11-15 06:13:20""#),
        "{}",
        generated.body
    );
    assert!(generated.body.contains(r#""total_fee":"2000""#));
}

#[test]
fn shouqianba_cli_and_generated_client_agree() {
    use paygen_shouqianba::*;
    let client = Client::new(
        Environment::default(),
        Credentials {
            terminal_sn: "100000330000000001".into(),
            terminal_key: "terminal-secret".into(),
        },
    )
    .with_clock(FixedClock::at_unix_seconds(NOW));
    let request = PayRequest::new(
        "12345677767776",
        paygen::Fen(100),
        "130818341921441147",
        "pizza",
        "Obama",
    );
    let generated = client.render_pay(&request).unwrap();
    let cli = cli_request(
        "specs/shouqianba.yaml",
        "pay",
        &json!({"terminal_sn": "100000330000000001", "terminal_key": "terminal-secret"}),
        &json!({"client_sn": "12345677767776", "total_amount": "100", "dynamic_id": "130818341921441147",
                "subject": "pizza", "operator": "Obama"}),
    );
    assert_eq!(generated, cli);
    // Authorization: terminal_sn + " " + MD5(body + terminal_key).
    let sign = paygen::tooling::digest::digest_hex(
        paygen::protocol::DigestAlgorithm::Md5,
        format!("{}terminal-secret", generated.body).as_bytes(),
        paygen::protocol::HexCase::Lower,
    );
    let authorization = generated
        .headers
        .iter()
        .find(|(n, _)| n == "Authorization")
        .unwrap();
    assert_eq!(authorization.1, format!("100000330000000001 {sign}"));
}

#[test]
fn mct1_payorder_cli_and_generated_client_agree() {
    use paygen_mct1::*;
    let client = Client::new(
        Environment::default(),
        Credentials {
            open_id: "87f46f5db1b65f0ac195285f49ee6958".into(),
            open_key: "0828e83720fdbe3685a7b94214af04f9".into(),
        },
    )
    .with_clock(FixedClock::at_unix_seconds(NOW));
    // 4.4.2 条码支付: auth_code is an argument of the barcode request.
    let request = PayorderBarcodeRequest::new(
        "out1001",
        "WEIXIN",
        paygen::Fen(990),
        paygen::Fen(990),
        "134567890123456789",
    )
    .with_remark("备注");
    let generated = client.render_payorder(&request.into()).unwrap();
    let cli = cli_request(
        "specs/mct1.yaml",
        "payorder",
        &json!({"open_id": "87f46f5db1b65f0ac195285f49ee6958", "open_key": "0828e83720fdbe3685a7b94214af04f9"}),
        &json!({"out_no": "out1001", "pmt_tag": "WEIXIN", "original_amount": 990, "trade_amount": 990,
                "auth_code": "134567890123456789", "remark": "备注"}),
    );
    assert_eq!(generated, cli);
}

#[test]
fn verify_response_checks_the_signature_over_raw_values() {
    // A wantu response signed by the document's rule with a known key; total_fee is the
    // number 100 as responses send it.
    let key = "secret-md5-key";
    let canonical = "fee_type=HKD&out_trade_no=5322516544211&return_code=200&return_msg=SUCCESS&total_fee=100&trade_id=100020171130120038029905&trade_status=SUCCESS&trade_time=2017-11-30 17:56:21";
    let sign = paygen::tooling::digest::digest_hex(
        paygen::protocol::DigestAlgorithm::Md5,
        format!("{canonical}&key={key}").as_bytes(),
        paygen::protocol::HexCase::Upper,
    );
    let body = format!(
        r#"{{"return_code":200,"return_msg":"SUCCESS","out_trade_no":"5322516544211","trade_id":"100020171130120038029905","total_fee":100,"fee_type":"HKD","trade_status":"SUCCESS","trade_time":"2017-11-30 17:56:21","sign":"{sign}"}}"#
    );
    let credentials =
        json!({"merchant_account": "HKG1449074190", "store_account": "HKG1831455570", "key": key})
            .to_string();
    let ok = paygen(&[
        "verify-response",
        "specs/wantu.yaml",
        "query",
        "--credentials",
        &credentials,
        "--body",
        &body,
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert_eq!(stderr(&ok), "signature verified\n");
    let fields: Value = serde_json::from_str(&stdout(&ok)).unwrap();
    assert_eq!(fields["total_fee"], 100);
    assert!(fields.get("sign").is_none());

    let tampered = body.replace(r#""total_fee":100"#, r#""total_fee":1000"#);
    let bad = paygen(&[
        "verify-response",
        "specs/wantu.yaml",
        "query",
        "--credentials",
        &credentials,
        "--body",
        &tampered,
    ]);
    assert_exit(&bad, 1, "signature check failed");
}

#[test]
fn verify_notify_prints_fields_and_the_exact_ack() {
    // An mpgateway notification: resp = base64(JSON), sign = md5(resp + key), as a form.
    let json = r#"{"resultcode":"0000","resultmsg":"支付成功","queryid":"Q1","txnamt":100,"merid":"M1","orderid":"20240101000001","paytime":"2024-01-01 10:00:00"}"#;
    let resp = paygen::tooling::cipher::base64_encode(json.as_bytes());
    let sign = paygen::tooling::digest::digest_hex(
        paygen::protocol::DigestAlgorithm::Md5,
        format!("{resp}key1").as_bytes(),
        paygen::protocol::HexCase::Lower,
    );
    // The notifier did not percent-encode base64's `+`, so a form decoder sees spaces.
    assert!(
        resp.contains('+'),
        "the fixture must exercise the `+` repair: {resp}"
    );
    let body = format!("resp={resp}&sign={sign}");
    let credentials = json!({"merid": "M1", "key": "key1"}).to_string();
    let output = paygen(&[
        "verify-notify",
        "specs/mpgateway.yaml",
        "--credentials",
        &credentials,
        "--body",
        &body,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let value: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(value["ack"], "0000");
    assert_eq!(value["fields"]["resultmsg"], "支付成功");
    assert_eq!(value["fields"]["txnamt"], 100);

    let wrong_key = json!({"merid": "M1", "key": "other"}).to_string();
    let rejected = paygen(&[
        "verify-notify",
        "specs/mpgateway.yaml",
        "--credentials",
        &wrong_key,
        "--body",
        &body,
    ]);
    assert_eq!(rejected.status.code(), Some(1));
}

#[test]
fn bad_input_is_one_line_naming_the_field_and_rule_with_exit_2() {
    let creds = json!({"open_id": "x", "open_key": "0828e83720fdbe3685a7b94214af04f9"}).to_string();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "request",
                "specs/nope.yaml",
                "paylist",
                "--credentials",
                "{}",
            ],
            "cannot read spec",
        ),
        (
            &[
                "request",
                "specs/mct1.yaml",
                "nope",
                "--credentials",
                &creds,
            ],
            "unknown operation `nope`",
        ),
        (
            &[
                "request",
                "specs/mct1.yaml",
                "paylist",
                "--credentials",
                &creds,
                "--params",
                "{}",
            ],
            "parameter `pmt_type`: is required",
        ),
        (
            &[
                "request",
                "specs/mct1.yaml",
                "paylist",
                "--credentials",
                &creds,
                "--params",
                r#"{"pmt_type":0,"x":1}"#,
            ],
            "parameter `x`: is not a field",
        ),
        (
            &[
                "request",
                "specs/mct1.yaml",
                "paylist",
                "--credentials",
                &creds,
                "--params",
                r#"{"pmt_type":"two"}"#,
            ],
            "parameter `pmt_type`: must be a whole number",
        ),
        (
            &[
                "request",
                "specs/mct1.yaml",
                "paylist",
                "--credentials",
                &creds,
                "--params",
                r#"{"pmt_type":9}"#,
            ],
            "parameter `pmt_type`: must be one of 0, 2, 3, 4",
        ),
        (
            &[
                "request",
                "specs/mct1.yaml",
                "paylist",
                "--credentials",
                &creds,
                "--params",
                "{",
            ],
            "--params is not valid JSON",
        ),
        (
            &[
                "request",
                "specs/mct1.yaml",
                "paylist",
                "--credentials",
                r#"{"open_id":"x"}"#,
                "--params",
                r#"{"pmt_type":0}"#,
            ],
            "missing credential `open_key`",
        ),
        (
            &[
                "request",
                "specs/mct1.yaml",
                "paylist",
                "--credentials",
                r#"{"open_id":"x","open_key":"short"}"#,
                "--params",
                r#"{"pmt_type":0}"#,
            ],
            "credential `open_key` unusable",
        ),
    ];
    for (args, expected) in cases {
        let output = paygen(args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"));
    }
    let merchant = json!({"merid": "M1", "key": "k"}).to_string();
    let output = paygen(&[
        "request",
        "specs/mpgateway.yaml",
        "query",
        "--credentials",
        &merchant,
        "--params",
        "{}",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("parameter `queryid`: at least one of queryid, orderid is required"),
        "{}",
        stderr(&output)
    );
    let long = "x".repeat(65);
    let creds = json!({"terminal_sn": "t", "terminal_key": "k"}).to_string();
    let params = json!({"client_sn": long, "total_amount": 1, "dynamic_id": "d", "subject": "s", "operator": "o"}).to_string();
    let output = paygen(&[
        "request",
        "specs/shouqianba.yaml",
        "pay",
        "--credentials",
        &creds,
        "--params",
        &params,
    ]);
    assert_exit(
        &output,
        2,
        "parameter `client_sn`: is 65 characters, at most 64 allowed",
    );
}

#[test]
fn an_operation_the_document_leaves_unsigned_goes_without_sign() {
    // Document 001 section 3.2.1: 本接口不需签名.
    let request = cli_request(
        "specs/mpgateway.yaml",
        "openid",
        &json!({"merid": "M1", "key": "k"}),
        &json!({"backurl": "https://m.example/back"}),
    );
    assert!(request.body.starts_with("req="), "{}", request.body);
    assert!(!request.body.contains("sign="), "{}", request.body);
    let signed = cli_request(
        "specs/mpgateway.yaml",
        "query",
        &json!({"merid": "M1", "key": "k"}),
        &json!({"orderid": "20240101000001"}),
    );
    assert!(signed.body.contains("&sign="), "{}", signed.body);
}

#[test]
fn describe_lists_operations_and_fields() {
    let output = paygen(&["describe", "specs/wantu.yaml", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let value: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let names: Vec<&str> = value["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    for expected in [
        "create_qrcode",
        "pospay",
        "refund",
        "query",
        "cancel",
        "close",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    let pospay = value["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "pospay")
        .unwrap();
    let total_fee = pospay["request"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "total_fee")
        .unwrap();
    assert_eq!(total_fee["type"], "fen");
    assert_eq!(total_fee["required"], true);
    let text = paygen(&["describe", "specs/mct1.yaml"]);
    assert!(stdout(&text).contains("operation paylist: POST /paylist"));
}

#[test]
fn generate_check_passes_on_the_committed_tree() {
    let output = paygen(&["generate", "--check"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Writes `text` to a fresh file under the system temp directory.
fn temp_spec(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("paygen-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, text).expect("temp spec");
    path
}

#[test]
fn check_proves_the_worked_example_of_document_002_and_shows_a_difference() {
    // specs/mct1.yaml's paylist example is document 002 §2.4's worked example.
    let output = paygen(&["check", "specs/mct1.yaml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("ok       paylist/worked_example (document 2.4)"),
        "{}",
        stdout(&output)
    );

    let spec = std::fs::read_to_string(root().join("specs/mct1.yaml")).expect("mct1 spec");
    let broken = spec.replace(
        "sign=915be5aff09f2686870e1d17e93b3542",
        "sign=915be5aff09f2686870e1d17e93b3543",
    );
    assert_ne!(broken, spec);
    let path = temp_spec("mct1", &broken);
    let output = paygen(&["check", path.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("MISMATCH paylist/worked_example"), "{out}");
    assert!(out.contains("first difference at byte 136"), "{out}");
    assert!(out.contains("- expected: …"), "{out}");
    assert!(stderr(&output).contains("1 of 1 request examples differ"));
}

const NONCE_SPEC: &str = r#"
name: noncy
title: nonce and number text
document: none
environments: [{ name: production, base_url: https://pay.example.invalid }]
credentials: [{ name: key, secret: true }]
signatures:
  - name: md5
    input: canonical
    key: { credential: key, placement: { append: "&key=" } }
    digests: [{ algorithm: md5, hex: upper }]
protocol:
  request:
    body: json
    common:
      - { name: nonce_str, value: { nonce: 8 } }
      - { name: time, value: { clock: unix_seconds }, as_number: true }
    signature: { recipe: md5, output: { field: sign } }
  response:
    body: json
    success: { field: code, equals: ["0"] }
operations:
  - name: pay
    summary: Pay
    path: /pay
    request:
      - { name: pay_amount, type: string, required: true }
    response:
      - { name: code, type: string, required: true }
"#;

#[test]
fn request_nonce_pins_exactly_the_text_given_and_numbers_keep_their_text() {
    let path = temp_spec("noncy", NONCE_SPEC);
    let output = paygen(&[
        "request",
        path.to_str().expect("utf-8 path"),
        "pay",
        "--credentials",
        r#"{"key":"k"}"#,
        "--params",
        r#"{"pay_amount":100.00}"#,
        "--now",
        "1700000000",
        "--nonce",
        "abc",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let rendered: Value = serde_json::from_str(&stdout(&output)).expect("json");
    let body = rendered["body"].as_str().expect("body");
    assert!(
        body.starts_with(r#"{"nonce_str":"abc","time":1700000000,"pay_amount":"100.00","sign":""#),
        "{body}"
    );
}

#[test]
fn demo_runs_one_gateway_scenario_for_every_mapped_provider() {
    let started = std::time::Instant::now();
    let output = paygen(&["demo"]);
    let elapsed = started.elapsed();
    let out = stdout(&output);
    assert!(output.status.success(), "{out}\n{}", stderr(&output));
    assert!(
        out.starts_with("sandbox listening on http://127.0.0.1:"),
        "{out}"
    );
    // Not a terminal: no colour codes.
    assert!(!out.contains('\x1b'), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
    let step_marked = |provider: &str, step: &str, operation: &str, mark: &str| {
        out.lines().any(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            l.starts_with(provider)
                && l.contains(step)
                && words.contains(&operation)
                && words.contains(&mark)
        })
    };
    let step =
        |provider: &str, step: &str, operation: &str| step_marked(provider, step, operation, "ok");
    // Precreated (the buyer pays, the notification follows) where the provider
    // notifies of payments, else paid by code; the operation is the spec's mapped one.
    for (provider, first, operation) in [
        ("alipay", "precreate", "trade_precreate"),
        ("mct1", "precreate", "payorder"),
        ("mpgateway", "precreate", "mpgateway"),
        ("tiantapay", "pay", "index"),
        ("wantu", "precreate", "create_qrcode"),
        ("wechatpay_v2", "precreate", "unifiedorder"),
        ("wechatpay_v3", "precreate", "native"),
    ] {
        assert!(
            step(provider, first, operation),
            "{provider} {first}: {out}"
        );
    }
    for (provider, query) in [
        ("alipay", "trade_query"),
        ("mct1", "paystatus"),
        ("wechatpay_v2", "orderquery"),
        ("wechatpay_v3", "query_by_out_trade_no"),
    ] {
        assert!(step(provider, "query", query), "{provider}: {out}");
    }
    // WeChat Pay APIv3: signed in headers both ways, the close answered 204 (no body).
    assert!(step("wechatpay_v3", "refund", "refund"), "{out}");
    assert!(step("wechatpay_v3", "close", "close"), "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("wechatpay_v3")
            && l.contains("notify refund")
            && l.contains("signature verified, status partially_refunded")),
        "{out}"
    );
    assert!(wire_204(&out), "{out}");
    assert!(step("wantu", "refund", "refund"), "{out}");
    assert!(step("wantu", "close", "close"), "{out}");
    assert!(step("alipay", "close", "trade_close"), "{out}");
    // Roles a provider lacks: shown, not failed.
    assert!(step_marked("mct1", "close", "-", "n/a"), "{out}");
    assert!(step_marked("mpgateway", "refund", "-", "n/a"), "{out}");
    assert!(
        step_marked("wechatpay_v3", "pay-poll-cancel", "-", "n/a"),
        "{out}"
    );
    for provider in [
        "alipay",
        "mct1",
        "mpgateway",
        "wantu",
        "wechatpay_v2",
        "wechatpay_v3",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(provider)
                && l.contains("notify pay")
                && l.contains("signature verified, status paid")),
            "{provider}: {out}"
        );
    }
    // Pay-poll-cancel through `pay_and_settle` with the sandbox's knobs: settled paid,
    // the pay request sent exactly once (the sandbox's count). 收钱吧's is its gateway's
    // too (三.2.4), the one flow every provider runs.
    for provider in [
        "alipay",
        "mct1",
        "mpgateway",
        "shouqianba",
        "wantu",
        "wechatpay_v2",
    ] {
        for knob in [
            "12.02 元 in progress",
            "12.03 元 lost reply",
            "12.04 元 slow reply",
        ] {
            assert!(
                out.lines().any(|l| l.starts_with(provider)
                    && l.contains("pay-poll-cancel")
                    && l.contains(knob)
                    && l.ends_with("settled paid, pay sent 1×")),
                "{provider} {knob}: {out}"
            );
        }
    }
    assert!(out.contains("-> no reply (outcome unknown)"), "{out}");
    assert!(out.contains("12.88 元"), "{out}");
    assert!(out.contains("5.00 元 of 12.88 元 back"), "{out}");
    assert!(out.contains("status partially_refunded"), "{out}");
    // Each step's wire summary, on the line after it.
    let wire = |summary: &str| out.lines().any(|l| l.trim_start().starts_with(summary));
    assert!(wire("POST /wantu/create-qrcode json "), "{out}");
    assert!(wire("POST /wantu/pospay json "), "{out}");
    assert!(wire("POST /alipay form "), "{out}");
    assert!(wire("GET /mct1 query "), "{out}");
    assert!(out.contains(" B -> 200 json "), "{out}");
    assert!(out.contains(" B -> 200 xml "), "{out}");
    assert!(out.contains(r#" B -> "success""#), "{out}");
    // The table's unified status of each lifecycle order.
    assert!(
        out.lines()
            .any(|l| l.starts_with("provider") && l.contains(" status ")),
        "{out}"
    );
    for (provider, status) in [
        ("alipay", "paid"),
        ("wantu", "paid"),
        ("wechatpay_v3", "refunded"),
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(provider) && l.split_whitespace().nth(4) == Some(status)),
            "{provider} {status}: {out}"
        );
    }
    // Every spec with a `gateway:` section runs; any other is listed as skipped.
    let mut mapped = 0;
    for entry in std::fs::read_dir(root().join("specs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let skipped = out.lines().any(|l| {
            l.starts_with(&name) && l.ends_with("skipped: its spec has no gateway: section")
        });
        if text.lines().any(|l| l == "gateway:") {
            mapped += 1;
            assert!(!skipped, "{name}: {out}");
        } else {
            assert!(skipped, "{name}: {out}");
        }
    }
    assert!(
        out.contains(&format!("\n{mapped} providers, ")) && out.contains(" steps, all passed in "),
        "{out}"
    );
    assert!(elapsed < std::time::Duration::from_secs(20), "{elapsed:?}");
}

/// Whether the demo's close of WeChat Pay APIv3 went out and came back 204 No Content.
fn wire_204(out: &str) -> bool {
    out.lines().any(|l| {
        l.trim_start()
            .starts_with("POST /wechatpay_v3/v3/pay/transactions/out-trade-no/")
            && l.contains("/close json ")
            && l.ends_with("-> 204 text 0 B")
    })
}

/// Shell words of one command line: single and double quotes, backslash escapes
/// outside single quotes, and a `#` starting a word begins a comment.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            '#' if !in_word => break,
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The `cargo run [-q] --bin paygen -- …` commands of the README's `sh` blocks, with
/// backslash continuations joined, as the arguments after `--`.
fn readme_commands() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut commands = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in readme.lines() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            continue;
        }
        let full = std::mem::take(&mut pending) + line;
        let mut words = shell_words(&full);
        if words.get(2).is_some_and(|w| w == "-q") {
            words.remove(2);
        }
        let prefix = ["cargo", "run", "--bin", "paygen", "--"];
        if words.len() > prefix.len() && words[..prefix.len()] == prefix {
            commands.push(words[prefix.len()..].to_vec());
        }
    }
    commands
}

#[test]
fn shell_words_split_like_a_shell() {
    assert_eq!(
        shell_words(r#"a 'b c' "d \"e\"" f\ g # h"#),
        ["a", "b c", "d \"e\"", "f g"]
    );
}

/// Every `paygen` command the README shows runs as written and succeeds. `serve` runs
/// until stopped: it must start listening, and binds port 0 instead of the README's
/// 8080, which another process may hold.
#[test]
fn every_readme_command_runs_as_written() {
    let commands = readme_commands();
    let names: Vec<&str> = commands.iter().map(|c| c[0].as_str()).collect();
    for expected in [
        "request",
        "verify-response",
        "verify-notify",
        "demo",
        "describe",
        "generate",
        "serve",
    ] {
        assert!(
            names.contains(&expected),
            "README shows no `{expected}`: {names:?}"
        );
    }
    for command in &commands {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        if args[0] == "serve" {
            let args: Vec<&str> = args
                .iter()
                .map(|a| {
                    if *a == "127.0.0.1:8080" {
                        "127.0.0.1:0"
                    } else {
                        a
                    }
                })
                .collect();
            let mut child = Command::new(env!("CARGO_BIN_EXE_paygen"))
                .current_dir(root())
                .args(&args)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let mut first = String::new();
            let stdout = child.stdout.take().unwrap();
            std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first).unwrap();
            let _ = child.kill();
            let _ = child.wait();
            assert!(
                first.starts_with("listening on http://127.0.0.1:"),
                "{first}"
            );
            continue;
        }
        let output = paygen(&args);
        assert!(
            output.status.success(),
            "README command `paygen {}` failed: {}",
            args.join(" "),
            stderr(&output)
        );
    }
}

#[test]
fn a_misspelled_param_gets_a_suggestion() {
    let output = paygen(&[
        "request",
        "specs/mct1.yaml",
        "paylist",
        "--credentials",
        r#"{"open_id":"87f46f5db1b65f0ac195285f49ee6958","open_key":"0828e83720fdbe3685a7b94214af04f9"}"#,
        "--params",
        r#"{"pmt_typ":0}"#,
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output).trim(),
        "error: parameter `pmt_typ`: is not a field of this operation (did you mean `pmt_type`?)"
    );
    let output = paygen(&[
        "request",
        "specs/mct1.yaml",
        "paylst",
        "--credentials",
        "{}",
    ]);
    assert!(
        stderr(&output).contains("unknown operation `paylst` (did you mean `paylist`?)"),
        "{}",
        stderr(&output)
    );
}

/// `--explain` shows the string to sign as received, the key masked where the recipe
/// appends it, and both signatures, also when they differ (the failure it explains).
#[test]
fn verify_explain_shows_the_received_string_to_sign_and_both_signatures() {
    let key = "secret-md5-key";
    let credentials =
        json!({"merchant_account": "HKG1449074190", "store_account": "HKG1831455570", "key": key})
            .to_string();
    let body = r#"{"return_code":200,"return_msg":"SUCCESS","out_trade_no":"5322516544211","trade_id":"100020171130120038029905","total_fee":1000,"sign":"18D13C234E405949970021E4D3D6C4EC"}"#;
    let output = paygen(&[
        "verify-response",
        "specs/wantu.yaml",
        "query",
        "--credentials",
        &credentials,
        "--body",
        body,
        "--explain",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let out = stdout(&output);
    let canonical = "out_trade_no=5322516544211&return_code=200&return_msg=SUCCESS&total_fee=1000&trade_id=100020171130120038029905";
    assert!(
        out.contains(&format!("string to sign:     {canonical}&key=***\n")),
        "{out}"
    );
    assert!(!out.contains(key), "{out}");
    let expected = paygen::tooling::digest::digest_hex(
        paygen::protocol::DigestAlgorithm::Md5,
        format!("{canonical}&key={key}").as_bytes(),
        paygen::protocol::HexCase::Upper,
    );
    assert!(
        out.contains(&format!("expected signature: {expected}\n")),
        "{out}"
    );
    assert!(
        out.contains("received signature: 18D13C234E405949970021E4D3D6C4EC\n"),
        "{out}"
    );

    // A notification: mpgateway signs base64(JSON) + key, appended raw; the sign below
    // is `md5sum` of the `resp` text followed by `key1`, computed outside paygen.
    let resp = "eyJyZXN1bHRjb2RlIjoiMDAwMCIsInJlc3VsdG1zZyI6Im9rIiwicXVlcnlpZCI6IlExIiwidHhuYW10IjoxMDAsIm1lcmlkIjoiTTEiLCJvcmRlcmlkIjoiMjAyNDAxMDEwMDAwMDEiLCJwYXl0aW1lIjoiMjAyNC0wMS0wMSAxMDowMDowMCJ9";
    let output = paygen(&[
        "verify-notify",
        "specs/mpgateway.yaml",
        "--credentials",
        r#"{"merid":"M1","key":"key1"}"#,
        "--body",
        &format!("resp={resp}&sign=73093788e463c50d546c9565a32f04ab"),
        "--explain",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains(&format!("string to sign:     {resp}***\n")),
        "{out}"
    );
    assert!(
        out.contains("expected signature: 73093788e463c50d546c9565a32f04ab\n")
            && out.contains("received signature: 73093788e463c50d546c9565a32f04ab\n"),
        "{out}"
    );
}

/// Asserts the exit code and that stderr says `says`.
fn assert_exit(output: &Output, code: i32, says: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(code), "{err}");
    assert!(err.contains(says), "expected `{says}` in: {err}");
}

/// MD5 of `text` in upper hex, by the md-5 crate: independent of the runtime's digests.
fn md5_upper(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// The `md5` recipe WeChat Pay v2 and wantu share, written out: non-empty `k=v` sorted by
/// name, `sign` left out, `&key=` and the key appended, MD5 in upper hex.
fn md5_key_sign(pairs: &[(String, String)], key: &str) -> String {
    let mut signed: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(name, value)| name != "sign" && !value.is_empty())
        .collect();
    signed.sort();
    let canonical: Vec<String> = signed.iter().map(|(n, v)| format!("{n}={v}")).collect();
    md5_upper(&format!("{}&key={key}", canonical.join("&")))
}

/// A wantu JSON reply of `fields` with its `sign`, numbers signed as their text.
fn wantu_signed(fields: Value, key: &str) -> String {
    let Value::Object(mut map) = fields else {
        panic!("a reply is an object")
    };
    let pairs: Vec<(String, String)> = map
        .iter()
        .map(|(name, value)| match value {
            Value::String(text) => (name.clone(), text.clone()),
            other => (name.clone(), other.to_string()),
        })
        .collect();
    map.insert("sign".into(), Value::String(md5_key_sign(&pairs, key)));
    Value::Object(map).to_string()
}

const WANTU_KEY: &str = "secret-md5-key";

fn wantu_credentials() -> String {
    json!({"merchant_account": "HKG1449074190", "store_account": "HKG1831455570", "key": WANTU_KEY})
        .to_string()
}

/// `paygen verify-response specs/wantu.yaml query` of `body`.
fn verify_wantu_query(body: &str) -> Output {
    paygen(&[
        "verify-response",
        "specs/wantu.yaml",
        "query",
        "--credentials",
        &wantu_credentials(),
        "--body",
        body,
    ])
}

/// A complete, successful wantu query reply (the document's 2.5 example, re-signed).
fn wantu_query_success() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "return_code": 200, "return_msg": "SUCCESS", "out_trade_no": "111332461223429",
        "trade_status": "SUCCESS", "trade_id": "100020171130144813026280",
        "trade_time": "2017-11-30 17:56:21", "total_fee": 100, "fee_type": "HKD", "attach": "",
        "store_account": "HKG1831455570", "device_sn": "设备1"
    }) else {
        unreachable!()
    };
    map
}

#[test]
fn a_business_refusal_exits_3_saying_whether_it_was_signed() {
    // Signed and refused: 402 ORDER_INVALID carries none of the success fields, and
    // need not (a generated client reports it as a refusal, never decoding them).
    let refused = wantu_signed(
        json!({"return_code": 402, "return_msg": "ORDER_INVALID"}),
        WANTU_KEY,
    );
    let output = verify_wantu_query(&refused);
    assert_exit(&output, 3, "business result: failure (signature verified), `return_code` is `402`, message `ORDER_INVALID`");
    let fields: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(fields["return_code"], 402);

    // 301 SIGN_ERROR comes unsigned, a shape the spec declares.
    let output = verify_wantu_query(r#"{"return_code":301,"return_msg":"SIGN_ERROR"}"#);
    assert_exit(
        &output,
        3,
        "business result: failure (unsigned error reply), `return_code` is `301`",
    );

    // The same unsigned shape claiming success is refused outright.
    let output = verify_wantu_query(r#"{"return_code":200,"return_msg":"SUCCESS"}"#);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));

    // A refusal's own values still fit the table: return_msg is at most 128 characters.
    let long = wantu_signed(
        json!({"return_code": 402, "return_msg": "x".repeat(129)}),
        WANTU_KEY,
    );
    let output = verify_wantu_query(&long);
    assert_exit(&output, 1, "field `return_msg` is 129 characters long");
}

#[test]
fn a_signed_success_missing_a_required_field_or_too_long_exits_1() {
    let whole = wantu_signed(Value::Object(wantu_query_success()), WANTU_KEY);
    let output = verify_wantu_query(&whole);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let mut missing = wantu_query_success();
    missing.remove("trade_time");
    let output = verify_wantu_query(&wantu_signed(Value::Object(missing), WANTU_KEY));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "error: the reply does not fit the response table of `query`: field `trade_time` is required but absent\n"
    );
    assert_eq!(stdout(&output), "", "a refused reply prints no fields");

    // fee_type is String(3).
    let mut long = wantu_query_success();
    long.insert("fee_type".into(), json!("HKDX"));
    let output = verify_wantu_query(&wantu_signed(Value::Object(long), WANTU_KEY));
    assert_exit(
        &output,
        1,
        "field `fee_type` is 4 characters long, more than its maximum of 3",
    );

    let mut wrong = wantu_query_success();
    wrong.insert("total_fee".into(), json!("1.00"));
    let output = verify_wantu_query(&wantu_signed(Value::Object(wrong), WANTU_KEY));
    assert_exit(&output, 1, "field `total_fee` is not a whole number of 分");
}

/// The fields of the document's WeChat Pay v2 pay notification (支付结果通知 举例, the
/// spec's `documented` example), its unverifiable sign left out.
fn wechat_pay_notification() -> Vec<(String, String)> {
    let loaded = paygen_codegen::load_file(&root().join("specs/wechatpay_v2.yaml")).unwrap();
    let pay = loaded
        .spec
        .notifications
        .iter()
        .find(|n| n.name.value == "pay")
        .unwrap();
    let body = pay.examples[0].body.as_deref().unwrap();
    let mut fields = paygen::tooling::xml::parse_fields(body).unwrap();
    fields.retain(|(name, _)| name != "sign");
    assert!(fields
        .iter()
        .any(|(name, value)| name == "bank_type" && value == "CFT"));
    fields
}

/// `pairs` as WeChat sends them: XML, text in CDATA, with the MD5 `sign` of `key`.
fn wechat_signed_xml(pairs: &[(String, String)], key: &str) -> String {
    let sign = md5_key_sign(pairs, key);
    let mut xml = String::from("<xml>");
    for (name, value) in pairs.iter().chain([&("sign".to_owned(), sign)]) {
        xml.push_str(&format!("<{name}><![CDATA[{value}]]></{name}>"));
    }
    xml.push_str("</xml>");
    xml
}

fn verify_wechat_pay_notification(body: &str, key: &str) -> Output {
    let credentials = json!({"appid": "wx2421b1c4370ec43b", "mch_id": "10000100", "key": key, "sign_type": "MD5"});
    paygen(&[
        "verify-notify",
        "specs/wechatpay_v2.yaml",
        "pay",
        "--credentials",
        &credentials.to_string(),
        "--body",
        body,
    ])
}

#[test]
fn a_re_signed_notification_without_a_required_field_exits_1_naming_it() {
    let key = "test-keyxxxxxxxxxxxxxxxxxxxxxxxx";
    let genuine = wechat_signed_xml(&wechat_pay_notification(), key);
    let output = verify_wechat_pay_notification(&genuine, key);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(value["fields"]["bank_type"], "CFT");

    // Whoever holds the key can sign anything; the table still wants bank_type.
    let mut stripped = wechat_pay_notification();
    stripped.retain(|(name, _)| name != "bank_type");
    let forged = wechat_signed_xml(&stripped, key);
    let output = verify_wechat_pay_notification(&forged, key);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "error: the notification does not fit the field table of `pay`: field `bank_type` is required but absent\n"
    );
    assert_eq!(stdout(&output), "");

    // XML gives every value as text: total_fee must be the text of a whole number.
    let mut fractional = wechat_pay_notification();
    for (name, value) in fractional.iter_mut() {
        if name == "total_fee" {
            *value = "0.01".into();
        }
    }
    let output = verify_wechat_pay_notification(&wechat_signed_xml(&fractional, key), key);
    assert_exit(&output, 1, "field `total_fee` is not a whole number of 分");
}

#[test]
fn verify_help_gives_the_exit_codes() {
    let output = paygen(&["verify-response", "--help"]);
    let help = stdout(&output);
    for line in [
        "  0  success: signature verified",
        "  1  refused message: signature mismatch",
        "  2  bad input",
        "  3  business refusal the reply states",
    ] {
        assert!(help.contains(line), "{help}");
    }
    let help = stdout(&paygen(&["verify-notify", "--help"]));
    assert!(
        help.contains("  1  refused message: signature mismatch"),
        "{help}"
    );
    assert!(!help.contains("  3  "), "{help}");
}

/// `check_fields` of a lowered table against the generated client's typed decoding of
/// the same fields: the verdicts of the CLI and of a service must not differ.
fn agree_with_generated(
    table: &[paygen::protocol::FieldDef],
    typed: impl Fn(Value) -> Result<(), serde_json::Error>,
    fields: &Map<String, Value>,
) {
    let checked = paygen::tooling::received::check_fields(table, fields);
    let typed = typed(Value::Object(fields.clone()));
    assert_eq!(
        checked.is_ok(),
        typed.is_ok(),
        "check {checked:?}, generated client {typed:?}, fields {fields:?}"
    );
}

/// Variants of `base`: each of its fields removed, and each of `changes` applied.
fn variants(base: &Map<String, Value>, changes: &[(&str, Value)]) -> Vec<Map<String, Value>> {
    let mut out: Vec<Map<String, Value>> = base
        .keys()
        .map(|name| {
            let mut fields = base.clone();
            fields.remove(name);
            fields
        })
        .collect();
    for (name, value) in changes {
        let mut fields = base.clone();
        fields.insert((*name).to_owned(), value.clone());
        out.push(fields);
    }
    out.push(base.clone());
    out
}

/// Where the two differ by design (a required `json` field sent as `null`, a length
/// beyond `max_length`, an object item sent as an array) no variant goes.
#[test]
fn the_field_check_accepts_exactly_what_the_generated_client_decodes() {
    let loaded = paygen_codegen::load_file(&root().join("specs/wantu.yaml")).unwrap();
    let provider = paygen_codegen::lower(&loaded.spec);
    let query = &provider.operation("query").unwrap().response;
    let changes = [
        ("total_fee", json!("100")),
        ("total_fee", json!(" 100 ")),
        ("total_fee", json!("1.00")),
        ("total_fee", json!(1.5)),
        ("total_fee", json!("")),
        ("total_fee", json!(null)),
        ("total_fee", json!(true)),
        ("return_code", json!("200")),
        ("return_code", json!("999")),
        ("return_code", json!([200])),
        ("trade_time", json!(20171130)),
        ("trade_time", json!(false)),
        ("trade_time", json!({})),
        ("attach", json!(null)),
        ("attach", json!(7)),
        ("attach", json!([])),
        ("store_account", json!({"a": 1})),
        ("undocumented", json!({"a": 1})),
    ];
    let cases = variants(&wantu_query_success(), &changes);
    for fields in &cases {
        agree_with_generated(
            query,
            |v| serde_json::from_value::<paygen_wantu::QueryResponse>(v).map(drop),
            fields,
        );
    }

    let order_list = &provider.operation("order_list").unwrap().response;
    let item = json!({"trade_id": "T1", "refund_id": "R1", "type": 1, "total_fee": 100.0,
                      "date_added": "2017-11-30 17:56:21", "fee_type": "HKD", "out_trade_no": "O1"});
    let Value::Object(item) = item else {
        unreachable!()
    };
    let item_changes = [
        ("type", json!("-1")),
        ("type", json!("PAY")),
        ("type", json!({})),
        ("total_fee", json!("1.00")),
        ("total_fee", json!([1])),
        ("out_refund_id", json!(null)),
        ("out_refund_id", json!(3)),
        ("fee_type", json!([])),
    ];
    let mut lists: Vec<Value> = variants(&item, &item_changes)
        .into_iter()
        .map(|item| json!([Value::Object(item.clone()), Value::Object(item)]))
        .collect();
    lists.extend([json!([]), json!("[]"), json!({}), json!([1]), json!(["x"])]);
    for list in lists {
        let Value::Object(fields) =
            json!({"return_code": 200, "return_msg": "SUCCESS", "order_list": list})
        else {
            unreachable!()
        };
        for fields in variants(&fields, &[]) {
            agree_with_generated(
                order_list,
                |v| serde_json::from_value::<paygen_wantu::OrderListResponse>(v).map(drop),
                &fields,
            );
        }
    }
}

/// `--credentials` (and `--params`) take a JSON object inline or as `@FILE`, the same on
/// every subcommand, and each one's `--help` says so.
#[test]
fn credentials_are_inline_json_or_an_at_file_on_every_subcommand() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-credentials");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, value: &Value| {
        let path = dir.join(name);
        std::fs::write(&path, value.to_string()).unwrap();
        format!("@{}", path.display())
    };
    // request: the same bytes either way.
    let mct1 = json!({
        "open_id": "87f46f5db1b65f0ac195285f49ee6958",
        "open_key": "0828e83720fdbe3685a7b94214af04f9",
    });
    let mct1_file = write("mct1.json", &mct1);
    let params_file = write("params.json", &json!({"pmt_type": 0}));
    let request = |credentials: &str, params: &str| {
        paygen(&[
            "request",
            "specs/mct1.yaml",
            "paylist",
            "--credentials",
            credentials,
            "--params",
            params,
            "--now",
            "1497957842",
            "--json",
        ])
    };
    let inline = request(&mct1.to_string(), r#"{"pmt_type":0}"#);
    let from_files = request(&mct1_file, &params_file);
    assert!(inline.status.success(), "{}", stderr(&inline));
    assert!(from_files.status.success(), "{}", stderr(&from_files));
    assert_eq!(stdout(&inline), stdout(&from_files));

    // verify-response and verify-notify: a signed message verifies with credentials
    // from a file, and a missing file is a usage error naming it.
    let key = "secret-md5-key";
    let canonical = "fee_type=HKD&out_trade_no=5322516544211&return_code=200&return_msg=SUCCESS&total_fee=100&trade_id=100020171130120038029905&trade_status=SUCCESS&trade_time=2017-11-30 17:56:21";
    let sign = md5_upper(&format!("{canonical}&key={key}"));
    let body = format!(
        r#"{{"return_code":200,"return_msg":"SUCCESS","out_trade_no":"5322516544211","trade_id":"100020171130120038029905","total_fee":100,"fee_type":"HKD","trade_status":"SUCCESS","trade_time":"2017-11-30 17:56:21","sign":"{sign}"}}"#
    );
    let wantu = write(
        "wantu.json",
        &json!({"merchant_account": "M", "store_account": "S", "key": key}),
    );
    let verified = paygen(&[
        "verify-response",
        "specs/wantu.yaml",
        "query",
        "--credentials",
        &wantu,
        "--body",
        &body,
    ]);
    assert_eq!(verified.status.code(), Some(0), "{}", stderr(&verified));
    let missing = dir.join("absent.json");
    let missing = format!("@{}", missing.display());
    let refused = paygen(&[
        "verify-response",
        "specs/wantu.yaml",
        "query",
        "--credentials",
        &missing,
        "--body",
        &body,
    ]);
    assert_exit(&refused, 2, &format!("--credentials {missing}"));

    let json = r#"{"resultcode":"0000","resultmsg":"ok","queryid":"Q1","txnamt":100,"merid":"M1","orderid":"20240101000001","paytime":"2024-01-01 10:00:00"}"#;
    let resp = paygen::tooling::cipher::base64_encode(json.as_bytes());
    let sign = Md5::digest(format!("{resp}key1").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let notified = paygen(&[
        "verify-notify",
        "specs/mpgateway.yaml",
        "--credentials",
        &write("mpgateway.json", &json!({"merid": "M1", "key": "key1"})),
        "--body",
        &format!(
            "resp={}&sign={sign}",
            resp.replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        ),
    ]);
    assert_eq!(notified.status.code(), Some(0), "{}", stderr(&notified));

    // serve: the same rule, and it says whose credentials were replaced.
    let served = write(
        "serve.json",
        &json!({"wantu": {"merchant_account": "M", "store_account": "S", "key": key}}),
    );
    for given in [
        served.clone(),
        std::fs::read_to_string(&served[1..]).unwrap(),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_paygen"))
            .current_dir(root())
            .args(["serve", "--addr", "127.0.0.1:0", "--credentials", &given])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        let mut printed = Vec::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            let done = line.starts_with("  wechatpay_v2:");
            printed.push(line);
            if done {
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            printed[0].starts_with("listening on http://127.0.0.1:"),
            "{printed:?}"
        );
        assert!(
            printed.contains(&"  wantu: as given in --credentials".to_owned()),
            "{printed:?}"
        );
        // The stand-ins are printed whole, so nobody counts their padding.
        assert!(
            printed.contains(&"  mpgateway: key=sandbox-key000000000000000000000 merid=sandbox-merid0000000000000000000".to_owned()),
            "{printed:?}"
        );
    }

    for subcommand in ["request", "verify-response", "verify-notify", "serve"] {
        let help = paygen(&[subcommand, "--help"]);
        assert!(
            stdout(&help).contains("or @FILE holding one"),
            "{subcommand} --help: {}",
            stdout(&help)
        );
    }
}
