mod provider {
    paygen::provider!("${PAYGEN_WORKSPACE}/tests/tests/ui/specs/base.yaml");
}

fn main() {
    let request = provider::PayRequest::new(paygen::Fen(100));
    assert_eq!(request.amount, paygen::Fen(100));
}
