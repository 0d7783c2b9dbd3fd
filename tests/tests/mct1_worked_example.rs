//! Document 002 section 2.4, the one fully worked signing example of the five documents,
//! reproduced byte for byte by the generated `mct1` client, stage by stage.

mod support;

use paygen::tooling::decode::{decode_response, Authenticity};
use paygen::{FixedClock, HttpResponse};
use paygen_mct1::{paylist_request, Client, Credentials, Environment, PaylistRequest};

const OPEN_ID: &str = "87f46f5db1b65f0ac195285f49ee6958";
const OPEN_KEY: &str = "0828e83720fdbe3685a7b94214af04f9";
const TIMESTAMP: i64 = 1_497_957_842;

fn client() -> Client {
    Client::new(
        Environment::default(),
        Credentials {
            open_id: OPEN_ID.into(),
            open_key: OPEN_KEY.into(),
        },
    )
    .with_clock(FixedClock::at_unix_seconds(TIMESTAMP))
}

#[test]
fn data_decrypts_to_the_paylist_business_json() {
    // What the document's `data` carries, read with the given open_key.
    let plain = paygen::tooling::cipher::aes256_ecb_decrypt_hex(
        OPEN_KEY.as_bytes(),
        "3304A5EC2CDEB4D12ED3338B5C01BF6B",
    )
    .unwrap();
    assert_eq!(plain, br#"{"pmt_type":0}"#);
}

#[test]
fn generated_client_reproduces_the_final_submitted_form() {
    let request = PaylistRequest::new(paylist_request::PmtType::Cash);
    let rendered = client().render_paylist(&request).unwrap();
    assert_eq!(rendered.method, "POST");
    assert_eq!(rendered.url, "https://api.XXX.com/mct1/paylist");
    // 最终提交的数据, field order included.
    assert_eq!(
        rendered.body,
        "timestamp=1497957842&open_id=87f46f5db1b65f0ac195285f49ee6958&data=3304A5EC2CDEB4D12ED3338B5C01BF6B&sign=915be5aff09f2686870e1d17e93b3542"
    );
    assert_eq!(
        rendered.headers,
        [(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into()
        )]
    );
}

#[test]
fn each_signing_stage_matches_the_document() {
    let provider = &paygen_mct1::tables::PROVIDER;
    let operation = &paygen_mct1::tables::PAYLIST;
    let credentials = Credentials {
        open_id: OPEN_ID.into(),
        open_key: OPEN_KEY.into(),
    }
    .into_runtime();
    let request = PaylistRequest::new(paylist_request::PmtType::Cash);
    let context = paygen::RequestContext {
        base_url: Environment::default().base_url(),
        credentials: &credentials,
        clock: &FixedClock::at_unix_seconds(TIMESTAMP),
        nonce: &paygen::RandomNonce,
    };
    let mut trace = paygen::tooling::SigningTrace::default();
    paygen::tooling::encode::encode_request(
        provider,
        operation,
        &request.to_wire(),
        &context,
        Some(&mut trace),
    )
    .unwrap();
    // A-z排序（加上open_key）, with the key masked.
    assert_eq!(
        trace.canonical.as_deref(),
        Some("data=3304A5EC2CDEB4D12ED3338B5C01BF6B&open_id=87f46f5db1b65f0ac195285f49ee6958&open_key=***&timestamp=1497957842")
    );
    assert_eq!(
        trace.digests[0].output,
        "013030c4532c00c14ad8b9e47f3382f9ea4a8ed1"
    ); // sha1运算后结果
    assert_eq!(trace.digests[1].output, "915be5aff09f2686870e1d17e93b3542"); // md5 运算后结果
    assert!(!format!("{trace:?}").contains(OPEN_KEY));
}

#[test]
fn a_response_signed_by_the_same_rule_verifies_and_a_tampered_one_does_not() {
    // A response built by the 2.5 rule with the example's key: data is the encrypted
    // paylist item list, sign covers every field but sign, plus open_key, sorted.
    // Signed with the independent `aes`, `sha1` and `md-5` recipe of tests/support.
    let data = support::aes_ecb_hex(
        OPEN_KEY,
        r#"[{"pmt_name":"微信","pmt_type":"2","pmt_icon":"wx.png","pmt_tag":"wx"}]"#.as_bytes(),
    );
    let sign = support::mct1_sign(
        &[
            ("data", &data),
            ("errcode", "0"),
            ("msg", "成功"),
            ("timestamp", "1461642890"),
        ],
        OPEN_KEY,
    );
    // `msg` as the server sends it, \u-escaped: verification covers the unescaped text.
    let body = format!(
        r#"{{"errcode":0,"msg":"\u6210\u529f","timestamp":1461642890,"data":"{data}","sign":"{sign}"}}"#
    );
    let credentials = Credentials {
        open_id: OPEN_ID.into(),
        open_key: OPEN_KEY.into(),
    }
    .into_runtime();
    let response = HttpResponse {
        status: 200,
        headers: vec![],
        body: body.clone(),
    };
    // The reply's own timestamp: responses carry no freshness window, but pin the clock.
    let clock = paygen::FixedClock::at_unix_seconds(1_461_642_890);
    let receiver = paygen::Receiver {
        credentials: &credentials,
        clock: &clock,
        utc_offset_minutes: 480,
        seen: None,
    };
    let decoded = decode_response(
        &paygen_mct1::tables::PROVIDER,
        &paygen_mct1::tables::PAYLIST,
        &receiver,
        &response,
    )
    .unwrap();
    assert_eq!(decoded.authenticity, Authenticity::Verified);
    let typed: paygen_mct1::PaylistResponse =
        paygen::tooling::typed(decoded.fields, &body).unwrap();
    let items = typed.data.unwrap();
    assert_eq!(items[0].pmt_name, "微信");

    let tampered = HttpResponse {
        body: body.replace("1461642890", "1461642891"),
        ..response
    };
    let error = decode_response(
        &paygen_mct1::tables::PROVIDER,
        &paygen_mct1::tables::PAYLIST,
        &receiver,
        &tampered,
    )
    .unwrap_err();
    assert!(matches!(error, paygen::Error::Signature { .. }), "{error}");
    assert_eq!(error.raw_body(), Some(tampered.body.as_str()));
}
