//! The sandbox's throwaway key pairs (`macros/codegen/sandbox-keys/`, see its README):
//! RSA-2048 for RSA-signed specs (Alipay), SM2 for SM2-signed ones. Public on purpose;
//! they protect nothing. They live beside the generator because a generated client's
//! `Credentials::sandbox()` carries the merchant's halves.

use paygen_protocol::SignatureScheme;

/// The merchant's private key: a client signs requests with it (Alipay
/// `app_private_key`).
pub const MERCHANT_PRIVATE_KEY: &str = include_str!("../../sandbox-keys/merchant_private_key.pem");
/// The merchant's public key: the sandbox verifies requests with it (Alipay
/// `app_public_key`).
pub const MERCHANT_PUBLIC_KEY: &str = include_str!("../../sandbox-keys/merchant_public_key.pem");
/// The provider's private key: the sandbox signs replies and notifications with it
/// (Alipay `alipay_private_key`).
pub const PROVIDER_PRIVATE_KEY: &str = include_str!("../../sandbox-keys/provider_private_key.pem");
/// The provider's public key: a client verifies replies and notifications with it
/// (Alipay `alipay_public_key`).
pub const PROVIDER_PUBLIC_KEY: &str = include_str!("../../sandbox-keys/provider_public_key.pem");

/// The two key pairs of one signature scheme.
#[derive(Debug, Clone, Copy)]
pub struct KeyPairs {
    /// The merchant's private key (signs requests).
    pub merchant_private: &'static str,
    /// The merchant's public key (the sandbox verifies requests).
    pub merchant_public: &'static str,
    /// The provider's private key (the sandbox signs replies and notifications).
    pub provider_private: &'static str,
    /// The provider's public key (a client verifies replies and notifications).
    pub provider_public: &'static str,
}

/// The RSA pairs.
pub const RSA: KeyPairs = KeyPairs {
    merchant_private: MERCHANT_PRIVATE_KEY,
    merchant_public: MERCHANT_PUBLIC_KEY,
    provider_private: PROVIDER_PRIVATE_KEY,
    provider_public: PROVIDER_PUBLIC_KEY,
};

/// The SM2 pairs (PKCS#8 and SPKI PEM).
pub const SM2: KeyPairs = KeyPairs {
    merchant_private: include_str!("../../sandbox-keys/sm2_merchant_private_key.pem"),
    merchant_public: include_str!("../../sandbox-keys/sm2_merchant_public_key.pem"),
    provider_private: include_str!("../../sandbox-keys/sm2_provider_private_key.pem"),
    provider_public: include_str!("../../sandbox-keys/sm2_provider_public_key.pem"),
};

/// The pairs of `scheme`.
pub fn pair(scheme: SignatureScheme) -> KeyPairs {
    match scheme {
        SignatureScheme::RsaPkcs1 => RSA,
        SignatureScheme::Sm2 => SM2,
    }
}
