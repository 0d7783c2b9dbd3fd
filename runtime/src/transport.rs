//! Sending an encoded request: the `Transport` trait and its reqwest implementation.

use crate::decode::HttpResponse;
use crate::encode::HttpRequest;
use crate::error::Error;
use std::future::Future;

/// Sends HTTP requests. Implement it to add retries, tracing, or a test double.
pub trait Transport: Send + Sync {
    /// Sends `request` and returns the response, whatever its status.
    fn send(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, Error>> + Send;
}

#[cfg(feature = "reqwest")]
pub use self::reqwest_transport::ReqwestTransport;

#[cfg(feature = "reqwest")]
mod reqwest_transport {
    use super::*;
    use crate::error::TransportErrorKind;
    use std::time::Duration;

    /// HTTPS over reqwest with rustls, with connect and whole-request timeouts.
    #[derive(Debug, Clone)]
    pub struct ReqwestTransport {
        client: reqwest::Client,
    }

    impl ReqwestTransport {
        /// A transport with these timeouts.
        pub fn new(connect_timeout: Duration, request_timeout: Duration) -> Result<Self, Error> {
            let client = reqwest::Client::builder()
                .connect_timeout(connect_timeout)
                .timeout(request_timeout)
                .build()
                .map_err(|e| Error::Transport {
                    kind: TransportErrorKind::Other,
                    message: e.to_string(),
                })?;
            Ok(ReqwestTransport { client })
        }
    }

    impl Default for ReqwestTransport {
        /// 5 s to connect, 30 s for the whole exchange.
        fn default() -> Self {
            ReqwestTransport {
                client: reqwest::Client::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap_or_default(),
            }
        }
    }

    fn transport_error(error: reqwest::Error) -> Error {
        let kind = if error.is_connect() {
            TransportErrorKind::Connect
        } else if error.is_timeout() {
            TransportErrorKind::Timeout
        } else {
            TransportErrorKind::Other
        };
        Error::Transport {
            kind,
            message: error.without_url().to_string(),
        }
    }

    impl Transport for ReqwestTransport {
        async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
            let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| {
                Error::Transport {
                    kind: TransportErrorKind::Other,
                    message: e.to_string(),
                }
            })?;
            let mut builder = self.client.request(method, &request.url);
            for (name, value) in &request.headers {
                builder = builder.header(name.as_ref(), value.as_ref());
            }
            let response = builder
                .body(request.body)
                .send()
                .await
                .map_err(transport_error)?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let bytes = response.bytes().await.map_err(transport_error)?;
            Ok(HttpResponse {
                status,
                headers,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            })
        }
    }
}
