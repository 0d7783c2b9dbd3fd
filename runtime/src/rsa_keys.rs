//! RSA keys from credentials, and PKCS#1 v1.5 signatures with them.
//!
//! ring does the cryptography (constant time, well kept; the `rsa` crate carries
//! RUSTSEC-2023-0071). ring reads PKCS#8 and PKCS#1 private keys and PKCS#1 public
//! keys; `pem-rfc7468` takes off the armour and `spki` unwraps a `PUBLIC KEY`, so no
//! DER is parsed by hand here. Errors name what is wrong, never the key's bytes.

use base64::Engine as _;
use paygen_protocol::DigestAlgorithm;
use pkcs1::der::Decode as _;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use std::fmt;

/// Why a key credential cannot be used. Never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The PEM armour is malformed.
    #[error("not a valid PEM document")]
    Pem,
    /// The text is neither PEM nor base64.
    #[error("neither PEM nor base64 text")]
    Base64,
    /// A PEM label this key cannot be.
    #[error("PEM label `{0}` is not an RSA {1} key")]
    Label(String, &'static str),
    /// The DER inside is not a usable RSA private key.
    #[error("not an RSA private key in PKCS#8 or PKCS#1 form, or not 2048 to 4096 bits")]
    Private,
    /// The DER inside is not an RSA public key.
    #[error("not an RSA public key in SPKI or PKCS#1 form")]
    Public,
    /// ring signs with SHA-256 and up only.
    #[error("RSA signing with SHA-1 is not supported; use rsa2 (SHA-256)")]
    Sha1Signing,
    /// Signing failed inside ring.
    #[error("RSA signing failed")]
    Signing,
}

/// A parsed RSA private key. Debug prints no key material.
pub struct PrivateKey(RsaKeyPair);

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

/// The DER inside PEM armour (with its label), or inside bare base64 (no label).
fn der_of(text: &str) -> Result<(Option<String>, Vec<u8>), KeyError> {
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        let (label, der) = pem_rfc7468::decode_vec(text.as_bytes()).map_err(|_| KeyError::Pem)?;
        return Ok((Some(label.to_owned()), der));
    }
    // Alipay's console shows keys as one base64 line without armour; copies often
    // carry line breaks or spaces.
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| KeyError::Base64)?;
    Ok((None, der))
}

impl PrivateKey {
    /// Parses a PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`) key, PEM or bare
    /// base64.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let (label, der) = der_of(text)?;
        let pair = match label.as_deref() {
            Some("PRIVATE KEY") => RsaKeyPair::from_pkcs8(&der),
            Some("RSA PRIVATE KEY") => RsaKeyPair::from_der(&der),
            Some(other) => return Err(KeyError::Label(other.to_owned(), "private")),
            None => RsaKeyPair::from_pkcs8(&der).or_else(|_| RsaKeyPair::from_der(&der)),
        };
        pair.map(PrivateKey).map_err(|_| KeyError::Private)
    }

    /// The PKCS#1 v1.5 signature of `message` with `algorithm`'s hash.
    pub fn sign(&self, algorithm: DigestAlgorithm, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let padding: &'static dyn signature::RsaEncoding = match algorithm {
            DigestAlgorithm::Rsa2 => &signature::RSA_PKCS1_SHA256,
            _ => return Err(KeyError::Sha1Signing),
        };
        let mut out = vec![0u8; self.0.public().modulus_len()];
        // PKCS#1 v1.5 padding is deterministic; ring asks for a random source anyway.
        let rng = ring::rand::SystemRandom::new();
        self.0
            .sign(padding, &rng, message, &mut out)
            .map_err(|_| KeyError::Signing)?;
        Ok(out)
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
            Some(other) => return Err(KeyError::Label(other.to_owned(), "public")),
            None => spki_rsa(&der).unwrap_or(der),
        };
        // ring checks the key only when verifying; parse it now so that a bad key is a
        // credential error, not a signature mismatch.
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
