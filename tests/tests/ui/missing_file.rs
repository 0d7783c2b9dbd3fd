mod provider {
    paygen::provider!("${PAYGEN_WORKSPACE}/tests/tests/ui/specs/does_not_exist.yaml");
}

fn main() {}
