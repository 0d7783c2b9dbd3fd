//! A first service on one generated client, wantu's, used through its typed API: a
//! checkout that pays by the buyer's code and settles what is uncertain by querying,
//! a partial refund, refusals matched by their code enum ([`ReturnCodes`]), and the
//! pay notification received through axum ([`notify`]).

pub mod notify;

use paygen::{Error, Fen};
use paygen_wantu::{
    Client, PayChannel, PospayRequest, QueryRequest, RefundRequest, RefundResponse, ReturnCodes,
    TradeStatuses,
};
use std::time::Duration;

/// The currency of every request (wantu's samples use CNY).
const CURRENCY: &str = "CNY";

/// How often a payment whose outcome is not known yet is queried, and how long apart.
const QUERIES: u32 = 5;
const QUERY_EVERY: Duration = Duration::from_millis(200);

/// The shop: one wantu merchant, and where wantu posts its notifications.
pub struct Shop {
    /// The merchant's wantu client.
    pub client: Client,
    /// The URL of this service's notification route ([`notify::router`]).
    pub notify_url: String,
}

/// How a checkout ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Checkout {
    /// Paid: wantu's trade number, and how many queries it took to know.
    Paid {
        /// wantu's `trade_id`.
        trade_id: String,
        /// Queries sent after the pay request (0: its reply said paid).
        queries: u32,
    },
    /// wantu refused and nothing happened: the buyer may pay again (another code,
    /// another method).
    Refused {
        /// The refusal's code, as wantu's table names it.
        code: ReturnCodes,
        /// wantu's message.
        message: Option<String>,
    },
    /// Still not paid after the queries: the buyer has not confirmed, or the payment
    /// failed; the order must be closed or cancelled before anything else.
    NotPaid(TradeStatuses),
}

/// What the shop could not do.
#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    /// The call failed in a way the shop does not settle (a parameter, a credential).
    #[error(transparent)]
    Wantu(#[from] Error<ReturnCodes>),
}

impl Shop {
    /// Pays `fen` for `order_no` with the buyer's `auth_code`. A payment whose outcome is
    /// unknown (in progress, a lost or late reply, a reply whose signature does not
    /// verify) is never paid again: it is queried until wantu says.
    pub async fn pay(
        &self,
        order_no: &str,
        fen: i64,
        auth_code: &str,
    ) -> Result<Checkout, ShopError> {
        let request = PospayRequest::new(
            PayChannel::Wechat,
            Fen(fen),
            "shop order",
            order_no,
            auth_code,
            CURRENCY,
            &self.notify_url,
        );
        match self.client.pospay(&request).await {
            Ok(reply) => Ok(Checkout::Paid {
                trade_id: reply.into_inner().trade_id,
                queries: 0,
            }),
            // 1.4's codes, matched as the enum the client decodes them into.
            Err(Error::Service(refusal)) => match refusal.code {
                ReturnCodes::UserPaying => self.settle(order_no).await,
                ReturnCodes::TradeError
                | ReturnCodes::NotEnough
                | ReturnCodes::NotSupportCard
                | ReturnCodes::AuthCodeInvalid
                | ReturnCodes::AuthCodeExpired => Ok(Checkout::Refused {
                    code: refusal.code.clone(),
                    message: refusal.message.clone(),
                }),
                _ if refusal.outcome() != paygen::Outcome::Unknown => Ok(Checkout::Refused {
                    code: refusal.code.clone(),
                    message: refusal.message.clone(),
                }),
                _ => self.settle(order_no).await,
            },
            Err(error) if error.outcome_unknown() => self.settle(order_no).await,
            Err(error) => Err(error.into()),
        }
    }

    /// Queries `order_no` until it is paid or the queries run out.
    async fn settle(&self, order_no: &str) -> Result<Checkout, ShopError> {
        let mut status = TradeStatuses::NotPay;
        for queries in 1..=QUERIES {
            let reply = self.poll(order_no).await?;
            if reply.0 == TradeStatuses::Success {
                return Ok(Checkout::Paid {
                    trade_id: reply.1,
                    queries,
                });
            }
            status = reply.0;
            tokio::time::sleep(QUERY_EVERY).await;
        }
        Ok(Checkout::NotPaid(status))
    }

    /// The order's `trade_status` and `trade_id` (2.5 query).
    pub async fn poll(&self, order_no: &str) -> Result<(TradeStatuses, String), ShopError> {
        let request = QueryRequest::new(PayChannel::Wechat).with_out_trade_no(order_no);
        let reply = self.client.query(&request).await?.into_inner();
        Ok((reply.trade_status, reply.trade_id))
    }

    /// Refunds `refund` of the `total` paid for `order_no` (2.4; a part is allowed).
    pub async fn refund(
        &self,
        order_no: &str,
        refund_no: &str,
        total: i64,
        refund: i64,
    ) -> Result<RefundResponse, ShopError> {
        let request = RefundRequest::new(
            PayChannel::Wechat,
            Fen(total),
            Fen(refund),
            CURRENCY,
            refund_no,
        )
        .with_out_trade_no(order_no);
        Ok(self.client.refund(&request).await?.into_inner())
    }
}
