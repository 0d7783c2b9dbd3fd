//! Payload encodings: base64, AES-256-ECB with PKCS#5 padding (hex or base64), and
//! AES-256-GCM.

use aes::cipher::{generic_array::GenericArray, BlockDecrypt, BlockEncrypt, KeyInit};
use aes::Aes256;
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::Aes256Gcm;
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
    /// An AES-GCM nonce is not 12 bytes.
    #[error("AES-GCM nonce must be 12 bytes, got {0}")]
    NonceLength(usize),
    /// An AES-GCM ciphertext is shorter than its 16-byte tag.
    #[error("AES-GCM ciphertext of {0} bytes is shorter than its 16-byte tag")]
    MissingTag(usize),
    /// The AES-GCM tag does not match: the key is wrong, or the ciphertext, tag, nonce
    /// or associated data is not what the key holder sealed.
    #[error(
        "AES-GCM tag mismatch: wrong key, or the ciphertext, tag, nonce or associated data \
         was changed"
    )]
    TagMismatch,
    /// A plaintext over AES-GCM's limit of about 64 GiB.
    #[error("a plaintext of {0} bytes is over AES-GCM's limit")]
    TooLong(usize),
}

/// The length of an AES-GCM nonce (96 bits, the only size WeChat Pay and NIST's
/// recommended construction use).
pub const GCM_NONCE_LEN: usize = 12;

/// The length of the AES-GCM tag appended to the ciphertext.
pub const GCM_TAG_LEN: usize = 16;

fn gcm(key: &[u8], nonce: &[u8]) -> Result<Aes256Gcm, CipherError> {
    if nonce.len() != GCM_NONCE_LEN {
        return Err(CipherError::NonceLength(nonce.len()));
    }
    Aes256Gcm::new_from_slice(key).map_err(|_| CipherError::KeyLength(key.len()))
}

/// AES-256-GCM seals `plaintext` under `key` (32 bytes) and `nonce` (12 bytes),
/// authenticating `associated_data` too; returns the ciphertext with the tag appended.
pub fn aes256_gcm_encrypt(
    key: &[u8],
    nonce: &[u8],
    associated_data: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CipherError> {
    let cipher = gcm(key, nonce)?;
    let payload = Payload {
        msg: plaintext,
        aad: associated_data,
    };
    // The crate fails only for a plaintext over GCM's limit.
    cipher
        .encrypt(GenericArray::from_slice(nonce), payload)
        .map_err(|_| CipherError::TooLong(plaintext.len()))
}

/// Opens what [`aes256_gcm_encrypt`] sealed (ciphertext with the tag appended): the
/// plaintext, or an error when the tag does not match.
pub fn aes256_gcm_decrypt(
    key: &[u8],
    nonce: &[u8],
    associated_data: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>, CipherError> {
    let cipher = gcm(key, nonce)?;
    if sealed.len() < GCM_TAG_LEN {
        return Err(CipherError::MissingTag(sealed.len()));
    }
    let payload = Payload {
        msg: sealed,
        aad: associated_data,
    };
    cipher
        .decrypt(GenericArray::from_slice(nonce), payload)
        .map_err(|_| CipherError::TagMismatch)
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
    Ok(crate::crypto::digest::hex_text(&data, case))
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

    /// The AES-256 cases with a 96-bit IV of McGrew and Viega, "The Galois/Counter Mode
    /// of Operation (GCM)" (2005), Appendix B, which NIST SP 800-38D cites: (key, IV,
    /// plaintext, AAD, ciphertext, tag), all hex.
    const GCM_VECTORS: [(&str, &str, &str, &str, &str, &str, &str); 4] = [
        (
            "test case 13",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "000000000000000000000000",
            "",
            "",
            "",
            "530f8afbc74536b9a963b4f1c4cb738b",
        ),
        (
            "test case 14",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "000000000000000000000000",
            "00000000000000000000000000000000",
            "",
            "cea7403d4d606b6e074ec5d3baf39d18",
            "d0d1c8a799996bf0265b98b5d48ab919",
        ),
        (
            "test case 15",
            "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            "cafebabefacedbaddecaf888",
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
             1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
            "",
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
             8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            "b094dac5d93471bdec1a502270e3cc6c",
        ),
        (
            "test case 16",
            "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            "cafebabefacedbaddecaf888",
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
             1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
             8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b",
        ),
    ];

    #[test]
    fn gcm_spec_aes256_vectors_open_and_seal() {
        for (case, key, iv, plain, aad, cipher, tag) in GCM_VECTORS {
            let [key, iv, plain, aad, cipher, tag] =
                [key, iv, plain, aad, cipher, tag].map(|h| hex::decode(h).unwrap());
            let sealed = [cipher.as_slice(), tag.as_slice()].concat();
            assert_eq!(
                aes256_gcm_decrypt(&key, &iv, &aad, &sealed).as_deref(),
                Ok(plain.as_slice()),
                "{case}"
            );
            assert_eq!(
                aes256_gcm_encrypt(&key, &iv, &aad, &plain),
                Ok(sealed.clone()),
                "{case}"
            );
            // Every byte of ciphertext and tag, and of the nonce and the AAD, is bound.
            for index in 0..sealed.len() {
                let mut changed = sealed.clone();
                changed[index] ^= 0x01;
                assert_eq!(
                    aes256_gcm_decrypt(&key, &iv, &aad, &changed),
                    Err(CipherError::TagMismatch),
                    "{case}, byte {index}"
                );
            }
            let mut other_iv = iv.clone();
            other_iv[11] ^= 0x80;
            assert_eq!(
                aes256_gcm_decrypt(&key, &other_iv, &aad, &sealed),
                Err(CipherError::TagMismatch),
                "{case}"
            );
            let other_aad = [aad.as_slice(), b"x"].concat();
            assert_eq!(
                aes256_gcm_decrypt(&key, &iv, &other_aad, &sealed),
                Err(CipherError::TagMismatch),
                "{case}"
            );
            let mut other_key = key.clone();
            other_key[0] ^= 0x01;
            assert_eq!(
                aes256_gcm_decrypt(&other_key, &iv, &aad, &sealed),
                Err(CipherError::TagMismatch),
                "{case}"
            );
        }
    }

    #[test]
    fn gcm_refuses_bad_lengths_without_panicking() {
        let key = [0u8; 32];
        let nonce = [0u8; 12];
        assert_eq!(
            aes256_gcm_decrypt(&key[..31], &nonce, b"", &[0; 16]),
            Err(CipherError::KeyLength(31))
        );
        assert_eq!(
            aes256_gcm_encrypt(&key, &nonce[..11], b"", b"x"),
            Err(CipherError::NonceLength(11))
        );
        assert_eq!(
            aes256_gcm_decrypt(&key, &[0; 13], b"", &[0; 16]),
            Err(CipherError::NonceLength(13))
        );
        for short in 0..GCM_TAG_LEN {
            assert_eq!(
                aes256_gcm_decrypt(&key, &nonce, b"", &vec![0; short]),
                Err(CipherError::MissingTag(short))
            );
        }
    }

    #[test]
    fn base64_survives_plus_turned_into_space() {
        let encoded = base64_encode(&[0xfb, 0xef, 0xff]);
        assert_eq!(encoded, "++//");
        assert_eq!(base64_decode("  //").unwrap(), vec![0xfb, 0xef, 0xff]);
    }
}
