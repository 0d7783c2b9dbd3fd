//! Redis: the delivery store. A claim is `SET key token NX PX lease` (it expires with
//! its holder); recording replaces the token with `handed_on`, kept for the retention
//! period; both record and release check the token in one Lua script, so an ended
//! claim never records or releases another's.

use paygen::{Claim, ClaimToken, DeliveryStore, StoreError, StoreFuture};
use redis::aio::ConnectionManager;
use std::time::Duration;

/// The value of an event handed on (a claim's token is hex, never this).
const HANDED_ON: &str = "handed_on";

/// Compare-and-set: the claim's key takes `ARGV[2]` (with `ARGV[3]` ms to live) only
/// while it holds this claim's token `ARGV[1]`; `ARGV[2]` empty deletes it.
const SETTLE: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1";

/// A [`DeliveryStore`] on Redis.
#[derive(Clone)]
pub struct RedisDeliveryStore {
    connection: ConnectionManager,
    prefix: String,
    retention: Duration,
}

impl std::fmt::Debug for RedisDeliveryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisDeliveryStore")
            .field("prefix", &self.prefix)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

/// A driver error as the store's.
fn failed(what: &str, error: redis::RedisError) -> StoreError {
    StoreError::new("redis", what, error)
}

/// A duration in whole milliseconds, at least 1 (Redis refuses `PX 0`).
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

impl RedisDeliveryStore {
    /// Connects to `url` (a connection that reconnects after a failure); keys are
    /// `paygen:delivery:<event>`, events handed on are kept for `retention` (longer
    /// than the provider's redelivery schedule: WeChat Pay's runs 24 h 4 min).
    pub async fn connect(url: &str, retention: Duration) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|e| failed("open", e))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| failed("connect", e))?;
        Ok(RedisDeliveryStore {
            connection,
            prefix: "paygen:delivery:".to_owned(),
            retention,
        })
    }

    /// The same store with keys under `prefix` instead (tests keep theirs apart).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, event: &str) -> String {
        format!("{}{event}", self.prefix)
    }

    async fn claim_event(&self, event: &str, lease: Duration) -> Result<Claim, StoreError> {
        let claim = ClaimToken::fresh(event);
        let key = self.key(event);
        let mut connection = self.connection.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(&key)
            .arg(&claim.token)
            .arg("NX")
            .arg("PX")
            .arg(millis(lease))
            .query_async(&mut connection)
            .await
            .map_err(|e| failed("claim", e))?;
        if set.is_some() {
            return Ok(Claim::Won(claim));
        }
        let held: Option<String> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut connection)
            .await
            .map_err(|e| failed("claim", e))?;
        // Gone since the SET: its claim ended or was released; the retry will win it.
        Ok(match held.as_deref() {
            Some(HANDED_ON) => Claim::HandedOn,
            _ => Claim::Held,
        })
    }

    async fn settle_claim(&self, claim: &ClaimToken, record: bool) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        let what = if record { "record" } else { "release" };
        let done: i64 = redis::Script::new(SETTLE)
            .key(self.key(&claim.key))
            .arg(&claim.token)
            .arg(if record { HANDED_ON } else { "" })
            .arg(millis(self.retention))
            .invoke_async(&mut connection)
            .await
            .map_err(|e| failed(what, e))?;
        if done == 1 {
            Ok(())
        } else {
            Err(StoreError {
                store: "redis",
                message: format!("the claim of `{}` is no longer held", claim.key),
                source: None,
            })
        }
    }
}

impl DeliveryStore for RedisDeliveryStore {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim> {
        Box::pin(self.claim_event(key, lease))
    }

    fn record<'a>(&'a self, claim: &'a ClaimToken) -> StoreFuture<'a, ()> {
        Box::pin(self.settle_claim(claim, true))
    }

    fn release<'a>(&'a self, claim: &'a ClaimToken) -> StoreFuture<'a, ()> {
        Box::pin(self.settle_claim(claim, false))
    }
}
