//! `paygen request`: the exact signed HTTP request, through the same runtime the
//! generated clients use.

use crate::{input, CliError};
use paygen::tooling::encode::{encode_request, RequestContext};
use paygen::tooling::SigningTrace;
use paygen::wire::fields_from_json_text;
use paygen::{ExactNonce, FixedClock, RandomNonce, SystemClock};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// The arguments of `paygen request`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The spec file, e.g. specs/mct1.yaml.
    pub spec: PathBuf,
    /// Operation name, e.g. paylist.
    pub operation: String,
    /// Credentials by the document's names: a JSON object, or @FILE holding one.
    #[arg(long)]
    pub credentials: String,
    /// Business parameters by wire names: a JSON object, or @FILE holding one.
    #[arg(long, default_value = "{}")]
    pub params: String,
    /// Clock value, Unix seconds (default: now).
    #[arg(long)]
    pub now: Option<i64>,
    /// Pins every nonce to exactly this text, whatever the nonce's length in the spec
    /// (a document example's nonce); default: random.
    #[arg(long)]
    pub nonce: Option<String>,
    /// Environment name (default: the spec's first).
    #[arg(long)]
    pub env: Option<String>,
    /// Print one JSON object {method, url, headers, body}.
    #[arg(long)]
    pub json: bool,
    /// Also show the string to sign (secrets masked) and each digest step.
    #[arg(long)]
    pub explain: bool,
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let loaded = input::spec(&args.spec)?;
    let provider = &loaded.provider;
    let operation = input::operation(provider, &args.operation)?;
    let base_url = &input::environment(provider, args.env.as_deref())?.base_url;
    let credentials = input::credentials(provider, &args.credentials)?;
    // From the text: a number given for a string or yuan field keeps its exact text.
    let params = input::json_argument("params", &args.params)?;
    input::object("params", &params)?;
    let fields = fields_from_json_text(&operation.request, &params)
        .map_err(|e| CliError::Usage(input::with_suggestion(e, &operation.request)))?;
    let fields = paygen::tooling::validate::apply_sent_as(operation, fields);
    let fixed;
    let system = SystemClock;
    let clock: &dyn paygen::Clock = match args.now {
        Some(seconds) => {
            fixed = FixedClock::at_unix_seconds(seconds);
            &fixed
        }
        None => &system,
    };
    let random = RandomNonce;
    let pinned = args.nonce.clone().map(ExactNonce);
    let nonce: &dyn paygen::NonceSource = match &pinned {
        Some(pinned) => pinned,
        None => &random,
    };
    let context = RequestContext {
        base_url,
        credentials: &credentials,
        clock,
        nonce,
    };
    let mut trace = SigningTrace::default();
    let request = encode_request(provider, operation, &fields, &context, Some(&mut trace))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    // The trace is filled only when the request was signed.
    let signed = !trace.signature.is_empty();
    if args.json {
        // A header carrying a secret (HTTP Basic, an API key) is never printed.
        let headers: Map<String, Value> = request
            .headers_shown()
            .map(|(n, v)| (n.to_owned(), Value::String(v.to_owned())))
            .collect();
        let mut object = json!({
            "method": request.method,
            "url": request.url,
            "headers": headers,
            "body": request.body,
        });
        if args.explain && signed {
            object["signing"] = json!({
                "input": trace.input,
                "canonical": trace.canonical,
                "string_to_sign": trace.string_to_sign,
                "digests": trace.digests.iter().map(|d| json!({
                    "algorithm": d.algorithm.name(),
                    "output": d.output,
                })).collect::<Vec<_>>(),
                "signature": trace.signature,
            });
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&object).unwrap_or_default()
        );
        return Ok(());
    }
    println!("{} {}", request.method, request.url);
    for (name, value) in request.headers_shown() {
        println!("{name}: {value}");
    }
    println!();
    println!("{}", request.body);
    if args.explain && signed {
        println!();
        println!("# signing ({})", trace.input);
        print_stages(&trace, 17);
        println!("signature:        {}", trace.signature);
    }
    Ok(())
}

/// Prints a trace's canonical string, string to sign and digest steps, one per line,
/// labels padded to `width`.
pub fn print_stages(trace: &SigningTrace, width: usize) {
    if let Some(canonical) = &trace.canonical {
        println!("{:<width$} {canonical}", "canonical string:");
    }
    println!("{:<width$} {}", "string to sign:", trace.string_to_sign);
    for step in &trace.digests {
        println!(
            "{:<width$} {}",
            format!("{}:", step.algorithm.name()),
            step.output
        );
    }
}
