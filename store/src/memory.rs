//! The journal in one process's memory: for tests, and for a service that accepts
//! losing its journal with the process.

use crate::journal::{
    Intent, Journal, JournalError, Lease, PaymentId, PaymentRecord, Settled, StepEntry, Unfinished,
};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// A [`Journal`] in memory.
#[derive(Debug, Default)]
pub struct MemoryJournal {
    payments: Mutex<Rows>,
}

/// The rows, by id (position from 1), and their ids by (provider, order number).
#[derive(Debug, Default)]
struct Rows {
    rows: Vec<Row>,
    by_order: HashMap<(String, String), PaymentId>,
}

#[derive(Debug)]
struct Row {
    record: PaymentRecord,
    holder: Option<(String, Instant)>,
}

impl MemoryJournal {
    /// An empty journal.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Rows> {
        // A poisoned lock only means a thread panicked between two pushes.
        self.payments.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The row of payment `id` (ids are positions from 1).
fn row(rows: &mut [Row], id: PaymentId) -> Result<&mut Row, JournalError> {
    usize::try_from(id.0 - 1)
        .ok()
        .and_then(|at| rows.get_mut(at))
        .ok_or(JournalError::NotFound(id))
}

/// Holds `row` for `lease` if it is unfinished and `lease`'s owner holds it.
fn renew(row: &mut Row, id: PaymentId, lease: &Lease) -> Result<(), JournalError> {
    match &row.holder {
        Some((owner, _)) if *owner == lease.owner && row.record.settled.is_none() => {
            row.holder = Some((lease.owner.clone(), Instant::now() + lease.duration));
            Ok(())
        }
        _ => Err(JournalError::LeaseLost(id)),
    }
}

#[async_trait]
impl Journal for MemoryJournal {
    async fn begin(&self, intent: &Intent, lease: &Lease) -> Result<PaymentId, JournalError> {
        let mut payments = self.lock();
        let order = (intent.provider.clone(), intent.order_no.clone());
        if payments.by_order.contains_key(&order) {
            return Err(JournalError::Duplicate {
                provider: intent.provider.clone(),
                order_no: intent.order_no.clone(),
            });
        }
        let id = PaymentId(i64::try_from(payments.rows.len()).unwrap_or(i64::MAX - 1) + 1);
        payments.by_order.insert(order, id);
        payments.rows.push(Row {
            record: PaymentRecord {
                id,
                intent: intent.clone(),
                steps: Vec::new(),
                settled: None,
            },
            holder: Some((lease.owner.clone(), Instant::now() + lease.duration)),
        });
        Ok(id)
    }

    async fn step(
        &self,
        id: PaymentId,
        step: &StepEntry,
        lease: &Lease,
    ) -> Result<(), JournalError> {
        let mut payments = self.lock();
        let row = row(&mut payments.rows, id)?;
        // The step happened whoever holds the payment now: it is kept either way.
        row.record.steps.push(*step);
        renew(row, id, lease)
    }

    async fn finish(
        &self,
        id: PaymentId,
        settled: &Settled,
        lease: &Lease,
    ) -> Result<(), JournalError> {
        let mut payments = self.lock();
        let row = row(&mut payments.rows, id)?;
        renew(row, id, lease)?;
        row.record.settled = Some(settled.clone());
        row.holder = None;
        Ok(())
    }

    async fn claim_next(
        &self,
        provider: &str,
        lease: &Lease,
    ) -> Result<Option<Unfinished>, JournalError> {
        let mut payments = self.lock();
        let now = Instant::now();
        let free = payments.rows.iter_mut().find(|r| {
            r.record.intent.provider == provider
                && r.record.settled.is_none()
                && r.holder.as_ref().is_none_or(|(_, until)| *until <= now)
        });
        Ok(free.map(|row| {
            row.holder = Some((lease.owner.clone(), now + lease.duration));
            Unfinished {
                id: row.record.id,
                intent: row.record.intent.clone(),
            }
        }))
    }

    async fn payment(&self, id: PaymentId) -> Result<Option<PaymentRecord>, JournalError> {
        let mut payments = self.lock();
        Ok(row(&mut payments.rows, id).ok().map(|r| r.record.clone()))
    }

    async fn find(
        &self,
        provider: &str,
        order_no: &str,
    ) -> Result<Option<PaymentRecord>, JournalError> {
        let mut payments = self.lock();
        let id = payments
            .by_order
            .get(&(provider.to_owned(), order_no.to_owned()))
            .copied();
        Ok(id.and_then(|id| row(&mut payments.rows, id).ok().map(|r| r.record.clone())))
    }
}
