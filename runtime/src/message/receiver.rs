//! What a receiver checks a received message against: its credentials, its clock and the
//! nonces it has seen.

use crate::clock::Clock;
use crate::crypto::credentials::Credentials;
use crate::message::seen::SeenStore;

/// What a receiver checks a message against.
#[derive(Clone, Copy)]
pub struct Receiver<'a> {
    /// The merchant's credentials (keys to verify and decrypt with).
    pub credentials: &'a Credentials,
    /// The receiver's clock, for freshness windows.
    pub clock: &'a dyn Clock,
    /// Offset of the provider's wall clock from UTC, in minutes, for its timestamps.
    pub utc_offset_minutes: i32,
    /// Nonces accepted before; a replayed nonce is refused. `None` skips that check.
    pub seen: Option<&'a dyn SeenStore>,
}

impl std::fmt::Debug for Receiver<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("credentials", self.credentials)
            .field("utc_offset_minutes", &self.utc_offset_minutes)
            .field("seen", &self.seen.is_some())
            .finish_non_exhaustive()
    }
}
