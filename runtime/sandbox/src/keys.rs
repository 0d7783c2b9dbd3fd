//! The sandbox's throwaway key pairs: RSA-2048 for RSA-signed specs (Alipay), SM2 for
//! SM2-signed ones. Public on purpose; they protect nothing. The generator holds them
//! (`paygen_codegen::stand_in::keys`), so that a generated client's
//! `Credentials::sandbox()` and the sandbox use the same ones.

pub use paygen_codegen::stand_in::keys::*;
