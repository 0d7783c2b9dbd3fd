//! Payload fields: a document (JSON or flat XML) of business fields carried in one
//! field, as is, base64, AES-256-ECB encrypted, or sealed with AES-256-GCM into an
//! object; both directions.

use crate::clock::NonceSource;
use crate::crypto::cipher::{
    aes256_ecb_decrypt_base64, aes256_ecb_decrypt_hex, aes256_ecb_encrypt_base64,
    aes256_ecb_encrypt_hex, aes256_gcm_decrypt, aes256_gcm_encrypt, base64_decode, base64_encode,
    CipherError, GCM_NONCE_LEN,
};
use crate::crypto::credentials::Credentials;
use crate::crypto::digest::digest_hex;
use crate::error::Error;
use crate::wire::raw_json::{sorted_compact, strict_value, typed_value};
use crate::wire::xml;
use crate::wire::{xml_fields, WireValue};
use paygen_protocol::{
    DigestAlgorithm, FieldDef, HexCase, InnerFormat, KeyDerivation, PayloadEncoding, PayloadField,
};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The root element of an XML payload document (WeChat's `req_info` uses `root`).
pub const XML_PAYLOAD_ROOT: &str = "root";

/// The cipher key of an encrypted payload, derived from its credential.
fn cipher_key(field: &PayloadField, credentials: &Credentials) -> Result<Vec<u8>, Error> {
    let name = field.key.as_deref().unwrap_or_default();
    let secret = credentials.get(name)?.expose().as_bytes();
    Ok(match field.key_derivation {
        KeyDerivation::Raw => secret.to_vec(),
        KeyDerivation::Md5LowerHex => {
            digest_hex(DigestAlgorithm::Md5, secret, HexCase::Lower).into_bytes()
        }
    })
}

/// The encoded value of a payload field holding `fields`: text, or for an AEAD the
/// object of its parts (its nonce drawn from `nonce`).
pub fn encode_payload<'v, 'a: 'v>(
    field: &PayloadField,
    fields: &[(&'v str, &'v WireValue<'a>)],
    credentials: &Credentials,
    nonce: &dyn NonceSource,
) -> Result<WireValue<'static>, Error> {
    let mut document = String::with_capacity(256);
    match field.inner {
        InnerFormat::Json => crate::wire::write_json_object(fields.iter().copied(), &mut document),
        InnerFormat::Xml => {
            let texts = xml_fields(fields);
            let borrowed: Vec<xml::XmlField<'_>> = texts
                .iter()
                .map(|(n, v, number)| (*n, v.as_ref(), *number))
                .collect();
            xml::write_document(XML_PAYLOAD_ROOT, &borrowed, false, &mut document).map_err(
                |e| Error::InvalidParam {
                    field: field.name.to_string(),
                    rule: crate::error::ParamRule::Unwritable {
                        reason: e.to_string(),
                    },
                },
            )?;
        }
    }
    encode_document(field, document, credentials, nonce)
}

/// The encoded value of a payload field holding `document`, already written in the
/// field's inner format (JSON text, or the XML document).
pub fn encode_document(
    field: &PayloadField,
    document: String,
    credentials: &Credentials,
    nonce: &dyn NonceSource,
) -> Result<WireValue<'static>, Error> {
    let cipher_error = |e: CipherError| Error::InvalidCredential {
        name: field.key.as_deref().unwrap_or_default().to_owned(),
        reason: e.to_string(),
    };
    let text = match field.encoding {
        PayloadEncoding::Json => document,
        PayloadEncoding::Base64 => base64_encode(document.as_bytes()),
        PayloadEncoding::Aes256EcbHex => {
            let key = cipher_key(field, credentials)?;
            aes256_ecb_encrypt_hex(&key, document.as_bytes(), field.hex).map_err(cipher_error)?
        }
        PayloadEncoding::Aes256EcbBase64 => {
            let key = cipher_key(field, credentials)?;
            aes256_ecb_encrypt_base64(&key, document.as_bytes()).map_err(cipher_error)?
        }
        PayloadEncoding::AeadAes256Gcm => {
            let key = cipher_key(field, credentials)?;
            // GCM's nonce must never repeat under one key: it comes from the nonce
            // source (random unless a test pins it), never from the clock or the message.
            let mut nonce_text = String::with_capacity(GCM_NONCE_LEN);
            nonce.fill(GCM_NONCE_LEN, &mut nonce_text)?;
            if nonce_text.len() != GCM_NONCE_LEN {
                return Err(Error::Randomness {
                    reason: format!(
                        "the nonce source gave {} bytes for a {GCM_NONCE_LEN}-byte AES-GCM nonce",
                        nonce_text.len()
                    ),
                });
            }
            return seal(field, &key, &document, nonce_text).map_err(cipher_error);
        }
        // Sent as the very text it is signed over: what goes out is what was signed.
        PayloadEncoding::JsonObjectSorted => {
            let sorted = sorted_compact(&document).map_err(|e| Error::InvalidParam {
                field: field.name.to_string(),
                rule: crate::error::ParamRule::Unwritable {
                    reason: e.to_string(),
                },
            })?;
            return Ok(WireValue::RawJson(Cow::Owned(sorted)));
        }
    };
    Ok(WireValue::Text(Cow::Owned(text)))
}

/// The object of an AEAD payload: `document` sealed under `key` and `nonce` with the
/// spec's associated data, in the order WeChat Pay writes the members.
fn seal(
    field: &PayloadField,
    key: &[u8],
    document: &str,
    nonce: String,
) -> Result<WireValue<'static>, CipherError> {
    let members = field.aead_members();
    let associated_data = members.associated_data_value.as_deref().unwrap_or_default();
    let sealed = aes256_gcm_encrypt(
        key,
        nonce.as_bytes(),
        associated_data.as_bytes(),
        document.as_bytes(),
    )?;
    let mut object = Map::new();
    object.insert(
        members.ciphertext.to_string(),
        Value::String(base64_encode(&sealed)),
    );
    object.insert(
        members.associated_data.to_string(),
        Value::String(associated_data.to_owned()),
    );
    object.insert(members.nonce.to_string(), Value::String(nonce));
    Ok(WireValue::Json(Cow::Owned(Value::Object(object))))
}

/// Why a received payload could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// The cipher key's credential is missing or unusable.
    #[error(transparent)]
    Credential(#[from] Error),
    /// The field's text could not be decoded or decrypted.
    #[error("payload `{field}`: {reason}")]
    Decode {
        /// The payload field.
        field: String,
        /// What went wrong.
        reason: String,
    },
    /// A part of an AEAD payload object is missing or not text.
    #[error("payload `{field}`: member `{member}` {problem}")]
    Member {
        /// The payload field.
        field: String,
        /// The object's member.
        member: String,
        /// What is wrong with it.
        problem: MemberProblem,
    },
    /// An AEAD payload carries other associated data than the spec requires: a genuine
    /// message of another kind (a refund's `resource` sent as a payment's).
    #[error("payload `{field}`: associated data `{received}` is not `{expected}`")]
    AssociatedData {
        /// The payload field.
        field: String,
        /// The associated data received.
        received: String,
        /// The associated data the spec requires.
        expected: String,
    },
    /// The AEAD payload did not open: not base64, a bad nonce, or a tag that does not
    /// match (wrong key, or anything sealed was changed).
    #[error("payload `{field}`: {source}")]
    Open {
        /// The payload field.
        field: String,
        /// What the cipher said.
        #[source]
        source: CipherError,
    },
}

/// What is wrong with a member of an AEAD payload object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MemberProblem {
    /// The member is not there.
    #[error("is missing")]
    Missing,
    /// The member is there but not a JSON string.
    #[error("is not a string")]
    NotText,
}

/// The document of a received payload field: a JSON value, or an object of the XML
/// document's fields (all text).
pub fn decode_payload(
    field: &PayloadField,
    text: &str,
    credentials: &Credentials,
    defs: &[FieldDef],
) -> Result<Value, PayloadError> {
    let failed = |reason: String| PayloadError::Decode {
        field: field.name.to_string(),
        reason,
    };
    let bytes = match field.encoding {
        // `text` is the sorted compact text of the object received (what was signed).
        PayloadEncoding::Json | PayloadEncoding::JsonObjectSorted => Ok(text.as_bytes().to_vec()),
        PayloadEncoding::Base64 => base64_decode(text),
        PayloadEncoding::Aes256EcbHex => {
            aes256_ecb_decrypt_hex(&cipher_key(field, credentials)?, text)
        }
        PayloadEncoding::Aes256EcbBase64 => {
            aes256_ecb_decrypt_base64(&cipher_key(field, credentials)?, text)
        }
        PayloadEncoding::AeadAes256Gcm => Ok(open(field, text, credentials)?),
    }
    .map_err(|e| failed(e.to_string()))?;
    let document = std::str::from_utf8(&bytes).map_err(|e| failed(format!("not UTF-8: {e}")))?;
    match field.inner {
        InnerFormat::Json => {
            typed_value(document.trim(), defs).map_err(|e| failed(format!("not JSON: {e}")))
        }
        InnerFormat::Xml => {
            let fields = xml::parse_fields(document).map_err(|e| failed(e.to_string()))?;
            let mut members = Map::new();
            for (name, value) in fields {
                members.insert(name, Value::String(value));
            }
            Ok(Value::Object(members))
        }
    }
}

/// The plaintext of a received AEAD payload object (`text` is its raw JSON): every
/// member it names read strictly, the associated data checked against the spec's, then
/// opened, so that only what the key holder sealed comes out.
fn open(
    field: &PayloadField,
    text: &str,
    credentials: &Credentials,
) -> Result<Vec<u8>, PayloadError> {
    let name = || field.name.to_string();
    let object = match strict_value(text.trim()) {
        Ok(Value::Object(object)) => object,
        Ok(_) => {
            return Err(PayloadError::Decode {
                field: name(),
                reason: "an AEAD payload is a JSON object".to_owned(),
            })
        }
        Err(e) => {
            return Err(PayloadError::Decode {
                field: name(),
                reason: format!("not a JSON object: {e}"),
            })
        }
    };
    let members = field.aead_members();
    let member = |member: &str, optional: bool| -> Result<&str, PayloadError> {
        let problem = match object.get(member) {
            Some(Value::String(text)) => return Ok(text),
            None if optional => return Ok(""),
            None => MemberProblem::Missing,
            Some(_) => MemberProblem::NotText,
        };
        Err(PayloadError::Member {
            field: name(),
            member: member.to_owned(),
            problem,
        })
    };
    let ciphertext = member(&members.ciphertext, false)?;
    let nonce = member(&members.nonce, false)?;
    let associated_data = member(&members.associated_data, true)?;
    if let Some(expected) = members
        .associated_data_value
        .as_deref()
        .filter(|expected| *expected != associated_data)
    {
        return Err(PayloadError::AssociatedData {
            field: name(),
            received: associated_data.to_owned(),
            expected: expected.to_owned(),
        });
    }
    let key = cipher_key(field, credentials)?;
    let opened = base64_decode(ciphertext).and_then(|sealed| {
        aes256_gcm_decrypt(&key, nonce.as_bytes(), associated_data.as_bytes(), &sealed)
    });
    opened.map_err(|source| PayloadError::Open {
        field: name(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(
        encoding: PayloadEncoding,
        derivation: KeyDerivation,
        inner: InnerFormat,
    ) -> PayloadField {
        PayloadField {
            name: Cow::Borrowed("req_info"),
            encoding,
            key: Some(Cow::Borrowed("key")),
            hex: HexCase::Lower,
            flatten: false,
            key_derivation: derivation,
            inner,
            aead: None,
        }
    }

    /// A pinned nonce source, so that the sealed bytes are reproducible.
    fn pinned() -> crate::clock::FixedNonce {
        crate::clock::FixedNonce("n0nce1234567".to_owned())
    }

    fn credentials(key: &str) -> Credentials {
        Credentials::new().secret("key", key)
    }

    #[test]
    fn wechat_req_info_round_trips_with_the_md5_derived_key() {
        // WeChat Pay v2 refund notification (pay.weixin.qq.com ?chapter=9_16, 解密方式):
        // base64-decode, key = lowercase hex MD5 of the merchant key (32 ASCII bytes,
        // an AES-256 key), AES-256-ECB with PKCS#7 padding; the plaintext is `<root>`
        // XML.
        let f = field(
            PayloadEncoding::Aes256EcbBase64,
            KeyDerivation::Md5LowerHex,
            InnerFormat::Xml,
        );
        let creds = credentials("192006250b4c09247ec02edce69f6a2d");
        let refund = WireValue::Text("1".into());
        let status = WireValue::Text("SUCCESS".into());
        let fields = [("refund_fee", &refund), ("refund_status", &status)];
        let text = encode_payload(&f, &fields, &creds, &pinned())
            .unwrap()
            .text()
            .into_owned();
        // Independently: the key is md5 hex text, the plaintext the `<root>` document.
        let key = digest_hex(
            DigestAlgorithm::Md5,
            b"192006250b4c09247ec02edce69f6a2d",
            HexCase::Lower,
        );
        let plain = aes256_ecb_decrypt_base64(key.as_bytes(), &text).unwrap();
        assert_eq!(
            plain,
            b"<root><refund_fee>1</refund_fee><refund_status>SUCCESS</refund_status></root>"
        );
        let value = decode_payload(&f, &text, &creds, &[]).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"refund_fee": "1", "refund_status": "SUCCESS"})
        );
        let wrong = decode_payload(&f, &text, &credentials("x"), &[]);
        assert!(matches!(wrong, Err(PayloadError::Decode { .. })));
    }

    #[test]
    fn json_text_payload_is_the_document_itself() {
        let mut f = field(PayloadEncoding::Json, KeyDerivation::Raw, InnerFormat::Json);
        f.key = None;
        f.name = Cow::Borrowed("biz_content");
        let no = WireValue::Text("20150320010101001".into());
        let amount = WireValue::Yuan(crate::wire::de::Fen(8888));
        let fields = [("out_trade_no", &no), ("total_amount", &amount)];
        let text = encode_payload(&f, &fields, &Credentials::new(), &pinned())
            .unwrap()
            .text()
            .into_owned();
        assert_eq!(
            text,
            r#"{"out_trade_no":"20150320010101001","total_amount":88.88}"#
        );
        let back = decode_payload(&f, r#"{"a":"1"}"#, &Credentials::new(), &[]).unwrap();
        assert_eq!(back, serde_json::json!({"a": "1"}));
        assert!(decode_payload(&f, r#"{"a":1,"a":2}"#, &Credentials::new(), &[]).is_err());
    }

    const API_V3_KEY: &str = "0123456789abcdefghijklmnopqrstuv";

    fn aead(expected: Option<&'static str>) -> PayloadField {
        let mut f = field(
            PayloadEncoding::AeadAes256Gcm,
            KeyDerivation::Raw,
            InnerFormat::Json,
        );
        f.name = Cow::Borrowed("resource");
        f.aead = Some(paygen_protocol::AeadMembers {
            associated_data_value: expected.map(Cow::Borrowed),
            ..paygen_protocol::AeadMembers::DEFAULT
        });
        f
    }

    /// The sealed object as a received body would carry it, with `change` applied.
    fn sealed_text(f: &PayloadField, change: impl FnOnce(&mut Map<String, Value>)) -> String {
        let no = WireValue::Text("1217752501201407033233368018".into());
        let state = WireValue::Text("SUCCESS".into());
        let fields = [("out_trade_no", &no), ("trade_state", &state)];
        let value = encode_payload(f, &fields, &credentials(API_V3_KEY), &pinned()).unwrap();
        let WireValue::Json(object) = value else {
            panic!("an AEAD payload is an object, got {value:?}")
        };
        let mut object = object.into_owned().as_object().cloned().unwrap();
        change(&mut object);
        Value::Object(object).to_string()
    }

    #[test]
    fn aead_payload_is_an_object_of_its_parts_and_reads_back() {
        let f = aead(Some("transaction"));
        let text = sealed_text(&f, |_| {});
        let object: Value = serde_json::from_str(&text).unwrap();
        let names: Vec<&str> = object
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(names, ["ciphertext", "associated_data", "nonce"]);
        assert_eq!(object["nonce"], "n0nce1234567");
        assert_eq!(object["associated_data"], "transaction");
        // The ciphertext member is base64 of ciphertext and tag: the document's length
        // plus 16.
        let document = r#"{"out_trade_no":"1217752501201407033233368018","trade_state":"SUCCESS"}"#;
        let sealed = base64_decode(object["ciphertext"].as_str().unwrap()).unwrap();
        assert_eq!(sealed.len(), document.len() + 16);
        let plain = aes256_gcm_decrypt(
            API_V3_KEY.as_bytes(),
            b"n0nce1234567",
            b"transaction",
            &sealed,
        )
        .unwrap();
        assert_eq!(plain, document.as_bytes());
        assert_eq!(
            decode_payload(&f, &text, &credentials(API_V3_KEY), &[]).unwrap(),
            serde_json::json!({
                "out_trade_no": "1217752501201407033233368018",
                "trade_state": "SUCCESS"
            })
        );
    }

    #[test]
    fn aead_payload_without_associated_data_is_sealed_with_none() {
        let f = aead(None);
        let text = sealed_text(&f, |o| {
            o.remove("associated_data");
        });
        assert!(decode_payload(&f, &text, &credentials(API_V3_KEY), &[]).is_ok());
    }

    #[test]
    fn aead_payload_problems_are_errors_that_name_the_part() {
        let f = aead(Some("transaction"));
        let creds = credentials(API_V3_KEY);
        let member = |name: &'static str, problem: MemberProblem| {
            move |e: &PayloadError| {
                matches!(e, PayloadError::Member { member, problem: p, .. }
                    if member == name && *p == problem)
            }
        };
        type Expected = Box<dyn Fn(&PayloadError) -> bool>;
        let cases: Vec<(&str, String, Expected)> = vec![
            (
                "no ciphertext",
                sealed_text(&f, |o| {
                    o.remove("ciphertext");
                }),
                Box::new(member("ciphertext", MemberProblem::Missing)),
            ),
            (
                "a numeric nonce",
                sealed_text(&f, |o| {
                    o.insert("nonce".into(), Value::from(12));
                }),
                Box::new(member("nonce", MemberProblem::NotText)),
            ),
            (
                "another kind's associated data",
                sealed_text(&f, |o| {
                    o.insert("associated_data".into(), Value::from("refund"));
                }),
                Box::new(
                    |e: &PayloadError| matches!(e, PayloadError::AssociatedData { received, .. } if received == "refund"),
                ),
            ),
            (
                "an 11-byte nonce",
                sealed_text(&f, |o| {
                    o.insert("nonce".into(), Value::from("n0nce123456"));
                }),
                Box::new(|e: &PayloadError| {
                    matches!(
                        e,
                        PayloadError::Open {
                            source: CipherError::NonceLength(11),
                            ..
                        }
                    )
                }),
            ),
            (
                "ciphertext not base64",
                sealed_text(&f, |o| {
                    o.insert("ciphertext".into(), Value::from("%%%"));
                }),
                Box::new(|e: &PayloadError| {
                    matches!(
                        e,
                        PayloadError::Open {
                            source: CipherError::BadBase64(_),
                            ..
                        }
                    )
                }),
            ),
            (
                "another nonce",
                sealed_text(&f, |o| {
                    o.insert("nonce".into(), Value::from("n0nce1234568"));
                }),
                Box::new(|e: &PayloadError| {
                    matches!(
                        e,
                        PayloadError::Open {
                            source: CipherError::TagMismatch,
                            ..
                        }
                    )
                }),
            ),
            (
                "a string, not an object",
                r#""{\"ciphertext\":\"x\"}""#.to_owned(),
                Box::new(|e: &PayloadError| matches!(e, PayloadError::Decode { .. })),
            ),
            (
                "a repeated member",
                r#"{"nonce":"a","nonce":"b"}"#.to_owned(),
                Box::new(|e: &PayloadError| matches!(e, PayloadError::Decode { .. })),
            ),
        ];
        for (case, text, expected) in cases {
            let error = decode_payload(&f, &text, &creds, &[]).unwrap_err();
            assert!(expected(&error), "{case}: {error:?}");
            assert!(!error.to_string().contains(API_V3_KEY), "{case}: {error}");
        }
        let text = sealed_text(&f, |_| {});
        let other_key = credentials("0123456789abcdefghijklmnopqrstuw");
        let error = decode_payload(&f, &text, &other_key, &[]).unwrap_err();
        assert!(
            matches!(
                error,
                PayloadError::Open {
                    source: CipherError::TagMismatch,
                    ..
                }
            ),
            "{error:?}"
        );
        let short_key = credentials("0123456789abcdef");
        let error = decode_payload(&f, &text, &short_key, &[]).unwrap_err();
        assert!(
            matches!(
                error,
                PayloadError::Open {
                    source: CipherError::KeyLength(16),
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(!error.to_string().contains("0123456789abcdef"), "{error}");
    }

    #[test]
    fn an_aead_nonce_of_the_wrong_length_is_refused_when_encoding() {
        struct Short;
        impl NonceSource for Short {
            fn fill(&self, _: usize, out: &mut String) -> Result<(), Error> {
                out.push_str("short");
                Ok(())
            }
        }
        let value = WireValue::Text("1".into());
        let error = encode_payload(
            &aead(None),
            &[("a", &value)],
            &credentials(API_V3_KEY),
            &Short,
        )
        .unwrap_err();
        assert!(matches!(error, Error::Randomness { .. }), "{error:?}");
    }
}
