//! What the fuzz targets share: the providers, their credentials, how an input is split
//! into a choice and a body, and (in [`runtime`]) every call into the runtime.
//!
//! An input to a response or notification target is one selector byte (which operation
//! or notification, modulo their count) followed by the body, read as UTF-8 with
//! invalid sequences replaced.

use paygen::protocol::{Notification, Provider};
use paygen::Credentials;
use std::borrow::Cow;

/// Every generated provider.
pub fn providers() -> [&'static Provider; 7] {
    [
        &paygen_mct1::tables::PROVIDER,
        &paygen_mpgateway::tables::PROVIDER,
        &paygen_wantu::tables::PROVIDER,
        &paygen_tiantapay::tables::PROVIDER,
        &paygen_shouqianba::tables::PROVIDER,
        &paygen_wechatpay_v2::tables::PROVIDER,
        &paygen_alipay::tables::PROVIDER,
    ]
}

/// Every notification of every provider, in order: the notification target's choices.
pub fn notifications() -> Vec<(&'static Provider, &'static Notification)> {
    providers()
        .into_iter()
        .flat_map(|p| p.notifications.iter().map(move |n| (p, n)))
        .collect()
}

/// A value for every credential the provider declares; 32 characters, so that AES-256
/// keys are valid and decryption is reached. A credential that chooses the signature
/// recipe (`choose_by`, WeChat Pay v2's `sign_type`) gets its first accepted value, so
/// that verification is reached rather than refused for the credential.
pub fn credentials(provider: &Provider) -> Credentials {
    const VALUE: &str = "0123456789abcdef0123456789ABCDEF";
    let choices = provider
        .request
        .signature
        .as_ref()
        .and_then(|s| s.choose_by.as_ref())
        .into_iter()
        .chain(
            provider
                .response
                .verification
                .as_ref()
                .and_then(|v| v.choose_by.as_ref()),
        );
    let chosen: Vec<(&str, &str)> = choices
        .filter_map(|c| Some((c.by.credential()?, c.recipes.first()?.value.as_ref())))
        .collect();
    provider
        .credentials
        .iter()
        .fold(Credentials::new(), |c, def| {
            let value = chosen
                .iter()
                .find(|(name, _)| *name == def.name)
                .map_or(VALUE, |(_, value)| value);
            if def.secret {
                c.secret(def.name.clone(), value)
            } else {
                c.plain(def.name.clone(), value)
            }
        })
}

/// Splits an input into its selector (modulo `choices`) and its body text.
fn split(data: &[u8], choices: usize) -> Option<(usize, Cow<'_, str>)> {
    let (&selector, body) = data.split_first()?;
    (choices > 0).then(|| {
        (
            usize::from(selector) % choices,
            String::from_utf8_lossy(body),
        )
    })
}

/// The response target: a body for one of the provider's operations.
pub fn response(provider: &'static Provider, data: &[u8]) {
    if let Some((index, body)) = split(data, provider.operations.len()) {
        runtime::decode_response(provider, &provider.operations[index], body.into_owned());
    }
}

/// The notification target: an input for one of all providers' notifications.
pub fn notification(data: &[u8]) {
    let all = notifications();
    if let Some((index, input)) = split(data, all.len()) {
        let (provider, notification) = all[index];
        runtime::decode_notification(provider, notification, &input);
    }
}

/// The request target: a body for one operation of one provider, received by the
/// provider's side (`paygen::tooling::server::decode_request`) at that operation's path.
pub fn request(data: &[u8]) {
    let all: Vec<_> = providers()
        .into_iter()
        .flat_map(|p| p.operations.iter().map(move |op| (p, op)))
        .collect();
    if let Some((index, body)) = split(data, all.len()) {
        let (provider, operation) = all[index];
        runtime::decode_request(provider, operation, &body);
    }
}

/// The spec target: load, validate, lower and generate; errors are fine.
pub fn spec(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(spec) = paygen_codegen::parse_str(text, "fuzz.yaml") {
        let _ = paygen_codegen::lower(&spec);
        let loaded = paygen_codegen::LoadedSpec {
            path: "specs/fuzz.yaml".into(),
            spec,
        };
        let _ = paygen_codegen::generate::crate_files(&loaded, "specs/fuzz.yaml");
    }
}

/// Every call the targets make into the runtime's decoding, so that a change of its API
/// is a change here. Results are dropped: only a panic is a finding.
pub mod runtime {
    use super::credentials;
    use paygen::protocol::{Notification, Operation, Provider};
    use paygen::{FixedClock, HttpResponse, MemorySeenStore, Receiver};

    /// A receiver at a fixed time, with a seen-store so the replay path runs too.
    fn with_receiver<R>(provider: &Provider, run: impl FnOnce(&Receiver<'_>) -> R) -> R {
        let credentials = credentials(provider);
        let clock = FixedClock::at_unix_seconds(1_700_000_000);
        let seen = MemorySeenStore::with_capacity(16);
        run(&Receiver {
            credentials: &credentials,
            clock: &clock,
            utc_offset_minutes: provider.utc_offset_minutes,
            seen: Some(&seen),
        })
    }

    /// `paygen::tooling::decode::decode_response` with status 200 and no headers, then the same
    /// body through `decode_message` with verification off: a fuzzer cannot forge a
    /// signature, and without that second call payload decoding would go unexercised.
    pub fn decode_response(provider: &Provider, operation: &Operation, body: String) {
        with_receiver(provider, |receiver| {
            let envelope = &provider.response;
            let _ = paygen::tooling::decode::decode_message(
                envelope.body,
                &envelope.payload,
                None,
                receiver,
                &body,
            );
            let response = HttpResponse {
                status: 200,
                headers: vec![],
                body,
            };
            let _ =
                paygen::tooling::decode::decode_response(provider, operation, receiver, &response);
        });
    }

    /// `paygen::tooling::server::decode_request` of a POST (GET for GET operations) to the
    /// operation's path, with the body as the query string for GETs.
    pub fn decode_request(provider: &Provider, operation: &Operation, body: &str) {
        with_receiver(provider, |receiver| {
            let get = operation.method == "GET";
            let target = if get {
                format!("{}?{body}", operation.path)
            } else {
                operation.path.to_string()
            };
            let request = paygen::tooling::server::ReceivedRequest {
                method: &operation.method,
                target: &target,
                headers: &[],
                body: if get { "" } else { body },
            };
            let _ = paygen::tooling::server::decode_request(provider, receiver, &request);
        });
    }

    /// `paygen::tooling::decode::decode_notification`, then `decode_message` unverified (see above).
    pub fn decode_notification(provider: &Provider, notification: &Notification, input: &str) {
        with_receiver(provider, |receiver| {
            let _ = paygen::tooling::decode::decode_message(
                notification.body,
                &notification.payload,
                None,
                receiver,
                input,
            );
            let _ = paygen::tooling::decode::decode_notification(notification, receiver, input);
        });
    }
}
