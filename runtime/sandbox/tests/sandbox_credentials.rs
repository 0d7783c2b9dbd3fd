//! Each generated client's `Credentials::sandbox()` is what the sandbox serves its spec
//! with: nobody counts `sandbox-<name>` padding by hand, and a client built on them is
//! accepted (its requests verify, its replies verify).

mod support;

use paygen::Fen;
use paygen_sandbox::config::{default_spec_dir, SandboxConfig};
use paygen_sandbox::providers::default_credentials;
use paygen_sandbox::Sandbox;
use support::{transport, NOWHERE};

/// Every credential of `client` has the value the sandbox serves spec `name` with.
fn same_as_served(name: &str, client: paygen::Credentials) {
    let path = default_spec_dir().join(format!("{name}.yaml"));
    let spec = paygen_codegen::load_file(&path).expect("spec loads").spec;
    let served = default_credentials(&spec);
    assert!(!served.is_empty(), "{name} has credentials");
    for (credential, value) in &served {
        match client.get(credential) {
            Ok(given) => assert_eq!(given.expose(), value, "{name}: `{credential}`"),
            // A key set: the sandbox's text form names the ids its keys go under.
            Err(_) => {
                let keys = client.get_key_set(credential).expect("a key set");
                let expected = paygen::KeySet::from_text(value).expect("key set text");
                assert_eq!(format!("{keys:?}"), format!("{expected:?}"), "{name}");
            }
        }
    }
}

#[test]
fn every_generated_client_holds_the_credentials_the_sandbox_serves() {
    same_as_served("alipay", paygen_alipay::Credentials::sandbox().into());
    same_as_served("mct1", paygen_mct1::Credentials::sandbox().into());
    same_as_served("mpgateway", paygen_mpgateway::Credentials::sandbox().into());
    same_as_served(
        "shouqianba",
        paygen_shouqianba::Credentials::sandbox().into(),
    );
    same_as_served("tiantapay", paygen_tiantapay::Credentials::sandbox().into());
    same_as_served("wantu", paygen_wantu::Credentials::sandbox().into());
    same_as_served(
        "wechatpay_v2",
        paygen_wechatpay_v2::Credentials::sandbox().into(),
    );
    same_as_served(
        "wechatpay_v3",
        paygen_wechatpay_v3::Credentials::sandbox().into(),
    );
}

#[test]
fn a_stand_in_is_the_name_padded_to_32_characters() {
    // As `paygen serve --help` prints them.
    let wantu = paygen_wantu::Credentials::sandbox();
    assert_eq!(wantu.key.expose(), "sandbox-key000000000000000000000");
    let shouqianba = paygen_shouqianba::Credentials::sandbox();
    assert_eq!(
        shouqianba.terminal_key.expose(),
        "sandbox-terminal_key000000000000"
    );
    assert_eq!(shouqianba.terminal_sn, "sandbox-terminal_sn0000000000000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_on_sandbox_credentials_are_accepted() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts");

    // An MD5 key.
    let wantu = paygen_wantu::Client::with_transport(
        sandbox.url("wantu"),
        paygen_wantu::Credentials::sandbox(),
        transport(),
    );
    let paid = wantu
        .pospay(&support::pospay("SC1", 1000, NOWHERE))
        .await
        .expect("wantu pospay");
    assert_eq!(paid.out_trade_no, "SC1");

    // A terminal key.
    let shouqianba = paygen_shouqianba::Client::with_transport(
        sandbox.url("shouqianba"),
        paygen_shouqianba::Credentials::sandbox(),
        transport(),
    );
    let pay = paygen_shouqianba::PayRequest::new("SC2", Fen(1000), "130000", "goods", "op");
    shouqianba.pay(&pay).await.expect("shouqianba pay");

    // RSA key pairs: the merchant's private key signs, the provider's public key verifies.
    let alipay = paygen_alipay::Client::with_transport(
        sandbox.url("alipay"),
        paygen_alipay::Credentials {
            notify_url: NOWHERE.into(),
            ..paygen_alipay::Credentials::sandbox()
        },
        transport(),
    );
    let pay = paygen_alipay::TradePayRequest::new(
        "SC3",
        paygen_alipay::trade_pay_request::Scene::BarCode,
        "286951234567890123",
        "sandbox goods",
    )
    .with_total_amount(Fen(1000));
    let paid = alipay.trade_pay(&pay).await.expect("alipay trade_pay");
    assert!(
        paid.is_verified(),
        "the reply verifies with the stand-in public key"
    );

    // The document's sample credentials.
    let mct1 = paygen_mct1::Client::with_transport(
        sandbox.url("mct1"),
        paygen_mct1::Credentials::sandbox(),
        transport(),
    );
    let pay: paygen_mct1::PayorderRequest =
        paygen_mct1::PayorderQrcodeRequest::new("SC4", "Weixin", Fen(1000), Fen(1000)).into();
    let paid = mct1.payorder(&pay).await.expect("mct1 payorder");
    assert!(
        paid.is_verified(),
        "the reply verifies with the stand-in public key"
    );

    sandbox.shutdown.shutdown().await;
}

/// A client's credentials from texts: a missing text or a key set the runtime cannot
/// read is an error naming the credential, never a credential silently left out.
#[test]
fn client_credentials_name_what_they_cannot_read() {
    let path = default_spec_dir().join("wechatpay_v3.yaml");
    let spec = paygen_codegen::load_file(&path).expect("spec loads").spec;
    let provider = paygen_codegen::lower(&spec);
    let mut values = default_credentials(&spec);
    assert!(paygen_sandbox::providers::client_credentials(&provider, &values).is_ok());
    values.insert("platform_keys".to_owned(), "not a key set".to_owned());
    let unreadable = paygen_sandbox::providers::client_credentials(&provider, &values)
        .expect_err("an unreadable key set");
    assert!(
        unreadable.to_string().contains("platform_keys"),
        "{unreadable}"
    );
    values.remove("platform_keys");
    let missing = paygen_sandbox::providers::client_credentials(&provider, &values)
        .expect_err("a missing credential");
    assert!(
        missing
            .to_string()
            .contains("no value for credential `platform_keys`"),
        "{missing}"
    );
}
