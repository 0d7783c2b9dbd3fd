//! `paygen::provider!("specs/x.yaml")`: the proc-macro front end of the generator.
//!
//! It reads the spec relative to the calling crate's `CARGO_MANIFEST_DIR` and expands to
//! the same items `paygen generate` writes, plus an `include_str!` of the spec so that
//! editing the YAML recompiles the caller. A bad spec is a `compile_error!` naming the
//! spec's file, line and column.

use proc_macro::TokenStream;
use quote::{quote, quote_spanned};
use std::path::PathBuf;
use syn::{parse_macro_input, LitStr};

/// Expands to a provider's client generated from the YAML spec at the given path.
#[proc_macro]
pub fn provider(input: TokenStream) -> TokenStream {
    let literal = parse_macro_input!(input as LitStr);
    let relative = literal.value();
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let path = root.join(&relative);
    let fail = |message: String| -> TokenStream {
        quote_spanned!(literal.span()=> ::core::compile_error!(#message);).into()
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => return fail(format!("{relative}: cannot read spec: {error}")),
    };
    let text = match paygen_codegen::decode_text(&bytes, &relative) {
        Ok(text) => text,
        Err(errors) => return fail(errors.to_string()),
    };
    match paygen_codegen::parse_str(text, &relative) {
        Ok(spec) => match paygen_codegen::provider_items(&spec) {
            Ok(items) => {
                let absolute = path.display().to_string();
                quote! {
                    const _: &str = ::core::include_str!(#absolute);
                    #items
                }
                .into()
            }
            // Validation already passed, so this is unreachable in practice; it is still
            // a positioned compile error rather than a panic.
            Err(error) => fail(error.in_file(&relative).to_string()),
        },
        Err(errors) => fail(errors.to_string()),
    }
}
