//! Memory of values a receiver has already accepted: replayed nonces are refused.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

/// Remembers keys (a provider's nonce values) so that a second sighting can be refused.
/// Implement it over a shared store (Redis, a database) when several processes receive.
pub trait SeenStore: Send + Sync {
    /// Records `key`; true the first time it is seen, false on every later sighting.
    fn first_sighting(&self, key: &str) -> bool;
}

/// An in-memory [`SeenStore`] that keeps the most recent `capacity` keys.
#[derive(Debug)]
pub struct MemorySeenStore {
    capacity: usize,
    state: Mutex<Remembered>,
}

#[derive(Debug, Default)]
struct Remembered {
    keys: HashSet<String>,
    order: VecDeque<String>,
}

impl MemorySeenStore {
    /// A store that forgets the oldest key once it holds `capacity` keys (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        MemorySeenStore {
            capacity: capacity.max(1),
            state: Mutex::new(Remembered::default()),
        }
    }
}

impl Default for MemorySeenStore {
    /// Remembers the last 100,000 keys.
    fn default() -> Self {
        Self::with_capacity(100_000)
    }
}

impl SeenStore for MemorySeenStore {
    fn first_sighting(&self, key: &str) -> bool {
        // A poisoned lock only means another thread panicked mid-insert; the sets stay
        // consistent enough to answer, and refusing every message would be worse.
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.keys.contains(key) {
            return false;
        }
        if state.order.len() >= self.capacity {
            if let Some(oldest) = state.order.pop_front() {
                state.keys.remove(&oldest);
            }
        }
        state.keys.insert(key.to_owned());
        state.order.push_back(key.to_owned());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_sighting_is_refused_and_old_keys_are_forgotten() {
        let store = MemorySeenStore::with_capacity(2);
        assert!(store.first_sighting("a"));
        assert!(!store.first_sighting("a"));
        assert!(store.first_sighting("b"));
        assert!(store.first_sighting("c"));
        assert!(
            store.first_sighting("a"),
            "oldest key forgotten at capacity"
        );
        assert!(!store.first_sighting("c"));
    }
}
