//! Emits the environment enum, the credentials struct and the `Client`.

use super::one_line;
use crate::items::{ItemNames, RefusalCode};
use crate::spec::model::Credential;
use crate::spec::ValidSpec;
use crate::stand_in::StandIn;
use proc_macro2::TokenStream;
use quote::quote;

/// The environment enum, credentials struct and client of a spec.
pub fn emit_client(spec: &ValidSpec, names: &ItemNames) -> TokenStream {
    let env_variants = &names.environments;
    let env_urls: Vec<&str> = spec
        .environments
        .iter()
        .map(|e| e.base_url.as_str())
        .collect();
    let env_docs: Vec<String> = spec
        .environments
        .iter()
        .map(|e| one_line(&format!(" `{}`: {}", e.name.value, e.base_url)))
        .collect();
    let env_defs: Vec<TokenStream> = env_variants
        .iter()
        .zip(&env_docs)
        .enumerate()
        .map(|(index, (variant, doc))| {
            let default = (index == 0).then(|| quote!(#[default]));
            quote!(#[doc = #doc] #default #variant,)
        })
        .collect();

    let cred_fields = &names.credentials;
    let key_sets = spec.key_sets();
    let is_key_set = |c: &Credential| key_sets.contains(c.name.value.as_str());
    let cred_types: Vec<TokenStream> = spec
        .credentials
        .iter()
        .map(|c| {
            if is_key_set(c) {
                quote!(::paygen::KeySet)
            } else if c.secret {
                quote!(::paygen::Secret)
            } else {
                quote!(String)
            }
        })
        .collect();
    let cred_docs: Vec<String> = spec
        .credentials
        .iter()
        .map(|c| {
            let what = if c.description.trim().is_empty() {
                format!("`{}`", c.name.value)
            } else {
                c.description.trim().to_owned()
            };
            one_line(&format!(
                " {what} (`{}`{}).",
                c.name.value,
                if c.secret { ", secret" } else { "" }
            ))
        })
        .collect();
    let cred_pushes: Vec<TokenStream> = spec
        .credentials
        .iter()
        .zip(cred_fields)
        .map(|(c, field)| {
            let name = c.name.value.as_str();
            if is_key_set(c) {
                quote!(.key_set(#name, self.#field))
            } else if c.secret {
                quote!(.secret(#name, self.#field))
            } else {
                quote!(.plain(#name, self.#field))
            }
        })
        .collect();

    let sandbox_values = sandbox_values(spec, &is_key_set);

    let mut methods = Vec::new();
    for (op, op_names) in spec.operations.iter().zip(&names.operations) {
        let method = &op_names.method;
        let render = &op_names.render;
        let table = &op_names.table;
        let request = &op_names.request;
        let response = &op_names.response;
        let http_method = op
            .method
            .as_deref()
            .unwrap_or(&spec.protocol.request.method);
        let doc = one_line(&format!(
            " {} (`{} {}`).",
            op.summary.trim(),
            http_method,
            op.path
        ));
        let render_doc = one_line(&format!(
            " The signed HTTP request of `{}`, without sending it.",
            op.name.value
        ));
        let error = match &op_names.refusal {
            RefusalCode::Text => quote!(::paygen::Error),
            RefusalCode::Table(code) => {
                let code = code.from(&[]);
                quote!(::paygen::Error<#code>)
            }
            RefusalCode::PerField { name, .. } => quote!(::paygen::Error<#name>),
        };
        // A success the document says may not be done yet is a state the caller must
        // match on, never a plain `Response`.
        let call = if op.done_when.is_some() {
            quote! {
                pub async fn #method(&self, request: &#request) -> Result<::paygen::Accepted<#response>, #error> {
                    self.core.call_accepted(&tables::#table, &request.to_wire()).await
                }
            }
        } else {
            quote! {
                pub async fn #method(&self, request: &#request) -> Result<::paygen::Response<#response>, #error> {
                    self.core.call(&tables::#table, &request.to_wire()).await
                }
            }
        };
        methods.push(quote! {
            #[doc = #doc]
            #call

            #[doc = #render_doc]
            pub fn #render(&self, request: &#request) -> Result<::paygen::HttpRequest, ::paygen::Error> {
                self.core.render(&tables::#table, &request.to_wire())
            }
        });
    }
    for (n, n_names) in spec.notifications.iter().zip(&names.notifications) {
        let method = &n_names.method;
        let table = &n_names.table;
        let ty = &n_names.ty;
        let doc = one_line(&format!(
            " Verifies and decodes a `{}` notification (its {}); answer with `{ty}::ACK`.",
            n.name.value,
            match n.body {
                crate::spec::model::BodyFormat::Query => "query string",
                _ => "raw body",
            }
        ));
        let receive = &n_names.receive;
        let receive_doc = one_line(&format!(
            " Receives a `{}` notification from the raw HTTP request: verified, typed, with the exact acknowledgement and whether its event was delivered before.",
            n.name.value
        ));
        methods.push(quote! {
            #[doc = #doc]
            pub fn #method(&self, received: &str) -> Result<#ty, ::paygen::Error> {
                self.core.notification(&tables::#table, received)
            }

            #[doc = #receive_doc]
            pub fn #receive(&self, request: &::paygen::InboundRequest<'_>) -> Result<::paygen::Delivery<#ty>, ::paygen::Error> {
                self.core.receive(&tables::#table, request)
            }
        });
        if let (Some(confirmed), Some(confirmation)) = (&n_names.receive_confirmed, &n.confirm_with)
        {
            let doc = one_line(&format!(
                " Receives a `{}` notification and confirms it with a signed `{}` query before handing it on: the notification is only encrypted, not signed, so what it says is authentic once the verified reply agrees (`Delivery::confirmed`).",
                n.name.value, confirmation.operation.value
            ));
            methods.push(quote! {
                #[doc = #doc]
                pub async fn #confirmed(&self, request: &::paygen::InboundRequest<'_>) -> Result<::paygen::Delivery<#ty>, ::paygen::Error> {
                    self.core.receive_confirmed(&tables::#table, request).await
                }
            });
        }
    }

    // The title goes into the runtime's doc strings as it is, on one line.
    let title = one_line(&spec.title);
    // With a `gateway:` section the runtime's one `impl Gateway` reads `tables::GATEWAY`.
    let provider_client = if spec.gateway.is_some() {
        quote!(::paygen::__private::provider_client! { title: #title, gateway: tables::GATEWAY })
    } else {
        quote!(::paygen::__private::provider_client! { title: #title })
    };
    quote! {
        /// Where the provider's API is served.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum Environment {
            #(#env_defs)*
        }

        impl Environment {
            /// The environment's base URL.
            pub fn base_url(self) -> &'static str {
                match self {
                    #(Self::#env_variants => #env_urls,)*
                }
            }
        }

        /// The merchant's credentials; secrets never print.
        #[derive(Debug, Clone)]
        pub struct Credentials {
            #(#[doc = #cred_docs] pub #cred_fields: #cred_types,)*
        }

        impl Credentials {
            /// The credentials by their document names, for the runtime.
            pub fn into_runtime(self) -> ::paygen::Credentials {
                ::paygen::Credentials::new() #(#cred_pushes)*
            }

            /// The stand-in credentials the sandbox (`paygen serve`) accepts and signs with by default: documented samples, the sandbox's throwaway keys, or `sandbox-<name>` padded to 32 characters. Never a real merchant's.
            pub fn sandbox() -> Self {
                Self { #(#cred_fields: #sandbox_values,)* }
            }
        }

        #provider_client

        impl<T: ::paygen::Transport> Calls<T> {
            #(#methods)*
        }
    }
}

/// Each credential's sandbox default as an expression of its field's type.
fn sandbox_values(spec: &ValidSpec, is_key_set: &dyn Fn(&Credential) -> bool) -> Vec<TokenStream> {
    // `credentials` gives each credential of the spec its value, in spec order.
    let defaults = crate::stand_in::credentials(spec);
    spec.credentials
        .iter()
        .zip(defaults)
        .map(|(c, (_, value))| match value {
            StandIn::KeySet(keys) => {
                let (ids, texts): (Vec<String>, Vec<String>) = keys.into_iter().unzip();
                quote!(::paygen::KeySet::new() #(.public_key(#ids, #texts))*)
            }
            StandIn::Text(text) if is_key_set(c) => key_set_text(&text),
            StandIn::Text(text) if c.secret => quote!(::paygen::Secret::from(#text)),
            StandIn::Text(text) => quote!(String::from(#text)),
        })
        .collect()
}

/// A key set given as text by a documented sample: a JSON object of id to public key,
/// else certificates (each named by its serial when used).
fn key_set_text(text: &str) -> TokenStream {
    let object: Option<Vec<(String, String)>> = serde_json::from_str::<serde_json::Map<_, _>>(text)
        .ok()
        .and_then(|map| {
            map.into_iter()
                .map(|(id, key)| Some((id, key.as_str()?.to_owned())))
                .collect()
        });
    match object {
        Some(keys) => {
            let (ids, texts): (Vec<String>, Vec<String>) = keys.into_iter().unzip();
            quote!(::paygen::KeySet::new() #(.public_key(#ids, #texts))*)
        }
        None => {
            const END: &str = "-----END CERTIFICATE-----";
            let pems: Vec<String> = text
                .split_inclusive(END)
                .map(str::trim)
                .filter(|pem| !pem.is_empty())
                .map(str::to_owned)
                .collect();
            quote!(::paygen::KeySet::new() #(.certificate(#pems))*)
        }
    }
}
