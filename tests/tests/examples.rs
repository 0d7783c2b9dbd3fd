//! Every documented example of every spec, as the tests' fixtures:
//! - request parameters render through the runtime (the same path as `paygen request`)
//!   and are pinned to their exact wire bytes by insta snapshots; where the document
//!   gives the key (mct1's worked example) the bytes must equal the document's;
//! - every response and notification body parses into the generated typed message,
//!   unverified (the documents give no keys for their samples; see
//!   `decoded_fields_unverified`).
//!
//! The snapshots' sources: the parameters are the documents' own; the bytes are pins,
//! reviewed when written, that catch any change on the wire. They are not an independent
//! oracle for the signatures (the documents give no keys but 002's): each recipe is checked
//! against an independent computation in `macros/cli/tests/cli.rs` and against document
//! 002 section 2.4 in `mct1_worked_example.rs`.

use paygen::protocol::Provider;
use paygen::tooling::decode::decode_message_in;
use paygen::tooling::encode::{encode_request, RequestContext};
use paygen::tooling::validate::request_fields_from_json;
use paygen::{Credentials, FixedClock, FixedNonce};
use paygen_codegen::spec::model::{Example, Spec};
use paygen_tests::spec_paths;
use serde_json::{Map, Value};

/// Clock of examples that do not give one: 2023-11-14 22:13:20 UTC.
const DEFAULT_NOW: i64 = 1_700_000_000;

/// Credentials for examples the document signs without giving the key: stand-ins, 32
/// characters so that AES-256 keys are valid; an RSA key (a name ending in
/// `_private_key` or `_public_key`) is the committed test key pair of
/// `runtime/tests/fixtures/` (PKCS#1 v1.5 signatures are deterministic). A credential
/// that chooses the signature recipe (`choose_by`) stands in as its first accepted value
/// (WeChat Pay v2's `sign_type`: `HMAC-SHA256`, the values being in name order).
fn credentials(provider: &Provider, example: &Example) -> Credentials {
    let mut credentials = Credentials::new();
    for def in provider.credentials.iter() {
        let given = example
            .credentials
            .as_ref()
            .and_then(|c| c.get(def.name.as_ref()))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let chooser = provider
            .request
            .signature
            .as_ref()
            .and_then(|s| s.choose_by.as_ref())
            .filter(|c| c.by.credential() == Some(&*def.name))
            .and_then(|c| c.recipes.first())
            .map(|o| o.value.to_string());
        let value = given.or(chooser).unwrap_or_else(|| stand_in(&def.name));
        credentials = if def.secret {
            credentials.secret(def.name.clone(), value)
        } else {
            credentials.plain(def.name.clone(), value)
        };
    }
    credentials
}

fn stand_in(name: &str) -> String {
    let fixture = |file: &str| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime/tests/fixtures/");
        std::fs::read_to_string(format!("{dir}{file}")).unwrap()
    };
    if name.ends_with("_private_key") {
        fixture("rsa_test_key.pem")
    } else if name.ends_with("_public_key") {
        fixture("rsa_test_key_pub.pem")
    } else {
        format!("{:x<32}", format!("test-{name}"))
    }
}

/// The decoded fields of an example body, WITHOUT verifying its signature: the
/// documents never give the key their samples were signed with, and several samples
/// show the message already decoded. Verified decoding of genuine messages is
/// `genuine_messages.rs`.
fn decoded_fields_unverified(
    format: paygen::protocol::BodyFormat,
    payload: &paygen::protocol::Payload,
    members: &[paygen::protocol::Text],
    provider: &Provider,
    example: &Example,
    body: &str,
) -> Map<String, Value> {
    if example.decoded {
        return match serde_json::from_str(body) {
            Ok(Value::Object(map)) => map,
            other => panic!("example `{}` is not a JSON object: {other:?}", example.name),
        };
    }
    let credentials = credentials(provider, example);
    let clock = FixedClock::at_unix_seconds(DEFAULT_NOW);
    let receiver = paygen::Receiver {
        credentials: &credentials,
        clock: &clock,
        utc_offset_minutes: provider.utc_offset_minutes,
        seen: None,
    };
    decode_message_in(format, payload, None, members, &receiver, body)
        .unwrap_or_else(|e| panic!("example `{}` does not decode: {e}", example.name))
        .fields
}

/// Parses an example into its generated type and pins the typed value, one snapshot
/// file per example (`<spec>__<op>__<example>__parsed.snap`), so that a PR diff shows
/// what a change does to a documented message as the caller sees it.
fn parse<T: serde::de::DeserializeOwned + std::fmt::Debug>(fields: Map<String, Value>, what: &str) {
    match serde_json::from_value::<T>(Value::Object(fields)) {
        Ok(value) => insta::assert_snapshot!(
            format!("{}__parsed", what.replace('.', "__")),
            format!("{value:#?}")
        ),
        Err(error) => {
            panic!("{what}: documented body does not parse into the generated type: {error}")
        }
    }
}

// `mod <spec> { paygen::provider!(..) }`, `parse_<spec>` from operation or notification
// name to its generated type, and `PARSERS`: written by `build.rs` from `specs/`.
include!(concat!(env!("OUT_DIR"), "/examples_table.rs"));

fn check_spec(name: &str, parse_typed: impl Fn(&str, &str, &str, Map<String, Value>)) -> usize {
    let path = spec_paths()
        .into_iter()
        .find(|p| p.file_stem().is_some_and(|s| s == name))
        .unwrap_or_else(|| panic!("spec {name} exists"));
    let loaded = paygen_codegen::load_file(&path).unwrap();
    let spec = &loaded.spec;
    let provider = paygen_codegen::lower(spec);
    let mut checked = 0;
    for (operation, lowered) in spec.operations.iter().zip(provider.operations.iter()) {
        for example in &operation.examples {
            let what = format!("{name}.{}.{}", operation.name.value, example.name);
            if let Some(params) = &example.params {
                let printed = paygen_codegen::lower::as_printed(lowered, example);
                let fields = request_fields_from_json(&printed, params)
                    .unwrap_or_else(|e| panic!("{what}: documented params rejected: {e}"));
                let credentials = credentials(&provider, example);
                let clock = FixedClock::at_unix_seconds(example.now.unwrap_or(DEFAULT_NOW));
                let base_url = provider.environments[0].base_url.to_string();
                let context = RequestContext {
                    base_url: &base_url,
                    credentials: &credentials,
                    clock: &clock,
                    nonce: &FixedNonce("nonce".into()),
                };
                let mut trace = paygen::tooling::SigningTrace::default();
                let request =
                    encode_request(&provider, &printed, &fields, &context, Some(&mut trace))
                        .unwrap_or_else(|e| panic!("{what}: cannot render: {e}"));
                // Beside the request, in its own file: the string the signature covers,
                // secrets masked, for a reviewer to read against the document.
                if lowered.signed && provider.request.signature.is_some() {
                    insta::assert_snapshot!(
                        format!("{}__string_to_sign", what.replace('.', "__")),
                        format!(
                            "{}\n\nsignature: {}\n",
                            trace.string_to_sign, trace.signature
                        )
                    );
                }
                if let Some(expected) = &example.request_body {
                    assert_eq!(request.body, *expected, "{what}: differs from the document");
                }
                let headers: Vec<String> = request
                    .headers
                    .iter()
                    .map(|(n, v)| format!("{n}: {v}"))
                    .collect();
                let snapshot = format!(
                    "{} {}\n{}\n\n{}\n",
                    request.method,
                    request.url,
                    headers.join("\n"),
                    request.body
                );
                insta::assert_snapshot!(what.replace('.', "__"), snapshot);
                checked += 1;
            }
            if let Some(body) = &example.body {
                let envelope = &provider.response;
                let fields = decoded_fields_unverified(
                    envelope.body,
                    &envelope.payload,
                    &lowered.response_members,
                    &provider,
                    example,
                    body,
                );
                let what = format!("{name}.{}.{}", operation.name.value, example.name);
                parse_typed("operation", &operation.name.value, &what, fields);
                checked += 1;
            }
        }
    }
    for (notification, lowered) in spec.notifications.iter().zip(provider.notifications.iter()) {
        for example in &notification.examples {
            if let Some(body) = &example.body {
                let fields = decoded_fields_unverified(
                    lowered.body,
                    &lowered.payload,
                    &[],
                    &provider,
                    example,
                    body,
                );
                let what = format!(
                    "{name}.notification_{}.{}",
                    notification.name.value, example.name
                );
                parse_typed("notification", &notification.name.value, &what, fields);
                checked += 1;
            }
        }
    }
    checked
}

/// Every example a spec documents: request params rendered, bodies parsed.
fn documented(spec: &Spec) -> usize {
    let operations = spec.operations.iter().flat_map(|o| o.examples.iter());
    let requests_and_replies: usize = operations
        .map(|e| usize::from(e.params.is_some()) + usize::from(e.body.is_some()))
        .sum();
    let notifications = spec
        .notifications
        .iter()
        .flat_map(|n| n.examples.iter())
        .filter(|e| e.body.is_some())
        .count();
    requests_and_replies + notifications
}

/// Every spec in `specs/`, with no table kept by hand: each documented example is
/// checked (mpgateway's document 001 shows only templates, so it has none).
#[test]
fn every_spec_examples_render_exactly_and_parse_unverified() {
    let paths = spec_paths();
    assert!(!paths.is_empty());
    let mut total = 0;
    for path in paths {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap()
            .to_owned();
        let spec = paygen_codegen::load_file(&path)
            .unwrap_or_else(|e| panic!("{name}: invalid spec: {e}"))
            .spec;
        let parse = PARSERS
            .iter()
            .find(|(known, _)| *known == spec.name.value)
            .map(|(_, parse)| *parse)
            .unwrap_or_else(|| panic!("{name}: no parser; build.rs skips specs it cannot name"));
        let checked = check_spec(&name, parse);
        assert_eq!(checked, documented(&spec), "{name}");
        total += checked;
    }
    assert!(total >= 60, "{total}");
}
