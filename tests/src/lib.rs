//! Helpers shared by the cross-crate tests.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Every spec in `specs/`, sorted.
pub fn spec_paths() -> Vec<PathBuf> {
    paygen_codegen::generate::spec_paths(&workspace_root()).unwrap_or_default()
}

/// The README's "Using a generated crate" snippet, compiled (not run: it would call the
/// provider) so that it stays true; `tests/readme.rs` keeps the two identical.
///
/// ```no_run
/// # async fn readme() -> Result<(), paygen::Error<paygen_mct1::Errcode>> {
/// use paygen_mct1::{paylist_request, Client, Credentials, Environment, Errcode, PaylistRequest};
///
/// let client = Client::new(
///     Environment::Production,
///     Credentials {
///         open_id: "87f46f5db1b65f0ac195285f49ee6958".into(),
///         open_key: "0828e83720fdbe3685a7b94214af04f9".into(),
///     },
/// );
/// let response = match client.paylist(&PaylistRequest::new(paylist_request::PmtType::Cash)).await {
///     Ok(response) => response,
///     // A refusal's code is typed by the document's table (mct1 5.1 errcode).
///     Err(paygen::Error::Service(refused)) if refused.code == Errcode::SignatureInvalid => {
///         eprintln!("signature refused: check open_key ({})", refused.raw_code);
///         return Ok(());
///     }
///     Err(error) => return Err(error),
/// };
/// // A Response derefs to the typed reply and keeps the facts of the exchange.
/// assert!(response.is_verified());
/// println!("HTTP {}", response.status());
/// for method in response.data.iter().flatten() {
///     println!("{} ({})", method.pmt_name, method.pmt_tag);
/// }
/// let reply: paygen_mct1::PaylistResponse = response.into_inner();
/// println!("{}", reply.msg);
/// # Ok(())
/// # }
/// ```
pub mod readme {}

/// The README's "One interface over every provider" snippet, compiled (not run: it
/// would call the providers); `tests/readme.rs` keeps the two identical.
///
/// ```no_run
/// # async fn readme(
/// #     wechat: paygen_wechatpay_v2::Credentials,
/// #     alipay: paygen_alipay::Credentials,
/// #     buyer_code: &str,
/// # ) -> Result<(), paygen::GatewayError> {
/// use paygen::{gateway::Extra, Fen, PayRequest, PaymentStatus};
/// use std::sync::Arc;
///
/// let gateways: Vec<Arc<dyn paygen::Gateway>> = vec![
///     Arc::new(paygen_wechatpay_v2::Client::new(paygen_wechatpay_v2::Environment::Production, wechat)),
///     Arc::new(paygen_alipay::Client::new(paygen_alipay::Environment::Production, alipay)),
/// ];
/// let gateway = &gateways[0];
/// let paid = gateway
///     .pay(&PayRequest {
///         order_no: "A1".into(),
///         amount: Fen(1288),
///         subject: "goods".into(),
///         auth_code: buyer_code.into(),
///         notify_url: None,
///         extra: Extra::new(),
///     })
///     .await?;
/// match paid.status {
///     PaymentStatus::Paid => { /* paid.trade_no, paid.amount */ }
///     PaymentStatus::Pending => { /* buyer still confirming: query, or use pay_and_settle below */ }
///     PaymentStatus::Unknown(raw) => eprintln!("`{raw}`: a status the document does not list"),
///     _ => {}
/// }
/// # Ok(())
/// # }
/// ```
pub mod readme_gateway {}
