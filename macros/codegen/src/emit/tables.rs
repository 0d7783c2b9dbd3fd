//! Emits the protocol IR as `const` data: the tables generated clients hand the runtime.

use paygen_protocol as ir;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// Something that can be written as a Rust constant expression.
pub trait EmitConst {
    /// The expression that rebuilds `self` at compile time.
    fn emit(&self) -> TokenStream;
}

impl EmitConst for ir::Text {
    fn emit(&self) -> TokenStream {
        let text = self.as_ref();
        quote!(Cow::Borrowed(#text))
    }
}

impl<T: EmitConst + Clone> EmitConst for ir::List<T> {
    fn emit(&self) -> TokenStream {
        let items = self.iter().map(EmitConst::emit);
        quote!(Cow::Borrowed(&[#(#items),*]))
    }
}

impl<T: EmitConst> EmitConst for Option<T> {
    fn emit(&self) -> TokenStream {
        match self {
            Some(value) => {
                let value = value.emit();
                quote!(Some(#value))
            }
            None => quote!(None),
        }
    }
}

/// Fieldless enums: the type's name, then the variant's as its derived `Debug` writes it
/// (`HexCase::Lower`).
macro_rules! emit_unit_enums {
    ($($ty:ident),* $(,)?) => {$(
        impl EmitConst for ir::$ty {
            fn emit(&self) -> TokenStream {
                let variant = Ident::new(&format!("{self:?}"), Span::call_site());
                quote!($ty::#variant)
            }
        }
    )*};
}

emit_unit_enums!(
    BodyFormat,
    PayloadEncoding,
    KeyDerivation,
    InnerFormat,
    HexCase,
    ClockFormat,
    SignInput,
    DigestAlgorithm,
    Base64Alphabet,
    SignatureForm,
    CanonicalForm,
    CanonicalSort,
    NestedValues,
    ValueEncoding,
    UnsignedErrorReply,
    UnsignedFields,
    CodeOutcome,
    Charset,
    FieldType,
    GatewayRoleKind,
    ModelInput,
    ModelOutput,
    StatusKind,
    EventKind
);

impl EmitConst for ir::FieldRule {
    fn emit(&self) -> TokenStream {
        let bound = |b: &Option<i64>| match b {
            Some(n) => {
                let n = proc_macro2::Literal::i64_unsuffixed(*n);
                quote!(Some(#n))
            }
            None => quote!(None),
        };
        match self {
            ir::FieldRule::Sum { field, plus, minus } => {
                let (field, plus, minus) = (field.emit(), plus.emit(), minus.emit());
                quote!(FieldRule::Sum { field: #field, plus: #plus, minus: #minus })
            }
            ir::FieldRule::RequiredWhen {
                field,
                when,
                equals,
            } => {
                let (field, when, equals) = (field.emit(), when.emit(), equals.emit());
                quote!(FieldRule::RequiredWhen { field: #field, when: #when, equals: #equals })
            }
            ir::FieldRule::Range {
                field,
                min,
                max,
                yuan,
            } => {
                let (field, min, max) = (field.emit(), bound(min), bound(max));
                quote!(FieldRule::Range { field: #field, min: #min, max: #max, yuan: #yuan })
            }
            ir::FieldRule::Charset { field, charset } => {
                let (field, charset) = (field.emit(), charset.emit());
                quote!(FieldRule::Charset { field: #field, charset: #charset })
            }
            ir::FieldRule::Sha1Hex { field } => {
                let field = field.emit();
                quote!(FieldRule::Sha1Hex { field: #field })
            }
        }
    }
}

impl EmitConst for ir::CodeMeaning {
    fn emit(&self) -> TokenStream {
        let field = self.field.as_ref();
        let value = self.value.as_ref();
        let outcome = self.outcome.emit();
        quote!(CodeMeaning::new(#field, #value, #outcome))
    }
}
impl EmitConst for ir::Payload {
    fn emit(&self) -> TokenStream {
        match self {
            ir::Payload::Inline => quote!(Payload::Inline),
            ir::Payload::Field(field) => {
                let name = field.name.emit();
                let encoding = field.encoding.emit();
                let key = field.key.emit();
                let hex = field.hex.emit();
                let flatten = field.flatten;
                let key_derivation = field.key_derivation.emit();
                let inner = field.inner.emit();
                let aead = field.aead.emit();
                quote!(Payload::Field(PayloadField {
                    name: #name,
                    encoding: #encoding,
                    key: #key,
                    hex: #hex,
                    flatten: #flatten,
                    key_derivation: #key_derivation,
                    inner: #inner,
                    aead: #aead,
                }))
            }
        }
    }
}

impl EmitConst for ir::AeadMembers {
    fn emit(&self) -> TokenStream {
        let ciphertext = self.ciphertext.emit();
        let nonce = self.nonce.emit();
        let associated_data = self.associated_data.emit();
        let associated_data_value = self.associated_data_value.emit();
        quote!(AeadMembers {
            ciphertext: #ciphertext,
            nonce: #nonce,
            associated_data: #associated_data,
            associated_data_value: #associated_data_value,
        })
    }
}

impl EmitConst for ir::Environment {
    fn emit(&self) -> TokenStream {
        let (name, base_url) = (self.name.emit(), self.base_url.emit());
        quote!(Environment { name: #name, base_url: #base_url })
    }
}

impl EmitConst for ir::CredentialDef {
    fn emit(&self) -> TokenStream {
        let (name, secret) = (self.name.emit(), self.secret);
        quote!(CredentialDef { name: #name, secret: #secret })
    }
}

impl EmitConst for ir::CommonField {
    fn emit(&self) -> TokenStream {
        let name = self.name.emit();
        let in_payload = self.in_payload;
        let as_number = self.as_number;
        let value = match &self.value {
            ir::ValueSource::Credential(c) => {
                let c = c.emit();
                quote!(ValueSource::Credential(#c))
            }
            ir::ValueSource::Constant(c) => {
                let c = c.emit();
                quote!(ValueSource::Constant(#c))
            }
            ir::ValueSource::Clock(format) => {
                let format = format.emit();
                quote!(ValueSource::Clock(#format))
            }
            ir::ValueSource::Nonce(len) => {
                let len = proc_macro2::Literal::u8_unsuffixed(*len);
                quote!(ValueSource::Nonce(#len))
            }
            ir::ValueSource::Request => quote!(ValueSource::Request),
        };
        quote!(CommonField {
            name: #name,
            value: #value,
            in_payload: #in_payload,
            as_number: #as_number,
        })
    }
}

impl EmitConst for ir::Header {
    fn emit(&self) -> TokenStream {
        let (name, parts, sensitive) = (self.name.emit(), self.parts.emit(), self.sensitive);
        quote!(Header { name: #name, parts: #parts, sensitive: #sensitive })
    }
}

impl EmitConst for ir::Canonical {
    fn emit(&self) -> TokenStream {
        let exclude = self.exclude.emit();
        let skip_empty = self.skip_empty;
        let pair_separator = self.pair_separator.emit();
        let join = self.join.emit();
        let form = self.form.emit();
        let order = self.order.emit();
        let value_encoding = self.value_encoding.emit();
        let (sort, include, nested) = (self.sort.emit(), self.include.emit(), self.nested.emit());
        quote!(Canonical {
            exclude: #exclude,
            skip_empty: #skip_empty,
            pair_separator: #pair_separator,
            join: #join,
            form: #form,
            order: #order,
            value_encoding: #value_encoding,
            sort: #sort,
            include: #include,
            nested: #nested,
        })
    }
}

impl EmitConst for ir::DigestStep {
    fn emit(&self) -> TokenStream {
        let algorithm = self.algorithm.emit();
        let output = match self.output {
            ir::DigestOutput::Hex(case) => {
                let case = case.emit();
                quote!(DigestOutput::Hex(#case))
            }
            ir::DigestOutput::Base64 => quote!(DigestOutput::Base64),
            ir::DigestOutput::Encoded(form) => {
                let form = form.emit();
                quote!(DigestOutput::Encoded(#form))
            }
        };
        quote!(DigestStep { algorithm: #algorithm, output: #output })
    }
}

impl EmitConst for ir::OutputForm {
    fn emit(&self) -> TokenStream {
        let text = match self.text {
            ir::TextEncoding::Hex(case) => {
                let case = case.emit();
                quote!(TextEncoding::Hex(#case))
            }
            ir::TextEncoding::Base64 { alphabet, padded } => {
                let alphabet = alphabet.emit();
                quote!(TextEncoding::Base64 { alphabet: #alphabet, padded: #padded })
            }
        };
        let signature = self.signature.emit();
        quote!(OutputForm { text: #text, signature: #signature })
    }
}

impl EmitConst for ir::TemplatePart {
    fn emit(&self) -> TokenStream {
        match self {
            ir::TemplatePart::Method => quote!(TemplatePart::Method),
            ir::TemplatePart::Path => quote!(TemplatePart::Path),
            ir::TemplatePart::Timestamp(format) => {
                let format = format.emit();
                quote!(TemplatePart::Timestamp(#format))
            }
            ir::TemplatePart::Nonce(len) => {
                let len = proc_macro2::Literal::u8_unsuffixed(*len);
                quote!(TemplatePart::Nonce(#len))
            }
            ir::TemplatePart::Body => quote!(TemplatePart::Body),
            ir::TemplatePart::Literal(text) => {
                let text = text.emit();
                quote!(TemplatePart::Literal(#text))
            }
            ir::TemplatePart::Credential(name) => {
                let name = name.emit();
                quote!(TemplatePart::Credential(#name))
            }
            ir::TemplatePart::Header(name) => {
                let name = name.emit();
                quote!(TemplatePart::Header(#name))
            }
            ir::TemplatePart::HeaderParam(ir::HeaderParam { header, param }) => {
                let (header, param) = (header.emit(), param.emit());
                quote!(TemplatePart::HeaderParam(HeaderParam { header: #header, param: #param }))
            }
            ir::TemplatePart::BodyDigest(algorithm) => {
                let algorithm = algorithm.emit();
                quote!(TemplatePart::BodyDigest(#algorithm))
            }
            ir::TemplatePart::Digest(ir::PartDigest { hash, of }) => {
                let (hash, of) = (hash.emit(), of.emit());
                quote!(TemplatePart::Digest(PartDigest { hash: #hash, of: #of }))
            }
            ir::TemplatePart::Base64(of) => {
                let of = of.emit();
                quote!(TemplatePart::Base64(#of))
            }
        }
    }
}

impl EmitConst for ir::Template {
    fn emit(&self) -> TokenStream {
        let (parts, join, trailing) = (self.parts.emit(), self.join.emit(), self.trailing);
        quote!(Template { parts: #parts, join: #join, trailing: #trailing })
    }
}

impl EmitConst for ir::VerifyKey {
    fn emit(&self) -> TokenStream {
        match self {
            ir::VerifyKey::Credential(name) => {
                let name = name.emit();
                quote!(VerifyKey::Credential(#name))
            }
            ir::VerifyKey::BySerial { credential, header } => {
                let (credential, header) = (credential.emit(), header.emit());
                quote!(VerifyKey::BySerial { credential: #credential, header: #header })
            }
            ir::VerifyKey::Carried(carried) => {
                let from = match &carried.from {
                    ir::CertificatePlace::Field(name) => {
                        let name = name.emit();
                        quote!(CertificatePlace::Field(#name))
                    }
                    ir::CertificatePlace::Header(name) => {
                        let name = name.emit();
                        quote!(CertificatePlace::Header(#name))
                    }
                };
                let roots = carried.roots.emit();
                let intermediates = carried.intermediates.emit();
                let subject_cn = carried.subject_cn.emit();
                quote!(VerifyKey::Carried(CarriedCertificate {
                    from: #from,
                    roots: #roots,
                    intermediates: #intermediates,
                    subject_cn: #subject_cn,
                }))
            }
        }
    }
}

impl EmitConst for ir::Recipe {
    fn emit(&self) -> TokenStream {
        let input = self.input.emit();
        let canonical = self.canonical.emit();
        let key_credential = self.key_credential.emit();
        let key_place = match &self.key_place {
            ir::KeyPlace::Append(prefix) => {
                let prefix = prefix.emit();
                quote!(KeyPlace::Append(#prefix))
            }
            ir::KeyPlace::SortedField(name) => {
                let name = name.emit();
                quote!(KeyPlace::SortedField(#name))
            }
            ir::KeyPlace::Unplaced => quote!(KeyPlace::Unplaced),
        };
        let digests = self.digests.emit();
        let verify_key = self.verify_key.emit();
        let key_pair = self.key_pair.emit();
        let verify_key_pair = self.verify_key_pair.emit();
        let template = self.template.emit();
        quote!(Recipe {
            input: #input,
            canonical: #canonical,
            key_credential: #key_credential,
            key_place: #key_place,
            digests: #digests,
            verify_key: #verify_key,
            key_pair: #key_pair,
            verify_key_pair: #verify_key_pair,
            template: #template,
        })
    }
}

impl EmitConst for ir::RequestSignature {
    fn emit(&self) -> TokenStream {
        let recipe = self.recipe.emit();
        let choose_by = self.choose_by.emit();
        let output = match &self.output {
            ir::SignatureOutput::Field(name) => {
                let name = name.emit();
                quote!(SignatureOutput::Field(#name))
            }
            ir::SignatureOutput::Header { name, template } => {
                let (name, template) = (name.emit(), template.emit());
                quote!(SignatureOutput::Header { name: #name, template: #template })
            }
        };
        quote!(RequestSignature { recipe: #recipe, choose_by: #choose_by, output: #output })
    }
}

impl EmitConst for ir::RecipeChoice {
    fn emit(&self) -> TokenStream {
        let by = match &self.by {
            ir::ChoicePart::Credential(name) => {
                let name = name.emit();
                quote!(ChoicePart::Credential(#name))
            }
            ir::ChoicePart::RequestField(name) => {
                let name = name.emit();
                quote!(ChoicePart::RequestField(#name))
            }
            ir::ChoicePart::ReceivedField {
                field,
                by_hex_length,
            } => {
                let (field, by_hex_length) = (field.emit(), by_hex_length.emit());
                quote!(ChoicePart::ReceivedField { field: #field, by_hex_length: #by_hex_length })
            }
        };
        let recipes = self.recipes.emit();
        quote!(RecipeChoice { by: #by, recipes: #recipes })
    }
}

impl EmitConst for ir::RecipeOption {
    fn emit(&self) -> TokenStream {
        let value = self.value.emit();
        let recipe = self.recipe.emit();
        quote!(RecipeOption { value: #value, recipe: #recipe })
    }
}

impl EmitConst for ir::HexLengthOption {
    fn emit(&self) -> TokenStream {
        let (length, recipe) = (self.length, self.recipe.emit());
        quote!(HexLengthOption { length: #length, recipe: #recipe })
    }
}

impl EmitConst for ir::Verification {
    fn emit(&self) -> TokenStream {
        let recipe = self.recipe.emit();
        let choose_by = self.choose_by.emit();
        let field = self.field.emit();
        let scope = self.scope.emit();
        let header = self.header.emit();
        let header_template = self.header_template.emit();
        let unsigned_error_when = self.unsigned_error_when.emit();
        let unsigned_fields = self.unsigned_fields.emit();
        let freshness = self.freshness.emit();
        let nonce = self.nonce.emit();
        quote!(Verification {
            recipe: #recipe,
            choose_by: #choose_by,
            field: #field,
            scope: #scope,
            header: #header,
            header_template: #header_template,
            unsigned_error_when: #unsigned_error_when,
            unsigned_fields: #unsigned_fields,
            freshness: #freshness,
            nonce: #nonce,
        })
    }
}

impl EmitConst for ir::Freshness {
    fn emit(&self) -> TokenStream {
        let source = self.source.emit();
        let format = self.format.emit();
        let max_skew_seconds = proc_macro2::Literal::u32_unsuffixed(self.max_skew_seconds);
        quote!(Freshness { source: #source, format: #format, max_skew_seconds: #max_skew_seconds })
    }
}

impl EmitConst for ir::SignedValue {
    fn emit(&self) -> TokenStream {
        match self {
            ir::SignedValue::Field(name) => {
                let name = name.emit();
                quote!(SignedValue::Field(#name))
            }
            ir::SignedValue::Header(name) => {
                let name = name.emit();
                quote!(SignedValue::Header(#name))
            }
            ir::SignedValue::HeaderParam(ir::HeaderParam { header, param }) => {
                let (header, param) = (header.emit(), param.emit());
                quote!(SignedValue::HeaderParam(HeaderParam { header: #header, param: #param }))
            }
        }
    }
}

impl EmitConst for ir::SuccessRule {
    fn emit(&self) -> TokenStream {
        let field = self.field.emit();
        let equals = self.equals.emit();
        let message = self.message.emit();
        let detail = self.detail.emit();
        let and = self.and.emit();
        let or = self.or.emit();
        let statuses = self
            .http_status
            .iter()
            .map(|s| proc_macro2::Literal::u16_unsuffixed(*s));
        quote!(SuccessRule { field: #field, equals: #equals, message: #message, detail: #detail, and: #and, or: #or, http_status: Cow::Borrowed(&[#(#statuses),*]) })
    }
}

impl EmitConst for ir::FieldDef {
    /// Only what differs from `FieldDef::TEXT` (an optional text field with no rule).
    fn emit(&self) -> TokenStream {
        let name = self.name.emit();
        let mut set = vec![quote!(name: #name)];
        if self.ty != ir::FieldType::String {
            let ty = self.ty.emit();
            set.push(quote!(ty: #ty));
        }
        if self.required {
            set.push(quote!(required: true));
        }
        if let Some(n) = self.max_length {
            let n = proc_macro2::Literal::u32_unsuffixed(n);
            set.push(quote!(max_length: Some(#n)));
        }
        if let Some(n) = self.min_length {
            let n = proc_macro2::Literal::u32_unsuffixed(n);
            set.push(quote!(min_length: Some(#n)));
        }
        if self.as_string {
            set.push(quote!(as_string: true));
        }
        if !self.values.is_empty() {
            let values = self.values.emit();
            set.push(quote!(values: #values));
        }
        if !self.fields.is_empty() {
            let fields = self.fields.emit();
            set.push(quote!(fields: #fields));
        }
        quote!(FieldDef { #(#set,)* ..FieldDef::TEXT })
    }
}

/// An operation whose code meanings are the expression `codes` and whose request field
/// facts are the expression `request`: the operations of a provider share its
/// documents' code tables, each written once (`tables_module`), and each request
/// type carries its fields' facts (`FIELDS`).
pub fn emit_operation(
    op: &ir::Operation,
    codes: TokenStream,
    request: TokenStream,
    check_received: bool,
) -> TokenStream {
    let name = op.name.emit();
    let path = op.path.emit();
    let method = op.method.emit();
    let signed = op.signed;
    let moves_money = op.moves_money;
    let common = op.common.emit();
    let headers = op.headers.emit();
    let response_members = op.response_members.emit();
    let one_of = op.one_of.emit();
    let rules = op.rules.emit();
    let reply_rules = op.reply_rules.emit();
    let done_when = op.done_when.emit();
    let success = op.success.emit();
    // The typed response struct carries these facts: generated crates leave the table
    // empty (lowering at run time fills it), unless the runtime must check the received
    // fields' formats itself (a signed string that cannot be read back).
    let response = if check_received {
        op.response.emit()
    } else {
        quote!(Cow::Borrowed(&[]))
    };
    quote!(Operation {
        name: #name,
        path: #path,
        method: #method,
        signed: #signed,
        moves_money: #moves_money,
        common: #common,
        headers: #headers,
        response_members: #response_members,
        one_of: #one_of,
        rules: #rules,
        request: #request,
        response: #response,
        success: #success,
        codes: #codes,
        reply_rules: #reply_rules,
        done_when: #done_when,
    })
}

impl EmitConst for ir::DoneWhen {
    fn emit(&self) -> TokenStream {
        let (field, equals) = (self.field.emit(), self.equals.emit());
        let confirm_with = self.confirm_with.emit();
        quote!(DoneWhen { field: #field, equals: #equals, confirm_with: #confirm_with })
    }
}

impl EmitConst for ir::Notification {
    fn emit(&self) -> TokenStream {
        let name = self.name.emit();
        let body = self.body.emit();
        let payload = self.payload.emit();
        let verification = self.verification.emit();
        let ack = self.ack.emit();
        let ack_template = self.ack_template;
        let event_key = self.event_key.emit();
        // As for responses, the typed notification carries its fields; but a message
        // protected only by encryption has its decrypted fields checked against their
        // formats by the runtime, so that blocks moved around are caught where they can be.
        // An AEAD payload that decrypts is authentic already: its fields need no such check.
        let encrypted_only = self.verification.is_none()
            && matches!(&self.payload, ir::Payload::Field(p)
                if p.encoding.is_encrypted() && !p.encoding.is_authenticated());
        let unreadable = self
            .verification
            .as_ref()
            .is_some_and(ir::Verification::cannot_be_read_back);
        let fields = if encrypted_only || unreadable {
            self.fields.emit()
        } else {
            quote!(Cow::Borrowed(&[]))
        };
        let confirm_with = self.confirm_with.emit();
        quote!(Notification {
            name: #name,
            body: #body,
            payload: #payload,
            verification: #verification,
            ack: #ack,
            ack_template: #ack_template,
            event_key: #event_key,
            fields: #fields,
            confirm_with: #confirm_with,
        })
    }
}

impl EmitConst for ir::FieldPair {
    fn emit(&self) -> TokenStream {
        let (field, notification) = (self.field.emit(), self.notification.emit());
        quote!(FieldPair { field: #field, notification: #notification })
    }
}

impl EmitConst for ir::Confirmation {
    fn emit(&self) -> TokenStream {
        let operation = self.operation.emit();
        let (request, agree) = (self.request.emit(), self.agree.emit());
        quote!(Confirmation { operation: #operation, request: #request, agree: #agree })
    }
}

impl EmitConst for ir::ModelInputField {
    fn emit(&self) -> TokenStream {
        let (input, field) = (self.input.emit(), self.field.emit());
        quote!(ModelInputField { input: #input, field: #field })
    }
}

impl EmitConst for ir::ModelOutputField {
    fn emit(&self) -> TokenStream {
        let (output, field) = (self.output.emit(), self.field.emit());
        quote!(ModelOutputField { output: #output, field: #field })
    }
}

impl EmitConst for ir::FixedField {
    fn emit(&self) -> TokenStream {
        let (field, value) = (self.field.emit(), self.value.emit());
        quote!(FixedField { field: #field, value: #value })
    }
}

impl EmitConst for ir::StatusRule {
    fn emit(&self) -> TokenStream {
        let (field, equals, status) = (self.field.emit(), self.equals.emit(), self.status.emit());
        quote!(StatusRule { field: #field, equals: #equals, status: #status })
    }
}

impl EmitConst for ir::GatewayRole {
    fn emit(&self) -> TokenStream {
        let role = self.role.emit();
        let operation = self.operation.emit();
        let fields = self.fields.emit();
        let set = self.set.emit();
        let results = self.results.emit();
        let status = self.status.emit();
        let on_success = self.on_success.emit();
        quote!(GatewayRole {
            role: #role,
            operation: #operation,
            fields: #fields,
            set: #set,
            results: #results,
            status: #status,
            on_success: #on_success,
        })
    }
}

impl EmitConst for ir::GatewayNotification {
    fn emit(&self) -> TokenStream {
        let notification = self.notification.emit();
        let event = self.event.emit();
        let results = self.results.emit();
        let status = self.status.emit();
        let on_success = self.on_success.emit();
        quote!(GatewayNotification {
            notification: #notification,
            event: #event,
            results: #results,
            status: #status,
            on_success: #on_success,
        })
    }
}

impl EmitConst for ir::GatewaySettle {
    fn emit(&self) -> TokenStream {
        let cancel_with = self.cancel_with.emit();
        let deadline_ms = proc_macro2::Literal::u64_unsuffixed(self.deadline_ms);
        let poll_interval_ms = proc_macro2::Literal::u64_unsuffixed(self.poll_interval_ms);
        let cancel_attempts = proc_macro2::Literal::u32_unsuffixed(self.cancel_attempts);
        let source = self.source.emit();
        quote!(GatewaySettle {
            cancel_with: #cancel_with,
            deadline_ms: #deadline_ms,
            poll_interval_ms: #poll_interval_ms,
            cancel_attempts: #cancel_attempts,
            source: #source,
        })
    }
}

impl EmitConst for ir::GatewayMap {
    fn emit(&self) -> TokenStream {
        let roles = self.roles.emit();
        let notifications = self.notifications.emit();
        let settle = self.settle.emit();
        quote!(GatewayMap {
            roles: #roles,
            notifications: #notifications,
            settle: #settle,
        })
    }
}
