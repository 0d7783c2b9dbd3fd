//! Malformed specs through `paygen::provider!`: each is a compile error whose message
//! points at the spec's file, line and column. A missing required field is a compile
//! error too. Expected messages live beside each case in `tests/ui/*.stderr`. (The valid
//! corpus compiles in `corpus_compiles.rs`, outside trybuild.)

/// Sets `PAYGEN_WORKSPACE`, which the cases' spec paths start with: trybuild builds
/// them in a copy under the target directory, wherever that is, so relative paths
/// would depend on it.
fn workspace_variable() {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::env::set_var("PAYGEN_WORKSPACE", workspace);
}

#[test]
fn malformed_specs_fail_to_compile_with_their_position() {
    workspace_variable();
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/name_collision.rs");
    cases.compile_fail("tests/ui/unset_variable.rs");
    cases.compile_fail("tests/ui/unknown_key.rs");
    cases.compile_fail("tests/ui/undefined_credential.rs");
    cases.compile_fail("tests/ui/undefined_recipe.rs");
    cases.compile_fail("tests/ui/header_template_credential.rs");
    cases.compile_fail("tests/ui/duplicate_field.rs");
    cases.compile_fail("tests/ui/yaml_syntax.rs");
    cases.compile_fail("tests/ui/body_signature_in_field.rs");
    cases.compile_fail("tests/ui/missing_file.rs");
    cases.compile_fail("tests/ui/missing_required.rs");
    cases.compile_fail("tests/ui/barcode_without_auth_code.rs");
}

/// Of issue 16's two options for a role a spec does not map, paygen takes the typed
/// error: the case compiles (the role is a method of `dyn Gateway`) and, run, answers
/// `GatewayError::NotSupported` without sending.
#[test]
fn an_unmapped_role_compiles_and_answers_not_supported() {
    workspace_variable();
    trybuild::TestCases::new().pass("tests/ui/gateway_unmapped_role.rs");
}
