//! RSA keys from credentials, and PKCS#1 v1.5 signatures with them.
//!
//! ring does the cryptography it offers (constant time, well kept): SHA-256 signing,
//! and every verification. ring refuses to sign with SHA-1, which legacy providers
//! (Alipay's `RSA`, Java's `SHA1withRSA`) still ask of merchants; the `rsa` crate signs
//! those alone. That crate carries RUSTSEC-2023-0071 (Marvin: its modular exponentiation
//! is not constant time, and no fixed release exists), so it never sees a key that
//! does not sign with SHA-1, and it signs with random blinding. ring reads PKCS#8 and
//! PKCS#1 private keys and PKCS#1 public keys; `pem-rfc7468` takes off the armour and
//! `spki` unwraps a `PUBLIC KEY`, so no DER is parsed by hand here.

use crate::crypto::key_text::der_of;
pub use crate::crypto::key_text::KeyError;
use paygen_protocol::DigestAlgorithm;
use pkcs1::der::Decode as _;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _};
use rsa::traits::PublicKeyParts as _;
use std::fmt;

/// A parsed RSA private key. Debug prints no key material.
pub struct PrivateKey(Signer);

/// Which library signs with the key.
enum Signer {
    /// ring: SHA-256.
    Ring(RsaKeyPair),
    /// The `rsa` crate: SHA-1 only.
    Sha1(rsa::pkcs1v15::SigningKey<sha1::Sha1>),
}

/// A parsed RSA public key (PKCS#1 `RSAPublicKey` DER).
pub struct PublicKey(Vec<u8>);

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(***)")
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({} bytes)", self.0.len())
    }
}

/// The smallest and largest SHA-1 signing key: legacy `RSA` merchant keys are often 1024
/// bits; ring's own limit above.
const SHA1_BITS: std::ops::RangeInclusive<usize> = 1024..=4096;

impl PrivateKey {
    /// Parses a PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`) key, PEM or bare
    /// base64, for SHA-256 signatures (2048 to 4096 bits).
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let (label, der) = der_of(text)?;
        let pair = match label.as_deref() {
            Some("PRIVATE KEY") => RsaKeyPair::from_pkcs8(&der),
            Some("RSA PRIVATE KEY") => RsaKeyPair::from_der(&der),
            Some(other) => return Err(KeyError::Label(other.to_owned(), "an RSA private key")),
            None => RsaKeyPair::from_pkcs8(&der).or_else(|_| RsaKeyPair::from_der(&der)),
        };
        pair.map(|pair| PrivateKey(Signer::Ring(pair)))
            .map_err(|_| KeyError::Private)
    }

    /// Parses the key that signs with `algorithm`: as [`PrivateKey::parse`], except
    /// that a SHA-1 (`rsa`) key may also be 1024 bits.
    pub fn parse_for(algorithm: DigestAlgorithm, text: &str) -> Result<Self, KeyError> {
        if algorithm != DigestAlgorithm::Rsa {
            return Self::parse(text);
        }
        let (label, der) = der_of(text)?;
        let key = match label.as_deref() {
            Some("PRIVATE KEY") => rsa::RsaPrivateKey::from_pkcs8_der(&der).ok(),
            Some("RSA PRIVATE KEY") => rsa::RsaPrivateKey::from_pkcs1_der(&der).ok(),
            Some(other) => return Err(KeyError::Label(other.to_owned(), "an RSA private key")),
            None => rsa::RsaPrivateKey::from_pkcs8_der(&der)
                .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_der(&der))
                .ok(),
        };
        let key = key
            .filter(|k| SHA1_BITS.contains(&(k.size() * 8)))
            .ok_or(KeyError::Sha1Private)?;
        Ok(PrivateKey(Signer::Sha1(rsa::pkcs1v15::SigningKey::new(
            key,
        ))))
    }

    /// The PKCS#1 v1.5 signature of `message` with `algorithm`'s hash.
    pub fn sign(&self, algorithm: DigestAlgorithm, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match (&self.0, algorithm) {
            (Signer::Ring(pair), DigestAlgorithm::Rsa2) => {
                let mut out = vec![0u8; pair.public().modulus_len()];
                // PKCS#1 v1.5 padding is deterministic; ring asks for a random source anyway.
                let rng = ring::rand::SystemRandom::new();
                pair.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut out)
                    .map_err(|_| KeyError::Signing)?;
                Ok(out)
            }
            (Signer::Sha1(key), DigestAlgorithm::Rsa) => {
                // The randomness only blinds the private operation against timing; the
                // signature itself is deterministic.
                let mut rng = rsa::rand_core::OsRng;
                let signature = key
                    .try_sign_with_rng(&mut rng, message)
                    .map_err(|_| KeyError::Signing)?;
                Ok(signature.to_vec())
            }
            // A key parsed for another algorithm (`parse_for` decides the library).
            _ => Err(KeyError::Signing),
        }
    }
}

impl PublicKey {
    /// Parses an SPKI (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`) key, PEM or bare
    /// base64.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let (label, der) = der_of(text)?;
        let pkcs1 = match label.as_deref() {
            Some("PUBLIC KEY") => spki_rsa(&der)?,
            Some("RSA PUBLIC KEY") => der,
            Some(other) => return Err(KeyError::Label(other.to_owned(), "an RSA public key")),
            None => spki_rsa(&der).unwrap_or(der),
        };
        // ring checks the key only when verifying; parse it now so that a bad key is a
        // credential error, not a signature mismatch.
        pkcs1::RsaPublicKey::from_der(&pkcs1).map_err(|_| KeyError::Public)?;
        Ok(PublicKey(pkcs1))
    }

    /// Reads the DER of an SPKI whose algorithm is rsaEncryption (a certificate's key).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let pkcs1 = spki_rsa(der)?;
        pkcs1::RsaPublicKey::from_der(&pkcs1).map_err(|_| KeyError::Public)?;
        Ok(PublicKey(pkcs1))
    }

    /// Whether `signature` is `algorithm`'s PKCS#1 v1.5 signature of `message`.
    pub fn verify(&self, algorithm: DigestAlgorithm, message: &[u8], signature: &[u8]) -> bool {
        let parameters: &'static signature::RsaParameters = match algorithm {
            DigestAlgorithm::Rsa2 => &signature::RSA_PKCS1_2048_8192_SHA256,
            // Legacy `RSA` keys from providers are often 1024 bits.
            DigestAlgorithm::Rsa => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            _ => return false,
        };
        UnparsedPublicKey::new(parameters, &self.0)
            .verify(message, signature)
            .is_ok()
    }
}

/// The PKCS#1 key inside an SPKI whose algorithm is rsaEncryption.
fn spki_rsa(der: &[u8]) -> Result<Vec<u8>, KeyError> {
    const RSA_ENCRYPTION: spki::ObjectIdentifier =
        spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    let info = spki::SubjectPublicKeyInfoRef::try_from(der).map_err(|_| KeyError::Public)?;
    if info.algorithm.oid != RSA_ENCRYPTION {
        return Err(KeyError::Public);
    }
    info.subject_public_key
        .as_bytes()
        .map(<[u8]>::to_vec)
        .ok_or(KeyError::Public)
}
