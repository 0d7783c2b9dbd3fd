//! A spec with SM2 and HMAC-SM3 steps and the newer output forms, through
//! `paygen::provider!`: the tables the macro writes for them compile, and a request the
//! generated client signs is verified by the provider's side with the key's `pair`.

mod gm {
    paygen::provider!("tests/specs/gm_sample.yaml");
}

use paygen::protocol::{
    Base64Alphabet, DigestAlgorithm, DigestOutput, HexCase, OutputForm, SignatureForm, TextEncoding,
};
use paygen::tooling::{server::decode_request, template::path_and_query, ReceivedRequest};

// GM/T 0003.5-2012 appendix A.2's example key pair.
const PRIVATE: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
const PUBLIC: &str = "0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";

#[test]
fn the_tables_carry_each_output_form() {
    let provider = &gm::tables::PROVIDER;
    let request = &provider.request.signature.as_ref().unwrap().recipe;
    assert_eq!(request.digests[0].algorithm, DigestAlgorithm::Sm2Sm3);
    assert_eq!(
        request.digests[0].output,
        DigestOutput::Encoded(OutputForm {
            text: TextEncoding::Hex(HexCase::Lower),
            signature: SignatureForm::Raw,
        })
    );
    let response = &provider.response.verification.as_ref().unwrap().recipe;
    assert_eq!(response.digests[0].algorithm, DigestAlgorithm::HmacSm3);
    assert_eq!(
        response.digests[0].output,
        DigestOutput::Encoded(OutputForm {
            text: TextEncoding::Base64 {
                alphabet: Base64Alphabet::Url,
                padded: false,
            },
            signature: SignatureForm::Der,
        })
    );
}

#[test]
fn a_request_signed_with_sm2_is_verified_by_the_provider_side() {
    let credentials = gm::Credentials {
        merchant: "m-1".into(),
        merchant_private_key: PRIVATE.into(),
        mac_key: "k".into(),
    };
    let client = gm::Client::new(gm::Environment::default(), credentials)
        .with_clock(paygen::FixedClock::at_unix_seconds(1_700_000_000));
    let rendered = client
        .render_pay(&gm::PayRequest::new(paygen::Fen(100)))
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&rendered.body).unwrap();
    // r || s in lower-case hex: 128 digits.
    let sign = body["sign"].as_str().unwrap();
    assert_eq!(sign.len(), 128);
    assert!(sign
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));

    let own = paygen::Credentials::new()
        .plain("merchant", "m-1")
        .plain("merchant_public_key", PUBLIC)
        .secret("mac_key", "k");
    let clock = paygen::FixedClock::at_unix_seconds(1_700_000_000);
    let receiver = paygen::Receiver {
        credentials: &own,
        clock: &clock,
        utc_offset_minutes: 480,
        seen: None,
    };
    let headers: Vec<(String, String)> = rendered
        .headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let target = path_and_query(&rendered.url).to_owned();
    let receive = |body: &str| {
        let request = ReceivedRequest {
            method: &rendered.method,
            target: &target,
            headers: &headers,
            body,
        };
        decode_request(&gm::tables::PROVIDER, &receiver, &request).map(|r| r.authenticity)
    };
    assert_eq!(
        receive(&rendered.body).unwrap(),
        paygen::Authenticity::Verified
    );
    assert!(receive(&rendered.body.replace("100", "101")).is_err());
}
