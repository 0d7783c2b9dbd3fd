mod provider {
    paygen::provider!("${PAYGEN_WORKSPACE}/tests/tests/ui/specs/unknown_key.yaml");
}

fn main() {}
