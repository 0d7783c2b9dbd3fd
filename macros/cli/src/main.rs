//! `paygen`: generate provider crates, render signed requests, verify responses and
//! notifications, describe specs. Exit code 2 for bad input, 1 for a failed check, 3
//! for a genuine reply stating a business refusal.

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

/// The exit codes of `verify-response`, shown by its `--help`.
const VERIFY_RESPONSE_EXIT: &str = "\
Exit status:
  0  success: signature verified (or the protocol does not sign the reply), every
     field fits the operation's response table, and the success rule holds
  1  refused message: signature mismatch, undecodable body, or a field breaking the
     response table (required field absent, wrong type, longer than max_length)
  2  bad input: spec, operation, credentials or arguments
  3  business refusal the reply states (its success rule fails): signature verified,
     an unsigned error reply, or a protocol that does not sign; stderr says which. A
     refusal need not carry the success fields; those it carries must fit the table";

/// The exit codes of `verify-notify`, shown by its `--help`.
const VERIFY_NOTIFY_EXIT: &str = "\
Exit status:
  0  accepted: signature verified (or the protocol does not sign it) and every field
     fits the notification's field table
  1  refused message: signature mismatch, undecodable, or a field breaking the table
     (required field absent, wrong type, longer than max_length)
  2  bad input: spec, notification, credentials or arguments";

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
    /// Verify a response over the raw received values and its response table, and print
    /// its business fields.
    #[command(after_help = VERIFY_RESPONSE_EXIT)]
    VerifyResponse {
        /// The spec file.
        spec: PathBuf,
        /// Operation name.
        operation: String,
        /// Credentials by the document's names: a JSON object, or @FILE holding one.
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
    /// Verify an inbound notification and its field table, and print its fields and the
    /// acknowledgement.
    #[command(after_help = VERIFY_NOTIFY_EXIT)]
    VerifyNotify {
        /// The spec file.
        spec: PathBuf,
        /// Notification name (default: the spec's first).
        notification: Option<String>,
        /// Credentials by the document's names: a JSON object, or @FILE holding one.
        #[arg(long)]
        credentials: String,
        /// The query string of a GET notification.
        #[arg(long, conflicts_with = "body", required_unless_present = "body")]
        query: Option<String>,
        /// The raw body of a POST notification.
        #[arg(long)]
        body: Option<String>,
        /// A received header, `Name: value`; repeatable (a signature in a header).
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
    /// Render every example with a `request_body` and compare byte for byte (exit 1 on
    /// a mismatch, showing the first difference).
    Check {
        /// The spec file.
        spec: PathBuf,
        /// Pins every nonce to exactly this text, whatever its length in the spec.
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

/// A failure of a command: bad input (exit 2), a failed check (exit 1), or a genuine
/// message stating a business refusal (exit 3).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The input cannot be used.
    #[error("{0}")]
    Usage(String),
    /// A check ran and failed.
    #[error("{0}")]
    Check(String),
    /// The message passed every check and states a business refusal.
    #[error("{0}")]
    Refused(String),
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
            headers,
            now,
            explain,
        } => verify::notification(
            &spec,
            notification.as_deref(),
            &credentials,
            query.or(body).unwrap_or_default().as_str(),
            &headers,
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
        // Not `error:`: the check passed, and the refusal is what the message says.
        Err(CliError::Refused(message)) => {
            eprintln!("{message}");
            ExitCode::from(3)
        }
    }
}
