//! The generator over a corpus of malformed and tricky specs (`tests/corpus/`): every
//! `err_*.yaml` is a clean error with a real position, every `ok_*.yaml` generates
//! code that parses and is formatted, and nothing panics.

use paygen_codegen::generate::crate_files;
use paygen_codegen::{decode_text, parse_str, LoadedSpec};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// What the generator made of one corpus file.
enum Outcome {
    /// Errors, as `file:line:column: message`, with whether each is well positioned.
    Errors(Vec<(String, bool)>),
    /// The generated `provider.rs`.
    Generated(String),
}

fn run(path: &Path) -> Result<Outcome, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let errors = |errors: paygen_codegen::SpecErrors| {
        Outcome::Errors(
            errors
                .0
                .iter()
                .map(|e| {
                    let positioned = e.line >= 1 && e.column >= 1 && !e.message.trim().is_empty();
                    (e.to_string(), positioned)
                })
                .collect(),
        )
    };
    let text = match decode_text(&bytes, &file) {
        Ok(text) => text,
        Err(e) => return Ok(errors(e)),
    };
    let spec = match parse_str(text, &file) {
        Ok(spec) => spec,
        Err(e) => return Ok(errors(e)),
    };
    let loaded = LoadedSpec {
        path: path.to_owned(),
        spec,
    };
    let files = crate_files(&loaded, &file).map_err(|e| format!("validated but: {e}"))?;
    let provider = files
        .iter()
        .find(|f| f.path.ends_with("provider.rs"))
        .ok_or("no provider.rs")?;
    Ok(Outcome::Generated(provider.content.clone()))
}

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn every_corpus_spec_is_a_positioned_error_or_formatted_code() {
    let paths = corpus();
    assert!(paths.len() >= 60, "only {} corpus specs", paths.len());
    let mut failures = Vec::new();
    let (mut errors, mut generated) = (0, 0);
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let expect_error = name.starts_with("err_");
        // A panic is a failure naming the file, not the end of the test.
        let outcome = match catch_unwind(AssertUnwindSafe(|| run(path))) {
            Err(_) => {
                failures.push(format!("{name}: panicked"));
                continue;
            }
            Ok(Err(message)) => {
                failures.push(format!("{name}: {message}"));
                continue;
            }
            Ok(Ok(outcome)) => outcome,
        };
        match outcome {
            Outcome::Errors(list) => {
                errors += 1;
                if !expect_error {
                    failures.push(format!("{name}: expected code, got {list:?}"));
                }
                for (error, positioned) in list {
                    if !positioned {
                        failures.push(format!("{name}: no position: {error}"));
                    }
                }
            }
            Outcome::Generated(code) => {
                generated += 1;
                if expect_error {
                    failures.push(format!("{name}: expected an error, but it generated"));
                }
                let body = code.split_once('\n').map_or("", |(_, rest)| rest);
                match syn::parse_file(body) {
                    Err(e) => failures.push(format!("{name}: generated code does not parse: {e}")),
                    Ok(file) => {
                        if prettyplease::unparse(&file).trim() != body.trim() {
                            failures.push(format!("{name}: generated code is not formatted"));
                        }
                    }
                }
            }
        }
    }
    println!(
        "corpus: {} specs, {errors} clean errors, {generated} generated",
        paths.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
