//! Payload fields: a document (JSON or flat XML) of business fields carried in one
//! field, as is, base64, or AES-256-ECB encrypted; both directions.

use crate::cipher::{
    aes256_ecb_decrypt_base64, aes256_ecb_decrypt_hex, aes256_ecb_encrypt_base64,
    aes256_ecb_encrypt_hex, base64_decode, base64_encode,
};
use crate::credentials::Credentials;
use crate::digest::digest_hex;
use crate::error::Error;
use crate::raw_json::strict_value;
use crate::wire::{xml_fields, WireValue};
use crate::xml;
use paygen_protocol::{
    DigestAlgorithm, HexCase, InnerFormat, KeyDerivation, PayloadEncoding, PayloadField,
};
use serde_json::{Map, Value};

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

/// The encoded text of a payload field holding `fields`.
pub fn encode_payload<'v, 'a: 'v>(
    field: &PayloadField,
    fields: &[(&'v str, &'v WireValue<'a>)],
    credentials: &Credentials,
) -> Result<String, Error> {
    let mut document = String::with_capacity(256);
    match field.inner {
        InnerFormat::Json => {
            crate::encode::write_json_object(fields.iter().copied(), &mut document)
        }
        InnerFormat::Xml => {
            let texts = xml_fields(fields);
            let borrowed: Vec<xml::XmlField<'_>> = texts
                .iter()
                .map(|(n, v, number)| (*n, v.as_ref(), *number))
                .collect();
            xml::write_document(XML_PAYLOAD_ROOT, &borrowed, false, &mut document).map_err(
                |e| Error::InvalidParam {
                    field: field.name.to_string(),
                    rule: crate::ParamRule::Unwritable {
                        reason: e.to_string(),
                    },
                },
            )?;
        }
    }
    encode_document(field, document, credentials)
}

/// The encoded text of a payload field holding `document`, already written in the
/// field's inner format (JSON text, or the XML document).
pub fn encode_document(
    field: &PayloadField,
    document: String,
    credentials: &Credentials,
) -> Result<String, Error> {
    let cipher_error = |e: crate::cipher::CipherError| Error::InvalidCredential {
        name: field.key.as_deref().unwrap_or_default().to_owned(),
        reason: e.to_string(),
    };
    Ok(match field.encoding {
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
    })
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
}

/// The document of a received payload field: a JSON value, or an object of the XML
/// document's fields (all text).
pub fn decode_payload(
    field: &PayloadField,
    text: &str,
    credentials: &Credentials,
) -> Result<Value, PayloadError> {
    let failed = |reason: String| PayloadError::Decode {
        field: field.name.to_string(),
        reason,
    };
    let bytes = match field.encoding {
        PayloadEncoding::Json => Ok(text.as_bytes().to_vec()),
        PayloadEncoding::Base64 => base64_decode(text),
        PayloadEncoding::Aes256EcbHex => {
            aes256_ecb_decrypt_hex(&cipher_key(field, credentials)?, text)
        }
        PayloadEncoding::Aes256EcbBase64 => {
            aes256_ecb_decrypt_base64(&cipher_key(field, credentials)?, text)
        }
    }
    .map_err(|e| failed(e.to_string()))?;
    let document = std::str::from_utf8(&bytes).map_err(|e| failed(format!("not UTF-8: {e}")))?;
    match field.inner {
        InnerFormat::Json => {
            strict_value(document.trim()).map_err(|e| failed(format!("not JSON: {e}")))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

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
        }
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
        let text = encode_payload(&f, &fields, &creds).unwrap();
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
        let value = decode_payload(&f, &text, &creds).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"refund_fee": "1", "refund_status": "SUCCESS"})
        );
        let wrong = decode_payload(&f, &text, &credentials("x"));
        assert!(matches!(wrong, Err(PayloadError::Decode { .. })));
    }

    #[test]
    fn json_text_payload_is_the_document_itself() {
        let mut f = field(PayloadEncoding::Json, KeyDerivation::Raw, InnerFormat::Json);
        f.key = None;
        f.name = Cow::Borrowed("biz_content");
        let no = WireValue::Text("20150320010101001".into());
        let amount = WireValue::Yuan(crate::Fen(8888));
        let fields = [("out_trade_no", &no), ("total_amount", &amount)];
        let text = encode_payload(&f, &fields, &Credentials::new()).unwrap();
        assert_eq!(
            text,
            r#"{"out_trade_no":"20150320010101001","total_amount":88.88}"#
        );
        let back = decode_payload(&f, r#"{"a":"1"}"#, &Credentials::new()).unwrap();
        assert_eq!(back, serde_json::json!({"a": "1"}));
        assert!(decode_payload(&f, r#"{"a":1,"a":2}"#, &Credentials::new()).is_err());
    }
}
