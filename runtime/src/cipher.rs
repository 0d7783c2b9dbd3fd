//! Payload encodings: base64, and AES-256-ECB with PKCS#5 padding as hex.

use aes::cipher::{generic_array::GenericArray, BlockDecrypt, BlockEncrypt, KeyInit};
use aes::Aes256;
use base64::Engine as _;
use paygen_protocol::HexCase;

const BLOCK: usize = 16;

/// Why a payload could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    /// The key is not 32 bytes.
    #[error("AES-256 key must be 32 bytes, got {0}")]
    KeyLength(usize),
    /// The text is not valid hex of whole blocks.
    #[error("ciphertext is not hex of whole 16-byte blocks")]
    BadHex,
    /// The padding after decryption is not PKCS#5 (wrong key or corrupted data).
    #[error("bad PKCS#5 padding after decryption (wrong key?)")]
    BadPadding,
    /// The ciphertext is not whole 16-byte blocks.
    #[error("ciphertext of {0} bytes is not whole 16-byte blocks")]
    BadBlocks(usize),
    /// The text is not base64.
    #[error("not base64: {0}")]
    BadBase64(String),
}

fn cipher(key: &[u8]) -> Result<Aes256, CipherError> {
    Aes256::new_from_slice(key).map_err(|_| CipherError::KeyLength(key.len()))
}

/// AES-256-ECB encrypts `plaintext` with PKCS#5 padding and returns the hex text.
// ECB over the `aes` block cipher is a loop over blocks; the block-mode crate would add
// a dependency for these few lines.
pub fn aes256_ecb_encrypt_hex(
    key: &[u8],
    plaintext: &[u8],
    case: HexCase,
) -> Result<String, CipherError> {
    let data = aes256_ecb_encrypt(key, plaintext)?;
    Ok(crate::digest::hex_text(&data, case))
}

/// AES-256-ECB encrypts `plaintext` with PKCS#5 padding and returns standard base64.
pub fn aes256_ecb_encrypt_base64(key: &[u8], plaintext: &[u8]) -> Result<String, CipherError> {
    Ok(base64_encode(&aes256_ecb_encrypt(key, plaintext)?))
}

/// Decodes standard base64 and AES-256-ECB decrypts it, removing PKCS#5 padding.
pub fn aes256_ecb_decrypt_base64(key: &[u8], text: &str) -> Result<Vec<u8>, CipherError> {
    aes256_ecb_decrypt(key, base64_decode(text)?)
}

fn aes256_ecb_encrypt(key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CipherError> {
    let cipher = cipher(key)?;
    let pad = BLOCK - plaintext.len() % BLOCK;
    let mut data = Vec::with_capacity(plaintext.len() + pad);
    data.extend_from_slice(plaintext);
    data.resize(plaintext.len() + pad, pad as u8);
    for block in data.chunks_exact_mut(BLOCK) {
        cipher.encrypt_block(GenericArray::from_mut_slice(block));
    }
    Ok(data)
}

/// Decodes hex text and AES-256-ECB decrypts it, removing PKCS#5 padding.
pub fn aes256_ecb_decrypt_hex(key: &[u8], hex_text: &str) -> Result<Vec<u8>, CipherError> {
    let data = hex::decode(hex_text.trim()).map_err(|_| CipherError::BadHex)?;
    if data.is_empty() || !data.chunks_exact(BLOCK).remainder().is_empty() {
        return Err(CipherError::BadHex);
    }
    aes256_ecb_decrypt(key, data)
}

fn aes256_ecb_decrypt(key: &[u8], mut data: Vec<u8>) -> Result<Vec<u8>, CipherError> {
    let cipher = cipher(key)?;
    if data.is_empty() || !data.chunks_exact(BLOCK).remainder().is_empty() {
        return Err(CipherError::BadBlocks(data.len()));
    }
    for block in data.chunks_exact_mut(BLOCK) {
        cipher.decrypt_block(GenericArray::from_mut_slice(block));
    }
    let pad = usize::from(*data.last().ok_or(CipherError::BadPadding)?);
    if pad == 0
        || pad > BLOCK
        || data[data.len() - pad..]
            .iter()
            .any(|&b| usize::from(b) != pad)
    {
        return Err(CipherError::BadPadding);
    }
    data.truncate(data.len() - pad);
    Ok(data)
}

/// Standard base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes standard base64. A space can only be a `+` that a form decoder turned into
/// a space, so spaces are read as `+`.
pub fn base64_decode(text: &str) -> Result<Vec<u8>, CipherError> {
    let repaired = text.trim_matches(['\r', '\n', '\t']).replace(' ', "+");
    base64::engine::general_purpose::STANDARD
        .decode(repaired)
        .map_err(|e| CipherError::BadBase64(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN_KEY: &[u8] = b"0828e83720fdbe3685a7b94214af04f9";

    #[test]
    fn document_002_section_2_4_data_round_trips() {
        // The `data` of document 002 section 2.4 decrypts, with the given open_key, to
        // the paylist request's business JSON; encrypting that gives the document's hex.
        let plain = aes256_ecb_decrypt_hex(OPEN_KEY, "3304A5EC2CDEB4D12ED3338B5C01BF6B").unwrap();
        assert_eq!(plain, br#"{"pmt_type":0}"#);
        assert_eq!(
            aes256_ecb_encrypt_hex(OPEN_KEY, &plain, HexCase::Upper).unwrap(),
            "3304A5EC2CDEB4D12ED3338B5C01BF6B"
        );
    }

    #[test]
    fn fips_197_aes256_vector() {
        // FIPS-197 appendix C.3: key 00..1f, plaintext 00112233..ff.
        let key: Vec<u8> = (0u8..32).collect();
        let plain = hex::decode("00112233445566778899aabbccddeeff").unwrap();
        let hex = aes256_ecb_encrypt_hex(&key, &plain, HexCase::Lower).unwrap();
        assert_eq!(&hex[..32], "8ea2b7ca516745bfeafc49904b496089");
        assert_eq!(aes256_ecb_decrypt_hex(&key, &hex).unwrap(), plain);
    }

    #[test]
    fn wrong_key_and_bad_input_are_errors() {
        assert_eq!(
            aes256_ecb_encrypt_hex(b"short", b"x", HexCase::Lower),
            Err(CipherError::KeyLength(5))
        );
        assert_eq!(
            aes256_ecb_decrypt_hex(OPEN_KEY, "zz"),
            Err(CipherError::BadHex)
        );
        let other_key = [7u8; 32];
        assert!(aes256_ecb_decrypt_hex(&other_key, "3304A5EC2CDEB4D12ED3338B5C01BF6B").is_err());
    }

    #[test]
    fn base64_survives_plus_turned_into_space() {
        let encoded = base64_encode(&[0xfb, 0xef, 0xff]);
        assert_eq!(encoded, "++//");
        assert_eq!(base64_decode("  //").unwrap(), vec![0xfb, 0xef, 0xff]);
    }
}
