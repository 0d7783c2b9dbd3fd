//! Emits `impl paygen::Gateway for Calls` (and so for the `Client` that derefs to it): each role the spec maps delegates to the
//! runtime's engine with the `tables::GATEWAY` mapping; each role it lacks answers
//! `GatewayError::NotSupported` and sends nothing.

use super::one_line;
use crate::spec::model::Spec;
use paygen_protocol::{GatewayMap, GatewayRoleKind};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The request type and the engine's call of each role.
fn role_call(role: GatewayRoleKind) -> (TokenStream, TokenStream) {
    let map = quote!(&tables::GATEWAY);
    match role {
        GatewayRoleKind::Pay => (
            quote!(::paygen::PayRequest),
            quote!(self.core.gateway_pay(#map, request)),
        ),
        GatewayRoleKind::Precreate => (
            quote!(::paygen::PrecreateRequest),
            quote!(self.core.gateway_precreate(#map, request)),
        ),
        GatewayRoleKind::Refund => (
            quote!(::paygen::RefundRequest),
            quote!(self.core.gateway_refund(#map, request)),
        ),
        GatewayRoleKind::RefundQuery => (
            quote!(::paygen::RefundQueryRequest),
            quote!(self.core.gateway_refund_query(#map, request)),
        ),
        GatewayRoleKind::Query => (
            quote!(::paygen::OrderRef),
            quote!(self.core.gateway_order(#map, ::paygen::Role::Query, request)),
        ),
        GatewayRoleKind::Cancel => (
            quote!(::paygen::OrderRef),
            quote!(self.core.gateway_order(#map, ::paygen::Role::Cancel, request)),
        ),
        GatewayRoleKind::Close => (
            quote!(::paygen::OrderRef),
            quote!(self.core.gateway_order(#map, ::paygen::Role::Close, request)),
        ),
    }
}

fn variant(role: GatewayRoleKind) -> proc_macro2::Ident {
    format_ident!("{}", format!("{role:?}"))
}

/// The `impl paygen::Gateway for Calls` of a spec with `gateway:`, or nothing.
pub fn emit_gateway(spec: &Spec, map: Option<&GatewayMap>) -> TokenStream {
    let Some(map) = map else {
        return TokenStream::new();
    };
    let provider = spec.name.value.as_str();
    let methods = GatewayRoleKind::ALL.into_iter().map(|role| {
        let method = format_ident!("{}", role.name());
        let (request_type, call) = role_call(role);
        match map.role(role) {
            Some(mapped) => {
                let doc = one_line(&format!(
                    " `{}` by operation `{}`.",
                    role.name(),
                    mapped.operation
                ));
                quote! {
                    #[doc = #doc]
                    fn #method<'a>(
                        &'a self,
                        request: &'a #request_type,
                    ) -> ::paygen::GatewayFuture<'a, ::paygen::PaymentResult> {
                        Box::pin(#call)
                    }
                }
            }
            None => {
                let doc = one_line(&format!(
                    " `{}`: {provider} has no such operation; answers `GatewayError::NotSupported` and sends nothing.",
                    role.name()
                ));
                let variant = variant(role);
                quote! {
                    #[doc = #doc]
                    fn #method<'a>(
                        &'a self,
                        _request: &'a #request_type,
                    ) -> ::paygen::GatewayFuture<'a, ::paygen::PaymentResult> {
                        Box::pin(async move {
                            Err(::paygen::GatewayError::NotSupported {
                                provider: #provider.to_owned(),
                                role: ::paygen::Role::#variant,
                            })
                        })
                    }
                }
            }
        }
    });
    let doc = one_line(&format!(
        " {provider} behind the one payment model, by the spec's `gateway:` mapping (`tables::GATEWAY`)."
    ));
    quote! {
        #[doc = #doc]
        impl<T: ::paygen::Transport> ::paygen::Gateway for Calls<T> {
            fn provider(&self) -> &str {
                self.core.provider_name()
            }

            fn supports(&self, role: ::paygen::Role) -> bool {
                tables::GATEWAY.role(role).is_some()
            }

            fn settle_plan(&self) -> Option<::paygen::SettlePlan> {
                tables::GATEWAY.settle.as_ref().map(::paygen::SettlePlan::of)
            }

            fn now_millis(&self) -> i64 {
                self.core.now_millis()
            }

            fn pause(
                &self,
                duration: ::std::time::Duration,
            ) -> ::std::pin::Pin<Box<dyn ::std::future::Future<Output = ()> + Send + '_>> {
                self.core.pause(duration)
            }

            #(#methods)*

            fn receive_notification<'a>(
                &'a self,
                request: ::paygen::InboundRequest<'a>,
            ) -> ::paygen::GatewayFuture<'a, ::paygen::Delivery<::paygen::PaymentEvent>> {
                Box::pin(self.core.gateway_receive(&tables::GATEWAY, request))
            }
        }
    }
}
