//! The sandbox's throwaway RSA-2048 key pairs (`runtime/sandbox/keys/`, see its
//! README): the defaults for RSA-signed specs (Alipay). Public on purpose; they protect
//! nothing.

/// The merchant's private key: a client signs requests with it (Alipay
/// `app_private_key`).
pub const MERCHANT_PRIVATE_KEY: &str = include_str!("../keys/merchant_private_key.pem");
/// The merchant's public key: the sandbox verifies requests with it (Alipay
/// `app_public_key`).
pub const MERCHANT_PUBLIC_KEY: &str = include_str!("../keys/merchant_public_key.pem");
/// The provider's private key: the sandbox signs replies and notifications with it
/// (Alipay `alipay_private_key`).
pub const PROVIDER_PRIVATE_KEY: &str = include_str!("../keys/provider_private_key.pem");
/// The provider's public key: a client verifies replies and notifications with it
/// (Alipay `alipay_public_key`).
pub const PROVIDER_PUBLIC_KEY: &str = include_str!("../keys/provider_public_key.pem");
