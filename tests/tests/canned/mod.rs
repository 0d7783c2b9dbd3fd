//! An mpgateway client over a transport that answers with one canned response, and
//! replies signed as document 001 says: shared by the client-path test crates.
// Each test crate that includes this module uses a part of it.
#![allow(dead_code)]

use paygen::{FixedClock, HttpRequest, HttpResponse, OperationInfo, SendFuture, Transport};
use std::sync::Mutex;

/// Answers every request with one canned response and remembers what it was sent.
#[derive(Debug)]
pub struct CannedTransport {
    pub response: HttpResponse,
    pub sent: Mutex<Vec<HttpRequest>>,
    /// (provider, operation, moves_money) of each request, as the client said.
    pub told: Mutex<Vec<(String, String, bool)>>,
}

impl CannedTransport {
    pub fn new(status: u16, body: &str) -> Self {
        CannedTransport {
            response: HttpResponse {
                status,
                headers: vec![],
                body: body.to_owned(),
            },
            sent: Mutex::new(Vec::new()),
            told: Mutex::new(Vec::new()),
        }
    }
}

impl Transport for CannedTransport {
    fn send<'a>(&'a self, request: HttpRequest, info: OperationInfo<'a>) -> SendFuture<'a> {
        self.sent.lock().unwrap().push(request);
        self.told.lock().unwrap().push((
            info.provider.to_owned(),
            info.operation.to_owned(),
            info.moves_money,
        ));
        let response = self.response.clone();
        Box::pin(async move { Ok(response) })
    }
}

pub const KEY: &str = "mpgateway-test-key";

pub fn mpgateway(transport: CannedTransport) -> paygen_mpgateway::Client<CannedTransport> {
    paygen_mpgateway::Client::with_transport(
        "http://127.0.0.1:9",
        paygen_mpgateway::Credentials {
            merid: "M1".into(),
            key: KEY.into(),
        },
        transport,
    )
    .with_clock(FixedClock::at_unix_seconds(1_700_000_000))
}

/// A response as document 001 describes it: resp=base64(json)&sign=md5(resp+key),
/// signed with the `base64` and `md-5` crates, not the runtime under test.
pub fn signed_reply(json: &str) -> String {
    use md5::Digest;
    let resp = base64(json.as_bytes());
    let sign = format!("{:x}", md5::Md5::digest(format!("{resp}{KEY}").as_bytes()));
    let mut body = String::from("resp=");
    body.extend(form_encode(&resp));
    body.push_str("&sign=");
    body.push_str(&sign);
    body
}

/// Standard base64, by the `base64` crate.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn form_encode(text: &str) -> impl Iterator<Item = String> + '_ {
    text.chars().map(|c| match c {
        '+' => "%2B".to_owned(),
        '/' => "%2F".to_owned(),
        '=' => "%3D".to_owned(),
        c => c.to_string(),
    })
}

pub fn request() -> paygen_mpgateway::MpgatewayRequest {
    paygen_mpgateway::MpgatewayRequest::new(
        paygen_mpgateway::mpgateway_request::Action::AliCode,
        paygen::Fen(100),
        "20240101000001",
        "https://m.example/notify",
    )
    .with_code("284020000000000000")
}
