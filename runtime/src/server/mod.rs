//! The provider's side of every envelope: a received request decoded and verified
//! exactly as the provider would, and responses and notifications encoded and signed
//! as the provider sends them. The same envelopes, payload codecs and recipes as the
//! client side, run from the other end (the base of a provider sandbox).

mod receive;
mod recipes;
mod reply;
mod values;

pub use receive::{decode_request, route, ReceivedRequest, ServerRequest};
pub use reply::*;

use crate::error::Error;

/// Why the provider's side could not read a request or write a message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// No operation of the provider answers this method and path.
    #[error("no operation of `{provider}` answers {method} {path}")]
    NoOperation {
        /// The provider's spec name.
        provider: String,
        /// The request's method.
        method: String,
        /// The request's path, without its query.
        path: String,
    },
    /// The spec does not give what the provider's side needs (e.g. an RSA key).
    #[error("not supported on the provider's side: {0}")]
    Unsupported(String),
    /// The message broke a rule: `Signature`, `Decode`, `InvalidParam`, credentials.
    #[error(transparent)]
    Message(#[from] Error),
}

impl ServerError {
    /// The runtime error inside, when the message itself broke a rule.
    pub fn as_error(&self) -> Option<&Error> {
        match self {
            ServerError::Message(error) => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::receive::*;

    use super::*;

    use crate::clock::{FixedClock, FixedNonce};
    use crate::crypto::credentials::Credentials;
    use crate::crypto::digest::digest_hex;
    use crate::error::ParamRule;
    use crate::error::SignatureFailure;
    use crate::message::decode::{Authenticity, Receiver};
    use crate::message::encode::{encode_request, RequestContext};
    use crate::recipe::template::path_and_query;
    use crate::wire::{WireFields, WireValue};
    use paygen_protocol::{
        BodyFormat, Operation, Payload, Provider, Recipe, SignInput, SignatureOutput, ValueSource,
    };
    use paygen_protocol::{
        Canonical, ClockFormat, CommonField, DigestAlgorithm, DigestOutput, DigestStep,
        Environment, FieldDef, FieldType, HexCase, KeyPlace, RequestEnvelope, RequestSignature,
        ResponseEnvelope, SuccessRule, Template, TemplatePart, Text,
    };
    use serde_json::{Map, Value};
    use std::borrow::Cow;

    fn text(s: &'static str) -> Text {
        Cow::Borrowed(s)
    }

    fn field(name: &'static str, required: bool) -> FieldDef {
        FieldDef {
            name: text(name),
            ty: FieldType::String,
            required,
            max_length: Some(32),
            min_length: None,
            as_string: false,
            values: Cow::Borrowed(&[]),
            fields: Cow::Borrowed(&[]),
        }
    }

    fn operation(name: &'static str, method: &'static str, path: &'static str) -> Operation {
        Operation {
            name: text(name),
            path: text(path),
            method: text(method),
            signed: true,
            moves_money: false,
            common: Cow::Borrowed(&[]),
            headers: Cow::Borrowed(&[]),
            response_members: Cow::Borrowed(&[]),
            codes: Cow::Borrowed(&[]),
            reply_rules: Cow::Borrowed(&[]),
            done_when: None,
            one_of: Cow::Owned(vec![Cow::Owned(vec![text("sn"), text("client_sn")])]),
            rules: Cow::Borrowed(&[]),
            request: Cow::Owned(vec![field("sn", false), field("client_sn", false)]),
            response: Cow::Borrowed(&[]),
            success: SuccessRule {
                field: text("result_code"),
                equals: Cow::Borrowed(&[]),
                message: None,
                detail: None,
                and: Cow::Borrowed(&[]),
                or: Cow::Borrowed(&[]),
                http_status: Cow::Borrowed(&[]),
            },
        }
    }

    /// Shouqianba's envelope: JSON body, `Authorization: <terminal_sn> md5(body + key)`.
    fn shouqianba() -> Provider {
        let recipe = Recipe {
            input: SignInput::Body,
            canonical: Canonical::DEFAULT,
            key_credential: Some(text("terminal_key")),
            key_place: KeyPlace::Append(text("")),
            digests: Cow::Owned(vec![DigestStep {
                algorithm: DigestAlgorithm::Md5,
                output: DigestOutput::Hex(HexCase::Lower),
            }]),
            verify_key: None,
            key_pair: None,
            verify_key_pair: None,
            template: Template {
                parts: Cow::Borrowed(&[]),
                join: text(""),
                trailing: false,
            },
        };
        let mut by_path = operation("cancel", "POST", "/upay/v2/orders/{sn}/cancel");
        by_path.one_of = Cow::Borrowed(&[]);
        by_path.request = Cow::Owned(vec![field("sn", true), field("reason", false)]);
        Provider {
            name: text("shouqianba"),
            utc_offset_minutes: 480,
            environments: Cow::Owned(vec![Environment {
                name: text("production"),
                base_url: text("https://api.shouqianba.com/gw"),
            }]),
            credentials: Cow::Borrowed(&[]),
            request: RequestEnvelope {
                method: text("POST"),
                body: BodyFormat::Json,
                payload: Payload::Inline,
                common: Cow::Owned(vec![CommonField {
                    name: text("terminal_sn"),
                    value: ValueSource::Credential(text("terminal_sn")),
                    in_payload: false,
                    as_number: false,
                }]),
                signature: Some(RequestSignature {
                    recipe,
                    choose_by: None,
                    output: SignatureOutput::Header {
                        name: text("Authorization"),
                        template: text("{terminal_sn} {signature}"),
                    },
                }),
                headers: Cow::Borrowed(&[]),
            },
            response: ResponseEnvelope {
                body: BodyFormat::Json,
                payload: Payload::Inline,
                verification: None,
                refusal_members: Cow::Borrowed(&[]),
            },
            operations: Cow::Owned(vec![operation("query", "POST", "/upay/v2/query"), by_path]),
            notifications: Cow::Borrowed(&[]),
        }
    }

    fn credentials() -> Credentials {
        Credentials::new()
            .plain("terminal_sn", "100000330000000001")
            .secret("terminal_key", "e3b0c44298fc1c149afbf4c8996fb924")
    }

    /// What a client sends for `operation` with `fields`, as the server receives it.
    fn send(
        provider: &Provider,
        operation: &str,
        fields: &[(&'static str, &'static str)],
        credentials: &Credentials,
    ) -> (String, Vec<(String, String)>, String, String) {
        let mut wire = WireFields::default();
        for (name, value) in fields {
            wire.push(*name, WireValue::Text(Cow::Borrowed(value)));
        }
        let clock = FixedClock::at_unix_seconds(1_700_000_000);
        let nonce = FixedNonce("n0nce".into());
        let context = RequestContext {
            base_url: &provider.environments[0].base_url,
            credentials,
            clock: &clock,
            nonce: &nonce,
        };
        let operation = provider.operation(operation).expect("operation");
        let sent = encode_request(provider, operation, &wire, &context, None).expect("encodes");
        let headers = sent
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        (
            sent.method.to_string(),
            headers,
            path_and_query(&sent.url).to_owned(),
            sent.body,
        )
    }

    fn receive(
        provider: &Provider,
        method: &str,
        headers: &[(String, String)],
        target: &str,
        body: &str,
    ) -> Result<Map<String, Value>, ServerError> {
        let credentials = credentials();
        let clock = FixedClock::at_unix_seconds(1_700_000_000);
        let receiver = Receiver {
            credentials: &credentials,
            clock: &clock,
            utc_offset_minutes: 480,
            seen: None,
        };
        let request = ReceivedRequest {
            method,
            target,
            headers,
            body,
        };
        decode_request(provider, &receiver, &request).map(|r| {
            assert_eq!(r.authenticity, Authenticity::Verified);
            r.fields
        })
    }

    fn signature_failure(result: Result<Map<String, Value>, ServerError>) -> SignatureFailure {
        match result {
            Err(ServerError::Message(Error::Signature { reason, .. })) => reason,
            other => panic!("expected a signature error, got {other:?}"),
        }
    }

    #[test]
    fn header_signature_over_the_body_verifies_and_routes() {
        let provider = shouqianba();
        let (method, headers, target, body) =
            send(&provider, "query", &[("client_sn", "c-1")], &credentials());
        assert_eq!(target, "/gw/upay/v2/query");
        let md5 = digest_hex(
            DigestAlgorithm::Md5,
            format!("{body}e3b0c44298fc1c149afbf4c8996fb924").as_bytes(),
            HexCase::Lower,
        );
        assert!(headers.contains(&("Authorization".into(), format!("100000330000000001 {md5}"))));
        let fields = receive(&provider, &method, &headers, &target, &body).unwrap();
        assert_eq!(
            Value::Object(fields),
            serde_json::json!({"client_sn": "c-1"})
        );
        // Mounted at the root as well as under the base URL's path.
        assert!(receive(&provider, &method, &headers, "/upay/v2/query", &body).is_ok());
    }

    #[test]
    fn header_signature_refusals_say_which_check_failed() {
        let provider = shouqianba();
        let (method, headers, target, body) =
            send(&provider, "query", &[("client_sn", "c-1")], &credentials());
        let changed = body.replace("c-1", "c-2");
        assert_eq!(
            signature_failure(receive(&provider, &method, &headers, &target, &changed)),
            SignatureFailure::Mismatch
        );
        let other_key = Credentials::new()
            .plain("terminal_sn", "100000330000000001")
            .secret("terminal_key", "another key");
        let (_, forged, _, _) = send(&provider, "query", &[("client_sn", "c-1")], &other_key);
        assert_eq!(
            signature_failure(receive(&provider, &method, &forged, &target, &body)),
            SignatureFailure::Mismatch
        );
        let other_terminal = Credentials::new()
            .plain("terminal_sn", "100000330000000002")
            .secret("terminal_key", "e3b0c44298fc1c149afbf4c8996fb924");
        let (_, theirs, _, their_body) =
            send(&provider, "query", &[("client_sn", "c-1")], &other_terminal);
        assert!(receive(&provider, &method, &theirs, &target, &their_body).is_err());
        let none: Vec<(String, String)> = Vec::new();
        assert_eq!(
            signature_failure(receive(&provider, &method, &none, &target, &body)),
            SignatureFailure::Missing("Authorization".into())
        );
        // A header that does not read against its template says so.
        let malformed = vec![("authorization".to_owned(), "no-space".to_owned())];
        assert_eq!(
            signature_failure(receive(&provider, &method, &malformed, &target, &body)),
            SignatureFailure::MalformedHeader {
                header: "Authorization".into(),
                rule: crate::wire::auth_params::ParamRule::Template
            }
        );
        let empty = vec![("Authorization".to_owned(), "100000330000000001 ".to_owned())];
        assert_eq!(
            signature_failure(receive(&provider, &method, &empty, &target, &body)),
            SignatureFailure::Empty("Authorization".into())
        );
        // The genuine header given twice: one reading of what was received.
        let twice: Vec<(String, String)> = headers.iter().chain(headers.iter()).cloned().collect();
        assert!(matches!(
            receive(&provider, &method, &twice, &target, &body),
            Err(ServerError::Message(Error::Decode { .. }))
        ));
    }

    #[test]
    fn a_verified_request_still_obeys_the_field_table() {
        let provider = shouqianba();
        let signed = |body: &str| {
            let md5 = digest_hex(
                DigestAlgorithm::Md5,
                format!("{body}e3b0c44298fc1c149afbf4c8996fb924").as_bytes(),
                HexCase::Lower,
            );
            vec![(
                "Authorization".to_owned(),
                format!("100000330000000001 {md5}"),
            )]
        };
        let refusal =
            |body: &str| match receive(&provider, "POST", &signed(body), "/upay/v2/query", body) {
                Err(ServerError::Message(Error::InvalidParam { field, rule })) => (field, rule),
                other => panic!("expected a parameter error, got {other:?}"),
            };
        let (field, rule) = refusal(r#"{"terminal_sn":"100000330000000001"}"#);
        assert_eq!(field, "sn");
        assert!(matches!(rule, ParamRule::OneOf { .. }));
        let (field, rule) = refusal(r#"{"terminal_sn":"100000330000000001","sn":"1","x":"2"}"#);
        assert_eq!((field.as_str(), rule), ("x", ParamRule::Unknown));
        let long = format!(
            r#"{{"terminal_sn":"100000330000000001","sn":"{}"}}"#,
            "9".repeat(33)
        );
        let (field, rule) = refusal(&long);
        assert_eq!(field, "sn");
        assert!(matches!(
            rule,
            ParamRule::TooLong {
                max: 32,
                actual: 33
            }
        ));
        let (field, _) = refusal(r#"{"sn":"1"}"#);
        assert_eq!(field, "terminal_sn");
        let (field, rule) = refusal(r#"{"terminal_sn":"someone else","sn":"1"}"#);
        assert_eq!(field, "terminal_sn");
        assert!(matches!(rule, ParamRule::NotAllowed { .. }));
        // A repeated field is a decode error, before anything is trusted.
        let twice = r#"{"terminal_sn":"100000330000000001","sn":"1","sn":"2"}"#;
        assert!(matches!(
            receive(&provider, "POST", &signed(twice), "/upay/v2/query", twice),
            Err(ServerError::Message(Error::Decode { .. }))
        ));
    }

    #[test]
    fn path_parameters_are_matched_and_decoded_and_unknown_paths_refused() {
        let provider = shouqianba();
        let (method, headers, target, body) = send(
            &provider,
            "cancel",
            &[("sn", "a/b c"), ("reason", "r")],
            &credentials(),
        );
        assert_eq!(target, "/gw/upay/v2/orders/a%2Fb%20c/cancel");
        let fields = receive(&provider, &method, &headers, &target, &body).unwrap();
        assert_eq!(
            Value::Object(fields),
            serde_json::json!({"reason": "r", "sn": "a/b c"})
        );
        for (method, target) in [
            ("POST", "/upay/v2/nowhere"),
            ("GET", "/upay/v2/query"),
            ("POST", "/upay/v2/orders//cancel"),
            ("POST", "/upay/v2/orders/a/b/cancel"),
        ] {
            assert!(
                matches!(
                    receive(&provider, method, &headers, target, &body),
                    Err(ServerError::NoOperation { .. })
                ),
                "{method} {target}"
            );
        }
        assert_eq!(match_path("", "/"), Some(Vec::new()));
        assert_eq!(
            match_path("/v/{id}.json", "/v/7.json"),
            Some(vec![("id", "7".to_owned())])
        );
    }

    /// The shouqianba test provider signing WeChat Pay v3's five template parts with an
    /// HMAC into an `Authorization` header.
    fn template_signed() -> Provider {
        let mut provider = shouqianba();
        if let Some(signature) = &mut provider.request.signature {
            signature.recipe.input = SignInput::Template;
            signature.recipe.key_place = KeyPlace::Unplaced;
            signature.recipe.digests = Cow::Owned(vec![DigestStep {
                algorithm: DigestAlgorithm::HmacSha256,
                output: DigestOutput::Base64,
            }]);
            signature.recipe.template = Template {
                parts: Cow::Owned(vec![
                    TemplatePart::Method,
                    TemplatePart::Path,
                    TemplatePart::Timestamp(ClockFormat::UnixSeconds),
                    TemplatePart::Nonce(8),
                    TemplatePart::Body,
                ]),
                join: text("\n"),
                trailing: true,
            };
            signature.output = SignatureOutput::Header {
                name: text("Authorization"),
                template: text(
                    r#"HMAC sn="{terminal_sn}",ts="{timestamp}",nonce="{nonce}",sig="{signature}""#,
                ),
            };
        }
        provider
    }

    #[test]
    fn a_get_template_signature_covers_the_query_and_an_empty_body_both_ways() {
        let mut provider = template_signed();
        let mut operations = provider.operations.to_vec();
        operations[0].method = text("GET");
        provider.operations = Cow::Owned(operations);
        let (method, headers, target, body) =
            send(&provider, "query", &[("sn", "s-1")], &credentials());
        assert_eq!((method.as_str(), body.as_str()), ("GET", ""));
        assert!(target.ends_with("&sn=s-1"), "{target}");
        let fields = receive(&provider, &method, &headers, &target, &body).unwrap();
        assert_eq!(Value::Object(fields), serde_json::json!({"sn": "s-1"}));
        // The query is signed in the path part.
        let other = target.replace("s-1", "s-2");
        assert_eq!(
            signature_failure(receive(&provider, &method, &headers, &other, &body)),
            SignatureFailure::Mismatch
        );
    }

    #[test]
    fn template_signatures_verify_with_the_header_timestamp_and_nonce() {
        let provider = template_signed();
        let (method, headers, target, body) =
            send(&provider, "query", &[("sn", "s-1")], &credentials());
        let fields = receive(&provider, &method, &headers, &target, &body).unwrap();
        assert_eq!(Value::Object(fields), serde_json::json!({"sn": "s-1"}));
        // The timestamp is signed: another one in the header breaks the signature.
        let moved: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| {
                (
                    n.clone(),
                    v.replace("ts=\"1700000000\"", "ts=\"1700000001\""),
                )
            })
            .collect();
        assert_ne!(moved, headers);
        assert_eq!(
            signature_failure(receive(&provider, &method, &moved, &target, &body)),
            SignatureFailure::Mismatch
        );
        // So is the path.
        let elsewhere = target.replacen("/gw", "", 1);
        assert_eq!(
            signature_failure(receive(&provider, &method, &headers, &elsewhere, &body)),
            SignatureFailure::Mismatch
        );
    }

    #[test]
    fn rsa_keys_not_named_as_a_pair_are_unsupported() {
        let mut provider = shouqianba();
        if let Some(signature) = &mut provider.request.signature {
            signature.recipe.digests = Cow::Owned(vec![DigestStep {
                algorithm: DigestAlgorithm::Rsa2,
                output: DigestOutput::Base64,
            }]);
        }
        let result = receive(&provider, "POST", &[], "/upay/v2/query", "{}");
        assert!(
            matches!(result, Err(ServerError::Unsupported(_))),
            "{result:?}"
        );
    }

    /// An SM2 key pair in hex: GM/T 0003.5-2012 appendix A.2's example key.
    const SM2_PRIVATE: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
    const SM2_PUBLIC: &str = "0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";

    #[test]
    fn the_provider_side_verifies_an_sm2_request_with_the_pair_the_recipe_names() {
        let mut provider = shouqianba();
        if let Some(signature) = &mut provider.request.signature {
            signature.recipe.key_place = KeyPlace::Unplaced;
            signature.recipe.key_pair = Some(text("terminal_public_key"));
            signature.recipe.digests = Cow::Owned(vec![DigestStep {
                algorithm: DigestAlgorithm::Sm2Sm3,
                output: DigestOutput::Encoded(paygen_protocol::OutputForm {
                    text: paygen_protocol::TextEncoding::Base64 {
                        alphabet: paygen_protocol::Base64Alphabet::Url,
                        padded: false,
                    },
                    signature: paygen_protocol::SignatureForm::Raw,
                }),
            }]);
        }
        let merchant = Credentials::new()
            .plain("terminal_sn", "100000330000000001")
            .secret("terminal_key", SM2_PRIVATE);
        let (method, headers, target, body) =
            send(&provider, "query", &[("client_sn", "c-1")], &merchant);
        // The provider holds only the public half, under the name `pair` gives it.
        let own = Credentials::new()
            .plain("terminal_sn", "100000330000000001")
            .plain("terminal_public_key", SM2_PUBLIC);
        let clock = FixedClock::at_unix_seconds(1_700_000_000);
        let receiver = Receiver {
            credentials: &own,
            clock: &clock,
            utc_offset_minutes: 480,
            seen: None,
        };
        let received = |body: &str| {
            let request = ReceivedRequest {
                method: &method,
                target: &target,
                headers: &headers,
                body,
            };
            decode_request(&provider, &receiver, &request).map(|r| r.authenticity)
        };
        assert_eq!(received(&body).unwrap(), Authenticity::Verified);
        let changed = body.replace("c-1", "c-2");
        assert_eq!(
            signature_failure(received(&changed).map(|_| Map::new())),
            SignatureFailure::Mismatch
        );
        // Without `pair` the provider's side has no key to verify with.
        if let Some(signature) = &mut provider.request.signature {
            signature.recipe.key_pair = None;
        }
        let request = ReceivedRequest {
            method: &method,
            target: &target,
            headers: &headers,
            body: &body,
        };
        let result = decode_request(&provider, &receiver, &request);
        assert!(
            matches!(result, Err(ServerError::Unsupported(_))),
            "{result:?}"
        );
    }

    #[test]
    fn odd_input_is_an_error_never_a_panic() {
        let provider = shouqianba();
        let headers = vec![("Authorization".to_owned(), "a b".to_owned())];
        for (method, target, body) in [
            ("POST", "/upay/v2/query", "not json"),
            ("POST", "/upay/v2/query", ""),
            ("POST", "", "{}"),
            ("", "/upay/v2/query", "{}"),
            ("POST", "/upay/v2/orders/%FF/cancel", "{}"),
            ("POST", "/upay/v2/query?x=%zz", "{\"a\":[1,{\"b\":null}]}"),
            ("POST", "/upay/v2/orders/é/cancel", "\u{0}"),
        ] {
            assert!(receive(&provider, method, &headers, target, body).is_err());
        }
        let read = crate::message::signature_header::read_header;
        assert!(read("{a}{signature}", "xyz").is_ok());
        assert!(read("{signature} end", "x").is_err());
    }
}
