//! Digest chains: each step hashes (or MACs, or signs) the previous step's text.

use crate::crypto::keys::{KeyError, SigningKey};
use base64::engine::general_purpose::{GeneralPurpose, STANDARD, STANDARD_NO_PAD};
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::{Digest as _, Md5};
use paygen_protocol::{
    AlgorithmKind, Base64Alphabet, DigestAlgorithm, DigestOutput, DigestStep, HashFunction,
    HexCase, TextEncoding,
};
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
    /// The private key of a signature step.
    pub private: Option<&'k SigningKey>,
}

/// Why a step could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// A keyed step without its key (validation rejects such recipes).
    #[error("`{0}` needs a key, and the recipe names none")]
    NoKey(&'static str),
    /// The private key refused to sign.
    #[error(transparent)]
    Key(#[from] KeyError),
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
        let raw = step_bytes(*step, keys, bytes)?;
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

/// The raw output of one step over `input` (a signature in its output's form).
pub fn step_bytes(
    step: DigestStep,
    keys: StepKeys<'_>,
    input: &[u8],
) -> Result<Vec<u8>, StepError> {
    let algorithm = step.algorithm;
    let no_key = || StepError::NoKey(algorithm.name());
    match algorithm.kind() {
        AlgorithmKind::Hash => Ok(hash(algorithm.hash(), input)),
        AlgorithmKind::Hmac => Ok(hmac(algorithm.hash(), keys.hmac.ok_or_else(no_key)?, input)),
        AlgorithmKind::PublicKey => {
            let key = keys.private.ok_or_else(no_key)?;
            Ok(key.sign(algorithm, input, step.output.form().signature)?)
        }
    }
}

/// A plain hash.
fn hash(function: HashFunction, input: &[u8]) -> Vec<u8> {
    match function {
        HashFunction::Md5 => Md5::digest(input).to_vec(),
        HashFunction::Sha1 => Sha1::digest(input).to_vec(),
        HashFunction::Sha256 => Sha256::digest(input).to_vec(),
        HashFunction::Sha512 => Sha512::digest(input).to_vec(),
        HashFunction::Sm3 => Sm3::digest(input).to_vec(),
    }
}

/// HMAC (RFC 2104) over `function`.
fn hmac(function: HashFunction, key: &[u8], input: &[u8]) -> Vec<u8> {
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
    match function {
        HashFunction::Md5 => run::<Hmac<Md5>>(key, input),
        HashFunction::Sha1 => run::<Hmac<Sha1>>(key, input),
        HashFunction::Sha256 => run::<Hmac<Sha256>>(key, input),
        HashFunction::Sha512 => run::<Hmac<Sha512>>(key, input),
        HashFunction::Sm3 => run::<Hmac<Sm3>>(key, input),
    }
}

/// The base64 engine of an alphabet and padding; decoding with it accepts only that
/// alphabet and exactly that padding.
pub fn base64_engine(alphabet: Base64Alphabet, padded: bool) -> &'static GeneralPurpose {
    match (alphabet, padded) {
        (Base64Alphabet::Standard, true) => &STANDARD,
        (Base64Alphabet::Standard, false) => &STANDARD_NO_PAD,
        (Base64Alphabet::Url, true) => &URL_SAFE,
        (Base64Alphabet::Url, false) => &URL_SAFE_NO_PAD,
    }
}

/// A step's bytes as its declared text.
pub fn output_text(bytes: &[u8], output: DigestOutput) -> String {
    match output.form().text {
        TextEncoding::Hex(case) => hex_text(bytes, case),
        TextEncoding::Base64 { alphabet, padded } => base64_engine(alphabet, padded).encode(bytes),
    }
}

/// The bytes of a received step text in its declared form; `None` when it is not in
/// that form (hex of either case is accepted).
pub fn decode_output(text: &str, output: DigestOutput) -> Option<Vec<u8>> {
    match output.form().text {
        TextEncoding::Hex(_) => hex::decode(text).ok(),
        TextEncoding::Base64 { alphabet, padded } => {
            base64_engine(alphabet, padded).decode(text).ok()
        }
    }
}

/// One plain hash of `input` as hex text; `""` for HMACs and signatures, which need a
/// key (run them through a recipe).
pub fn digest_hex(algorithm: DigestAlgorithm, input: &[u8], case: HexCase) -> String {
    if algorithm.kind() != AlgorithmKind::Hash {
        return String::new();
    }
    hex_text(&hash(algorithm.hash(), input), case)
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

/// The lowercase hex SHA1 of `value`: what a `sent_as: sha1_hex` field sends.
pub fn sha1_hex(value: &str) -> String {
    digest_hex(DigestAlgorithm::Sha1, value.as_bytes(), HexCase::Lower)
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
            private: None,
        };
        let step = DigestStep {
            algorithm,
            output: DigestOutput::Hex(HexCase::Lower),
        };
        hex_text(&step_bytes(step, keys, data).unwrap(), HexCase::Lower)
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
    fn sm3_matches_gb_t_32905_2016_example_2() {
        // GB/T 32905-2016 appendix A (GM/T 0004-2012 A.2), example 2: the 512-bit message
        // "abcd" sixteen times.
        assert_eq!(
            digest_hex(
                DigestAlgorithm::Sm3,
                "abcd".repeat(16).as_bytes(),
                HexCase::Lower
            ),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }

    #[test]
    fn hmac_sm3_matches_gm_t_0042_2015_appendix_d_3() {
        // GM/T 0042-2015 (三元对等密码安全协议测试规范) appendix D.3, cases 1 and 2, as
        // carried by OpenSSL's test data and Intel ipsec-mb's `hmac_sm3.json.c`.
        let key: Vec<u8> = (1u8..=0x20).collect();
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".repeat(2);
        assert_eq!(
            keyed_hex(DigestAlgorithm::HmacSm3, &key, message.as_bytes()),
            "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a"
        );
        let key: Vec<u8> = (1u8..=0x25).collect();
        assert_eq!(
            keyed_hex(DigestAlgorithm::HmacSm3, &key, &[0xcd; 50]),
            "220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae"
        );
    }

    fn base64(alphabet: Base64Alphabet, padded: bool) -> DigestOutput {
        DigestOutput::from_form(paygen_protocol::OutputForm {
            text: TextEncoding::Base64 { alphabet, padded },
            signature: paygen_protocol::SignatureForm::Der,
        })
    }

    #[test]
    fn base64_outputs_match_rfc_4648_section_10_and_section_9() {
        use Base64Alphabet::{Standard, Url};
        // RFC 4648 section 10, padded; without padding the `=` go.
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, padded) in vectors {
            let bare = padded.trim_end_matches('=');
            for alphabet in [Standard, Url] {
                let with = base64(alphabet, true);
                let without = base64(alphabet, false);
                assert_eq!(output_text(input.as_bytes(), with), padded, "{input:?}");
                assert_eq!(output_text(input.as_bytes(), without), bare, "{input:?}");
                assert_eq!(decode_output(padded, with).unwrap(), input.as_bytes());
                assert_eq!(decode_output(bare, without).unwrap(), input.as_bytes());
            }
        }
        // The section 10 vectors hold no `+` or `/`; section 9's illustration does.
        let bytes = [0x14, 0xfb, 0x9c, 0x03, 0xd9, 0x7e];
        assert_eq!(output_text(&bytes, base64(Standard, true)), "FPucA9l+");
        assert_eq!(output_text(&bytes, base64(Url, true)), "FPucA9l-");
        assert_eq!(output_text(&bytes[..5], base64(Standard, true)), "FPucA9k=");
        assert_eq!(output_text(&bytes[..5], base64(Url, false)), "FPucA9k");
        // The standard padded form is still written `Base64`, so old tables do not change.
        assert_eq!(base64(Standard, true), DigestOutput::Base64);
    }

    #[test]
    fn a_received_base64_text_must_be_in_its_declared_form() {
        use Base64Alphabet::{Standard, Url};
        assert_eq!(decode_output("FPucA9l-", base64(Standard, true)), None);
        assert_eq!(decode_output("FPucA9l+", base64(Url, true)), None);
        assert_eq!(decode_output("FPucA9k", base64(Standard, true)), None);
        assert_eq!(decode_output("FPucA9k=", base64(Standard, false)), None);
        assert_eq!(
            decode_output("AB01", DigestOutput::Hex(HexCase::Lower)),
            Some(vec![0xab, 0x01])
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
