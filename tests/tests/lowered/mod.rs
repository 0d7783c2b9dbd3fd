//! Judging a reply with a spec lowered at run time, as the CLI and the sandbox do: for
//! the test files whose specs are small variations of `ui/specs/base.yaml`.

use paygen::tooling::decode::judge_response;
use paygen::{Credentials, Error, FixedClock, Receiver};

/// Verifies and judges `body` as the reply to `spec`'s `pay` operation, received with
/// `credentials` at Unix time 0; a refusal is an `Error::Decode` describing it.
// Not every test file sharing this module judges replies.
#[allow(dead_code)]
pub fn judge_pay_reply(
    spec: &paygen_codegen::ValidSpec,
    credentials: &Credentials,
    body: &str,
) -> Result<(), Error> {
    let provider = paygen_codegen::lower(spec);
    let operation = provider.operation("pay").expect("pay");
    let clock = FixedClock::at_unix_seconds(0);
    let receiver = Receiver {
        credentials,
        clock: &clock,
        utc_offset_minutes: provider.utc_offset_minutes,
        seen: None,
    };
    let (_, outcome) = judge_response(&provider, operation, &receiver, body)?;
    outcome.map_err(|refusal| Error::Decode {
        reason: format!("refused: {refusal:?}"),
        body: body.to_owned(),
    })
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
