//! Notifications: when an order is paid or refunded, the spec's notification is signed
//! with `paygen::tooling::server::encode_notification_signed` (in the body, or in headers
//! over `sandbox.signature_headers`) and delivered to the order's notify URL,
//! again on the spec's retry schedule until the answer is exactly the documented
//! acknowledgement. Deliveries are bounded in number and stop with the sandbox.

use crate::log::RequestLog;
use crate::providers::Served;
use crate::reply::{echo, fill, set_path, Fill};
use crate::signed::SignatureHeaders;
use crate::store::{Order, Refund};
use paygen::clock::format_clock;
use paygen::inbound::ack_body;
use paygen::protocol::{BodyFormat, Notification};
use paygen::tooling::server::encode_notification_signed;
use paygen::{Clock, Credentials, SystemClock};
use paygen_codegen::spec::model::SandboxEvent;
use serde_json::{Map, Value};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How many finished deliveries [`Notifier::deliveries`] remembers.
const LOG_CAPACITY: usize = 1000;

/// What happened to one delivery, for tests and the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its number, in order of creation.
    pub id: u64,
    /// The spec name.
    pub provider: String,
    /// The notification's name.
    pub notification: String,
    /// The merchant's order number.
    pub order_no: String,
    /// Where it was sent.
    pub url: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// Whether the documented acknowledgement came back.
    pub acknowledged: bool,
    /// Still being retried.
    pub pending: bool,
}

/// One notification to deliver: its protocol, the signer's credentials and its fields.
struct Job {
    notification: Notification,
    credentials: Credentials,
    utc_offset_minutes: i32,
    fields: Map<String, Value>,
    /// The headers a header-signed notification signs, fresh on every attempt.
    signature_headers: SignatureHeaders,
    schedule: Vec<Duration>,
    url: String,
    id: u64,
}

/// Signs and delivers notifications; at most `max_pending` at a time.
#[derive(Debug)]
pub struct Notifier {
    client: Option<reqwest::Client>,
    pending: Arc<AtomicUsize>,
    max_pending: usize,
    divisor: u32,
    log: RequestLog,
    stop: watch::Receiver<bool>,
    sequence: AtomicU64,
    deliveries: Arc<Mutex<VecDeque<Delivery>>>,
}

impl Notifier {
    /// A notifier that waits `1/divisor` of each scheduled delay, holds at most
    /// `max_pending` deliveries, and stops when `stop` turns true or is dropped.
    pub fn new(
        max_pending: usize,
        divisor: u32,
        log: RequestLog,
        stop: watch::Receiver<bool>,
    ) -> Self {
        // Building a client only fails without a TLS backend; deliveries are then
        // skipped (and logged), the sandbox still answers requests.
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5))
            .build()
            .ok();
        Notifier {
            client,
            pending: Arc::new(AtomicUsize::new(0)),
            max_pending,
            divisor: divisor.max(1),
            log,
            stop,
            sequence: AtomicU64::new(0),
            deliveries: Arc::new(Mutex::new(VecDeque::new())),
        }
    }

    /// Deliveries so far, oldest first (the last 1000).
    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.deliveries).iter().cloned().collect()
    }

    /// Deliveries still being retried.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }

    /// Starts delivering every notification the spec sends on `event` for `order`, to
    /// `url`. A refund's notification echoes `refund`'s request fields and number.
    pub fn notify(
        &self,
        served: &Served,
        event: SandboxEvent,
        order: &Order,
        refund: Option<&Refund>,
        url: Option<&str>,
    ) {
        let Some(sandbox) = &served.sandbox else {
            return;
        };
        let Some(url) = url.filter(|u| !u.is_empty()) else {
            return;
        };
        for entry in sandbox.notifications.iter().filter(|n| n.on == event) {
            let Some(notification) = served.provider.notification(&entry.notification.value) else {
                continue;
            };
            let claimed = self
                .pending
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n < self.max_pending).then_some(n + 1)
                });
            if claimed.is_err() {
                self.log.line(format_args!(
                    "notify {}.{} {}: dropped, {} deliveries pending",
                    served.provider.name, notification.name, order.order_no, self.max_pending
                ));
                continue;
            }
            let sequence = self.sequence.fetch_add(1, Ordering::SeqCst);
            let mut fields = notification_fields(served, notification, order, refund, sequence);
            for (name, value) in entry.fields.iter() {
                set_path(&notification.fields, &mut fields, name, value, &Fill::NONE);
            }
            self.record(Delivery {
                id: sequence,
                provider: served.provider.name.to_string(),
                notification: notification.name.to_string(),
                order_no: order.order_no.clone(),
                url: url.to_owned(),
                attempts: 0,
                acknowledged: false,
                pending: true,
            });
            let job = Job {
                notification: notification.clone(),
                credentials: served.credentials.clone(),
                utc_offset_minutes: served.provider.utc_offset_minutes,
                fields,
                signature_headers: SignatureHeaders::of(Some(sandbox)),
                schedule: entry
                    .retry_seconds
                    .iter()
                    .map(|s| Duration::from_secs(*s) / self.divisor)
                    .collect(),
                url: url.to_owned(),
                id: sequence,
            };
            let worker = Worker {
                client: self.client.clone(),
                pending: self.pending.clone(),
                deliveries: self.deliveries.clone(),
                stop: self.stop.clone(),
                log: self.log.clone(),
            };
            tokio::spawn(worker.run(job));
        }
    }

    /// Adds a delivery to the bounded log.
    fn record(&self, delivery: Delivery) {
        let mut log = lock(&self.deliveries);
        if log.len() >= LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(delivery);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The notification's fields: required ones filled, the order's and the refund's
/// request fields and the merchant's plain credentials echoed by name, the provider's
/// order and refund numbers under their names, a fresh nonce in the signed nonce field.
fn notification_fields(
    served: &Served,
    notification: &Notification,
    order: &Order,
    refund: Option<&Refund>,
    sequence: u64,
) -> Map<String, Value> {
    let table = &notification.fields;
    let mut source = order.fields.clone();
    if let Some(refund) = refund {
        source.extend(refund.fields.iter().map(|(k, v)| (k.clone(), v.clone())));
        let name = served
            .sandbox
            .as_ref()
            .and_then(|s| s.provider_refund_no.as_ref());
        if let Some(name) = name {
            source.insert(
                name.clone(),
                Value::from(refund.provider_refund_no.as_str()),
            );
        }
    }
    for def in served.provider.credentials.iter() {
        if let Ok(value) = served.credentials.get(def.name.as_ref()) {
            if !value.is_secret() {
                source
                    .entry(def.name.to_string())
                    .or_insert_with(|| Value::from(value.expose()));
            }
        }
    }
    if let Some(name) = served.sandbox.as_ref().and_then(|s| s.provider_no.as_ref()) {
        source.insert(name.clone(), Value::from(order.provider_no.as_str()));
    }
    let with = Fill {
        values: served.sandbox.as_ref().map(|s| &s.fill.0.value),
        request: Some(&order.fields),
        amount: Some(order.amount - order.refunded),
        numbers: Some((&order.order_no, &order.provider_no)),
        utc_offset_minutes: served.provider.utc_offset_minutes,
    };
    let mut fields = Map::new();
    fill(table, &mut fields, &with);
    echo(table, &mut fields, &source);
    if let Some(nonce) = notification
        .verification
        .as_ref()
        .and_then(|v| v.nonce.as_ref()?.field())
    {
        // Unique per delivery and the same on every retry: a receiver's seen-store
        // recognises the redelivery.
        let text = format!("n{}x{sequence}", order.provider_no);
        fields.insert(nonce.to_string(), Value::from(text));
    }
    fields
}

/// The part of a delivery that runs on its own task.
struct Worker {
    client: Option<reqwest::Client>,
    pending: Arc<AtomicUsize>,
    deliveries: Arc<Mutex<VecDeque<Delivery>>>,
    stop: watch::Receiver<bool>,
    log: RequestLog,
}

impl Worker {
    async fn run(mut self, job: Job) {
        let mut attempt = 0usize;
        loop {
            let acknowledged = self.attempt(&job).await;
            self.update(&job, |d| {
                d.attempts += 1;
                d.acknowledged = acknowledged;
            });
            self.log.line(format_args!(
                "notify {} {} attempt {}: {}",
                job.notification.name,
                job.url,
                attempt + 1,
                if acknowledged {
                    "acknowledged"
                } else {
                    "no ack"
                }
            ));
            if acknowledged {
                break;
            }
            let Some(wait) = job.schedule.get(attempt) else {
                break;
            };
            attempt += 1;
            if *self.stop.borrow() {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(*wait) => {}
                _ = self.stop.changed() => break,
            }
        }
        self.update(&job, |d| d.pending = false);
        self.pending.fetch_sub(1, Ordering::SeqCst);
    }

    fn update(&self, job: &Job, change: impl FnOnce(&mut Delivery)) {
        let mut log = lock(&self.deliveries);
        // Gone when more than the log's capacity came after it.
        if let Some(delivery) = log.iter_mut().rev().find(|d| d.id == job.id) {
            change(delivery);
        }
    }

    /// One attempt: sign with a fresh timestamp, send, compare the answer with the ack.
    async fn attempt(&self, job: &Job) -> bool {
        let Some(client) = &self.client else {
            return false;
        };
        let mut fields = job.fields.clone();
        // A timestamp in a header is the signature headers' own, fresh for each attempt.
        if let Some((freshness, field)) = job
            .notification
            .verification
            .as_ref()
            .and_then(|v| v.freshness.as_ref())
            .and_then(|f| Some((f, f.source.field()?)))
        {
            let mut now = String::new();
            format_clock(
                SystemClock.now_millis(),
                freshness.format,
                job.utc_offset_minutes,
                &mut now,
            );
            fields.insert(field.to_owned(), Value::from(now));
        }
        let values = job.signature_headers.values(job.utc_offset_minutes);
        let Ok(message) = encode_notification_signed(
            &job.notification,
            &job.credentials,
            &fields,
            &paygen::RandomNonce,
            &values,
        ) else {
            return false;
        };
        let body = message.body;
        let mut request = match job.notification.body {
            BodyFormat::Query => {
                let join = if job.url.contains('?') { '&' } else { '?' };
                client.get(format!("{}{join}{body}", job.url))
            }
            format => client
                .post(&job.url)
                .header("Content-Type", paygen::wire::content_type(format))
                .body(body),
        };
        for (name, value) in &message.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        match request.send().await {
            Ok(response) => match response.text().await {
                // The documented acknowledgement, filled from what was sent when the
                // spec's ack is a template.
                Ok(text) => text == ack_body(&job.notification, &fields).as_ref(),
                Err(_) => false,
            },
            Err(_) => false,
        }
    }
}
