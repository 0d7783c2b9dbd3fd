//! Values a provider's tables would repeat (a document's code table, the envelope's
//! success rule, the verification every notification shares), each written once in the
//! tables' `mod shared` and named where it is used, so that a reviewer reads it once.

use proc_macro2::{Delimiter, Group, Ident, TokenStream, TokenTree};
use quote::{format_ident, quote};
use std::collections::HashMap;

/// The IR structs whose repeated values are shared, with the prefix of their names.
const SHARED_STRUCTS: [(&str, &str); 4] = [
    ("Verification", "VERIFICATION"),
    ("RecipeChoice", "CHOICE"),
    ("Recipe", "RECIPE"),
    ("SuccessRule", "SUCCESS"),
];

/// The shared values of one provider's tables, in the order they were first needed.
#[derive(Default)]
pub(super) struct Shared {
    values: Vec<SharedValue>,
}

/// One `pub const` of `mod shared`.
struct SharedValue {
    /// The value's text, which identifies it.
    key: String,
    /// What its name starts with (`RECIPE` of `RECIPE_0`).
    prefix: &'static str,
    name: Ident,
    doc: String,
    ty: TokenStream,
    value: TokenStream,
}

impl Shared {
    /// The path (`shared::CODES_0`) of the one const holding `value`, written on first use.
    pub(super) fn intern(
        &mut self,
        prefix: &'static str,
        ty: TokenStream,
        value: TokenStream,
        doc: impl FnOnce() -> String,
    ) -> TokenStream {
        let name = self.name_of(value.to_string(), prefix, ty, value, doc);
        quote!(shared::#name)
    }

    /// The name of the const holding the value `key` identifies, added on first use.
    fn name_of(
        &mut self,
        key: String,
        prefix: &'static str,
        ty: TokenStream,
        value: TokenStream,
        doc: impl FnOnce() -> String,
    ) -> Ident {
        if let Some(seen) = self.values.iter().find(|v| v.key == key) {
            return seen.name.clone();
        }
        let index = self.values.iter().filter(|v| v.prefix == prefix).count();
        let name = format_ident!("{prefix}_{index}");
        self.values.push(SharedValue {
            key,
            prefix,
            name: name.clone(),
            doc: doc(),
            ty,
            value,
        });
        name
    }

    /// Rewrites `items` so that a value of a shared struct written in more than one place
    /// (the items, or values already shared) is written once, in `mod shared`. The
    /// largest repeated value goes first, so that a value repeated only inside copies of
    /// a larger one is counted once, in that one's definition.
    pub(super) fn share_repeats(&mut self, items: &mut [TokenStream]) {
        loop {
            let mut uses = HashMap::new();
            for item in items.iter() {
                count(item.clone(), &mut uses, false);
            }
            for shared in &self.values {
                count(shared.value.clone(), &mut uses, true);
            }
            let Some((largest, times)) = uses
                .into_iter()
                .filter(|(_, n)| *n > 1)
                .max_by(|(a, _), (b, _)| a.len().cmp(&b.len()).then_with(|| b.cmp(a)))
            else {
                return;
            };
            let mut rewrite = Rewrite {
                repeated: &largest,
                times,
                shared: self,
            };
            for item in items.iter_mut() {
                *item = rewrite.stream(item.clone(), Some(quote!(shared::)), false);
            }
            for index in 0..rewrite.shared.values.len() {
                let value = rewrite.shared.values[index].value.clone();
                rewrite.shared.values[index].value = rewrite.stream(value, None, true);
            }
        }
    }

    /// `mod shared` with every shared value, or nothing when there is none.
    pub(super) fn module(&self) -> Option<TokenStream> {
        if self.values.is_empty() {
            return None;
        }
        let items = self.values.iter().map(|v| {
            let (doc, name, ty, value) = (&v.doc, &v.name, &v.ty, &v.value);
            quote!(#[doc = #doc] pub const #name: #ty = #value;)
        });
        Some(quote! {
            /// Values the tables above use in more than one place, each written once.
            mod shared {
                use super::*;

                #(#items)*
            }
        })
    }
}

/// The shared struct a token begins, with the name prefix of its consts.
fn shared_struct(token: &TokenTree) -> Option<&'static str> {
    let TokenTree::Ident(ident) = token else {
        return None;
    };
    SHARED_STRUCTS
        .iter()
        .find(|(ty, _)| ident == ty)
        .map(|(_, prefix)| *prefix)
}

/// The brace group after `tokens[at]` when it is a struct value of a shared struct.
fn struct_value(tokens: &[TokenTree], at: usize) -> Option<(&'static str, &Group)> {
    let prefix = shared_struct(&tokens[at])?;
    match tokens.get(at + 1) {
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
            Some((prefix, group))
        }
        _ => None,
    }
}

/// The text that identifies a struct value: the same as its token stream's.
fn key(ident: &TokenTree, group: &Group) -> String {
    format!("{ident} {group}")
}

/// Counts every shared-struct value in `stream`, nested ones too; `skip_top` leaves out
/// the value `stream` itself is (a shared value's own definition is not a use).
fn count(stream: TokenStream, uses: &mut HashMap<String, usize>, skip_top: bool) {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    for (at, token) in tokens.iter().enumerate() {
        if let Some((_, group)) = struct_value(&tokens, at) {
            if !(skip_top && at == 0) {
                *uses.entry(key(token, group)).or_default() += 1;
            }
        }
        if let TokenTree::Group(group) = token {
            count(group.stream(), uses, false);
        }
    }
}

/// One pass replacing the repeated values by the names of their shared consts.
struct Rewrite<'a> {
    /// The key of the value replaced.
    repeated: &'a str,
    /// How many places use it.
    times: usize,
    shared: &'a mut Shared,
}

impl Rewrite<'_> {
    /// `stream` with each repeated value replaced by its const's name, after `path`
    /// (`shared::`, or nothing inside `mod shared`); `keep_top` keeps the value `stream`
    /// itself is, for a shared value's own definition.
    fn stream(
        &mut self,
        stream: TokenStream,
        path: Option<TokenStream>,
        keep_top: bool,
    ) -> TokenStream {
        let tokens: Vec<TokenTree> = stream.into_iter().collect();
        let mut out = TokenStream::new();
        let mut at = 0;
        while at < tokens.len() {
            let token = &tokens[at];
            if let Some((prefix, group)) = struct_value(&tokens, at) {
                let key = key(token, group);
                if key == self.repeated && !(keep_top && at == 0) {
                    let ty: TokenStream = token.clone().into();
                    let value = quote!(#token #group);
                    let doc = format!(" A `{token}` the tables use in {} places.", self.times);
                    let name = self.shared.name_of(key, prefix, ty, value, || doc);
                    out.extend(quote!(#path #name));
                    at += 2;
                    continue;
                }
            }
            match token {
                TokenTree::Group(group) => {
                    let inner = self.stream(group.stream(), path.clone(), false);
                    let mut rebuilt = Group::new(group.delimiter(), inner);
                    rebuilt.set_span(group.span());
                    out.extend([TokenTree::Group(rebuilt)]);
                }
                other => out.extend([other.clone()]),
            }
            at += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared_after(items: &mut [TokenStream]) -> String {
        let mut shared = Shared::default();
        shared.share_repeats(items);
        shared.module().map(|m| m.to_string()).unwrap_or_default()
    }

    #[test]
    fn a_value_written_twice_is_written_once_and_named_twice() {
        let recipe = quote!(Recipe {
            input: SignInput::Canonical
        });
        let mut items = [
            quote!(pub const A: Operation = Operation { recipe: #recipe };),
            quote!(pub const B: Operation = Operation { recipe: #recipe };),
        ];
        let module = shared_after(&mut items);
        for item in &items {
            assert!(
                item.to_string().contains("recipe : shared :: RECIPE_0"),
                "{item}"
            );
        }
        assert_eq!(
            module.matches("SignInput :: Canonical").count(),
            1,
            "{module}"
        );
        assert!(
            module.contains("pub const RECIPE_0 : Recipe = Recipe"),
            "{module}"
        );
    }

    #[test]
    fn a_value_written_once_stays_where_it_is() {
        let mut items = [
            quote!(
                pub const A: Operation = Operation {
                    recipe: Recipe { n: 1 },
                };
            ),
            quote!(
                pub const B: Operation = Operation {
                    recipe: Recipe { n: 2 },
                };
            ),
        ];
        let before: Vec<String> = items.iter().map(ToString::to_string).collect();
        assert_eq!(shared_after(&mut items), "");
        let after: Vec<String> = items.iter().map(ToString::to_string).collect();
        assert_eq!(before, after);
    }

    #[test]
    fn a_repeated_value_inside_a_shared_one_is_named_there() {
        // The verification is repeated whole; its recipe is also the request's.
        let recipe = quote!(Recipe { n: 1 });
        let verification = quote!(Verification { recipe: #recipe, field: "sign" });
        let mut items = [
            quote!(pub const N1: Notification = Notification { verification: Some(#verification) };),
            quote!(pub const N2: Notification = Notification { verification: Some(#verification) };),
            quote!(pub static P: Provider = Provider { signature: #recipe };),
        ];
        let module = shared_after(&mut items);
        assert!(items[0]
            .to_string()
            .contains("Some (shared :: VERIFICATION_0)"));
        assert!(items[2]
            .to_string()
            .contains("signature : shared :: RECIPE_0"));
        assert!(
            module.contains("Verification { recipe : RECIPE_0 , field : \"sign\" }"),
            "{module}"
        );
        assert_eq!(module.matches("n : 1").count(), 1, "{module}");
    }
}
