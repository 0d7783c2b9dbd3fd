//! Malformed specs through `paygen::provider!`: each is a compile error whose message
//! points at the spec's file, line and column. A missing required field is a compile
//! error too. Expected messages live beside each case in `tests/ui/*.stderr`.

#[test]
fn malformed_specs_fail_to_compile_with_their_position() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/valid.rs");
    cases.compile_fail("tests/ui/unknown_key.rs");
    cases.compile_fail("tests/ui/undefined_credential.rs");
    cases.compile_fail("tests/ui/undefined_recipe.rs");
    cases.compile_fail("tests/ui/header_template_credential.rs");
    cases.compile_fail("tests/ui/duplicate_field.rs");
    cases.compile_fail("tests/ui/yaml_syntax.rs");
    cases.compile_fail("tests/ui/body_signature_in_field.rs");
    cases.compile_fail("tests/ui/missing_file.rs");
    cases.compile_fail("tests/ui/missing_required.rs");
}
