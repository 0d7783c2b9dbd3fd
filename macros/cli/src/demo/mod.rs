//! `paygen demo`: the embedded sandbox on a free loopback port, and for every spec with
//! a `gateway:` section one scenario through `Arc<dyn paygen::Gateway>` (a
//! `MappedGateway` over the spec): pay or precreate, the notification, query, partial
//! refund, the refund notification, query, close of an unpaid order, and pay-poll-cancel
//! (`pay_and_settle`) with the sandbox's in-progress, lost-reply and slow-reply amounts.
//! One line per step with the unified status and, under it, its wire summary (`POST
//! /wantu/pospay json 366 B -> 200 json 219 B`), then a table; a role the provider
//! lacks shows as not supported; exit code 1 if any step failed. Offline, a few seconds.

mod scenario;
mod wire;

use crate::{input, CliError};
use paygen::protocol::{GatewayMap, Provider};
use paygen::tooling::{ClientCore, MappedGateway};
use paygen::{Gateway, PaymentStatus, ReqwestTransport};
use paygen_sandbox::config::{default_spec_dir, spec_files};
use paygen_sandbox::gateway::SkipClock;
use paygen_sandbox::providers::{client_credentials, default_credentials};
use paygen_sandbox::{Sandbox, SandboxConfig};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wire::{Arrivals, Summaries, Wire};

/// How late the sandbox answers the slow-reply amount (..04), and the client's
/// timeout below it: the slow reply is a lost one to the client.
const SLOW_MS: u64 = 1500;
const CLIENT_TIMEOUT: Duration = Duration::from_millis(1000);

/// One spec as the demo drives it.
struct Demo {
    name: String,
    provider: &'static Provider,
    map: GatewayMap,
    gateway: Arc<dyn Gateway>,
    /// Exchanges not yet shown under a step line.
    wire: Summaries,
}

/// One provider's row of the table.
struct Row {
    name: String,
    ok: usize,
    failed: usize,
    unsupported: usize,
    status: Option<PaymentStatus>,
    highlights: Vec<String>,
}

/// Colours only on a terminal.
struct Style {
    colour: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// Runs the demo.
pub fn run() -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(demo())
}

/// Every spec of `specs/` with its mapping, if it has a `gateway:` section, and the
/// sandbox's default credential texts.
type Loaded = (
    &'static Provider,
    Option<GatewayMap>,
    BTreeMap<String, String>,
);

fn load(specs: &[std::path::PathBuf]) -> Result<Vec<Loaded>, CliError> {
    let mut out = Vec::new();
    for path in specs {
        let loaded = input::spec(path)?;
        let values = default_credentials(&loaded.spec);
        let map = paygen_codegen::lower::gateway_map(&loaded.spec);
        // One provider table per spec for the whole run: the runtime client takes the
        // `&'static` table a generated crate has as a constant.
        let provider: &'static Provider = Box::leak(Box::new(loaded.provider));
        out.push((provider, map, values));
    }
    Ok(out)
}

async fn demo() -> Result<(), CliError> {
    let started = Instant::now();
    let style = Style {
        colour: std::io::stdout().is_terminal(),
    };
    let specs = spec_files(&default_spec_dir())
        .map_err(|e| CliError::Usage(format!("cannot list specs/: {e}")))?;
    let loaded = load(&specs)?;
    let sandbox = Sandbox::start(SandboxConfig {
        specs,
        notify_speedup: 1000,
        slow_ms: SLOW_MS,
        ..SandboxConfig::default()
    })
    .await
    .map_err(|e| CliError::Usage(e.to_string()))?;
    println!("sandbox listening on {}", sandbox.base_url);

    // The receiver's URL goes into the credentials (Alipay's `notify_url`), so it is
    // bound before the gateways exist; it finds them here once they do.
    let gateways: wire::Gateways = Arc::default();
    let arrivals: Arrivals = Arc::default();
    let notify_url = wire::receiver(gateways.clone(), arrivals.clone())
        .await
        .map_err(|e| CliError::Usage(format!("cannot start the notification receiver: {e}")))?;
    println!("notifications received on {notify_url}/<spec>\n");

    let mut demos = Vec::new();
    let mut skipped = Vec::new();
    for (provider, map, mut values) in loaded {
        let name = provider.name.to_string();
        let Some(map) = map else {
            skipped.push(name);
            continue;
        };
        if provider.credentials.iter().any(|c| c.name == "notify_url") {
            values.insert("notify_url".to_owned(), format!("{notify_url}/{name}"));
        }
        let credentials = client_credentials(provider, &values)
            .map_err(|e| CliError::Usage(format!("cannot build the demo's client: {e}")))?;
        let (scenario, summaries) = gateway(provider, &sandbox, &credentials, &map)?;
        let (receiving, received) = gateway(provider, &sandbox, &credentials, &map)?;
        gateways
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.clone(), (receiving, received));
        demos.push(Demo {
            name,
            provider,
            map,
            gateway: scenario,
            wire: summaries,
        });
    }

    let admin = reqwest::Client::new();
    let mut rows = Vec::new();
    for (index, demo) in demos.iter().enumerate() {
        let mut run = scenario::Run::new(scenario::Env {
            demo,
            style: &style,
            notify_url: &notify_url,
            arrivals: &arrivals,
            admin: &admin,
            sandbox: &sandbox,
        });
        run.scenario(index).await;
        rows.push(run.row());
        println!();
    }
    sandbox.shutdown.shutdown().await;
    table(&style, &rows, &skipped, started)
}

/// A gateway over `map` on the sandbox, and the summaries of its exchanges.
fn gateway(
    provider: &'static Provider,
    sandbox: &Sandbox,
    credentials: &paygen::Credentials,
    map: &GatewayMap,
) -> Result<(Arc<dyn Gateway>, Summaries), CliError> {
    let inner = ReqwestTransport::new(Duration::from_secs(2), CLIENT_TIMEOUT)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let summaries = Summaries::default();
    let transport = Wire {
        inner,
        summaries: summaries.clone(),
    };
    let name = provider.name.as_ref();
    let mut core = ClientCore::new(provider, sandbox.url(name), credentials.clone(), transport);
    // Pay-poll-cancel's waits between queries take no time.
    let clock = SkipClock::now();
    core.set_clock(clock.clone());
    core.set_sleeper(clock);
    Ok((Arc::new(MappedGateway::new(core, map.clone())), summaries))
}

/// The table, the verdict, and the exit code's error when a step failed.
fn table(
    style: &Style,
    rows: &[Row],
    skipped: &[String],
    started: Instant,
) -> Result<(), CliError> {
    let failed: usize = rows.iter().map(|r| r.failed).sum();
    let steps: usize = rows.iter().map(|r| r.ok + r.failed).sum();
    println!(
        "{:<14} {:>5} {:>7} {:>13}  {:<18}  checked",
        "provider", "steps", "failed", "not supported", "status"
    );
    for row in rows {
        let bad_text = format!("{:>7}", row.failed);
        let bad_text = if row.failed > 0 {
            style.paint("31", &bad_text)
        } else {
            bad_text
        };
        let status = row
            .status
            .as_ref()
            .map_or_else(|| String::from("-"), ToString::to_string);
        println!(
            "{:<14} {:>5} {bad_text} {:>13}  {status:<18}  {}",
            row.name,
            row.ok + row.failed,
            row.unsupported,
            row.highlights.join(", ")
        );
    }
    for name in skipped {
        println!(
            "{name:<14} {:>5} {:>7} {:>13}  {:<18}  skipped: its spec has no gateway: section",
            0, 0, 0, "-"
        );
    }
    let verdict = if failed == 0 {
        style.paint("32", "all passed")
    } else {
        style.paint("31", &format!("{failed} failed"))
    };
    println!(
        "\n{} providers, {steps} steps, {verdict} in {} ms",
        rows.len(),
        started.elapsed().as_millis()
    );
    if failed > 0 {
        return Err(CliError::Check(format!("{failed} demo steps failed")));
    }
    Ok(())
}
