//! SM2 keys from credentials, and SM2 signatures with SM3 (GB/T 32918.2) made and
//! checked with them, by the RustCrypto `sm2` crate.
//!
//! Keys come as PEM (PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE KEY` or OpenSSL's
//! `SM2 PRIVATE KEY`, SPKI `PUBLIC KEY`), as their bare base64, or as hex: the 32-byte
//! private scalar, the public point (uncompressed with or without its `04`, or
//! compressed). Errors name what is wrong, never the key's bytes.

use crate::crypto::key_text::{der_of, KeyError};
use paygen_protocol::SignatureForm;
use sm2::dsa::signature::{Signer as _, Verifier as _};
use sm2::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use spki::der::asn1::UintRef;
use spki::der::{Decode as _, Encode as _};
use std::fmt;

/// The user id (distinguishing identifier) of every SM2 signature here: the standard's
/// default (GB/T 35276-2017), which Java's Bouncy Castle and most SDKs use. OpenSSL 3
/// defaults to an empty id instead (`-sigopt distid:1234567812345678` to agree).
pub const USER_ID: &str = "1234567812345678";

/// A parsed SM2 private key. Debug prints no key material.
pub struct PrivateKey(sm2::dsa::SigningKey);

/// A parsed SM2 public key.
pub struct PublicKey(sm2::dsa::VerifyingKey);

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm2PrivateKey(***)")
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm2PublicKey")
    }
}

/// The bytes of `text` when it is only hex digits (whitespace aside) of one of `lens`
/// bytes.
fn hex_of(text: &str, lens: &[usize]) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if !lens.iter().any(|len| compact.len() == 2 * len) {
        return None;
    }
    hex::decode(compact).ok()
}

impl PrivateKey {
    /// Parses a PKCS#8 or SEC1 key (PEM or bare base64) or a hex private scalar.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let secret = match hex_of(text, &[32]) {
            Some(scalar) => sm2::SecretKey::from_slice(&scalar).ok(),
            None => {
                let (label, der) = der_of(text).map_err(|_| KeyError::Sm2Private)?;
                match label.as_deref() {
                    Some("PRIVATE KEY") => sm2::SecretKey::from_pkcs8_der(&der).ok(),
                    Some("EC PRIVATE KEY" | "SM2 PRIVATE KEY") => {
                        sm2::SecretKey::from_sec1_der(&der).ok()
                    }
                    Some(other) => {
                        return Err(KeyError::Label(other.to_owned(), "an SM2 private key"))
                    }
                    None => sm2::SecretKey::from_pkcs8_der(&der)
                        .or_else(|_| sm2::SecretKey::from_sec1_der(&der))
                        .ok(),
                }
            }
        };
        let secret = secret.ok_or(KeyError::Sm2Private)?;
        sm2::dsa::SigningKey::new(USER_ID, &secret)
            .map(PrivateKey)
            .map_err(|_| KeyError::Sm2Private)
    }

    /// The SM2 signature of `message` (hashed with SM3 after the user's `Z` value), its
    /// bytes in `form`.
    // The crate takes the nonce from RFC 6979 over the key and message: a verifier cannot
    // tell it from a random one, and the same message signs to the same bytes.
    pub fn sign(&self, message: &[u8], form: SignatureForm) -> Result<Vec<u8>, KeyError> {
        let signature: sm2::dsa::Signature =
            self.0.try_sign(message).map_err(|_| KeyError::Signing)?;
        match form {
            SignatureForm::Raw => Ok(signature.to_vec()),
            SignatureForm::Der => der_signature(&signature).ok_or(KeyError::Signing),
        }
    }

    /// The public half, for tests and for the provider's side.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().clone())
    }
}

impl PublicKey {
    /// Parses an SPKI key (PEM or bare base64) or a hex point.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let public = match hex_of(text, &[33, 64, 65]) {
            Some(point) if point.len() == 64 => {
                // X || Y without the SEC1 tag byte, as some consoles show it.
                let mut tagged = Vec::with_capacity(65);
                tagged.push(0x04);
                tagged.extend_from_slice(&point);
                sm2::PublicKey::from_sec1_bytes(&tagged).ok()
            }
            Some(point) => sm2::PublicKey::from_sec1_bytes(&point).ok(),
            None => {
                let (label, der) = der_of(text).map_err(|_| KeyError::Sm2Public)?;
                match label.as_deref() {
                    Some("PUBLIC KEY") | None => sm2::PublicKey::from_public_key_der(&der).ok(),
                    Some(other) => {
                        return Err(KeyError::Label(other.to_owned(), "an SM2 public key"))
                    }
                }
            }
        };
        let public = public.ok_or(KeyError::Sm2Public)?;
        sm2::dsa::VerifyingKey::new(USER_ID, public)
            .map(PublicKey)
            .map_err(|_| KeyError::Sm2Public)
    }

    /// Reads the DER of an SPKI on the SM2 curve (a certificate's key).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let public = sm2::PublicKey::from_public_key_der(der).map_err(|_| KeyError::Sm2Public)?;
        sm2::dsa::VerifyingKey::new(USER_ID, public)
            .map(PublicKey)
            .map_err(|_| KeyError::Sm2Public)
    }

    /// Whether `signature`, its bytes in `form`, is the SM2 signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8], form: SignatureForm) -> bool {
        let parsed = match form {
            SignatureForm::Raw => sm2::dsa::Signature::from_slice(signature).ok(),
            SignatureForm::Der => from_der(signature),
        };
        parsed.is_some_and(|s| self.0.verify(message, &s).is_ok())
    }
}

/// `SEQUENCE { INTEGER r, INTEGER s }` in DER.
fn der_signature(signature: &sm2::dsa::Signature) -> Option<Vec<u8>> {
    let (r, s) = (signature.r_bytes(), signature.s_bytes());
    let pair = [UintRef::new(&r).ok()?, UintRef::new(&s).ok()?];
    pair.to_der().ok()
}

/// A DER `SEQUENCE { INTEGER r, INTEGER s }` as a signature; `None` unless it is exactly
/// that, in strict DER, with each integer at most 32 bytes.
fn from_der(der: &[u8]) -> Option<sm2::dsa::Signature> {
    let [r, s] = <[UintRef<'_>; 2]>::from_der(der).ok()?;
    let mut raw = [0u8; 64];
    for (half, value) in raw.chunks_exact_mut(32).zip([r, s]) {
        let bytes = value.as_bytes();
        let start = 32usize.checked_sub(bytes.len())?;
        half.get_mut(start..)?.copy_from_slice(bytes);
    }
    sm2::dsa::Signature::from_slice(&raw).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // GM/T 0003.5-2012 (GB/T 32918.5-2017) appendix A.2, the signature example on the
    // recommended curve: private key d_A, public key (x_A, y_A), message
    // "message digest", user id 1234567812345678, signature (r, s).
    const D_A: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
    const X_A: &str = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
    const Y_A: &str = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
    const R: &str = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
    const S: &str = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
    const MESSAGE: &[u8] = b"message digest";

    fn raw_signature() -> Vec<u8> {
        hex::decode(format!("{R}{S}")).unwrap()
    }

    #[test]
    fn the_published_example_verifies_raw_and_der_and_its_private_key_gives_its_point() {
        let public = PublicKey::parse(&format!("04{X_A}{Y_A}")).unwrap();
        let raw = raw_signature();
        assert!(public.verify(MESSAGE, &raw, SignatureForm::Raw));
        let parsed = sm2::dsa::Signature::from_slice(&raw).unwrap();
        let der = der_signature(&parsed).unwrap();
        // Both integers have their high bit set, so each takes a 0x00 byte: 2 + 2 * 35.
        assert_eq!(der.len(), 72);
        assert!(public.verify(MESSAGE, &der, SignatureForm::Der));
        // The wrong form, a changed message, a changed signature: refused.
        assert!(!public.verify(MESSAGE, &raw, SignatureForm::Der));
        assert!(!public.verify(MESSAGE, &der, SignatureForm::Raw));
        assert!(!public.verify(b"message digesT", &raw, SignatureForm::Raw));
        let mut changed = raw.clone();
        changed[40] ^= 1;
        assert!(!public.verify(MESSAGE, &changed, SignatureForm::Raw));
        // The point without its 04 tag, lower case, is the same key.
        let untagged = PublicKey::parse(&format!("{X_A}{Y_A}").to_lowercase()).unwrap();
        assert!(untagged.verify(MESSAGE, &raw, SignatureForm::Raw));
        let private = PrivateKey::parse(D_A).unwrap();
        let point = private.public_key().0.to_sec1_bytes();
        assert_eq!(hex::encode_upper(point), format!("04{X_A}{Y_A}"));
    }

    #[test]
    fn a_signature_made_here_verifies_in_both_forms() {
        let private = PrivateKey::parse(D_A).unwrap();
        let public = private.public_key();
        for form in [SignatureForm::Der, SignatureForm::Raw] {
            let signature = private.sign(b"out_trade_no=1&total=100", form).unwrap();
            assert!(public.verify(b"out_trade_no=1&total=100", &signature, form));
            assert!(!public.verify(b"out_trade_no=1&total=101", &signature, form));
        }
        assert_eq!(private.sign(b"x", SignatureForm::Raw).unwrap().len(), 64);
    }

    #[test]
    fn der_is_read_strictly() {
        let parsed = sm2::dsa::Signature::from_slice(&raw_signature()).unwrap();
        let der = der_signature(&parsed).unwrap();
        assert_eq!(from_der(&der), Some(parsed));
        let mut trailing = der.clone();
        trailing.push(0);
        assert_eq!(from_der(&trailing), None);
        // A non-minimal integer (an extra leading 0x00), with the lengths adjusted.
        let mut padded = vec![0x30, 0x47, 0x02, 0x22, 0x00];
        padded.extend_from_slice(&der[4..]);
        assert_eq!(from_der(&padded), None);
        // Three integers, or a 33-byte value.
        assert_eq!(from_der(&[0x30, 0x09, 2, 1, 1, 2, 1, 1, 2, 1, 1]), None);
        let mut long = vec![0x30, 0x26, 0x02, 0x21, 0x01];
        long.extend_from_slice(&[0u8; 32]);
        long.extend_from_slice(&[0x02, 0x01, 0x01]);
        assert_eq!(from_der(&long), None);
        assert_eq!(from_der(&[]), None);
    }

    #[test]
    fn bad_keys_are_errors_that_show_no_key_material() {
        for text in [
            "",
            "zz",
            &D_A[..62],
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
            // Zero is not a private key.
            &"0".repeat(64),
        ] {
            let error = PrivateKey::parse(text).unwrap_err();
            assert!(
                matches!(error, KeyError::Sm2Private | KeyError::Label(..)),
                "{error:?}"
            );
        }
        // A point that is not on the curve.
        let off_curve = format!("04{X_A}{}", Y_A.replace('C', "D"));
        let error = PublicKey::parse(&off_curve).unwrap_err();
        assert_eq!(error, KeyError::Sm2Public);
        assert!(!error.to_string().contains(&X_A[..8]));
        assert!(!format!("{:?}", PrivateKey::parse(D_A).unwrap()).contains(&D_A[..8]));
    }
}
