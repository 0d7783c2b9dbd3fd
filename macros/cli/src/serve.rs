//! `paygen serve`: the sandbox as a standalone HTTP server.

use crate::CliError;
use paygen_sandbox::config::{default_spec_dir, spec_files};
use paygen_sandbox::{Sandbox, SandboxConfig};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Defaults, listed in `paygen serve --help` and the README.
pub const DEFAULTS: &str = "Default credentials: the document's sample where it gives one \
(mct1: open_id 87f46f5db1b65f0ac195285f49ee6958, open_key 0828e83720fdbe3685a7b94214af04f9; \
tiantapay: user_token 123456, key C3226F16BE; wechatpay_v2: appid wx2421b1c4370ec43b, mch_id \
10000100), a recipe-choosing credential the value of the spec's recipe (wechatpay_v2 sign_type: \
HMAC-SHA256), otherwise `sandbox-<credential>` padded with 0 to 32 characters (wantu key: sandbox-key000000000000000000000, shouqianba terminal_key: \
sandbox-terminal_key000000000000). RSA keys: the throwaway pairs in runtime/sandbox/keys/ \
(alipay: the sandbox holds app_public_key = merchant_public_key.pem and alipay_private_key = \
provider_private_key.pem; a client signs with app_private_key = merchant_private_key.pem and \
verifies with alipay_public_key = provider_public_key.pem; --credentials names the \
sandbox's side: app_public_key, alipay_private_key). alipay notify_url is taken as each request \
sends it. Magic amounts (分, last two digits): 01 pay fails, \
02 in progress until the 2nd query, 03 paid but the connection drops, 04 reply 1500 ms late, \
05 reply signature altered. Admin: POST /_sandbox/scenario {\"tamper_responses\":N} \
{\"delay_ms\":D} {\"fail_cancels\":N} {\"pay\":{\"provider\":P,\"order_no\":O}}. Notifications go to the pay \
request's notify URL, redelivered on the spec's retry_seconds (divided by --notify-speedup) until \
the documented ack.";

/// Arguments of `paygen serve`.
#[derive(Debug, clap::Args)]
#[command(after_help = DEFAULTS)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// Credentials replacing the defaults, `{"<spec>": {"<credential>": "value"}}`: a
    /// JSON object, or @FILE holding one.
    #[arg(long)]
    pub credentials: Option<String>,
    /// A spec served besides those in specs/; repeatable.
    #[arg(long = "spec")]
    pub specs: Vec<PathBuf>,
    /// Divides every notification retry delay of the documented schedules.
    #[arg(long, default_value_t = 1)]
    pub notify_speedup: u32,
}

/// Runs the sandbox until the process is stopped.
pub fn run(args: &Args) -> Result<(), CliError> {
    let mut specs = spec_files(&default_spec_dir()).unwrap_or_default();
    specs.extend(args.specs.iter().cloned());
    let credentials: BTreeMap<String, BTreeMap<String, String>> = match &args.credentials {
        None => BTreeMap::new(),
        Some(given) => {
            let text = crate::input::json_argument("credentials", given)?;
            serde_json::from_str(&text).map_err(|e| {
                CliError::Usage(format!(
                    "--credentials must be {{\"<spec>\": {{\"<credential>\": \"value\"}}}}: {e} (to read it from a file, give @path)"
                ))
            })?
        }
    };
    let config_specs = specs.clone();
    let credentials_overridden: Vec<String> = credentials.keys().cloned().collect();
    let config = SandboxConfig {
        addr: args.addr,
        specs,
        credentials,
        log: true,
        notify_speedup: args.notify_speedup,
        ..SandboxConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let sandbox = Sandbox::start(config)
            .await
            .map_err(|e| CliError::Usage(e.to_string()))?;
        println!("listening on {}", sandbox.base_url);
        print_client_credentials(&config_specs, &credentials_overridden);
        sandbox.shutdown.wait().await;
        Ok(())
    })
}

/// Prints, per spec, the credentials a client uses against the sandbox by default, so
/// that nobody counts the padding of a stand-in by hand. Keys are named by their file
/// rather than printed.
fn print_client_credentials(specs: &[PathBuf], overridden: &[String]) {
    println!("client credentials (the sandbox's defaults):");
    for path in specs {
        let Ok(loaded) = paygen_codegen::load_file(path) else {
            continue;
        };
        let name = &loaded.spec.name.value;
        if overridden.iter().any(|o| o == name) {
            println!("  {name}: as given in --credentials");
            continue;
        }
        let values = paygen_sandbox::providers::default_credentials(&loaded.spec);
        let shown: Vec<String> = values
            .iter()
            .map(|(credential, value)| {
                if value.contains("-----BEGIN") || value.trim_start().starts_with('{') {
                    format!("{credential}=<key: see runtime/sandbox/keys/>")
                } else {
                    format!("{credential}={value}")
                }
            })
            .collect();
        println!("  {name}: {}", shown.join(" "));
    }
}
