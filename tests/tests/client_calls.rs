//! Generated clients end to end over a test transport: the typed call path, and every
//! phase of failure (HTTP status, decode, signature, business code) with the raw body kept.

mod canned;

use canned::{base64, form_encode, mpgateway, request, signed_reply, CannedTransport, KEY};
use paygen::{Error, FixedClock, SignatureFailure, Transport};

#[tokio::test]
async fn a_verified_successful_reply_becomes_the_typed_response() {
    let body = signed_reply(
        r#"{"respcode":"00","respmsg":"成功","txnamt":100,"merid":"M1","orderid":"20240101000001","queryid":"Q9"}"#,
    );
    let client = mpgateway(CannedTransport::new(200, &body));
    let response = client.mpgateway(&request()).await.unwrap();
    assert_eq!(
        response.respcode,
        paygen_mpgateway::Respcode::from_wire("00")
    );
    assert_eq!(response.txnamt, paygen::Fen(100));
    assert_eq!(response.queryid.as_deref(), Some("Q9"));
    // The facts of the exchange come with the value.
    assert!(response.is_verified());
    assert_eq!(response.status(), 200);
    assert_eq!(response.body(), body);
    // The transport was told which operation it carried, and that it moves money.
    let told = client.transport().told.lock().unwrap().clone();
    assert_eq!(
        told,
        [("mpgateway".to_owned(), "mpgateway".to_owned(), true)]
    );
}

#[tokio::test]
async fn a_query_is_announced_to_the_transport_as_not_moving_money() {
    let body = signed_reply(r#"{"respcode":"00","respmsg":"ok"}"#);
    let client = mpgateway(CannedTransport::new(200, &body));
    let _ = client
        .query(&paygen_mpgateway::QueryRequest::new().with_orderid("20240101000001"))
        .await;
    let told = client.transport().told.lock().unwrap().clone();
    assert_eq!(told, [("mpgateway".to_owned(), "query".to_owned(), false)]);
}

/// A transport can be chosen at run time: `Box<dyn Transport>` is a transport.
#[tokio::test]
async fn a_boxed_dyn_transport_serves_a_client() {
    let body = signed_reply(
        r#"{"respcode":"00","respmsg":"成功","txnamt":100,"merid":"M1","orderid":"20240101000001"}"#,
    );
    let transport: Box<dyn Transport> = Box::new(CannedTransport::new(200, &body));
    let client = paygen_mpgateway::Client::with_transport(
        "http://127.0.0.1:9",
        paygen_mpgateway::Credentials {
            merid: "M1".into(),
            key: KEY.into(),
        },
        transport,
    )
    .with_clock(FixedClock::at_unix_seconds(1_700_000_000));
    let response = client.mpgateway(&request()).await.unwrap();
    assert_eq!(response.txnamt, paygen::Fen(100));
}

#[tokio::test]
async fn business_failure_is_typed_and_keeps_the_body() {
    let body = signed_reply(
        r#"{"respcode":"14","respmsg":"订单号重复","txnamt":100,"merid":"M1","orderid":"20240101000001"}"#,
    );
    let client = mpgateway(CannedTransport::new(200, &body));
    let error = client.mpgateway(&request()).await.unwrap_err();
    match &error {
        Error::Service(refused) => {
            // The code table documents only 00: another code is kept as received.
            assert_eq!(
                refused.code,
                paygen_mpgateway::Respcode::Unknown("14".to_owned())
            );
            assert_eq!(refused.message.as_deref(), Some("订单号重复"));
        }
        other => panic!("expected a business error, got {other}"),
    }
    assert_eq!(error.raw_body(), Some(body.as_str()));
    // A signed refusal: nothing happened at the provider.
    assert!(error.is_retry_safe() && !error.outcome_unknown());
    assert!(
        error
            .service_error()
            .is_some_and(|refused| refused.authenticity == paygen::Authenticity::Verified),
        "{error:?}"
    );
}

#[tokio::test]
async fn empty_sign_is_accepted_only_on_an_error_reply() {
    // Document 001: an unknown merid gets an error reply whose sign is empty.
    let resp = base64(r#"{"respcode":"99","respmsg":"商户不存在"}"#.as_bytes());
    let error_reply = format!("resp={}&sign=", form_encode(&resp).collect::<String>());
    let error = mpgateway(CannedTransport::new(200, &error_reply))
        .mpgateway(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Service(ref refused)
                if refused.raw_code == "99"
                    && refused.authenticity == paygen::Authenticity::UnsignedErrorReply
        ),
        "{error}"
    );
    assert!(error.to_string().contains("unsigned reply"), "{error}");

    // The same empty sign on a reply that claims success is a forgery.
    let resp = base64(br#"{"respcode":"00","respmsg":"ok","txnamt":1,"merid":"M1","orderid":"x"}"#);
    let forged = format!("resp={}&sign=", form_encode(&resp).collect::<String>());
    let error = mpgateway(CannedTransport::new(200, &forged))
        .mpgateway(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Signature {
                reason: SignatureFailure::UnsignedSuccess,
                ..
            }
        ),
        "{error}"
    );
}

#[tokio::test]
async fn a_tampered_reply_fails_the_signature_check() {
    let body =
        signed_reply(r#"{"respcode":"00","respmsg":"ok","txnamt":100,"merid":"M1","orderid":"o"}"#);
    let tampered = body.replace("&sign=", "&sign=0");
    let error = mpgateway(CannedTransport::new(200, &tampered))
        .mpgateway(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Signature {
                reason: SignatureFailure::Mismatch,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.raw_body(), Some(tampered.as_str()));
}

#[tokio::test]
async fn http_status_and_undecodable_bodies_are_their_own_phases() {
    let error = mpgateway(CannedTransport::new(502, "bad gateway"))
        .mpgateway(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::HttpStatus { status: 502, .. }),
        "{error}"
    );
    assert!(error.outcome_unknown());
    assert_eq!(error.raw_body(), Some("bad gateway"));

    let error = mpgateway(CannedTransport::new(200, "resp=%%%&sign=abc"))
        .mpgateway(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Signature { .. } | Error::Decode { .. }),
        "{error}"
    );
    // After HTTP 200 the payment may have happened, whatever the body says.
    assert!(error.outcome_unknown() && !error.is_retry_safe());

    // A proxy's HTML page in place of the provider's answer.
    let error = mpgateway(CannedTransport::new(200, "<html>502 Bad Gateway</html>"))
        .mpgateway(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Decode { .. } | Error::Signature { .. }),
        "{error}"
    );
    assert!(error.outcome_unknown() && !error.is_retry_safe());
}

#[tokio::test]
async fn a_refused_connection_is_retry_safe_and_keeps_its_cause() {
    use std::error::Error as _;
    // Port 9 (discard) on loopback: nothing listens, so the connection is refused.
    let client = paygen_mpgateway::Client::with_transport(
        "http://127.0.0.1:9",
        paygen_mpgateway::Credentials {
            merid: "M1".into(),
            key: KEY.into(),
        },
        paygen::ReqwestTransport::default(),
    );
    let error = client.mpgateway(&request()).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                kind: paygen::TransportErrorKind::Connect,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_retry_safe() && !error.outcome_unknown());
    let mut chain = Vec::new();
    let mut cause = error.source();
    while let Some(next) = cause {
        chain.push(next.to_string());
        cause = next.source();
    }
    assert!(!chain.is_empty(), "the transport's cause is kept");
    assert!(
        chain.iter().any(|c| c.to_lowercase().contains("refused")),
        "{chain:?}"
    );
}

#[tokio::test]
async fn the_transport_receives_the_rendered_request() {
    let body =
        signed_reply(r#"{"respcode":"00","respmsg":"ok","txnamt":100,"merid":"M1","orderid":"o"}"#);
    let client = mpgateway(CannedTransport::new(200, &body));
    let rendered = client.render_mpgateway(&request()).unwrap();
    client.mpgateway(&request()).await.unwrap();
    assert_eq!(*client.transport().sent.lock().unwrap(), vec![rendered]);
    // The client's Debug output never shows the key.
    let debug = format!("{client:?}");
    assert!(!debug.contains(KEY), "{debug}");
}

#[tokio::test]
async fn shouqianba_unsigned_replies_are_judged_by_result_code() {
    let client = paygen_shouqianba::Client::with_transport(
        "http://127.0.0.1:9",
        paygen_shouqianba::Credentials {
            terminal_sn: "T1".into(),
            terminal_key: "K1".into(),
        },
        CannedTransport::new(
            200,
            r#"{"result_code":"400","error_code":"INVALID_PARAMETER","error_message":"total_amount必须大于0"}"#,
        ),
    );
    let request = paygen_shouqianba::PayRequest::new("c1", paygen::Fen(0), "d1", "s", "o");
    let error = client.pay(&request).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Service(ref refused)
                if refused.code == paygen_shouqianba::ResultCode::ClientError
        ),
        "{error}"
    );
    assert!(error.to_string().contains("total_amount必须大于0"));
    assert!(!format!("{error:?}").contains("K1"));
}

/// A rule that checks two code fields (`result_code`, then `biz_response.result_code`)
/// types a refusal by the field that failed: 三.3.3's refund failure is
/// `biz_response.result_code` FAIL, a plain refusal; REFUND_ERROR (退款操作失败并且不确定
/// 第三方支付通状态) is the same field with an uncertain outcome; a 400 fails the first check.
#[tokio::test]
async fn a_refusal_is_typed_by_the_code_field_that_failed() {
    use paygen_shouqianba::{BizResponseResultCode, RefundRefusal, RefundRequest, ResultCode};
    let refund = |reply: &str| {
        let client = paygen_shouqianba::Client::with_transport(
            "http://127.0.0.1:9",
            paygen_shouqianba::Credentials {
                terminal_sn: "T1".into(),
                terminal_key: "K1".into(),
            },
            CannedTransport::new(200, reply),
        );
        let request = RefundRequest::new("7894259244067218", "c1", "r1", "o", paygen::Fen(1));
        async move { client.refund(&request).await.unwrap_err() }
    };
    let documented = r#"{"result_code":"200","biz_response":{"result_code":"FAIL","error_code":"UPAY_REFUND_INVALID_ORDER_STATE","error_message":"无法对错误的订单状态执行退款操作"}}"#;
    let cases = [
        (
            documented.to_owned(),
            RefundRefusal::BizResponseResultCode(BizResponseResultCode::Fail),
            false,
        ),
        (
            documented.replace(r#""FAIL""#, r#""REFUND_ERROR""#),
            RefundRefusal::BizResponseResultCode(BizResponseResultCode::RefundError),
            true,
        ),
        (
            r#"{"result_code":"400","error_code":"INVALID_PARAMETER","error_message":"x"}"#
                .to_owned(),
            RefundRefusal::ResultCode(ResultCode::ClientError),
            false,
        ),
    ];
    for (reply, code, unknown) in cases {
        let error = refund(&reply).await;
        let Error::Service(refused) = &error else {
            panic!("{reply}: {error:?}")
        };
        assert_eq!(refused.code, code, "{reply}");
        assert_eq!(error.outcome_unknown(), unknown, "{reply}");
        assert_eq!(refused.body, reply);
    }
}
