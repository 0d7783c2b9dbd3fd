//! The generated clients of the providers the store tests pay with, as `dyn Gateway`
//! on the sandbox, with their specs' `gateway:` mapping: what a pay request and an
//! order need beyond the model, and the spec's settle plan with test timings.

use paygen::protocol::{GatewayMap, Provider};
use paygen::{Fen, Gateway, OrderRef, PayRequest, ReqwestTransport, Role, SettlePlan};
use paygen_store::{pay_and_settle, Journal, Lease, PayError};
use std::sync::Arc;
use std::time::Duration;

/// One provider's generated client as a gateway, with its spec's tables.
pub struct Case {
    /// The client, through the payment model.
    pub gateway: Arc<dyn Gateway>,
    protocol: &'static Provider,
    map: &'static GatewayMap,
}

/// The generated client of `P` at `url` on the sandbox's stand-in credentials, whose
/// requests wait up to `timeout` for a reply.
fn generated<P>(url: String, credentials: P::Credentials, timeout: Duration) -> Case
where
    P: paygen::Provider,
    paygen::Client<P, ReqwestTransport>: Gateway,
{
    let transport = ReqwestTransport::new(Duration::from_secs(2), timeout).expect("transport");
    Case {
        gateway: Arc::new(paygen::Client::<P, _>::with_transport(
            url,
            credentials,
            transport,
        )),
        protocol: P::protocol(),
        map: P::gateway(),
    }
}

/// The generated client of `provider` against the sandbox at `base_url`.
pub fn case(provider: &str, base_url: &str, timeout: Duration) -> Case {
    let url = format!("{base_url}/{provider}");
    match provider {
        "shouqianba" => generated::<paygen_shouqianba::Api>(
            url,
            paygen_shouqianba::Credentials::sandbox(),
            timeout,
        ),
        "wechatpay_v2" => generated::<paygen_wechatpay_v2::Api>(
            url,
            paygen_wechatpay_v2::Credentials::sandbox(),
            timeout,
        ),
        "alipay" => {
            generated::<paygen_alipay::Api>(url, paygen_alipay::Credentials::sandbox(), timeout)
        }
        "wantu" => {
            generated::<paygen_wantu::Api>(url, paygen_wantu::Credentials::sandbox(), timeout)
        }
        other => panic!("no store test case for `{other}`"),
    }
}

impl Case {
    /// The spec name.
    pub fn provider(&self) -> &str {
        self.gateway.provider()
    }

    /// The operation that pays (what the sandbox counts).
    pub fn pay_operation(&self) -> String {
        let pay = self.map.role(Role::Pay).expect("the spec maps pay by code");
        pay.operation.to_string()
    }

    /// The spec's plan (`gateway.settle`: its cancel role and attempts) with `deadline`
    /// and a 100 ms poll interval, so that a test takes seconds, not the documents' 45.
    pub fn plan(&self, deadline: Duration) -> SettlePlan {
        let mut plan = self
            .gateway
            .settle_plan()
            .expect("the spec has gateway.settle");
        plan.timing.deadline = deadline;
        plan.timing.poll_interval = Duration::from_millis(100);
        plan
    }

    /// A pay request for `order` of `fen` 分 (the sandbox's scenario is in its last two
    /// digits), with the fields the provider needs beyond the model.
    pub fn pay_request(&self, order: &str, fen: i64) -> PayRequest {
        PayRequest {
            order_no: order.to_owned(),
            amount: Fen(fen),
            subject: "goods".to_owned(),
            auth_code: "134567890123456789".to_owned(),
            notify_url: None,
            extra: paygen_sandbox::gateway::extra(self.protocol, self.map, Role::Pay),
        }
    }

    /// The order `order` as its queries and cancel send it.
    pub fn order(&self, order: &str) -> OrderRef {
        let mut extra = paygen_sandbox::gateway::extra(self.protocol, self.map, Role::Query);
        extra.extend(paygen_sandbox::gateway::extra(
            self.protocol,
            self.map,
            Role::Cancel,
        ));
        OrderRef {
            order_no: order.to_owned(),
            trade_no: None,
            extra,
        }
    }

    /// Pays `order` (`fen` 分) through the journal and settles it by `plan`.
    pub async fn pay_journaled(
        &self,
        journal: &dyn Journal,
        lease: &Lease,
        plan: SettlePlan,
        order: &str,
        fen: i64,
    ) -> Result<paygen::GatewaySettlement, PayError> {
        let request = self.pay_request(order, fen);
        let queried = self.order(order);
        pay_and_settle(journal, lease, &*self.gateway, &request, &queried, plan).await
    }
}
