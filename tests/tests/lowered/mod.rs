//! Judging a reply with a spec lowered at run time, as the CLI and the sandbox do: for
//! the test files whose specs are small variations of `ui/specs/base.yaml`.

use paygen::tooling::decode::judge_response;
use paygen::{Credentials, Error, FixedClock, Receiver};

/// Verifies and judges `body` as the reply to `spec`'s `pay` operation, received with
/// `credentials` at Unix time 0; a refusal is an `Error::Decode` describing it.
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
