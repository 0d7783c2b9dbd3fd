//! Digest chains: each step hashes the previous step's hex text.

use md5::{Digest as _, Md5};
use paygen_protocol::{DigestAlgorithm, DigestStep, HexCase};
use sha1::Sha1;

/// One step of a computed chain, for explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestTrace {
    /// The hash function.
    pub algorithm: DigestAlgorithm,
    /// Its hex output.
    pub output: String,
}

/// Runs the chain over `input` and returns the final hex text. The trace, when given,
/// receives every step's output.
pub fn digest_chain(
    input: &[u8],
    steps: &[DigestStep],
    mut trace: Option<&mut Vec<DigestTrace>>,
) -> String {
    let mut current: Option<String> = None;
    for step in steps {
        let bytes = current.as_deref().map(str::as_bytes).unwrap_or(input);
        let hex = digest_hex(step.algorithm, bytes, step.hex);
        if let Some(trace) = trace.as_deref_mut() {
            trace.push(DigestTrace {
                algorithm: step.algorithm,
                output: hex.clone(),
            });
        }
        current = Some(hex);
    }
    current.unwrap_or_else(|| String::from_utf8_lossy(input).into_owned())
}

/// One digest of `input` as hex text.
pub fn digest_hex(algorithm: DigestAlgorithm, input: &[u8], case: HexCase) -> String {
    match algorithm {
        DigestAlgorithm::Md5 => hex_text(&Md5::digest(input), case),
        DigestAlgorithm::Sha1 => hex_text(&Sha1::digest(input), case),
    }
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
            hex: HexCase::Lower,
        },
        DigestStep {
            algorithm: DigestAlgorithm::Md5,
            hex: HexCase::Lower,
        },
    ];

    #[test]
    fn document_002_section_2_4_sha1_then_md5() {
        let input = "data=3304A5EC2CDEB4D12ED3338B5C01BF6B&open_id=87f46f5db1b65f0ac195285f49ee6958&open_key=0828e83720fdbe3685a7b94214af04f9&timestamp=1497957842";
        let mut trace = Vec::new();
        let sign = digest_chain(input.as_bytes(), &SHA1_THEN_MD5, Some(&mut trace));
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
}
