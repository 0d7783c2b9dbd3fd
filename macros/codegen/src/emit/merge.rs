//! One type per shape: structurally equal generated types (the same fields, wire names,
//! serde attributes and impls, whatever their docs) are emitted once, under the first
//! name in spec order, and every other name stays as a documented alias of it. Names
//! stay what the naming pass gave them, so merging never renames a public type.

use proc_macro2::{Ident, TokenStream};
use quote::{quote, ToTokens};
use std::collections::HashMap;
use syn::visit_mut::VisitMut;
use syn::{Attribute, Item, Type};

/// `items` with each group of structurally equal structs and enums reduced to one type
/// and aliases. Items that do not parse (never the generator's) are returned as they are.
pub fn merge_equal_types(items: TokenStream) -> TokenStream {
    let Ok(file) = syn::parse2::<syn::File>(items.clone()) else {
        return items;
    };
    let names: Vec<Ident> = file.items.iter().filter_map(type_name).collect();
    let canonical = canonical_names(&file.items, &names);
    if canonical.is_empty() {
        return items;
    }
    let mut out = TokenStream::new();
    for item in file.items {
        if let Some(name) = type_name(&item) {
            if let Some(target) = canonical.get(&name.to_string()) {
                let target = Ident::new(target, name.span());
                out.extend(alias(&item, &name, &target));
                continue;
            }
        }
        if impl_target(&item).is_some_and(|name| canonical.contains_key(&name)) {
            continue;
        }
        item.to_tokens(&mut out);
    }
    out
}

/// Maps every merged name to the name of its one type; merging children can make
/// parents equal, so this runs until nothing more merges.
fn canonical_names(items: &[Item], names: &[Ident]) -> HashMap<String, String> {
    let mut canonical: HashMap<String, String> = HashMap::new();
    loop {
        let mut first_of_shape: HashMap<String, String> = HashMap::new();
        let mut next: HashMap<String, String> = HashMap::new();
        for name in names {
            let name = name.to_string();
            let key = shape_key(items, &name, &canonical);
            match first_of_shape.get(&key) {
                Some(first) => {
                    next.insert(name, first.clone());
                }
                None => {
                    first_of_shape.insert(key, name);
                }
            }
        }
        if next == canonical {
            return canonical;
        }
        canonical = next;
    }
}

/// The type's definition and impls with docs removed, its own name replaced and merged
/// names written as their one type: equal keys mean equal generated code.
fn shape_key(items: &[Item], name: &str, canonical: &HashMap<String, String>) -> String {
    let mut normalize = Normalize { name, canonical };
    let mut key = String::new();
    for item in items {
        let own = type_name(item).is_some_and(|n| n == name);
        if own || impl_target(item).as_deref() == Some(name) {
            let mut item = item.clone();
            normalize.visit_item_mut(&mut item);
            key.push_str(&item.to_token_stream().to_string());
            key.push('\n');
        }
    }
    key
}

struct Normalize<'a> {
    name: &'a str,
    canonical: &'a HashMap<String, String>,
}

impl VisitMut for Normalize<'_> {
    fn visit_attributes_mut(&mut self, attrs: &mut Vec<Attribute>) {
        attrs.retain(|a| !a.path().is_ident("doc"));
        for attr in attrs {
            self.visit_attribute_mut(attr);
        }
    }

    fn visit_ident_mut(&mut self, ident: &mut Ident) {
        // Only the item's own name and single-segment type paths reach here by the
        // overrides below; `Self::Variant` paths are left alone.
        let text = ident.to_string();
        if text == self.name {
            *ident = Ident::new("__Shape", ident.span());
        } else if let Some(target) = self.canonical.get(&text) {
            *ident = Ident::new(target, ident.span());
        }
    }

    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if path.segments.len() == 1 {
            if let Some(segment) = path.segments.first_mut() {
                self.visit_ident_mut(&mut segment.ident);
            }
        }
        for segment in path.segments.iter_mut() {
            self.visit_path_arguments_mut(&mut segment.arguments);
        }
    }

    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        self.visit_attributes_mut(&mut item.attrs);
        self.visit_ident_mut(&mut item.ident);
        self.visit_fields_mut(&mut item.fields);
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        self.visit_attributes_mut(&mut item.attrs);
        self.visit_ident_mut(&mut item.ident);
        for variant in item.variants.iter_mut() {
            self.visit_attributes_mut(&mut variant.attrs);
            self.visit_fields_mut(&mut variant.fields);
        }
    }

    fn visit_field_mut(&mut self, field: &mut syn::Field) {
        self.visit_attributes_mut(&mut field.attrs);
        self.visit_type_mut(&mut field.ty);
    }
}

/// The name of a struct or enum item.
fn type_name(item: &Item) -> Option<Ident> {
    match item {
        Item::Struct(s) => Some(s.ident.clone()),
        Item::Enum(e) => Some(e.ident.clone()),
        _ => None,
    }
}

/// The type an `impl` block is for, when it is a plain name.
fn impl_target(item: &Item) -> Option<String> {
    let Item::Impl(block) = item else {
        return None;
    };
    match block.self_ty.as_ref() {
        Type::Path(path) if path.qself.is_none() => path.path.get_ident().map(Ident::to_string),
        _ => None,
    }
}

/// `pub type name = target;`, documented with the merged item's first doc line.
fn alias(item: &Item, name: &Ident, target: &Ident) -> TokenStream {
    let attrs = match item {
        Item::Struct(s) => &s.attrs,
        Item::Enum(e) => &e.attrs,
        _ => return TokenStream::new(),
    };
    let first_doc = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .find_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .unwrap_or_default();
    let doc = format!(
        "{} The same shape as [`{target}`], so the same type.",
        first_doc.trim_end()
    );
    quote! {
        #[doc = #doc]
        pub type #name = #target;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(items: TokenStream) -> String {
        let file: syn::File = syn::parse2(merge_equal_types(items)).unwrap();
        prettyplease::unparse(&file)
    }

    #[test]
    fn equal_shapes_become_one_type_and_aliases_whatever_their_docs() {
        let out = merged(quote! {
            /// First.
            pub struct A { /// a doc
                #[serde(rename = "x")] pub x: String }
            impl A { pub fn get(&self) -> &str { &self.x } }
            /// Second.
            pub struct B { /// another doc
                #[serde(rename = "x")] pub x: String }
            impl B { pub fn get(&self) -> &str { &self.x } }
            /// Different wire name.
            pub struct C { #[serde(rename = "y")] pub x: String }
        });
        assert!(out.contains("pub struct A"), "{out}");
        assert!(out.contains("pub type B = A;"), "{out}");
        assert!(!out.contains("pub struct B"), "{out}");
        assert!(out.contains("pub struct C"), "{out}");
        assert_eq!(out.matches("pub fn get").count(), 1, "{out}");
    }

    /// The rule, checked on every spec in `specs/`: after emission, no two
    /// generated types of one crate have the same shape.
    #[test]
    fn no_two_generated_types_of_a_spec_have_the_same_shape() {
        let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
        let mut checked = 0;
        for entry in std::fs::read_dir(&specs).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let spec = crate::spec::load_file(&path).unwrap().spec;
            let items = crate::emit::provider_items(&spec).unwrap();
            let file: syn::File = syn::parse2(items).unwrap();
            let names: Vec<Ident> = file.items.iter().filter_map(type_name).collect();
            let same = canonical_names(&file.items, &names);
            assert!(same.is_empty(), "{}: {same:?}", path.display());
            checked += 1;
        }
        assert!(checked >= 7, "only {checked} specs found");
    }

    #[test]
    fn parents_merge_once_their_children_have() {
        let out = merged(quote! {
            pub enum CodeA { Ok, Unknown(String) }
            pub enum CodeB { Ok, Unknown(String) }
            pub struct PA { pub code: CodeA }
            pub struct PB { pub code: CodeB }
            pub struct PC { pub code: Option<CodeB>, pub other: Vec<PB> }
        });
        assert!(out.contains("pub type CodeB = CodeA;"), "{out}");
        assert!(out.contains("pub type PB = PA;"), "{out}");
        assert!(out.contains("pub struct PC"), "{out}");
        assert!(
            out.contains("pub code: Option<CodeB>"),
            "the alias name stays in use: {out}"
        );
    }
}
