//! Protocol descriptions: the intermediate representation between a provider's spec and
//! the runtime that speaks its wire protocol.
//!
//! The generator lowers a YAML spec into these types. Generated crates embed them as
//! `const` items (every list is a borrowed slice), the `paygen` command line builds them
//! at run time from the same spec (owned), and the runtime engine reads them either way.
//! Names and references are resolved: a signature recipe is stored where it is used.
//!
//! The leaf enums are also the spec's own words for the same things: feature `serde`
//! lets the generator's spec model deserialize them, and feature `schemars` describes
//! them in the spec's JSON Schema. The runtime needs neither.

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
    /// Whether the credential `name` is a key set: the credential of a verify key chosen
    /// by a received serial.
    pub fn is_key_set(&self, name: &str) -> bool {
        let checks = self.response.verification.iter();
        let checks = checks.chain(
            self.notifications
                .iter()
                .filter_map(|n| n.verification.as_ref()),
        );
        checks
            .flat_map(Verification::all_recipes)
            .any(|recipe| {
                matches!(&recipe.verify_key, Some(VerifyKey::BySerial { credential, .. }) if credential == name)
            })
    }

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

/// The body format of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum BodyFormat {
    /// A JSON object (`application/json`).
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `k=v&k=v` written and read as it is, not URL-encoded (the content type is still
    /// the form's); a value may not hold `&`.
    FormRaw,
    /// The URL query string (GET requests and notifications).
    Query,
    /// `<xml><name>value</name>...</xml>` with values as escaped text (WeChat Pay v2).
    Xml,
    /// Like `xml`, but text values are written in CDATA sections; received messages
    /// are read the same either way.
    // Numbers stay plain text, outside CDATA.
    XmlCdata,
}

impl BodyFormat {
    /// True for the XML formats.
    pub fn is_xml(self) -> bool {
        matches!(self, BodyFormat::Xml | BodyFormat::XmlCdata)
    }
}

/// An encoding of the payload's JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum PayloadEncoding {
    /// Standard base64 with padding.
    Base64,
    /// AES-256-ECB with PKCS#5 padding, then hex.
    Aes256EcbHex,
    /// The document's text itself, as a string field (Alipay's `biz_content`).
    Json,
    /// AES-256-ECB with PKCS#5 padding, then standard base64 (WeChat's `req_info`).
    Aes256EcbBase64,
    /// AES-256-GCM into a JSON object of base64 ciphertext-and-tag, nonce and associated
    /// data (WeChat Pay APIv3's notification `resource`).
    #[cfg_attr(feature = "serde", serde(rename = "aead_aes_256_gcm"))]
    AeadAes256Gcm,
    /// The document as a JSON object (not a string) in the body; what a signature over
    /// the field covers is its sorted compact text (members in byte order of their names
    /// at every depth, no whitespace, numbers as written).
    JsonObjectSorted,
}

impl PayloadEncoding {
    /// Whether the payload is encrypted (and so readable only with the key).
    pub fn is_encrypted(self) -> bool {
        matches!(
            self,
            Self::Aes256EcbHex | Self::Aes256EcbBase64 | Self::AeadAes256Gcm
        )
    }

    /// Whether decrypting also authenticates (an AEAD's tag): a payload that decrypts was
    /// written by a holder of the key, unchanged.
    pub fn is_authenticated(self) -> bool {
        matches!(self, Self::AeadAes256Gcm)
    }

    /// Whether the payload field's value is a JSON object rather than text.
    pub fn is_object(self) -> bool {
        matches!(self, Self::AeadAes256Gcm | Self::JsonObjectSorted)
    }
}

/// Where the parts of an AEAD payload object are, and the associated data it carries.
#[derive(Debug, Clone)]
pub struct AeadMembers {
    /// Member holding standard base64 of the ciphertext with the 16-byte tag appended.
    pub ciphertext: Text,
    /// Member holding the nonce as text; its UTF-8 bytes are the 96-bit nonce.
    pub nonce: Text,
    /// Member holding the associated data as text; absent is the same as empty.
    pub associated_data: Text,
    /// The associated data the message carries (WeChat Pay: `transaction`, `refund`):
    /// written when encoding and required when decoding; `None` writes it empty and
    /// accepts any.
    pub associated_data_value: Option<Text>,
}

impl AeadMembers {
    /// The member names WeChat Pay APIv3 uses, with no required associated data.
    pub const DEFAULT: AeadMembers = AeadMembers {
        ciphertext: Cow::Borrowed("ciphertext"),
        nonce: Cow::Borrowed("nonce"),
        associated_data: Cow::Borrowed("associated_data"),
        associated_data_value: None,
    };
}

/// How a cipher key is made from its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum KeyDerivation {
    /// The credential's bytes are the key.
    #[default]
    Raw,
    /// The 32 lowercase hex characters of MD5(credential) are the key (WeChat v2).
    Md5LowerHex,
}

/// The format of a payload's document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum InnerFormat {
    /// A JSON object.
    #[default]
    Json,
    /// `<root><name>value</name>...</root>` (WeChat's decrypted `req_info`).
    Xml,
}

/// Hex letter case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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
    /// The payload object's members, for an AEAD encoding (`None`: the defaults).
    pub aead: Option<AeadMembers>,
}

impl PayloadField {
    /// The members of an AEAD payload object: the spec's, else the defaults.
    pub fn aead_members(&self) -> &AeadMembers {
        self.aead.as_ref().unwrap_or(&AeadMembers::DEFAULT)
    }
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

/// An HTTP header a request always sends: a constant, or a value composed of parts
/// (`Basic base64({client_id}:{client_secret})`, `Bearer {token}`, an API key).
#[derive(Debug, Clone)]
pub struct Header {
    /// Header name.
    pub name: Text,
    /// The value's parts, joined by nothing: literals, credentials (secrets too: a
    /// header may carry one; the request's Debug then hides its value), and base64 or
    /// digests of parts.
    pub parts: List<TemplatePart>,
    /// Whether a part reads a secret credential, so that the value is never shown.
    pub sensitive: bool,
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
    /// Set by the caller per request (Alipay's `notify_url`): a field of each
    /// operation's request type, sent at the top level (never inside the payload) and
    /// signed like the other top-level fields; absent when optional and not given.
    Request,
}

/// A clock value's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum ClockFormat {
    /// Unix seconds.
    UnixSeconds,
    /// Unix milliseconds.
    UnixMillis,
    /// `yyyy-MM-dd HH:mm:ss` in the provider's UTC offset.
    DateTime,
    /// `yyyyMMddHHmmss` in the provider's UTC offset.
    Compact,
}

/// A request signature and where it goes.
#[derive(Debug, Clone)]
pub struct RequestSignature {
    /// How it is computed (when `choose_by` is given, the recipe static checks read, and
    /// the one a request field leaves when absent).
    pub recipe: Recipe,
    /// A recipe chosen by a credential's or a request field's value (WeChat Pay v2's
    /// `sign_type`).
    pub choose_by: Option<RecipeChoice>,
    /// Where it is written.
    pub output: SignatureOutput,
}

/// A recipe chosen among several by the value of one part: a credential, a request
/// field or a received field. Requests and received messages choose alike; what the
/// part is says where its value is read and what its absence means.
#[derive(Debug, Clone)]
pub struct RecipeChoice {
    /// What chooses.
    pub by: ChoicePart,
    /// Each accepted value and its recipe, in spec order.
    pub recipes: List<RecipeOption>,
}

/// The part whose value chooses a [`RecipeChoice`]'s recipe.
#[derive(Debug, Clone)]
pub enum ChoicePart {
    /// A credential's value (the merchant's setting): required, no fallback.
    Credential(Text),
    /// A top-level field of the request (signed with the rest), read by the client from
    /// the request it signs and by the provider's side from the request it received.
    /// Absent, the signature's own recipe applies (the provider's documented default).
    RequestField(Text),
    /// A signed top-level field of the received message (WeChat Pay v2 notifications'
    /// `sign_type`); every option is keyed, so the message picks among the spec's keyed
    /// recipes and the key still decides. Absent or empty: the recipe of a hex
    /// signature of one of `by_hex_length`'s lengths, else the message is refused.
    ReceivedField {
        /// The received field.
        field: Text,
        /// The fallback by the signature's form; empty: none.
        by_hex_length: List<HexLengthOption>,
    },
}

impl ChoicePart {
    /// The credential's or field's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Credential(name) | Self::RequestField(name) => name,
            Self::ReceivedField { field, .. } => field,
        }
    }

    /// The credential that chooses, for a [`ChoicePart::Credential`].
    pub fn credential(&self) -> Option<&str> {
        match self {
            Self::Credential(name) => Some(name),
            _ => None,
        }
    }
}

/// A recipe recognised by the length of its hex signature.
#[derive(Debug, Clone)]
pub struct HexLengthOption {
    /// The number of hex digits.
    pub length: u32,
    /// The recipe.
    pub recipe: Recipe,
}

/// One accepted value of a [`RecipeChoice`]'s part.
#[derive(Debug, Clone)]
pub struct RecipeOption {
    /// The credential's or field's value, compared exactly.
    pub value: Text,
    /// The recipe it chooses.
    pub recipe: Recipe,
}

impl Template {
    /// Whether every part can be read from a received message (literal, credential,
    /// header, body): a request's method, path, timestamp and nonce exist only when
    /// signing a request.
    pub fn reads_received(&self) -> bool {
        self.parts.iter().all(TemplatePart::reads_received)
    }

    /// The headers the template reads, in order (inside digests and base64 too).
    pub fn headers(&self) -> Vec<&str> {
        let mut names = Vec::new();
        for part in self.parts.iter() {
            part.walk(&mut |p| {
                if let TemplatePart::Header(name) = p {
                    names.push(name.as_ref());
                }
            });
        }
        names
    }
}

impl Recipe {
    /// Whether the recipe has no key at all (a bare digest): what it computes, anyone
    /// can, so a match is a checksum, never a signature.
    pub fn is_keyless(&self) -> bool {
        self.key_credential.is_none() && self.verify_key.is_none()
    }

    /// Whether a step of the digest chain is of `kind` (a signature, an HMAC).
    pub fn has_step(&self, kind: AlgorithmKind) -> bool {
        self.digests.iter().any(|s| s.algorithm.kind() == kind)
    }

    /// The public-key signature step's algorithm, when the recipe has one.
    pub fn signature_algorithm(&self) -> Option<DigestAlgorithm> {
        let mut steps = self.digests.iter().map(|s| s.algorithm);
        steps.find(|a| a.kind() == AlgorithmKind::PublicKey)
    }
}

impl Verification {
    /// Whether a recipe of this check joins canonical values by nothing, so that the
    /// signed string cannot be read back into fields: then only each field's declared
    /// format, checked on receipt, limits the other splits of the same text.
    pub fn cannot_be_read_back(&self) -> bool {
        let unreadable =
            |r: &Recipe| r.input == SignInput::Canonical && r.canonical.join.is_empty();
        self.all_recipes().any(unreadable)
    }

    /// The check's recipe and every recipe its `choose_by` can choose.
    pub fn all_recipes(&self) -> impl Iterator<Item = &Recipe> {
        std::iter::once(&self.recipe).chain(self.choose_by.iter().flat_map(|c| c.all_recipes()))
    }
}

impl RequestSignature {
    /// The signature's recipe and every recipe its `choose_by` can choose.
    pub fn all_recipes(&self) -> impl Iterator<Item = &Recipe> {
        std::iter::once(&self.recipe).chain(self.choose_by.iter().flat_map(|c| c.all_recipes()))
    }
}

impl RecipeChoice {
    /// The recipe of a hex signature of `signature`'s length, for a received field's
    /// fallback (`None` for other parts, or when no length matches).
    pub fn by_hex_length(&self, signature: &str) -> Option<&Recipe> {
        let ChoicePart::ReceivedField { by_hex_length, .. } = &self.by else {
            return None;
        };
        let hex = signature.bytes().all(|b| b.is_ascii_hexdigit());
        by_hex_length
            .iter()
            .find(|o| hex && o.length as usize == signature.len())
            .map(|o| &o.recipe)
    }

    /// Every recipe the choice can choose: its options' and its fallback's.
    pub fn all_recipes(&self) -> impl Iterator<Item = &Recipe> {
        let fallback = match &self.by {
            ChoicePart::ReceivedField { by_hex_length, .. } => &by_hex_length[..],
            _ => &[],
        };
        (self.recipes.iter().map(|o| &o.recipe)).chain(fallback.iter().map(|o| &o.recipe))
    }

    /// The recipe chosen by `value`, if it is one of the accepted values.
    pub fn choose(&self, value: &str) -> Option<&Recipe> {
        self.recipes
            .iter()
            .find(|o| o.value == value)
            .map(|o| &o.recipe)
    }

    /// The accepted values, in spec order, joined by `, `.
    pub fn values(&self) -> String {
        let values: Vec<&str> = self.recipes.iter().map(|o| o.value.as_ref()).collect();
        values.join(", ")
    }
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
    /// The signing secret: the credential placed in the string, the HMAC key or the
    /// private key; `None` when the recipe has no key (a bare digest).
    pub key_credential: Option<Text>,
    /// How the secret joins the string to sign.
    pub key_place: KeyPlace,
    /// Digest chain.
    pub digests: List<DigestStep>,
    /// Where the key that verifies received signatures comes from, when it differs
    /// from the signing key (the provider's RSA or SM2 public key).
    pub verify_key: Option<VerifyKey>,
    /// The other half of the RSA or SM2 key pair of `key_credential`, which the provider's side
    /// verifies with (Alipay `app_public_key` for `app_private_key`).
    pub key_pair: Option<Text>,
    /// The other half of the RSA or SM2 key pair of a `VerifyKey::Credential`, which the
    /// provider's side signs with (`alipay_private_key` for `alipay_public_key`).
    pub verify_key_pair: Option<Text>,
    /// The parts of the string to sign, for `SignInput::Template`.
    pub template: Template,
}

/// Where the public key that verifies a received signature (RSA, SM2) comes from. Each
/// source reads key material the same way: a public key (PEM, bare base64, SM2 hex) or
/// an X.509 certificate, whose SubjectPublicKeyInfo is the key.
#[derive(Debug, Clone)]
pub enum VerifyKey {
    /// The credential of this name holds the key or a certificate.
    Credential(Text),
    /// The key-set credential `credential` holds several keys, each under its id (a
    /// public key's given id, a certificate's serial number in upper-case hex); the
    /// received header `header` names the one that signed (WeChat Pay's
    /// `Wechatpay-Serial`).
    BySerial {
        /// The key-set credential.
        credential: Text,
        /// The received header naming the key.
        header: Text,
    },
    /// The message carries the signer's certificate, which must chain to a configured
    /// root before its key is used.
    Carried(CarriedCertificate),
}

impl VerifyKey {
    /// The credential that is the key itself, for a [`VerifyKey::Credential`].
    pub fn single_credential(&self) -> Option<&str> {
        match self {
            Self::Credential(name) => Some(name),
            Self::BySerial { .. } | Self::Carried(_) => None,
        }
    }
}

/// A certificate carried in a received message, and what it must chain to.
#[derive(Debug, Clone)]
pub struct CarriedCertificate {
    /// Where the message carries it (PEM, or base64 of its DER).
    pub from: CertificatePlace,
    /// The credential holding the trusted root certificates (PEM, one or more).
    pub roots: Text,
    /// The credential holding intermediate certificates (PEM, one or more), if any.
    pub intermediates: Option<Text>,
    /// The common name the carried certificate's subject must have, if any.
    pub subject_cn: Option<Text>,
}

/// Where a received message carries a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificatePlace {
    /// A top-level field of the message.
    Field(Text),
    /// A received header.
    Header(Text),
}

/// What a signature is computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum SignInput {
    /// The canonical `k=v&...` string of the envelope's top-level fields.
    Canonical,
    /// The text of the envelope's payload field (e.g. the base64 `req`), as sent.
    PayloadField,
    /// The raw bytes of the HTTP body.
    Body,
    /// Named parts of the request (method, path, timestamp, nonce, body), joined.
    Template,
    /// The raw text of the response's business member (`response.members`), exactly
    /// as received (Alipay).
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
    /// Pairs `k=v`, or the values alone.
    pub form: CanonicalForm,
    /// The fields in this order, only these; empty means every field, sorted by name.
    pub order: List<Text>,
    /// How each value is written.
    pub value_encoding: ValueEncoding,
    /// What decides the order when `order` is empty: the names or the values.
    pub sort: CanonicalSort,
    /// Only these fields are signed, in the sort's order; empty means every field.
    pub include: List<Text>,
    /// How a nested value (an object or a list) is written, or whether it is left out.
    pub nested: NestedValues,
}

impl Canonical {
    /// The rules a recipe has when its spec says none: every non-empty field as `k=v`,
    /// sorted by name, joined by `&`, raw.
    pub const DEFAULT: Canonical = Canonical {
        exclude: Cow::Borrowed(&[]),
        skip_empty: true,
        pair_separator: Cow::Borrowed("="),
        join: Cow::Borrowed("&"),
        form: CanonicalForm::Pairs,
        order: Cow::Borrowed(&[]),
        value_encoding: ValueEncoding::Raw,
        sort: CanonicalSort::Name,
        include: Cow::Borrowed(&[]),
        nested: NestedValues::Json,
    };

    /// Whether the field `name` is part of the string (before the empty-value rule).
    pub fn covers(&self, name: &str) -> bool {
        let listed = self.order.is_empty() || self.order.iter().any(|n| n == name);
        let included = self.include.is_empty() || self.include.iter().any(|n| n == name);
        listed && included && !self.exclude.iter().any(|n| n == name)
    }
}

/// What orders the fields of a canonical string that has no documented `order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum CanonicalSort {
    /// By name, in byte (ASCII) order.
    #[default]
    Name,
    /// By the value as written into the string, in byte order; equal values by name
    /// (WeChat's `sort([token, timestamp, nonce])`).
    Value,
}

/// How a canonical string writes a nested value (a JSON object or list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum NestedValues {
    /// Its compact JSON text: as serialized when sending, exactly as received when
    /// checking.
    #[default]
    Json,
    /// Its compact JSON text with every object's members sorted by name, at every depth
    /// (Java's `JSON.toJSONString(new TreeMap(..))`).
    SortedJson,
    /// Left out: only top-level scalars are signed.
    Omit,
}

/// The shape of a canonical string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum CanonicalForm {
    /// `name=value` pairs.
    #[default]
    Pairs,
    /// The values alone.
    Values,
}

/// How a value is written into a canonical string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum ValueEncoding {
    /// As it is.
    #[default]
    Raw,
    /// `application/x-www-form-urlencoded`: space as `+` (Java's `URLEncoder`).
    Form,
    /// RFC 3986: all but `A-Za-z0-9-._~` as `%XX`, space as `%20`.
    Percent,
}

/// How the secret is added.
#[derive(Debug, Clone)]
pub enum KeyPlace {
    /// Appended after this prefix.
    Append(Text),
    /// Added as a sorted field of this name.
    SortedField(Text),
    /// Not in the string: the key is only the HMAC or private key.
    Unplaced,
}

/// A string to sign made of named parts of a request.
#[derive(Debug, Clone)]
pub struct Template {
    /// The parts, in order.
    pub parts: List<TemplatePart>,
    /// Between two parts.
    pub join: Text,
    /// The separator also follows the last part (one part per line, each ended by `\n`).
    pub trailing: bool,
}

/// One part of a template string to sign.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", deny_unknown_fields)
)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum TemplatePart {
    /// The HTTP method.
    Method,
    /// The URL's path with its query.
    // E.g. `/v3/pay/transactions/native?a=1`.
    Path,
    /// The request time in this format; also `{timestamp}` in the header template.
    Timestamp(ClockFormat),
    /// A nonce of this many characters; also `{nonce}` in the header template.
    Nonce(u8),
    /// The message body: the request's (empty for a GET), or the received one.
    Body,
    /// Fixed text.
    Literal(Text),
    /// A credential's value (an app id, a certificate serial); never a secret, since the
    /// string to sign is shown in explanations.
    Credential(Text),
    /// A header's value: a constant header the request sends, or one the received
    /// message carries (WeChat Pay v3's `Wechatpay-Timestamp`).
    Header(Text),
    /// A parameter of a received header of auth parameters (`nonce_str` of
    /// `Authorization: SCHEME mchid="1900",nonce_str="abc",…`), read strictly against
    /// the check's `header_template`; when the provider's side signs, the value it
    /// writes into that parameter.
    HeaderParam(HeaderParam),
    /// The lowercase hex digest of the body with this hash (`hex(SHA-256(body))`);
    /// the same as `digest: { hash, of: [body] }`.
    BodyDigest(DigestAlgorithm),
    /// The lowercase hex digest of other parts, joined by nothing.
    Digest(PartDigest),
    /// The standard base64 (padded) of other parts, joined by nothing
    /// (`base64({client_id}:{client_secret})` of HTTP Basic authentication).
    Base64(List<TemplatePart>),
}

/// A parameter of a header of auth parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct HeaderParam {
    /// The header (`Authorization`), matched case-insensitively.
    pub header: Text,
    /// The parameter's name, compared exactly (`nonce_str`).
    pub param: Text,
}

/// A digest of template parts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PartDigest {
    /// A plain hash (md5, sha1, sha256, sha512, sm3).
    pub hash: DigestAlgorithm,
    /// The parts digested, joined by nothing.
    pub of: List<TemplatePart>,
}

impl TemplatePart {
    /// Whether the part, and every part inside it, can be read from a received message.
    pub fn reads_received(&self) -> bool {
        match self {
            TemplatePart::Body
            | TemplatePart::Literal(_)
            | TemplatePart::Credential(_)
            | TemplatePart::Header(_)
            | TemplatePart::HeaderParam(_)
            | TemplatePart::BodyDigest(_) => true,
            TemplatePart::Digest(PartDigest { of: parts, .. }) | TemplatePart::Base64(parts) => {
                parts.iter().all(TemplatePart::reads_received)
            }
            TemplatePart::Method
            | TemplatePart::Path
            | TemplatePart::Timestamp(_)
            | TemplatePart::Nonce(_) => false,
        }
    }

    /// This part and every part inside it, depth first.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a TemplatePart)) {
        visit(self);
        if let TemplatePart::Digest(PartDigest { of: parts, .. }) | TemplatePart::Base64(parts) =
            self
        {
            for part in parts.iter() {
                part.walk(visit);
            }
        }
    }
}

/// One digest of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestStep {
    /// Hash function, HMAC or public-key signature.
    pub algorithm: DigestAlgorithm,
    /// How its bytes become the step's text.
    pub output: DigestOutput,
}

/// How a step's bytes are written as text.
// `Hex` and `Base64` are the forms every spec used before `Encoded` existed; they stay
// variants of their own so that the tables generated for those specs do not change.
// [`DigestOutput::from_form`] writes each form one way only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestOutput {
    /// Hex in this case.
    Hex(HexCase),
    /// Standard base64 with padding (RFC 4648 section 4).
    Base64,
    /// Any other combination of text encoding and signature form.
    Encoded(OutputForm),
}

/// A step's output as a combination: the text encoding, and for an SM2 signature the
/// form of its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputForm {
    /// How the bytes are written as text.
    pub text: TextEncoding,
    /// Which bytes an SM2 signature is: DER or raw `r || s`.
    pub signature: SignatureForm,
}

/// How bytes are written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// Hex in this case.
    Hex(HexCase),
    /// Base64 in this alphabet, with or without `=` padding.
    Base64 {
        /// Standard (`+/`) or URL-safe (`-_`) alphabet.
        alphabet: Base64Alphabet,
        /// Whether the text ends with `=` padding to a multiple of four.
        padded: bool,
    },
}

/// A base64 alphabet (RFC 4648).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum Base64Alphabet {
    /// `A-Z a-z 0-9 + /` (RFC 4648 section 4).
    #[default]
    Standard,
    /// `A-Z a-z 0-9 - _`, safe in URLs and file names (RFC 4648 section 5).
    Url,
}

/// The bytes of an elliptic-curve (SM2) signature; an RSA signature has one form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum SignatureForm {
    /// ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }`, what Java's `SM3withSM2` and
    /// OpenSSL write.
    #[default]
    Der,
    /// `r || s`, each 32 bytes big-endian (64 bytes), what some SDKs write.
    Raw,
}

impl DigestOutput {
    /// The output as a combination.
    pub fn form(self) -> OutputForm {
        let text = match self {
            Self::Hex(case) => TextEncoding::Hex(case),
            Self::Base64 => TextEncoding::Base64 {
                alphabet: Base64Alphabet::Standard,
                padded: true,
            },
            Self::Encoded(form) => return form,
        };
        OutputForm {
            text,
            signature: SignatureForm::Der,
        }
    }

    /// The output of a combination, written the one way the IR writes it.
    pub fn from_form(form: OutputForm) -> Self {
        let standard = TextEncoding::Base64 {
            alphabet: Base64Alphabet::Standard,
            padded: true,
        };
        match (form.text, form.signature) {
            (TextEncoding::Hex(case), SignatureForm::Der) => Self::Hex(case),
            (text, SignatureForm::Der) if text == standard => Self::Base64,
            _ => Self::Encoded(form),
        }
    }

    /// Whether the text is hex, whose letter case carries no information.
    pub fn is_hex(self) -> bool {
        matches!(self.form().text, TextEncoding::Hex(_))
    }
}

/// A supported hash function, HMAC or signature.
// Each is a combination of a kind ([`AlgorithmKind`]), a hash ([`HashFunction`]) and,
// for signatures, a scheme ([`SignatureScheme`]): the runtime works on those parts, so
// a new combination is a line in the tables below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum DigestAlgorithm {
    /// MD5, 16 bytes.
    Md5,
    /// SHA-1, 20 bytes.
    Sha1,
    /// SHA-256, 32 bytes.
    Sha256,
    /// SHA-512, 64 bytes.
    Sha512,
    /// SM3 (GB/T 32905-2016), 32 bytes.
    Sm3,
    /// HMAC-MD5 keyed with the recipe's `key`.
    HmacMd5,
    /// HMAC-SHA256 keyed with the recipe's `key`.
    HmacSha256,
    /// HMAC-SHA512 keyed with the recipe's `key`.
    HmacSha512,
    /// HMAC-SM3 (GM/T 0042-2015) keyed with the recipe's `key`.
    HmacSm3,
    /// RSA PKCS#1 v1.5 with SHA-256 (`RSA2`): signs with `key`, verifies with `verify_key`.
    // Java's `SHA256withRSA`.
    Rsa2,
    /// RSA PKCS#1 v1.5 with SHA-1 (`RSA`): signs with `key`, verifies with `verify_key`.
    // Java's `SHA1withRSA`.
    Rsa,
    /// SM2 signature with SM3 (GB/T 32918.2), user id `1234567812345678`: signs with
    /// `key`, verifies with `verify_key`.
    // Java's (Bouncy Castle's) `SM3withSM2`.
    Sm2Sm3,
}

/// What a step needs besides its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlgorithmKind {
    /// A plain hash.
    Hash,
    /// An HMAC: the recipe's key.
    Hmac,
    /// A public-key signature (RSA, SM2): a private key to sign, a public key to verify.
    PublicKey,
}

/// The hash function inside an algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashFunction {
    /// MD5.
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
    /// SM3.
    Sm3,
}

/// The signature scheme of a public-key algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    /// RSA PKCS#1 v1.5.
    RsaPkcs1,
    /// SM2 (GB/T 32918.2) with the default user id.
    Sm2,
}

impl DigestAlgorithm {
    /// What the algorithm needs.
    pub fn kind(self) -> AlgorithmKind {
        match self {
            Self::Md5 | Self::Sha1 | Self::Sha256 | Self::Sha512 | Self::Sm3 => AlgorithmKind::Hash,
            Self::HmacMd5 | Self::HmacSha256 | Self::HmacSha512 | Self::HmacSm3 => {
                AlgorithmKind::Hmac
            }
            Self::Rsa2 | Self::Rsa | Self::Sm2Sm3 => AlgorithmKind::PublicKey,
        }
    }

    /// The hash it computes, keys or signs.
    pub fn hash(self) -> HashFunction {
        match self {
            Self::Md5 | Self::HmacMd5 => HashFunction::Md5,
            Self::Sha1 | Self::Rsa => HashFunction::Sha1,
            Self::Sha256 | Self::HmacSha256 | Self::Rsa2 => HashFunction::Sha256,
            Self::Sha512 | Self::HmacSha512 => HashFunction::Sha512,
            Self::Sm3 | Self::HmacSm3 | Self::Sm2Sm3 => HashFunction::Sm3,
        }
    }

    /// The signature scheme, for a public-key algorithm.
    pub fn scheme(self) -> Option<SignatureScheme> {
        match self {
            Self::Rsa2 | Self::Rsa => Some(SignatureScheme::RsaPkcs1),
            Self::Sm2Sm3 => Some(SignatureScheme::Sm2),
            _ => None,
        }
    }

    /// The spec's name for it (`hmac_sha256`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
            Self::Sm3 => "sm3",
            Self::HmacMd5 => "hmac_md5",
            Self::HmacSha256 => "hmac_sha256",
            Self::HmacSha512 => "hmac_sha512",
            Self::HmacSm3 => "hmac_sm3",
            Self::Rsa2 => "rsa2",
            Self::Rsa => "rsa",
            Self::Sm2Sm3 => "sm2_sm3",
        }
    }
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
    /// Members that carry refusals only (Alipay `error_response`): a reply read from one
    /// of them that passes the success rule is refused, since the member's name is not
    /// signed and a genuine success could be relabelled.
    pub refusal_members: List<Text>,
}

/// A check of a received signature.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The recipe, run over raw received values (when `choose_by` is given, the recipe
    /// static checks read; the one used is chosen by the choice's part).
    pub recipe: Recipe,
    /// A recipe chosen by a credential's value (WeChat Pay v2's `sign_type` for
    /// responses) or by a received field (its notifications' `sign_type`).
    pub choose_by: Option<RecipeChoice>,
    /// The field carrying the signature; empty when `header` carries it.
    pub field: Text,
    /// The JSON object member that holds both the signature field and the fields it
    /// signs (`data` for `field: data.sign`); `None` when they are top-level fields.
    pub scope: Option<Text>,
    /// The header carrying the signature instead of a field.
    pub header: Option<Text>,
    /// With `header`: the header's value is a list of auth parameters read strictly
    /// against this template (`SCHEME mchid="{mchid}",nonce_str="{nonce}",
    /// signature="{signature}"`); `{signature}` is the signature, a `{<credential>}` must
    /// equal the credential, and `header_param` template parts read the others.
    pub header_template: Option<Text>,
    /// Shapes of reply the document lets go unsigned; such a reply can only be an error.
    pub unsigned_error_when: List<UnsignedErrorReply>,
    /// What happens to received fields the signature does not cover.
    pub unsigned_fields: UnsignedFields,
    /// A signed timestamp that must be close to the receiver's clock.
    pub freshness: Option<Freshness>,
    /// A signed nonce; a receiver with a seen-store rejects a value seen before.
    pub nonce: Option<SignedValue>,
}

/// A shape of reply that a provider sends unsigned.
// Such a reply can only mean failure: an unsigned reply that claims success is a
// signature error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum UnsignedErrorReply {
    /// The signature field is present and empty.
    // mpgateway, before it knows the merchant.
    SignatureEmpty,
    /// The signature field is absent.
    // wantu's `SIGN_ERROR`.
    SignatureAbsent,
    /// The payload field is absent.
    // mct1 signs only replies that carry `data`.
    PayloadAbsent,
}

/// The fate of a received field outside the signed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum UnsignedFields {
    /// The message is rejected.
    #[default]
    Reject,
    /// The field is dropped before decoding.
    Ignore,
}

/// A freshness window over a signed timestamp.
#[derive(Debug, Clone)]
pub struct Freshness {
    /// Where the timestamp is read.
    pub source: SignedValue,
    /// How the timestamp is written.
    pub format: ClockFormat,
    /// Largest accepted distance from the receiver's clock, either way.
    pub max_skew_seconds: u32,
}

/// Where a received message carries a value its signature covers that a check reads
/// besides the signature (a timestamp, a nonce): the same places template parts read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedValue {
    /// A top-level field of the body, as received.
    Field(Text),
    /// A received header (matched case-insensitively), one a `header` template part of
    /// the check's recipe signs.
    Header(Text),
    /// A parameter of the check's header of auth parameters, one a `header_param`
    /// template part of the check's recipe signs.
    HeaderParam(HeaderParam),
}

impl SignedValue {
    /// The field's name, when the value is a body field.
    pub fn field(&self) -> Option<&str> {
        match self {
            SignedValue::Field(name) => Some(name),
            SignedValue::Header(_) | SignedValue::HeaderParam(_) => None,
        }
    }

    /// Whether `recipe` signs this value in a template part (a header's name compared
    /// case-insensitively, a parameter's exactly), inside digests and base64 too.
    pub fn signed_by_template(&self, recipe: &Recipe) -> bool {
        recipe.input == SignInput::Template && self.signed_by_parts(&recipe.template.parts)
    }

    /// Whether a template of `parts` signs this value (see
    /// [`signed_by_template`](Self::signed_by_template)).
    pub fn signed_by_parts(&self, parts: &[TemplatePart]) -> bool {
        let mut found = false;
        for part in parts {
            part.walk(&mut |p| {
                found |= match (p, self) {
                    (TemplatePart::Header(a), SignedValue::Header(b)) => a.eq_ignore_ascii_case(b),
                    (TemplatePart::HeaderParam(a), SignedValue::HeaderParam(b)) => {
                        a.header.eq_ignore_ascii_case(&b.header) && a.param == b.param
                    }
                    _ => false,
                };
            });
        }
        found
    }
}

impl std::fmt::Display for SignedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignedValue::Field(name) => write!(f, "field `{name}`"),
            SignedValue::Header(name) => write!(f, "header `{name}`"),
            SignedValue::HeaderParam(HeaderParam { header, param }) => {
                write!(f, "parameter `{param}` of header `{header}`")
            }
        }
    }
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
    /// Dotted path of a field detailing the message (wantu's `return_desc`: which
    /// parameter is missing), appended to it where present.
    pub detail: Option<Text>,
    /// Further checks that must also pass.
    pub and: List<SuccessRule>,
    /// Alternatives to this rule's own check (`field` in `equals`): when it fails, the
    /// reply is still a success if one of them passes. For a refusal code the document
    /// says reaches the call's goal (WeChat Pay v2 closeorder's `err_code` ORDERNOTEXIST,
    /// 不需要关单): the caller gets the typed reply, code included, not an error.
    pub or: List<SuccessRule>,
    /// HTTP statuses that mean success (WeChat Pay APIv3: 200 with a body, 204 without);
    /// empty: every 2xx reply is judged by its fields. With statuses, the status decides:
    /// a listed one is success whatever the body, any other whose body decodes is a
    /// refusal whose code is `field`'s value.
    pub http_status: List<u16>,
}

impl SuccessRule {
    /// Whether the HTTP status, not a field, decides success.
    pub fn by_status(&self) -> bool {
        !self.http_status.is_empty()
    }
}

/// What a transport is told about the request it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo<'a> {
    /// The provider's spec name, e.g. `shouqianba`.
    pub provider: &'a str,
    /// The operation's name, e.g. `pay`.
    pub operation: &'a str,
    /// Whether the request may move money: a transport must never resend it.
    pub moves_money: bool,
}

impl Operation {
    /// What a transport is told about this operation of `provider`.
    pub fn info<'a>(&'a self, provider: &'a Provider) -> OperationInfo<'a> {
        OperationInfo {
            provider: &provider.name,
            operation: &self.name,
            moves_money: self.moves_money,
        }
    }
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
    /// Whether the operation may move money (pay, refund, cancel): never resent.
    pub moves_money: bool,
    /// Fields this operation adds after the envelope's common fields.
    pub common: List<CommonField>,
    /// Constant headers this operation sends after the envelope's, in order.
    pub headers: List<Header>,
    /// JSON members of the response that hold its business fields, first present
    /// wins; empty when the business fields are the body's own members.
    pub response_members: List<Text>,
    /// Groups of request fields of which at least one must be given.
    pub one_of: List<List<Text>>,
    /// Rules the document states over request fields beyond the table's own columns.
    pub rules: List<FieldRule>,
    /// Business request fields in wire order.
    pub request: List<FieldDef>,
    /// Decoded response fields, where a spec is lowered at run time (sandbox, CLI);
    /// empty in generated crates, whose typed response structs carry them.
    pub response: List<FieldDef>,
    /// When the response means success.
    pub success: SuccessRule,
    /// What the documented codes of the response mean, where the document says.
    pub codes: List<CodeMeaning>,
    /// Bounds the document sets on fields of a successful reply (`Range` rules only),
    /// checked on receipt.
    pub reply_rules: List<FieldRule>,
    /// When a successful reply means the work is done; without it, every success does.
    pub done_when: Option<DoneWhen>,
}

/// A success the document says is only accepted, not done, unless a reply field says
/// so (Alipay's refund: `code=10000，仅代表本次退款请求成功，不代表退款成功`, done only
/// with `fund_change=Y`).
#[derive(Debug, Clone)]
pub struct DoneWhen {
    /// Dotted path of the deciding reply field.
    pub field: Text,
    /// Its values, as received text, that mean done; any other value, or none, leaves
    /// the reply unconfirmed.
    pub equals: List<Text>,
    /// The operation that confirms an unconfirmed reply (a refund query).
    pub confirm_with: Text,
}

/// A rule over request fields, checked before anything is sent (and by a provider's
/// side on receipt), or a change the runtime makes to a field's value before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldRule {
    /// `field` = the sum of `plus` minus the sum of `minus`, all whole numbers; an
    /// absent field counts as 0.
    Sum {
        /// The field that must equal the sum.
        field: Text,
        /// Fields added.
        plus: List<Text>,
        /// Fields subtracted.
        minus: List<Text>,
    },
    /// `field` is required when field `when` has one of the values `equals`.
    RequiredWhen {
        /// The conditionally required field.
        field: Text,
        /// The deciding field.
        when: Text,
        /// Values of `when`, as sent text, that make `field` required.
        equals: List<Text>,
    },
    /// `field`, a whole number or an amount, lies within the bounds given.
    Range {
        /// The field.
        field: Text,
        /// Smallest value allowed (in 分 for an amount).
        min: Option<i64>,
        /// Largest value allowed (in 分 for an amount).
        max: Option<i64>,
        /// The field is written in 元 (`0.01`), its bounds in 分.
        yuan: bool,
    },
    /// Every character of `field` is in `charset`.
    Charset {
        /// The field.
        field: Text,
        /// The characters allowed.
        charset: Charset,
    },
    /// `field` is sent as the lowercase hex SHA1 of the value given (a password the
    /// document wants hashed); applied when the fields are built, not a check.
    Sha1Hex {
        /// The field.
        field: Text,
    },
}

/// A set of characters a string field is limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum Charset {
    /// ASCII digits `0-9`.
    Digits,
    /// ASCII digits and letters (`只允许使用数字、字母`).
    Alphanumeric,
}

impl Charset {
    /// Whether `c` is in the set.
    pub fn allows(self, c: char) -> bool {
        match self {
            Charset::Digits => c.is_ascii_digit(),
            Charset::Alphanumeric => c.is_ascii_alphanumeric(),
        }
    }

    /// The set in words, for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Charset::Digits => "digits",
            Charset::Alphanumeric => "ASCII digits and letters",
        }
    }
}

/// What one documented code of a response field means for the operation's outcome.
#[derive(Debug, Clone)]
pub struct CodeMeaning {
    /// Dotted path of the code field in the decoded response.
    pub field: Text,
    /// The code as received text.
    pub value: Text,
    /// What it means.
    pub outcome: CodeOutcome,
}

impl CodeMeaning {
    /// A meaning over static text, as generated tables write it: one line per code.
    pub const fn new(field: &'static str, value: &'static str, outcome: CodeOutcome) -> Self {
        CodeMeaning {
            field: Cow::Borrowed(field),
            value: Cow::Borrowed(value),
            outcome,
        }
    }
}

/// What a documented code means for the operation's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum CodeOutcome {
    /// The operation succeeded.
    Success,
    /// It failed and changed nothing.
    // Money goes back to the payer, if any moved.
    Failed,
    /// It failed, changed nothing, and may be sent again as it is.
    Retryable,
    /// It is still going on: query.
    // E.g. the payer has not confirmed yet.
    InProgress,
    /// It may or may not have happened: query before acting.
    Unknown,
    /// Accepted but not yet done (a refund request taken, its money not yet moved):
    /// confirm with the operation's `done_when` query before counting it done.
    Unconfirmed,
}

/// What a reply means for the payment being settled (a pay-poll-cancel step's reading
/// of the unified status, as told to a settle observer and kept in a payment journal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleVerdict {
    /// Paid (pay, query).
    Paid,
    /// Failed, no money stays with the merchant (pay, query, cancel).
    Failed,
    /// Not decided yet: keep querying (pay, query).
    InProgress,
    /// Stop: a person has to find out (pay, query, cancel).
    Attention,
    /// The order was cancelled, money back to the payer (cancel).
    Cancelled,
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
    /// The exact acknowledgement body, or its template when `ack_template` is set.
    pub ack: Text,
    /// The ack names notification fields as `{name}`, each replaced by the received
    /// field's text (`RECV_ORD_ID_{req_seq_id}`).
    pub ack_template: bool,
    /// Fields naming the event, for recognising a redelivery (empty: the nonce field,
    /// else every verified field).
    pub event_key: List<Text>,
    /// Decoded fields, where a spec is lowered at run time (sandbox, CLI); in generated
    /// crates only for a notification protected by encryption alone, whose decrypted
    /// fields the runtime checks against their formats (the typed struct carries the rest).
    pub fields: List<FieldDef>,
    /// The signed query that confirms a notification the protocol does not sign.
    pub confirm_with: Option<Confirmation>,
}

/// A signed query that confirms what an unsigned (only encrypted) notification says:
/// the query is sent with fields taken from the notification, and its verified reply
/// must agree with the notification on the fields listed.
#[derive(Debug, Clone)]
pub struct Confirmation {
    /// The operation that queries (WeChat Pay v2 `refundquery`).
    pub operation: Text,
    /// Request fields of the query, each filled from a notification field.
    pub request: List<FieldPair>,
    /// Reply fields that must equal a notification field, as received text.
    pub agree: List<FieldPair>,
}

/// A field of another message paired with a field of the notification.
#[derive(Debug, Clone)]
pub struct FieldPair {
    /// The query's request field, or the dotted path of its reply field.
    pub field: Text,
    /// The notification's field.
    pub notification: Text,
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
    /// Minimum length in characters of a present value (`长度8-32位`: 8).
    pub min_length: Option<u32>,
    /// Integer sent as a JSON string.
    pub as_string: bool,
    /// Documented values; empty when any value is allowed.
    pub values: List<Text>,
    /// Members of an object, or of each item of a list.
    pub fields: List<FieldDef>,
}

impl FieldDef {
    /// An optional text field with no other rule, unnamed: what generated field tables
    /// start each field from, writing only what differs
    /// (`FieldDef { name: .., required: true, ..FieldDef::TEXT }`).
    pub const TEXT: FieldDef = FieldDef {
        name: Cow::Borrowed(""),
        ty: FieldType::String,
        required: false,
        max_length: None,
        min_length: None,
        as_string: false,
        values: Cow::Borrowed(&[]),
        fields: Cow::Borrowed(&[]),
    };
}

/// A field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum FieldType {
    /// Text.
    String,
    /// A whole number.
    Int,
    /// An amount of money in 分 (integer minor units).
    Fen,
    /// An amount of money written as decimal 元 with two places (`0.01`); `Fen` in Rust.
    Yuan,
    /// `true` or `false`.
    Bool,
    /// A nested object with `fields`.
    Object,
    /// A list; of objects with `fields` when given.
    List,
    /// Any JSON value, passed through as received.
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

/// A header template of auth parameters (RFC 7235 §2.1's `auth-scheme 1*SP auth-param
/// *( "," auth-param )` with quoted values), each value one placeholder:
/// `WECHATPAY2-SHA256-RSA2048 mchid="{mchid}",nonce_str="{nonce}",signature="{signature}"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamTemplate<'t> {
    /// The scheme, compared exactly.
    pub scheme: &'t str,
    /// The parameters, in the template's order.
    pub params: Vec<ParamSlot<'t>>,
}

/// One parameter of a [`ParamTemplate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSlot<'t> {
    /// The parameter's name (`nonce_str`).
    pub name: &'t str,
    /// The placeholder its value is (`nonce` of `"{nonce}"`).
    pub placeholder: &'t str,
}

/// Whether `c` may be in an HTTP token (RFC 7230 `tchar`).
pub fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

impl<'t> ParamTemplate<'t> {
    /// Reads a template of this shape; `Err` says what breaks it.
    pub fn parse(template: &'t str) -> Result<Self, String> {
        let (scheme, rest) = template
            .split_once(' ')
            .ok_or("expected `SCHEME name=\"{placeholder}\",…`: no space after the scheme")?;
        if scheme.is_empty() || !scheme.chars().all(is_tchar) {
            return Err(format!("scheme `{scheme}` is not an HTTP token"));
        }
        let mut params: Vec<ParamSlot<'t>> = Vec::new();
        for param in rest.split(',') {
            let (name, value) = param
                .split_once('=')
                .ok_or_else(|| format!("parameter `{param}` has no `=`"))?;
            if name.is_empty() || !name.chars().all(is_tchar) {
                return Err(format!("parameter name `{name}` is not an HTTP token"));
            }
            let placeholder = value
                .strip_prefix("\"{")
                .and_then(|v| v.strip_suffix("}\""))
                .filter(|p| !p.is_empty() && !p.contains(['{', '}', '"']))
                .ok_or_else(|| {
                    format!("parameter `{name}`'s value `{value}` is not one quoted placeholder (`\"{{name}}\"`)")
                })?;
            if params.iter().any(|p| p.name == name) {
                return Err(format!("parameter `{name}` is given twice"));
            }
            if params.iter().any(|p| p.placeholder == placeholder) {
                return Err(format!("placeholder `{{{placeholder}}}` is given twice"));
            }
            params.push(ParamSlot { name, placeholder });
        }
        if !params.iter().any(|p| p.placeholder == "signature") {
            return Err("no parameter holds `{signature}`".into());
        }
        Ok(Self { scheme, params })
    }

    /// The parameter whose value is `placeholder`.
    pub fn param_of(&self, placeholder: &str) -> Option<&'t str> {
        let slot = self.params.iter().find(|p| p.placeholder == placeholder)?;
        Some(slot.name)
    }
}
/// How a provider maps onto paygen's one payment model (the spec's `gateway:`): which
/// operation plays each role, how its request is filled from the model, what its reply
/// and notifications mean in the model's terms, and how an uncertain payment settles.
#[derive(Debug, Clone)]
pub struct GatewayMap {
    /// The roles the provider has; a role not listed is not supported.
    pub roles: List<GatewayRole>,
    /// Notifications read as payment events.
    pub notifications: List<GatewayNotification>,
    /// Pay-poll-cancel: how long to query an uncertain payment and how to end it
    /// (`None` for a provider without pay by code).
    pub settle: Option<GatewaySettle>,
}

impl GatewayMap {
    /// The mapping of `role`, when the provider has it.
    pub fn role(&self, role: GatewayRoleKind) -> Option<&GatewayRole> {
        self.roles.iter().find(|r| r.role == role)
    }
}

/// A role of the payment model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum GatewayRoleKind {
    /// Pay by code: the merchant scans the buyer's code.
    Pay,
    /// The buyer scans a code or is redirected to pay.
    Precreate,
    /// Reads an order's state.
    Query,
    /// Refunds (part of) a paid order.
    Refund,
    /// Reads a refund's state.
    RefundQuery,
    /// Reverses an order, paid or not (撤销).
    Cancel,
    /// Closes an unpaid order (关单).
    Close,
}

impl GatewayRoleKind {
    /// Every role, in the model's order.
    pub const ALL: [GatewayRoleKind; 7] = [
        GatewayRoleKind::Pay,
        GatewayRoleKind::Precreate,
        GatewayRoleKind::Query,
        GatewayRoleKind::Refund,
        GatewayRoleKind::RefundQuery,
        GatewayRoleKind::Cancel,
        GatewayRoleKind::Close,
    ];

    /// The role's name as the spec writes it.
    pub fn name(self) -> &'static str {
        match self {
            GatewayRoleKind::Pay => "pay",
            GatewayRoleKind::Precreate => "precreate",
            GatewayRoleKind::Query => "query",
            GatewayRoleKind::Refund => "refund",
            GatewayRoleKind::RefundQuery => "refund_query",
            GatewayRoleKind::Cancel => "cancel",
            GatewayRoleKind::Close => "close",
        }
    }
}

/// One role's operation and how its request and reply map onto the model.
#[derive(Debug, Clone)]
pub struct GatewayRole {
    /// The role.
    pub role: GatewayRoleKind,
    /// The operation that plays it.
    pub operation: Text,
    /// Request fields filled from the model's request.
    pub fields: List<ModelInputField>,
    /// Request fields with a fixed value (a trade type, a documented constant); a
    /// caller's extra field of the same name replaces it.
    pub set: List<FixedField>,
    /// Reply fields read into the model's result.
    pub results: List<ModelOutputField>,
    /// What reply values mean, first match wins (evaluated on refusals too, so a
    /// documented "buyer is paying" refusal reads as pending).
    pub status: List<StatusRule>,
    /// The status of a successful reply no rule matched.
    pub on_success: Option<StatusKind>,
}

/// A request field filled from one input of the model.
#[derive(Debug, Clone)]
pub struct ModelInputField {
    /// The model's input.
    pub input: ModelInput,
    /// Dotted path of the request field.
    pub field: Text,
}

/// A request field with a fixed value.
#[derive(Debug, Clone)]
pub struct FixedField {
    /// Dotted path of the request field.
    pub field: Text,
    /// Its value as text (numbers as their digits).
    pub value: Text,
}

/// A reply or notification field read into one output of the model.
#[derive(Debug, Clone)]
pub struct ModelOutputField {
    /// The model's output.
    pub output: ModelOutput,
    /// Dotted path of the received field.
    pub field: Text,
}

/// An input of the payment model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum ModelInput {
    /// The order's amount in 分 (a `fen`, `yuan` or `int` field).
    Amount,
    /// The merchant's order number.
    OrderNo,
    /// What is sold.
    Subject,
    /// The buyer's payment code (pay by code).
    AuthCode,
    /// Where notifications go.
    NotifyUrl,
    /// The merchant's refund number.
    RefundNo,
    /// The refund's amount in 分.
    RefundAmount,
    /// The provider's trade number, when the caller has it.
    TradeNo,
}

impl ModelInput {
    /// Whether the input is an amount of money.
    pub fn is_amount(self) -> bool {
        matches!(self, ModelInput::Amount | ModelInput::RefundAmount)
    }
}

/// An output of the payment model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum ModelOutput {
    /// The provider's trade number.
    TradeNo,
    /// The merchant's order number, as echoed.
    OrderNo,
    /// The amount paid, in 分.
    Amount,
    /// The text of the QR code the buyer scans.
    QrCode,
    /// The URL the buyer is sent to.
    PayUrl,
    /// The merchant's refund number, as echoed.
    RefundNo,
    /// The amount refunded, in 分.
    RefundAmount,
}

impl ModelOutput {
    /// Whether the output is an amount of money.
    pub fn is_amount(self) -> bool {
        matches!(self, ModelOutput::Amount | ModelOutput::RefundAmount)
    }
}

/// A reading of a received field: when it has one of `equals`, the status is `status`.
#[derive(Debug, Clone)]
pub struct StatusRule {
    /// Dotted path of the field.
    pub field: Text,
    /// The values, as received text.
    pub equals: List<Text>,
    /// What they mean.
    pub status: StatusKind,
}

/// A status of the payment model, as a spec maps onto it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum StatusKind {
    /// Not decided yet (created, the buyer is paying, a refund in progress).
    Pending,
    /// Paid.
    Paid,
    /// Failed; no money stays with the merchant.
    Failed,
    /// Closed or reversed before payment, or reversed with the money returned.
    Closed,
    /// Refunded; partly when the amounts say so.
    Refunded,
    /// Partly refunded.
    PartiallyRefunded,
}

/// Which kind of event a notification is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum EventKind {
    /// A payment's result.
    Payment,
    /// A refund's result.
    Refund,
}

/// A notification read as a payment event.
#[derive(Debug, Clone)]
pub struct GatewayNotification {
    /// The notification's name.
    pub notification: Text,
    /// What kind of event it is.
    pub event: EventKind,
    /// Fields read into the event.
    pub results: List<ModelOutputField>,
    /// What its values mean, first match wins.
    pub status: List<StatusRule>,
    /// The status when no rule matches.
    pub on_success: Option<StatusKind>,
}

/// How an uncertain payment settles over the model: query every `poll_interval_ms`
/// until `deadline_ms`, then end it with the `cancel_with` role.
#[derive(Debug, Clone)]
pub struct GatewaySettle {
    /// Cancel (reverses even a paid order) or close (an unpaid one).
    pub cancel_with: GatewayRoleKind,
    /// How long to query, counted from the pay call's end, in milliseconds.
    pub deadline_ms: u64,
    /// The pause after each unresolved query, in milliseconds.
    pub poll_interval_ms: u64,
    /// How many times the cancel is sent while its outcome is unknown (at least 1).
    pub cancel_attempts: u32,
    /// Where the flow comes from: the document's section, or the spec's own choice.
    pub source: Text,
}
