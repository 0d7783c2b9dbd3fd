mod provider {
    paygen::provider!("../../../../tests/tests/ui/specs/yaml_syntax.yaml");
}

fn main() {}
