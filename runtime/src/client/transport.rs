//! Sending an encoded request: the `Transport` trait and its reqwest implementation.

use crate::error::Error;
use crate::message::decode::HttpResponse;
use crate::message::encode::HttpRequest;
pub use paygen_protocol::OperationInfo;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The future a [`Transport`] returns: boxed, so that `Box<dyn Transport>` works.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<HttpResponse, Error>> + Send + 'a>>;

/// Sends HTTP requests. Implement it to add retries, tracing, or a test double.
///
/// `info` says which operation the request carries; a transport that retries must
/// never resend a request whose `info.moves_money` is true (a payment sent twice can
/// charge twice).
pub trait Transport: Send + Sync {
    /// Sends `request` and returns the response, whatever its status.
    fn send<'a>(&'a self, request: HttpRequest, info: OperationInfo<'a>) -> SendFuture<'a>;
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send<'a>(&'a self, request: HttpRequest, info: OperationInfo<'a>) -> SendFuture<'a> {
        (**self).send(request, info)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send<'a>(&'a self, request: HttpRequest, info: OperationInfo<'a>) -> SendFuture<'a> {
        (**self).send(request, info)
    }
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send<'a>(&'a self, request: HttpRequest, info: OperationInfo<'a>) -> SendFuture<'a> {
        (**self).send(request, info)
    }
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
        // A client that could not be built is kept as the reason, so that every send
        // fails with it: falling back to a client without timeouts would hang payments.
        client: Result<reqwest::Client, String>,
    }

    impl ReqwestTransport {
        /// A transport with these timeouts.
        pub fn new(connect_timeout: Duration, request_timeout: Duration) -> Result<Self, Error> {
            let client = reqwest::Client::builder()
                .connect_timeout(connect_timeout)
                .timeout(request_timeout)
                .build()
                .map_err(|e| transport_error(e, "cannot build the HTTP client"))?;
            Ok(ReqwestTransport { client: Ok(client) })
        }

        /// A transport over the caller's own client (proxy, pool, TLS settings).
        pub fn from_client(client: reqwest::Client) -> Self {
            ReqwestTransport { client: Ok(client) }
        }

        /// A transport that presents a client certificate (WeChat Pay v2 refunds, some
        /// banks): `pem` holds the certificate chain and its PKCS#8, RSA or SEC1
        /// private key, as PEM blocks, with these timeouts.
        // PKCS#12 (`apiclient_cert.p12`) is not taken: reqwest reads it only with
        // native-tls, not rustls. Convert it once with
        // `openssl pkcs12 -in apiclient_cert.p12 -nodes -out identity.pem`.
        pub fn with_client_identity(
            pem: &[u8],
            connect_timeout: Duration,
            request_timeout: Duration,
        ) -> Result<Self, Error> {
            let identity = reqwest::Identity::from_pem(pem)
                .map_err(|e| transport_error(e, "cannot read the client certificate and key"))?;
            let client = reqwest::Client::builder()
                .use_rustls_tls()
                .identity(identity)
                .connect_timeout(connect_timeout)
                .timeout(request_timeout)
                .build()
                .map_err(|e| transport_error(e, "cannot build the HTTP client"))?;
            Ok(ReqwestTransport { client: Ok(client) })
        }
    }

    impl Default for ReqwestTransport {
        /// 5 s to connect, 30 s for the whole exchange. If the client cannot be built,
        /// every request fails with the reason (as a connect error: nothing is sent).
        fn default() -> Self {
            let client = reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(30))
                .build()
                .map_err(|e| format!("cannot build the HTTP client: {e}"));
            ReqwestTransport { client }
        }
    }

    fn transport_error(error: reqwest::Error, what: &str) -> Error {
        let kind = if error.is_connect() || error.is_builder() {
            TransportErrorKind::Connect
        } else if error.is_timeout() {
            TransportErrorKind::Timeout
        } else {
            TransportErrorKind::Other
        };
        Error::Transport {
            kind,
            message: what.to_owned(),
            source: Some(Box::new(error.without_url())),
        }
    }

    impl Transport for ReqwestTransport {
        fn send<'a>(&'a self, request: HttpRequest, _: OperationInfo<'a>) -> SendFuture<'a> {
            Box::pin(self.exchange(request))
        }
    }

    impl ReqwestTransport {
        async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
            let client = self.client.as_ref().map_err(|reason| Error::Transport {
                kind: TransportErrorKind::Connect,
                message: reason.clone(),
                source: None,
            })?;
            let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| {
                Error::Transport {
                    kind: TransportErrorKind::Connect,
                    message: format!("invalid HTTP method `{}`", request.method),
                    source: Some(Box::new(e)),
                }
            })?;
            let mut builder = client.request(method, &request.url);
            for (name, value) in &request.headers {
                builder = builder.header(name.as_ref(), value.as_ref());
            }
            let response = builder
                .body(request.body)
                .send()
                .await
                .map_err(|e| transport_error(e, "sending the request failed"))?;
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
            let bytes = response
                .bytes()
                .await
                .map_err(|e| transport_error(e, "reading the response body failed"))?;
            Ok(HttpResponse {
                status,
                headers,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            })
        }
    }
}

#[cfg(all(test, feature = "reqwest"))]
mod tests {
    use super::*;
    use std::time::Duration;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_client_identity_is_read_from_pem_and_garbage_is_an_error() {
        // A throwaway self-signed P-256 certificate and PKCS#8 key made for this test
        // with `openssl req -x509 -newkey ec` (no secret: it identifies nothing).
        let pem = include_bytes!("../../tests/data/client_identity.pem");
        assert!(ReqwestTransport::with_client_identity(pem, SECOND, SECOND).is_ok());
        let refused = ReqwestTransport::with_client_identity(b"not pem", SECOND, SECOND);
        assert!(
            matches!(refused, Err(Error::Transport { .. })),
            "{refused:?}"
        );
        let cert_only = pem
            .split(|&b| b == b'\n')
            .take_while(|line| !line.starts_with(b"-----BEGIN PRIVATE KEY"))
            .flat_map(|line| line.iter().copied().chain([b'\n']))
            .collect::<Vec<u8>>();
        assert!(ReqwestTransport::with_client_identity(&cert_only, SECOND, SECOND).is_err());
    }
}
