mod provider {
    paygen::provider!("${PAYGEN_WORKSPACE}/tests/tests/ui/specs/undefined_credential.yaml");
}

fn main() {}
