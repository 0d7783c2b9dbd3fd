mod provider {
    paygen::provider!("${PAYGEN_WORKSPACE}/tests/tests/ui/specs/yaml_syntax.yaml");
}

fn main() {}
