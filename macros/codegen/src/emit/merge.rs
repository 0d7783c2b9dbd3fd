//! One type per shape: structurally equal generated types (the same fields, wire names,
//! serde attributes and impls, whatever their docs) are emitted once, under the first
//! name (the top level first, then the modules in name order, each in spec order), and
//! every other name stays as a documented alias of it. Names
//! stay what the naming pass gave them, so merging never renames a public type. Types
//! live in modules (a message's children nest under it); shapes compare with every
//! type reference resolved to the one type it names.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, ToTokens};
use std::collections::{BTreeMap, HashMap};
use syn::visit_mut::VisitMut;
use syn::{Attribute, Item, Type};

/// The generated items of each module, by module path (the top level is empty).
pub type ModuleItems = BTreeMap<Vec<String>, TokenStream>;

/// A type's place: its module path and name, written `a::b::Name`.
fn key_of(module: &[String], name: &str) -> String {
    module
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(name))
        .collect::<Vec<_>>()
        .join("::")
}

/// `modules` with each group of structurally equal structs and enums reduced to one
/// type and aliases. A module whose items do not parse (never the generator's) is
/// returned as it is, and takes no part.
pub fn merge_equal_types(modules: ModuleItems) -> ModuleItems {
    let mut parsed: BTreeMap<Vec<String>, Vec<Item>> = BTreeMap::new();
    let mut unparsed = ModuleItems::new();
    for (module, items) in modules {
        match syn::parse2::<syn::File>(items.clone()) {
            Ok(file) => {
                parsed.insert(module, file.items);
            }
            Err(_) => {
                unparsed.insert(module, items);
            }
        }
    }
    let canonical = canonical_names(&parsed);
    let mut out = unparsed;
    for (module, items) in parsed {
        let mut tokens = TokenStream::new();
        for item in items {
            if let Some(name) = type_name(&item) {
                if let Some(target) = canonical.get(&key_of(&module, &name.to_string())) {
                    tokens.extend(alias(&item, &name, &module, target));
                    continue;
                }
            }
            let merged_impl = impl_target(&item)
                .is_some_and(|name| canonical.contains_key(&key_of(&module, &name)));
            if !merged_impl {
                item.to_tokens(&mut tokens);
            }
        }
        out.insert(module, tokens);
    }
    out
}

/// Every struct and enum of `modules`, as `a::b::Name`.
fn type_keys(modules: &BTreeMap<Vec<String>, Vec<Item>>) -> Vec<(Vec<String>, String)> {
    modules
        .iter()
        .flat_map(|(module, items)| {
            items
                .iter()
                .filter_map(type_name)
                .map(|name| (module.clone(), name.to_string()))
        })
        .collect()
}

/// Maps every merged type (`a::b::Name`) to its one type; merging children can make
/// parents equal, so this runs until nothing more merges.
fn canonical_names(modules: &BTreeMap<Vec<String>, Vec<Item>>) -> HashMap<String, String> {
    let types = type_keys(modules);
    let known: std::collections::HashSet<String> =
        types.iter().map(|(m, n)| key_of(m, n)).collect();
    let mut canonical: HashMap<String, String> = HashMap::new();
    loop {
        let mut first_of_shape: HashMap<String, String> = HashMap::new();
        let mut next: HashMap<String, String> = HashMap::new();
        for (module, name) in &types {
            let key = key_of(module, name);
            let shape = shape_key(modules, module, name, &known, &canonical);
            match first_of_shape.get(&shape) {
                Some(first) => {
                    next.insert(key, first.clone());
                }
                None => {
                    first_of_shape.insert(shape, key);
                }
            }
        }
        if next == canonical {
            return canonical;
        }
        canonical = next;
    }
}

/// The type's definition and impls with docs removed, its own name replaced and every
/// type it names written as the one type it is: equal keys mean equal generated code.
fn shape_key(
    modules: &BTreeMap<Vec<String>, Vec<Item>>,
    module: &[String],
    name: &str,
    known: &std::collections::HashSet<String>,
    canonical: &HashMap<String, String>,
) -> String {
    let own = key_of(module, name);
    let mut normalize = Normalize {
        scope: module,
        own: &own,
        known,
        canonical,
    };
    let mut key = String::new();
    for item in modules.get(module).into_iter().flatten() {
        let is_own = type_name(item).is_some_and(|n| n == name);
        if is_own || impl_target(item).as_deref() == Some(name) {
            let mut item = item.clone();
            normalize.visit_item_mut(&mut item);
            key.push_str(&item.to_token_stream().to_string());
            key.push('\n');
        }
    }
    key
}

struct Normalize<'a> {
    /// The module the item is in.
    scope: &'a [String],
    /// The item's own place, `a::b::Name`.
    own: &'a str,
    /// Every generated type's place.
    known: &'a std::collections::HashSet<String>,
    canonical: &'a HashMap<String, String>,
}

impl Normalize<'_> {
    /// The place a path names from the item's module (`super::` goes up, other
    /// segments down), when it is a generated type.
    fn resolve(&self, path: &syn::Path) -> Option<String> {
        if path.leading_colon.is_some() {
            return None;
        }
        let mut module: Vec<String> = self.scope.to_vec();
        let mut rest = Vec::new();
        for segment in &path.segments {
            let text = segment.ident.to_string();
            if text == "super" && rest.is_empty() {
                module.pop()?;
            } else {
                rest.push(text);
            }
        }
        let name = rest.pop()?;
        module.extend(rest);
        let key = key_of(&module, &name);
        self.known.contains(&key).then_some(key)
    }

    /// The one identifier a resolved place is compared as.
    fn marker(&self, key: &str) -> Ident {
        if key == self.own {
            return Ident::new("__Shape", Span::call_site());
        }
        let target = self.canonical.get(key).map_or(key, String::as_str);
        Ident::new(
            &format!("__T_{}", target.replace("::", "__")),
            Span::call_site(),
        )
    }
}

impl VisitMut for Normalize<'_> {
    fn visit_attributes_mut(&mut self, attrs: &mut Vec<Attribute>) {
        attrs.retain(|a| !a.path().is_ident("doc"));
        for attr in attrs {
            self.visit_attribute_mut(attr);
        }
    }

    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        for segment in path.segments.iter_mut() {
            self.visit_path_arguments_mut(&mut segment.arguments);
        }
        if let Some(key) = self.resolve(path) {
            let marker = self.marker(&key);
            *path = syn::Path::from(marker);
        }
    }

    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        self.visit_attributes_mut(&mut item.attrs);
        item.ident = Ident::new("__Shape", item.ident.span());
        self.visit_fields_mut(&mut item.fields);
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        self.visit_attributes_mut(&mut item.attrs);
        item.ident = Ident::new("__Shape", item.ident.span());
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

/// The path to the type at `target` (`a::b::Name`) from code in `module`.
fn relative(module: &[String], target: &str) -> TokenStream {
    let mut parts: Vec<&str> = target.split("::").collect();
    let name = parts.pop().unwrap_or_default();
    let path = crate::items::TypePath {
        module: parts.into_iter().map(str::to_owned).collect(),
        name: name.to_owned(),
    };
    path.from(module)
}

/// `pub type name = target;`, documented with the merged item's first doc line.
fn alias(item: &Item, name: &Ident, module: &[String], target: &str) -> TokenStream {
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
    let target = relative(module, target);
    let doc = format!(
        "{} The same shape as [`{}`], so the same type.",
        first_doc.trim_end(),
        target.to_string().replace(' ', "")
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
        let modules = merge_equal_types(ModuleItems::from([(Vec::new(), items)]));
        let file: syn::File = syn::parse2(modules[&Vec::new()].clone()).unwrap();
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
            let modules: BTreeMap<Vec<String>, Vec<Item>> = crate::emit::provider_modules(&spec)
                .unwrap()
                .into_iter()
                .map(|(module, items)| (module, syn::parse2::<syn::File>(items).unwrap().items))
                .collect();
            assert!(modules.len() > 1, "{}: no child modules", path.display());
            let same = canonical_names(&modules);
            assert!(same.is_empty(), "{}: {same:?}", path.display());
            checked += 1;
        }
        assert!(checked >= 7, "only {checked} specs found");
    }

    #[test]
    fn types_in_child_modules_merge_across_modules_by_what_they_name() {
        let modules = ModuleItems::from([
            (
                Vec::new(),
                quote! {
                    pub struct PayResponse { pub data: pay_response::Data }
                    pub struct RefundResponse { pub data: refund_response::Data }
                },
            ),
            (
                vec!["pay_response".to_owned()],
                quote! {
                    pub struct Data { pub code: data::Code }
                },
            ),
            (
                vec!["pay_response".to_owned(), "data".to_owned()],
                quote! { pub enum Code { Ok } },
            ),
            (
                vec!["refund_response".to_owned()],
                quote! {
                    pub struct Data { pub code: data::Code }
                },
            ),
            (
                vec!["refund_response".to_owned(), "data".to_owned()],
                // Different values: the two `Data` differ though their tokens agree.
                quote! { pub enum Code { Refunded } },
            ),
        ]);
        let out = merge_equal_types(modules.clone());
        let text: Vec<String> = out.values().map(ToString::to_string).collect();
        assert!(!text.iter().any(|t| t.contains("pub type")), "{text:?}");
        // Equal children: the second `Data` and its parent become aliases.
        let mut equal = modules;
        equal.insert(
            vec!["refund_response".to_owned(), "data".to_owned()],
            quote! { pub enum Code { Ok } },
        );
        let out = merge_equal_types(equal);
        let refund = out[&vec!["refund_response".to_owned()]].to_string();
        assert!(
            refund.contains("pub type Data = super :: pay_response :: Data"),
            "{refund}"
        );
        assert!(out[&Vec::new()]
            .to_string()
            .contains("pub type RefundResponse = PayResponse"));
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
