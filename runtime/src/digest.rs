//! Digest chains: each step hashes (or MACs, or signs) the previous step's text.

use crate::cipher::base64_encode;
use crate::rsa_keys::{KeyError, PrivateKey};
use hmac::{Hmac, Mac};
use md5::{Digest as _, Md5};
use paygen_protocol::{AlgorithmKind, DigestAlgorithm, DigestOutput, DigestStep, HexCase};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use sm3::Sm3;

/// One step of a computed chain, for explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestTrace {
    /// The hash function.
    pub algorithm: DigestAlgorithm,
    /// Its text output.
    pub output: String,
}

/// The keys a chain's keyed steps use.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepKeys<'k> {
    /// The HMAC key.
    pub hmac: Option<&'k [u8]>,
    /// The RSA private key.
    pub rsa: Option<&'k PrivateKey>,
}

/// Why a step could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// A keyed step without its key (validation rejects such recipes).
    #[error("`{0}` needs a key, and the recipe names none")]
    NoKey(&'static str),
    /// The RSA key refused to sign.
    #[error(transparent)]
    Rsa(#[from] KeyError),
}

/// Runs the chain over `input` and returns the final text. The trace, when given,
/// receives every step's output.
pub fn digest_chain(
    input: &[u8],
    steps: &[DigestStep],
    keys: StepKeys<'_>,
    mut trace: Option<&mut Vec<DigestTrace>>,
) -> Result<String, StepError> {
    let mut current: Option<String> = None;
    for step in steps {
        let bytes = current.as_deref().map(str::as_bytes).unwrap_or(input);
        let raw = step_bytes(step.algorithm, keys, bytes)?;
        let text = output_text(&raw, step.output);
        if let Some(trace) = trace.as_deref_mut() {
            trace.push(DigestTrace {
                algorithm: step.algorithm,
                output: text.clone(),
            });
        }
        current = Some(text);
    }
    Ok(current.unwrap_or_else(|| String::from_utf8_lossy(input).into_owned()))
}

/// The raw output of one step over `input`.
pub fn step_bytes(
    algorithm: DigestAlgorithm,
    keys: StepKeys<'_>,
    input: &[u8],
) -> Result<Vec<u8>, StepError> {
    let no_key = || StepError::NoKey(algorithm.name());
    match algorithm.kind() {
        AlgorithmKind::Hash => Ok(hash(algorithm, input)),
        AlgorithmKind::Hmac => hmac(algorithm, keys.hmac.ok_or_else(no_key)?, input),
        AlgorithmKind::Rsa => Ok(keys.rsa.ok_or_else(no_key)?.sign(algorithm, input)?),
    }
}

/// A plain hash; empty for keyed algorithms, which are not hashes.
fn hash(algorithm: DigestAlgorithm, input: &[u8]) -> Vec<u8> {
    match algorithm {
        DigestAlgorithm::Md5 => Md5::digest(input).to_vec(),
        DigestAlgorithm::Sha1 => Sha1::digest(input).to_vec(),
        DigestAlgorithm::Sha256 => Sha256::digest(input).to_vec(),
        DigestAlgorithm::Sha512 => Sha512::digest(input).to_vec(),
        DigestAlgorithm::Sm3 => Sm3::digest(input).to_vec(),
        _ => Vec::new(),
    }
}

fn hmac(algorithm: DigestAlgorithm, key: &[u8], input: &[u8]) -> Result<Vec<u8>, StepError> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], input: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length (longer ones are hashed), so this cannot fail.
        match <M as hmac::digest::KeyInit>::new_from_slice(key) {
            Ok(mut mac) => {
                mac.update(input);
                mac.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }
    Ok(match algorithm {
        DigestAlgorithm::HmacMd5 => run::<Hmac<Md5>>(key, input),
        DigestAlgorithm::HmacSha256 => run::<Hmac<Sha256>>(key, input),
        DigestAlgorithm::HmacSha512 => run::<Hmac<Sha512>>(key, input),
        _ => return Err(StepError::NoKey(algorithm.name())),
    })
}

/// A step's bytes as its declared text.
pub fn output_text(bytes: &[u8], output: DigestOutput) -> String {
    match output {
        DigestOutput::Hex(case) => hex_text(bytes, case),
        DigestOutput::Base64 => base64_encode(bytes),
    }
}

/// One plain hash of `input` as hex text; `""` for HMACs and RSA, which need a key
/// (run them through a recipe).
pub fn digest_hex(algorithm: DigestAlgorithm, input: &[u8], case: HexCase) -> String {
    hex_text(&hash(algorithm, input), case)
}

/// Bytes as hex text in the given case.
pub fn hex_text(bytes: &[u8], case: HexCase) -> String {
    let mut out = vec![0u8; bytes.len() * 2];
    // The buffer is exactly twice the input, which is all `encode_to_slice` asks.
    let _ = hex::encode_to_slice(bytes, &mut out);
    if case == HexCase::Upper {
        out.make_ascii_uppercase();
    }
    // Hex digits are ASCII.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA1_THEN_MD5: [DigestStep; 2] = [
        DigestStep {
            algorithm: DigestAlgorithm::Sha1,
            output: DigestOutput::Hex(HexCase::Lower),
        },
        DigestStep {
            algorithm: DigestAlgorithm::Md5,
            output: DigestOutput::Hex(HexCase::Lower),
        },
    ];

    fn keyed_hex(algorithm: DigestAlgorithm, key: &[u8], data: &[u8]) -> String {
        let keys = StepKeys {
            hmac: Some(key),
            rsa: None,
        };
        hex_text(&step_bytes(algorithm, keys, data).unwrap(), HexCase::Lower)
    }

    #[test]
    fn document_002_section_2_4_sha1_then_md5() {
        let input = "data=3304A5EC2CDEB4D12ED3338B5C01BF6B&open_id=87f46f5db1b65f0ac195285f49ee6958&open_key=0828e83720fdbe3685a7b94214af04f9&timestamp=1497957842";
        let mut trace = Vec::new();
        let keys = StepKeys::default();
        let sign = digest_chain(input.as_bytes(), &SHA1_THEN_MD5, keys, Some(&mut trace)).unwrap();
        assert_eq!(trace[0].output, "013030c4532c00c14ad8b9e47f3382f9ea4a8ed1");
        assert_eq!(sign, "915be5aff09f2686870e1d17e93b3542");
    }

    #[test]
    fn hex_case() {
        assert_eq!(hex_text(&[0xab, 0x01], HexCase::Lower), "ab01");
        assert_eq!(hex_text(&[0xab, 0x01], HexCase::Upper), "AB01");
    }

    #[test]
    fn md5_upper_matches_rfc_1321_vector() {
        // RFC 1321 appendix A.5: MD5("abc").
        assert_eq!(
            digest_hex(DigestAlgorithm::Md5, b"abc", HexCase::Upper),
            "900150983CD24FB0D6963F7D28E17F72"
        );
    }

    #[test]
    fn sha256_and_sha512_match_fips_180_abc_examples() {
        // NIST FIPS 180-2 appendix B.1 (SHA-256) and C.1 (SHA-512): the message "abc".
        assert_eq!(
            digest_hex(DigestAlgorithm::Sha256, b"abc", HexCase::Lower),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            digest_hex(DigestAlgorithm::Sha512, b"abc", HexCase::Lower),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    #[test]
    fn sm3_matches_gb_t_32905_2016_example_1() {
        // GB/T 32905-2016 appendix A, example 1: SM3("abc").
        assert_eq!(
            digest_hex(DigestAlgorithm::Sm3, b"abc", HexCase::Lower),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn hmac_sha256_and_sha512_match_rfc_4231_test_cases_1_and_2() {
        // RFC 4231 section 4.2, test case 1: key 0x0b * 20, data "Hi There".
        let key = [0x0bu8; 20];
        assert_eq!(
            keyed_hex(DigestAlgorithm::HmacSha256, &key, b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            keyed_hex(DigestAlgorithm::HmacSha512, &key, b"Hi There"),
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde\
             daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"
        );
        // Section 4.3, test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            keyed_hex(
                DigestAlgorithm::HmacSha256,
                b"Jefe",
                b"what do ya want for nothing?"
            ),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            keyed_hex(
                DigestAlgorithm::HmacSha512,
                b"Jefe",
                b"what do ya want for nothing?"
            ),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
             9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }

    #[test]
    fn hmac_md5_matches_rfc_2202_test_cases_1_and_2() {
        // RFC 2202 section 2, test cases 1 and 2.
        assert_eq!(
            keyed_hex(DigestAlgorithm::HmacMd5, &[0x0b; 16], b"Hi There"),
            "9294727a3638bb1c13f48ef8158bfc9d"
        );
        assert_eq!(
            keyed_hex(
                DigestAlgorithm::HmacMd5,
                b"Jefe",
                b"what do ya want for nothing?"
            ),
            "750c783e6ab0b503eaa86e310a5db738"
        );
    }

    #[test]
    fn a_keyed_step_without_its_key_is_an_error() {
        let step = [DigestStep {
            algorithm: DigestAlgorithm::HmacSha256,
            output: DigestOutput::Base64,
        }];
        assert_eq!(
            digest_chain(b"x", &step, StepKeys::default(), None),
            Err(StepError::NoKey("hmac_sha256"))
        );
    }
}
