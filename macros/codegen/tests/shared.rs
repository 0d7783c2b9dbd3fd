//! `codes:`, `types:` and `ref:`: one document table is one Rust type, named after the
//! table; mistakes in references are positioned errors.

use paygen_codegen::{parse_str, provider_items};

mod common;

use common::{errors, BASE};

/// `BASE` with shared tables, two operations whose replies share a code table and an
/// object shape, and `extra` appended to the second operation's response.
fn spec(extra: &str) -> String {
    let shared = r#"codes:
  - name: result_codes
    description: 附录 result codes
    values:
      - { value: "0", rust_name: Ok, description: 成功, outcome: success }
      - { value: "9", rust_name: Pending, description: 处理中, outcome: in_progress }
types:
  - name: goods
    description: One line of the order
    fields:
      - { name: sku, type: string, required: true }
      - { name: state, type: string, ref: result_codes }
operations:
  - name: query
    summary: Query
    path: /query
    request: []
    response:
      - { name: code, type: string, required: true, ref: result_codes }
      - { name: lines, type: list, ref: goods }
"#;
    let text = BASE.replacen("operations:\n", shared, 1);
    let text = text.replacen(
        "      - { name: code, type: string, required: true }\n",
        &format!("      - {{ name: code, type: string, required: true, ref: result_codes }}\n      - {{ name: basket, type: object, ref: goods }}\n{extra}"),
        1,
    );
    text
}

#[test]
fn a_shared_table_and_shape_are_one_enum_and_one_struct_named_after_them() {
    let parsed = parse_str(&spec(""), "x.yaml").unwrap();
    let code = provider_items(&parsed).unwrap().to_string();
    assert_eq!(code.matches("pub enum ResultCodes").count(), 1, "{code}");
    assert_eq!(code.matches("pub struct Goods").count(), 1, "{code}");
    // Both operations' `code` and the shape's `state` are that enum; the list and the
    // object are that struct.
    assert!(code.contains("pub code : ResultCodes"), "{code}");
    assert!(
        code.contains("pub state : Option < ResultCodes >"),
        "{code}"
    );
    assert!(
        code.contains("pub lines : Option < Vec < Goods > >"),
        "{code}"
    );
    assert!(code.contains("pub basket : Option < Goods >"), "{code}");
    assert!(
        code.contains("附录 result codes"),
        "the table's description documents the enum"
    );
    // The table's outcomes reach the protocol tables.
    let provider = paygen_codegen::lower(&parsed);
    let pay = &provider.operations[0];
    assert!(pay
        .codes
        .iter()
        .any(|c| c.value == "9" && c.outcome == paygen_protocol::CodeOutcome::InProgress));
}

#[test]
fn reference_mistakes_are_positioned_errors() {
    let text = spec("").replacen("ref: goods }", "ref: good }", 1);
    let found = errors(&text);
    assert!(
        found.iter().any(|e| e.ends_with(
            "`ref` names `good`, which is neither a code table (`codes:`) nor a type (`types:`) (did you mean `goods`?)"
        )),
        "{found:?}"
    );
    let text = spec("").replacen(
        "{ name: lines, type: list, ref: goods }",
        "{ name: lines, type: list, ref: result_codes }",
        1,
    );
    assert!(
        errors(&text)
            .iter()
            .any(|e| e
                .contains("`result_codes` is a code table; an object or list field needs a type")),
        "{:?}",
        errors(&text)
    );
    let text = spec("").replacen(
        "ref: result_codes }\n      - { name: basket",
        "ref: result_codes, values: [ { value: \"1\" } ] }\n      - { name: basket",
        1,
    );
    assert!(
        errors(&text).iter().any(|e| e
            .contains("takes its values from code table `result_codes`; remove its own `values`")),
        "{:?}",
        errors(&text)
    );
    let text = spec("").replacen("types:\n", "types:\n  - { name: unused, fields: [] }\n", 1);
    let found = errors(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    let (position, message) = found[0].split_once(": ").unwrap();
    assert_eq!(
        message,
        "type `unused` is not used by any field (`ref: unused`)"
    );
    let line: usize = position.split(':').next().unwrap().parse().unwrap();
    assert_eq!(
        text.lines().nth(line - 1),
        Some("  - { name: unused, fields: [] }")
    );
}

#[test]
fn a_type_that_contains_itself_is_an_error_not_a_hang() {
    let text = spec("").replacen(
        "      - { name: state, type: string, ref: result_codes }\n",
        "      - { name: state, type: string, ref: result_codes }\n      - { name: parts, type: list, ref: goods }\n",
        1,
    );
    let found = errors(&text);
    assert!(
        found.iter().any(|e| e.contains("a type contains itself")),
        "{found:?}"
    );
}

/// The paths of the types a spec generates (`pub struct`, `pub enum`, `pub type`), in
/// every module (`pay_response::BizResponse`).
fn type_names(text: &str) -> std::collections::BTreeSet<String> {
    fn walk(items: &[syn::Item], module: &str, out: &mut std::collections::BTreeSet<String>) {
        for item in items {
            let name = match item {
                syn::Item::Struct(s) => s.ident.to_string(),
                syn::Item::Enum(e) => e.ident.to_string(),
                syn::Item::Type(t) => t.ident.to_string(),
                syn::Item::Mod(m) => {
                    let inner = format!("{module}{}::", m.ident);
                    if let Some((_, items)) = &m.content {
                        walk(items, &inner, out);
                    }
                    continue;
                }
                _ => continue,
            };
            out.insert(format!("{module}{name}"));
        }
    }
    let spec = parse_str(text, "x.yaml").unwrap();
    let file: syn::File = syn::parse2(provider_items(&spec).unwrap()).unwrap();
    let mut names = std::collections::BTreeSet::new();
    walk(&file.items, "", &mut names);
    names
}

/// Adding an operation whose fields reuse the common code-field names with other
/// values renames no type of any real spec: names depend only on their own place.
#[test]
fn type_names_stay_when_an_unrelated_operation_is_added() {
    let unrelated = r#"operations:
  - name: zz_unrelated
    summary: Unrelated
    path: /zz-unrelated
    success: { field: status, equals: [zz] }
    request:
      - { name: status, type: string, values: [{ value: zz }] }
    response:
      - { name: status, type: string, values: [{ value: zz }] }
      - { name: code, type: string, values: [{ value: zz }] }
      - { name: result_code, type: string, values: [{ value: zz }] }
      - { name: trade_status, type: string, values: [{ value: zz }] }
      - { name: return_code, type: string, values: [{ value: zz }] }
      - { name: errcode, type: string, values: [{ value: zz }] }
      - { name: data, type: object, fields: [{ name: status, type: string, values: [{ value: zz }] }] }
"#;
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let mut checked = 0;
    for entry in std::fs::read_dir(specs).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let before = type_names(&text);
        assert!(
            before.iter().any(|name| name.contains("::")),
            "{}: no nested type to watch",
            path.display()
        );
        // Alipay's replies sit in the member named after the operation's `method`.
        // XML bodies are flat: no nested object there.
        let unrelated = if text.contains("body: xml") {
            unrelated
                .lines()
                .filter(|l| !l.contains("name: data"))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        } else {
            unrelated.to_owned()
        };
        let unrelated = if text.contains("{method}_response") {
            unrelated.replacen(
                "    request:\n",
                "    common: [{ name: method, value: { constant: zz.unrelated } }]\n    request:\n",
                1,
            )
        } else {
            unrelated
        };
        let after = type_names(&text.replacen("\noperations:\n", &format!("\n{unrelated}"), 1));
        let lost: Vec<&String> = before.difference(&after).collect();
        assert!(lost.is_empty(), "{}: renamed {lost:?}", path.display());
        assert!(
            after.len() > before.len(),
            "{}: the new operation added types",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 7);
}
