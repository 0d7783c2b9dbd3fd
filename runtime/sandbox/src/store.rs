//! The in-memory order store, bounded: at most `capacity` orders, the oldest created
//! forgotten first (a FIFO cap, not LRU: reads do not renew an order).

use paygen_codegen::spec::model::SandboxState;
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// One order as the sandbox keeps it.
#[derive(Debug, Clone)]
pub struct Order {
    /// The spec name.
    pub provider: String,
    /// The merchant's order number.
    pub order_no: String,
    /// The provider's order number, made by the sandbox.
    pub provider_no: String,
    /// The amount in 分.
    pub amount: i64,
    /// Refunded so far, in 分.
    pub refunded: i64,
    /// Where it is in its lifecycle.
    pub state: SandboxState,
    /// Queries left before an in-progress payment becomes paid.
    pub queries_left: u32,
    /// The business fields of the request that created it (echoed in replies).
    pub fields: Map<String, Value>,
    /// Where notifications about it go, when the request that created it gave one.
    pub notify_url: Option<String>,
    /// Its refunds, oldest first.
    pub refunds: Vec<Refund>,
}

/// One refund of an order.
#[derive(Debug, Clone)]
pub struct Refund {
    /// The merchant's refund number, when the request gave one (`refund_no`).
    pub refund_no: Option<String>,
    /// The provider's refund number, made by the sandbox.
    pub provider_refund_no: String,
    /// The amount refunded, in 分.
    pub amount: i64,
    /// The business fields of the refund request (echoed in replies).
    pub fields: Map<String, Value>,
}

impl Order {
    /// Whether `number` is the merchant's or the provider's number of one of its refunds.
    pub fn has_refund(&self, number: &str) -> bool {
        self.refunds
            .iter()
            .any(|r| r.refund_no.as_deref() == Some(number) || r.provider_refund_no == number)
    }
}

/// A store refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The order number is taken.
    #[error("duplicate order number")]
    Duplicate,
    /// No such order.
    #[error("no such order")]
    NotFound,
}

#[derive(Debug, Default)]
struct Inner {
    orders: HashMap<(String, String), Order>,
    by_provider_no: HashMap<(String, String), String>,
    /// Refund numbers (the merchant's and the provider's) to their order's number.
    by_refund_no: HashMap<(String, String), String>,
    age: VecDeque<(String, String)>,
    next: u64,
}

impl Inner {
    /// The key of the order found by merchant number, else provider number, else the
    /// number of one of its refunds.
    fn locate(
        &self,
        provider: &str,
        order_no: Option<&str>,
        provider_no: Option<&str>,
        refund_no: Option<&str>,
    ) -> Result<(String, String), StoreError> {
        let by = |index: &HashMap<(String, String), String>, number: &str| {
            index
                .get(&(provider.to_owned(), number.to_owned()))
                .cloned()
        };
        let order_no = match (order_no, provider_no, refund_no) {
            (Some(no), _, _) => no.to_owned(),
            (None, Some(pno), _) => by(&self.by_provider_no, pno).ok_or(StoreError::NotFound)?,
            (None, None, Some(rno)) => by(&self.by_refund_no, rno).ok_or(StoreError::NotFound)?,
            (None, None, None) => return Err(StoreError::NotFound),
        };
        Ok((provider.to_owned(), order_no))
    }
}

/// Orders by (spec, merchant order number), bounded.
#[derive(Debug)]
pub struct OrderStore {
    capacity: usize,
    inner: Mutex<Inner>,
}

impl OrderStore {
    /// An empty store keeping at most `capacity` orders (at least 1).
    pub fn new(capacity: usize) -> Self {
        OrderStore {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores a new order, giving it a provider order number; refuses a taken number.
    pub fn create(&self, mut order: Order) -> Result<Order, StoreError> {
        let mut inner = self.lock();
        let key = (order.provider.clone(), order.order_no.clone());
        if inner.orders.contains_key(&key) {
            return Err(StoreError::Duplicate);
        }
        while inner.orders.len() >= self.capacity {
            let Some(old) = inner.age.pop_front() else {
                break;
            };
            if let Some(gone) = inner.orders.remove(&old) {
                for refund in &gone.refunds {
                    let numbers = refund.refund_no.iter().chain([&refund.provider_refund_no]);
                    for number in numbers {
                        let key = (gone.provider.clone(), number.clone());
                        if inner.by_refund_no.get(&key) == Some(&gone.order_no) {
                            inner.by_refund_no.remove(&key);
                        }
                    }
                }
                inner
                    .by_provider_no
                    .remove(&(gone.provider, gone.provider_no));
            }
        }
        inner.next += 1;
        order.provider_no = format!("8{:015}", inner.next);
        inner.by_provider_no.insert(
            (order.provider.clone(), order.provider_no.clone()),
            order.order_no.clone(),
        );
        inner.age.push_back(key.clone());
        inner.orders.insert(key, order.clone());
        Ok(order)
    }

    /// Applies `change` to the order found by merchant or provider number, atomically.
    pub fn update<R>(
        &self,
        provider: &str,
        order_no: Option<&str>,
        provider_no: Option<&str>,
        change: impl FnOnce(&mut Order) -> R,
    ) -> Result<R, StoreError> {
        self.update_by_refund(provider, order_no, provider_no, None, change)
    }

    /// Applies `change` to the order found by merchant or provider number, or else by
    /// the number (the merchant's or the provider's) of one of its refunds, atomically.
    pub fn update_by_refund<R>(
        &self,
        provider: &str,
        order_no: Option<&str>,
        provider_no: Option<&str>,
        refund_no: Option<&str>,
        change: impl FnOnce(&mut Order) -> R,
    ) -> Result<R, StoreError> {
        let mut inner = self.lock();
        let key = inner.locate(provider, order_no, provider_no, refund_no)?;
        let order = inner.orders.get_mut(&key).ok_or(StoreError::NotFound)?;
        Ok(change(order))
    }

    /// Records `refund` on the order found by merchant or provider number, with a
    /// provider refund number the sandbox makes, if `check` allows it; atomically.
    pub fn refund<E>(
        &self,
        provider: &str,
        order_no: Option<&str>,
        provider_no: Option<&str>,
        mut refund: Refund,
        check: impl FnOnce(&mut Order, &Refund) -> Result<(), E>,
    ) -> Result<Result<(Order, Refund), E>, StoreError> {
        let mut inner = self.lock();
        let key = inner.locate(provider, order_no, provider_no, None)?;
        inner.next += 1;
        refund.provider_refund_no = format!("5{:015}", inner.next);
        let order = inner.orders.get_mut(&key).ok_or(StoreError::NotFound)?;
        if let Err(refused) = check(order, &refund) {
            return Ok(Err(refused));
        }
        order.refunds.push(refund.clone());
        let order = order.clone();
        for number in refund.refund_no.iter().chain([&refund.provider_refund_no]) {
            inner.by_refund_no.insert(
                (provider.to_owned(), number.clone()),
                order.order_no.clone(),
            );
        }
        Ok(Ok((order, refund)))
    }

    /// A copy of an order.
    pub fn get(&self, provider: &str, order_no: &str) -> Option<Order> {
        self.lock()
            .orders
            .get(&(provider.to_owned(), order_no.to_owned()))
            .cloned()
    }

    /// How many orders are kept.
    pub fn len(&self) -> usize {
        self.lock().orders.len()
    }

    /// Whether no order is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(no: &str) -> Order {
        Order {
            provider: "p".into(),
            order_no: no.into(),
            provider_no: String::new(),
            amount: 100,
            refunded: 0,
            state: SandboxState::Paid,
            queries_left: 0,
            fields: Map::new(),
            notify_url: None,
            refunds: Vec::new(),
        }
    }

    #[test]
    fn the_oldest_order_is_forgotten_past_capacity() {
        let store = OrderStore::new(2);
        let first = store.create(order("a")).unwrap();
        store.create(order("b")).unwrap();
        assert_eq!(store.create(order("b")).unwrap_err(), StoreError::Duplicate);
        store.create(order("c")).unwrap();
        assert_eq!(store.len(), 2);
        assert!(store.get("p", "a").is_none());
        let by_number = store.update("p", None, Some(&first.provider_no), |_| ());
        assert_eq!(by_number.unwrap_err(), StoreError::NotFound);
    }
}
