mod provider {
    paygen::provider!("${PAYGEN_WORKSPACE}/tests/tests/ui/specs/header_template_credential.yaml");
}

fn main() {}
