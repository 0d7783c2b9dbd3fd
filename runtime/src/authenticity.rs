//! How a received message's fields were established: signed, sealed, a checksum or
//! nothing. Every layer above the wire reports it; errors carry it.

/// How a decoded message's signature was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authenticity {
    /// The signature matched the received values.
    Verified,
    /// The protocol does not sign this message.
    Unsigned,
    /// A reply of a shape the protocol sends unsigned (declared in the spec's
    /// `unsigned_error_when`); it can only ever be an error.
    UnsignedErrorReply,
    /// The message is protected only by encryption without a MAC (WeChat Pay v2's
    /// refund notification, AES-256-ECB `req_info`): blocks can be repeated, reordered
    /// or spliced from other messages, so its fields are not authentic until a signed
    /// query confirms them.
    EncryptedOnly,
    /// The recipe has no key: a digest anyone can compute detected transport damage,
    /// and nothing more.
    Checksum,
    /// No signature, but the payload was decrypted and authenticated by an AEAD key
    /// shared with the provider (WeChat Pay APIv3's AES-256-GCM `resource`): not a
    /// signature, but only the key holders could have made it.
    Sealed,
}

impl Authenticity {
    /// Whether the message's fields are as the provider sent them: a verified signature
    /// says so, and so does an AEAD tag.
    // A sealed payload counts: its tag covers every byte handed over, and the only other
    // holder of the key is the merchant receiving it, who has no reason to forge to
    // itself. A leaked key forges both, as it would an HMAC signature's.
    pub fn is_authentic(self) -> bool {
        matches!(self, Authenticity::Verified | Authenticity::Sealed)
    }

    /// What the check established, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Authenticity::Verified => "signature verified",
            Authenticity::Unsigned => "the protocol does not sign this message",
            Authenticity::UnsignedErrorReply => {
                "unsigned error reply (a shape the protocol sends unsigned; never a success)"
            }
            Authenticity::EncryptedOnly => {
                "only encrypted, not signed: decrypted with the key, but not authentic until a \
                 signed query confirms it"
            }
            Authenticity::Checksum => "a keyless checksum matched: anyone can compute it",
            Authenticity::Sealed => {
                "sealed, not signed: decrypted and authenticated with the key shared with the \
                 provider, so only a holder of that key could have made it"
            }
        }
    }
}
