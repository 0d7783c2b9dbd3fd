//! Checks a parsed spec for what the types cannot say: duplicate names, references to
//! things that do not exist, recipes that cannot run, fields that contradict themselves.

use super::model::*;
use crate::items::item_names;
use crate::names::ident;
use paygen_protocol::{self as ir, template_pieces, Piece};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) mod gateway;
mod recipes;
mod rules;
mod sandbox;
mod signed_values;
mod variants;
use recipes::Use;

/// A problem at a line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct Problem {
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
    /// What is wrong and what was expected.
    pub message: String,
}

impl Problem {
    /// `problems` in file order, each once: a mistake inside a shared type is found at
    /// each field that uses it, at the same place.
    pub(crate) fn sort_once(problems: &mut Vec<Problem>) {
        // Stable: at one place, problems keep the order the checks found them in.
        problems.sort_by_key(|p| (p.line, p.column));
        let mut seen = BTreeSet::new();
        problems.retain(|p| seen.insert((p.line, p.column, p.message.clone())));
    }

    /// `message`, at the place in the file where `place` was read.
    pub fn at<T>(place: &Spanned<T>, message: impl Into<String>) -> Self {
        Problem {
            line: place.referenced.line(),
            column: place.referenced.column(),
            message: message.into(),
        }
    }
}

/// A spec that passed validation, with what validation worked out for lowering; only
/// [`validate`] makes one, so lowering never meets a case it would have to guess about.
#[derive(Debug)]
pub struct ValidSpec {
    spec: Spec,
    /// Minutes east of UTC of the spec's `utc_offset`.
    pub(crate) utc_offset_minutes: i32,
    /// Every signature recipe, lowered, by name; every reference names one of them.
    pub(crate) recipes: BTreeMap<String, ir::Recipe>,
    /// What the spec may say but a reviewer should know weakens a check.
    warnings: Vec<Problem>,
}

impl ValidSpec {
    /// What is valid but weakens what a receiver can trust (a keyless recipe, a signed
    /// string that cannot be read back), at the place in the file.
    pub fn warnings(&self) -> &[Problem] {
        &self.warnings
    }

    /// The spec itself, without what validation worked out.
    pub fn into_spec(self) -> Spec {
        self.spec
    }
}

impl std::ops::Deref for ValidSpec {
    type Target = Spec;

    fn deref(&self) -> &Spec {
        &self.spec
    }
}

struct Checker<'s> {
    spec: &'s Spec,
    problems: Vec<Problem>,
    /// What is allowed but weakens what a receiver can trust.
    warnings: Vec<Problem>,
    /// The recipes lowered so far (the first of a duplicated name).
    recipes: BTreeMap<String, ir::Recipe>,
    /// The recipes some reply or notification is verified with.
    verified: BTreeSet<String>,
}

impl<'s> Checker<'s> {
    /// `confirm_with`: the operation exists, each request field is one of its request
    /// fields, each reply path one of its reply fields, and each notification field one
    /// of the notification's.
    fn confirmation(&mut self, confirmation: &Confirmation, notification: &Notification) {
        let spec = self.spec;
        let Some(op) = spec
            .operations
            .iter()
            .find(|op| op.name.value == confirmation.operation.value)
        else {
            self.at(
                &confirmation.operation,
                format!(
                    "confirm_with names operation `{}`, which the spec does not have",
                    confirmation.operation.value
                ),
            );
            return;
        };
        let of_notification = |name: &str| notification.fields.iter().any(|f| f.name.value == name);
        let pairs = [
            (&confirmation.request, &op.request, "request"),
            (&confirmation.agree, &op.response, "reply"),
        ];
        for (list, fields, side) in pairs {
            for pair in list {
                let top = pair.field.value.split('.').next().unwrap_or_default();
                if !fields.iter().any(|f| f.name.value == top) {
                    self.at(
                        &pair.field,
                        format!(
                            "`{}` is not a {side} field of `{}`",
                            pair.field.value, op.name.value
                        ),
                    );
                }
                if !of_notification(&pair.notification.value) {
                    self.at(
                        &pair.notification,
                        format!(
                            "`{}` is not a field of notification `{}`",
                            pair.notification.value, notification.name.value
                        ),
                    );
                }
            }
        }
        if confirmation.agree.is_empty() {
            self.at(
                &confirmation.operation,
                "confirm_with needs at least one `agree` pair: a query that is not compared confirms nothing",
            );
        }
    }

    fn at<T>(&mut self, name: &Spanned<T>, message: impl Into<String>) {
        self.problems.push(Problem::at(name, message));
    }

    fn warn_at<T>(&mut self, name: &Spanned<T>, message: impl Into<String>) {
        self.warnings.push(Problem::at(name, message));
    }

    /// Reports repeated names as "duplicate {noun} `name`{context}"; returns them.
    fn unique<'n>(
        &mut self,
        noun: &str,
        context: &str,
        names: impl IntoIterator<Item = &'n Name>,
    ) -> BTreeSet<&'n str> {
        let mut seen = BTreeSet::new();
        let mut repeated = BTreeSet::new();
        for name in names {
            if !seen.insert(name.value.as_str()) {
                repeated.insert(name.value.as_str());
                self.at(name, format!("duplicate {noun} `{}`{context}", name.value));
            }
        }
        repeated
    }

    fn credential(&mut self, reference: &Name, role: &str) {
        if self.spec.key_sets().contains(reference.value.as_str()) {
            self.at(
                reference,
                format!(
                    "{role} names credential `{}`, a key set (the `credential` of a `by_serial` verify key), which has no one value",
                    reference.value
                ),
            );
        }
        if !self
            .spec
            .credentials
            .iter()
            .any(|c| c.name.value == reference.value)
        {
            let known = list(self.spec.credentials.iter().map(|c| c.name.value.as_str()));
            self.at(
                reference,
                format!(
                    "{role} names credential `{}`, which is not defined; expected one of {known}",
                    reference.value
                ),
            );
        }
    }

    fn recipe(&mut self, reference: &Name) -> Option<&'s SignatureRecipe> {
        let spec = self.spec;
        let found = spec
            .signatures
            .iter()
            .find(|r| r.name.value == reference.value);
        if found.is_none() {
            let known = list(spec.signatures.iter().map(|r| r.name.value.as_str()));
            self.at(
                reference,
                format!(
                    "signature recipe `{}` is not defined; expected one of {known}",
                    reference.value
                ),
            );
        }
        found
    }

    /// A payload field's rules, in a message whose body is `body`.
    fn payload(&mut self, payload: &Payload, body: BodyFormat) {
        if let Payload::Field(field) = payload {
            let encoding = field.encoding.value;
            let encrypted = encoding.is_encrypted();
            match (encrypted, &field.key) {
                (true, Some(key)) => self.credential(key, "payload cipher key"),
                (true, None) => self.at(
                    &field.encoding,
                    format!(
                        "payload `{}` is encrypted but names no `key` credential",
                        field.name
                    ),
                ),
                (false, Some(key)) => self.at(key, "only an encrypted payload takes a `key`"),
                (false, None) => {}
            }
            if !encrypted && field.key_derivation != KeyDerivation::Raw {
                self.at(
                    &field.encoding,
                    format!(
                        "payload `{}`: `key_derivation` applies to encrypted payloads only",
                        field.name
                    ),
                );
            }
            if encoding.is_object() && body != BodyFormat::Json {
                self.at(
                    &field.encoding,
                    format!(
                        "payload `{}` is `{}`, whose value is a JSON object: the body must be `json`, not `{}`",
                        field.name,
                        encoding_name(encoding),
                        body_name(body)
                    ),
                );
            }
            if encoding == PayloadEncoding::JsonObjectSorted && field.format == InnerFormat::Xml {
                self.at(
                    &field.encoding,
                    format!(
                        "payload `{}` is `json_object_sorted`, a JSON object: its `format` cannot be `xml`",
                        field.name
                    ),
                );
            }
            match (&field.aead, encoding) {
                (Some(aead), PayloadEncoding::AeadAes256Gcm) => self.aead_members(aead),
                (Some(_), _) => self.at(
                    &field.encoding,
                    format!(
                        "payload `{}`: `aead` applies to `aead_aes_256_gcm` payloads only",
                        field.name
                    ),
                ),
                (None, _) => {}
            }
        }
    }

    /// The members of an AEAD payload object are three different names.
    fn aead_members(&mut self, aead: &AeadSpec) {
        let defaults = paygen_protocol::AeadMembers::DEFAULT;
        let members = [
            ("ciphertext", aead.ciphertext.as_ref(), defaults.ciphertext),
            ("nonce", aead.nonce.as_ref(), defaults.nonce),
            (
                "associated_data",
                aead.associated_data.as_ref(),
                defaults.associated_data,
            ),
        ];
        let names: Vec<&str> = members
            .iter()
            .map(|(_, given, default)| given.map_or(default.as_ref(), |n| n.value.as_str()))
            .collect();
        for (index, (role, given, _)) in members.iter().enumerate() {
            let Some(given) = given else { continue };
            if given.value.is_empty() {
                self.at(given, format!("the AEAD `{role}` member needs a name"));
                continue;
            }
            // Two given names clash at the later one; a default, at the name given.
            let clash = (0..members.len()).find(|&other| {
                other != index
                    && names[other] == names[index]
                    && (other < index || members[other].1.is_none())
            });
            if let Some(other) = clash {
                self.at(
                    given,
                    format!(
                        "the AEAD `{role}` member is named `{}`, as the `{}` member is: each part needs its own member",
                        given.value, members[other].0
                    ),
                );
            }
        }
    }

    /// Fields of a message written as flat XML hold text only: an object, list or
    /// JSON field could never be written or read.
    fn flat_fields(&mut self, fields: &[Field], what: &str) {
        for field in fields {
            if matches!(
                field.ty,
                FieldType::Object | FieldType::List | FieldType::Json
            ) {
                self.at(
                    &field.name,
                    format!(
                        "field `{}` of {what} is nested, but the message is flat XML: its fields hold text only",
                        field.name.value
                    ),
                );
            }
        }
    }

    /// Fields of a message whose body or payload document is XML.
    fn xml_message(&mut self, body: BodyFormat, payload: &Payload, fields: &[Field], what: &str) {
        let xml_body = matches!(body, BodyFormat::Xml | BodyFormat::XmlCdata);
        let xml_payload = matches!(payload, Payload::Field(p) if p.format == InnerFormat::Xml);
        if (xml_body && matches!(payload, Payload::Inline)) || xml_payload {
            self.flat_fields(fields, what);
        }
    }

    /// A common field's own rules (envelope or operation).
    fn common_field(&mut self, field: &CommonField, payload: &Payload) {
        if let ValueSource::Credential(name) = &field.value {
            self.credential(name, "common field");
        }
        if field.in_payload && matches!(field.value, ValueSource::Request(_)) {
            self.at(
                &field.name,
                "a request-valued common field goes at the top level; for a field inside the payload, declare an operation request field",
            );
        } else if field.in_payload && matches!(payload, Payload::Inline) {
            self.at(
                &field.name,
                "`in_payload` needs a payload field; this request's payload is inline",
            );
        }
        if field.as_number
            && !matches!(
                field.value,
                ValueSource::Clock(ClockFormat::UnixSeconds | ClockFormat::UnixMillis)
            )
        {
            self.at(
                &field.name,
                "`as_number` applies to `unix_seconds` and `unix_millis` clock fields only",
            );
        }
    }

    /// `{name}` placeholders of a path must be required scalar request fields.
    fn path(&mut self, operation: &Operation) {
        for piece in template_pieces(&operation.path) {
            let name = match piece {
                Piece::Text(_) => continue,
                Piece::Unclosed(_) => {
                    let op = &operation.name.value;
                    self.at(
                        &operation.name,
                        format!("operation `{op}`: unclosed `{{` in path"),
                    );
                    return;
                }
                Piece::Placeholder(name) => name,
            };
            match operation.request.iter().find(|f| f.name.value == name) {
                None => self.at(
                    &operation.name,
                    format!(
                        "operation `{}`: path parameter `{{{name}}}` is not a request field",
                        operation.name.value
                    ),
                ),
                Some(field) if !field.required => self.at(
                    &field.name,
                    format!("`{name}` is a path parameter, so it must be `required: true`"),
                ),
                Some(field)
                    if matches!(
                        field.ty,
                        FieldType::Object | FieldType::List | FieldType::Json
                    ) =>
                {
                    self.at(
                        &field.name,
                        format!("`{name}` is a path parameter, so it must be a scalar"),
                    )
                }
                Some(_) => {}
            }
        }
    }

    fn verification(
        &mut self,
        check: &Verification,
        payload: &Payload,
        body: BodyFormat,
        has_members: bool,
    ) {
        match (&check.header, check.field.is_empty()) {
            (Some(_), false) => self.at(
                &check.recipe,
                "the signature is in `field` or in `header`, not both",
            ),
            (None, true) => self.at(
                &check.recipe,
                "say where the signature is: `field` (a top-level field) or `header` (a response header)",
            ),
            (Some(name), true) => {
                // RFC 7230 `tchar`.
                let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
                if name.is_empty() || !name.chars().all(tchar) {
                    self.at(
                        &check.recipe,
                        format!("signature header `{name}` is not an HTTP header name"),
                    );
                }
            }
            (None, false) => {}
        }
        // A template signature of a received message reads its parts from the message's
        // headers and body; the signature itself can only be in a header then.
        let template = self
            .recipe(&check.recipe)
            .is_some_and(|r| r.input == SignInput::Template);
        if template && check.header.is_none() {
            self.at(
                &check.recipe,
                "a template signature of a received message is read from a header: give `header:` instead of `field:`",
            );
        }
        if let Some((scope, field)) = check.field.split_once('.') {
            // `data.sign`: the signature and the fields it signs are members of `data`.
            let input = self.recipe(&check.recipe).map(|r| r.input);
            let problem = if scope.is_empty() || field.is_empty() || field.contains('.') {
                Some("name one object member and its signature field, as `data.sign`")
            } else if body != BodyFormat::Json {
                Some("a nested signature field needs a JSON message")
            } else if !matches!(payload, Payload::Inline) {
                Some("a nested signature field signs the object's members; the payload must be inline")
            } else if has_members {
                Some("a nested signature field and response `members` both choose the business fields; use one")
            } else if input.is_some_and(|i| i != SignInput::Canonical) {
                Some(
                    "a nested signature field needs a `canonical` recipe over the object's members",
                )
            } else {
                None
            };
            if let Some(problem) = problem {
                self.at(
                    &check.recipe,
                    format!("signature field `{}`: {problem}", check.field),
                );
            }
        }
        if let Some(choice) = &check.choose_by {
            self.recipe_choice(choice, &check.recipe, Use::Verify);
        }
        self.header_params(check);
        if let Some(recipe) = self.recipe(&check.recipe) {
            self.recipe_use(recipe, &check.recipe, Use::Verify);
            if recipe.input == SignInput::PayloadField && matches!(payload, Payload::Inline) {
                self.at(
                    &check.recipe,
                    format!(
                        "recipe `{}` signs the payload field, but this message's payload is inline",
                        check.recipe.value
                    ),
                );
            }
        }
        let has_payload_field = matches!(payload, Payload::Field(_));
        if check
            .unsigned_error_when
            .contains(&UnsignedErrorReply::PayloadAbsent)
            && !has_payload_field
        {
            self.at(
                &check.recipe,
                "`unsigned_error_when: [payload_absent]` needs a payload field, but this message's payload is inline",
            );
        }
        if let Some(freshness) = check
            .freshness
            .as_ref()
            .filter(|f| f.value.max_skew_seconds == 0)
        {
            self.at(freshness, "`freshness.max_skew_seconds` must be at least 1");
        }
        self.signed_values(check, payload);
    }

    /// The signature field belongs to the envelope: the runtime checks it and never
    /// hands it to the typed message, so a message that lists it could never decode.
    fn no_signature_field(
        &mut self,
        check: Option<&Verification>,
        fields: &[Field],
        context: &str,
    ) {
        let Some(check) = check else { return };
        for field in fields.iter().filter(|f| f.name.value == check.field) {
            self.at(
                &field.name,
                format!(
                    "`{}` is the signature field of {context}: the runtime checks and removes it, so it is not a field of the decoded message; describe it in a comment on the envelope",
                    check.field
                ),
            );
        }
    }

    fn fields(&mut self, fields: &[Field], context: &str) {
        let repeated = self.unique(
            "field",
            &format!(" in {context}"),
            fields.iter().map(|f| &f.name),
        );
        for field in fields {
            // Rust names (members, enums, variants) are checked with every other
            // generated name by `item_names`.
            if repeated.contains(field.name.value.as_str()) {
                continue;
            }
            let nested = matches!(field.ty, FieldType::Object | FieldType::List);
            if !field.fields.is_empty() && !nested {
                self.at(
                    &field.name,
                    format!(
                        "field `{}` has `fields` but is not an object or list",
                        field.name.value
                    ),
                );
            }
            if field.as_string
                && !matches!(field.ty, FieldType::Int | FieldType::Fen | FieldType::Yuan)
            {
                self.at(
                    &field.name,
                    format!(
                        "`as_string` applies to int, fen and yuan fields only, not `{}`",
                        field.name.value
                    ),
                );
            }
            self.min_length(field);
            if !field.values.is_empty() {
                if !matches!(field.ty, FieldType::String | FieldType::Int) {
                    self.at(
                        &field.name,
                        format!(
                            "`values` apply to string and int fields only, not `{}`",
                            field.name.value
                        ),
                    );
                }
                let mut seen = BTreeSet::new();
                for value in &field.values {
                    if !seen.insert(value.value.as_str()) {
                        self.at(
                            &field.name,
                            format!(
                                "field `{}` lists value `{}` twice",
                                field.name.value, value.value
                            ),
                        );
                    }
                }
            }
            if nested {
                self.fields(&field.fields, &format!("`{}`", field.name.value));
            }
            if field.ty == FieldType::Yuan && !field.values.is_empty() {
                // Covered by the `values` rule above; nothing more to say.
            }
        }
    }

    /// `min_length`: on a `string` field, at least 1, and not above `max_length`.
    fn min_length(&mut self, field: &Field) {
        let Some(min) = field.min_length else {
            return;
        };
        let name = field.name.value.as_str();
        if field.ty != FieldType::String {
            self.at(
                &field.name,
                format!("`min_length` applies to string fields only, not `{name}`"),
            );
        } else if min == 0 {
            self.at(
                &field.name,
                format!("field `{name}`: `min_length` 0 says nothing; leave it out"),
            );
        } else if let Some(max) = field.max_length.filter(|max| min > *max) {
            self.at(
                &field.name,
                format!("field `{name}`: `min_length` {min} is above `max_length` {max}"),
            );
        }
    }

    /// Members of a request's objects are written into a JSON value, which holds a
    /// decimal only through a float: a `yuan` member must be sent `as_string`.
    fn request_objects(&mut self, fields: &[Field], nested: bool) {
        for field in fields {
            if nested && field.ty == FieldType::Yuan && !field.as_string {
                self.at(
                    &field.name,
                    format!(
                        "`yuan` member `{}` of a request object must be `as_string: true`: a JSON number inside an object would go through a float",
                        field.name.value
                    ),
                );
            }
            if matches!(field.ty, FieldType::Object | FieldType::List) {
                self.request_objects(&field.fields, true);
            }
        }
    }

    fn success(&mut self, rule: &SuccessRule, operation: &Operation) {
        let op = &operation.name.value;
        match (rule.equals.is_empty(), rule.http_status.is_empty()) {
            (true, true) => self.at(
                &operation.name,
                format!("the success rule of operation `{op}` needs `equals` (codes that mean success) or `http_status` (statuses that do)"),
            ),
            (false, false) => self.at(
                &operation.name,
                format!("the success rule of operation `{op}` gives both `equals` and `http_status`; with `http_status` the status decides and `field` is a refusal's code"),
            ),
            _ => {}
        }
        if let Some(status) = rule.http_status.iter().find(|s| !(100..=599).contains(*s)) {
            self.at(
                &operation.name,
                format!("the success rule of operation `{op}` lists HTTP status {status}, which is not one"),
            );
        }
        // With `http_status`, `field` and `message` are read from error replies, which
        // the response table (the success body) need not list.
        if operation.response.is_empty() || !rule.http_status.is_empty() {
            return;
        }
        // `detail` may name a field only error replies carry, which no response table
        // lists (wantu's `return_desc`, 1.4).
        for path in std::iter::once(&rule.field).chain(rule.message.iter()) {
            if resolve(&operation.response, &path.value).is_none() {
                self.at(
                    path,
                    format!(
                        "success rule names `{}`, which is not a response field of operation `{}`",
                        path.value, operation.name.value
                    ),
                );
            }
        }
        for inner in rule.and.iter().chain(&rule.or) {
            self.success(inner, operation);
        }
    }

    fn example(&mut self, example: &Example, request: &[Field], at: &Name) {
        for name in &example.omits_required {
            let required = request
                .iter()
                .any(|f| f.name.value == name.value && f.required);
            let given = example
                .params
                .as_ref()
                .is_some_and(|p| p.contains_key(&name.value));
            if !required || given {
                self.at(
                    name,
                    format!(
                        "example `{}`: `omits_required` names `{}`, which is not a required request field left out of its params",
                        example.name, name.value
                    ),
                );
            }
        }
        if let Some(params) = &example.params {
            for name in params.keys() {
                if !request.iter().any(|f| &f.name.value == name) {
                    self.at(
                        at,
                        format!(
                            "example `{}` sets `{name}`, which is not a request field{}",
                            example.name,
                            crate::suggest::suggestion(
                                name,
                                request.iter().map(|f| f.name.value.as_str())
                            )
                        ),
                    );
                }
            }
        }
        if let Some(credentials) = &example.credentials {
            for name in credentials.keys() {
                if !self.spec.credentials.iter().any(|c| &c.name.value == name) {
                    self.at(
                        at,
                        format!(
                            "example `{}` gives credential `{name}`, which is not defined",
                            example.name
                        ),
                    );
                }
            }
        }
    }
}

impl Checker<'_> {
    /// A constant header must be writable, like a signature header.
    fn constant_header(&mut self, header: &ConstantHeader) {
        let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if header.name.value.is_empty() || !header.name.value.chars().all(tchar) {
            self.at(
                &header.name,
                format!(
                    "header name {:?} is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
                    header.name.value
                ),
            );
        }
        let name = &header.name.value;
        match (&header.value, &header.parts) {
            (Some(_), Some(_)) | (None, None) => self.at(
                &header.name,
                format!("header `{name}` needs exactly one of `value` (a constant) and `parts`"),
            ),
            (Some(value), None) if value.contains(['\r', '\n']) => {
                self.at(&header.name, "a header value cannot contain a line break")
            }
            (_, Some(parts)) => {
                for part in parts {
                    part.walk(&mut |p| self.header_part(header, p));
                }
            }
            _ => {}
        }
    }

    /// A header's value is composed before the request exists: of literals, credentials
    /// (secrets too), and base64 or plain digests of those.
    fn header_part(&mut self, header: &ConstantHeader, part: &TemplatePart) {
        let name = &header.name.value;
        match part {
            TemplatePart::Literal(text) if text.contains(['\r', '\n']) => {
                self.at(&header.name, "a header value cannot contain a line break")
            }
            TemplatePart::Credential(credential)
                if !self.spec.credentials.iter().any(|c| c.name.value == **credential) =>
            {
                self.at(
                    &header.name,
                    format!("header `{name}`: part `credential: {credential}` names no credential of the spec"),
                )
            }
            TemplatePart::Digest(digest) if digest.hash.kind() != ir::AlgorithmKind::Hash => self.at(
                &header.name,
                format!("header `{name}`: `digest` needs a plain hash (md5, sha1, sha256, sha512, sm3), not `{}`", digest.hash.name()),
            ),
            TemplatePart::Literal(_)
            | TemplatePart::Credential(_)
            | TemplatePart::Digest(_)
            | TemplatePart::Base64(_) => {}
            other => self.at(
                &header.name,
                format!("header `{name}`: part {other:?} is not known when headers are composed; a header's parts are literal, credential, base64 and digest"),
            ),
        }
    }

    /// A header must be writable: its name an HTTP token, its value one line, or the
    /// HTTP client refuses the request at run time (or, worse, splits it).
    fn header(&mut self, header: &HeaderOutput) {
        // RFC 7230 `tchar`.
        let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if header.name.is_empty() || !header.name.chars().all(tchar) {
            self.at(
                &header.template,
                format!(
                    "header name {:?} is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
                    header.name
                ),
            );
        }
        if header.template.value.contains(['\r', '\n']) {
            self.at(
                &header.template,
                "a header template cannot contain a line break",
            );
        }
    }
}

fn resolve<'f>(fields: &'f [Field], path: &str) -> Option<&'f Field> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut current = fields.iter().find(|f| f.name.value == first)?;
    for part in parts {
        current = current.fields.iter().find(|f| f.name.value == part)?;
    }
    Some(current)
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if names.is_empty() {
        "(none defined)".to_owned()
    } else {
        names.join(", ")
    }
}

/// The spec, valid, or every problem in it.
pub fn validate(spec: Spec) -> Result<ValidSpec, Vec<Problem>> {
    let mut c = Checker {
        spec: &spec,
        problems: Vec::new(),
        warnings: Vec::new(),
        recipes: BTreeMap::new(),
        verified: BTreeSet::new(),
    };
    if spec.environments.is_empty() {
        c.at(&spec.name, "a spec needs at least one environment");
    }
    let crate_name = spec.name.value.replace('-', "_");
    if ident(&crate_name).is_none() || crate_name.chars().any(|c| c.is_ascii_uppercase()) {
        c.at(
            &spec.name,
            "the spec name must be a lowercase identifier such as `mct1`",
        );
    }
    let utc_offset_minutes = parse_offset(&spec.utc_offset);
    if utc_offset_minutes.is_none() {
        c.at(
            &spec.name,
            format!("utc_offset `{}` is not of the form +08:00", spec.utc_offset),
        );
    }
    let _ = c.unique("environment", "", spec.environments.iter().map(|e| &e.name));
    let _ = c.unique("credential", "", spec.credentials.iter().map(|e| &e.name));
    let _ = c.unique(
        "signature recipe",
        "",
        spec.signatures.iter().map(|e| &e.name),
    );
    let _ = c.unique("operation", "", spec.operations.iter().map(|e| &e.name));
    let _ = c.unique(
        "notification",
        "",
        spec.notifications.iter().map(|e| &e.name),
    );
    let _ = c.unique(
        "common field",
        "",
        spec.protocol.request.common.iter().map(|e| &e.name),
    );

    for recipe in &spec.signatures {
        c.recipe_alone(recipe);
    }

    let request = &spec.protocol.request;
    c.payload(&request.payload, request.body);
    for field in &request.common {
        c.common_field(field, &request.payload);
    }
    for header in &request.headers {
        c.constant_header(header);
    }
    if let Some(signature) = &request.signature {
        if let Some(choice) = &signature.choose_by {
            c.recipe_choice(choice, &signature.recipe, Use::Sign);
        }
        if let Some(recipe) = c.recipe(&signature.recipe) {
            c.recipe_use(recipe, &signature.recipe, Use::Sign);
            let input = recipe.input;
            match &signature.output {
                _ if input == SignInput::Member => c.at(
                    &signature.recipe,
                    "a member signature covers a received JSON member; a request has none",
                ),
                SignatureOutput::Field(_) if matches!(input, SignInput::Body | SignInput::Template) => c.at(
                    &signature.recipe,
                    "a signature over the body cannot be written into that body; use a header output",
                ),
                _ if input == SignInput::PayloadField && matches!(request.payload, Payload::Inline) => c.at(
                    &signature.recipe,
                    "this recipe signs the payload field, but the request payload is inline",
                ),
                _ => {}
            }
        }
        if let SignatureOutput::Header(header) = &signature.output {
            let mut rest = header.template.value.as_str();
            while let Some(start) = rest.find('{') {
                let after = &rest[start + 1..];
                let Some(end) = after.find('}') else {
                    c.at(&header.template, "unclosed `{` in header template");
                    break;
                };
                let placeholder = &after[..end];
                // A template recipe's timestamp and nonce are also written into the header.
                let part = spec
                    .signatures
                    .iter()
                    .filter(|r| r.name.value == signature.recipe.value)
                    .filter_map(|r| r.template.as_ref())
                    .flat_map(|t| t.parts.iter())
                    .any(|part| {
                        let mut inside = Vec::new();
                        part.walk(&mut |p| inside.push(p));
                        inside.into_iter().any(|part| {
                            matches!(
                                (part, placeholder),
                                (TemplatePart::Timestamp(_), "timestamp")
                                    | (TemplatePart::Nonce(_), "nonce")
                            )
                        })
                    });
                if placeholder != "signature"
                    && !part
                    && !spec
                        .credentials
                        .iter()
                        .any(|cr| cr.name.value == placeholder)
                {
                    c.at(
                        &header.template,
                        format!("header template names `{{{placeholder}}}`, which is neither `{{signature}}`, a credential, nor the recipe template's `{{timestamp}}` or `{{nonce}}`"),
                    );
                }
                rest = &after[end + 1..];
            }
        }
    }

    if let Some(RequestSignature {
        output: SignatureOutput::Header(header),
        ..
    }) = &request.signature
    {
        c.header(header);
    }

    let response = &spec.protocol.response;
    c.payload(&response.payload, response.body);
    if let Some(check) = &response.signature {
        c.verification(
            check,
            &response.payload,
            response.body,
            !response.members.is_empty(),
        );
        let member_signed = spec
            .signatures
            .iter()
            .any(|r| r.name.value == check.recipe.value && r.input == SignInput::Member);
        let every_op_has_member = spec
            .operations
            .iter()
            .all(|op| op.response_member.is_some());
        if member_signed && response.members.is_empty() && !every_op_has_member {
            c.at(
                &check.recipe,
                "a member signature needs `response.members` (or a `response_member` on every operation)",
            );
        }
    }
    for member in &response.refusal_members {
        if !response.members.contains(&member.value) {
            c.at(
                member,
                format!(
                    "refusal member `{}` is not one of `response.members` {:?}",
                    member.value, response.members
                ),
            );
        }
    }
    if (!response.members.is_empty()
        || spec
            .operations
            .iter()
            .any(|op| op.response_member.is_some()))
        && response.body != BodyFormat::Json
    {
        c.at(&spec.name, "response members need `response.body: json`");
    }

    let common: BTreeSet<&str> = request
        .common
        .iter()
        .map(|f| f.name.value.as_str())
        .collect();
    for operation in &spec.operations {
        for header in &operation.headers {
            c.constant_header(header);
            let sent = |h: &&ConstantHeader| h.name.value.eq_ignore_ascii_case(&header.name.value);
            let envelope = spec.protocol.request.headers.iter().find(sent).is_some();
            let twice = operation.headers.iter().filter(sent).count() > 1;
            if envelope || twice || header.name.value.eq_ignore_ascii_case("Content-Type") {
                c.at(
                    &header.name,
                    format!(
                        "operation `{}` sends header `{}` twice (once here, once by the envelope, the content type or this list): a header has one value",
                        operation.name.value, header.name.value
                    ),
                );
            }
        }
        // Empty: the base URL is the endpoint (Alipay's one gateway).
        if !operation.path.is_empty() && !operation.path.starts_with('/') {
            c.at(
                &operation.name,
                format!(
                    "operation `{}`: path `{}` must be empty or start with `/`",
                    operation.name.value, operation.path
                ),
            );
        }
        if let Some(method) = &operation.method {
            if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "DELETE" | "PATCH") {
                c.at(
                    &operation.name,
                    format!(
                        "operation `{}`: method `{method}` is not an HTTP method",
                        operation.name.value
                    ),
                );
            }
        }
        let method = operation
            .method
            .as_deref()
            .unwrap_or(&spec.protocol.request.method);
        if let (Payload::Field(field), "GET") = (&spec.protocol.request.payload, method) {
            if field.encoding.value.is_object() {
                c.at(
                    &operation.name,
                    format!(
                        "operation `{}` is a GET, whose fields travel in the query, but payload `{}` is `{}`, a JSON object that needs a `json` body",
                        operation.name.value, field.name, encoding_name(field.encoding.value)
                    ),
                );
            }
        }
        for group in &operation.one_of {
            for name in group {
                if !operation.request.iter().any(|f| f.name.value == name.value) {
                    c.at(
                        name,
                        format!(
                            "`one_of` names `{}`, which is not a request field of operation `{}`",
                            name.value, operation.name.value
                        ),
                    );
                }
            }
        }
        c.path(operation);
        c.variants(operation);
        for field in &operation.common {
            c.common_field(field, &request.payload);
            if common.contains(field.name.value.as_str()) {
                c.at(
                    &field.name,
                    format!(
                        "`{}` is already a common field of the envelope",
                        field.name.value
                    ),
                );
            }
        }
        let _ = c.unique(
            "common field",
            &format!(" in operation `{}`", operation.name.value),
            operation.common.iter().map(|f| &f.name),
        );
        for template in &response.members {
            let placeholders = template_pieces(template)
                .into_iter()
                .filter_map(|p| match p {
                    Piece::Placeholder(name) => Some(name),
                    _ => None,
                });
            for name in placeholders {
                let constant = operation
                    .common
                    .iter()
                    .any(|f| f.name.value == name && matches!(f.value, ValueSource::Constant(_)));
                if !constant && operation.response_member.is_none() {
                    c.at(
                        &operation.name,
                        format!(
                            "response member `{template}` names `{{{name}}}`, which is not a constant field of operation `{}`",
                            operation.name.value
                        ),
                    );
                }
            }
        }
        c.xml_message(
            request.body,
            &request.payload,
            &operation.request,
            &format!("`{}` request", operation.name.value),
        );
        c.xml_message(
            response.body,
            &response.payload,
            &operation.response,
            &format!("`{}` response", operation.name.value),
        );
        for field in &operation.request {
            // A request-valued common field is one of the request fields by design.
            let lifted = |f: &CommonField| {
                matches!(f.value, ValueSource::Request(_))
                    && f.name.referenced.line() == field.name.referenced.line()
                    && f.name.referenced.column() == field.name.referenced.column()
            };
            if request
                .common
                .iter()
                .chain(operation.common.iter())
                .any(lifted)
            {
                continue;
            }
            if operation
                .common
                .iter()
                .any(|f| f.name.value == field.name.value)
            {
                c.at(
                    &field.name,
                    format!(
                        "`{}` is a common field of this operation; it cannot also be a request field",
                        field.name.value
                    ),
                );
            }
            if common.contains(field.name.value.as_str()) {
                c.at(
                    &field.name,
                    format!(
                        "`{}` is a common field; it cannot also be a request field",
                        field.name.value
                    ),
                );
            }
        }
        c.fields(
            &operation.request,
            &format!("`{}` request", operation.name.value),
        );
        c.request_objects(&operation.request, false);
        c.fields(
            &operation.response,
            &format!("`{}` response", operation.name.value),
        );
        let rule = operation.success.as_ref().unwrap_or(&response.success);
        c.success(rule, operation);
        c.field_rules(operation);
        let mut example_names = BTreeSet::new();
        for example in &operation.examples {
            if !example_names.insert(example.name.as_str()) {
                c.at(
                    &operation.name,
                    format!("duplicate example `{}`", example.name),
                );
            }
            c.example(example, &operation.request, &operation.name);
        }
    }
    for operation in &spec.operations {
        c.no_signature_field(
            response.signature.as_ref(),
            &operation.response,
            "the response envelope",
        );
    }
    for notification in &spec.notifications {
        c.payload(&notification.payload, notification.body);
        c.received_fields(&notification.fields);
        for name in &notification.event_key {
            if !notification
                .fields
                .iter()
                .any(|f| f.name.value == name.value)
            {
                c.at(
                    name,
                    format!(
                        "`event_key` names `{}`, which is not a field of notification `{}`",
                        name.value, notification.name.value
                    ),
                );
            }
        }
        if let Some(check) = &notification.signature {
            c.verification(check, &notification.payload, notification.body, false);
            if !check.unsigned_error_when.is_empty() {
                c.at(
                    &check.recipe,
                    "a notification cannot declare `unsigned_error_when`: notifications are always signed",
                );
            }
        }
        if let Some(check) = &notification.signature {
            let member_signed = spec
                .signatures
                .iter()
                .any(|r| r.name.value == check.recipe.value && r.input == SignInput::Member);
            if member_signed {
                c.at(
                    &check.recipe,
                    "a member signature applies to responses only",
                );
            }
        }
        c.xml_message(
            notification.body,
            &notification.payload,
            &notification.fields,
            &format!("notification `{}`", notification.name.value),
        );
        c.no_signature_field(
            notification.signature.as_ref(),
            &notification.fields,
            &format!("notification `{}`", notification.name.value),
        );
        c.fields(
            &notification.fields,
            &format!("notification `{}`", notification.name.value),
        );
        if let Some(confirmation) = &notification.confirm_with {
            c.confirmation(confirmation, notification);
        }
        if notification.ack_template {
            for piece in template_pieces(&notification.ack) {
                let problem = match piece {
                    Piece::Unclosed(rest) => Some(format!("the ack template has an unclosed `{rest}`")),
                    Piece::Placeholder(name)
                        if !notification.fields.iter().any(|f| f.name.value == name) =>
                    {
                        Some(format!(
                            "the ack template names `{{{name}}}`, which is not a field of notification `{}`",
                            notification.name.value
                        ))
                    }
                    _ => None,
                };
                if let Some(problem) = problem {
                    c.at(&notification.name, problem);
                }
            }
        }
    }
    if let Err(problems) = item_names(&spec) {
        c.problems.extend(problems);
    }
    if let Some(sandbox) = &spec.sandbox {
        c.sandbox(sandbox);
    }
    if let Some(gateway) = &spec.gateway {
        c.gateway(gateway);
    }
    c.received_key_headers();
    let Checker {
        mut problems,
        mut warnings,
        recipes,
        ..
    } = c;
    Problem::sort_once(&mut problems);
    Problem::sort_once(&mut warnings);
    match utc_offset_minutes {
        Some(utc_offset_minutes) if problems.is_empty() => Ok(ValidSpec {
            spec,
            utc_offset_minutes,
            recipes,
            warnings,
        }),
        _ => Err(problems),
    }
}

/// Minutes east of UTC of an offset written `+08:00`.
pub fn parse_offset(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':')?;
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours <= 14 && minutes < 60).then_some(sign * (hours * 60 + minutes))
}

/// A body format as the spec writes it.
fn encoding_name(encoding: PayloadEncoding) -> &'static str {
    match encoding {
        PayloadEncoding::Base64 => "base64",
        PayloadEncoding::Aes256EcbHex => "aes256_ecb_hex",
        PayloadEncoding::Json => "json",
        PayloadEncoding::Aes256EcbBase64 => "aes256_ecb_base64",
        PayloadEncoding::AeadAes256Gcm => "aead_aes_256_gcm",
        PayloadEncoding::JsonObjectSorted => "json_object_sorted",
    }
}

fn body_name(body: BodyFormat) -> &'static str {
    match body {
        BodyFormat::Json => "json",
        BodyFormat::Form => "form",
        BodyFormat::FormRaw => "form_raw",
        BodyFormat::Query => "query",
        BodyFormat::Xml => "xml",
        BodyFormat::XmlCdata => "xml_cdata",
    }
}
