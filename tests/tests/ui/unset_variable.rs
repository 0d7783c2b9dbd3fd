mod provider {
    paygen::provider!("${PAYGEN_NOT_SET}/specs/mct1.yaml");
}

fn main() {}
