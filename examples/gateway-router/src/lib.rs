//! A checkout written once over two providers, each behind `Arc<dyn paygen::Gateway>`.
//!
//! A payment goes to the first provider; when it refuses with an error whose outcome is
//! "nothing happened" ([`GatewayError::is_retry_safe`]) the same payment goes to the
//! next one. Any other failure (a lost or late reply, a refusal whose code the document
//! calls uncertain) stops the route: the first provider may have taken the money, so
//! the service must query it, never pay elsewhere. Notifications arrive on one axum
//! route per provider ([`notify::router`]) and are handed on once.

pub mod notify;

use paygen::gateway::Extra;
use paygen::{Gateway, GatewayError, OrderRef, PayRequest, PaymentResult, PrecreateRequest, Role};
use std::sync::Arc;

/// One provider a payment may go to.
#[derive(Clone)]
pub struct Route {
    /// The provider's client.
    pub gateway: Arc<dyn Gateway>,
    /// Request fields the provider requires beyond the payment model, by role (wantu's
    /// `pay_channel`, WeChat Pay's `spbill_create_ip`): added to every request of that
    /// role sent to it; a request's own `extra` wins.
    extra: Vec<(Role, Extra)>,
}

impl Route {
    /// A route to `gateway` that adds nothing to its requests.
    pub fn new(gateway: Arc<dyn Gateway>) -> Self {
        Route {
            gateway,
            extra: Vec::new(),
        }
    }

    /// Adds `extra` to every request of `role`.
    pub fn with(mut self, role: Role, extra: Extra) -> Self {
        self.extra.push((role, extra));
        self
    }

    /// Reads the state of order `order_no` at this provider (what an unknown outcome
    /// asks for before anything else).
    pub async fn query(&self, order_no: &str) -> Result<PaymentResult, GatewayError> {
        let order = OrderRef {
            order_no: order_no.to_owned(),
            trade_no: None,
            extra: self.extra(Role::Query, &Extra::new()),
        };
        self.gateway.query(&order).await
    }

    fn extra(&self, role: Role, own: &Extra) -> Extra {
        let mut extra = Extra::new();
        for (_, fields) in self.extra.iter().filter(|(r, _)| *r == role) {
            extra.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        extra.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        extra
    }
}

/// The providers a payment is offered to, in order of preference.
#[derive(Clone)]
pub struct PaymentRouter {
    routes: Vec<Route>,
    /// The service's public base URL; provider `p` notifies `{notify_base}/notify/{p}`.
    notify_base: String,
}

/// A payment a provider took (or is taking, when its status is pending).
#[derive(Debug)]
pub struct Routed {
    /// The spec name of the provider that answered.
    pub provider: String,
    /// Its answer in the payment model.
    pub result: PaymentResult,
    /// The retry-safe refusals of the providers tried before it, in order.
    pub refused: Vec<(String, GatewayError)>,
}

/// Why a payment was not routed.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// Every provider refused with a retry-safe error.
    #[error("every provider refused: {}", list(.0))]
    AllRefused(Vec<(String, GatewayError)>),
    /// The provider's answer leaves the payment's outcome unknown: query it before
    /// anything else; paying elsewhere could charge the buyer twice.
    #[error("{provider}: outcome unknown, query it before acting: {error}")]
    OutcomeUnknown {
        /// The provider that may have taken the payment.
        provider: String,
        /// What it answered.
        error: GatewayError,
        /// The retry-safe refusals of the providers tried before it.
        refused: Vec<(String, GatewayError)>,
    },
}

fn list(refusals: &[(String, GatewayError)]) -> String {
    let parts: Vec<String> = refusals.iter().map(|(p, e)| format!("{p}: {e}")).collect();
    parts.join("; ")
}

impl PaymentRouter {
    /// A router over `gateways`, first preferred, whose notifications come to
    /// `notify_base` (e.g. `https://shop.example`).
    pub fn new(routes: Vec<Route>, notify_base: impl Into<String>) -> Self {
        PaymentRouter {
            routes,
            notify_base: notify_base.into(),
        }
    }

    /// The routes, in order of preference.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The route to provider `name`.
    pub fn route_to(&self, name: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.gateway.provider() == name)
    }

    /// Where provider `name` posts its notifications.
    pub fn notify_url(&self, name: &str) -> String {
        format!("{}/notify/{name}", self.notify_base)
    }

    /// Pays by the buyer's code with the first provider that does not refuse
    /// retry-safely; each provider is sent the request at most once.
    pub async fn pay(&self, request: &PayRequest) -> Result<Routed, RouteError> {
        self.route(|route| {
            let request = PayRequest {
                notify_url: Some(self.notify_url(route.gateway.provider())),
                extra: route.extra(Role::Pay, &request.extra),
                ..request.clone()
            };
            async move { route.gateway.pay(&request).await }
        })
        .await
    }

    /// Creates an order for the buyer to scan, with the same fallback as [`Self::pay`].
    pub async fn precreate(&self, request: &PrecreateRequest) -> Result<Routed, RouteError> {
        self.route(|route| {
            let request = PrecreateRequest {
                notify_url: Some(self.notify_url(route.gateway.provider())),
                extra: route.extra(Role::Precreate, &request.extra),
                ..request.clone()
            };
            async move { route.gateway.precreate(&request).await }
        })
        .await
    }

    async fn route<'a, F, Fut>(&'a self, call: F) -> Result<Routed, RouteError>
    where
        F: Fn(&'a Route) -> Fut,
        Fut: std::future::Future<Output = Result<PaymentResult, GatewayError>>,
    {
        let mut refused = Vec::new();
        for route in &self.routes {
            let provider = route.gateway.provider().to_owned();
            match call(route).await {
                Ok(result) => {
                    return Ok(Routed {
                        provider,
                        result,
                        refused,
                    })
                }
                // Nothing happened at this provider: offering the payment to the next
                // one cannot charge the buyer twice.
                Err(error) if error.is_retry_safe() => refused.push((provider, error)),
                Err(error) => {
                    return Err(RouteError::OutcomeUnknown {
                        provider,
                        error,
                        refused,
                    })
                }
            }
        }
        Err(RouteError::AllRefused(refused))
    }
}

/// wantu's route: `pay_channel` 1 (微信) on every role, and `fee_type` CNY on pay and
/// precreate (wantu 2.1, 2.2 and 2.5 request tables).
pub fn wantu_route(gateway: Arc<dyn Gateway>) -> Route {
    let channel = fields(&[("pay_channel", 1.into())]);
    let priced = fields(&[("pay_channel", 1.into()), ("fee_type", "CNY".into())]);
    Route::new(gateway)
        .with(Role::Pay, priced.clone())
        .with(Role::Precreate, priced)
        .with(Role::Query, channel)
}

/// WeChat Pay v2's route: the terminal's IP `spbill_create_ip` on pay and precreate
/// (micropay and unifiedorder request tables).
pub fn wechat_route(gateway: Arc<dyn Gateway>, terminal_ip: &str) -> Route {
    let ip = fields(&[("spbill_create_ip", terminal_ip.into())]);
    Route::new(gateway)
        .with(Role::Pay, ip.clone())
        .with(Role::Precreate, ip)
}

fn fields(pairs: &[(&str, serde_json::Value)]) -> Extra {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}
