//! `paygen`: generate provider crates, render signed requests, verify responses and
//! notifications, describe specs. Exit code 2 for bad input, 1 for a failed check.

mod check;
mod demo;
mod describe;
mod generate;
mod input;
mod request;
mod serve;
mod verify;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Declarative payment-provider protocols: one YAML spec per provider.
#[derive(Debug, Parser)]
#[command(name = "paygen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the sandbox and run a payment's lifecycle against every provider: pay,
    /// notification, query, refund, cancel or close, each verified.
    Demo,
    /// Write generated/<name>/ for every spec in specs/ and specs/schema.json.
    Generate {
        /// Change nothing; exit 1 if any generated file is stale.
        #[arg(long)]
        check: bool,
    },
    /// Render the exact signed HTTP request of an operation without sending it.
    Request(request::Args),
    /// Verify a response over the raw received values and print its business fields.
    VerifyResponse {
        /// The spec file.
        spec: PathBuf,
        /// Operation name.
        operation: String,
        /// Credentials as a JSON object.
        #[arg(long)]
        credentials: String,
        /// The raw response body.
        #[arg(long)]
        body: String,
        /// A received header, `Name: value`; repeatable.
        #[arg(long = "header")]
        headers: Vec<String>,
        /// The receiver's clock, Unix seconds (default: now), for freshness windows.
        #[arg(long)]
        now: Option<i64>,
        /// Also show the string to sign built from the received values (secrets
        /// masked), each digest, and the expected and received signatures.
        #[arg(long)]
        explain: bool,
    },
    /// Verify an inbound notification and print its fields and the acknowledgement.
    VerifyNotify {
        /// The spec file.
        spec: PathBuf,
        /// Notification name (default: the spec's first).
        notification: Option<String>,
        /// Credentials as a JSON object.
        #[arg(long)]
        credentials: String,
        /// The query string of a GET notification.
        #[arg(long, conflicts_with = "body", required_unless_present = "body")]
        query: Option<String>,
        /// The raw body of a POST notification.
        #[arg(long)]
        body: Option<String>,
        /// The receiver's clock, Unix seconds (default: now), for freshness windows.
        #[arg(long)]
        now: Option<i64>,
        /// Also show the string to sign built from the received values (secrets
        /// masked), each digest, and the expected and received signatures.
        #[arg(long)]
        explain: bool,
    },
    /// Render every example with a `request_body` and compare byte for byte (exit 1 on
    /// a mismatch, showing the first difference).
    Check {
        /// The spec file.
        spec: PathBuf,
        /// Pins every nonce field to this text (repeated to the field's length).
        #[arg(long)]
        nonce: Option<String>,
    },
    /// Run the sandbox: every spec served under http://ADDR/<spec name>.
    Serve(serve::Args),
    /// List a spec's operations, fields and notifications.
    Describe {
        /// The spec file.
        spec: PathBuf,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A failure of a command: bad input (exit 2) or a failed check (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The input cannot be used.
    #[error("{0}")]
    Usage(String),
    /// A check ran and failed.
    #[error("{0}")]
    Check(String),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Demo => demo::run(),
        Command::Generate { check } => generate::run(check),
        Command::Request(args) => request::run(&args),
        Command::VerifyResponse {
            spec,
            operation,
            credentials,
            body,
            headers,
            now,
            explain,
        } => verify::response(
            &spec,
            &operation,
            &credentials,
            &body,
            &headers,
            now,
            explain,
        ),
        Command::VerifyNotify {
            spec,
            notification,
            credentials,
            query,
            body,
            now,
            explain,
        } => verify::notification(
            &spec,
            notification.as_deref(),
            &credentials,
            query.or(body).unwrap_or_default().as_str(),
            now,
            explain,
        ),
        Command::Check { spec, nonce } => check::run(&spec, nonce.as_deref()),
        Command::Describe { spec, json } => describe::run(&spec, json),
        Command::Serve(args) => serve::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(CliError::Check(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}
