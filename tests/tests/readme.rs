//! The README's "Using a generated crate" snippet is the doctest of
//! `paygen_tests::readme`, line for line (the doctest's hidden `# ` lines aside), so the
//! snippet a newcomer copies compiles.

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

/// The lines of the `readme` module's doctest a reader sees.
fn doctest_lines() -> Vec<String> {
    let lib = read("tests/src/lib.rs");
    let doc: Vec<&str> = lib
        .lines()
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
    assert_eq!(snippet, doctest_lines());
}
