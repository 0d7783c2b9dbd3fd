//! Rust emission: one token stream per spec, used verbatim by the proc-macro and, after
//! prettyplease, by `paygen generate`.

mod client;
pub mod tables;
mod types;

use crate::lower::lower;
use crate::names::camel;
use crate::spec::model::{Field, Spec};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use tables::EmitConst;
use types::{emit_received, emit_request, EnumNames};

/// The items of a provider's client: protocol tables, types, enums, client.
pub fn provider_items(spec: &Spec) -> TokenStream {
    let provider = lower(spec);
    let mut groups: Vec<(String, &[Field])> = Vec::new();
    for op in &spec.operations {
        let base = camel(&op.name.value);
        groups.push((format!("{base}Request"), &op.request));
        groups.push((format!("{base}Response"), &op.response));
    }
    for n in &spec.notifications {
        groups.push((format!("{}Notification", camel(&n.name.value)), &n.fields));
    }
    let enums = EnumNames::collect(groups);

    let mut items = TokenStream::new();
    items.extend(tables_module(spec, &provider));
    items.extend(client::emit_client(spec));
    for op in &spec.operations {
        let base = camel(&op.name.value);
        let request = format_ident!("{base}Request");
        let response = format_ident!("{base}Response");
        let request_doc = format!("Request of `{}`: {}", op.name.value, op.summary.trim());
        let response_doc = format!("Response of `{}`: {}", op.name.value, op.summary.trim());
        items.extend(emit_request(&request, &request_doc, &op.request, &enums));
        emit_received(&response, &response_doc, &op.response, &enums, &mut items);
    }
    for n in &spec.notifications {
        let name = format_ident!("{}Notification", camel(&n.name.value));
        let doc = format!("Notification `{}`: {}", n.name.value, n.summary.trim());
        emit_received(&name, &doc, &n.fields, &enums, &mut items);
        let ack = n.ack.as_str();
        items.extend(quote! {
            impl #name {
                /// The exact body to answer the provider with once the notification is handled.
                pub const ACK: &'static str = #ack;
            }
        });
    }
    items.extend(enums.emit());
    items
}

fn tables_module(spec: &Spec, provider: &paygen_protocol::Provider) -> TokenStream {
    let mut consts = Vec::new();
    let mut op_names = Vec::new();
    for op in provider.operations.iter() {
        let name = format_ident!("{}", op.name.to_uppercase());
        let value = op.emit();
        let doc = format!(" Operation `{}` (`{} {}`).", op.name, op.method, op.path);
        consts.push(quote!(#[doc = #doc] pub const #name: Operation = #value;));
        op_names.push(name);
    }
    let mut notification_names = Vec::new();
    for n in provider.notifications.iter() {
        let name = format_ident!("NOTIFICATION_{}", n.name.to_uppercase());
        let value = n.emit();
        let doc = format!(" Notification `{}`.", n.name);
        consts.push(quote!(#[doc = #doc] pub const #name: Notification = #value;));
        notification_names.push(name);
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
        quote!(RequestEnvelope {
            method: #method,
            body: #body,
            payload: #payload,
            common: #common,
            signature: #signature,
        })
    };
    let response = {
        let r = &provider.response;
        let body = r.body.emit();
        let payload = r.payload.emit();
        let verification = r.verification.emit();
        quote!(ResponseEnvelope {
            body: #body,
            payload: #payload,
            verification: #verification,
        })
    };
    let doc = format!(
        " The protocol of {} as data: envelopes, recipes, field tables.",
        spec.title
    );
    quote! {
        #[doc = #doc]
        pub mod tables {
            use ::paygen::protocol::*;
            use ::std::borrow::Cow;

            #(#consts)*

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
        }
    }
}
