//! A crate that uses `paygen::provider!` for real: the macro's client reproduces the
//! worked example of document 002 section 2.4 exactly like the committed crate does.

mod mct1 {
    paygen::provider!("../specs/mct1.yaml");
}

#[test]
fn macro_client_renders_the_worked_example() {
    let credentials = mct1::Credentials {
        open_id: "87f46f5db1b65f0ac195285f49ee6958".into(),
        open_key: "0828e83720fdbe3685a7b94214af04f9".into(),
    };
    let client = mct1::Client::new(mct1::Environment::default(), credentials)
        .with_clock(paygen::FixedClock::at_unix_seconds(1_497_957_842));
    let request = mct1::PaylistRequest::new(mct1::paylist_request::PmtType::Cash);
    let rendered = client.render_paylist(&request).unwrap();
    assert_eq!(
        rendered.body,
        "timestamp=1497957842&open_id=87f46f5db1b65f0ac195285f49ee6958&data=3304A5EC2CDEB4D12ED3338B5C01BF6B&sign=915be5aff09f2686870e1d17e93b3542"
    );
}
