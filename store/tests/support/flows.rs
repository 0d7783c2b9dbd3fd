//! Pay-poll-cancel for the three providers the crash tests run, as settle flows: 收钱吧's
//! from its spec, WeChat Pay micropay's and Alipay trade_pay's built here from their
//! documents (until the gateway issue gives every spec a flow of its own), and the
//! clients the tests drive them on.

use paygen::__private::ClientCore;
use paygen::protocol::{FieldEquals, SettleFlow, SettleRule, SettleVerdict};
use paygen::{Fen, ReqwestTransport, Timing};
use paygen_sandbox::config::stand_in;
use paygen_sandbox::keys::{MERCHANT_PRIVATE_KEY, PROVIDER_PUBLIC_KEY};
use paygen_store::{pay_and_settle, Journal, Lease, Settler};
use serde_json::Value;
use std::borrow::Cow;
use std::time::Duration;

fn rule(conditions: &[(&'static str, &[&'static str])], then: SettleVerdict) -> SettleRule {
    SettleRule {
        when: conditions
            .iter()
            .map(|(field, values)| FieldEquals {
                field: Cow::Borrowed(field),
                equals: values.iter().map(|v| Cow::Borrowed(*v)).collect(),
            })
            .collect(),
        then,
    }
}

/// WeChat Pay v2 micropay (specs/wechatpay_v2.yaml, micropay notes, from the merchant
/// micropay page): "SYSTEMERROR、BANKERROR: 结果未知，请立即调用查询订单API; USERPAYING:
/// 用户支付中，等待5秒后调用查询订单API（轮询，45秒内仍未支付成功则调用撤销订单）"; orderquery's
/// "SUCCESS/REFUND 已支付; NOTPAY/USERPAYING/ACCEPT 处理中; CLOSED/REVOKED/PAYERROR 失败";
/// reverse: "recall=Y: 需要继续调用撤销".
pub fn wechat_micropay() -> SettleFlow {
    use SettleVerdict::*;
    SettleFlow {
        pay: Cow::Borrowed("micropay"),
        query: Cow::Borrowed("orderquery"),
        cancel: Cow::Borrowed("reverse"),
        order_no: Cow::Borrowed("out_trade_no"),
        deadline_ms: 45_000,
        poll_interval_ms: 5_000,
        cancel_attempts: 2,
        pay_rules: Cow::Owned(vec![rule(&[("result_code", &["SUCCESS"])], Paid)]),
        query_rules: Cow::Owned(vec![
            rule(&[("err_code", &["ORDERNOTEXIST"])], Failed),
            rule(&[("trade_state", &["SUCCESS", "REFUND"])], Paid),
            rule(
                &[("trade_state", &["CLOSED", "REVOKED", "PAYERROR"])],
                Failed,
            ),
            rule(
                &[("trade_state", &["NOTPAY", "USERPAYING", "ACCEPT"])],
                InProgress,
            ),
        ]),
        cancel_rules: Cow::Owned(vec![rule(
            &[("result_code", &["SUCCESS"]), ("recall", &["N"])],
            Cancelled,
        )]),
    }
}

/// Alipay trade.pay (specs/alipay.yaml, code 10003 "业务处理中 (alipay.trade.pay: 等待用户付款);
/// the outcome is not known yet: query with alipay.trade.query, then cancel");
/// trade_status "TRADE_SUCCESS 交易支付成功", "WAIT_BUYER_PAY 交易创建，等待买家付款",
/// "TRADE_CLOSED 未付款交易超时关闭"; trade.cancel's retry_flag N: no retry needed.
pub fn alipay_trade_pay() -> SettleFlow {
    use SettleVerdict::*;
    SettleFlow {
        pay: Cow::Borrowed("trade_pay"),
        query: Cow::Borrowed("trade_query"),
        cancel: Cow::Borrowed("trade_cancel"),
        order_no: Cow::Borrowed("out_trade_no"),
        deadline_ms: 30_000,
        poll_interval_ms: 5_000,
        cancel_attempts: 2,
        pay_rules: Cow::Owned(vec![rule(&[("code", &["10000"])], Paid)]),
        query_rules: Cow::Owned(vec![
            rule(&[("sub_code", &["ACQ.TRADE_NOT_EXIST"])], Failed),
            rule(
                &[("trade_status", &["TRADE_SUCCESS", "TRADE_FINISHED"])],
                Paid,
            ),
            rule(&[("trade_status", &["TRADE_CLOSED"])], Failed),
            rule(&[("trade_status", &["WAIT_BUYER_PAY"])], InProgress),
        ]),
        cancel_rules: Cow::Owned(vec![rule(
            &[("code", &["10000"]), ("retry_flag", &["N"])],
            Cancelled,
        )]),
    }
}

/// One provider's client core, its flow, and a pay request's wire fields.
pub struct Case {
    /// The spec name.
    pub provider: &'static str,
    /// The pay operation's name (what the sandbox counts).
    pub pay_operation: &'static str,
    /// The client.
    pub core: ClientCore<ReqwestTransport>,
    /// Its settle flow.
    pub flow: SettleFlow,
}

/// A transport whose requests wait up to `timeout` for a reply.
fn transport(timeout: Duration) -> ReqwestTransport {
    ReqwestTransport::new(Duration::from_secs(2), timeout).expect("transport")
}

/// The case of `provider` against the sandbox at `base_url`.
pub fn case(provider: &str, base_url: &str, timeout: Duration) -> Case {
    let url = format!("{base_url}/{provider}");
    match provider {
        "shouqianba" => Case {
            provider: "shouqianba",
            pay_operation: "pay",
            core: ClientCore::new(
                &paygen_shouqianba::tables::PROVIDER,
                url,
                paygen_shouqianba::Credentials {
                    terminal_sn: stand_in("terminal_sn"),
                    terminal_key: stand_in("terminal_key").into(),
                }
                .into_runtime(),
                transport(timeout),
            ),
            flow: paygen_shouqianba::tables::PAY_SETTLE,
        },
        "wechatpay_v2" => Case {
            provider: "wechatpay_v2",
            pay_operation: "micropay",
            core: ClientCore::new(
                &paygen_wechatpay_v2::tables::PROVIDER,
                url,
                paygen_wechatpay_v2::Credentials {
                    appid: "wx2421b1c4370ec43b".into(),
                    mch_id: "10000100".into(),
                    key: stand_in("key").into(),
                    sign_type: "HMAC-SHA256".into(),
                }
                .into_runtime(),
                transport(timeout),
            ),
            flow: wechat_micropay(),
        },
        "alipay" => Case {
            provider: "alipay",
            pay_operation: "trade_pay",
            core: ClientCore::new(
                &paygen_alipay::tables::PROVIDER,
                url,
                paygen_alipay::Credentials {
                    app_id: stand_in("app_id"),
                    app_private_key: MERCHANT_PRIVATE_KEY.into(),
                    alipay_public_key: PROVIDER_PUBLIC_KEY.into(),
                    notify_url: String::new(),
                }
                .into_runtime(),
                transport(timeout),
            ),
            flow: alipay_trade_pay(),
        },
        other => panic!("no crash case for `{other}`"),
    }
}

/// What the journaled pay-and-settle of a case returns (replies read as JSON).
pub type Outcome = Result<paygen::Settlement<Value, Value, Value>, paygen_store::PayError>;

/// Pays `order` (`fen` 分) with `case`'s pay request through the journal and settles.
pub async fn pay_journaled(
    case: &Case,
    journal: &dyn Journal,
    lease: &Lease,
    timing: Timing,
    order: &str,
    fen: i64,
) -> Outcome {
    let settler = Settler {
        core: &case.core,
        flow: &case.flow,
        timing,
    };
    let amount = Fen(fen);
    match case.provider {
        "shouqianba" => {
            let request =
                paygen_shouqianba::PayRequest::new(order, amount, "130000", "goods", "op");
            pay_and_settle(journal, lease, &settler, &request.to_wire(), amount).await
        }
        "wechatpay_v2" => {
            let request = paygen_wechatpay_v2::MicropayRequest::new(
                "goods",
                order,
                amount,
                "127.0.0.1",
                "134674074004982976",
            );
            pay_and_settle(journal, lease, &settler, &request.to_wire(), amount).await
        }
        _ => {
            let yuan = format!("{}.{:02}", fen / 100, fen % 100);
            let request = paygen_alipay::TradePayRequest::new(
                order,
                paygen_alipay::trade_pay_request::Scene::BarCode,
                "286951234567890123",
                "sandbox goods",
            )
            .with_total_amount(paygen::yuan::parse(&yuan).expect("yuan"));
            pay_and_settle(journal, lease, &settler, &request.to_wire(), amount).await
        }
    }
}
