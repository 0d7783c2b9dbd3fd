mod provider {
    paygen::provider!("${PAYGEN_WORKSPACE}/tests/tests/ui/specs/body_signature_in_field.yaml");
}

fn main() {}
