//! Genuine signed messages shared by the test files (`genuine_messages.rs`,
//! `mutations.rs`, `outcomes.rs`, `attacks.rs`; Alipay's and WeChat's recipes in
//! `alipay` and `wechat`, their mutation-suite fixtures in `alipay_fixtures` and
//! `wechat_fixtures`).
//!
//! Every signed response (each operation of mct1, mpgateway and wantu) and every signed
//! notification, built from the spec's documented example body where there is one, and
//! signed here by an independent implementation of each recipe written against the
//! documents (md-5, sha1, aes, hex and base64 used directly; nothing of the runtime's
//! `canonical`, `digest`, `sign` or `cipher`). A fixture knows its wire shape so that the
//! mutation suite can take it apart, and how to run a body through the generated code
//! with verification on, comparing the typed result with the genuine one.
//!
//! Recipes, as the documents state them:
//! - mct1 (002 §2.4 签名规则, §2.5 数据返回签名验证规则, §4.8.1.1 通知 sign 验签方式请参照2.5):
//!   every field but `sign`, plus `open_key` as a field, ASCII-sorted `k=v` joined by `&`,
//!   sha1 (lower hex), then md5 of that hex (lower hex); responses carry `data` as the
//!   AES-256-ECB (key `open_key`, PKCS#5/7) hex of the business JSON (§2.2 item 3-5).
//! - mpgateway (001 §2.2, §2.3 steps 2-3): `resp=<base64(json)>&sign=<md5(base64 text +
//!   key)>`, lower hex, for responses and the backurl notification alike.
//! - wantu (003 §1.3 签名算法, applied to responses and notifications per §1.2
//!   调用方需验证签名): non-empty fields but `sign`, ASCII-sorted `k=v&...`, then
//!   `&key=<key>`, md5, upper hex.
//! - WeChat Pay v2 and Alipay: see `wechat_fixtures` and `alipay_fixtures`; WeChat Pay
//!   APIv3 (signed in headers, `resource` sealed): `wechat_v3_fixtures`.
//!
//! A fixture whose genuine reading is a refusal (a signed error reply) is checked
//! against an [`ExpectedRefusal`] built from the message and the spec's code tables; a
//! message protected only by encryption is checked through `receive_*`, which says how
//! it was authenticated (`Checked::authenticity`).

#![allow(dead_code)] // each test file uses part of the support

pub mod alipay;
pub mod wechat;

use aes::cipher::{generic_array::GenericArray, BlockDecrypt, BlockEncrypt, KeyInit};
use base64::Engine;
use md5::{Digest, Md5};
use paygen::protocol::Provider;
use paygen::{Authenticity, Error, FixedClock, HttpRequest, HttpResponse, Outcome, Transport};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sha1::Sha1;
use std::fmt::Debug;

/// The pinned clock of every client: 2023-11-14 22:13:20 UTC. Signed timestamps equal it.
pub const NOW: i64 = 1_700_000_000;

/// Document 002 §2.4's pair, the only key any document gives.
pub const MCT1_OPEN_ID: &str = "87f46f5db1b65f0ac195285f49ee6958";
pub const MCT1_OPEN_KEY: &str = "0828e83720fdbe3685a7b94214af04f9";
/// Made up: document 001 gives no key.
pub const MPGATEWAY_MERID: &str = "898100000000001";
pub const MPGATEWAY_KEY: &str = "mpgateway-genuine-test-key-7c1e";
/// Made up: document 003 gives no key.
pub const WANTU_MERCHANT: &str = "HKG1382543269";
pub const WANTU_STORE: &str = "HKG1382543269001";
pub const WANTU_KEY: &str = "wantu-genuine-test-key-5d2a9b";

// ------------------------------------------------------------ independent recipes

pub fn md5_lower(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

pub fn sha1_lower(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// `k=v&...` over the pairs with a non-empty value, sorted by name byte by byte.
pub fn sorted_pairs(pairs: &[(&str, &str)]) -> String {
    let mut kept: Vec<&(&str, &str)> = pairs.iter().filter(|(_, v)| !v.is_empty()).collect();
    kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    kept.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// 002 §2.5: every field but `sign` (empty ones left out) plus `open_key`, sorted,
/// sha1 lower hex, then md5 of that text, lower hex.
pub fn mct1_sign(pairs: &[(&str, &str)], open_key: &str) -> String {
    let mut all: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(k, _)| *k != "sign")
        .collect();
    all.push(("open_key", open_key));
    md5_lower(sha1_lower(sorted_pairs(&all).as_bytes()).as_bytes())
}

/// 003 §1.3: non-empty fields but `sign`, sorted, `&key=KEY` appended, md5 upper hex.
pub fn wantu_sign(pairs: &[(&str, &str)], key: &str) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(k, _)| *k != "sign")
        .collect();
    md5_lower(format!("{}&key={key}", sorted_pairs(&kept)).as_bytes()).to_uppercase()
}

/// 001 §2.2: md5(base64 text + key), lower hex.
pub fn mpgateway_sign(resp_base64: &str, key: &str) -> String {
    md5_lower(format!("{resp_base64}{key}").as_bytes())
}

/// AES-256-ECB with PKCS#7 padding under the 32 bytes of `key`.
pub fn aes_ecb_encrypt(key: &[u8], plain: &[u8]) -> Vec<u8> {
    let cipher = aes::Aes256::new(GenericArray::from_slice(key));
    let pad = 16 - plain.len() % 16;
    let mut data = plain.to_vec();
    data.resize(data.len() + pad, pad as u8);
    for block in data.chunks_mut(16) {
        cipher.encrypt_block(GenericArray::from_mut_slice(block));
    }
    data
}

/// AES-256-ECB decryption under the 32 bytes of `key`, PKCS#7 padding checked and
/// removed; `None` for a length that is not whole blocks or a bad padding.
pub fn aes_ecb_decrypt(key: &[u8], mut data: Vec<u8>) -> Option<Vec<u8>> {
    if data.is_empty() || !data.chunks_exact(16).remainder().is_empty() {
        return None;
    }
    let cipher = aes::Aes256::new(GenericArray::from_slice(key));
    for block in data.chunks_mut(16) {
        cipher.decrypt_block(GenericArray::from_mut_slice(block));
    }
    let pad = *data.last()? as usize;
    if !(1..=16).contains(&pad) || data[data.len() - pad..].iter().any(|&b| b as usize != pad) {
        return None;
    }
    data.truncate(data.len() - pad);
    Some(data)
}

/// AES-256-ECB with PKCS#7 padding, upper hex (002 §2.2, as the 2.4 sample writes it).
pub fn aes_ecb_hex(key: &str, plain: &[u8]) -> String {
    hex::encode_upper(aes_ecb_encrypt(key.as_bytes(), plain))
}

pub fn aes_ecb_hex_decrypt(key: &str, text: &str) -> Option<Vec<u8>> {
    aes_ecb_decrypt(key.as_bytes(), hex::decode(text).ok()?)
}

pub fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

// ------------------------------------------------------------ wire shapes

/// The text a top-level value is signed as: a string's content, `null` as empty, any
/// other value as its compact JSON text, which is exactly what `write_json` sends.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A compact JSON object with the members in this order, repeated names kept.
pub fn write_json(fields: &[(String, Value)]) -> String {
    let members: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), v))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// `application/x-www-form-urlencoded` (and query strings): everything but unreserved
/// characters percent-encoded, so base64's `+`, `/` and `=` arrive intact.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn write_form(fields: &[(String, Value)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(&text_of(v))))
        .collect::<Vec<_>>()
        .join("&")
}

/// XML character data: `&`, `<` and `>` written as entity references.
pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `<root>` with one child element per field, in order, repeated names kept: each text
/// in a CDATA section (`cdata`), or as escaped character data.
pub fn write_xml(root: &str, fields: &[(String, Value)], cdata: bool) -> String {
    let mut out = format!("<{root}>");
    for (k, v) in fields {
        let text = text_of(v);
        if cdata {
            out.push_str(&format!("<{k}><![CDATA[{text}]]></{k}>"));
        } else {
            out.push_str(&format!("<{k}>{}</{k}>", xml_escape(&text)));
        }
    }
    out.push_str(&format!("</{root}>"));
    out
}

/// The text of XML character data: the predefined entities and character references
/// decoded; `None` for markup or an unknown reference.
pub fn xml_unescape(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<']) {
        out.push_str(&rest[..at]);
        if rest[at..].starts_with('<') {
            return None;
        }
        let end = rest[at..].find(';')? + at;
        let name = &rest[at + 1..end];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match name.strip_prefix("#x") {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => name.strip_prefix('#')?.parse().ok()?,
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The children of a flat XML document whose root is `root`: (name, text) in order,
/// CDATA sections taken raw, character data unescaped, whitespace between elements
/// skipped. `None` for anything else (nested elements, attributes, a prolog).
pub fn parse_flat_xml(text: &str, root: &str) -> Option<Vec<(String, String)>> {
    let inner = text
        .trim()
        .strip_prefix(&format!("<{root}>"))?
        .strip_suffix(&format!("</{root}>"))?;
    let mut out = Vec::new();
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let open_end = rest.find('>')?;
        let name = rest.strip_prefix('<')?.get(..open_end - 1)?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let close = format!("</{name}>");
        let after_open = &rest[open_end + 1..];
        let content_end = after_open.find(&close)?;
        let content = &after_open[..content_end];
        let value = match content
            .strip_prefix("<![CDATA[")
            .and_then(|c| c.strip_suffix("]]>"))
        {
            Some(raw) if !raw.contains("]]>") => raw.to_owned(),
            _ => xml_unescape(content)?,
        };
        out.push((name.to_owned(), value));
        rest = after_open[content_end + close.len()..].trim_start();
    }
    Some(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON object (mct1 and wantu responses, wantu notification).
    Json,
    /// A form body or query string (mpgateway messages, mct1 notifications).
    Form,
    /// WeChat Pay's `<xml>`: every text in CDATA, or escaped character data.
    Xml { cdata: bool },
}

impl Format {
    pub fn write(self, fields: &[(String, Value)]) -> String {
        match self {
            Format::Json => write_json(fields),
            Format::Form => write_form(fields),
            Format::Xml { cdata } => write_xml("xml", fields, cdata),
        }
    }
}

/// A field carrying the business fields encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// mct1 `data`: AES-256-ECB hex under `open_key`.
    Mct1Aes,
    /// mpgateway `resp`: base64.
    Base64,
    /// WeChat Pay v2 refund notification `req_info`: base64 of AES-256-ECB (PKCS#7)
    /// under the lowercase hex MD5 of this API key, over a flat `<root>` document.
    WechatReqInfo(&'static str),
    /// Alipay's `<method>_response` member: the JSON object itself, signed over its text.
    AlipayMember,
}

impl Codec {
    pub fn encode(self, value: &Value) -> Value {
        let json = value.to_string();
        match self {
            Codec::Mct1Aes => Value::String(aes_ecb_hex(MCT1_OPEN_KEY, json.as_bytes())),
            Codec::Base64 => Value::String(base64_encode(json.as_bytes())),
            Codec::WechatReqInfo(key) => {
                let members: Vec<(String, Value)> = match value {
                    Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                    _ => Vec::new(),
                };
                let plain = write_xml("root", &members, true);
                Value::String(wechat_fixtures::encrypt_req_info(key, &plain))
            }
            Codec::AlipayMember => value.clone(),
        }
    }

    pub fn decode(self, value: &Value) -> Option<Value> {
        let text = value.as_str();
        let bytes = match self {
            Codec::Mct1Aes => aes_ecb_hex_decrypt(MCT1_OPEN_KEY, text?)?,
            Codec::Base64 => base64_decode(text?)?,
            Codec::WechatReqInfo(key) => {
                let plain = wechat_fixtures::decrypt_req_info(key, text?)?;
                let members = parse_flat_xml(&plain, "root")?;
                let map: Map<String, Value> = members
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                return Some(Value::Object(map));
            }
            Codec::AlipayMember => return value.is_object().then(|| value.clone()),
        };
        serde_json::from_slice(&bytes).ok()
    }
}

/// The payload field of an envelope: its name and encoding.
#[derive(Debug, Clone, Copy)]
pub struct PayloadField {
    pub name: &'static str,
    pub codec: Codec,
}

/// What running a (possibly mutated) body through the generated code gave.
#[derive(Debug)]
pub enum Verdict {
    Rejected(Error),
    /// Accepted, typed result `==` the genuine one.
    Identical,
    /// Accepted with a different typed result: the `Debug` of what came out.
    Different(String),
}

/// A verdict and, when the runtime said it, how the accepted message was authenticated.
#[derive(Debug)]
pub struct Checked {
    pub verdict: Verdict,
    pub authenticity: Option<Authenticity>,
}

/// Whether `authenticity` is `Authenticity::EncryptedOnly`: protected only by
/// unauthenticated encryption, which the product does not present as authentic. Read
/// from its `Debug` text so that this compiles before the runtime has the variant.
pub fn is_encrypted_only(authenticity: Option<Authenticity>) -> bool {
    authenticity.is_some_and(|a| format!("{a:?}") == "EncryptedOnly")
}

/// How a fixture's body is checked: the verdict and the authenticity.
pub type CheckFn = Box<dyn Fn(&str) -> Checked>;

/// The canonical string a fixture's signature covers, as its recipe says: every
/// field but `exclude`, empty ones left out (`skip_empty`), plus fields the receiver
/// adds itself (`added`, e.g. mct1's `open_key`), sorted by name byte by byte.
#[derive(Debug, Clone, Copy)]
pub struct Canonical {
    pub exclude: &'static [&'static str],
    pub added: &'static [&'static str],
    pub skip_empty: bool,
}

impl Canonical {
    /// The names in the canonical string of `fields`, in its order; `added` included.
    pub fn sorted_names(&self, fields: &[(String, Value)]) -> Vec<String> {
        let mut names: Vec<String> = fields
            .iter()
            .filter(|(k, _)| !self.exclude.contains(&k.as_str()))
            .filter(|(_, v)| !(self.skip_empty && text_of(v).is_empty()))
            .map(|(k, _)| k.clone())
            .chain(self.added.iter().map(|k| k.to_string()))
            .collect();
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        names
    }
}

/// One genuine signed message and how to check a body against it.
pub struct Fixture {
    /// `mct1`, `mpgateway`, `wantu`, `wechatpay_v2`, `alipay`.
    pub provider: &'static str,
    /// e.g. `mct1 response payorder (4.4.1.4)`.
    pub name: String,
    pub format: Format,
    pub payload: Option<PayloadField>,
    /// The top-level fields as sent, in order, `sign` included.
    pub fields: Vec<(String, Value)>,
    /// The genuine body (query string for GET notifications).
    pub body: String,
    /// The business fields the typed result was built from (the oracle).
    pub business: Map<String, Value>,
    /// The canonical string of its signature, when its recipe signs one.
    pub canonical: Option<Canonical>,
    /// The operation whose reply it is (`None` for a notification).
    pub operation: Option<String>,
    check: CheckFn,
}

/// mct1's response payload (002 §2.2 item 3).
pub const MCT1_DATA: PayloadField = PayloadField {
    name: "data",
    codec: Codec::Mct1Aes,
};
/// mpgateway's response and notification payload (001 §2.2).
pub const MPGATEWAY_RESP: PayloadField = PayloadField {
    name: "resp",
    codec: Codec::Base64,
};

/// mct1's canonical string (002 §2.4): every field but `sign`, plus `open_key`.
pub const MCT1_CANONICAL: Canonical = Canonical {
    exclude: &["sign"],
    added: &["open_key"],
    skip_empty: true,
};
/// wantu's (003 §1.3): non-empty fields but `sign`; the key is appended after sorting.
pub const WANTU_CANONICAL: Canonical = Canonical {
    exclude: &["sign"],
    added: &[],
    skip_empty: true,
};

impl Fixture {
    fn new(
        provider: &'static str,
        name: String,
        format: Format,
        payload: Option<PayloadField>,
        fields: Vec<(String, Value)>,
        business: Map<String, Value>,
        check: CheckFn,
    ) -> Self {
        Fixture {
            provider,
            name,
            format,
            payload,
            body: format.write(&fields),
            fields,
            business,
            canonical: None,
            operation: None,
            check,
        }
    }

    fn with_canonical(mut self, canonical: Canonical) -> Self {
        self.canonical = Some(canonical);
        self
    }

    fn for_operation(mut self, operation: &str) -> Self {
        self.operation = Some(operation.to_owned());
        self
    }

    pub fn check(&self, body: &str) -> Verdict {
        (self.check)(body).verdict
    }

    /// The verdict and the authenticity the runtime gave an accepted body.
    pub fn check_detailed(&self, body: &str) -> Checked {
        (self.check)(body)
    }

    /// Whether the message carries a signature (`sign`) at all.
    pub fn is_signed(&self) -> bool {
        self.fields.iter().any(|(k, _)| k == "sign")
    }
}

// ------------------------------------------------------------ the runtime call

/// THE decode path under test for responses: verification on, then the typed result.
/// Every response in both test files goes through here, so the runtime call can be
/// swapped in this one place.
pub fn decode_typed<R: DeserializeOwned>(
    provider: &'static Provider,
    operation: &str,
    credentials: &paygen::Credentials,
    body: &str,
) -> Result<R, Error> {
    decode_checked(provider, operation, credentials, body).map(|(typed, _)| typed)
}

/// [`decode_typed`], with how the runtime authenticated the reply.
pub fn decode_checked<R: DeserializeOwned>(
    provider: &'static Provider,
    operation: &str,
    credentials: &paygen::Credentials,
    body: &str,
) -> Result<(R, Authenticity), Error> {
    let operation = provider
        .operation(operation)
        .unwrap_or_else(|| panic!("{} has no operation {operation}", provider.name));
    let response = HttpResponse {
        status: 200,
        headers: vec![],
        body: body.to_owned(),
    };
    let clock = paygen::FixedClock::at_unix_seconds(NOW);
    let receiver = paygen::Receiver {
        credentials,
        clock: &clock,
        utc_offset_minutes: provider.utc_offset_minutes,
        seen: None,
    };
    let decoded =
        paygen::tooling::decode::decode_response(provider, operation, &receiver, &response)?;
    let authenticity = decoded.authenticity;
    Ok((
        paygen::tooling::typed::<R>(decoded.fields, body)?,
        authenticity,
    ))
}

/// A notification as a web framework hands it over: a POST with this body.
pub fn inbound(body: &str) -> paygen::InboundRequest<'_> {
    paygen::InboundRequest {
        method: "POST",
        query: "",
        headers: &[],
        body: body.as_bytes(),
    }
}

/// Clients in these tests never send: verifying notifications needs no network.
#[derive(Debug)]
pub struct NoTransport;

impl Transport for NoTransport {
    fn send<'a>(&'a self, _: HttpRequest, _: paygen::OperationInfo<'a>) -> paygen::SendFuture<'a> {
        panic!("the notification tests send nothing")
    }
}
pub fn mct1_client() -> paygen_mct1::Client<NoTransport> {
    paygen_mct1::Client::with_transport(
        "http://127.0.0.1:9",
        paygen_mct1::Credentials {
            open_id: MCT1_OPEN_ID.into(),
            open_key: MCT1_OPEN_KEY.into(),
        },
        NoTransport,
    )
    .with_clock(FixedClock::at_unix_seconds(NOW))
}

pub fn mpgateway_client() -> paygen_mpgateway::Client<NoTransport> {
    paygen_mpgateway::Client::with_transport(
        "http://127.0.0.1:9",
        paygen_mpgateway::Credentials {
            merid: MPGATEWAY_MERID.into(),
            key: MPGATEWAY_KEY.into(),
        },
        NoTransport,
    )
    .with_clock(FixedClock::at_unix_seconds(NOW))
}

pub fn wantu_client() -> paygen_wantu::Client<NoTransport> {
    paygen_wantu::Client::with_transport(
        "http://127.0.0.1:9",
        paygen_wantu::Credentials {
            merchant_account: WANTU_MERCHANT.into(),
            store_account: WANTU_STORE.into(),
            key: WANTU_KEY.into(),
        },
        NoTransport,
    )
    .with_clock(FixedClock::at_unix_seconds(NOW))
}

pub fn mct1_credentials() -> paygen::Credentials {
    paygen::Credentials::new()
        .plain("open_id", MCT1_OPEN_ID)
        .secret("open_key", MCT1_OPEN_KEY)
}

pub fn mpgateway_credentials() -> paygen::Credentials {
    paygen::Credentials::new()
        .plain("merid", MPGATEWAY_MERID)
        .secret("key", MPGATEWAY_KEY)
}

pub fn wantu_credentials() -> paygen::Credentials {
    paygen::Credentials::new()
        .plain("merchant_account", WANTU_MERCHANT)
        .plain("store_account", WANTU_STORE)
        .secret("key", WANTU_KEY)
}

/// Compares what `run` gives with `expected`.
fn verdict<R: PartialEq + Debug>(result: Result<R, Error>, expected: &R) -> Verdict {
    match result {
        Err(error) => Verdict::Rejected(error),
        Ok(typed) if typed == *expected => Verdict::Identical,
        Ok(typed) => Verdict::Different(format!("{typed:?}")),
    }
}

/// [`verdict`] of a result that says how it was authenticated.
fn checked<R: PartialEq + Debug>(
    result: Result<(R, Authenticity), Error>,
    expected: &R,
) -> Checked {
    match result {
        Ok((typed, authenticity)) => Checked {
            verdict: verdict(Ok(typed), expected),
            authenticity: Some(authenticity),
        },
        Err(error) => Checked {
            verdict: Verdict::Rejected(error),
            authenticity: None,
        },
    }
}

/// The typed value the business fields make, straight through serde (the oracle).
fn expected<R: DeserializeOwned>(business: &Map<String, Value>, what: &str) -> R {
    serde_json::from_value(Value::Object(business.clone()))
        .unwrap_or_else(|e| panic!("{what}: fixture fields do not fit the generated type: {e}"))
}

/// The check of a reader that says how it authenticated what it accepted.
fn authenticated_check<R: DeserializeOwned + PartialEq + Debug + 'static>(
    read: impl Fn(&str) -> Result<(R, Authenticity), Error> + 'static,
    business: &Map<String, Value>,
    what: &str,
) -> CheckFn {
    let genuine: R = expected(business, what);
    Box::new(move |body| checked(read(body), &genuine))
}

fn response_check<R: DeserializeOwned + PartialEq + Debug + 'static>(
    provider: &'static Provider,
    operation: &'static str,
    credentials: paygen::Credentials,
    business: &Map<String, Value>,
    what: &str,
) -> CheckFn {
    authenticated_check(
        move |body: &str| decode_checked::<R>(provider, operation, &credentials, body),
        business,
        what,
    )
}

fn notification_check<R: DeserializeOwned + PartialEq + Debug + 'static>(
    verify: impl Fn(&str) -> Result<R, Error> + 'static,
    business: &Map<String, Value>,
    what: &str,
) -> CheckFn {
    let genuine: R = expected(business, what);
    Box::new(move |body| Checked {
        verdict: verdict(verify(body), &genuine),
        authenticity: None,
    })
}

/// [`notification_check`] through `receive_*`, which says how the notification was
/// authenticated.
fn delivery_check<R: DeserializeOwned + PartialEq + Debug + 'static>(
    receive: impl Fn(&str) -> Result<paygen::Delivery<R>, Error> + 'static,
    business: &Map<String, Value>,
    what: &str,
) -> CheckFn {
    authenticated_check(
        move |body: &str| receive(body).map(|d| (d.notification, d.authenticity)),
        business,
        what,
    )
}

/// What a genuine refusal says, built from the message and the spec's code tables (not
/// from the runtime): the code of the failed check, its message, the documented code
/// that decides the outcome (compared when given) and that outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedRefusal {
    pub raw_code: String,
    pub message: Option<String>,
    pub meaning: Option<(String, String)>,
    pub outcome: Outcome,
}

/// The check of a reply whose genuine reading is a signed refusal: the same refusal,
/// signed, is identical; another refusal, or any accepted reply, is different; an
/// unsigned refusal that leaves the outcome unknown (query before acting) believes
/// nothing unsigned and counts as rejected, one that says nothing happened is compared.
fn refusal_check(
    provider: &'static Provider,
    operation: &'static str,
    credentials: paygen::Credentials,
    genuine: ExpectedRefusal,
) -> CheckFn {
    Box::new(move |body| {
        let result = decode_checked::<Value>(provider, operation, &credentials, body);
        let verdict = match result {
            Ok((typed, authenticity)) => {
                return Checked {
                    verdict: Verdict::Different(format!("accepted as a success: {typed}")),
                    authenticity: Some(authenticity),
                }
            }
            Err(Error::Service(refusal)) => {
                let outcome = refusal.outcome();
                let got = ExpectedRefusal {
                    raw_code: refusal.raw_code.clone(),
                    message: refusal.message.clone(),
                    meaning: genuine.meaning.as_ref().and(
                        refusal
                            .meaning
                            .as_ref()
                            .map(|m| (m.field.clone(), m.value.clone())),
                    ),
                    outcome,
                };
                let signed = refusal.authenticity == Authenticity::Verified;
                if !signed && outcome == Outcome::Unknown {
                    Verdict::Rejected(Error::Service(refusal))
                } else if got == genuine {
                    Verdict::Identical
                } else {
                    Verdict::Different(format!("{got:?} ({:?})", refusal.authenticity))
                }
            }
            Err(error) => Verdict::Rejected(error),
        };
        Checked {
            verdict,
            authenticity: None,
        }
    })
}

// ------------------------------------------------------------ documented examples

/// Every example body of `spec`'s operations (or notifications): (name, source, body).
pub fn example_bodies(spec: &str, notifications: bool) -> Vec<(String, String, String)> {
    let path = paygen_tests::workspace_root().join(format!("specs/{spec}.yaml"));
    let loaded = paygen_codegen::load_file(&path).unwrap_or_else(|e| panic!("{spec}: {e:?}"));
    let mut out = Vec::new();
    let mut push = |name: &str, examples: &[paygen_codegen::spec::model::Example]| {
        for example in examples {
            if let Some(body) = &example.body {
                out.push((name.to_owned(), example.source.clone(), body.clone()));
            }
        }
    };
    if notifications {
        for n in &loaded.spec.notifications {
            push(&n.name.value, &n.examples);
        }
    } else {
        for op in &loaded.spec.operations {
            push(&op.name.value, &op.examples);
        }
    }
    out
}

fn json_object(body: &str, what: &str) -> Map<String, Value> {
    match serde_json::from_str(body) {
        Ok(Value::Object(map)) => map,
        other => panic!("{what}: example is not a JSON object: {other:?}"),
    }
}

// ------------------------------------------------------------ mct1

/// The check of a response of `$krate`'s operation `$operation`, typed by the table.
macro_rules! response_check_for {
    ($krate:ident, $operation:expr, $credentials:expr, $business:expr, $what:expr,
     { $($op:literal => $ty:ident),* $(,)? }) => {
        match $operation {
            $($op => response_check::<$krate::$ty>(
                &$krate::tables::PROVIDER, $op, $credentials, $business, $what,
            ),)*
            other => panic!("{}: no generated type for `{other}`", $what),
        }
    };
}

/// A signed mct1 response around `decoded` (the document's decoded sample: `data`
/// already decrypted): `data` encrypted, `timestamp` NOW added as in §2.2/§2.5's wire
/// sample, then signed.
pub fn mct1_response(operation: &str, source: &str, decoded: Map<String, Value>) -> Fixture {
    let what = format!("mct1 response {operation} ({source})");
    let mut business = decoded;
    business
        .entry("timestamp")
        .or_insert_with(|| Value::from(NOW));
    let fields = mct1_wire(&business);
    let check = response_check_for!(paygen_mct1, operation, mct1_credentials(), &business, &what, {
        "paylist" => PaylistResponse, "order" => OrderResponse, "order_view" => OrderViewResponse,
        "payorder" => PayorderResponse, "paystatus" => PaystatusResponse,
        "paycancel" => PaycancelResponse, "payrefund" => PayrefundResponse,
    });
    Fixture::new(
        "mct1",
        what,
        Format::Json,
        Some(MCT1_DATA),
        fields,
        business,
        check,
    )
    .with_canonical(MCT1_CANONICAL)
    .for_operation(operation)
}

/// The wire fields of an mct1 response: business fields with `data` encrypted, `sign`
/// appended.
pub fn mct1_wire(business: &Map<String, Value>) -> Vec<(String, Value)> {
    let mut fields: Vec<(String, Value)> = business
        .iter()
        .map(|(k, v)| {
            let v = if k == "data" {
                Codec::Mct1Aes.encode(v)
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect();
    let texts: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.clone(), text_of(v)))
        .collect();
    let pairs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.push((
        "sign".into(),
        Value::String(mct1_sign(&pairs, MCT1_OPEN_KEY)),
    ));
    fields
}

/// Query fields of an mct1 notification (4.8.1.3's order: timestamp, out_no, status,
/// sign, rand_str; ord_no, which 4.8.1.1 lists, after status), signed.
pub fn mct1_notification_fields(timestamp: i64, status: &str) -> Vec<(String, Value)> {
    let unsigned = [
        ("timestamp", timestamp.to_string()),
        ("out_no", "7149794509690017".to_owned()),
        ("status", status.to_owned()),
        ("ord_no", "9149853698138671785993018".to_owned()),
        ("rand_str", "Zk3pQ9sLm2XvR7tB".to_owned()),
    ];
    let pairs: Vec<(&str, &str)> = unsigned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let sign = mct1_sign(&pairs, MCT1_OPEN_KEY);
    let mut fields: Vec<(String, Value)> = unsigned
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
        .collect();
    fields.insert(3, ("sign".into(), Value::String(sign)));
    fields
}

pub fn mct1_notification(name: &'static str) -> Fixture {
    let what = format!("mct1 notification {name} (4.8.1.3 shape)");
    let fields = mct1_notification_fields(NOW, "1");
    let business: Map<String, Value> = fields
        .iter()
        .filter(|(k, _)| k != "sign")
        .cloned()
        .collect();
    let client = mct1_client();
    let check = match name {
        "pay" => notification_check(move |q| client.verify_pay_notification(q), &business, &what),
        "jump" => notification_check(
            move |q| client.verify_jump_notification(q),
            &business,
            &what,
        ),
        other => panic!("mct1 has no notification {other}"),
    };
    Fixture::new("mct1", what, Format::Form, None, fields, business, check)
        .with_canonical(MCT1_CANONICAL)
}

pub fn mct1_fixtures() -> Vec<Fixture> {
    let mut out: Vec<Fixture> = example_bodies("mct1", false)
        .into_iter()
        .map(|(op, source, body)| {
            let decoded = json_object(&body, &op);
            mct1_response(&op, &source, decoded)
        })
        .collect();
    out.push(mct1_notification("pay"));
    out.push(mct1_notification("jump"));
    out
}

// ------------------------------------------------------------ mpgateway

/// `resp=<base64(json)>&sign=<md5>` around `business` (001 §2.3).
pub fn mpgateway_wire(business: &Map<String, Value>) -> Vec<(String, Value)> {
    let resp = Codec::Base64.encode(&Value::Object(business.clone()));
    let sign = mpgateway_sign(resp.as_str().unwrap_or_default(), MPGATEWAY_KEY);
    vec![("resp".into(), resp), ("sign".into(), Value::String(sign))]
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("fixtures are objects"),
    }
}

/// Document 001 has no concrete message (templates only): realistic replies with every
/// field of each operation's 3.x.3/3.x.4 table.
pub fn mpgateway_business(operation: &str) -> Map<String, Value> {
    let m = MPGATEWAY_MERID;
    object(match operation {
        "mpgateway" => serde_json::json!({
            "respcode": "00", "respmsg": "交易成功", "txnamt": 100, "merid": m,
            "orderid": "ORDER20231114001", "queryid": "Q20231114221320000001",
            "formaction": "https://qr.alipay.com/bax01234567890abcdef"
        }),
        // 3.2/3.3: browser pages, no business fields of their own (response: []).
        "openid" | "gopay" => serde_json::json!({
            "respcode": "00", "respmsg": "成功", "merid": m
        }),
        "query" => serde_json::json!({
            "respcode": "00", "respmsg": "查询成功", "resultcode": "0000",
            "resultmsg": "交易成功", "queryid": "Q20231114221320000001", "txnamt": 100,
            "merid": m, "orderid": "ORDER20231114001", "paytime": "2023-11-15 06:13:20"
        }),
        "cancel" => serde_json::json!({
            "respcode": "00", "respmsg": "取消成功", "queryid": "Q20231114221320000001",
            "txnamt": 100, "merid": m, "orderid": "ORDER20231114001"
        }),
        other => panic!("mpgateway has no operation {other}"),
    })
}

/// 3.4.3's fields; `paid` false is 1001 未支付 with an empty paytime.
pub fn mpgateway_notification_business(paid: bool) -> Map<String, Value> {
    let (code, msg, time) = if paid {
        ("0000", "交易成功", "2023-11-15 06:13:20")
    } else {
        ("1001", "未支付", "")
    };
    object(serde_json::json!({
        "resultcode": code, "resultmsg": msg, "queryid": "Q20231114221320000001",
        "txnamt": 100, "merid": MPGATEWAY_MERID, "orderid": "ORDER20231114001",
        "paytime": time
    }))
}

pub fn mpgateway_response(operation: &str) -> Fixture {
    let what = format!("mpgateway response {operation}");
    let business = mpgateway_business(operation);
    let fields = mpgateway_wire(&business);
    let check = response_check_for!(paygen_mpgateway, operation, mpgateway_credentials(), &business, &what, {
        "mpgateway" => MpgatewayResponse, "openid" => OpenidResponse, "gopay" => GopayResponse,
        "query" => QueryResponse, "cancel" => CancelResponse,
    });
    Fixture::new(
        "mpgateway",
        what,
        Format::Form,
        Some(MPGATEWAY_RESP),
        fields,
        business,
        check,
    )
    .for_operation(operation)
}

pub fn mpgateway_notification(paid: bool) -> Fixture {
    let what = format!(
        "mpgateway notification pay ({})",
        if paid { "paid" } else { "unpaid" }
    );
    let business = mpgateway_notification_business(paid);
    let fields = mpgateway_wire(&business);
    let client = mpgateway_client();
    let check = notification_check(
        move |body| client.verify_pay_notification(body),
        &business,
        &what,
    );
    Fixture::new(
        "mpgateway",
        what,
        Format::Form,
        Some(MPGATEWAY_RESP),
        fields,
        business,
        check,
    )
}

pub fn mpgateway_fixtures() -> Vec<Fixture> {
    let mut out: Vec<Fixture> = paygen_mpgateway::tables::PROVIDER
        .operations
        .iter()
        .map(|op| mpgateway_response(&op.name))
        .collect();
    out.push(mpgateway_notification(true));
    out.push(mpgateway_notification(false));
    out
}

// ------------------------------------------------------------ wantu

/// `business` (the document's sample, its unverifiable `sign` dropped) signed with the
/// test key; the signature goes last.
pub fn wantu_wire(business: &Map<String, Value>) -> Vec<(String, Value)> {
    let mut fields: Vec<(String, Value)> = business
        .iter()
        .filter(|(k, _)| *k != "sign")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let texts: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.clone(), text_of(v)))
        .collect();
    let pairs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.push(("sign".into(), Value::String(wantu_sign(&pairs, WANTU_KEY))));
    fields
}

/// What a wantu message means: its fields as sent, but an empty value is the same as an
/// absent one (003 §1.3 leaves empty values out of the signed string, so no receiver can
/// tell them apart, and the runtime decodes both as absent).
fn wantu_business(fields: &[(String, Value)]) -> Map<String, Value> {
    fields
        .iter()
        .filter(|(_, v)| !text_of(v).is_empty())
        .cloned()
        .collect()
}

pub fn wantu_response(operation: &str, source: &str, sample: Map<String, Value>) -> Fixture {
    let what = format!("wantu response {operation} ({source})");
    let fields = wantu_wire(&sample);
    let business = wantu_business(&fields);
    let check = response_check_for!(paygen_wantu, operation, wantu_credentials(), &business, &what, {
        "create_qrcode" => CreateQrcodeResponse, "pospay" => PospayResponse, "refund" => RefundResponse,
        "query" => QueryResponse, "pay_form" => PayFormResponse, "order_list" => OrderListResponse,
        "web" => WebResponse, "app" => AppResponse, "wap" => WapResponse,
        "merchant_qrcode" => MerchantQrcodeResponse, "currency" => CurrencyResponse,
        "cancel" => CancelResponse, "close" => CloseResponse,
    });
    Fixture::new("wantu", what, Format::Json, None, fields, business, check)
        .with_canonical(WANTU_CANONICAL)
        .for_operation(operation)
}

pub fn wantu_notification(source: &str, sample: Map<String, Value>) -> Fixture {
    let what = format!("wantu notification pay ({source})");
    let fields = wantu_wire(&sample);
    let business = wantu_business(&fields);
    let client = wantu_client();
    let check = notification_check(
        move |body| client.verify_pay_notification(body),
        &business,
        &what,
    );
    Fixture::new("wantu", what, Format::Json, None, fields, business, check)
        .with_canonical(WANTU_CANONICAL)
}

pub fn wantu_fixtures() -> Vec<Fixture> {
    let mut out: Vec<Fixture> = example_bodies("wantu", false)
        .into_iter()
        .map(|(op, source, body)| {
            let sample = json_object(&body, &op);
            wantu_response(&op, &source, sample)
        })
        .collect();
    for (_, source, body) in example_bodies("wantu", true) {
        out.push(wantu_notification(&source, json_object(&body, "pay")));
    }
    out
}

pub fn all_fixtures() -> Vec<Fixture> {
    let mut out = mct1_fixtures();
    out.extend(mpgateway_fixtures());
    out.extend(wantu_fixtures());
    out
}

// Declared last: they use `response_check_for!`, defined above.
pub mod alipay_fixtures;
pub mod wechat_fixtures;
pub mod wechat_v3_fixtures;
