mod provider {
    paygen::provider!("../../../../tests/tests/ui/specs/body_signature_in_field.yaml");
}

fn main() {}
