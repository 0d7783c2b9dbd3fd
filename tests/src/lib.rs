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
