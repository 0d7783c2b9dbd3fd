//! PostgreSQL: the delivery store (`INSERT … ON CONFLICT DO NOTHING` claims) and the
//! payment journal (leases taken with `FOR UPDATE SKIP LOCKED`), over one sqlx pool.
//! Tables: see the crate's README and `migrations/`.

use crate::journal::{
    kind_name, outcome_label, parse_kind, parse_verdict, verdict_name, Intent, Journal,
    JournalError, Lease, PaymentId, PaymentRecord, Settled, SettledAs, StepEntry, Unfinished,
};
use async_trait::async_trait;
use paygen::gateway::Extra;
use paygen::{Claim, ClaimToken, DeliveryStore, Fen, StoreError, StoreFuture};
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::Row;
use std::time::Duration;

/// The crate's migrations, applied by [`PgStore::connect`] and [`PgStore::migrate`].
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The delivery store and the journal on one PostgreSQL pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

/// A driver error as the store's.
fn failed(what: &str, error: sqlx::Error) -> StoreError {
    StoreError::new("postgres", what, error)
}

/// A lease's length as the seconds `make_interval` takes.
fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

impl PgStore {
    /// Connects to `url` (at most 10 connections, 5 s to get one) and applies the
    /// migrations.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| failed("connect", e))?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// A store over `pool`, as it is (call [`Self::migrate`] once).
    pub fn from_pool(pool: PgPool) -> PgStore {
        PgStore { pool }
    }

    /// Applies the migrations not yet applied (sqlx's `_sqlx_migrations` table keeps
    /// which; concurrent callers wait on its lock).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::new("postgres", "migrate", e))
    }

    /// The pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Forgets events handed on more than `age` ago (a provider stops redelivering
    /// after a day or so); returns how many.
    pub async fn prune_deliveries(&self, age: Duration) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM paygen_deliveries \
             WHERE handed_on AND recorded_at < now() - make_interval(secs => $1)",
        )
        .bind(seconds(age))
        .execute(&self.pool)
        .await
        .map_err(|e| failed("prune deliveries", e))?;
        Ok(done.rows_affected())
    }

    async fn claim_event(&self, key: &str, lease: Duration) -> Result<Claim, StoreError> {
        let claim = ClaimToken::fresh(key);
        // The insert is the claim: of two receivers at the same instant, one inserts.
        let inserted = sqlx::query(
            "INSERT INTO paygen_deliveries (event_key, token, claimed_until) \
             VALUES ($1, $2, now() + make_interval(secs => $3)) \
             ON CONFLICT (event_key) DO NOTHING",
        )
        .bind(key)
        .bind(&claim.token)
        .bind(seconds(lease))
        .execute(&self.pool)
        .await
        .map_err(|e| failed("claim", e))?;
        if inserted.rows_affected() == 1 {
            return Ok(Claim::Won(claim));
        }
        // A claim whose lease ended (its holder died mid-hand-on) is taken over.
        let taken = sqlx::query(
            "UPDATE paygen_deliveries \
             SET token = $2, claimed_until = now() + make_interval(secs => $3) \
             WHERE event_key = $1 AND NOT handed_on AND claimed_until < now()",
        )
        .bind(key)
        .bind(&claim.token)
        .bind(seconds(lease))
        .execute(&self.pool)
        .await
        .map_err(|e| failed("claim", e))?;
        if taken.rows_affected() == 1 {
            return Ok(Claim::Won(claim));
        }
        let handed_on: Option<bool> =
            sqlx::query_scalar("SELECT handed_on FROM paygen_deliveries WHERE event_key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| failed("claim", e))?;
        // No row: released between the statements; the provider's retry will win it.
        Ok(match handed_on {
            Some(true) => Claim::HandedOn,
            _ => Claim::Held,
        })
    }

    async fn settle_claim(&self, claim: &ClaimToken, record: bool) -> Result<(), StoreError> {
        let statement = if record {
            "UPDATE paygen_deliveries SET handed_on = true, recorded_at = now() \
             WHERE event_key = $1 AND token = $2 AND NOT handed_on"
        } else {
            "DELETE FROM paygen_deliveries WHERE event_key = $1 AND token = $2 AND NOT handed_on"
        };
        let done = sqlx::query(statement)
            .bind(&claim.key)
            .bind(&claim.token)
            .execute(&self.pool)
            .await
            .map_err(|e| failed(if record { "record" } else { "release" }, e))?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError {
                store: "postgres",
                message: format!("the claim of `{}` is no longer held", claim.key),
                source: None,
            })
        }
    }

    async fn record_of(&self, row: Option<PgRow>) -> Result<Option<PaymentRecord>, JournalError> {
        let Some(row) = row else { return Ok(None) };
        let payment = unfinished(&row).map_err(|e| failed("read payment", e))?;
        let settled = match row
            .try_get::<Option<String>, _>("settlement")
            .map_err(|e| failed("read payment", e))?
        {
            Some(name) => Some(Settled {
                settled_as: SettledAs::parse(&name).unwrap_or(SettledAs::NeedsManualAttention),
                detail: row
                    .try_get::<Option<String>, _>("detail")
                    .map_err(|e| failed("read payment", e))?
                    .unwrap_or_default(),
            }),
            None => None,
        };
        let steps = sqlx::query(
            "SELECT kind, verdict, outcome FROM paygen_payment_steps \
             WHERE payment_id = $1 ORDER BY id",
        )
        .bind(payment.id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| failed("read steps", e))?
        .iter()
        .filter_map(|row| {
            let kind: String = row.try_get("kind").ok()?;
            let verdict: Option<String> = row.try_get("verdict").ok()?;
            let outcome: String = row.try_get("outcome").ok()?;
            Some(StepEntry {
                kind: parse_kind(&kind)?,
                verdict: verdict.as_deref().and_then(parse_verdict),
                outcome: outcome_label(&outcome),
            })
        })
        .collect();
        Ok(Some(PaymentRecord {
            id: payment.id,
            intent: payment.intent,
            steps,
            settled,
        }))
    }
}

/// The `order_extra` column's JSON object.
fn extra_of(text: String) -> Result<Extra, sqlx::Error> {
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// A payments row's identity and intent.
fn unfinished(row: &PgRow) -> Result<Unfinished, sqlx::Error> {
    Ok(Unfinished {
        id: PaymentId(row.try_get("id")?),
        intent: Intent {
            provider: row.try_get("provider")?,
            order_no: row.try_get("order_no")?,
            amount: Fen(row.try_get("amount_fen")?),
            deadline_ms: row.try_get("deadline_ms")?,
            order_extra: extra_of(row.try_get("order_extra")?)?,
        },
    })
}

impl DeliveryStore for PgStore {
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

const PAYMENT_COLUMNS: &str =
    "id, provider, order_no, amount_fen, deadline_ms, order_extra, settlement, detail";

#[async_trait]
impl Journal for PgStore {
    async fn begin(&self, intent: &Intent, lease: &Lease) -> Result<PaymentId, JournalError> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO paygen_payments \
               (provider, order_no, amount_fen, deadline_ms, order_extra, lease_owner, lease_until) \
             VALUES ($1, $2, $3, $4, $7, $5, now() + make_interval(secs => $6)) \
             ON CONFLICT (provider, order_no) DO NOTHING RETURNING id",
        )
        .bind(&intent.provider)
        .bind(&intent.order_no)
        .bind(intent.amount.0)
        .bind(intent.deadline_ms)
        .bind(&lease.owner)
        .bind(seconds(lease.duration))
        .bind(serde_json::Value::Object(intent.order_extra.clone()).to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| failed("begin payment", e))?;
        id.map(PaymentId).ok_or_else(|| JournalError::Duplicate {
            provider: intent.provider.clone(),
            order_no: intent.order_no.clone(),
        })
    }

    async fn step(
        &self,
        id: PaymentId,
        step: &StepEntry,
        lease: &Lease,
    ) -> Result<(), JournalError> {
        // One statement, one commit: the step is kept whoever holds the payment now
        // (it happened), and the lease is renewed only for its holder.
        let renewed: i64 = sqlx::query_scalar(
            "WITH step AS ( \
               INSERT INTO paygen_payment_steps (payment_id, kind, verdict, outcome, owner) \
               VALUES ($1, $4, $5, $6, $2)), \
             renewed AS ( \
               UPDATE paygen_payments SET lease_until = now() + make_interval(secs => $3) \
               WHERE id = $1 AND lease_owner = $2 AND settlement IS NULL RETURNING 1) \
             SELECT count(*) FROM renewed",
        )
        .bind(id.0)
        .bind(&lease.owner)
        .bind(seconds(lease.duration))
        .bind(kind_name(step.kind))
        .bind(step.verdict.map(verdict_name))
        .bind(step.outcome)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| failed("record step", e))?;
        if renewed == 1 {
            Ok(())
        } else {
            Err(JournalError::LeaseLost(id))
        }
    }

    async fn finish(
        &self,
        id: PaymentId,
        settled: &Settled,
        lease: &Lease,
    ) -> Result<(), JournalError> {
        let done = sqlx::query(
            "UPDATE paygen_payments \
             SET settlement = $3, detail = $4, finished_at = now(), \
                 lease_owner = NULL, lease_until = NULL \
             WHERE id = $1 AND lease_owner = $2 AND settlement IS NULL",
        )
        .bind(id.0)
        .bind(&lease.owner)
        .bind(settled.settled_as.as_str())
        .bind(&settled.detail)
        .execute(&self.pool)
        .await
        .map_err(|e| failed("finish payment", e))?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        match self.payment(id).await? {
            Some(_) => Err(JournalError::LeaseLost(id)),
            None => Err(JournalError::NotFound(id)),
        }
    }

    async fn claim_next(
        &self,
        provider: &str,
        lease: &Lease,
    ) -> Result<Option<Unfinished>, JournalError> {
        // SKIP LOCKED: a row another claimer is taking is passed over, not waited for;
        // once taken, its lease keeps it from every other claimer.
        let row = sqlx::query(
            "UPDATE paygen_payments \
             SET lease_owner = $2, lease_until = now() + make_interval(secs => $3) \
             WHERE id = ( \
               SELECT id FROM paygen_payments \
               WHERE provider = $1 AND settlement IS NULL \
                 AND (lease_until IS NULL OR lease_until < now()) \
               ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING id, provider, order_no, amount_fen, deadline_ms, order_extra",
        )
        .bind(provider)
        .bind(&lease.owner)
        .bind(seconds(lease.duration))
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| failed("claim payment", e))?;
        row.as_ref()
            .map(unfinished)
            .transpose()
            .map_err(|e| JournalError::Store(failed("claim payment", e)))
    }

    async fn payment(&self, id: PaymentId) -> Result<Option<PaymentRecord>, JournalError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PAYMENT_COLUMNS} FROM paygen_payments WHERE id = $1"
        )))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| failed("read payment", e))?;
        self.record_of(row).await
    }

    async fn find(
        &self,
        provider: &str,
        order_no: &str,
    ) -> Result<Option<PaymentRecord>, JournalError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PAYMENT_COLUMNS} FROM paygen_payments WHERE provider = $1 AND order_no = $2"
        )))
        .bind(provider)
        .bind(order_no)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| failed("read payment", e))?;
        self.record_of(row).await
    }
}
