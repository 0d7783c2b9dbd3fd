//! End to end over loopback HTTP: the generated clients (reqwest, no mocked transport)
//! against the sandbox, for mct1, wantu, shouqianba, tiantapay, mpgateway and WeChat Pay
//! v2: the lifecycle, the documented refusals, the knobs, and garbage on every route.

use paygen::{Error, Fen, ReqwestTransport};
use paygen_sandbox::{Sandbox, SandboxConfig};
use std::time::Duration;

mod support;

use support::{transport, wantu, NOWHERE};

async fn start() -> Sandbox {
    Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

fn business_code<E: std::fmt::Debug>(
    result: &Result<impl std::fmt::Debug, Error<E>>,
) -> (String, String) {
    match result {
        Err(Error::Service(refusal)) => (refusal.raw_code.clone(), refusal.body.clone()),
        other => panic!("expected a business error, got {other:?}"),
    }
}

fn mct1(sandbox: &Sandbox, key: &str) -> paygen_mct1::Client<ReqwestTransport> {
    paygen_mct1::Client::with_transport(
        sandbox.url("mct1"),
        paygen_mct1::Credentials {
            open_id: "87f46f5db1b65f0ac195285f49ee6958".into(),
            open_key: key.into(),
        },
        transport(),
    )
}

const MCT1_KEY: &str = "0828e83720fdbe3685a7b94214af04f9";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mct1_pay_query_refund_and_refusals() {
    use paygen_mct1::*;
    let sandbox = start().await;
    let client = mct1(&sandbox, MCT1_KEY);
    let pay: PayorderRequest =
        PayorderQrcodeRequest::new("M1001", "Weixin", Fen(1000), Fen(1000)).into();
    let paid = client.payorder(&pay).await.expect("payorder");
    assert!(paid.is_verified(), "mct1 signs its replies");
    assert_eq!(paid.status(), 200);
    let data = paid.into_inner().data.expect("data");
    assert_eq!(data.out_no, "M1001");
    assert!(format!("{:?}", data.status).contains("Success"), "{data:?}");

    let status = client
        .paystatus(&PaystatusRequest::new().with_out_no("M1001"))
        .await
        .expect("paystatus");
    let status = status.into_inner().data.expect("data");
    assert_eq!(status.ord_no, data.ord_no);
    assert_eq!(status.trade_amount, Fen(1000));

    client
        .payrefund(&PayrefundRequest::new("R1", Fen(400), "x").with_out_no("M1001"))
        .await
        .expect("partial refund");
    // 600 left: 700 is refused with 5.1's 8022.
    let over = client
        .payrefund(&PayrefundRequest::new("R2", Fen(700), "x").with_out_no("M1001"))
        .await;
    assert_eq!(business_code(&over).0, "8022");
    // Duplicate out_no: 8045.
    assert_eq!(business_code(&client.payorder(&pay).await).0, "8045");
    // A paid order cannot be cancelled: 8012.
    let cancel = client
        .paycancel(&PaycancelRequest::new().with_out_no("M1001"))
        .await;
    assert_eq!(business_code(&cancel).0, "8012");
    // Unknown order: 8002.
    let unknown = client
        .paystatus(&PaystatusRequest::new().with_out_no("nope"))
        .await;
    assert_eq!(business_code(&unknown).0, "8002");
    let order = sandbox.store.get("mct1", "M1001").expect("kept");
    assert_eq!((order.amount, order.refunded), (1000, 400));
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mct1_wrong_key_is_the_documented_signature_error() {
    let sandbox = start().await;
    let client = mct1(&sandbox, "ffffffffffffffffffffffffffffffff");
    let result = client
        .paystatus(&paygen_mct1::PaystatusRequest::new().with_out_no("x"))
        .await;
    match &result {
        Err(Error::Service(refusal)) => {
            assert_eq!(refusal.code, paygen_mct1::Errcode::SignatureInvalid);
            assert_eq!(refusal.raw_code, "5");
            assert_eq!(
                refusal.authenticity,
                paygen::Authenticity::UnsignedErrorReply
            );
        }
        other => panic!("{other:?}"),
    }
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mct1_timestamp_outside_600_seconds_is_errcode_9() {
    use paygen::{Clock, FixedClock, SystemClock};
    let sandbox = start().await;
    let now = SystemClock.now_millis() / 1000;
    let query = paygen_mct1::PaystatusRequest::new().with_out_no("nope");
    // 2.2 第9条: more than 600 s either way is refused with 5.1's errcode 9.
    for skew in [-700, 700] {
        let client = mct1(&sandbox, MCT1_KEY).with_clock(FixedClock::at_unix_seconds(now + skew));
        let result = client.paystatus(&query).await;
        assert_eq!(business_code(&result).0, "9", "skew {skew}");
    }
    // Within the window the request is read: the order is unknown (8002).
    for skew in [-500, 500] {
        let client = mct1(&sandbox, MCT1_KEY).with_clock(FixedClock::at_unix_seconds(now + skew));
        let result = client.paystatus(&query).await;
        assert_eq!(business_code(&result).0, "8002", "skew {skew}");
    }
    // The document's own sample request (timestamp 1497957842, 2017) is long stale.
    let sample = "open_id=87f46f5db1b65f0ac195285f49ee6958&timestamp=1497957842\
                  &data=3304A5EC2CDEB4D12ED3338B5C01BF6B&sign=915be5aff09f2686870e1d17e93b3542";
    let reply = reqwest::Client::new()
        .post(format!("{}/paylist", sandbox.url("mct1")))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(sample)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(reply.contains(r#""errcode":"9""#), "{reply}");
    sandbox.shutdown.shutdown().await;
}

fn pospay(order: &str, fen: i64) -> paygen_wantu::PospayRequest {
    support::pospay(order, fen, NOWHERE)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wantu_pay_query_refund_refusals_and_tampering() {
    use paygen_wantu::*;
    let sandbox = start().await;
    let key = paygen_sandbox::config::stand_in("key");
    let client = wantu(&sandbox, &key);
    let paid = client.pospay(&pospay("W1", 1000)).await.expect("pospay");
    assert_eq!(paid.out_trade_no, "W1");
    assert_eq!(paid.total_fee, Fen(1000));

    let query = client
        .query(&QueryRequest::new(PayChannel::Wechat).with_out_trade_no("W1"))
        .await
        .expect("query");
    assert_eq!(query.trade_id, paid.trade_id);
    assert!(format!("{:?}", query.trade_status).contains("Success"));

    let refund = client
        .refund(
            &RefundRequest::new(PayChannel::Wechat, Fen(1000), Fen(300), "HKD", "WR1")
                .with_out_trade_no("W1"),
        )
        .await
        .expect("refund");
    assert_eq!(refund.refund_fee, Fen(300));
    let over = client
        .refund(
            &RefundRequest::new(PayChannel::Wechat, Fen(1000), Fen(800), "HKD", "WR2")
                .with_out_trade_no("W1"),
        )
        .await;
    assert_eq!(business_code(&over).0, "508");
    assert_eq!(
        business_code(&client.pospay(&pospay("W1", 1000)).await).0,
        "400"
    );

    // Wrong key: 1.4's 301 SIGN_ERROR, unsigned.
    let wrong = wantu(&sandbox, "wrong-key");
    let (code, body) = business_code(&wrong.pospay(&pospay("W2", 1000)).await);
    assert_eq!(code, "301");
    assert_eq!(body, r#"{"return_code":301,"return_msg":"SIGN_ERROR"}"#);

    // A tampered reply: the admin knob, then the magic amount ..05.
    let http = reqwest::Client::new();
    let knob = http
        .post(format!("{}/_sandbox/scenario", sandbox.base_url))
        .body(r#"{"tamper_responses":1}"#)
        .send()
        .await
        .expect("admin");
    assert!(knob.status().is_success());
    let tampered = client
        .query(&QueryRequest::new(PayChannel::Wechat).with_out_trade_no("W1"))
        .await;
    assert!(
        matches!(tampered, Err(Error::Signature { .. })),
        "{tampered:?}"
    );
    let tampered = client.pospay(&pospay("W5", 1005)).await;
    assert!(
        matches!(tampered, Err(Error::Signature { .. })),
        "{tampered:?}"
    );
    // The next reply is genuine again.
    client
        .query(&QueryRequest::new(PayChannel::Wechat).with_out_trade_no("W1"))
        .await
        .expect("untampered");
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wantu_failed_lost_and_slow_payments() {
    let sandbox = start().await;
    let client = wantu(&sandbox, &paygen_sandbox::config::stand_in("key"));
    // ..01: the payment fails with 1.4's 501 TRADE_ERROR.
    assert_eq!(
        business_code(&client.pospay(&pospay("F1", 1001)).await).0,
        "501"
    );
    // ..03: paid, but the reply is lost: an outcome-unknown transport error.
    let lost = client.pospay(&pospay("L1", 1003)).await;
    let error = lost.expect_err("lost");
    assert!(error.outcome_unknown(), "{error:?}");
    let order = sandbox.store.get("wantu", "L1").expect("kept");
    assert_eq!(order.state, paygen_codegen::spec::model::SandboxState::Paid);
    // ..04: slow, past a short client timeout.
    let impatient = paygen_wantu::Client::with_transport(
        sandbox.url("wantu"),
        paygen_wantu::Credentials {
            merchant_account: paygen_sandbox::config::stand_in("merchant_account"),
            store_account: paygen_sandbox::config::stand_in("store_account"),
            key: paygen_sandbox::config::stand_in("key").into(),
        },
        ReqwestTransport::new(Duration::from_secs(1), Duration::from_millis(300))
            .expect("transport"),
    );
    let slow = impatient.pospay(&pospay("S1", 1004)).await;
    assert!(matches!(slow, Err(Error::Transport { .. })), "{slow:?}");
    sandbox.shutdown.shutdown().await;
}

fn shouqianba(sandbox: &Sandbox, key: &str) -> paygen_shouqianba::Client<ReqwestTransport> {
    paygen_shouqianba::Client::with_transport(
        sandbox.url("shouqianba"),
        paygen_shouqianba::Credentials {
            terminal_sn: paygen_sandbox::config::stand_in("terminal_sn"),
            terminal_key: key.into(),
        },
        transport(),
    )
}

fn refund_of(sn: &str, number: &str, fen: i64) -> paygen_shouqianba::RefundRequest {
    paygen_shouqianba::RefundRequest::new(sn, "S1", number, "op", Fen(fen))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shouqianba_pay_poll_refund_and_refusals() {
    use paygen_shouqianba::*;
    let sandbox = start().await;
    let client = shouqianba(&sandbox, &paygen_sandbox::config::stand_in("terminal_key"));
    let paid = client
        .pay(&PayRequest::new("S1", Fen(1000), "130000", "goods", "op"))
        .await
        .expect("pay")
        .into_inner();
    let biz = paid.biz_response.expect("biz_response");
    assert!(
        format!("{:?}", biz.result_code).contains("PaySuccess"),
        "{biz:?}"
    );
    let data = biz.data.expect("data");
    assert!(
        format!("{:?}", data.order_status).contains("Paid"),
        "{data:?}"
    );

    let refund = client
        .refund(&refund_of(&data.sn, "r1", 400))
        .await
        .expect("refund")
        .into_inner();
    let refunded = refund.biz_response.and_then(|b| b.data).expect("data");
    assert!(
        format!("{:?}", refunded.order_status).contains("PartialRefunded"),
        "{refunded:?}"
    );
    let over = client.refund(&refund_of(&data.sn, "r2", 700)).await;
    assert!(business_code(&over)
        .1
        .contains("REFUND_AMT_NOT_EQUAL_TOTAL"));

    // Duplicate client_sn: result 200, biz FAIL + CLIENT_SN_CONFLICT (pay's success rule is
    // the envelope's only, see the spec's notes).
    let again = client
        .pay(&PayRequest::new("S1", Fen(1000), "130000", "goods", "op"))
        .await
        .expect("answered");
    let again = format!("{:?}", again.biz_response);
    assert!(
        again.contains("ClientSnConflict") || again.contains("CLIENT_SN_CONFLICT"),
        "{again}"
    );

    // ..02: in progress, paid at the 2nd query.
    let pending = client
        .pay(&PayRequest::new("S2", Fen(1002), "130000", "goods", "op"))
        .await
        .expect("pay");
    // 附录2's class INPROGRESS, no data (三.2.4 polls on any other code).
    let pending = pending.into_inner().biz_response.expect("biz_response");
    assert!(
        format!("{:?}", pending.result_code).contains("INPROGRESS"),
        "{pending:?}"
    );
    assert!(pending.data.is_none(), "{pending:?}");
    let mut states = Vec::new();
    for _ in 0..2 {
        let query = client
            .query(&QueryRequest::new().with_client_sn("S2"))
            .await
            .expect("query")
            .into_inner();
        let data = query.biz_response.and_then(|b| b.data).expect("data");
        states.push(format!("{:?}", data.order_status));
    }
    assert_eq!(states, ["Created", "Paid"]);

    // Wrong key: 四.1's 400 ILLEGAL_SIGN.
    let wrong = shouqianba(&sandbox, "wrong");
    let (code, body) = business_code(&wrong.query(&QueryRequest::new().with_client_sn("S1")).await);
    assert_eq!(code, "400");
    assert!(body.contains("ILLEGAL_SIGN"), "{body}");
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_every_route_never_takes_the_server_down() {
    let sandbox = start().await;
    let http = reqwest::Client::new();
    let garbage: [&[u8]; 6] = [
        b"",
        b"{",
        b"\xff\xfe\x00",
        b"data=zz&sign=&sign=1",
        b"{\"a\":{\"a\":{\"a\":[1,2,{}]}},\"sign\":null}",
        b"<xml><!DOCTYPE x></xml>",
    ];
    let mut sent = 0;
    for path in paygen_sandbox::config::spec_files(&paygen_sandbox::config::default_spec_dir())
        .expect("specs")
    {
        let spec = paygen_codegen::load_file(&path).expect("spec").spec;
        let provider = paygen_codegen::lower(&spec);
        for operation in provider.operations.iter() {
            let url = format!("{}/{}{}", sandbox.base_url, provider.name, operation.path);
            for body in garbage {
                let response = http
                    .post(&url)
                    .header("Authorization", "x y")
                    .body(body.to_vec())
                    .send()
                    .await
                    .expect("answered");
                assert!(
                    !response.status().is_server_error(),
                    "{url}: {}",
                    response.status()
                );
                let response = http
                    .get(format!("{url}?sign=1&%zz"))
                    .send()
                    .await
                    .expect("answered");
                assert!(
                    !response.status().is_server_error(),
                    "{url}: {}",
                    response.status()
                );
                sent += 2;
            }
        }
    }
    assert!(sent > 100);
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiantapay_pay_query_refund_and_refusals() {
    use paygen_tiantapay::*;
    let sandbox = start().await;
    let client = |key: &str| {
        Client::with_transport(
            sandbox.url("tiantapay"),
            Credentials {
                user_token: "123456".into(),
                key: key.into(),
            },
            transport(),
        )
    };
    let good = client("C3226F16BE");
    let pay = IndexRequest::new(
        "28705321936224024",
        PayType::Alipay,
        Fen(1000),
        NOWHERE,
        "1234",
        "goods",
        "T1",
    );
    let paid = good.index(&pay).await.expect("index");
    // The request's money echoed (the reply's out_trade_no is a stand-in: the sandbox
    // echoes fields by name, and the request calls it orderNo).
    assert_eq!((paid.code.as_str(), paid.money.as_str()), ("1", "1000"));
    let query = QueryRequest::new(PayType::Alipay).with_pay_no("T1");
    good.query(&query).await.expect("query");
    let refund =
        |fen, number: &str| RefundRequest::new(Fen(fen), PayType::Alipay, number).with_pay_no("T1");
    good.refund(&refund(400, "TR1")).await.expect("refund");
    assert_eq!(
        business_code(&good.refund(&refund(700, "TR2")).await).0,
        "0"
    );
    assert_eq!(business_code(&good.index(&pay).await).0, "0");
    let unknown = QueryRequest::new(PayType::Alipay).with_pay_no("nope");
    let (code, body) = business_code(&good.query(&unknown).await);
    assert_eq!(code, "0");
    assert!(body.contains("订单不存在"), "{body}");
    // Wrong key: the §4.2 reason 签名失败.
    let (code, body) = business_code(&client("wrong").query(&query).await);
    assert_eq!(code, "0");
    assert!(body.contains("签名失败"), "{body}");
    let order = sandbox.store.get("tiantapay", "T1").expect("kept");
    assert_eq!((order.amount, order.refunded), (1000, 400));
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mpgateway_pay_poll_query_and_cancel() {
    use paygen_mpgateway::*;
    let sandbox = start().await;
    let client = Client::with_transport(
        sandbox.url("mpgateway"),
        Credentials {
            merid: paygen_sandbox::config::stand_in("merid"),
            key: paygen_sandbox::config::stand_in("key").into(),
        },
        transport(),
    );
    let paid = client
        .mpgateway(&MpgatewayRequest::new(
            mpgateway_request::Action::WxCode,
            Fen(1000),
            "GATEWAY1",
            NOWHERE,
        ))
        .await
        .expect("mpgateway");
    assert_eq!(
        (paid.orderid.as_str(), paid.txnamt),
        ("GATEWAY1", Fen(1000))
    );
    let query = client
        .query(&QueryRequest::new().with_orderid("GATEWAY1"))
        .await
        .expect("query");
    assert_eq!(query.queryid, paid.queryid.clone().expect("queryid"));
    assert!(
        matches!(query.resultcode, Some(Resultcode::Success)),
        "{query:?}"
    );
    // A paid order cannot be cancelled (chosen: 99).
    let cancel = client
        .cancel(&CancelRequest::new().with_orderid("GATEWAY1"))
        .await;
    assert_eq!(business_code(&cancel).0, "99");
    // ..02: 1001 未支付 at the first query, 0000 at the second.
    client
        .mpgateway(&MpgatewayRequest::new(
            mpgateway_request::Action::WxCode,
            Fen(1002),
            "GATEWAY2",
            NOWHERE,
        ))
        .await
        .expect("accepted");
    let mut states = Vec::new();
    for _ in 0..2 {
        let query = client
            .query(&QueryRequest::new().with_orderid("GATEWAY2"))
            .await
            .expect("query");
        states.push(format!(
            "{:?}",
            query.resultcode.as_ref().expect("resultcode")
        ));
    }
    assert_eq!(states, ["Unpaid", "Success"]);
    let unknown = client
        .query(&QueryRequest::new().with_orderid("nope"))
        .await;
    assert_eq!(business_code(&unknown).0, "99");
    sandbox.shutdown.shutdown().await;
}

fn wechat(sandbox: &Sandbox, key: &str) -> paygen_wechatpay_v2::Client<ReqwestTransport> {
    paygen_wechatpay_v2::Client::with_transport(
        sandbox.url("wechatpay_v2"),
        paygen_wechatpay_v2::Credentials {
            appid: "wx2421b1c4370ec43b".into(),
            mch_id: "10000100".into(),
            key: key.into(),
            sign_type: "HMAC-SHA256".into(),
        },
        transport(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechatpay_v2_pay_query_refund_close_and_refusals() {
    use paygen_wechatpay_v2::*;
    let sandbox = start().await;
    let client = wechat(&sandbox, &paygen_sandbox::config::stand_in("key"));
    let micropay = |order: &str, fen| {
        MicropayRequest::new("goods", order, Fen(fen), "127.0.0.1", "134674074004982976")
    };
    let paid = client
        .micropay(&micropay("X1", 1000))
        .await
        .expect("micropay");
    assert_eq!(paid.total_fee, Fen(1000));
    let query = client
        .orderquery(&OrderqueryRequest::new().with_out_trade_no("X1"))
        .await
        .expect("orderquery");
    assert!(
        matches!(query.trade_state, orderquery_response::TradeState::Success),
        "{query:?}"
    );
    assert_eq!(
        query.transaction_id.as_deref(),
        Some(paid.transaction_id.as_str())
    );
    let refund =
        |number: &str, fen| RefundRequest::new(number, Fen(1000), Fen(fen)).with_out_trade_no("X1");
    client.refund(&refund("XR1", 300)).await.expect("refund");
    // result_code FAIL is the refusal; err_code says which.
    let (code, body) = business_code(&client.refund(&refund("XR2", 800)).await);
    assert_eq!(code, "FAIL");
    assert!(body.contains("<err_code>ERROR</err_code>"), "{body}");
    let query = client
        .orderquery(&OrderqueryRequest::new().with_out_trade_no("X1"))
        .await
        .expect("orderquery");
    assert!(
        matches!(query.trade_state, orderquery_response::TradeState::Refund),
        "{query:?}"
    );
    let duplicate = business_code(&client.micropay(&micropay("X1", 1000)).await).1;
    assert!(duplicate.contains("OUT_TRADE_NO_USED"), "{duplicate}");

    // Precreate, then close while unpaid; a paid order cannot be closed.
    let order = UnifiedorderRequest::new(
        "goods",
        "U1",
        Fen(2000),
        "127.0.0.1",
        NOWHERE,
        unifiedorder_request::TradeType::Native,
    );
    client.unifiedorder(&order).await.expect("unifiedorder");
    client
        .closeorder(&CloseorderRequest::new("U1"))
        .await
        .expect("closeorder");
    let closed = client
        .orderquery(&OrderqueryRequest::new().with_out_trade_no("U1"))
        .await
        .expect("orderquery");
    assert!(
        matches!(closed.trade_state, orderquery_response::TradeState::Closed),
        "{closed:?}"
    );
    let paid_close = client.closeorder(&CloseorderRequest::new("X1")).await;
    assert!(business_code(&paid_close).1.contains("ORDERPAID"));

    // ..02: USERPAYING, an in-progress code: the outcome is unknown, never pay again.
    let paying = client.micropay(&micropay("X2", 1002)).await;
    assert!(business_code(&paying).1.contains("USERPAYING"));
    assert!(paying.expect_err("in progress").outcome_unknown());

    // Wrong key: return_code FAIL 签名失败, unsigned.
    let wrong = wechat(&sandbox, "wrong");
    let result = wrong
        .orderquery(&OrderqueryRequest::new().with_out_trade_no("X1"))
        .await;
    match &result {
        Err(Error::Service(refusal)) => {
            assert_eq!(
                refusal.code,
                paygen_wechatpay_v2::OrderqueryRefusal::ReturnCode(
                    paygen_wechatpay_v2::ReturnCode::Fail
                )
            );
            assert_eq!(
                refusal.authenticity,
                paygen::Authenticity::UnsignedErrorReply
            );
        }
        other => panic!("{other:?}"),
    }
    sandbox.shutdown.shutdown().await;
}

/// A refusal says which parameter it is about (issue 18's first cost of a service
/// developer): wantu's reply carries it in `return_desc`, the field 1.4 names for it,
/// and the client's refusal message reads `return_msg: return_desc`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_names_the_field_it_is_about() {
    let sandbox = start().await;
    let key = paygen_sandbox::config::stand_in("key");
    let client = paygen_wantu::Client::with_transport(
        sandbox.url("wantu"),
        paygen_wantu::Credentials {
            merchant_account: paygen_sandbox::config::stand_in("merchant_account"),
            store_account: "HKG0000000000".into(),
            key: key.as_str().into(),
        },
        support::transport(),
    );
    let refused = client.pospay(&pospay("W9", 1000)).await;
    let (_, body) = business_code(&refused);
    assert!(
        body.contains(r#""return_desc":"store_account: not a merchant the provider knows""#),
        "{body}"
    );
    let message = refused.expect_err("refused").to_string();
    assert!(message.contains("store_account"), "{message}");
    // A correct store account is served as before.
    let client = wantu(&sandbox, &key);
    client.pospay(&pospay("W9", 1000)).await.expect("pospay");
    sandbox.shutdown.shutdown().await;
}
