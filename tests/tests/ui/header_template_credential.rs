mod provider {
    paygen::provider!("../../../../tests/tests/ui/specs/header_template_credential.yaml");
}

fn main() {}
