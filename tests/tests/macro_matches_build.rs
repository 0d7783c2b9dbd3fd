//! The proc-macro and `paygen generate` emit the same items for every spec: the
//! committed crate's code is exactly the generator's tokens, formatted; the macro
//! expands to those tokens plus an `include_str!` of the spec.

use paygen_tests::{spec_paths, workspace_root};

#[test]
fn committed_crates_are_the_generator_tokens_for_every_spec() {
    let specs = spec_paths();
    // One committed crate per spec, and no crate without its spec.
    let mut crates: Vec<String> = std::fs::read_dir(workspace_root().join("generated"))
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    crates.sort();
    let mut stems: Vec<String> = specs
        .iter()
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
        .collect();
    stems.sort();
    assert_eq!(crates, stems);
    for path in specs {
        let loaded = paygen_codegen::load_file(&path).unwrap();
        let tokens = paygen_codegen::provider_items(&loaded.spec).unwrap();
        let expected: syn::File = syn::parse2(tokens).unwrap();

        let name = &loaded.spec.name.value;
        let committed_path = workspace_root()
            .join("generated")
            .join(name)
            .join("src/provider.rs");
        let committed = std::fs::read_to_string(&committed_path).unwrap();
        let mut file: syn::File = syn::parse_file(&committed).unwrap();
        // The build step writes the protocol tables to a file of their own.
        let tables_path = committed_path.with_file_name("provider/tables.rs");
        let tables = std::fs::read_to_string(&tables_path).unwrap();
        assert!(
            tables.starts_with("// @generated"),
            "{name}: tables.rs has no @generated header"
        );
        let tables: syn::File = syn::parse_file(&tables).unwrap();
        assert!(
            paygen_codegen::generate::join_tables(&mut file, tables),
            "{name}: provider.rs declares no `mod tables;`"
        );
        // Both sides go through the same printer so that `///` and `#[doc = ".."]`,
        // which are the same tokens, compare equal.
        let committed_items = prettyplease::unparse(&file);
        let macro_items = prettyplease::unparse(&expected);
        let first_difference = committed_items
            .lines()
            .zip(macro_items.lines())
            .position(|(a, b)| a != b);
        assert!(
            committed_items == macro_items,
            "generated/{name} differs from what the macro emits, first at line {first_difference:?}"
        );
        assert!(
            committed.starts_with("// @generated"),
            "{name}: no @generated header"
        );
    }
}

#[test]
fn generation_is_deterministic() {
    for path in spec_paths() {
        let first = paygen_codegen::load_file(&path).unwrap();
        let second = paygen_codegen::load_file(&path).unwrap();
        let spec_path = path
            .strip_prefix(workspace_root())
            .unwrap()
            .display()
            .to_string();
        let a = paygen_codegen::generate::crate_files(&first, &spec_path).unwrap();
        let b = paygen_codegen::generate::crate_files(&second, &spec_path).unwrap();
        assert_eq!(a, b, "{spec_path}");
    }
}
