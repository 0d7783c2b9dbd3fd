//! Every Rust item name a spec's client is made of, decided once: validation reports
//! what cannot be named (with positions), emission writes exactly these names, so the
//! two cannot diverge and emission never has to guess.

use crate::names::{camel, has_ascii_word, ident, rust_field_name, snake, variant_names};
use crate::spec::model::{Field, FieldType, Name, Spec, SuccessRule};
use crate::spec::validate::Problem;
use proc_macro2::{Ident, Span};
use std::collections::{BTreeMap, BTreeSet};

/// Type names no generated type may take: prelude and std names the generated code
/// uses unqualified (a type of that name would shadow them), and the client's generic.
const PRELUDE_TYPES: &[&str] = &[
    "String",
    "Option",
    "Result",
    "Vec",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "Debug",
    "Clone",
    "Copy",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Hash",
    "Into",
    "From",
    "TryFrom",
    "TryInto",
    "AsRef",
    "AsMut",
    "Sized",
    "Send",
    "Sync",
    "Unpin",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "Extend",
    "FromIterator",
    "ToString",
    "ToOwned",
    "Error",
    "T",
];

/// Types every client has.
const CLIENT_TYPES: &[&str] = &["Environment", "Credentials", "Client", "Api", "Calls"];

/// Methods every client has.
const CLIENT_METHODS: &[&str] = &[
    "new",
    "with_transport",
    "with_clock",
    "transport",
    "with_nonce",
    "with_seen_store",
    "with_delivery_store",
    "with_sleeper",
];

/// Constants every `tables` module has.
const TABLE_CONSTS: &[&str] = &["PROVIDER"];

/// Where a generated type lives: a module path below the provider's items and a name.
/// A message's child types (the struct of an object field, the enum of a field with
/// documented values) nest in a module named after the message, as prost nests them:
/// `pay_response::BizResponse`, `pay_response::biz_response::Data`. Shared types and
/// code tables (`types:`, `codes:`) live at the top.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TypePath {
    /// Module names from the top, each the snake_case of the type it belongs to.
    pub module: Vec<String>,
    /// The type's name.
    pub name: String,
}

impl TypePath {
    /// A type at the top level.
    pub fn top(name: impl Into<String>) -> Self {
        TypePath {
            module: Vec::new(),
            name: name.into(),
        }
    }

    /// A child type of this one: named `name`, in the module named after this type.
    pub fn child(&self, name: impl Into<String>) -> Self {
        let mut module = self.module.clone();
        module.push(snake(&self.name));
        TypePath {
            module,
            name: name.into(),
        }
    }

    /// The module that holds this type's children.
    pub fn children_module(&self) -> Vec<String> {
        self.child(String::new()).module
    }

    /// The type's name as an identifier (planning reports names that are not).
    pub fn ident(&self) -> Ident {
        ident(&self.name).unwrap_or_else(placeholder)
    }

    /// The path to this type from code in module `scope`: down through child modules
    /// (`biz_response::Data`), or up with `super` and down again.
    pub fn from(&self, scope: &[String]) -> proc_macro2::TokenStream {
        let name = self.ident();
        let (ups, down) = match self.module.strip_prefix(scope) {
            Some(rest) => (0, rest),
            None => (scope.len(), self.module.as_slice()),
        };
        let ups = (0..ups).map(|_| quote::quote!(super::));
        let down = down.iter().map(|m| {
            let m = ident(m).unwrap_or_else(placeholder);
            quote::quote!(#m::)
        });
        quote::quote!(#(#ups)* #(#down)* #name)
    }
}

/// The Rust names of one field of a message.
#[derive(Debug, Clone)]
pub struct FieldNames {
    /// The struct member.
    pub member: Ident,
    /// The setter of an optional request field, `with_<member>`.
    pub setter: Ident,
    /// The struct of an object's members or a list's items, in received messages.
    pub nested: TypePath,
    /// The code-table enum, when the field has documented values.
    pub enum_type: Option<TypePath>,
    /// The names of the field's own fields, in order.
    pub fields: Vec<FieldNames>,
}

/// The Rust names of one operation.
#[derive(Debug, Clone)]
pub struct OperationNames {
    /// The client method that calls it.
    pub method: Ident,
    /// The client method that renders its request.
    pub render: Ident,
    /// Its constant in `tables`.
    pub table: Ident,
    /// The request type.
    pub request: Ident,
    /// The response type.
    pub response: Ident,
    /// The request's fields.
    pub request_fields: Vec<FieldNames>,
    /// The response's fields.
    pub response_fields: Vec<FieldNames>,
    /// What a refusal's code is read into.
    pub refusal: RefusalCode,
    /// The typed request of each scenario, in spec order (none without `variants`).
    pub variants: Vec<VariantNames>,
}

/// The Rust names of one scenario of an operation.
#[derive(Debug, Clone)]
pub struct VariantNames {
    /// Its request type, `<Operation><Variant>Request`.
    pub ty: Ident,
    /// Its variant in the operation's request enum, `<Variant>`.
    pub variant: Ident,
}

/// The type a refusal's code is read into: the `E` of the operation's `paygen::Error<E>`.
#[derive(Debug, Clone)]
pub enum RefusalCode {
    /// The code's text: the checked field has no code table.
    Text,
    /// The code table's enum of the one field the success rule checks.
    Table(TypePath),
    /// The rule checks several fields: an enum with a variant per field.
    PerField {
        /// The enum, `<Operation>Refusal`.
        name: Ident,
        /// One per checked field, in the rule's order.
        variants: Vec<RefusalVariant>,
    },
}

/// One checked field of a [`RefusalCode::PerField`] enum.
#[derive(Debug, Clone)]
pub struct RefusalVariant {
    /// Dotted path of the code field, as the runtime reports it.
    pub field: String,
    /// The variant.
    pub variant: Ident,
    /// The field's code-table enum; `None` for its text.
    pub code: Option<TypePath>,
    /// The field's description.
    pub description: String,
}

/// The Rust names of one notification.
#[derive(Debug, Clone)]
pub struct NotificationNames {
    /// The client method that verifies it.
    pub method: Ident,
    /// The client method that receives it from a raw HTTP request.
    pub receive: Ident,
    /// The client method that receives it and confirms it with a signed query, for a
    /// notification with `confirm_with`.
    pub receive_confirmed: Option<Ident>,
    /// Its constant in `tables`.
    pub table: Ident,
    /// Its type.
    pub ty: Ident,
    /// Its fields.
    pub fields: Vec<FieldNames>,
}

/// One code-table enum, emitted once however many fields share it.
#[derive(Debug, Clone)]
pub struct EnumItem<'s> {
    /// Where the enum lives.
    pub path: TypePath,
    /// The first field that has it (its values and docs are the enum's).
    pub field: &'s Field,
    /// One variant per value, in order.
    pub variants: Vec<Ident>,
}

/// Every Rust name of a spec's generated client.
#[derive(Debug, Clone)]
pub struct ItemNames<'s> {
    /// `Environment` variants, in spec order.
    pub environments: Vec<Ident>,
    /// `Credentials` members, in spec order.
    pub credentials: Vec<Ident>,
    /// Per operation, in spec order.
    pub operations: Vec<OperationNames>,
    /// Per notification, in spec order.
    pub notifications: Vec<NotificationNames>,
    /// The code-table enums, in order of first use.
    pub enums: Vec<EnumItem<'s>>,
}

/// Every Rust name of `spec`'s client, or every problem that keeps one from existing:
/// a name that is not an identifier, or two names that become the same item.
pub fn item_names(spec: &Spec) -> Result<ItemNames<'_>, Vec<Problem>> {
    let mut planner = Planner::default();
    for name in PRELUDE_TYPES {
        planner
            .types
            .reserve(name, "a prelude name the generated code uses");
    }
    for name in CLIENT_TYPES {
        planner.types.reserve(name, "a type every client has");
    }
    for name in CLIENT_METHODS {
        planner.methods.reserve(name, "a method every client has");
    }
    for name in TABLE_CONSTS {
        planner
            .consts
            .reserve(name, "a constant every `tables` module has");
    }
    let names = planner.plan(spec);
    if planner.problems.is_empty() {
        Ok(names)
    } else {
        Err(planner.problems)
    }
}

/// Stands in for a name that has a problem; it never leaves this module, since any
/// problem makes [`item_names`] an error.
fn placeholder() -> Ident {
    Ident::new("__paygen_unnamed", Span::call_site())
}

/// One namespace of items: who took each name.
#[derive(Default)]
struct Namespace {
    /// Name (without `r#`) to what took it and the identity of its origin.
    taken: BTreeMap<String, (String, String)>,
}

impl Namespace {
    fn reserve(&mut self, name: &str, what: &str) {
        self.taken
            .insert(name.to_owned(), (what.to_owned(), String::new()));
    }

    /// The identifier of `claim`, reporting into `problems` when it is not an
    /// identifier or another item of this namespace already has it.
    fn claim(&mut self, claim: Claim<'_>, problems: &mut Vec<Problem>) -> Ident {
        let Claim {
            text,
            what,
            origin,
            at,
            hint,
        } = claim;
        let mut report = |message: String| problems.push(Problem::at(at, message));
        let Some(id) = ident(&text) else {
            report(format!(
                "{what} would be `{text}`, which is not a Rust identifier; {hint}"
            ));
            return placeholder();
        };
        let key = text.trim_start_matches("r#").to_owned();
        match self.taken.get(&key) {
            Some((other, other_origin)) if *other_origin != origin => {
                report(format!(
                    "{what} would be `{key}`, which is already {other}; {hint}"
                ));
            }
            Some(_) => {}
            None => {
                self.taken.insert(key, (what, origin));
            }
        }
        id
    }
}

/// Which namespace a name is claimed in.
#[derive(Clone, Copy)]
enum Space {
    Types,
    Methods,
    Consts,
}

/// A name to claim: its text, what it names, and where the spec writes it.
struct Claim<'a> {
    text: String,
    what: String,
    /// Claims with the same origin may share a name (a shared enum, or a duplicate that
    /// validation reports on its own).
    origin: String,
    at: &'a Name,
    hint: &'static str,
}

#[derive(Default)]
struct Planner {
    types: Namespace,
    /// The type namespaces of the child modules, by module path.
    nested_types: BTreeMap<Vec<String>, Namespace>,
    methods: Namespace,
    consts: Namespace,
    problems: Vec<Problem>,
}

const RENAME: &str = "rename it";
const RUST_NAME: &str = "set `rust_name`";

impl Planner {
    fn problem(&mut self, at: &Name, message: String) {
        self.problems.push(Problem::at(at, message));
    }

    /// The identifier of `claim` in `space` (see [`Namespace::claim`]).
    fn claim(&mut self, space: Space, claim: Claim<'_>) -> Ident {
        let namespace = match space {
            Space::Types => &mut self.types,
            Space::Methods => &mut self.methods,
            Space::Consts => &mut self.consts,
        };
        namespace.claim(claim, &mut self.problems)
    }

    /// The identifier of a type `claim` at `path`, in its module's namespace.
    fn claim_type(&mut self, path: &TypePath, claim: Claim<'_>) -> Ident {
        if path.module.is_empty() {
            return self.claim(Space::Types, claim);
        }
        let namespace = self.nested_types.entry(path.module.clone()).or_default();
        namespace.claim(claim, &mut self.problems)
    }

    /// True when `name` (of a `noun`) has something to build a Rust name from.
    fn nameable(&mut self, noun: &str, name: &Name) -> bool {
        let ok = has_ascii_word(&name.value);
        if !ok {
            self.problem(
                name,
                format!(
                    "{noun} `{}` has no ASCII letter or digit to make a Rust name from; {RENAME}",
                    name.value
                ),
            );
        }
        ok
    }

    fn plan<'s>(&mut self, spec: &'s Spec) -> ItemNames<'s> {
        let mut variants = Namespace::default();
        let environments = spec
            .environments
            .iter()
            .map(|e| {
                if !self.nameable("environment", &e.name) {
                    return placeholder();
                }
                self.claim_in(
                    &mut variants,
                    camel(&e.name.value),
                    format!("the variant of environment `{}`", e.name.value),
                    &e.name,
                )
            })
            .collect();
        let mut members = Namespace::default();
        let credentials = spec
            .credentials
            .iter()
            .map(|c| {
                if !self.nameable("credential", &c.name) {
                    return placeholder();
                }
                self.claim_in(
                    &mut members,
                    snake(&c.name.value),
                    format!("the `Credentials` member of `{}`", c.name.value),
                    &c.name,
                )
            })
            .collect();
        let operations = spec
            .operations
            .iter()
            .map(|op| self.operation(op))
            .collect();
        let notifications = spec
            .notifications
            .iter()
            .map(|n| self.notification(n))
            .collect();
        let mut names = ItemNames {
            environments,
            credentials,
            operations,
            notifications,
            enums: Vec::new(),
        };
        names.enums = self.enums(spec, &mut names);
        for (op, op_names) in spec.operations.iter().zip(names.operations.iter_mut()) {
            let rule = op
                .success
                .as_ref()
                .unwrap_or(&spec.protocol.response.success);
            op_names.refusal = self.refusal(op, rule, op_names);
        }
        names
    }

    /// Claims the name of a spec-level `name` in a namespace of its own (variants,
    /// members); duplicates of the same name are validation's to report.
    fn claim_in(&mut self, space: &mut Namespace, text: String, what: String, at: &Name) -> Ident {
        let claim = Claim {
            text,
            what,
            origin: at.value.clone(),
            at,
            hint: RENAME,
        };
        space.claim(claim, &mut self.problems)
    }

    fn operation(&mut self, op: &crate::spec::model::Operation) -> OperationNames {
        let raw = &op.name.value;
        if !self.nameable("operation", &op.name) {
            return OperationNames {
                method: placeholder(),
                render: placeholder(),
                table: placeholder(),
                request: placeholder(),
                response: placeholder(),
                request_fields: Vec::new(),
                response_fields: Vec::new(),
                refusal: RefusalCode::Text,
                variants: Vec::new(),
            };
        }
        let (snake, camel) = (snake(raw), camel(raw));
        let origin = format!("operation {raw}");
        let claim = |text: String, what: &str| Claim {
            text,
            what: format!("the {what} of operation `{raw}`"),
            origin: origin.clone(),
            at: &op.name,
            hint: RENAME,
        };
        let method = self.claim(Space::Methods, claim(snake.clone(), "client method"));
        let render = self.claim(
            Space::Methods,
            claim(format!("render_{snake}"), "render method"),
        );
        let table = self.claim(Space::Consts, claim(snake.to_uppercase(), "table constant"));
        let request_text = format!("{camel}Request");
        let response_text = format!("{camel}Response");
        let request = self.claim(Space::Types, claim(request_text.clone(), "request type"));
        let response = self.claim(Space::Types, claim(response_text.clone(), "response type"));
        let mut variant_names = Namespace::default();
        let variants = op
            .variants
            .iter()
            .map(|v| {
                if !self.nameable("variant", &v.name) {
                    return VariantNames {
                        ty: placeholder(),
                        variant: placeholder(),
                    };
                }
                let variant_camel = crate::names::camel(&v.name.value);
                let what = format!("the request type of variant `{}` of `{raw}`", v.name.value);
                VariantNames {
                    ty: self.claim(
                        Space::Types,
                        Claim {
                            text: format!("{camel}{variant_camel}Request"),
                            what,
                            origin: format!("operation {raw} variant {}", v.name.value),
                            at: &v.name,
                            hint: RENAME,
                        },
                    ),
                    variant: self.claim_in(
                        &mut variant_names,
                        variant_camel,
                        format!("the `{request_text}` variant of `{}`", v.name.value),
                        &v.name,
                    ),
                }
            })
            .collect();
        let request_fields = self.fields(
            &op.request,
            &TypePath::top(&request_text),
            &format!("`{raw}` request"),
            false,
        );
        let response_fields = self.fields(
            &op.response,
            &TypePath::top(&response_text),
            &format!("`{raw}` response"),
            true,
        );
        OperationNames {
            method,
            render,
            table,
            request,
            response,
            request_fields,
            response_fields,
            refusal: RefusalCode::Text,
            variants,
        }
    }

    /// What a refusal of `op` is read into, once the fields' enums are known: the
    /// success rule's code fields, each with its code table's enum or its text.
    fn refusal(
        &mut self,
        op: &crate::spec::model::Operation,
        rule: &SuccessRule,
        names: &OperationNames,
    ) -> RefusalCode {
        let mut paths: Vec<&str> = Vec::new();
        collect_code_fields(rule, &mut paths);
        let fields: Vec<(&str, Option<(&Field, &FieldNames)>)> = paths
            .iter()
            .map(|path| (*path, field_at(&op.response, &names.response_fields, path)))
            .collect();
        if let [(_, found)] = fields.as_slice() {
            return match found.and_then(|(_, n)| n.enum_type.clone()) {
                Some(code) => RefusalCode::Table(code),
                None => RefusalCode::Text,
            };
        }
        let raw = &op.name.value;
        let name = self.claim(
            Space::Types,
            Claim {
                text: format!("{}Refusal", camel(raw)),
                what: format!("the refusal code type of operation `{raw}`"),
                origin: format!("operation {raw}"),
                at: &op.name,
                hint: RENAME,
            },
        );
        let mut seen = BTreeSet::new();
        let mut variants = Vec::with_capacity(fields.len());
        for (path, found) in fields {
            let text = camel(path);
            let variant = match ident(&text) {
                Some(variant) if seen.insert(text.clone()) => variant,
                _ => {
                    self.problem(
                        &op.name,
                        format!("success field `{path}` of `{raw}` has no distinct Rust variant name `{text}`"),
                    );
                    placeholder()
                }
            };
            variants.push(RefusalVariant {
                field: path.to_owned(),
                variant,
                code: found.and_then(|(_, n)| n.enum_type.clone()),
                description: found
                    .map(|(f, _)| f.description.trim().to_owned())
                    .unwrap_or_default(),
            });
        }
        RefusalCode::PerField { name, variants }
    }

    fn notification(&mut self, n: &crate::spec::model::Notification) -> NotificationNames {
        let raw = &n.name.value;
        if !self.nameable("notification", &n.name) {
            return NotificationNames {
                method: placeholder(),
                receive: placeholder(),
                receive_confirmed: None,
                table: placeholder(),
                ty: placeholder(),
                fields: Vec::new(),
            };
        }
        let (snake, camel) = (snake(raw), camel(raw));
        let origin = format!("notification {raw}");
        let claim = |text: String, what: &str| Claim {
            text,
            what: format!("the {what} of notification `{raw}`"),
            origin: origin.clone(),
            at: &n.name,
            hint: RENAME,
        };
        let method = self.claim(
            Space::Methods,
            claim(format!("verify_{snake}_notification"), "client method"),
        );
        let receive = self.claim(
            Space::Methods,
            claim(format!("receive_{snake}_notification"), "client method"),
        );
        let receive_confirmed = n.confirm_with.as_ref().map(|_| {
            self.claim(
                Space::Methods,
                claim(
                    format!("receive_{snake}_notification_confirmed"),
                    "client method",
                ),
            )
        });
        let table = self.claim(
            Space::Consts,
            claim(
                format!("NOTIFICATION_{}", snake.to_uppercase()),
                "table constant",
            ),
        );
        let ty_text = format!("{camel}Notification");
        let ty = self.claim(Space::Types, claim(ty_text.clone(), "type"));
        let fields = self.fields(
            &n.fields,
            &TypePath::top(&ty_text),
            &format!("notification `{raw}`"),
            true,
        );
        NotificationNames {
            method,
            receive,
            receive_confirmed,
            table,
            ty,
            fields,
        }
    }

    /// The names of a message's fields; `parent` is the message type, whose nested
    /// types are `<parent module>::<Field>`: received structs, or request builders
    /// (never a shared `types:` name, which belongs to the received struct).
    fn fields(
        &mut self,
        fields: &[Field],
        parent: &TypePath,
        context: &str,
        received: bool,
    ) -> Vec<FieldNames> {
        let mut wires = BTreeSet::new();
        let mut members = BTreeSet::new();
        let mut names = Vec::with_capacity(fields.len());
        for field in fields {
            let wire = field.name.value.as_str();
            // A repeated wire name is reported as a duplicate by validation.
            let repeated = !wires.insert(wire);
            let rust = rust_field_name(field);
            let member = match ident(&rust) {
                _ if repeated => placeholder(),
                Some(_) if !has_ascii_word(&rust) => {
                    self.problem(&field.name, format!("field `{wire}` has no ASCII letter or digit to make a Rust name from; {RUST_NAME}"));
                    placeholder()
                }
                Some(member) => {
                    if !members.insert(rust.trim_start_matches("r#").to_owned()) {
                        self.problem(
                            &field.name,
                            format!(
                                "two fields of {context} become Rust field `{rust}`; {RUST_NAME}"
                            ),
                        );
                    }
                    member
                }
                None => {
                    self.problem(
                        &field.name,
                        format!("`{rust}` is not a usable Rust name; {RUST_NAME}"),
                    );
                    placeholder()
                }
            };
            let setter = ident(&format!("with_{}", rust.trim_start_matches("r#")))
                .unwrap_or_else(placeholder);
            let nested = nested_type_path(parent, field, received);
            let emitted =
                !field.fields.is_empty() && matches!(field.ty, FieldType::Object | FieldType::List);
            if emitted && !repeated {
                self.claim_type(
                    &nested,
                    Claim {
                        text: nested.name.clone(),
                        what: format!("the type of `{wire}` in {context}"),
                        // Every field of one shared type names the same struct.
                        origin: match &field.shared {
                            Some(shared) if received => format!("type {}", shared.rust_name),
                            _ => format!("{context}.{wire}"),
                        },
                        at: &field.name,
                        hint: RUST_NAME,
                    },
                );
            }
            if !field.values.is_empty() && !repeated {
                if let Err(message) = variant_names(&field.values) {
                    self.problem(&field.name, format!("field `{wire}`: {message}"));
                }
            }
            let inner = self.fields(&field.fields, &nested, &format!("`{wire}`"), received);
            names.push(FieldNames {
                member,
                setter,
                nested,
                enum_type: None,
                fields: inner,
            });
        }
        names
    }

    /// Names the code-table enums, claims them, and records each field's enum type.
    fn enums<'s>(&mut self, spec: &'s Spec, names: &mut ItemNames<'s>) -> Vec<EnumItem<'s>> {
        // (message type, its fields, their names, whether it is received): a request's
        // objects are builders of their own, outside the shared `types:` names.
        let mut groups: Vec<(TypePath, &'s [Field], &mut Vec<FieldNames>, bool)> = Vec::new();
        for (op, op_names) in spec.operations.iter().zip(names.operations.iter_mut()) {
            let base = camel(&op.name.value);
            groups.push((
                TypePath::top(format!("{base}Request")),
                &op.request,
                &mut op_names.request_fields,
                false,
            ));
            groups.push((
                TypePath::top(format!("{base}Response")),
                &op.response,
                &mut op_names.response_fields,
                true,
            ));
        }
        for (n, n_names) in spec
            .notifications
            .iter()
            .zip(names.notifications.iter_mut())
        {
            groups.push((
                TypePath::top(format!("{}Notification", camel(&n.name.value))),
                &n.fields,
                &mut n_names.fields,
                true,
            ));
        }
        let found = enum_names(
            groups
                .iter()
                .map(|(parent, fields, _, nested)| (parent.clone(), *fields, *nested)),
        );
        let mut enums: Vec<EnumItem<'s>> = Vec::new();
        let mut typed: Vec<(&'s Field, TypePath)> = Vec::with_capacity(found.len());
        for (field, path) in found {
            self.claim_type(
                &path,
                Claim {
                    text: path.name.clone(),
                    what: format!("the enum of field `{}`", field.name.value),
                    origin: format!("values {:?}", values_key(field)),
                    at: &field.name,
                    hint: RUST_NAME,
                },
            );
            if !enums.iter().any(|e| e.path == path) {
                let variants = variant_names(&field.values).unwrap_or_default();
                enums.push(EnumItem {
                    path: path.clone(),
                    field,
                    variants,
                });
            }
            typed.push((field, path));
        }
        for (_, fields, field_names, _) in groups {
            attach(fields, field_names, &typed);
        }
        enums
    }
}

/// The dotted paths of the code fields `rule` checks, in order, each once: the fields
/// a refusal can name.
fn collect_code_fields<'r>(rule: &'r SuccessRule, paths: &mut Vec<&'r str>) {
    if !paths.contains(&rule.field.value.as_str()) {
        paths.push(&rule.field.value);
    }
    for inner in &rule.and {
        collect_code_fields(inner, paths);
    }
}

/// The field at dotted `path` of a message and its names, walking both trees together.
fn field_at<'f>(
    fields: &'f [Field],
    names: &'f [FieldNames],
    path: &str,
) -> Option<(&'f Field, &'f FieldNames)> {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let index = fields.iter().position(|f| f.name.value == head)?;
    let (field, names) = (fields.get(index)?, names.get(index)?);
    match rest {
        None => Some((field, names)),
        Some(rest) => field_at(&field.fields, &names.fields, rest),
    }
}

/// Records each field's enum type in its names, walking both trees together.
fn attach(fields: &[Field], names: &mut [FieldNames], typed: &[(&Field, TypePath)]) {
    for (field, names) in fields.iter().zip(names.iter_mut()) {
        names.enum_type = typed
            .iter()
            .find(|(f, _)| std::ptr::eq(*f, field))
            .map(|(_, id)| id.clone());
        attach(&field.fields, &mut names.fields, typed);
    }
}

/// The type of an object or list field's members: in a received message its shared
/// type at the top, else `<Field>` in the module of the parent's children.
fn nested_type_path(parent: &TypePath, field: &Field, received: bool) -> TypePath {
    match &field.shared {
        Some(shared) if received && !field.fields.is_empty() => TypePath::top(&shared.rust_name),
        _ => parent.child(camel(&rust_field_name(field))),
    }
}

/// What makes two code tables the same enum: the same values with the same names.
fn values_key(field: &Field) -> Vec<(String, Option<String>)> {
    field
        .values
        .iter()
        .map(|v| (v.value.clone(), v.rust_name.clone()))
        .collect()
}

/// The enum of every field with documented values, in spec order: a shared code
/// table's name at the top (`codes:`), else `<Field>` among the children of the
/// field's message (`pay_response::Code`). A path depends only on the field's own
/// place, so no edit elsewhere in the spec renames it; equal enums are merged after
/// emission, keeping every name. `groups` gives a message type, its fields, and whether
/// it is received (its nested types may be shared ones).
fn enum_names<'s>(
    groups: impl IntoIterator<Item = (TypePath, &'s [Field], bool)>,
) -> Vec<(&'s Field, TypePath)> {
    fn walk<'s>(
        parent: &TypePath,
        fields: &'s [Field],
        received: bool,
        found: &mut Vec<(&'s Field, TypePath)>,
    ) {
        for field in fields {
            if !field.values.is_empty() {
                let path = match &field.shared {
                    Some(shared) => TypePath::top(&shared.rust_name),
                    None => parent.child(camel(&rust_field_name(field))),
                };
                found.push((field, path));
            }
            walk(
                &nested_type_path(parent, field, received),
                &field.fields,
                received,
                found,
            );
        }
    }
    let mut found = Vec::new();
    for (parent, fields, received) in groups {
        walk(&parent, fields, received, &mut found);
    }
    found
}
