mod provider {
    paygen::provider!("../../../../tests/tests/ui/specs/duplicate_field.yaml");
}

fn main() {}
