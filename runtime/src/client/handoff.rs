//! Handing a notification's event on once, across replicas and failures: claim the
//! event atomically, run the handler, record "handed on" only after it succeeded.
//!
//! A provider redelivers a notification until it gets its acknowledgement, and a load
//! balancer may send the retry to another replica. So the receiver acknowledges only an
//! event that is recorded as handed on: a handler that failed leaves the event
//! unrecorded (its claim released) and the provider's next delivery hands it on again;
//! a store that cannot answer makes the receiver answer failure, so the provider
//! retries, and nothing unrecorded is ever acknowledged.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a [`DeliveryStore`] operation returns: boxed so that the trait stays
/// dyn-compatible (`Arc<dyn DeliveryStore>`).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A shared store could not answer (unreachable, timed out, refused the statement).
#[derive(Debug, thiserror::Error)]
#[error("{store} store: {message}")]
pub struct StoreError {
    /// Which store: `memory`, `postgres`, `redis`...
    pub store: &'static str,
    /// What failed.
    pub message: String,
    /// The driver's error.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// An error of `store` saying `message`, caused by `source`.
    pub fn new(
        store: &'static str,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        StoreError {
            store,
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

/// A claim won: the event is this receiver's to hand on until its lease ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimToken {
    /// The event key claimed.
    pub key: String,
    /// Tells this claim from a later one on the same key (after the lease ended).
    pub token: String,
}

impl ClaimToken {
    /// A claim of `key` with a fresh random token.
    pub fn fresh(key: &str) -> Self {
        let mut bytes = [0u8; 16];
        // Without an OS random source the token is still unique within this process,
        // which is all the memory store needs; shared stores add their own row identity.
        if getrandom::getrandom(&mut bytes).is_err() {
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            bytes[..8].copy_from_slice(&n.to_be_bytes());
        }
        ClaimToken {
            key: key.to_owned(),
            token: hex::encode(bytes),
        }
    }
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This receiver holds the event: hand it on, then record or release.
    Won(ClaimToken),
    /// The event was handed on before: acknowledge it, do nothing.
    HandedOn,
    /// Another receiver holds the event and has not finished: answer failure, so that
    /// the provider retries (that receiver may yet fail).
    Held,
}

/// Where notification events are claimed and recorded as handed on. Implement it over
/// a store every replica shares (the `paygen-store` crate has PostgreSQL and Redis).
pub trait DeliveryStore: Send + Sync {
    /// Claims `key` atomically for `lease` (a claim whose holder died ends with it);
    /// an event already handed on, or held by a live claim, is not won.
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim>;
    /// Records the claimed event as handed on (kept for the store's retention).
    fn record<'a>(&'a self, claim: &'a ClaimToken) -> StoreFuture<'a, ()>;
    /// Gives the claim up without recording: the next delivery hands the event on.
    fn release<'a>(&'a self, claim: &'a ClaimToken) -> StoreFuture<'a, ()>;
}

/// How a delivery was settled by [`hand_on`]; either way, acknowledge it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandedOn {
    /// The handler ran and succeeded now, and that is recorded.
    Now,
    /// A delivery before this one was handed on.
    Before,
}

/// Why a delivery was not handed on; every case means "answer the provider with a
/// failure", so that it delivers again.
#[derive(Debug, thiserror::Error)]
pub enum HandOffError<E> {
    /// The store could not claim or record: nothing may be acknowledged.
    #[error("the delivery store failed: {0}")]
    Store(#[source] StoreError),
    /// The handler failed; its claim was released, the next delivery hands it on.
    #[error("the handler failed")]
    Handler(E),
    /// The handler failed and its claim could not be released either: the next
    /// delivery hands it on once the claim's lease has ended.
    #[error("the handler failed and its claim could not be released: {release}")]
    HandlerAndRelease {
        /// The handler's error.
        handler: E,
        /// The store's.
        #[source]
        release: StoreError,
    },
    /// Another receiver is handing this event on now.
    #[error("another receiver holds this event")]
    Held,
}

/// Claims `key` in `store`, runs `handler` if the claim is won, and records the event
/// as handed on once the handler succeeded (releasing the claim when it failed).
/// `Ok` means: acknowledge the notification. `lease` bounds how long a receiver that
/// died mid-handler keeps the event from the others: longer than the handler takes,
/// waits for the store included, or another receiver takes the event over and it is
/// handed on twice. Run it to the end (on a task of its own): a web framework drops a
/// handler whose client hung up, and a hand-on dropped between claim and record holds
/// the event until the lease ends.
pub async fn hand_on<F, Fut, E>(
    store: &dyn DeliveryStore,
    key: &str,
    lease: Duration,
    handler: F,
) -> Result<HandedOn, HandOffError<E>>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    let claim = match store.claim(key, lease).await.map_err(HandOffError::Store)? {
        Claim::Won(claim) => claim,
        Claim::HandedOn => return Ok(HandedOn::Before),
        Claim::Held => return Err(HandOffError::Held),
    };
    match handler().await {
        Ok(()) => {
            store.record(&claim).await.map_err(HandOffError::Store)?;
            Ok(HandedOn::Now)
        }
        Err(handler) => match store.release(&claim).await {
            Ok(()) => Err(HandOffError::Handler(handler)),
            Err(release) => Err(HandOffError::HandlerAndRelease { handler, release }),
        },
    }
}

/// The in-memory [`DeliveryStore`] of one process, keeping the most recent `capacity`
/// events: enough for one replica; replicas need a shared store.
#[derive(Debug)]
pub struct MemoryDeliveryStore {
    capacity: usize,
    state: Mutex<Events>,
}

#[derive(Debug, Default)]
struct Events {
    entries: HashMap<String, Entry>,
    order: VecDeque<String>,
}

#[derive(Debug)]
enum Entry {
    Claimed { token: String, until: Instant },
    HandedOn,
}

impl MemoryDeliveryStore {
    /// A store that forgets the oldest event once it holds `capacity` (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryDeliveryStore {
            capacity: capacity.max(1),
            state: Mutex::new(Events::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Events> {
        // A poisoned lock only means a thread panicked between two map operations.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn claim_now(&self, key: &str, lease: Duration) -> Claim {
        let mut events = self.lock();
        let now = Instant::now();
        match events.entries.get(key) {
            Some(Entry::HandedOn) => return Claim::HandedOn,
            Some(Entry::Claimed { until, .. }) if *until > now => return Claim::Held,
            Some(Entry::Claimed { .. }) => {}
            None => {
                if events.order.len() >= self.capacity {
                    if let Some(oldest) = events.order.pop_front() {
                        events.entries.remove(&oldest);
                    }
                }
                events.order.push_back(key.to_owned());
            }
        }
        let claim = ClaimToken::fresh(key);
        let until = now.checked_add(lease).unwrap_or(now);
        let token = claim.token.clone();
        events
            .entries
            .insert(key.to_owned(), Entry::Claimed { token, until });
        Claim::Won(claim)
    }

    /// Applies `to` to the entry of `claim` if that claim still holds it.
    fn settle(&self, claim: &ClaimToken, to: Option<Entry>) -> Result<(), StoreError> {
        let mut events = self.lock();
        match events.entries.get(&claim.key) {
            Some(Entry::Claimed { token, .. }) if *token == claim.token => {}
            _ => return Err(claim_lost(&claim.key)),
        }
        match to {
            Some(entry) => {
                events.entries.insert(claim.key.clone(), entry);
            }
            None => {
                events.entries.remove(&claim.key);
                events.order.retain(|k| *k != claim.key);
            }
        }
        Ok(())
    }
}

/// The claim of `key` ended (its lease ran out and another receiver took it).
fn claim_lost(key: &str) -> StoreError {
    StoreError {
        store: "memory",
        message: format!("the claim of `{key}` is no longer held"),
        source: None,
    }
}

impl Default for MemoryDeliveryStore {
    /// Remembers the last 10,000 events.
    fn default() -> Self {
        Self::with_capacity(10_000)
    }
}

impl DeliveryStore for MemoryDeliveryStore {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim> {
        let claim = self.claim_now(key, lease);
        Box::pin(async move { Ok(claim) })
    }

    fn record<'a>(&'a self, claim: &'a ClaimToken) -> StoreFuture<'a, ()> {
        let done = self.settle(claim, Some(Entry::HandedOn));
        Box::pin(async move { done })
    }

    fn release<'a>(&'a self, claim: &'a ClaimToken) -> StoreFuture<'a, ()> {
        let done = self.settle(claim, None);
        Box::pin(async move { done })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(30);

    #[tokio::test]
    async fn a_failed_handler_is_handed_on_again_and_a_success_only_once() {
        let store = MemoryDeliveryStore::default();
        let failed = hand_on(&store, "e1", LEASE, || async { Err::<(), _>("boom") }).await;
        assert!(matches!(failed, Err(HandOffError::Handler("boom"))));
        let mut runs = 0;
        let first = hand_on(&store, "e1", LEASE, || {
            runs += 1;
            async { Ok::<(), ()>(()) }
        })
        .await;
        assert!(matches!(first, Ok(HandedOn::Now)));
        let again = hand_on(&store, "e1", LEASE, || {
            runs += 1;
            async { Ok::<(), ()>(()) }
        })
        .await;
        assert!(matches!(again, Ok(HandedOn::Before)));
        assert_eq!(runs, 1);
    }

    #[tokio::test]
    async fn a_live_claim_holds_the_event_and_an_ended_one_is_taken_over() {
        let store = MemoryDeliveryStore::default();
        let Claim::Won(first) = store.claim("e", LEASE).await.unwrap() else {
            panic!("first claim")
        };
        assert_eq!(store.claim("e", LEASE).await.unwrap(), Claim::Held);
        store.release(&first).await.unwrap();
        let Claim::Won(_) = store.claim("e", Duration::ZERO).await.unwrap() else {
            panic!("claim after release")
        };
        // A zero lease has ended at once: the holder is taken to have died.
        let Claim::Won(second) = store.claim("e", LEASE).await.unwrap() else {
            panic!("claim after the lease")
        };
        assert!(
            store.record(&first).await.is_err(),
            "an ended claim records nothing"
        );
        store.record(&second).await.unwrap();
        assert_eq!(store.claim("e", LEASE).await.unwrap(), Claim::HandedOn);
    }

    #[tokio::test]
    async fn the_oldest_event_is_forgotten_at_capacity() {
        let store = MemoryDeliveryStore::with_capacity(1);
        let Claim::Won(a) = store.claim("a", LEASE).await.unwrap() else {
            panic!()
        };
        store.record(&a).await.unwrap();
        assert!(matches!(
            store.claim("b", LEASE).await.unwrap(),
            Claim::Won(_)
        ));
        assert!(matches!(
            store.claim("a", LEASE).await.unwrap(),
            Claim::Won(_)
        ));
    }
}
