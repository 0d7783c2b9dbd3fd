//! Key text: the DER inside PEM armour or bare base64, and why a key credential
//! cannot be used. Errors name what is wrong, never the key's bytes.

use base64::Engine as _;

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
    #[error("PEM label `{0}` is not {1}")]
    Label(String, &'static str),
    /// The DER inside is not a usable RSA private key.
    #[error("not an RSA private key in PKCS#8 or PKCS#1 form, or not 2048 to 4096 bits")]
    Private,
    /// The DER inside is not a usable RSA private key for SHA-1 signatures.
    #[error("not an RSA private key in PKCS#8 or PKCS#1 form, or not 1024 to 4096 bits")]
    Sha1Private,
    /// The DER inside is not an RSA public key.
    #[error("not an RSA public key in SPKI or PKCS#1 form")]
    Public,
    /// Not an SM2 private key in any accepted form.
    #[error(
        "not an SM2 private key: expected PEM `PRIVATE KEY` (PKCS#8) or `EC PRIVATE KEY` / \
         `SM2 PRIVATE KEY` (SEC1) on the SM2 curve, their bare base64, or 64 hex digits \
         (the private scalar)"
    )]
    Sm2Private,
    /// Not an SM2 public key in any accepted form.
    #[error(
        "not an SM2 public key: expected PEM `PUBLIC KEY` (SPKI) on the SM2 curve, its bare \
         base64, or the point in hex (130 digits starting `04`, 128 without it, or 66 \
         compressed)"
    )]
    Sm2Public,
    /// Not an X.509 certificate (PEM `CERTIFICATE`, or base64 of its DER).
    #[error("not an X.509 certificate in PEM or base64 DER")]
    Certificate,
    /// The certificate's key is not of the recipe's scheme (RSA, SM2).
    #[error("the certificate's public key is not of the recipe's algorithm (RSA or SM2)")]
    CertificateKey,
    /// The algorithm is not a public-key signature (validation rejects such recipes).
    #[error("`{0}` is not a public-key signature")]
    NotSignature(&'static str),
    /// Signing failed inside the cryptography library.
    #[error("signing failed")]
    Signing,
}

/// The DER inside PEM armour (with its label), or inside bare base64 (no label).
pub(crate) fn der_of(text: &str) -> Result<(Option<String>, Vec<u8>), KeyError> {
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

/// Whether `text` is PEM armour labelled `CERTIFICATE`.
pub(crate) fn is_certificate(text: &str) -> bool {
    text.trim_start().starts_with("-----BEGIN CERTIFICATE-----")
}
