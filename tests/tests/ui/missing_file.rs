mod provider {
    paygen::provider!("../../../../tests/tests/ui/specs/does_not_exist.yaml");
}

fn main() {}
