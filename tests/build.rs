//! Writes `$OUT_DIR/examples_table.rs` for `tests/examples.rs`: every spec's client
//! through `paygen::provider!`, and per spec a function from operation or notification
//! name to the generated type its documented bodies must parse into. Derived from
//! `specs/`, so a new spec needs no hand edit of a test table.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let specs = Path::new(&manifest).join("../specs");
    println!("cargo:rerun-if-changed={}", specs.display());
    let mut paths = match paygen_codegen::generate::spec_paths(&Path::new(&manifest).join("..")) {
        Ok(paths) => paths,
        Err(error) => panic!("cannot list {}: {error}", specs.display()),
    };
    paths.sort();
    let mut out = String::new();
    let mut registry = String::new();
    for path in &paths {
        println!("cargo:rerun-if-changed={}", path.display());
        let loaded = match paygen_codegen::load_file(path) {
            Ok(loaded) => loaded,
            // The examples test reports an invalid spec with its positions.
            Err(_) => continue,
        };
        let Ok(names) = paygen_codegen::items::item_names(&loaded.spec) else {
            continue;
        };
        let name = &loaded.spec.name.value;
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "/// `{name}`'s client.\n#[allow(dead_code, clippy::all)]\npub mod {name} {{ paygen::provider!(\"../specs/{file}\"); }}"
        );
        let _ = writeln!(
            out,
            "fn parse_{name}(kind: &str, item: &str, what: &str, fields: Map<String, Value>) {{\n    match (kind, item) {{"
        );
        for (op, op_names) in loaded.spec.operations.iter().zip(&names.operations) {
            let _ = writeln!(
                out,
                "        (\"operation\", {:?}) => parse::<{name}::{}>(fields, what),",
                op.name.value, op_names.response
            );
        }
        for (n, n_names) in loaded.spec.notifications.iter().zip(&names.notifications) {
            let _ = writeln!(
                out,
                "        (\"notification\", {:?}) => parse::<{name}::{}>(fields, what),",
                n.name.value, n_names.ty
            );
        }
        let _ = writeln!(
            out,
            "        other => panic!(\"{name} has no {{other:?}}\"),\n    }}\n}}"
        );
        let _ = writeln!(registry, "    ({name:?}, parse_{name}),");
    }
    let _ = writeln!(
        out,
        "/// Parses a documented body into the type of (kind, operation or notification).\ntype Parser = fn(&str, &str, &str, Map<String, Value>);\n/// Every spec's parser, by spec name.\nconst PARSERS: &[(&str, Parser)] = &[\n{registry}];"
    );
    let target = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("examples_table.rs");
    if let Err(error) = std::fs::write(&target, out) {
        panic!("cannot write {}: {error}", target.display());
    }
}
