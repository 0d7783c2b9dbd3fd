//! Lowering: a validated spec becomes the protocol IR the runtime reads.

use crate::spec::model as m;
use crate::spec::validate::ValidSpec;
use paygen_protocol as ir;
use std::borrow::Cow;

fn text(s: &str) -> ir::Text {
    Cow::Owned(s.to_owned())
}

/// The IR of a validated spec (recipes resolved, defaults applied).
pub fn lower(spec: &ValidSpec) -> ir::Provider {
    // Validation lowered every recipe and checked that each reference names one.
    let recipe = |name: &str| -> ir::Recipe { spec.recipes[name].clone() };
    let options = |c: &m::RecipeChoice| -> ir::List<ir::RecipeOption> {
        c.recipes
            .iter()
            .map(|(value, name)| ir::RecipeOption {
                value: text(value),
                recipe: recipe(&name.value),
            })
            .collect()
    };
    // Validation gives every choice exactly one part: a credential, or a field, which is
    // the request's on a request signature and the received message's on a check.
    let choice = |c: &m::RecipeChoice, received: bool| {
        let by = match (&c.credential, &c.field) {
            (Some(credential), _) => ir::ChoicePart::Credential(text(&credential.value)),
            (None, Some(field)) if received => ir::ChoicePart::ReceivedField {
                field: text(&field.value),
                by_hex_length: c
                    .by_signature_hex_length
                    .iter()
                    .map(|(length, name)| ir::HexLengthOption {
                        length: *length,
                        recipe: recipe(&name.value),
                    })
                    .collect(),
            },
            (None, Some(field)) => ir::ChoicePart::RequestField(text(&field.value)),
            (None, None) => return None,
        };
        Some(ir::RecipeChoice {
            by,
            recipes: options(c),
        })
    };
    let verification = |v: &m::Verification| ir::Verification {
        recipe: recipe(&v.recipe.value),
        choose_by: v.choose_by.as_ref().and_then(|c| choice(c, true)),
        // `data.sign`: the signature `sign` and the fields it covers are members of `data`.
        field: text(
            v.field
                .rsplit_once('.')
                .map_or(v.field.as_str(), |(_, f)| f),
        ),
        scope: v.field.rsplit_once('.').map(|(scope, _)| text(scope)),
        header: v.header.as_deref().map(text),
        header_template: v.header_template.as_ref().map(|t| text(&t.value)),
        unsigned_error_when: Cow::Owned(v.unsigned_error_when.clone()),
        unsigned_fields: v.unsigned_fields,
        // Validation leaves exactly one place for each.
        freshness: v.freshness.as_ref().and_then(|f| {
            Some(ir::Freshness {
                source: f.value.place().given().into_iter().next()?,
                format: f.value.format,
                max_skew_seconds: f.value.max_skew_seconds,
            })
        }),
        nonce: v.nonce_place(),
    };
    let request = &spec.protocol.request;
    let response = &spec.protocol.response;
    ir::Provider {
        name: text(&spec.name.value),
        utc_offset_minutes: spec.utc_offset_minutes,
        environments: spec
            .environments
            .iter()
            .map(|e| ir::Environment {
                name: text(&e.name.value),
                base_url: text(&e.base_url),
            })
            .collect(),
        credentials: spec
            .credentials
            .iter()
            .map(|c| ir::CredentialDef {
                name: text(&c.name.value),
                secret: c.secret,
            })
            .collect(),
        request: ir::RequestEnvelope {
            method: text(&request.method),
            body: request.body,
            payload: payload(&request.payload),
            common: request.common.iter().map(common_field).collect(),
            headers: headers(spec, &request.headers),
            signature: request.signature.as_ref().map(|s| ir::RequestSignature {
                recipe: recipe(&s.recipe.value),
                choose_by: s.choose_by.as_ref().and_then(|c| choice(c, false)),
                output: match &s.output {
                    m::SignatureOutput::Field(name) => ir::SignatureOutput::Field(text(name)),
                    m::SignatureOutput::Header(h) => ir::SignatureOutput::Header {
                        name: text(&h.name),
                        template: text(&h.template.value),
                    },
                },
            }),
        },
        response: ir::ResponseEnvelope {
            body: response.body,
            payload: payload(&response.payload),
            verification: response.signature.as_ref().map(verification),
            refusal_members: response
                .refusal_members
                .iter()
                .map(|m| text(&m.value))
                .collect(),
        },
        operations: spec
            .operations
            .iter()
            .map(|op| ir::Operation {
                name: text(&op.name.value),
                path: text(&op.path),
                method: text(op.method.as_deref().unwrap_or(&request.method)),
                signed: op.signed,
                moves_money: op.moves_money,
                common: op.common.iter().map(common_field).collect(),
                headers: headers(spec, &op.headers),
                response_members: response_members(&response.members, op),
                one_of: op
                    .one_of
                    .iter()
                    .map(|group| group.iter().map(|name| text(&name.value)).collect())
                    .collect(),
                rules: rules(op),
                request: fields(&op.request),
                response: fields(&op.response),
                codes: codes(&op.response),
                reply_rules: reply_rules(op),
                done_when: op.done_when.as_ref().map(|d| ir::DoneWhen {
                    field: text(&d.field),
                    equals: d.equals.iter().map(|v| text(v)).collect(),
                    confirm_with: text(&d.confirm_with.value),
                }),
                success: success(op.success.as_ref().unwrap_or(&response.success)),
            })
            .collect(),
        notifications: spec
            .notifications
            .iter()
            .map(|n| ir::Notification {
                name: text(&n.name.value),
                body: n.body,
                payload: payload(&n.payload),
                verification: n.signature.as_ref().map(verification),
                ack: text(&n.ack),
                ack_template: n.ack_template,
                event_key: n.event_key.iter().map(|f| text(&f.value)).collect(),
                fields: fields(&n.fields),
                confirm_with: n.confirm_with.as_ref().map(|c| ir::Confirmation {
                    operation: text(&c.operation.value),
                    request: field_pairs(&c.request),
                    agree: field_pairs(&c.agree),
                }),
            })
            .collect(),
    }
}

/// A constant value is one literal part; a part reading a secret makes the header
/// sensitive.
fn headers(spec: &m::Spec, headers: &[m::ConstantHeader]) -> ir::List<ir::Header> {
    headers
        .iter()
        .map(|h| {
            let parts: Vec<ir::TemplatePart> = match (&h.value, &h.parts) {
                (_, Some(parts)) => parts.clone(),
                (value, None) => vec![ir::TemplatePart::Literal(text(
                    value.as_deref().unwrap_or_default(),
                ))],
            };
            let mut sensitive = false;
            for part in &parts {
                part.walk(&mut |p| {
                    if let ir::TemplatePart::Credential(name) = p {
                        sensitive |= spec
                            .credentials
                            .iter()
                            .any(|c| c.name.value == **name && c.secret);
                    }
                });
            }
            ir::Header {
                name: text(&h.name.value),
                parts: parts.into(),
                sensitive,
            }
        })
        .collect()
}

fn field_pairs(pairs: &[m::FieldPair]) -> ir::List<ir::FieldPair> {
    pairs
        .iter()
        .map(|p| ir::FieldPair {
            field: text(&p.field.value),
            notification: text(&p.notification.value),
        })
        .collect()
}

fn common_field(f: &m::CommonField) -> ir::CommonField {
    ir::CommonField {
        name: text(&f.name.value),
        value: match &f.value {
            m::ValueSource::Credential(c) => ir::ValueSource::Credential(text(&c.value)),
            m::ValueSource::Constant(c) => ir::ValueSource::Constant(text(c)),
            m::ValueSource::Clock(format) => ir::ValueSource::Clock(*format),
            m::ValueSource::Nonce(len) => ir::ValueSource::Nonce(*len),
            m::ValueSource::Request(_) => ir::ValueSource::Request,
        },
        in_payload: f.in_payload,
        as_number: f.as_number,
    }
}

/// The response members of an operation: its own, or the envelope's templates filled
/// with its constant fields.
fn response_members(templates: &[String], op: &m::Operation) -> ir::List<ir::Text> {
    if let Some(member) = &op.response_member {
        return Cow::Owned(vec![text(&member.value)]);
    }
    templates
        .iter()
        .map(|template| Cow::Owned(fill_member_template(template, &op.common)))
        .collect()
}

/// `{name}` becomes the constant field `name` with each `.` made `_`
/// (`alipay.trade.pay` gives `alipay_trade_pay`); validation checks every placeholder.
pub fn fill_member_template(template: &str, common: &[m::CommonField]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    for piece in ir::template_pieces(template) {
        match piece {
            ir::Piece::Text(text) | ir::Piece::Unclosed(text) => out.push_str(text),
            ir::Piece::Placeholder(name) => {
                let value = common.iter().find_map(|f| match &f.value {
                    m::ValueSource::Constant(value) if f.name.value == name => Some(value.as_str()),
                    _ => None,
                });
                out.push_str(&value.unwrap_or_default().replace('.', "_"));
            }
        }
    }
    out
}

fn template(spec: Option<&m::TemplateSpec>) -> ir::Template {
    ir::Template {
        parts: Cow::Owned(spec.map(|t| t.parts.clone()).unwrap_or_default()),
        join: text(spec.map_or("", |t| t.join.as_str())),
        trailing: spec.is_some_and(|t| t.trailing),
    }
}

/// The IR of a recipe whose digest chain validation has lowered.
pub(crate) fn recipe(recipe: &m::SignatureRecipe, digests: Vec<ir::DigestStep>) -> ir::Recipe {
    ir::Recipe {
        input: recipe.input,
        canonical: recipe
            .canonical
            .as_ref()
            .map(|c| ir::Canonical {
                exclude: c.exclude.iter().map(|e| text(e)).collect(),
                skip_empty: c.skip_empty,
                pair_separator: text(&c.pair_separator),
                join: text(&c.join),
                form: c.form,
                order: c.order.iter().map(|n| text(&n.value)).collect(),
                value_encoding: c.value_encoding,
                sort: c.sort.as_ref().map(|s| s.value).unwrap_or_default(),
                include: c.include.iter().map(|n| text(&n.value)).collect(),
                nested: c.nested,
            })
            .unwrap_or(ir::Canonical::DEFAULT),
        key_credential: recipe.key.as_ref().map(|k| text(&k.credential.value)),
        key_place: match recipe.key.as_ref().and_then(|k| k.placement.as_ref()) {
            Some(m::KeyPlace::Append(prefix)) => ir::KeyPlace::Append(text(prefix)),
            Some(m::KeyPlace::SortedField(name)) => ir::KeyPlace::SortedField(text(name)),
            None => ir::KeyPlace::Unplaced,
        },
        digests: Cow::Owned(digests),
        verify_key: recipe.verify_key.as_ref().and_then(verify_key),
        key_pair: recipe
            .key
            .as_ref()
            .and_then(|k| k.pair.as_ref())
            .map(|p| text(&p.value)),
        verify_key_pair: recipe
            .verify_key
            .as_ref()
            .and_then(|k| k.pair.as_ref())
            .map(|p| text(&p.value)),
        template: template(recipe.template.as_ref()),
    }
}

/// The key source a `verify_key` names; `None` when it names none (a validation error).
fn verify_key(key: &m::VerifyKey) -> Option<ir::VerifyKey> {
    let credential = key.credential.as_ref().map(|c| text(&c.value));
    if let Some(from) = &key.certificate {
        let place = text(&from.name().value);
        return Some(ir::VerifyKey::Carried(ir::CarriedCertificate {
            from: match from {
                m::CertificateFrom::Field(_) => ir::CertificatePlace::Field(place),
                m::CertificateFrom::Header(_) => ir::CertificatePlace::Header(place),
            },
            roots: text(&key.roots.as_ref()?.value),
            intermediates: key.intermediates.as_ref().map(|c| text(&c.value)),
            subject_cn: key.subject_cn.as_ref().map(|c| text(&c.value)),
        }));
    }
    match &key.by_serial {
        Some(by) => Some(ir::VerifyKey::BySerial {
            credential: credential?,
            header: text(&by.header.value),
        }),
        None => credential.map(ir::VerifyKey::Credential),
    }
}

fn payload(payload: &m::Payload) -> ir::Payload {
    match payload {
        m::Payload::Inline => ir::Payload::Inline,
        m::Payload::Field(f) => ir::Payload::Field(ir::PayloadField {
            name: text(&f.name),
            encoding: f.encoding.value,
            key: f.key.as_ref().map(|k| text(&k.value)),
            hex: f.hex.unwrap_or(ir::HexCase::Lower),
            flatten: f.flatten,
            key_derivation: f.key_derivation,
            inner: f.format,
            aead: (f.encoding.value == ir::PayloadEncoding::AeadAes256Gcm)
                .then(|| aead_members(f.aead.as_deref())),
        }),
    }
}

fn aead_members(spec: Option<&m::AeadSpec>) -> ir::AeadMembers {
    let defaults = ir::AeadMembers::DEFAULT;
    let member =
        |given: Option<&m::Name>, default: ir::Text| given.map_or(default, |n| text(&n.value));
    let none = m::AeadSpec::default();
    let spec = spec.unwrap_or(&none);
    ir::AeadMembers {
        ciphertext: member(spec.ciphertext.as_ref(), defaults.ciphertext),
        nonce: member(spec.nonce.as_ref(), defaults.nonce),
        associated_data: member(spec.associated_data.as_ref(), defaults.associated_data),
        associated_data_value: spec.associated_data_value.as_deref().map(text),
    }
}

fn success(rule: &m::SuccessRule) -> ir::SuccessRule {
    ir::SuccessRule {
        field: text(&rule.field.value),
        equals: rule.equals.iter().map(|v| text(v)).collect(),
        message: rule.message.as_ref().map(|m| text(&m.value)),
        detail: rule.detail.as_deref().map(text),
        and: rule.and.iter().map(success).collect(),
        or: rule.or.iter().map(success).collect(),
        http_status: rule.http_status.iter().copied().collect(),
    }
}

/// An operation's field rules: its own `rules`, then each request field's `min`/`max`,
/// `charset` and `sent_as`, in table order.
fn rules(op: &m::Operation) -> ir::List<ir::FieldRule> {
    let names = |list: &[m::Name]| list.iter().map(|n| text(&n.value)).collect();
    let mut out: Vec<ir::FieldRule> = op
        .rules
        .iter()
        .map(|rule| match rule {
            m::OperationRule::Sum(sum) => ir::FieldRule::Sum {
                field: text(&sum.field.value),
                plus: names(&sum.plus),
                minus: names(&sum.minus),
            },
            m::OperationRule::RequiredWhen(rule) => ir::FieldRule::RequiredWhen {
                field: text(&rule.field.value),
                when: text(&rule.when.value),
                equals: rule.equals.iter().map(|v| text(v)).collect(),
            },
        })
        .collect();
    for field in &op.request {
        let name = || text(&field.name.value);
        out.extend(range(field));
        if let Some(charset) = field.charset {
            out.push(ir::FieldRule::Charset {
                field: name(),
                charset,
            });
        }
        if let Some(m::SentAs::Sha1Hex) = field.sent_as {
            out.push(ir::FieldRule::Sha1Hex { field: name() });
        }
    }
    Cow::Owned(out)
}

/// A top-level field's `min`/`max` as a `Range` rule (in 分 for amounts); validation
/// has refused bounds that do not read as the field's type.
fn range(field: &m::Field) -> Option<ir::FieldRule> {
    if field.min.is_none() && field.max.is_none() {
        return None;
    }
    let bound = |b: &Option<m::Bound>| b.as_ref().and_then(|b| b.value(field.ty).ok());
    Some(ir::FieldRule::Range {
        field: text(&field.name.value),
        min: bound(&field.min),
        max: bound(&field.max),
        yuan: field.ty == m::FieldType::Yuan,
    })
}

/// The bounds of a reply's top-level fields.
fn reply_rules(op: &m::Operation) -> ir::List<ir::FieldRule> {
    op.response.iter().filter_map(range).collect()
}

/// The IR of a list of fields.
pub fn fields(fields: &[m::Field]) -> ir::List<ir::FieldDef> {
    fields
        .iter()
        .map(|f| ir::FieldDef {
            name: text(&f.name.value),
            ty: f.ty,
            required: f.required,
            max_length: f.max_length,
            min_length: f.min_length,
            as_string: f.as_string,
            values: f.values.iter().map(|v| text(&v.value)).collect(),
            fields: self::fields(&f.fields),
        })
        .collect()
}

/// The documented code meanings of a response, by dotted path; list items are skipped,
/// since a code inside a list says nothing about the operation as a whole.
fn codes(fields: &[m::Field]) -> ir::List<ir::CodeMeaning> {
    fn walk(prefix: &str, fields: &[m::Field], out: &mut Vec<ir::CodeMeaning>) {
        for field in fields {
            let path = if prefix.is_empty() {
                field.name.value.clone()
            } else {
                format!("{prefix}.{}", field.name.value)
            };
            for value in &field.values {
                if let Some(outcome) = value.outcome {
                    out.push(ir::CodeMeaning {
                        field: text(&path),
                        value: text(&value.value),
                        outcome,
                    });
                }
            }
            if field.ty == m::FieldType::Object {
                walk(&path, &field.fields, out);
            }
        }
    }
    let mut out = Vec::new();
    walk("", fields, &mut out);
    Cow::Owned(out)
}

/// `operation` as an example renders it: the required fields the document's sample
/// leaves out (`omits_required`) made optional, so the sample renders as printed.
pub fn as_printed<'o>(
    operation: &'o ir::Operation,
    example: &m::Example,
) -> Cow<'o, ir::Operation> {
    if example.omits_required.is_empty() {
        return Cow::Borrowed(operation);
    }
    let mut relaxed = operation.clone();
    relaxed.request = relaxed
        .request
        .iter()
        .map(|f| {
            let mut f = f.clone();
            if example.omits_required.iter().any(|n| n.value == *f.name) {
                f.required = false;
            }
            f
        })
        .collect();
    Cow::Owned(relaxed)
}

/// The IR of a spec's `gateway:` section: the roles it maps (a role with `operation:
/// none` is left out), status entries grouped one rule per status.
pub fn gateway_map(spec: &m::Spec) -> Option<ir::GatewayMap> {
    let gateway = spec.gateway.as_ref()?;
    let roles = gateway
        .roles
        .iter()
        .filter(|entry| entry.operation.value != "none")
        .filter_map(|entry| {
            Some(ir::GatewayRole {
                role: crate::spec::validate::gateway::role_kind(&entry.role.value)?,
                operation: text(&entry.operation.value),
                fields: entry
                    .fields
                    .iter()
                    .chain(
                        entry
                            .also
                            .iter()
                            .flat_map(|(input, paths)| paths.iter().map(move |p| (input, p))),
                    )
                    .map(|(input, field)| ir::ModelInputField {
                        input: *input,
                        field: text(&field.value),
                    })
                    .collect(),
                set: entry
                    .set
                    .iter()
                    .map(|(field, value)| ir::FixedField {
                        field: text(field),
                        value: text(&value.value),
                    })
                    .collect(),
                results: outputs(&entry.results),
                status: status_rules(&entry.status),
                on_success: entry.on_success,
            })
        })
        .collect();
    let notifications = gateway
        .notifications
        .iter()
        .map(|n| ir::GatewayNotification {
            notification: text(&n.notification.value),
            event: n.event,
            results: outputs(&n.results),
            status: status_rules(&n.status),
            on_success: n.on_success,
        })
        .collect();
    let settle = gateway.settle.as_ref().and_then(|s| {
        Some(ir::GatewaySettle {
            cancel_with: crate::spec::validate::gateway::role_kind(&s.cancel_with.value)?,
            deadline_ms: u64::from(s.deadline_seconds) * 1000,
            poll_interval_ms: u64::from(s.poll_interval_ms),
            cancel_attempts: s.cancel_attempts,
            source: text(&s.source),
        })
    });
    Some(ir::GatewayMap {
        roles,
        notifications,
        settle,
    })
}

fn outputs(
    results: &std::collections::BTreeMap<ir::ModelOutput, m::Name>,
) -> ir::List<ir::ModelOutputField> {
    results
        .iter()
        .map(|(output, field)| ir::ModelOutputField {
            output: *output,
            field: text(&field.value),
        })
        .collect()
}

/// One rule per field and status, fields in the spec's order, statuses in the model's.
fn status_rules(status: &[m::StatusSpec]) -> ir::List<ir::StatusRule> {
    let mut rules = Vec::new();
    for entry in status {
        let mut kinds: Vec<ir::StatusKind> = entry.values.values().map(|k| k.value).collect();
        kinds.sort();
        kinds.dedup();
        for kind in kinds {
            let equals = entry
                .values
                .iter()
                .filter(|(_, k)| k.value == kind)
                .map(|(value, _)| text(value))
                .collect();
            rules.push(ir::StatusRule {
                field: text(&entry.field.value),
                equals,
                status: kind,
            });
        }
    }
    ir::List::Owned(rules)
}
