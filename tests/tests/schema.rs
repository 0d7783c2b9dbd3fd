//! `specs/schema.json` (generated from the spec model) validates every spec in
//! `specs/`, and refuses what the loader refuses: an editor's schema check agrees with
//! `paygen generate`.

use paygen_tests::spec_paths;
use serde_json::Value;

fn schema() -> jsonschema::Validator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap()
}

#[test]
fn the_schema_validates_every_spec() {
    let validator = schema();
    let mut checked = 0;
    for path in spec_paths() {
        let spec = yaml(&std::fs::read_to_string(&path).unwrap());
        let errors: Vec<String> = validator
            .iter_errors(&spec)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        checked += 1;
    }
    assert!(checked >= 7, "{checked}");
}

#[test]
fn the_schema_refuses_an_unknown_key_and_a_wrong_type() {
    let validator = schema();
    let base = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/ui/specs/base.yaml"
    ))
    .unwrap();
    assert!(validator.is_valid(&yaml(&base)));
    let typo = base.replacen("    summary: Pay", "    summery: Pay", 1);
    assert!(!validator.is_valid(&yaml(&typo)));
    let wrong = base.replacen("required: true }", "required: yes please }", 1);
    assert!(!validator.is_valid(&yaml(&wrong)));
}
