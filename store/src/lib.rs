//! State that survives crashes and replicas, on the services a payment service already
//! runs: notification hand-off ([`paygen::DeliveryStore`]) on PostgreSQL and Redis, and
//! a payment [`Journal`] (PostgreSQL, memory) from which [`resume`] settles every
//! payment a dead process left unfinished, with queries and cancels only.
//!
//! Features: `postgres` (`postgres::PgStore`, sqlx, migrations embedded and applied
//! by `postgres::PgStore::connect`) and `redis` (`redis::RedisDeliveryStore`). A
//! service that wants neither compiles neither; the memory implementations are always
//! there.

pub mod drive;
pub mod journal;
pub mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "redis")]
pub mod redis;

pub use drive::{pay_and_settle, resume, PayError, Resumed, Route};
pub use journal::{
    Intent, Journal, JournalError, Lease, PaymentId, PaymentRecord, Settled, SettledAs, StepEntry,
    Unfinished,
};
pub use memory::MemoryJournal;
