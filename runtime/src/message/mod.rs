//! Messages: a request encoded through its envelope, payload codec and recipe; a received
//! reply, notification or request decoded once, verified over its raw values, and
//! checked against the spec's field tables.

pub mod decode;
pub mod encode;
pub mod payload;
pub mod received;
pub mod receiver;
pub mod seen;
pub mod signature_header;
pub(crate) mod signed_value;
pub mod validate;
