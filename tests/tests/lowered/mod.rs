//! Judging a reply with a spec lowered at run time, as the CLI and the sandbox do: for
//! the test files whose specs are small variations of `ui/specs/base.yaml`.

use paygen::tooling::decode::judge_response;
use paygen::tooling::encode::{encode_request, RequestContext};
use paygen::{Credentials, Error, FixedClock, FixedNonce, HttpRequest, Receiver, WireFields};

/// Verifies and judges `body` as the reply to `spec`'s `pay` operation, received with
/// `credentials` at Unix time 0; a refusal is an `Error::Decode` describing it.
// Not every test file sharing this module judges replies.
#[allow(dead_code)]
pub fn judge_pay_reply(
    spec: &paygen_codegen::ValidSpec,
    credentials: &Credentials,
    body: &str,
) -> Result<(), Error> {
    pay_reply_fields(&paygen_codegen::lower(spec), credentials, body).map(drop)
}

/// Decodes a POST of `body` to `target` on the provider's side, with `credentials` at
/// Unix time 0: the verified fields, or why it was refused.
// Not every test file sharing this module posts requests.
#[allow(dead_code)]
pub fn receive_post(
    provider: &paygen::protocol::Provider,
    credentials: &Credentials,
    target: &str,
    body: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, paygen::tooling::ServerError> {
    let clock = FixedClock::at_unix_seconds(0);
    let receiver = Receiver {
        credentials,
        clock: &clock,
        utc_offset_minutes: 0,
        seen: None,
    };
    let received = paygen::tooling::server::ReceivedRequest {
        method: "POST",
        target,
        headers: &[],
        body,
    };
    paygen::tooling::server::decode_request(provider, &receiver, &received).map(|r| r.fields)
}

/// Renders `spec`'s `pay` request of `fields` with `credentials` at Unix time 0 and the
/// nonce `n`, to `https://pay.example.invalid`.
// Not every test file sharing this module renders requests.
#[allow(dead_code)]
pub fn render_pay(
    provider: &paygen::protocol::Provider,
    credentials: &Credentials,
    fields: &WireFields<'_>,
) -> Result<HttpRequest, Error> {
    let context = RequestContext {
        base_url: "https://pay.example.invalid",
        credentials,
        clock: &FixedClock::at_unix_seconds(0),
        nonce: &FixedNonce("n".into()),
    };
    let operation = provider.operation("pay").expect("pay");
    encode_request(provider, operation, fields, &context, None)
}

/// The verified business fields of `body` as the reply to `provider`'s `pay`, received
/// with `credentials` at Unix time 0; a refusal is an `Error::Decode` describing it.
// Not every test file sharing this module judges replies.
#[allow(dead_code)]
pub fn pay_reply_fields(
    provider: &paygen::protocol::Provider,
    credentials: &Credentials,
    body: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    let operation = provider.operation("pay").expect("pay");
    let clock = FixedClock::at_unix_seconds(0);
    let receiver = Receiver {
        credentials,
        clock: &clock,
        utc_offset_minutes: provider.utc_offset_minutes,
        seen: None,
    };
    let (decoded, outcome) = judge_response(provider, operation, &receiver, body)?;
    outcome.map_err(|refusal| Error::Decode {
        reason: format!("refused: {refusal:?}"),
        body: body.to_owned(),
    })?;
    Ok(decoded.fields)
}
