mod provider {
    paygen::provider!("${PAYGEN_WORKSPACE}/tests/tests/ui/specs/duplicate_field.yaml");
}

fn main() {}
