mod provider {
    paygen::provider!("../../../../tests/tests/ui/specs/unknown_key.yaml");
}

fn main() {}
