//! Reading a spec file: YAML to the typed model, then validation; every error carries
//! the file, line and column.
//!
//! YAML is read with serde-saphyr: serde_yaml is archived upstream, and serde-saphyr is
//! maintained, panic-free on any input, reports line and column for every error, and
//! keeps the position of any value wrapped in `Spanned` for validation errors.

use super::model::Spec;
use super::request_values::lift_request_values;
use super::resolve::resolve;
use super::validate::{validate, Problem, ValidSpec};
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
    pub spec: ValidSpec,
}

impl LoadedSpec {
    /// The spec's warnings, naming the file: valid, but a reviewer should know.
    pub fn warnings(&self) -> SpecErrors {
        SpecErrors::of_problems(
            &self.path.display().to_string(),
            self.spec.warnings().to_vec(),
        )
    }
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
///
/// Every problem is reported, not only the first: an unknown key on a line of its own
/// (the usual typo) is recorded and set aside, and parsing goes on, so that the other
/// unknown keys and then every validation problem come out in one run. Any other
/// shape error stops there, since what follows it cannot be read reliably.
pub fn parse_str(text: &str, file: &str) -> Result<ValidSpec, SpecErrors> {
    let mut errors = Vec::new();
    let mut remaining = text.to_owned();
    loop {
        match parse_shape(&remaining) {
            Ok(mut spec) => {
                lift_request_values(&mut spec);
                let mut problems = resolve(&mut spec);
                match validate(spec) {
                    Ok(valid) if problems.is_empty() && errors.is_empty() => return Ok(valid),
                    Ok(_) => {}
                    Err(more) => problems.extend(more),
                }
                errors.extend(SpecErrors::of_problems(file, problems).0);
                return Err(SpecErrors(errors));
            }
            // A required key missing after a misspelt one was set aside is that same
            // typo (`summery` for `summary`), already reported.
            Err((_, _, message)) if !errors.is_empty() && message.starts_with("missing field") => {
                return Err(SpecErrors(errors));
            }
            Err((line, column, message)) => {
                let unknown_key = message.starts_with("unknown field");
                errors.push(SpecError {
                    file: file.to_owned(),
                    line,
                    column,
                    message,
                });
                match without_entry(&remaining, line, column) {
                    Some(rest) if unknown_key && errors.len() < MAX_SHAPE_ERRORS => {
                        remaining = rest;
                    }
                    _ => return Err(SpecErrors(errors)),
                }
            }
        }
    }
}

/// How many unknown keys are set aside before giving up on the rest.
const MAX_SHAPE_ERRORS: usize = 50;

/// The typed model of `text`, or the first shape error as (line, column, message).
fn parse_shape(text: &str) -> Result<Spec, (u64, u64, String)> {
    // Booleans are `true` or `false` only: YAML 1.1's `yes`/`no`/`on`/`off` would make
    // a typo or a Norwegian country code a silent `true`.
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(text, options).map_err(|error| {
        let (line, column) = error
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let rendered = error.without_snippet().to_string();
        let first = rendered.lines().next().unwrap_or("invalid spec").trim();
        // The position is reported separately, as `file:line:column`.
        let message = match first.rfind(" at line ") {
            Some(index) => &first[..index],
            None => first,
        };
        (
            line,
            column,
            explained(message, scalar_at(text, line, column)),
        )
    })
}

/// The parser's `message` in the spec writer's terms: the nearest expected name after
/// an unknown key or value, and the kind of number wanted with what was found instead
/// of the parser's type name (`invalid u32`).
fn explained(message: &str, found: Option<&str>) -> String {
    if message.starts_with("unknown field") || message.starts_with("unknown variant") {
        let given = message.split('`').nth(1).unwrap_or_default();
        let expected = message
            .split_once("expected ")
            .map(|(_, list)| list)
            .unwrap_or_default();
        let names = expected
            .split([',', ' '])
            .map(|n| n.trim_matches('`'))
            .filter(|n| !n.is_empty() && !matches!(*n, "one" | "of" | "or"));
        let hint = crate::suggest::suggestion(given, names);
        // Right after the name, where the eye is: the list of every key comes after.
        return match message.split_once(", expected") {
            Some((head, tail)) => format!("{head}{hint}, expected{tail}"),
            None => format!("{message}{hint}"),
        };
    }
    let number = match message.strip_prefix("invalid ") {
        Some("u8") => "a whole number from 0 to 255",
        Some("u16") => "a whole number from 0 to 65535",
        Some("u32") => "a whole number from 0 to 4294967295",
        Some("u64" | "usize") => "a whole number from 0 to 18446744073709551615",
        Some("i8" | "i16" | "i32" | "i64" | "isize") => "an integer",
        _ => return message.to_owned(),
    };
    match found {
        Some(found) => format!("expected {number}, found `{found}`"),
        None => format!("expected {number}"),
    }
}

/// The plain scalar starting at `line`:`column` (1-based) of `text`, up to the end of
/// its flow item.
fn scalar_at(text: &str, line: u64, column: u64) -> Option<&str> {
    let row = text
        .lines()
        .nth(usize::try_from(line).ok()?.checked_sub(1)?)?;
    let start = row
        .char_indices()
        .nth(usize::try_from(column).ok()?.checked_sub(1)?)?
        .0;
    let rest = &row[start..];
    let end = rest.find([',', '}', ']', '#']).unwrap_or(rest.len());
    Some(rest[..end].trim()).filter(|s| !s.is_empty())
}

/// `text` with the block mapping entry whose key starts at `line`:`column` (1-based)
/// blanked, its nested lines too; `None` unless the key stands at the start of its line
/// (after indentation or a list dash), where removing it cannot change anything else.
/// Blank lines keep every later position as it was.
fn without_entry(text: &str, line: u64, column: u64) -> Option<String> {
    let index = usize::try_from(line).ok()?.checked_sub(1)?;
    let column = usize::try_from(column).ok()?.checked_sub(1)?;
    let lines: Vec<&str> = text.split('\n').collect();
    let target = lines.get(index)?;
    let before: String = target.chars().take(column).collect();
    if !before.chars().all(|c| c == ' ') {
        return None;
    }
    let mut out: Vec<&str> = lines.clone();
    out[index] = "";
    for (offset, next) in lines.iter().enumerate().skip(index + 1) {
        let indent = next.len() - next.trim_start_matches(' ').len();
        if next.trim().is_empty() || indent > column {
            out[offset] = "";
        } else {
            break;
        }
    }
    Some(out.join("\n"))
}
