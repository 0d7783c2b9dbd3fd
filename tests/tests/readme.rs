//! The README's "Using a generated crate" and "One interface over every provider"
//! snippets are the doctests of `paygen_tests::readme` and `paygen_tests::readme_gateway`,
//! line for line (the doctests' hidden `# ` lines aside), so the snippets a newcomer
//! copies compile.

use paygen_tests::workspace_root;

fn read(path: &str) -> String {
    std::fs::read_to_string(workspace_root().join(path)).unwrap()
}

/// The first ```rust block after `heading` in the README.
fn readme_snippet(heading: &str) -> Vec<String> {
    let readme = read("README.md");
    let section = &readme[readme.find(heading).expect("the README has the section")..];
    let start = section.find("```rust\n").expect("a rust block") + "```rust\n".len();
    let end = section[start..].find("```").unwrap() + start;
    section[start..end].lines().map(str::to_owned).collect()
}

/// The lines a reader sees of the doctest on `pub mod {module}` in the tests crate.
fn doctest_lines(module: &str) -> Vec<String> {
    let lib = read("tests/src/lib.rs");
    let lines: Vec<&str> = lib.lines().collect();
    let item = lines
        .iter()
        .position(|l| *l == format!("pub mod {module} {{}}"))
        .expect("the module");
    let first = lines[..item]
        .iter()
        .rposition(|l| !l.starts_with("///"))
        .map_or(0, |i| i + 1);
    let doc: Vec<&str> = lines[first..item]
        .iter()
        .filter_map(|l| {
            l.strip_prefix("///")
                .map(|l| l.strip_prefix(' ').unwrap_or(l))
        })
        .collect();
    let start = doc.iter().position(|l| *l == "```no_run").unwrap() + 1;
    let end = doc[start..].iter().position(|l| *l == "```").unwrap() + start;
    doc[start..end]
        .iter()
        .filter(|l| !l.starts_with("# "))
        .map(|l| (*l).to_owned())
        .collect()
}

#[test]
fn using_a_generated_crate_snippet_is_the_compiled_doctest() {
    let snippet = readme_snippet("## Using a generated crate");
    assert!(snippet.iter().any(|l| l.contains("into_inner()")));
    assert_eq!(snippet, doctest_lines("readme"));
}

#[test]
fn the_gateway_snippet_is_the_compiled_doctest() {
    let snippet = readme_snippet("## One interface over every provider");
    assert!(snippet
        .iter()
        .any(|l| l.contains("Arc<dyn paygen::Gateway>")));
    assert_eq!(snippet, doctest_lines("readme_gateway"));
}
