//! `paygen generate [--check]`: the build step. Run from the workspace root.

use crate::CliError;
use paygen_codegen::generate::{
    crate_files, is_current, spec_paths, write_if_changed, FileStatus, GenerateError, GeneratedFile,
};
use paygen_codegen::schema::schema_json;
use std::path::{Path, PathBuf};

/// Every file generation wants, in a deterministic order.
fn wanted(root: &Path) -> Result<Vec<GeneratedFile>, CliError> {
    let mut files = vec![GeneratedFile {
        path: PathBuf::from("specs/schema.json"),
        content: schema_json(),
    }];
    let specs = spec_paths(root).map_err(|e| {
        CliError::Usage(format!(
            "cannot read {}: {e} (run from the workspace root)",
            root.join("specs").display()
        ))
    })?;
    for path in specs {
        let relative = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let loaded =
            paygen_codegen::load_file(&path).map_err(|e| CliError::Usage(e.to_string()))?;
        for warning in loaded.warnings().0 {
            eprintln!("warning: {warning}");
        }
        let crate_files = crate_files(&loaded, &relative).map_err(|e| match e {
            GenerateError::Spec(errors) => CliError::Usage(errors.to_string()),
            other => CliError::Usage(format!("{relative}: {other}")),
        })?;
        files.extend(crate_files);
    }
    Ok(files)
}

pub fn run(check: bool) -> Result<(), CliError> {
    let root = Path::new(".");
    let files = wanted(root)?;
    if check {
        let stale: Vec<String> = files
            .iter()
            .filter(|f| !is_current(root, f))
            .map(|f| f.path.display().to_string())
            .collect();
        if stale.is_empty() {
            println!("generated code is current ({} files)", files.len());
            return Ok(());
        }
        return Err(CliError::Check(format!(
            "generated files are stale, run `cargo run -q --bin paygen -- generate`: {}",
            stale.join(", ")
        )));
    }
    let mut written = 0;
    for file in &files {
        let status = write_if_changed(root, file)
            .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", file.path.display())))?;
        if status == FileStatus::Written {
            println!("wrote {}", file.path.display());
            written += 1;
        }
    }
    println!("{written} of {} files changed", files.len());
    Ok(())
}
