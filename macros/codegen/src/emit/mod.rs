//! Rust emission: one token stream per spec, used verbatim by the proc-macro and, after
//! prettyplease, by `paygen generate`.

mod client;
mod merge;
mod shared;
pub mod tables;
mod types;

use crate::items::{item_names, ItemNames, OperationNames, RefusalCode, TypePath};
use crate::lower::lower;
use crate::spec::model::Spec;
use crate::spec::validate::{Problem, ValidSpec};
use crate::spec::SpecErrors;
use merge::ModuleItems;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeMap;
use tables::{emit_operation, EmitConst};
use types::{
    emit_enum, emit_received, emit_refusal, emit_request, emit_request_enum, Closed, Nested,
    RequestMember,
};

/// `text` on one line: a line break inside a single-line doc (or a bare CR anywhere,
/// which Rust refuses in comments) would break the `///` line prettyplease writes.
pub(crate) fn one_line(text: &str) -> String {
    autolink(&text.replace(['\r', '\n'], " "))
}

/// `text` with each bare URL (a document's `如：http://www.xxx.com/notify.do，`) made an
/// autolink, which rustdoc asks for; a URL in code or already in `<..>` is left alone.
fn autolink(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = ["https://", "http://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let length = from
            .find(|c: char| !c.is_ascii_graphic() || matches!(c, '<' | '>' | '"' | '`'))
            .unwrap_or(from.len());
        let mut url = &from[..length];
        // Sentence punctuation after a URL is not part of it.
        while let Some(last) = url.chars().last() {
            let closes = last == ')' && !url.contains('(');
            if closes || matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'') {
                url = &url[..url.len() - 1];
            } else {
                break;
            }
        }
        let in_code = out.matches('`').count() % 2 == 1;
        let linked = out.ends_with('<');
        if in_code || linked || url.len() <= "https://".len() {
            out.push_str(url);
        } else {
            out.push('<');
            out.push_str(url);
            out.push('>');
        }
        rest = &from[url.len()..];
    }
    out.push_str(rest);
    out
}

/// Why a spec's items cannot be emitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// The spec has problems validation reports; emission never guesses around them.
    #[error("the spec is invalid: {}", .0.iter().map(Problem::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
}

impl EmitError {
    /// The problems as errors naming the spec `file`, line and column.
    pub fn in_file(self, file: &str) -> SpecErrors {
        match self {
            EmitError::Invalid(problems) => SpecErrors::of_problems(file, problems),
        }
    }
}

/// The items of a provider's client: protocol tables, types, enums, client; each
/// message's child types in a module named after it.
pub fn provider_items(spec: &ValidSpec) -> Result<TokenStream, EmitError> {
    // Only validation makes a `ValidSpec`, so no caller can hand emission a spec it
    // would have to guess about (an unknown recipe, a name that is not an identifier).
    let names = item_names(spec).map_err(EmitError::Invalid)?;
    let modules = emit_modules(spec, &names);
    Ok(assemble(&modules, &module_parents(&names), &[]))
}

/// The items of a provider's client by module, equal shapes merged (see
/// [`provider_items`]).
#[cfg(test)]
pub(crate) fn provider_modules(spec: &ValidSpec) -> Result<ModuleItems, EmitError> {
    let names = item_names(spec).map_err(EmitError::Invalid)?;
    Ok(emit_modules(spec, &names))
}

fn emit_modules(spec: &ValidSpec, names: &ItemNames<'_>) -> ModuleItems {
    let provider = lower(spec);

    let mut modules = ModuleItems::new();
    let mut items = TokenStream::new();
    items.extend(client::emit_client(spec, names));
    let mut emitted = std::collections::BTreeSet::new();
    let operations = spec
        .operations
        .iter()
        .zip(&names.operations)
        .zip(provider.operations.iter());
    // A member signature covers the member's text but not its name: the reply's own
    // fields are then all that tells one operation's reply from another's.
    let member_signed = provider
        .response
        .verification
        .as_ref()
        .is_some_and(|v| v.recipe.input == paygen_protocol::SignInput::Member);
    let closed = if member_signed {
        Closed::OnlyDeclared
    } else {
        Closed::Open
    };
    for ((op, op_names), lowered) in operations {
        let request_doc = format!("Request of `{}`: {}", op.name.value, op.summary.trim());
        let response_doc = format!("Response of `{}`: {}", op.name.value, op.summary.trim());
        let mut nested = Nested {
            out: &mut modules,
            emitted: &mut emitted,
            scope: &[],
        };
        items.extend(emit_operation_requests(
            op,
            op_names,
            &request_doc,
            &mut nested,
        ));
        items.extend(fields_const(&op_names.request, lowered.request.emit()));
        emit_received(
            &TypePath::top(op_names.response.to_string()),
            &response_doc,
            &op.response,
            &op_names.response_fields,
            closed,
            &mut emitted,
            &mut modules,
        );
        if let RefusalCode::PerField { name, variants } = &op_names.refusal {
            items.extend(emit_refusal(name, &op.name.value, variants));
        }
    }
    for (n, n_names) in spec.notifications.iter().zip(&names.notifications) {
        let name = &n_names.ty;
        let doc = format!("Notification `{}`: {}", n.name.value, n.summary.trim());
        emit_received(
            &TypePath::top(name.to_string()),
            &doc,
            &n.fields,
            &n_names.fields,
            Closed::Open,
            &mut emitted,
            &mut modules,
        );
        let ack = n.ack.as_str();
        items.extend(if n.ack_template {
            quote! {
                impl #name {
                    /// The template of the answer: each `{field}` is the received field's text; `receive_*` gives it filled in `Delivery::ack`.
                    pub const ACK_TEMPLATE: &'static str = #ack;
                }
            }
        } else {
            quote! {
                impl #name {
                    /// The exact body to answer the provider with once the notification is handled.
                    pub const ACK: &'static str = #ack;
                }
            }
        });
    }
    for item in &names.enums {
        modules
            .entry(item.path.module.clone())
            .or_default()
            .extend(emit_enum(&item.path.ident(), item.field, &item.variants));
    }
    // The top level first: its received types were emitted into `modules` before it.
    // The protocol tables go last, so that a reader meets the client and types first.
    let top = modules.entry(Vec::new()).or_default();
    let received = std::mem::take(top);
    top.extend(items);
    top.extend(received);
    top.extend(tables_module(spec, &provider, names));
    merge::merge_equal_types(modules)
}

/// Each child module and the type it belongs to, for its doc.
fn module_parents(names: &ItemNames<'_>) -> BTreeMap<Vec<String>, String> {
    let mut parents = BTreeMap::new();
    fn walk(
        parent: &TypePath,
        names: &[crate::items::FieldNames],
        parents: &mut BTreeMap<Vec<String>, String>,
    ) {
        for field in names {
            for child in std::iter::once(&field.nested).chain(field.enum_type.iter()) {
                if !child.module.is_empty() && child.module == parent.children_module() {
                    parents.insert(child.module.clone(), parent.name.clone());
                }
            }
            walk(&field.nested, &field.fields, parents);
        }
    }
    for op in &names.operations {
        walk(
            &TypePath::top(op.request.to_string()),
            &op.request_fields,
            &mut parents,
        );
        walk(
            &TypePath::top(op.response.to_string()),
            &op.response_fields,
            &mut parents,
        );
    }
    for n in &names.notifications {
        walk(&TypePath::top(n.ty.to_string()), &n.fields, &mut parents);
    }
    parents
}

/// The items of `module` followed by its child modules, each documented with the type
/// whose children it holds.
fn assemble(
    modules: &ModuleItems,
    parents: &BTreeMap<Vec<String>, String>,
    module: &[String],
) -> TokenStream {
    let mut out = modules.get(module).cloned().unwrap_or_default();
    // Every module below this one, even one holding nothing but further modules.
    let children: std::collections::BTreeSet<&[String]> = modules
        .keys()
        .filter(|path| path.len() > module.len() && path.starts_with(module))
        .map(|path| &path[..=module.len()])
        .collect();
    for child in children {
        let Some(name) = child.last().and_then(|m| crate::names::ident(m)) else {
            continue;
        };
        let doc = match parents.get(child) {
            // An outer doc's links resolve in the enclosing module, where the parent is.
            Some(parent) => {
                format!(" The types of [`{parent}`]'s fields: its nested objects and code tables.")
            }
            None => " Nested types.".to_owned(),
        };
        let doc = one_line(&doc);
        let items = assemble(modules, parents, child);
        out.extend(quote! {
            #[doc = #doc]
            pub mod #name {
                #items
            }
        });
    }
    out
}

/// The wire facts of a request type's fields (`List<FieldDef>`), next to the type: what
/// the runtime checks before sending, and what `tables` points the operation at.
fn fields_const(ty: &proc_macro2::Ident, fields: TokenStream) -> TokenStream {
    quote! {
        impl #ty {
            /// Each field's wire facts in wire order (name, type, required, length,
            /// documented values): what the runtime checks before anything is sent.
            pub const FIELDS: ::paygen::protocol::List<::paygen::protocol::FieldDef> = {
                use ::paygen::protocol::*;
                use ::std::borrow::Cow;
                #fields
            };
        }
    }
}

/// The request type of `op`: one struct, or with `variants` one struct per scenario
/// (its fields in its table's order, its own required and fixed fields) and the
/// enum of them that the client method takes.
fn emit_operation_requests(
    op: &crate::spec::model::Operation,
    names: &OperationNames,
    doc: &str,
    nested: &mut Nested<'_>,
) -> TokenStream {
    if op.variants.is_empty() {
        let members: Vec<RequestMember<'_>> = op
            .request
            .iter()
            .zip(&names.request_fields)
            .map(|(field, names)| RequestMember::Set {
                field,
                names,
                required: field.required,
            })
            .collect();
        return emit_request(&names.request, doc, &members, nested);
    }
    let mut items = TokenStream::new();
    let mut variants = Vec::with_capacity(op.variants.len());
    for (variant, variant_names) in op.variants.iter().zip(&names.variants) {
        // In the scenario's own order: its table's (validation: every name is a field).
        let members: Vec<RequestMember<'_>> = variant
            .fields
            .iter()
            .filter_map(|wire| {
                op.request
                    .iter()
                    .zip(&names.request_fields)
                    .find(|(field, _)| field.name.value == wire.value)
            })
            .map(|(field, names)| {
                let wire = field.name.value.as_str();
                match variant.constants.iter().find(|c| c.field.value == wire) {
                    Some(constant) => RequestMember::Fixed {
                        field,
                        value: &constant.value,
                    },
                    None => RequestMember::Set {
                        field,
                        names,
                        required: field.required
                            || variant.required.iter().any(|r| r.value == wire),
                    },
                }
            })
            .collect();
        let about = match variant.summary.trim() {
            "" => variant.source.trim().to_owned(),
            summary => format!("{}: {summary}", variant.source.trim()),
        };
        let variant_doc = format!("Request of `{}` as {about}", op.name.value);
        items.extend(emit_request(
            &variant_names.ty,
            &variant_doc,
            &members,
            nested,
        ));
        variants.push((&variant_names.variant, &variant_names.ty, about));
    }
    let doc = format!("{doc}; one typed request per documented scenario.");
    items.extend(emit_request_enum(&names.request, &doc, &variants));
    items
}

fn tables_module(
    spec: &Spec,
    provider: &paygen_protocol::Provider,
    names: &ItemNames,
) -> TokenStream {
    let mut consts = Vec::new();
    let mut op_names = Vec::new();
    // Operations repeat their documents' code tables, and more: each repeated value is
    // written once, in a module of its own so that its names cannot meet an operation's.
    let mut shared = shared::Shared::default();
    for (op, planned) in provider.operations.iter().zip(&names.operations) {
        let name = &planned.table;
        let codes = if op.codes.is_empty() {
            quote!(Cow::Borrowed(&[]))
        } else {
            shared.intern("CODES", quote!(List<CodeMeaning>), op.codes.emit(), || {
                one_line(&format!(
                    " Code meanings of `{}`, and of operations like it.",
                    op.name
                ))
            })
        };
        let request = &planned.request;
        let check_received = provider
            .response
            .verification
            .as_ref()
            .is_some_and(paygen_protocol::Verification::cannot_be_read_back);
        let value = emit_operation(op, codes, quote!(super::#request::FIELDS), check_received);
        let doc = one_line(&format!(
            " Operation `{}` (`{} {}`).",
            op.name, op.method, op.path
        ));
        consts.push(quote!(#[doc = #doc] pub const #name: Operation = #value;));
        op_names.push(name);
    }
    let mut notification_names = Vec::new();
    for (n, n_names) in provider.notifications.iter().zip(&names.notifications) {
        let name = &n_names.table;
        let value = n.emit();
        let doc = one_line(&format!(" Notification `{}`.", n.name));
        consts.push(quote!(#[doc = #doc] pub const #name: Notification = #value;));
        notification_names.push(name);
    }
    if let Some(gateway) = crate::lower::gateway_map(spec) {
        let value = gateway.emit();
        consts.push(quote! {
            /// The provider in the payment model's terms (the spec's `gateway:`).
            pub const GATEWAY: GatewayMap = #value;
        });
    }
    let name = provider.name.emit();
    let offset = proc_macro2::Literal::i32_unsuffixed(provider.utc_offset_minutes);
    let environments = provider.environments.emit();
    let credentials = provider.credentials.emit();
    let request = {
        let r = &provider.request;
        let method = r.method.emit();
        let body = r.body.emit();
        let payload = r.payload.emit();
        let common = r.common.emit();
        let signature = r.signature.emit();
        let headers = r.headers.emit();
        quote!(RequestEnvelope {
            method: #method,
            body: #body,
            payload: #payload,
            common: #common,
            signature: #signature,
            headers: #headers,
        })
    };
    let response = {
        let r = &provider.response;
        let body = r.body.emit();
        let payload = r.payload.emit();
        let verification = r.verification.emit();
        let refusal_members = r.refusal_members.emit();
        quote!(ResponseEnvelope {
            body: #body,
            payload: #payload,
            verification: #verification,
            refusal_members: #refusal_members,
        })
    };
    let doc = one_line(&format!(
        " The protocol of {} as data: envelopes, recipes, field tables.",
        spec.title
    ));
    let provider_static = quote! {
        /// Everything the runtime needs to speak this provider's protocol.
        pub static PROVIDER: Provider = Provider {
            name: #name,
            utc_offset_minutes: #offset,
            environments: #environments,
            credentials: #credentials,
            request: #request,
            response: #response,
            operations: Cow::Borrowed(&[#(#op_names),*]),
            notifications: Cow::Borrowed(&[#(#notification_names),*]),
        };
    };
    consts.push(provider_static);
    shared.share_repeats(&mut consts);
    let shared = shared.module();
    quote! {
        #[doc = #doc]
        pub mod tables {
            use ::paygen::protocol::*;
            use ::std::borrow::Cow;

            #(#consts)*

            #shared
        }
    }
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn a_bare_url_in_a_doc_becomes_an_autolink() {
        // mct1's `notify_url` description, as the document writes it.
        assert_eq!(
            one_line("如：http://www.xxx.com/notify.do，如需实时获取"),
            "如：<http://www.xxx.com/notify.do>，如需实时获取"
        );
        assert_eq!(
            one_line("(document: https://opendocs.alipay.com/apis/api_1/alipay.trade.pay)."),
            "(document: <https://opendocs.alipay.com/apis/api_1/alipay.trade.pay>)."
        );
        assert_eq!(
            one_line("see https://a.example/x."),
            "see <https://a.example/x>."
        );
    }

    #[test]
    fn a_url_in_code_or_already_linked_is_left_alone() {
        for text in [
            "`https://a.example/x`",
            "<https://a.example/x>",
            "no URL here, only http:// alone",
        ] {
            assert_eq!(one_line(text), text);
        }
    }
}
