//! Reading a spec file: YAML to the typed model, then validation; every error carries
//! the file, line and column.
//!
//! YAML is read with serde-saphyr: serde_yaml is archived upstream, and serde-saphyr is
//! maintained, panic-free on any input, reports line and column for every error, and
//! keeps the position of any value wrapped in `Spanned` for validation errors.

use super::model::Spec;
use super::resolve::resolve;
use super::validate::{validate, Problem};
use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in a spec, at a place in its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct SpecError {
    /// The spec file as given.
    pub file: String,
    /// 1-based line (0 when the problem is the file itself).
    pub line: u64,
    /// 1-based column.
    pub column: u64,
    /// What is wrong and what was expected.
    pub message: String,
}

/// Every problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

impl SpecErrors {
    /// Validation problems of the spec `file`, as errors naming it.
    pub fn of_problems(file: &str, problems: Vec<Problem>) -> Self {
        SpecErrors(
            problems
                .into_iter()
                .map(|p| SpecError {
                    file: file.to_owned(),
                    line: p.line,
                    column: p.column,
                    message: p.message,
                })
                .collect(),
        )
    }
}

/// A parsed and validated spec with the path it came from.
#[derive(Debug)]
pub struct LoadedSpec {
    /// The file it was read from.
    pub path: PathBuf,
    /// The spec.
    pub spec: Spec,
}

/// Reads, parses and validates the spec at `path`.
pub fn load_file(path: &Path) -> Result<LoadedSpec, SpecErrors> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        SpecErrors(vec![SpecError {
            file: file.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read spec: {e}"),
        }])
    })?;
    let text = decode_text(&bytes, &file)?;
    let spec = parse_str(text, &file)?;
    Ok(LoadedSpec {
        path: path.to_owned(),
        spec,
    })
}

/// The bytes of a spec file as text; not UTF-8 is an error at the first invalid byte
/// (1-based line, and column counted in characters).
pub fn decode_text<'b>(bytes: &'b [u8], file: &str) -> Result<&'b str, SpecErrors> {
    std::str::from_utf8(bytes).map_err(|error| {
        // Everything before `valid_up_to` is valid UTF-8.
        let before = bytes
            .get(..error.valid_up_to())
            .and_then(|valid| std::str::from_utf8(valid).ok())
            .unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        SpecErrors(vec![SpecError {
            file: file.to_owned(),
            line: line as u64,
            column: column as u64,
            message: "the spec is not UTF-8 text".to_owned(),
        }])
    })
}

/// Parses and validates spec text; `file` names it in errors.
pub fn parse_str(text: &str, file: &str) -> Result<Spec, SpecErrors> {
    // Booleans are `true` or `false` only: YAML 1.1's `yes`/`no`/`on`/`off` would make
    // a typo or a Norwegian country code a silent `true`.
    let options = serde_saphyr::options! { strict_booleans: true };
    let mut spec: Spec = serde_saphyr::from_str_with_options(text, options).map_err(|error| {
        let (line, column) = error
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let rendered = error.without_snippet().to_string();
        let first = rendered.lines().next().unwrap_or("invalid spec").trim();
        // The position is reported separately, as `file:line:column`.
        let message = match first.rfind(" at line ") {
            Some(index) => first[..index].to_owned(),
            None => first.to_owned(),
        };
        SpecErrors(vec![SpecError {
            file: file.to_owned(),
            line,
            column,
            message,
        }])
    })?;
    let mut problems = resolve(&mut spec);
    problems.extend(validate(&spec));
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(SpecErrors::of_problems(file, problems))
    }
}
