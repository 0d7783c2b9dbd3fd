//! Emits the typed messages: request structs (with `new` and `to_wire`), response and
//! notification structs (serde, lenient to how providers really send values), and one
//! enum per documented code table with an `Unknown(String)` fallback.

use super::merge::ModuleItems;
use super::one_line;
use crate::items::{FieldNames, RefusalVariant, TypePath};
use crate::spec::model::{EnumValue, Field, FieldType, SentAs};
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use std::collections::BTreeSet;

fn doc_lines(text: &str) -> TokenStream {
    let lines = text
        .lines()
        .map(|l| one_line(&format!(" {}", l.trim_end())));
    quote!(#(#[doc = #lines])*)
}

fn field_doc(field: &Field) -> TokenStream {
    let mut text = if field.description.trim().is_empty() {
        format!("`{}`.", field.name.value)
    } else {
        field.description.trim().to_owned()
    };
    text.push_str(&format!("\n\nWire name `{}`", field.name.value));
    match (field.min_length, field.max_length) {
        (Some(min), Some(max)) if min == max => {
            let unit = if max == 1 { "character" } else { "characters" };
            text.push_str(&format!(", exactly {max} {unit}"));
        }
        (Some(min), Some(max)) => text.push_str(&format!(", {min} to {max} characters")),
        (Some(min), None) => {
            let unit = if min == 1 { "character" } else { "characters" };
            text.push_str(&format!(", at least {min} {unit}"));
        }
        (None, Some(max)) => {
            let unit = if max == 1 { "character" } else { "characters" };
            text.push_str(&format!(", at most {max} {unit}"));
        }
        (None, None) => {}
    }
    text.push('.');
    if let Some(when) = &field.present_when {
        text.push_str(&format!(
            " Returned only {}.",
            when.trim().trim_end_matches('.')
        ));
    }
    doc_lines(&text)
}

/// The refusal code type of an operation whose success rule checks several fields:
/// one variant per field, read by the runtime from `{"<field path>": code}`.
pub fn emit_refusal(name: &Ident, operation: &str, variants: &[RefusalVariant]) -> TokenStream {
    let doc = one_line(&format!(
        " The code of the check a reply of `{operation}` failed: one variant per code field its success rule reads."
    ));
    let defs = variants.iter().map(|v| {
        let variant = &v.variant;
        let field = v.field.as_str();
        let code = match &v.code {
            Some(code) => code.from(&[]),
            None => quote!(String),
        };
        let text = if v.description.is_empty() {
            format!("Refused at `{field}`.")
        } else {
            format!("Refused at `{field}`: {}", v.description)
        };
        let doc = doc_lines(&text);
        quote!(#doc #[serde(rename = #field)] #variant(#code),)
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, ::paygen::__private::serde::Deserialize)]
        #[serde(crate = "::paygen::__private::serde")]
        pub enum #name {
            #(#defs)*
        }
    }
}

/// Emits a code-table enum with its `Unknown(String)` fallback, wire conversions,
/// `Display` and `Deserialize`.
pub fn emit_enum(name: &Ident, field: &Field, variants: &[Ident]) -> TokenStream {
    let values: Vec<&str> = field.values.iter().map(|v| v.value.as_str()).collect();
    let docs = field.values.iter().map(|v: &EnumValue| {
        let text = if v.description.trim().is_empty() {
            format!("`{}`.", v.value)
        } else {
            format!("{} (`{}`).", v.description.trim(), v.value)
        };
        doc_lines(&text)
    });
    let summary = match &field.shared {
        Some(shared) if !shared.description.trim().is_empty() => one_line(&format!(
            " {}; values the document does not list are kept in `Unknown`.",
            shared.description.trim().trim_end_matches(['.', '。'])
        )),
        _ => one_line(&format!(
            " Documented values of `{}`; values the document does not list are kept in `Unknown`.",
            field.name.value
        )),
    };
    quote! {
        #[doc = #summary]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#docs #variants,)*
            /// A value the document does not list, as received.
            Unknown(String),
        }

        impl #name {
            /// The value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::Unknown(value) => value,
                }
            }

            /// The variant of a wire value.
            pub fn from_wire(value: &str) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> ::paygen::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::paygen::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                ::paygen::__private::de::text(deserializer).map(|value| Self::from_wire(&value))
            }
        }
    }
}

/// The parts of a request builder's struct and impl, member by member.
#[derive(Default)]
struct Builder {
    members: Vec<TokenStream>,
    params: Vec<TokenStream>,
    inits: Vec<TokenStream>,
    setters: Vec<TokenStream>,
    all_optional: bool,
}

impl Builder {
    /// Adds `field` as a member (required: a parameter of `new`; else a `with_*` setter)
    /// and returns its `WireValue` expression over `value`, a reference to it. The
    /// builders of its nested objects are emitted into `out`; types are named from
    /// `scope`.
    fn member(
        &mut self,
        field: &Field,
        names: &FieldNames,
        required: bool,
        nested: &mut Nested<'_>,
    ) -> TokenStream {
        self.all_optional &= !required;
        let rust = &names.member;
        let wire = field.name.value.as_str();
        let doc = field_doc(field);
        let typed = names.enum_type.is_none()
            && !field.fields.is_empty()
            && matches!(field.ty, FieldType::Object | FieldType::List);
        if typed {
            let what = if field.ty == FieldType::List {
                format!("One item of `{wire}`.")
            } else {
                format!("`{wire}`.")
            };
            let text = match field.description.trim() {
                "" => what,
                description => format!("{description}\n\n{what}"),
            };
            emit_request_object(&names.nested, &text, &field.fields, &names.fields, nested);
        }
        let scope = nested.scope;
        // `into`: the type a constructor or setter takes `impl Into<_>` of.
        let (ty, into) = match (&names.enum_type, field.ty) {
            (Some(e), _) => (e.from(scope), None),
            (None, FieldType::String) if field.secret => {
                (quote!(::paygen::Secret), Some(quote!(::paygen::Secret)))
            }
            (None, FieldType::String) => (quote!(String), Some(quote!(String))),
            (None, FieldType::Int) => (quote!(i64), None),
            (None, FieldType::Fen | FieldType::Yuan) => (quote!(::paygen::Fen), None),
            (None, FieldType::Bool) => (quote!(bool), None),
            (None, FieldType::Object) if typed => (names.nested.from(scope), None),
            (None, FieldType::List) if typed => {
                let item = names.nested.from(scope);
                (quote!(Vec<#item>), None)
            }
            (None, _) => (quote!(::paygen::__private::serde_json::Value), None),
        };
        if required {
            self.members.push(quote!(#doc pub #rust: #ty,));
            if let Some(into) = &into {
                self.params.push(quote!(#rust: impl Into<#into>));
                self.inits.push(quote!(#rust: #rust.into(),));
            } else {
                self.params.push(quote!(#rust: #ty));
                self.inits.push(quote!(#rust,));
            }
        } else {
            self.members.push(quote!(#doc pub #rust: Option<#ty>,));
            self.inits.push(quote!(#rust: None,));
            let setter = &names.setter;
            let setter_doc = one_line(&format!(" Sets `{wire}`."));
            let (param, value) = match &into {
                Some(into) => (quote!(impl Into<#into>), quote!(value.into())),
                None => (ty.clone(), quote!(value)),
            };
            self.setters.push(quote! {
                #[doc = #setter_doc]
                pub fn #setter(mut self, value: #param) -> Self {
                    self.#rust = Some(#value);
                    self
                }
            });
        }
        if typed && field.ty == FieldType::List {
            quote!(::paygen::WireValue::Json(::std::borrow::Cow::Owned(
                ::paygen::__private::serde_json::Value::Array(
                    value.iter().map(|item| item.to_json()).collect()
                )
            )))
        } else if typed {
            quote!(::paygen::WireValue::Json(::std::borrow::Cow::Owned(
                value.to_json()
            )))
        } else {
            wire_value(field, names.enum_type.is_some())
        }
    }

    /// The struct `name` and its impl: `new` (documented `new_doc`), the setters and
    /// `conversion` (how the value is sent).
    fn item(&self, name: &Ident, doc: &str, new_doc: &str, conversion: TokenStream) -> TokenStream {
        let Builder {
            members,
            params,
            inits,
            setters,
            all_optional,
        } = self;
        let doc = doc_lines(doc);
        let default = all_optional.then(|| quote!(Default,));
        // Clippy's limit is seven; the document decides how many fields are required.
        let allow_many = (params.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
        quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, #default)]
            pub struct #name {
                #(#members)*
            }

            impl #name {
                #[doc = #new_doc]
                #allow_many
                pub fn new(#(#params),*) -> Self {
                    Self { #(#inits)* }
                }

                #(#setters)*

                #conversion
            }
        }
    }
}

/// Where a request's nested builders go: the module items, the types already emitted
/// (an operation's scenarios share them), and the module the current type is in.
pub struct Nested<'a> {
    /// Items by module.
    pub out: &'a mut ModuleItems,
    /// Types already emitted.
    pub emitted: &'a mut BTreeSet<TypePath>,
    /// The module of the type being emitted (types are named from it).
    pub scope: &'a [String],
}

/// Emits a request struct: fields, `new` with the required ones, setters, `to_wire`;
/// its object fields' builders go into `nested`.
pub fn emit_request(
    name: &Ident,
    doc: &str,
    request: &[RequestMember<'_>],
    nested: &mut Nested<'_>,
) -> TokenStream {
    let mut builder = Builder {
        all_optional: true,
        ..Builder::default()
    };
    let mut pushes = Vec::new();
    for member in request {
        let (field, names, required) = match *member {
            RequestMember::Set {
                field,
                names,
                required,
            } => (field, names, required),
            RequestMember::Fixed { field, value } => {
                let wire = field.name.value.as_str();
                let value = fixed_value(field, value);
                pushes.push(quote!(fields.push(#wire, #value);));
                continue;
            }
        };
        let value = builder.member(field, names, required, nested);
        let rust = &names.member;
        let wire = field.name.value.as_str();
        pushes.push(if required {
            quote! {
                let value = &self.#rust;
                fields.push(#wire, #value);
            }
        } else {
            quote! {
                if let Some(value) = &self.#rust {
                    fields.push(#wire, #value);
                }
            }
        });
    }
    let count = proc_macro2::Literal::usize_unsuffixed(request.len());
    builder.item(
        name,
        doc,
        " A request with its required fields; optional ones are set with `with_*`.",
        quote! {
            /// The business fields in wire order, for the runtime to encode and sign.
            pub fn to_wire(&self) -> ::paygen::WireFields<'_> {
                let mut fields = ::paygen::WireFields::with_capacity(#count);
                #(#pushes)*
                fields
            }
        },
    )
}

/// Emits the builder of a request object (or of a list's items) at `path` and, in the
/// module named after it, its own nested builders: members as `emit_request`'s, and
/// `to_json` writing them in the document's order. Emitted once per path.
fn emit_request_object(
    path: &TypePath,
    doc: &str,
    fields: &[Field],
    names: &[FieldNames],
    nested: &mut Nested<'_>,
) {
    if !nested.emitted.insert(path.clone()) {
        return;
    }
    let mut builder = Builder {
        all_optional: true,
        ..Builder::default()
    };
    let mut inserts = Vec::new();
    {
        let mut inner = Nested {
            out: &mut *nested.out,
            emitted: &mut *nested.emitted,
            scope: &path.module,
        };
        for (field, names) in fields.iter().zip(names) {
            let value = builder.member(field, names, field.required, &mut inner);
            let rust = &names.member;
            let wire = field.name.value.as_str();
            let insert =
                quote!(object.insert(#wire.to_owned(), ::paygen::WireValue::to_json(&#value)););
            inserts.push(if field.required {
                quote! {
                    let value = &self.#rust;
                    #insert
                }
            } else {
                quote! {
                    if let Some(value) = &self.#rust {
                        #insert
                    }
                }
            });
        }
    }
    let item = builder.item(
        &path.ident(),
        doc,
        " An object with its required members; optional ones are set with `with_*`.",
        quote! {
            /// The object as sent: its members in the document's order.
            pub fn to_json(&self) -> ::paygen::__private::serde_json::Value {
                let mut object = ::paygen::__private::serde_json::Map::new();
                #(#inserts)*
                ::paygen::__private::serde_json::Value::Object(object)
            }
        },
    );
    nested
        .out
        .entry(path.module.clone())
        .or_default()
        .extend(item);
}

/// One member of a request type: a field the caller sets, or one a scenario fixes.
#[derive(Debug, Clone, Copy)]
pub enum RequestMember<'a> {
    /// A field the caller sets; `required` as this request type has it.
    Set {
        /// The field.
        field: &'a Field,
        /// Its Rust names.
        names: &'a FieldNames,
        /// Whether `new` takes it (else a `with_*` setter sets it).
        required: bool,
    },
    /// A field this request type always sends with one value (validated for its type).
    Fixed {
        /// The field.
        field: &'a Field,
        /// Its value as text.
        value: &'a str,
    },
}

/// The `WireValue` expression of a fixed field's value: a number for `int` fields, a
/// boolean for `bool`, else text (validation allows no other type).
fn fixed_value(field: &Field, value: &str) -> TokenStream {
    match (field.ty, value.parse::<i64>(), value.parse::<bool>()) {
        (FieldType::Int, Ok(number), _) if !field.as_string => {
            let number = proc_macro2::Literal::i64_unsuffixed(number);
            quote!(::paygen::WireValue::Int(#number))
        }
        (FieldType::Bool, _, Ok(flag)) => quote!(::paygen::WireValue::Bool(#flag)),
        _ => quote!(::paygen::WireValue::Text(::std::borrow::Cow::Borrowed(#value))),
    }
}

/// The request enum of an operation with scenarios: one typed request per variant.
pub fn emit_request_enum(
    name: &Ident,
    doc: &str,
    variants: &[(&Ident, &Ident, String)],
) -> TokenStream {
    let doc = doc_lines(doc);
    let defs = variants.iter().map(|(variant, ty, doc)| {
        let doc = doc_lines(doc);
        quote!(#doc #variant(#ty),)
    });
    let arms = variants
        .iter()
        .map(|(variant, _, _)| quote!(Self::#variant(request) => request.to_wire(),));
    let froms = variants.iter().map(|(variant, ty, _)| {
        quote! {
            impl From<#ty> for #name {
                fn from(request: #ty) -> Self {
                    Self::#variant(request)
                }
            }
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#defs)*
        }

        impl #name {
            /// The business fields in wire order, for the runtime to encode and sign.
            pub fn to_wire(&self) -> ::paygen::WireFields<'_> {
                match self {
                    #(#arms)*
                }
            }
        }

        #(#froms)*
    }
}

/// The `WireValue` expression of `value` (a reference to the field's Rust value).
fn wire_value(field: &Field, is_enum: bool) -> TokenStream {
    let text_borrowed = quote!(::paygen::WireValue::Text(::std::borrow::Cow::Borrowed(
        value.as_str()
    )));
    // A secret's text is behind `expose()`; `sent_as` sends a transform of the text.
    let text = if field.secret {
        quote!(value.expose())
    } else {
        quote!(value)
    };
    match field.sent_as {
        Some(SentAs::Sha1Hex) => {
            return quote!(::paygen::WireValue::Text(::std::borrow::Cow::Owned(
                ::paygen::__private::sha1_hex(#text)
            )));
        }
        None if field.secret => {
            return quote!(::paygen::WireValue::Text(::std::borrow::Cow::Borrowed(#text)));
        }
        None => {}
    }
    match field.ty {
        _ if is_enum && (field.as_string || field.ty == FieldType::String) => text_borrowed,
        _ if is_enum => quote! {
            match value.as_str().parse::<i64>() {
                Ok(number) => ::paygen::WireValue::Int(number),
                Err(_) => #text_borrowed,
            }
        },
        FieldType::String => text_borrowed,
        FieldType::Int if field.as_string => {
            quote!(::paygen::WireValue::Text(::std::borrow::Cow::Owned(
                value.to_string()
            )))
        }
        FieldType::Int => quote!(::paygen::WireValue::Int(*value)),
        FieldType::Fen if field.as_string => {
            quote!(::paygen::WireValue::Text(::std::borrow::Cow::Owned(
                value.0.to_string()
            )))
        }
        FieldType::Fen => quote!(::paygen::WireValue::Int(value.0)),
        FieldType::Yuan if field.as_string => {
            quote!(::paygen::WireValue::Text(::std::borrow::Cow::Owned(
                ::paygen::yuan::format(*value)
            )))
        }
        FieldType::Yuan => quote!(::paygen::WireValue::Yuan(*value)),
        FieldType::Bool => quote!(::paygen::WireValue::Bool(*value)),
        FieldType::Object | FieldType::List | FieldType::Json => {
            quote!(::paygen::WireValue::Json(::std::borrow::Cow::Borrowed(
                value
            )))
        }
    }
}

/// The doc of a nested struct: its shared type's description, else `otherwise`.
fn nested_doc(field: &Field, otherwise: &str) -> String {
    match &field.shared {
        Some(shared) if !shared.description.trim().is_empty() => shared.description.clone(),
        _ => otherwise.to_owned(),
    }
}

/// Whether a received type accepts fields its table does not declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Undeclared fields are ignored (a provider adding a reply field breaks nothing).
    Open,
    /// Undeclared fields are refused: the message's signature does not name the
    /// operation (Alipay's member signature), so its fields are what bind it to this one.
    OnlyDeclared,
}

/// Emits a received-message struct at `path` and its nested structs (in the module
/// named after it); a struct already in `emitted` (a shared type) is not emitted again.
#[allow(clippy::too_many_arguments)]
pub fn emit_received(
    path: &TypePath,
    doc: &str,
    fields: &[Field],
    names: &[FieldNames],
    closed: Closed,
    emitted: &mut BTreeSet<TypePath>,
    out: &mut ModuleItems,
) {
    if !emitted.insert(path.clone()) {
        return;
    }
    let name = &path.ident();
    let scope = path.module.as_slice();
    let mut members = Vec::new();
    for (field, names) in fields.iter().zip(names) {
        let rust = &names.member;
        let wire = field.name.value.as_str();
        let doc = field_doc(field);
        let nested_path = &names.nested;
        let nested_name = nested_path.from(scope);
        let has_members = !field.fields.is_empty();
        let (ty, required_with, optional_with) = match (&names.enum_type, field.ty) {
            (Some(e), _) => (e.from(scope), None, None),
            (None, FieldType::String) => (
                quote!(String),
                Some("::paygen::__private::de::text"),
                Some("::paygen::__private::de::opt_text"),
            ),
            (None, FieldType::Int) => (
                quote!(i64),
                Some("::paygen::__private::de::int"),
                Some("::paygen::__private::de::opt_int"),
            ),
            (None, FieldType::Fen) => (
                quote!(::paygen::Fen),
                None,
                Some("::paygen::__private::de::opt_fen"),
            ),
            (None, FieldType::Yuan) => (
                quote!(::paygen::Fen),
                Some("::paygen::yuan::de"),
                Some("::paygen::yuan::opt_de"),
            ),
            (None, FieldType::Bool) => (quote!(bool), None, None),
            (None, FieldType::Object) if has_members => {
                let nested_doc = nested_doc(field, &format!("`{wire}` of {name}."));
                emit_received(
                    nested_path,
                    &nested_doc,
                    &field.fields,
                    &names.fields,
                    Closed::Open,
                    emitted,
                    out,
                );
                (nested_name, None, None)
            }
            (None, FieldType::List) if has_members => {
                let nested_doc = nested_doc(field, &format!("One item of `{wire}` of {name}."));
                emit_received(
                    nested_path,
                    &nested_doc,
                    &field.fields,
                    &names.fields,
                    Closed::Open,
                    emitted,
                    out,
                );
                (quote!(Vec<#nested_name>), None, None)
            }
            (None, _) => (quote!(::paygen::__private::serde_json::Value), None, None),
        };
        // serde refuses a message that carries a field under two of its names.
        let aliases = field.aliases.iter().map(|a| {
            let alias = a.value.as_str();
            quote!(, alias = #alias)
        });
        if field.required {
            let with = required_with.map(|w| quote!(, deserialize_with = #w));
            members.push(quote!(#doc #[serde(rename = #wire #(#aliases)* #with)] pub #rust: #ty,));
        } else {
            let with = optional_with.map(|w| quote!(, deserialize_with = #w));
            members.push(
                quote!(#doc #[serde(rename = #wire #(#aliases)*, default #with)] pub #rust: Option<#ty>,),
            );
        }
    }
    let doc = doc_lines(doc);
    let deny_unknown = match closed {
        Closed::Open => quote!(),
        Closed::OnlyDeclared => quote!(#[serde(deny_unknown_fields)]),
    };
    out.entry(path.module.clone()).or_default().extend(quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, ::paygen::__private::serde::Deserialize)]
        #[serde(crate = "::paygen::__private::serde")]
        #deny_unknown
        pub struct #name {
            #(#members)*
        }
    });
}
