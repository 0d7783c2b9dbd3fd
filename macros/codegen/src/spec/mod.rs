//! The spec: its model, loading with positions, and validation.

pub mod load;
pub mod model;
pub mod request_values;
pub mod resolve;
pub mod validate;

pub use load::{decode_text, load_file, parse_str, LoadedSpec, SpecError, SpecErrors};
pub use validate::ValidSpec;
