//! Cryptography: digests and their chains, HMAC, RSA and SM2 signatures, AES ciphers,
//! keys parsed from credentials, and secrets that never print. It knows nothing of
//! messages: it turns bytes and keys into bytes.

pub mod certs;
pub mod cipher;
pub mod credentials;
pub mod digest;
pub mod key_text;
pub mod keys;
pub mod rsa_keys;
pub mod secret;
pub mod sm2_keys;
