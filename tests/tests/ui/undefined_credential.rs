mod provider {
    paygen::provider!("../../../../tests/tests/ui/specs/undefined_credential.yaml");
}

fn main() {}
