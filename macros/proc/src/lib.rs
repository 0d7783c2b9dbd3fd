//! `paygen::provider!("specs/x.yaml")`: the proc-macro front end of the generator.
//!
//! It reads the spec relative to the calling crate's `CARGO_MANIFEST_DIR` (after
//! replacing `${VAR}` by environment variables, so that a crate built elsewhere, like
//! trybuild's copies under the target directory, can name a spec absolutely) and expands to
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
    let fail = |message: String| -> TokenStream {
        quote_spanned!(literal.span()=> ::core::compile_error!(#message);).into()
    };
    let expanded = match expand_env(&relative) {
        Ok(expanded) => expanded,
        Err(message) => return fail(format!("{relative}: {message}")),
    };
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    // An absolute path (e.g. from `${VAR}`) replaces the root.
    let path = root.join(expanded);
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

/// `path` with every `${NAME}` replaced by the environment variable `NAME`.
fn expand_env(path: &str) -> Result<String, String> {
    let mut expanded = String::with_capacity(path.len());
    let mut rest = path;
    while let Some((before, after)) = rest.split_once("${") {
        expanded.push_str(before);
        let (name, tail) = after
            .split_once('}')
            .ok_or_else(|| "unclosed `${` in the spec path".to_owned())?;
        let value =
            std::env::var(name).map_err(|_| format!("environment variable `{name}` is not set"))?;
        expanded.push_str(&value);
        rest = tail;
    }
    expanded.push_str(rest);
    Ok(expanded)
}
