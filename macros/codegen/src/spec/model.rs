//! The spec format, v1: the typed model a provider's YAML file deserializes into.
//!
//! Every struct rejects unknown keys. Names that other parts of the spec refer to, and
//! the references themselves, are [`Name`]s: they keep their position in the file so
//! that validation errors can point at the line and column.

use paygen_protocol::SignedValue;
#[cfg(feature = "generate")]
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

// The leaf enums are the protocol IR's own, deserialized as the spec writes them.
pub use paygen_protocol::{
    Base64Alphabet, BodyFormat, CanonicalForm, CanonicalSort, Charset, ClockFormat, CodeOutcome,
    DigestAlgorithm, EventKind, FieldType, HeaderParam, HexCase, InnerFormat, KeyDerivation,
    ModelInput, ModelOutput, NestedValues, PayloadEncoding, SignInput, SignatureForm, StatusKind,
    TemplatePart, UnsignedErrorReply, UnsignedFields, ValueEncoding,
};

/// A name or reference, with the place in the spec where it is written.
pub type Name = Spanned<String>;

/// One payment provider: its environments, credentials, wire protocol and operations.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The provider's spec name (`tiantapay`, `mct1`, ...): crate `paygen-<name>`.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub name: Name,
    /// The provider's own name for itself, e.g. `微客支付`.
    pub title: String,
    /// Where the protocol is documented (file name or URL).
    pub document: String,
    /// UTC offset of the provider's wall clock, `+08:00` for providers in China.
    #[serde(default = "default_utc_offset")]
    pub utc_offset: String,
    /// Base URLs; operation paths are appended to them. The first is the default.
    pub environments: Vec<Environment>,
    /// Secrets and identifiers a merchant is given by the provider.
    pub credentials: Vec<Credential>,
    /// Signing recipes, referred to by name from the envelopes.
    pub signatures: Vec<SignatureRecipe>,
    /// How requests are built and responses read, for every operation.
    pub protocol: Protocol,
    /// Code tables that fields share (`ref: <name>`): one Rust enum each, named after
    /// the table, whatever else the spec holds.
    #[serde(default)]
    pub codes: Vec<CodeTable>,
    /// Object shapes that fields share (`ref: <name>`): one Rust struct each, named
    /// after the shape.
    #[serde(default)]
    pub types: Vec<SharedType>,
    /// The provider's endpoints.
    pub operations: Vec<Operation>,
    /// Asynchronous notifications the provider sends to the merchant.
    #[serde(default)]
    pub notifications: Vec<Notification>,
    /// Where the document contradicts itself or is unclear: the choice made and why.
    #[serde(default)]
    pub quirks: Vec<String>,
    /// How `paygen serve` plays the provider: error replies and the order lifecycle.
    /// Read by the sandbox only; never emitted into generated crates.
    #[serde(default)]
    pub sandbox: Option<Sandbox>,
    /// How the provider maps onto paygen's one payment model: the client then
    /// implements `paygen::Gateway`.
    #[serde(default)]
    pub gateway: Option<GatewaySpec>,
}

fn default_utc_offset() -> String {
    "+08:00".to_owned()
}

/// A named base URL, e.g. `sandbox` or `production`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// The environment's name, used by `--env` and `Environment::<Name>`.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub name: Name,
    /// Base URL without a trailing slash.
    pub base_url: String,
}

/// A credential the merchant holds.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// The document's name for it (`key`, `open_key`, `terminal_sn`...).
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub name: Name,
    /// Secrets are redacted in Debug, Display, logs and errors.
    #[serde(default)]
    pub secret: bool,
    /// The document's description.
    #[serde(default)]
    pub description: String,
}

/// How one signature is computed: input, key placement, digest chain.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SignatureRecipe {
    /// The recipe's name, referred to by envelopes.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub name: Name,
    /// What is signed.
    pub input: SignInput,
    /// How the canonical `k=v&...` string is built (only for `input: canonical`).
    #[serde(default)]
    pub canonical: Option<Canonical>,
    /// The parts of the string to sign (only for `input: template`).
    #[serde(default)]
    pub template: Option<TemplateSpec>,
    /// The signing secret: placed in the string to sign, and/or the key of an HMAC or
    /// signature (RSA, SM2) step (the merchant's private key). Absent for a bare digest.
    #[serde(default)]
    pub key: Option<KeyPlacement>,
    /// The key that checks received signatures of an RSA or SM2 recipe (the
    /// provider's public key).
    #[serde(default)]
    pub verify_key: Option<VerifyKey>,
    /// Steps applied in order; each step hashes the previous step's text.
    pub digests: Vec<DigestStep>,
}

/// The canonical string's rules.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Canonical {
    /// Wire names left out of the string (the signature field itself).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Leave out absent and `""` values (`0` and `"0"` are always kept).
    #[serde(default = "yes")]
    pub skip_empty: bool,
    /// Between a name and its value.
    #[serde(default = "default_pair_separator")]
    pub pair_separator: String,
    /// Between two pairs (or values).
    #[serde(default = "default_join")]
    pub join: String,
    /// `pairs` (`k=v`, the default) or `values` (the values alone).
    #[serde(default)]
    pub form: CanonicalForm,
    /// The document's field order; only these fields are signed. Absent: every field,
    /// sorted by name.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Vec<String>"))]
    pub order: Vec<Name>,
    /// How each value is written: `raw` (default), `form` or `percent` URL-encoding.
    #[serde(default)]
    pub value_encoding: ValueEncoding,
    /// Without `order`: sort the fields by `name` (default) or by `value`.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<CanonicalSort>"))]
    pub sort: Option<Spanned<CanonicalSort>>,
    /// Only these fields are signed, in the sort's order. Absent: every field.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Vec<String>"))]
    pub include: Vec<Name>,
    /// A nested object or list: `json` (its compact text, default), `sorted_json` (members
    /// sorted by name at every depth) or `omit` (left out: top-level scalars only).
    #[serde(default)]
    pub nested: NestedValues,
}

fn yes() -> bool {
    true
}
fn default_pair_separator() -> String {
    "=".to_owned()
}
fn default_join() -> String {
    "&".to_owned()
}

/// A string to sign made of named parts of the request.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateSpec {
    /// The parts, in order.
    pub parts: Vec<TemplatePart>,
    /// Between two parts (`"\n"` for one part per line).
    #[serde(default)]
    pub join: String,
    /// The separator also follows the last part (WeChat Pay v3 ends every line).
    #[serde(default)]
    pub trailing: bool,
}

/// The signing secret and where it goes.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct KeyPlacement {
    /// The credential that is the secret.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub credential: Name,
    /// How it is added to the string to sign; absent when it is only an HMAC or private
    /// key.
    #[serde(default)]
    pub placement: Option<KeyPlace>,
    /// For an RSA or SM2 private key: the name of its public half, which the provider's
    /// side (the sandbox) verifies requests with, as a credential of its own.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub pair: Option<Name>,
}

/// Where the key that verifies received RSA or SM2 signatures comes from: a credential
/// (one public key or certificate, or with `by_serial` a key set), or with
/// `certificate` the signer's certificate carried in the message, chain-checked
/// against the `roots`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyKey {
    /// The provider's public key credential (PEM, bare base64, or hex for SM2) or its
    /// X.509 certificate (PEM); with `by_serial`, the key-set credential holding
    /// several such keys, each under its id.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub credential: Option<Name>,
    /// Chooses one key of the `credential` key set by the id a received header names
    /// (WeChat Pay's `Wechatpay-Serial`).
    #[serde(default)]
    pub by_serial: Option<BySerial>,
    /// Where the message carries the signer's certificate (PEM or base64 DER); its key
    /// verifies once its chain to `roots` checks out.
    #[serde(default)]
    pub certificate: Option<CertificateFrom>,
    /// With `certificate`: the credential holding the trusted root certificates (PEM,
    /// one or more).
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub roots: Option<Name>,
    /// With `certificate`: the credential holding intermediate certificates (PEM, one
    /// or more) that may stand between a root and the carried certificate.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub intermediates: Option<Name>,
    /// With `certificate`: the common name the carried certificate's subject must have.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub subject_cn: Option<Spanned<String>>,
    /// The name of its private half, which the provider's side (the sandbox) signs
    /// replies and notifications with, as a credential of its own (a single
    /// `credential` only).
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub pair: Option<Name>,
}

impl Spec {
    /// The credentials that are key sets: the `credential` of each `by_serial` verify
    /// key (a generated client takes a `paygen::KeySet` for each).
    pub fn key_sets(&self) -> std::collections::BTreeSet<&str> {
        self.signatures
            .iter()
            .filter_map(|r| r.verify_key.as_ref())
            .filter(|k| k.by_serial.is_some())
            .filter_map(|k| k.credential.as_ref())
            .map(|c| c.value.as_str())
            .collect()
    }
}

/// The received header that names which key of a key set signed.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BySerial {
    /// The header's name (`Wechatpay-Serial`).
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub header: Spanned<String>,
}

/// Where a received message carries a certificate: one of `field` or `header`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CertificateFrom {
    /// A top-level field of the message.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    Field(Spanned<String>),
    /// A received header.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    Header(Spanned<String>),
}

impl CertificateFrom {
    /// The field's or header's name, with its position.
    pub fn name(&self) -> &Spanned<String> {
        match self {
            Self::Field(name) | Self::Header(name) => name,
        }
    }
}

/// How the key is added to the string to sign.
// Not the IR's `KeyPlace`: the spec writes `Unplaced` as an absent `placement`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum KeyPlace {
    /// Appended after this prefix: `""` appends the key raw, `"&key="` as a pair.
    Append(String),
    /// Added as a field of this name before sorting (canonical input only).
    SortedField(String),
}

/// One step of the chain.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DigestStep {
    /// The hash function, HMAC or public-key signature.
    #[cfg_attr(feature = "generate", schemars(with = "DigestAlgorithm"))]
    pub algorithm: Spanned<DigestAlgorithm>,
    /// Case of the hex text this step produces.
    #[serde(default)]
    pub hex: Option<HexCase>,
    /// The step produces base64 instead of hex (RSA signatures, some HMACs); standard
    /// and padded unless `alphabet` or `padding` say otherwise.
    #[serde(default)]
    pub base64: bool,
    /// With `base64: true`: `standard` (`+/`, the default) or `url` (`-_`, RFC 4648
    /// section 5).
    #[serde(default)]
    pub alphabet: Option<Base64Alphabet>,
    /// With `base64: true`: `false` leaves out the `=` padding (default `true`).
    #[serde(default)]
    pub padding: Option<bool>,
    /// For an SM2 signature step: its bytes as `der` (`SEQUENCE { r, s }`, the
    /// default) or `raw` (`r || s`, 64 bytes).
    #[serde(default)]
    pub signature_form: Option<SignatureForm>,
}

/// The envelopes of every operation, per direction.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// How requests are encoded and signed.
    pub request: RequestEnvelope,
    /// How responses are decoded, verified and judged.
    pub response: ResponseEnvelope,
}

/// Where the business fields travel.
// Not the IR's `Payload`: it carries the spec's own `PayloadField` (positioned key, optional hex).
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Payload {
    /// Business fields are top-level fields of the body (the default).
    #[default]
    Inline,
    /// Business fields are a JSON document encoded into one top-level field.
    Field(PayloadField),
}

/// A payload carried as one encoded field.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PayloadField {
    /// The field's wire name (`req`, `resp`, `data`, `resource`).
    pub name: String,
    /// How the JSON text is encoded.
    #[cfg_attr(feature = "generate", schemars(with = "PayloadEncoding"))]
    pub encoding: Spanned<PayloadEncoding>,
    /// The credential used as cipher key (for the encrypted encodings).
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub key: Option<Name>,
    /// Hex case of the ciphertext (for `aes256_ecb_hex`).
    #[serde(default)]
    pub hex: Option<HexCase>,
    /// On decoding, lift the payload's fields to the top level instead of keeping
    /// them under the field's name.
    #[serde(default)]
    pub flatten: bool,
    /// How the cipher key is made from the `key` credential (default `raw`).
    #[serde(default)]
    pub key_derivation: KeyDerivation,
    /// The format of the document inside the field (default `json`).
    #[serde(default)]
    pub format: InnerFormat,
    /// The members of an `aead_aes_256_gcm` payload object, and its associated data.
    // Boxed: three positioned names would make every payload as large.
    #[serde(default)]
    pub aead: Option<Box<AeadSpec>>,
}

/// Where an `aead_aes_256_gcm` payload object keeps its parts (each member defaults to
/// its own key's name, as WeChat Pay APIv3 writes them).
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AeadSpec {
    /// Member holding standard base64 of the ciphertext with its 16-byte tag appended.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub ciphertext: Option<Name>,
    /// Member holding the nonce text (12 bytes of UTF-8).
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub nonce: Option<Name>,
    /// Member holding the associated data text (absent: empty).
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub associated_data: Option<Name>,
    /// The associated data the message must carry (WeChat Pay: `transaction`, `refund`),
    /// written when the provider's side encodes; absent: written empty, any accepted.
    #[serde(default)]
    pub associated_data_value: Option<String>,
}

/// How requests are built.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RequestEnvelope {
    /// HTTP method for every operation unless it says otherwise.
    #[serde(default = "default_method")]
    pub method: String,
    /// Body format.
    pub body: BodyFormat,
    /// Where business fields go (default `inline`).
    #[serde(default)]
    pub payload: Payload,
    /// Fields the client adds to every request, in wire order.
    #[serde(default)]
    pub common: Vec<CommonField>,
    /// How the request is signed.
    pub signature: Option<RequestSignature>,
    /// Constant headers sent with every request, in order.
    #[serde(default)]
    pub headers: Vec<ConstantHeader>,
}

/// A header every request sends: a constant `value`, or `parts` composed like a
/// template's (literals, credentials, `base64:` and `digest:` of parts).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ConstantHeader {
    /// Header name (an HTTP token).
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub name: Name,
    /// Header value (one line), when constant.
    #[serde(default)]
    pub value: Option<String>,
    /// The value's parts, joined by nothing, when composed.
    #[serde(default)]
    pub parts: Option<Vec<TemplatePart>>,
}

fn default_method() -> String {
    "POST".to_owned()
}

/// A field added to every request.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CommonField {
    /// Wire name.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub name: Name,
    /// Where its value comes from.
    pub value: ValueSource,
    /// With a payload field: put it in the payload instead of the top level.
    #[serde(default)]
    pub in_payload: bool,
    /// For a `unix_seconds`/`unix_millis` clock in a JSON body: a JSON number rather
    /// than a string.
    #[serde(default)]
    pub as_number: bool,
    /// The document's description.
    #[serde(default)]
    pub description: String,
}

/// Where a common field's value comes from.
// Not the IR's `ValueSource`: a credential is a positioned `Name` here, for errors.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ValueSource {
    /// A credential's value.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    Credential(Name),
    /// A fixed text.
    Constant(String),
    /// The injectable clock, in this format.
    Clock(ClockFormat),
    /// A random alphanumeric string of this length from the injectable nonce source.
    Nonce(u8),
    /// Set by the caller per request (Alipay's `notify_url`, `app_auth_token`): a string
    /// field of each operation's request type (of the operation's, for an operation's
    /// common field), sent at the top level and signed with the other fields.
    Request(RequestValue),
}

/// The rules of a common field the caller sets per request.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RequestValue {
    /// Must be given (else it may be left out, and is then not sent).
    #[serde(default)]
    pub required: bool,
    /// Maximum length in characters.
    #[serde(default)]
    pub max_length: Option<u32>,
}

/// How a request is signed and where the signature goes.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RequestSignature {
    /// The recipe.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub recipe: Name,
    /// The recipe chosen by a credential's or a top-level request field's value instead
    /// (WeChat Pay v2's `sign_type`); `recipe` must be one of its recipes.
    #[serde(default)]
    pub choose_by: Option<RecipeChoice>,
    /// Where the result goes.
    pub output: SignatureOutput,
}

/// A recipe chosen by the value of one part: a credential (then required, its value
/// one of `recipes`' keys, no fallback), or a field: of a request signature, a top-level
/// request field (absent: the signature's `recipe`); of a received message's check, a
/// received field, with an optional fallback by the signature's form.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RecipeChoice {
    /// The credential whose value chooses.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub credential: Option<Name>,
    /// Instead of `credential`: the field whose value chooses, a top-level request field
    /// for a request signature, a signed received field (WeChat Pay v2 notifications'
    /// `sign_type`) for a check. Every recipe must be keyed.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub field: Option<Name>,
    /// With a received `field` only: when the message does not carry it, the recipe of a
    /// hex signature of exactly this many digits (`{ 32: md5, 64: hmac_sha256 }`).
    #[serde(default)]
    #[cfg_attr(
        feature = "generate",
        schemars(with = "std::collections::BTreeMap<u32, String>")
    )]
    pub by_signature_hex_length: std::collections::BTreeMap<u32, Name>,
    /// Credential or field value → recipe name.
    #[cfg_attr(
        feature = "generate",
        schemars(with = "std::collections::BTreeMap<String, String>")
    )]
    pub recipes: std::collections::BTreeMap<String, Name>,
}

/// Where a signature is written.
// Not the IR's `SignatureOutput`: the header template is a positioned `Name` here.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SignatureOutput {
    /// A top-level field of this name, after all others.
    Field(String),
    /// An HTTP header.
    Header(HeaderOutput),
}

/// A header carrying the signature.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct HeaderOutput {
    /// Header name.
    pub name: String,
    /// Value template: `{signature}` and `{<credential>}` are replaced.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub template: Name,
}

/// How responses are read.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ResponseEnvelope {
    /// Body format.
    pub body: BodyFormat,
    /// Where business fields are (default `inline`).
    #[serde(default)]
    pub payload: Payload,
    /// How the response's signature is checked; absent when responses are unsigned.
    pub signature: Option<Verification>,
    /// JSON members holding the business fields, tried in order, first present wins
    /// (Alipay: `["{method}_response", error_response]`). `{name}` is the operation's
    /// constant field `name` with each `.` made `_`. Empty: the body's own members.
    #[serde(default)]
    pub members: Vec<String>,
    /// Members of `members` that carry refusals only (Alipay `error_response`): a reply
    /// read from one that passes the success rule is refused, because the member's name
    /// is not signed and a genuine success could be relabelled.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Vec<String>"))]
    pub refusal_members: Vec<Name>,
    /// Which field and values mean success, for every operation unless it overrides.
    pub success: SuccessRule,
}

/// How a received signature is checked.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// The recipe, run over the raw received values.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub recipe: Name,
    /// The recipe chosen by a credential's value instead (WeChat Pay v2's `sign_type`);
    /// `recipe` must be one of its recipes.
    #[serde(default)]
    pub choose_by: Option<RecipeChoice>,
    /// The top-level field that carries the signature (or give `header`).
    #[serde(default)]
    pub field: String,
    /// The header that carries the signature instead of a field (`PAY-SIGN`).
    #[serde(default)]
    pub header: Option<String>,
    /// With `header`: the header is a list of auth parameters read strictly against
    /// this template (`SCHEME mchid="{mchid}",nonce_str="{nonce}",signature="{signature}"`):
    /// `{signature}` is the signature, `{<credential>}` must equal the credential, and
    /// the recipe's `header_param` parts read the others.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub header_template: Option<Name>,
    /// Shapes of reply the document lets go unsigned (mct1 signs only replies with
    /// `data`; mpgateway leaves `sign` empty before it knows the merchant). Such a
    /// reply can only be an error: one that claims success is a signature error.
    #[serde(default)]
    pub unsigned_error_when: Vec<UnsignedErrorReply>,
    /// What happens to received fields the signature does not cover: `reject` the
    /// message (the default) or `ignore` the fields. They never reach the caller.
    #[serde(default)]
    pub unsigned_fields: UnsignedFields,
    /// A signed timestamp that must be within a window of the receiver's clock: a body
    /// `field`, a `header` or a `header_param` that the recipe signs.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<Freshness>"))]
    pub freshness: Option<Spanned<Freshness>>,
    /// A signed nonce field (`rand_str`): a receiver that passes a seen-store rejects
    /// a value it has seen before. The same as `nonce: { field: rand_str }`.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub nonce_field: Option<Name>,
    /// A signed nonce in a body `field`, a `header` (`Wechatpay-Nonce`) or a
    /// `header_param` that the recipe signs: a receiver that passes a seen-store rejects
    /// a value it has seen before.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<SignedPlace>"))]
    pub nonce: Option<Spanned<SignedPlace>>,
}

/// A freshness window over a signed timestamp; give one of `field`, `header` and
/// `header_param`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Freshness {
    /// A top-level field of the body.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub field: Option<Name>,
    /// A received header that a `header` part of the recipe's template signs
    /// (`Wechatpay-Timestamp`).
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub header: Option<Name>,
    /// A parameter of the check's header of auth parameters that a `header_param` part
    /// of the recipe's template signs.
    #[serde(default)]
    pub header_param: Option<HeaderParam>,
    /// How it is written (default `unix_seconds`).
    #[serde(default = "default_freshness_format")]
    pub format: ClockFormat,
    /// Largest accepted distance from the receiver's clock, in seconds, either way.
    pub max_skew_seconds: u32,
}

impl Freshness {
    /// Where the timestamp is read.
    pub fn place(&self) -> SignedPlace {
        SignedPlace {
            field: self.field.clone(),
            header: self.header.clone(),
            header_param: self.header_param.clone(),
        }
    }
}

/// Where a signed value is read; give one of `field`, `header` and `header_param`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SignedPlace {
    /// A top-level field of the body.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub field: Option<Name>,
    /// A received header that a `header` part of the recipe's template signs.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub header: Option<Name>,
    /// A parameter of the check's header of auth parameters that a `header_param` part
    /// of the recipe's template signs.
    #[serde(default)]
    pub header_param: Option<HeaderParam>,
}

impl SignedPlace {
    /// The places given, in the order `field`, `header`, `header_param` (validation
    /// requires exactly one).
    pub fn given(&self) -> Vec<SignedValue> {
        let mut out = Vec::new();
        if let Some(field) = &self.field {
            out.push(SignedValue::Field(field.value.clone().into()));
        }
        if let Some(header) = &self.header {
            out.push(SignedValue::Header(header.value.clone().into()));
        }
        if let Some(param) = &self.header_param {
            out.push(SignedValue::HeaderParam(param.clone()));
        }
        out
    }
}

impl Verification {
    /// Where the nonce is read: `nonce`, or `nonce_field` (validation refuses both).
    pub fn nonce_place(&self) -> Option<SignedValue> {
        match (&self.nonce, &self.nonce_field) {
            (Some(place), _) => place.value.given().into_iter().next(),
            (None, Some(field)) => Some(SignedValue::Field(field.value.clone().into())),
            (None, None) => None,
        }
    }
}

fn default_freshness_format() -> ClockFormat {
    ClockFormat::UnixSeconds
}

/// Which response values mean success.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SuccessRule {
    /// Path of the code field in the decoded message, `a.b` for nested objects (with
    /// `http_status`: of a refusal's code).
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub field: Name,
    /// Values that mean success, compared as received text (none with `http_status`).
    #[serde(default)]
    pub equals: Vec<String>,
    /// HTTP statuses that mean success (WeChat Pay APIv3: `[200, 204]`): the status
    /// decides, a listed one is success whatever the body (which may be empty), another
    /// whose body decodes is a refusal whose code is `field`'s value.
    #[serde(default)]
    pub http_status: Vec<u16>,
    /// Path of the human-readable message, for errors.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub message: Option<Name>,
    /// Path of a field detailing the message in error replies (wantu's `return_desc`:
    /// which parameter is missing), which response tables need not list; where present
    /// and not empty, a refusal's message is `message: detail`.
    #[serde(default)]
    pub detail: Option<String>,
    /// Further checks that must all pass (e.g. a business code inside a nested object).
    #[serde(default)]
    pub and: Vec<SuccessRule>,
    /// Alternatives to this rule's own `field`/`equals` check: when it fails, the reply
    /// is still a success if one of them passes (a refusal code the document says
    /// reaches the goal: WeChat Pay v2 closeorder `{ field: err_code, equals:
    /// [ORDERNOTEXIST] }`, 不需要关单). The caller gets the typed reply, the code in it.
    #[serde(default)]
    pub or: Vec<SuccessRule>,
}

/// One endpoint.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// snake_case name from the URL path (`payorder`, `create_qrcode`).
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub name: Name,
    /// One line on what it does, from the document.
    pub summary: String,
    /// Path appended to the environment's base URL, starting with `/`.
    pub path: String,
    /// HTTP method if it differs from the envelope's.
    #[serde(default)]
    pub method: Option<String>,
    /// Constant headers this operation sends after the envelope's (an API version, an
    /// `Accept` its endpoint alone asks for).
    #[serde(default)]
    pub headers: Vec<ConstantHeader>,
    /// False when the document says this endpoint takes no signature.
    #[serde(default = "yes")]
    pub signed: bool,
    /// False only for operations that cannot move money (queries, closing an unpaid
    /// order): a transport may resend those. Payments, refunds and cancellations keep
    /// the default, true, so that forgetting the key never allows a resend.
    #[serde(default = "yes")]
    pub moves_money: bool,
    /// Fields this operation adds after the envelope's common fields (Alipay's
    /// `method: alipay.trade.pay`).
    #[serde(default)]
    pub common: Vec<CommonField>,
    /// The response member holding this operation's business fields, instead of the
    /// envelope's `members` templates.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub response_member: Option<Name>,
    /// Groups of request fields of which at least one must be given
    /// (e.g. `[[queryid, orderid]]` for "queryid 和 orderid 至少传一个").
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Vec<Vec<String>>"))]
    pub one_of: Vec<Vec<Name>>,
    /// Rules over several request fields (`sum`, `required_when`), checked before
    /// anything is sent.
    #[serde(default)]
    pub rules: Vec<OperationRule>,
    /// Business request fields, in wire order.
    pub request: Vec<Field>,
    /// The documented scenarios of one endpoint (mct1 `payorder`: 扫码, 条码, 公众号...),
    /// each with the request fields it sends and requires. With variants, the request
    /// type is an enum of one typed request per scenario.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// Fields of the decoded response.
    pub response: Vec<Field>,
    /// Overrides the envelope's success rule.
    #[serde(default)]
    pub success: Option<SuccessRule>,
    /// A success the document says is only accepted, not done, unless a reply field
    /// says so; other successes are `paygen::Accepted::Unconfirmed`.
    #[serde(default)]
    pub done_when: Option<DoneWhen>,
    /// What the document says of this endpoint that is not data (scenarios, flows),
    /// for reviewers; never read by the runtime.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Documented examples: the tests' fixtures.
    #[serde(default)]
    pub examples: Vec<Example>,
}

/// When a successful reply means done (Alipay refund: `fund_change=Y`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DoneWhen {
    /// Dotted path of the deciding reply field.
    pub field: String,
    /// Values (received text) that mean done; any other, or none, is unconfirmed.
    pub equals: Vec<String>,
    /// The operation that confirms an unconfirmed reply (a refund query).
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub confirm_with: Name,
    /// Where the document says so.
    pub source: String,
}

/// One documented scenario of an operation: a typed request of its own.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// snake_case name (`barcode`): type `<Operation><Name>Request`.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub name: Name,
    /// Where the document gives the scenario (`4.4.2 条码支付（B扫C）`).
    pub source: String,
    /// One line on the scenario, from the document.
    #[serde(default)]
    pub summary: String,
    /// The request fields the scenario sends, by wire name, in the order of the
    /// scenario's own table (the order they are sent in); fields the operation
    /// requires must be among them.
    #[cfg_attr(feature = "generate", schemars(with = "Vec<String>"))]
    pub fields: Vec<Name>,
    /// Fields of `fields` that the scenario requires although the operation does not.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Vec<String>"))]
    pub required: Vec<Name>,
    /// Fields of `fields` the scenario always sends with one documented value
    /// (`JSAPI: "1"`, 填默认值 1); not settable. Values are text, read as the field's type.
    #[serde(default)]
    pub constants: Vec<VariantConstant>,
}

/// A field a scenario always sends with one value.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct VariantConstant {
    /// The field's wire name.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub field: Name,
    /// Its value as text (`"1"`), sent as the field's type (a JSON number for `int`).
    pub value: String,
}

/// A code table of the document, shared by the fields that name it with `ref:`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeTable {
    /// The table's name (`return_codes`); the enum is its CamelCase (`ReturnCodes`).
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub name: Name,
    /// The enum's name when the CamelCase of `name` is not a good one.
    #[serde(default)]
    pub rust_name: Option<String>,
    /// Where the document gives it, and what it lists.
    #[serde(default)]
    pub description: String,
    /// The documented codes, with their outcomes on response codes.
    pub values: Vec<EnumValue>,
}

/// An object shape of the document, shared by the object and list fields that name it.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SharedType {
    /// The shape's name (`fund_bill`); the struct is its CamelCase (`FundBill`).
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub name: Name,
    /// The struct's name when the CamelCase of `name` is not a good one.
    #[serde(default)]
    pub rust_name: Option<String>,
    /// What it is, from the document.
    #[serde(default)]
    pub description: String,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// A field of a message.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Wire name, exactly as the document writes it.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub name: Name,
    /// Rust field name when the wire name is not a good one.
    #[serde(default)]
    pub rust_name: Option<String>,
    /// Value type.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Must be present.
    #[serde(default)]
    pub required: bool,
    /// Maximum length in characters.
    #[serde(default)]
    pub max_length: Option<u32>,
    /// `string` fields: minimum length in characters of a present value
    /// (`长度8-32位`: `min_length: 8`).
    #[serde(default)]
    pub min_length: Option<u32>,
    /// For `int` and `fen`: sent as a JSON string rather than a number.
    #[serde(default)]
    pub as_string: bool,
    /// The documented values, when the field is a code or a choice.
    #[serde(default)]
    pub values: Vec<EnumValue>,
    /// The document's description.
    #[serde(default)]
    pub description: String,
    /// For `object` and `list`: the fields of the object or of each item.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// A shared code table (`codes:`) for a code field, or a shared shape (`types:`)
    /// for an object or list field, in place of `values` or `fields`.
    #[serde(default, rename = "ref")]
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    pub reference: Option<Name>,
    /// The shared table or shape, once `ref` is resolved.
    #[serde(skip)]
    #[cfg_attr(feature = "generate", schemars(skip))]
    pub shared: Option<Shared>,
    /// Top-level `int`, `fen` and `yuan` fields of a request or reply: the smallest
    /// value the document allows (`fen` in 分, `yuan` in 元: `"0.01"` or a whole number).
    #[serde(default)]
    pub min: Option<Bound>,
    /// Top-level `int`, `fen` and `yuan` fields of a request or reply: the largest
    /// value the document allows.
    #[serde(default)]
    pub max: Option<Bound>,
    /// Received optional fields: when the document says the field is returned
    /// (`在未生成真实交易时，不返回`); prose for readers and the generated docs. Absent
    /// is `None` whatever it says.
    #[serde(default)]
    pub present_when: Option<String>,
    /// Request `string` fields: the only characters the document allows.
    #[serde(default)]
    pub charset: Option<Charset>,
    /// Request `string` fields: a password or other secret, a `paygen::Secret` in Rust
    /// (never printed).
    #[serde(default)]
    pub secret: bool,
    /// Request `string` fields: what is sent in place of the value given.
    #[serde(default)]
    pub sent_as: Option<SentAs>,
    /// Received fields: other names the provider is seen to send this field under (a
    /// misspelled sample key). A message carrying two of the names is refused.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Vec<String>"))]
    pub aliases: Vec<Name>,
}

/// A bound of `min`/`max`: a whole number (of the field's unit: 分 for `fen`, 元 for
/// `yuan`), or for a `yuan` field decimal 元 as text (`"0.01"`; never a YAML float).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(untagged)]
pub enum Bound {
    /// A whole number.
    Whole(i64),
    /// Decimal 元 with at most two places.
    Yuan(String),
}

impl Bound {
    /// The bound in the unit the runtime compares (分 for `yuan`), or why it cannot be
    /// one for a field of type `ty`.
    pub fn value(&self, ty: FieldType) -> Result<i64, String> {
        match (self, ty) {
            (Bound::Whole(n), FieldType::Yuan) => n
                .checked_mul(100)
                .ok_or_else(|| format!("{n} 元 is too large")),
            (Bound::Whole(n), _) => Ok(*n),
            (Bound::Yuan(text), FieldType::Yuan) => yuan_fen(text)
                .ok_or_else(|| format!("`{text}` is not an amount of 元 such as \"0.01\"")),
            (Bound::Yuan(text), _) => Err(format!(
                "`{text}` is text; a bound of an int or fen field is a whole number"
            )),
        }
    }
}

/// `digits[.d[d]]` 元 in 分: the bound's text, read as the runtime reads received 元.
fn yuan_fen(text: &str) -> Option<i64> {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 2 {
        return None;
    }
    if text.ends_with('.') {
        return None;
    }
    let cents = format!("{fraction:0<2}").parse::<i64>().ok()?;
    let fen = whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)?;
    Some(if negative { -fen } else { fen })
}

/// What a request field sends in place of the value the caller gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SentAs {
    /// The lowercase hex SHA1 of the value (mct1's `shop_pass`).
    Sha1Hex,
}

/// A rule over several request fields, stated by the document beside its table.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum OperationRule {
    /// `field` = the sum of `plus` minus the sum of `minus`; an absent field counts as 0.
    Sum(SumRule),
    /// `field` is required when field `when` has one of the values `equals`.
    RequiredWhen(RequiredWhenRule),
}

/// `field = plus... - minus...` over `int` or `fen` request fields.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SumRule {
    /// The field that must equal the sum.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub field: Name,
    /// Fields added.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Vec<String>"))]
    pub plus: Vec<Name>,
    /// Fields subtracted.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Vec<String>"))]
    pub minus: Vec<Name>,
}

/// `field` is required when `when` has one of `equals`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RequiredWhenRule {
    /// The conditionally required field.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub field: Name,
    /// The field whose value decides.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub when: Name,
    /// Values of `when` (as sent text) that make `field` required.
    pub equals: Vec<String>,
}

/// What a resolved `ref:` names: the Rust item it shares and the document's words on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    /// The enum's or struct's name.
    pub rust_name: String,
    /// The table's or shape's description.
    pub description: String,
}

/// One documented value of a code or choice field.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    /// The value on the wire.
    pub value: String,
    /// Rust variant name; derived from the value when absent.
    #[serde(default)]
    pub rust_name: Option<String>,
    /// The document's meaning.
    #[serde(default)]
    pub description: String,
    /// For codes of a response: what the code means for the operation's outcome
    /// (`success`, `failed`, `retryable`, `in_progress`, `unknown`). An error whose code
    /// is `unknown` or `in_progress` reports `outcome_unknown()`: query before acting.
    #[serde(default)]
    pub outcome: Option<CodeOutcome>,
}

/// A notification the provider sends to the merchant's URL.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Notification {
    /// The notification's name (`pay`, `refund`).
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub name: Name,
    /// One line on when it is sent.
    pub summary: String,
    /// How it arrives.
    pub body: BodyFormat,
    /// Where its business fields are (default `inline`).
    #[serde(default)]
    pub payload: Payload,
    /// How its signature is checked; absent when unsigned.
    pub signature: Option<Verification>,
    /// The exact body the merchant answers with to acknowledge it.
    pub ack: String,
    /// `ack` names notification fields as `{name}`, filled from the received
    /// notification (`RECV_ORD_ID_{req_seq_id}`); a JSON ack's own braces are text
    /// unless this is set.
    #[serde(default)]
    pub ack_template: bool,
    /// Fields that name the event (`[trade_no, trade_status]`): a delivery whose values
    /// were seen before is a redelivery. Default: the spec's nonce field, else every
    /// verified field.
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Vec<String>"))]
    pub event_key: Vec<Name>,
    /// Fields of the decoded notification.
    pub fields: Vec<Field>,
    /// For a notification protected only by encryption: the signed query that confirms
    /// it before it is handed on (`receive_<name>_confirmed`).
    #[serde(default)]
    pub confirm_with: Option<Confirmation>,
    /// Documented examples.
    #[serde(default)]
    pub examples: Vec<Example>,
}

/// The signed query that confirms an unsigned notification.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    /// The operation that queries (`refundquery`).
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub operation: Name,
    /// The query's request fields, each filled from a notification field.
    pub request: Vec<FieldPair>,
    /// Reply fields (dotted paths) that must equal a notification field.
    pub agree: Vec<FieldPair>,
}

/// A field of the query (request field or reply path) and the notification field it
/// pairs with.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FieldPair {
    /// The query's request field, or the dotted path of its reply field.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub field: Name,
    /// The notification's field.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub notification: Name,
}

/// A documented example.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// Short name, unique within the operation.
    pub name: String,
    /// Where in the document it is (section).
    pub source: String,
    /// Credentials, when the document gives them.
    #[serde(default)]
    pub credentials: Option<serde_json::Map<String, serde_json::Value>>,
    /// Clock value (Unix seconds), when the document gives it.
    #[serde(default)]
    pub now: Option<i64>,
    /// Business request parameters by wire name.
    #[serde(default)]
    pub params: Option<serde_json::Map<String, serde_json::Value>>,
    /// The exact request body the document shows, when reproducible.
    #[serde(default)]
    pub request_body: Option<String>,
    /// A response or notification body as the provider sends it.
    #[serde(default)]
    pub body: Option<String>,
    /// The document shows this message with its payload already decoded (e.g. `data`
    /// decrypted): tests read it as decoded fields, not through the envelope.
    #[serde(default)]
    pub decoded: bool,
    /// What was repaired in the document's sample, and why.
    #[serde(default)]
    pub note: Option<String>,
    /// Required request fields the document's sample leaves out: the tests render the
    /// sample as printed, without them (`note` says so).
    #[serde(default)]
    #[cfg_attr(feature = "generate", schemars(with = "Vec<String>"))]
    pub omits_required: Vec<Name>,
}

/// How the sandbox plays the provider (`paygen serve`): its error replies and the role
/// of each operation in the order lifecycle.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Sandbox {
    /// The reply for each kind of refusal; `signature` and `parameter` are required.
    pub errors: std::collections::BTreeMap<SandboxErrorKind, SandboxReply>,
    /// Wire name of the provider's own order number (`ord_no`, `trade_id`, `sn`): written
    /// into replies wherever a response field has this name, and read from requests.
    #[serde(default)]
    pub provider_no: Option<String>,
    /// Wire name of the provider's own refund number (WeChat Pay's `refund_id`): made by
    /// the sandbox for each refund, written into the refund's reply, its notification and
    /// refund query replies, and read from a refund query's request.
    #[serde(default)]
    pub provider_refund_no: Option<String>,
    /// Operations with a role in the order lifecycle; others answer with a filled reply.
    #[serde(default)]
    pub operations: Vec<SandboxOperation>,
    /// Notifications the sandbox delivers to the order's notify URL, and when.
    #[serde(default)]
    pub notifications: Vec<SandboxNotification>,
    /// The window a request's timestamp must fall in (mct1: 600 s either way); a request
    /// outside it is refused with the `stale_timestamp` reply.
    #[serde(default)]
    pub request_window: Option<SandboxWindow>,
    /// What the sandbox writes in the headers that a reply's or notification's
    /// header-signed recipe signs (WeChat Pay APIv3's `Wechatpay-Timestamp`,
    /// `Wechatpay-Nonce`), sent with the signature; each a clock, nonce or constant.
    #[serde(default)]
    pub signature_headers: Vec<SandboxHeader>,
    /// What the sandbox writes into a reply or notification field it would otherwise
    /// fill with a stand-in, by the field's name, wherever it appears: a text or number
    /// as given, `{ clock: unix_millis }` (any clock format: the time of the message),
    /// `{ nonce: 32 }`, `{ request: orderNo }` (that field of the order's pay or
    /// precreate request) or `{ order: provider_no }` (`order_no`). An optional field
    /// named here is written too.
    #[serde(default)]
    #[cfg_attr(
        feature = "generate",
        schemars(with = "serde_json::Map<String, serde_json::Value>")
    )]
    pub fill: SandboxFields,
}

/// A value the sandbox computes for a field of `sandbox.fill`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SandboxComputed {
    /// The time of the message, in this format.
    Clock(ClockFormat),
    /// A random alphanumeric text of this length.
    Nonce(u8),
    /// The value of this field of the order's pay or precreate request.
    Request(String),
    /// A number of the order itself.
    Order(SandboxOrderValue),
}

/// A number of the order the sandbox keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SandboxOrderValue {
    /// The provider's order number the sandbox gave it (`provider_no`).
    ProviderNo,
    /// The merchant's order number.
    OrderNo,
    /// What is left of its amount (paid less refunded), in the field's unit.
    Amount,
}

/// A header the sandbox writes with each header-signed reply and notification.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SandboxHeader {
    /// Header name.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub name: Name,
    /// Its value: `{ clock: unix_seconds }`, `{ nonce: 32 }` or `{ constant: … }`.
    pub value: ValueSource,
    /// Where the document says what the header holds.
    pub source: String,
}

/// A request timestamp window the provider enforces.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SandboxWindow {
    /// The request's common field holding the clock (its format is that field's).
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub field: Name,
    /// Largest accepted distance from the sandbox's clock, either way, in seconds.
    pub seconds: u32,
    /// Where the document gives the window.
    pub source: String,
}

/// A notification the sandbox signs and delivers when an order reaches a state.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SandboxNotification {
    /// The spec's notification.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub notification: Name,
    /// The event that sends it.
    pub on: SandboxEvent,
    /// Notification fields written as given, by name (e.g. the success status).
    #[serde(default)]
    #[cfg_attr(
        feature = "generate",
        schemars(with = "serde_json::Map<String, serde_json::Value>")
    )]
    pub fields: SandboxFields,
    /// Seconds to wait before each redelivery while the acknowledgement is not the
    /// documented one; after the last, delivery stops.
    pub retry_seconds: Vec<u64>,
    /// Where the document gives the schedule, or why this one was chosen.
    pub source: String,
}

/// What happened to an order, for a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SandboxEvent {
    /// The order became paid.
    Paid,
    /// A refund succeeded (in part or in full).
    Refunded,
}

/// A refusal the sandbox can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SandboxErrorKind {
    /// The request's signature is missing or wrong.
    Signature,
    /// A field is missing, too long, not a documented value, or the message is malformed.
    Parameter,
    /// The order number was used before.
    DuplicateOrder,
    /// No order has this number.
    OrderNotFound,
    /// The refund is above what is left of the order.
    RefundExceeded,
    /// The order cannot be cancelled or closed in its state (e.g. paid).
    NotCancellable,
    /// The payment failed (scenario).
    PayFailed,
    /// The request's timestamp is outside the `request_window`.
    StaleTimestamp,
    /// The refund number was used before on the order (`refund_no`).
    DuplicateRefund,
    /// A credential-valued common field names no merchant the sandbox knows (mpgateway
    /// 2.2's 前置性错误: the provider cannot find the key to sign with); without this
    /// reply, the `parameter` one.
    UnknownMerchant,
    /// No refund has this number; without this reply, the `order_not_found` one.
    RefundNotFound,
}

/// One reply: fields by dotted response path, written as given.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SandboxReply {
    /// Response fields by dotted path (`errcode`, `biz_response.result_code`); a YAML
    /// number is written as a JSON number.
    #[cfg_attr(
        feature = "generate",
        schemars(with = "serde_json::Map<String, serde_json::Value>")
    )]
    pub reply: SandboxFields,
    /// Whether the reply is signed in the response envelope (default true); `false` for
    /// replies the document sends unsigned.
    #[serde(default = "yes")]
    pub signed: bool,
    /// `pay_failed`: the reply also carries the order, as the pay operation's success
    /// reply does, with these fields over it (shouqianba's PAY_FAIL with the `data` of
    /// example iii).
    #[serde(default)]
    pub with_order: bool,
    /// Where the document gives this reply, or why this one was chosen.
    pub source: String,
    /// The HTTP status of the reply, where the protocol's success rule reads the status
    /// (`http_status`): a status it does not list (WeChat Pay APIv3's 400, 401, 404).
    /// Default 400 there, 200 elsewhere.
    #[serde(default)]
    pub status: Option<u16>,
}

/// An operation's role in the order lifecycle and the wire names it uses.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SandboxOperation {
    /// The operation's name.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub operation: Name,
    /// What it does to an order.
    pub role: SandboxRole,
    /// Request field holding the merchant's order number.
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    #[serde(default)]
    pub order_no: Option<Name>,
    /// Request field holding the amount (`pay`, `precreate`); a dotted path for a
    /// member of a request object (`amount.total`).
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    #[serde(default)]
    pub amount: Option<Name>,
    /// Request field holding the refund amount (`refund`); a dotted path for a member of
    /// a request object (`amount.refund`).
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    #[serde(default)]
    pub refund_amount: Option<Name>,
    /// Response path of the order status, and the document's value for each state.
    #[serde(default)]
    pub status: Option<SandboxStatus>,
    /// Response path that receives the amount refunded so far (`refund`).
    #[serde(default)]
    pub reply_refunded: Option<String>,
    /// Response path that receives the order's amount (APIv3's refund `amount.total`).
    #[serde(default)]
    pub reply_amount: Option<String>,
    /// Response fields written on success, by dotted path.
    #[serde(default)]
    #[cfg_attr(
        feature = "generate",
        schemars(with = "serde_json::Map<String, serde_json::Value>")
    )]
    pub reply: SandboxFields,
    /// `cancel`: the document lets a paid order be cancelled (reversed, money back);
    /// default false, a paid order is refused with `not_cancellable`.
    #[serde(default)]
    pub cancels_paid: bool,
    /// Response fields written instead while the payment is in progress.
    #[serde(default)]
    #[cfg_attr(
        feature = "generate",
        schemars(with = "serde_json::Map<String, serde_json::Value>")
    )]
    pub in_progress: SandboxFields,
    /// Request field holding the URL notifications about this order go to (`pay`,
    /// `precreate`; `refund` for the refund's own notification), or a common field of
    /// the request whose value is a credential (Alipay's `notify_url`): the sandbox
    /// then does not hold that credential and takes the URL as sent.
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    #[serde(default)]
    pub notify_url: Option<Name>,
    /// `pay`: the request values that make the operation a precreate instead (an
    /// unpaid order the customer pays later, mpgateway's `action: WxSao`), and the
    /// reply fields then written.
    #[serde(default)]
    pub precreate_when: Option<SandboxPrecreateWhen>,
    /// `refund`: request field holding the merchant's refund number; a number used
    /// before on the order is refused with the `duplicate_refund` reply. `refund_query`:
    /// the request field that names the refund asked about.
    #[cfg_attr(feature = "generate", schemars(with = "Option<String>"))]
    #[serde(default)]
    pub refund_no: Option<Name>,
    /// `refund_query`: how the reply carries the refunds it reports.
    #[serde(default)]
    pub refunds: Option<SandboxRefunds>,
}

/// How a refund query's reply carries each refund: its fields (the refund request's,
/// and the provider's refund number) echoed under a name made from `name`, and the
/// fields written for every refund.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SandboxRefunds {
    /// The reply name of a refund field: `{name}` is the field's own name, `{n}` the
    /// refund's index from 0 (WeChat Pay v2's `{name}_{n}`: `refund_fee_0`). Without
    /// `{n}`, the reply carries one refund: the one asked about, else the latest.
    #[serde(default = "plain_refund_name")]
    pub name: String,
    /// Reply field receiving how many refunds the reply carries (`refund_count`).
    #[serde(default)]
    pub count: Option<String>,
    /// Fields written for each refund, by their names before `name` applies (every
    /// refund the sandbox makes succeeds: `refund_status: SUCCESS`).
    #[serde(default)]
    #[cfg_attr(
        feature = "generate",
        schemars(with = "serde_json::Map<String, serde_json::Value>")
    )]
    pub reply: SandboxFields,
    /// Where the document says so.
    pub source: String,
}

fn plain_refund_name() -> String {
    "{name}".to_owned()
}

impl SandboxRefunds {
    /// The reply name of field `name` of refund `index`.
    pub fn reply_name(&self, name: &str, index: usize) -> String {
        self.name
            .replace("{name}", name)
            .replace("{n}", &index.to_string())
    }

    /// Whether the reply carries every refund of the order (the name has an index).
    pub fn indexed(&self) -> bool {
        self.name.contains("{n}")
    }
}

/// When a `pay` operation creates an unpaid order instead.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SandboxPrecreateWhen {
    /// The deciding request field.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub field: Name,
    /// Its values that make the order unpaid.
    pub equals: Vec<String>,
    /// Response fields written then, by dotted path.
    #[serde(default)]
    #[cfg_attr(
        feature = "generate",
        schemars(with = "serde_json::Map<String, serde_json::Value>")
    )]
    pub reply: SandboxFields,
    /// Where the document says so.
    pub source: String,
}

/// A role in the order lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SandboxRole {
    /// Creates an order and takes the payment (barcode): paid, failed or in progress.
    Pay,
    /// Creates an unpaid order (QR code, JSAPI...).
    Precreate,
    /// Reads an order.
    Query,
    /// Refunds part or all of a paid order.
    Refund,
    /// Cancels (reverses) an order; refused once it is paid where the document says so.
    Cancel,
    /// Closes an unpaid order.
    Close,
    /// Reads an order's refunds.
    RefundQuery,
}

/// Where an operation's reply carries the order status, and the document's values.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SandboxStatus {
    /// Dotted response path (`data.status`, `biz_response.data.order_status`).
    pub field: String,
    /// The value for each state the document names; `refunded` and `partially_refunded`
    /// without one report `paid`'s, other states without one keep the filled value.
    pub values: std::collections::BTreeMap<SandboxState, String>,
    /// A message field that goes with the status (mpgateway's `resultmsg` beside
    /// `resultcode`), and its text for each state; a state without one keeps the
    /// filled value.
    #[serde(default)]
    pub message: Option<SandboxStatusMessage>,
}

/// The message written beside an order status.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SandboxStatusMessage {
    /// Dotted response path.
    pub field: String,
    /// The text for each state.
    pub values: std::collections::BTreeMap<SandboxState, String>,
}

/// A state of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SandboxState {
    /// Created, not paid (or payment in progress).
    Created,
    /// Paid.
    Paid,
    /// The payment failed.
    Failed,
    /// Closed before payment.
    Closed,
    /// Cancelled (reversed).
    Cancelled,
    /// Refunded in full.
    Refunded,
    /// Refunded in part.
    PartiallyRefunded,
}

fn one() -> u32 {
    1
}

/// Fields the sandbox writes, by name or dotted path, with the place of their map in the
/// spec (for validation's `file:line:col`).
#[derive(Debug, Clone)]
pub struct SandboxFields(pub Spanned<serde_json::Map<String, serde_json::Value>>);

impl Default for SandboxFields {
    fn default() -> Self {
        let nowhere = serde_saphyr::Location::UNKNOWN;
        SandboxFields(Spanned::new(serde_json::Map::new(), nowhere, nowhere))
    }
}

impl<'de> Deserialize<'de> for SandboxFields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Spanned::deserialize(deserializer).map(SandboxFields)
    }
}

impl std::ops::Deref for SandboxFields {
    type Target = serde_json::Map<String, serde_json::Value>;

    fn deref(&self) -> &Self::Target {
        &self.0.value
    }
}

/// The provider in the terms of paygen's payment model (`paygen::Gateway`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GatewaySpec {
    /// Every role of the model (`pay`, `precreate`, `query`, `refund`, `refund_query`,
    /// `cancel`, `close`), each with its operation or `operation: none`.
    pub roles: Vec<GatewayRoleSpec>,
    /// Notifications read as payment events.
    #[serde(default)]
    pub notifications: Vec<GatewayNotificationSpec>,
    /// Pay-poll-cancel over the model; without it `pay_and_settle` is not supported.
    #[serde(default)]
    pub settle: Option<GatewaySettleSpec>,
}

/// One role of the model and the operation that plays it.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GatewayRoleSpec {
    /// The role: `pay`, `precreate`, `query`, `refund`, `refund_query`, `cancel`, `close`.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub role: Name,
    /// The operation, or `none` when the provider lacks the role.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub operation: Name,
    /// Request fields filled from the model: model input (`amount`, `order_no`,
    /// `subject`, `auth_code`, `notify_url`, `refund_no`, `refund_amount`, `trade_no`)
    /// to the request field's dotted path.
    #[serde(default)]
    #[cfg_attr(
        feature = "generate",
        schemars(with = "std::collections::BTreeMap<ModelInput, String>")
    )]
    pub fields: std::collections::BTreeMap<ModelInput, Name>,
    /// Further request fields that carry the same model input (mct1's
    /// `original_amount` beside `trade_amount`): input to a list of dotted paths.
    #[serde(default)]
    #[cfg_attr(
        feature = "generate",
        schemars(with = "std::collections::BTreeMap<ModelInput, Vec<String>>")
    )]
    pub also: std::collections::BTreeMap<ModelInput, Vec<Name>>,
    /// Request fields with a fixed value (a documented constant such as a trade type).
    #[serde(default)]
    #[cfg_attr(
        feature = "generate",
        schemars(with = "std::collections::BTreeMap<String, String>")
    )]
    pub set: std::collections::BTreeMap<String, Name>,
    /// Reply fields read into the model: model output (`trade_no`, `order_no`, `amount`,
    /// `qr_code`, `pay_url`, `refund_no`, `refund_amount`) to the reply field's path.
    #[serde(default)]
    #[cfg_attr(
        feature = "generate",
        schemars(with = "std::collections::BTreeMap<ModelOutput, String>")
    )]
    pub results: std::collections::BTreeMap<ModelOutput, Name>,
    /// What reply values mean, first field first (read on refusals too).
    #[serde(default)]
    pub status: Vec<StatusSpec>,
    /// The status of a successful reply no `status` entry decides.
    #[serde(default)]
    pub on_success: Option<StatusKind>,
    /// Where the document says what the mapping rests on.
    #[serde(default)]
    pub source: String,
}

/// What the values of one received field mean.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusSpec {
    /// Dotted path of the field.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub field: Name,
    /// Each documented value, as received text, to its status.
    #[cfg_attr(
        feature = "generate",
        schemars(with = "std::collections::BTreeMap<String, StatusKind>")
    )]
    pub values: std::collections::BTreeMap<String, Spanned<StatusKind>>,
    /// Only some of the field's documented values are statuses (an error code beside
    /// a result code); otherwise every documented value must be mapped.
    #[serde(default)]
    pub partial: bool,
}

/// A notification read as a payment event.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GatewayNotificationSpec {
    /// The notification's name.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub notification: Name,
    /// `payment` or `refund`.
    pub event: EventKind,
    /// Notification fields read into the event.
    #[serde(default)]
    #[cfg_attr(
        feature = "generate",
        schemars(with = "std::collections::BTreeMap<ModelOutput, String>")
    )]
    pub results: std::collections::BTreeMap<ModelOutput, Name>,
    /// What its values mean.
    #[serde(default)]
    pub status: Vec<StatusSpec>,
    /// The status when no entry decides (a notification sent only on success).
    #[serde(default)]
    pub on_success: Option<StatusKind>,
}

/// Pay-poll-cancel over the model: query an uncertain payment until the deadline, then
/// end it.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "generate", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GatewaySettleSpec {
    /// `cancel` or `close`: the role that ends an unresolved order.
    #[cfg_attr(feature = "generate", schemars(with = "String"))]
    pub cancel_with: Name,
    /// How long to keep querying, from the end of the pay call, in seconds.
    pub deadline_seconds: u32,
    /// The pause after each unresolved query, in milliseconds.
    pub poll_interval_ms: u32,
    /// Cancels sent at most while a cancel's outcome is unknown.
    #[serde(default = "one")]
    pub cancel_attempts: u32,
    /// Where the document gives the flow, or why the spec chose it.
    pub source: String,
}
