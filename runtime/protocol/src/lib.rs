//! Protocol descriptions: the intermediate representation between a provider's spec and
//! the runtime that speaks its wire protocol.
//!
//! The generator lowers a YAML spec into these types. Generated crates embed them as
//! `const` items (every list is a borrowed slice), the `paygen` command line builds them
//! at run time from the same spec (owned), and the runtime engine reads them either way.
//! Names and references are resolved: a signature recipe is stored where it is used.

use std::borrow::Cow;

/// Text that is `'static` in generated code and owned when built from a spec at run time.
pub type Text = Cow<'static, str>;
/// A list that is a `'static` slice in generated code and a `Vec` when built at run time.
pub type List<T> = Cow<'static, [T]>;

/// Everything the runtime needs to speak one provider's protocol.
#[derive(Debug, Clone)]
pub struct Provider {
    /// Spec name, e.g. `mct1`.
    pub name: Text,
    /// Offset of the provider's wall clock from UTC, in minutes (480 for UTC+8).
    pub utc_offset_minutes: i32,
    /// Named base URLs; the first is the default.
    pub environments: List<Environment>,
    /// Credential names and whether each is secret.
    pub credentials: List<CredentialDef>,
    /// How requests are built.
    pub request: RequestEnvelope,
    /// How responses are read.
    pub response: ResponseEnvelope,
    /// Endpoints.
    pub operations: List<Operation>,
    /// Inbound notifications.
    pub notifications: List<Notification>,
}

impl Provider {
    /// The operation with this name.
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.name == name)
    }

    /// The notification with this name.
    pub fn notification(&self, name: &str) -> Option<&Notification> {
        self.notifications.iter().find(|n| n.name == name)
    }

    /// The environment with this name.
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }
}

/// A named base URL.
#[derive(Debug, Clone)]
pub struct Environment {
    /// `production`, `sandbox`...
    pub name: Text,
    /// Base URL without a trailing slash.
    pub base_url: Text,
}

/// A credential's name and whether it must be redacted.
#[derive(Debug, Clone)]
pub struct CredentialDef {
    /// The document's name.
    pub name: Text,
    /// Redacted everywhere when true.
    pub secret: bool,
}

/// Message body formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// JSON object.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// URL query string.
    Query,
    /// `<xml><name>value</name>...</xml>`, values as escaped text.
    Xml,
    /// Like `Xml`, but text values written in CDATA sections (numbers stay plain).
    XmlCdata,
}

impl BodyFormat {
    /// True for the XML formats.
    pub fn is_xml(self) -> bool {
        matches!(self, BodyFormat::Xml | BodyFormat::XmlCdata)
    }
}

/// Encodings of a payload's document into one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadEncoding {
    /// Standard base64 with padding.
    Base64,
    /// AES-256-ECB, PKCS#5 padding, hex.
    Aes256EcbHex,
    /// The document's text itself (Alipay's `biz_content`).
    Json,
    /// AES-256-ECB, PKCS#5 padding, standard base64 (WeChat's `req_info`).
    Aes256EcbBase64,
}

/// How the cipher key is made from its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyDerivation {
    /// The credential's bytes are the key.
    Raw,
    /// The key is the 32 lowercase hex characters of MD5(credential) (WeChat v2).
    Md5LowerHex,
}

/// The format of the document inside a payload field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InnerFormat {
    /// A JSON object.
    Json,
    /// `<root><name>value</name>...</root>`.
    Xml,
}

/// Hex letter case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HexCase {
    /// `0-9a-f`.
    Lower,
    /// `0-9A-F`.
    Upper,
}

/// Where business fields travel in a message.
#[derive(Debug, Clone)]
pub enum Payload {
    /// Top-level fields of the body.
    Inline,
    /// A JSON document encoded into one top-level field.
    Field(PayloadField),
}

/// A payload carried in one encoded field.
#[derive(Debug, Clone)]
pub struct PayloadField {
    /// The field's wire name.
    pub name: Text,
    /// The encoding of the JSON text.
    pub encoding: PayloadEncoding,
    /// Credential used as cipher key, for encrypted payloads.
    pub key: Option<Text>,
    /// Hex case of the ciphertext.
    pub hex: HexCase,
    /// On decoding, lift the payload's members to the top level.
    pub flatten: bool,
    /// How the cipher key is made from the credential.
    pub key_derivation: KeyDerivation,
    /// The document's format inside the encoding.
    pub inner: InnerFormat,
}

/// How requests are built and signed.
#[derive(Debug, Clone)]
pub struct RequestEnvelope {
    /// Default HTTP method.
    pub method: Text,
    /// Body format.
    pub body: BodyFormat,
    /// Where business fields go.
    pub payload: Payload,
    /// Fields added to every request, in wire order.
    pub common: List<CommonField>,
    /// Signature, when requests are signed.
    pub signature: Option<RequestSignature>,
    /// Constant headers sent with every request, in order.
    pub headers: List<Header>,
}

/// A constant HTTP header.
#[derive(Debug, Clone)]
pub struct Header {
    /// Header name.
    pub name: Text,
    /// Header value.
    pub value: Text,
}

/// A field the client adds to every request.
#[derive(Debug, Clone)]
pub struct CommonField {
    /// Wire name.
    pub name: Text,
    /// Where its value comes from.
    pub value: ValueSource,
    /// Inside the payload rather than at the top level.
    pub in_payload: bool,
    /// A Unix clock value written as a JSON number rather than a string.
    pub as_number: bool,
}

/// Where a common field's value comes from.
#[derive(Debug, Clone)]
pub enum ValueSource {
    /// A credential's value.
    Credential(Text),
    /// Fixed text.
    Constant(Text),
    /// The clock, formatted.
    Clock(ClockFormat),
    /// A nonce of this many alphanumeric characters.
    Nonce(u8),
}

/// Clock value formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockFormat {
    /// Unix seconds.
    UnixSeconds,
    /// Unix milliseconds.
    UnixMillis,
    /// `yyyy-MM-dd HH:mm:ss` at the provider's offset.
    DateTime,
    /// `yyyyMMddHHmmss` at the provider's offset.
    Compact,
}

/// A request signature and where it goes.
#[derive(Debug, Clone)]
pub struct RequestSignature {
    /// How it is computed.
    pub recipe: Recipe,
    /// Where it is written.
    pub output: SignatureOutput,
}

/// Where a request signature is written.
#[derive(Debug, Clone)]
pub enum SignatureOutput {
    /// A top-level field, after all others.
    Field(Text),
    /// A header; the template's `{signature}` and `{<credential>}` are replaced.
    Header {
        /// Header name.
        name: Text,
        /// Value template.
        template: Text,
    },
}

/// A signing recipe.
#[derive(Debug, Clone)]
pub struct Recipe {
    /// What is signed.
    pub input: SignInput,
    /// Canonical-string rules, for `SignInput::Canonical`.
    pub canonical: Canonical,
    /// The credential that is the secret.
    pub key_credential: Text,
    /// How the secret joins the string to sign.
    pub key_place: KeyPlace,
    /// Digest chain.
    pub digests: List<DigestStep>,
}

/// What a signature covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInput {
    /// Canonical `k=v&...` string of the top-level fields.
    Canonical,
    /// The encoded payload field's text.
    PayloadField,
    /// The raw body bytes.
    Body,
    /// The raw text of the response's business member, exactly as received (Alipay's
    /// `alipay_trade_pay_response`); the member is named by the operation.
    Member,
}

/// Canonical string rules.
#[derive(Debug, Clone)]
pub struct Canonical {
    /// Wire names left out.
    pub exclude: List<Text>,
    /// Skip absent and `""` values.
    pub skip_empty: bool,
    /// Between name and value.
    pub pair_separator: Text,
    /// Between pairs.
    pub join: Text,
}

/// How the secret is added.
#[derive(Debug, Clone)]
pub enum KeyPlace {
    /// Appended after this prefix.
    Append(Text),
    /// Added as a sorted field of this name.
    SortedField(Text),
}

/// One digest of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestStep {
    /// Hash function.
    pub algorithm: DigestAlgorithm,
    /// Hex case of its output.
    pub hex: HexCase,
}

/// Supported hash functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// MD5.
    Md5,
    /// SHA-1.
    Sha1,
}

/// How responses are read.
#[derive(Debug, Clone)]
pub struct ResponseEnvelope {
    /// Body format.
    pub body: BodyFormat,
    /// Where business fields are.
    pub payload: Payload,
    /// Signature check, when responses are signed.
    pub verification: Option<Verification>,
}

/// A check of a received signature.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The recipe, run over raw received values.
    pub recipe: Recipe,
    /// The field carrying the signature.
    pub field: Text,
    /// Shapes of reply the document lets go unsigned; such a reply can only be an error.
    pub unsigned_error_when: List<UnsignedErrorReply>,
    /// What happens to received fields the signature does not cover.
    pub unsigned_fields: UnsignedFields,
    /// A signed timestamp that must be close to the receiver's clock.
    pub freshness: Option<Freshness>,
    /// A signed nonce field; a receiver with a seen-store rejects a value seen before.
    pub nonce_field: Option<Text>,
}

/// A shape of reply that a provider sends unsigned, and that can therefore only mean
/// failure (an unsigned reply that claims success is a signature error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsignedErrorReply {
    /// The signature field is present and empty (mpgateway before the merchant is known).
    SignatureEmpty,
    /// The signature field is absent (wantu's `SIGN_ERROR`).
    SignatureAbsent,
    /// The payload field is absent (mct1 signs only replies that carry `data`).
    PayloadAbsent,
}

/// The fate of a received field outside the signed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsignedFields {
    /// The message is rejected.
    Reject,
    /// The field is dropped before decoding; it never reaches the caller.
    Ignore,
}

/// A freshness window over a signed timestamp field.
#[derive(Debug, Clone)]
pub struct Freshness {
    /// The timestamp field's wire name.
    pub field: Text,
    /// How the timestamp is written.
    pub format: ClockFormat,
    /// Largest accepted distance from the receiver's clock, either way.
    pub max_skew_seconds: u32,
}

/// Which values of a decoded message mean success.
#[derive(Debug, Clone)]
pub struct SuccessRule {
    /// Dotted path of the code field.
    pub field: Text,
    /// Values meaning success, as received text.
    pub equals: List<Text>,
    /// Dotted path of the message field.
    pub message: Option<Text>,
    /// Further checks that must also pass.
    pub and: List<SuccessRule>,
}

/// One endpoint.
#[derive(Debug, Clone)]
pub struct Operation {
    /// snake_case name.
    pub name: Text,
    /// Path appended to the base URL.
    pub path: Text,
    /// HTTP method.
    pub method: Text,
    /// Whether requests carry the envelope's signature.
    pub signed: bool,
    /// Fields this operation adds after the envelope's common fields.
    pub common: List<CommonField>,
    /// JSON members of the response that hold its business fields, first present
    /// wins; empty when the business fields are the body's own members.
    pub response_members: List<Text>,
    /// Groups of request fields of which at least one must be given.
    pub one_of: List<List<Text>>,
    /// Business request fields in wire order.
    pub request: List<FieldDef>,
    /// Decoded response fields.
    pub response: List<FieldDef>,
    /// When the response means success.
    pub success: SuccessRule,
}

/// An inbound notification.
#[derive(Debug, Clone)]
pub struct Notification {
    /// Name.
    pub name: Text,
    /// How it arrives.
    pub body: BodyFormat,
    /// Where its business fields are.
    pub payload: Payload,
    /// Signature check, when signed.
    pub verification: Option<Verification>,
    /// The exact acknowledgement body.
    pub ack: Text,
    /// Decoded fields.
    pub fields: List<FieldDef>,
}

/// A field of a message.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// Wire name.
    pub name: Text,
    /// Value type.
    pub ty: FieldType,
    /// Must be present.
    pub required: bool,
    /// Maximum length in characters.
    pub max_length: Option<u32>,
    /// Integer sent as a JSON string.
    pub as_string: bool,
    /// Documented values; empty when any value is allowed.
    pub values: List<Text>,
    /// Members of an object, or of each item of a list.
    pub fields: List<FieldDef>,
}

/// Field value types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text.
    String,
    /// Whole number.
    Int,
    /// Money in 分.
    Fen,
    /// Money as decimal 元 text with two places (`0.01`); `Fen` in Rust.
    Yuan,
    /// Boolean.
    Bool,
    /// Nested object.
    Object,
    /// List.
    List,
    /// Any JSON.
    Json,
}

/// One piece of a `{name}` template (header templates, paths, response members).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'t> {
    /// Literal text.
    Text(&'t str),
    /// A `{name}` placeholder's name.
    Placeholder(&'t str),
    /// A `{` never closed, with the rest of the template.
    Unclosed(&'t str),
}

/// Splits a template into literal text and `{name}` placeholders, in order.
pub fn template_pieces(template: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        if start > 0 {
            pieces.push(Piece::Text(&rest[..start]));
        }
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            pieces.push(Piece::Unclosed(&rest[start..]));
            return pieces;
        };
        pieces.push(Piece::Placeholder(&after[..end]));
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    pieces
}
