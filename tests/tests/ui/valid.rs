mod provider {
    paygen::provider!("../../../../tests/tests/ui/specs/base.yaml");
}

fn main() {
    let request = provider::PayRequest::new(paygen::Fen(100));
    assert_eq!(request.amount, paygen::Fen(100));
}
