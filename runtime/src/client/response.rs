//! What a successful call returns: the typed value with the facts of its exchange.

use crate::message::decode::{Authenticity, HttpResponse};
use std::ops::Deref;

/// A verified, successful, typed response, with how it was checked and the raw
/// exchange it came from (progenitor's `ResponseValue`, plus authenticity).
#[derive(Debug, Clone)]
pub struct Response<T> {
    value: T,
    authenticity: Authenticity,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl<T> Response<T> {
    /// Wraps `value`, decoded from `raw` and checked as `authenticity` says.
    pub fn new(value: T, authenticity: Authenticity, raw: HttpResponse) -> Self {
        Response {
            value,
            authenticity,
            status: raw.status,
            headers: raw.headers,
            body: raw.body,
        }
    }

    /// The typed value.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// How the response's signature was established: `Verified`, or `Unsigned` when
    /// the provider does not sign this reply (a successful reply is never
    /// `UnsignedErrorReply`).
    pub fn authenticity(&self) -> Authenticity {
        self.authenticity
    }

    /// Whether a signature over the returned fields was checked and matched.
    pub fn is_verified(&self) -> bool {
        self.authenticity == Authenticity::Verified
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers, in received order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The raw body exactly as received, for audit logs.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The same facts around another value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            value: f(self.value),
            authenticity: self.authenticity,
            status: self.status,
            headers: self.headers,
            body: self.body,
        }
    }
}

/// A successful reply of an operation whose document says success may not mean done
/// (`done_when`): the caller must match on it, so an accepted refund is never read as
/// a refunded one.
#[derive(Debug, Clone)]
pub enum Accepted<T> {
    /// The reply says the work is done (Alipay refund: `fund_change=Y`).
    Done(Response<T>),
    /// Accepted, not yet done: query with [`Unconfirmed::confirm_with`] before counting
    /// it done.
    Unconfirmed(Unconfirmed<T>),
}

/// An accepted reply that does not say the work is done, and how to confirm it.
#[derive(Debug, Clone)]
pub struct Unconfirmed<T> {
    /// The verified reply.
    pub response: Response<T>,
    /// The reply field that would have said done (`fund_change`).
    pub field: String,
    /// Its received text; `None` when the reply did not carry it.
    pub received: Option<String>,
    /// The operation that confirms it (`trade_fastpay_refund_query`).
    pub confirm_with: String,
}

impl<T> Accepted<T> {
    /// Whether the reply says the work is done.
    pub fn is_done(&self) -> bool {
        matches!(self, Accepted::Done(_))
    }

    /// The verified reply, done or not.
    pub fn response(&self) -> &Response<T> {
        match self {
            Accepted::Done(response) => response,
            Accepted::Unconfirmed(pending) => &pending.response,
        }
    }
}

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_exchange_and_derefs_to_the_value() {
        let raw = HttpResponse {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: r#"{"n":7}"#.into(),
        };
        let response = Response::new(7_u32, Authenticity::Verified, raw);
        assert_eq!(*response, 7);
        assert!(response.is_verified());
        assert_eq!(response.status(), 200);
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.header("x-missing"), None);
        assert_eq!(response.body(), r#"{"n":7}"#);
        let mapped = response.map(|n| n * 2);
        assert_eq!(mapped.authenticity(), Authenticity::Verified);
        assert_eq!(mapped.into_inner(), 14);
        let unsigned = Response::new(
            (),
            Authenticity::Unsigned,
            HttpResponse {
                status: 200,
                headers: vec![],
                body: String::new(),
            },
        );
        assert!(!unsigned.is_verified());
    }
}
