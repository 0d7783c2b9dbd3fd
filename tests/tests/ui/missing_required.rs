mod provider {
    paygen::provider!("${PAYGEN_WORKSPACE}/tests/tests/ui/specs/base.yaml");
}

fn main() {
    // `amount` is required: a request cannot be built without it.
    let _ = provider::PayRequest::new();
}
