//! Private and public keys of the public-key signature steps (RSA, SM2), parsed from
//! credentials. Errors name what is wrong, never the key's bytes.

use crate::crypto::certs::{Cert, PublicKeyInfo};
use crate::crypto::key_text::is_certificate;
pub use crate::crypto::key_text::KeyError;
use crate::crypto::rsa_keys;
use crate::crypto::sm2_keys;
use paygen_protocol::{DigestAlgorithm, SignatureForm, SignatureScheme};

/// A private key that signs one algorithm's steps. Debug prints no key material.
#[derive(Debug)]
pub enum SigningKey {
    /// RSA.
    Rsa(Box<rsa_keys::PrivateKey>),
    /// SM2.
    Sm2(sm2_keys::PrivateKey),
}

/// A public key that verifies one algorithm's signatures.
#[derive(Debug)]
pub enum VerifyingKey {
    /// RSA.
    Rsa(rsa_keys::PublicKey),
    /// SM2.
    Sm2(sm2_keys::PublicKey),
}

impl SigningKey {
    /// Parses the private key that signs with `algorithm`.
    pub fn parse(algorithm: DigestAlgorithm, text: &str) -> Result<Self, KeyError> {
        match algorithm.scheme() {
            Some(SignatureScheme::RsaPkcs1) => {
                rsa_keys::PrivateKey::parse_for(algorithm, text).map(|k| Self::Rsa(Box::new(k)))
            }
            Some(SignatureScheme::Sm2) => sm2_keys::PrivateKey::parse(text).map(Self::Sm2),
            None => Err(KeyError::NotSignature(algorithm.name())),
        }
    }

    /// `algorithm`'s signature of `message`, its bytes in `form` (SM2 only; an RSA
    /// signature has one form).
    pub fn sign(
        &self,
        algorithm: DigestAlgorithm,
        message: &[u8],
        form: SignatureForm,
    ) -> Result<Vec<u8>, KeyError> {
        match self {
            Self::Rsa(key) => key.sign(algorithm, message),
            Self::Sm2(key) => key.sign(message, form),
        }
    }
}

impl VerifyingKey {
    /// Parses the public key that verifies `algorithm`'s signatures: a public key, or
    /// an X.509 certificate (PEM `CERTIFICATE`) whose key it is. A configured
    /// certificate is trusted as configured: only its key is read.
    pub fn parse(algorithm: DigestAlgorithm, text: &str) -> Result<Self, KeyError> {
        let Some(scheme) = algorithm.scheme() else {
            return Err(KeyError::NotSignature(algorithm.name()));
        };
        if is_certificate(text) {
            return Self::from_public_key_info(&Cert::parse(text)?.public_key(scheme)?);
        }
        match scheme {
            SignatureScheme::RsaPkcs1 => rsa_keys::PublicKey::parse(text).map(Self::Rsa),
            SignatureScheme::Sm2 => sm2_keys::PublicKey::parse(text).map(Self::Sm2),
        }
    }

    /// The key a certificate carries, read from its SPKI DER.
    pub fn from_public_key_info(info: &PublicKeyInfo) -> Result<Self, KeyError> {
        match info.scheme {
            SignatureScheme::RsaPkcs1 => {
                rsa_keys::PublicKey::from_spki_der(&info.der).map(Self::Rsa)
            }
            SignatureScheme::Sm2 => sm2_keys::PublicKey::from_spki_der(&info.der).map(Self::Sm2),
        }
    }

    /// Whether `signature` (its bytes in `form`) is `algorithm`'s signature of `message`.
    pub fn verify(
        &self,
        algorithm: DigestAlgorithm,
        message: &[u8],
        signature: &[u8],
        form: SignatureForm,
    ) -> bool {
        match self {
            Self::Rsa(key) => key.verify(algorithm, message, signature),
            Self::Sm2(key) => key.verify(message, signature, form),
        }
    }
}
