//! The request log: one line per request (and per notification attempt) on stdout,
//! written in batches by a thread of its own.
//!
//! `println!` in a request handler made one blocking `write` under stdout's lock per
//! request, on the async workers, and panicked once stdout was closed (`paygen serve |
//! head`). Waking a writer thread per line costs more than that write, so handlers
//! append to a shared buffer and wake the writer only when it sleeps; the writer lets a
//! burst gather for [`BATCH_INTERVAL`] and writes it in one call. Lines keep their order;
//! a closed stdout loses them; past [`MAX_PENDING`] bytes waiting, lines are dropped and
//! counted (memory stays bounded when stdout blocks).

use std::fmt::Write as _;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// How long the writer lets lines gather after the first one of a batch.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(5);

/// At most this many bytes wait to be written; further lines are dropped and counted.
pub const MAX_PENDING: usize = 1 << 20;

#[derive(Debug, Default)]
struct Pending {
    text: String,
    dropped: u64,
    writer_waiting: bool,
    closed: bool,
}

#[derive(Debug, Default)]
struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, line: std::fmt::Arguments<'_>) {
        let mut pending = self.lock();
        let before = pending.text.len();
        if before >= MAX_PENDING {
            pending.dropped += 1;
            return;
        }
        // Writing into a String cannot fail; a failing Display impl leaves a partial line.
        let _ = pending.text.write_fmt(line);
        pending.text.push('\n');
        let wake = std::mem::take(&mut pending.writer_waiting);
        drop(pending);
        if wake {
            self.wake.notify_one();
        }
    }

    fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_one();
    }

    /// The next batch, after waiting for its first line; `None` once closed and empty.
    fn next_batch(&self, batch: &mut String, gather: Duration) -> Option<u64> {
        let mut pending = self.lock();
        while pending.text.is_empty() && !pending.closed {
            pending.writer_waiting = true;
            pending = self.wake.wait(pending).unwrap_or_else(|e| e.into_inner());
        }
        pending.writer_waiting = false;
        if pending.text.is_empty() {
            return None;
        }
        if !pending.closed && !gather.is_zero() {
            drop(pending);
            std::thread::sleep(gather);
            pending = self.lock();
        }
        batch.clear();
        std::mem::swap(&mut pending.text, batch);
        Some(std::mem::take(&mut pending.dropped))
    }
}

/// Closes the log when the last [`RequestLog`] clone is dropped.
#[derive(Debug)]
struct Handle(Arc<Shared>);

impl Drop for Handle {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Where log lines go: the writer thread, or nowhere when logging is off.
#[derive(Debug, Clone)]
pub struct RequestLog {
    handle: Option<Arc<Handle>>,
}

impl RequestLog {
    /// Lines to stdout when `on`, through a writer thread that ends (after writing what
    /// is left) when every clone is dropped; nothing at all when not `on` or when the
    /// thread cannot be started.
    pub fn stdout(on: bool) -> Self {
        if !on {
            return RequestLog { handle: None };
        }
        let shared = Arc::new(Shared::default());
        let writer = shared.clone();
        let started = std::thread::Builder::new()
            .name("paygen-sandbox-log".into())
            .spawn(move || write_batches(&writer, &mut std::io::stdout(), BATCH_INTERVAL));
        RequestLog {
            handle: started.ok().map(|_| Arc::new(Handle(shared))),
        }
    }

    /// Whether lines are written.
    pub fn is_on(&self) -> bool {
        self.handle.is_some()
    }

    /// Queues one line (without its newline): `log.line(format_args!(...))`.
    pub fn line(&self, line: std::fmt::Arguments<'_>) {
        if let Some(handle) = &self.handle {
            handle.0.push(line);
        }
    }
}

/// Writes batches until the log is closed and drained.
fn write_batches(shared: &Shared, out: &mut impl std::io::Write, gather: Duration) {
    let mut batch = String::new();
    while let Some(dropped) = shared.next_batch(&mut batch, gather) {
        if dropped > 0 {
            let _ = writeln!(out, "log: {dropped} lines dropped (stdout too slow)");
        }
        // A closed or failing stdout must not stop the sandbox: the lines are lost.
        let _ = out.write_all(batch.as_bytes());
        let _ = out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_written_in_order_and_the_writer_ends_when_closed() {
        let shared = Arc::new(Shared::default());
        let writer = {
            let shared = shared.clone();
            std::thread::spawn(move || {
                let mut out = Vec::new();
                write_batches(&shared, &mut out, Duration::from_millis(1));
                out
            })
        };
        for n in 0..1000 {
            shared.push(format_args!("line {n}"));
        }
        shared.close();
        let out = writer.join().expect("writer thread");
        let expected: String = (0..1000).map(|n| format!("line {n}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn lines_past_the_cap_are_dropped_and_counted() {
        let shared = Shared::default();
        let long = "x".repeat(MAX_PENDING);
        shared.push(format_args!("{long}"));
        shared.push(format_args!("dropped"));
        shared.push(format_args!("dropped too"));
        shared.close();
        let mut out = Vec::new();
        write_batches(&shared, &mut out, Duration::ZERO);
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("log: 2 lines dropped"), "{}", &out[..40]);
        assert!(out.ends_with(&format!("{long}\n")));
        assert!(!out.contains("dropped too"));
    }

    #[test]
    fn a_log_that_is_off_writes_nothing() {
        let log = RequestLog::stdout(false);
        assert!(!log.is_on());
        log.line(format_args!("dropped"));
    }
}

/// How many requests each operation received (decoded and authenticated, before any
/// scenario): what tests check "the payment was sent exactly once" against.
#[derive(Debug, Default)]
pub struct Received {
    counts: Mutex<std::collections::BTreeMap<(String, String), u64>>,
}

impl Received {
    /// Counts one request of `spec`'s `operation`.
    pub fn count(&self, spec: &str, operation: &str) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        *counts
            .entry((spec.to_owned(), operation.to_owned()))
            .or_default() += 1;
    }

    /// The requests of `spec`'s `operation` received so far.
    pub fn of(&self, spec: &str, operation: &str) -> u64 {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts
            .get(&(spec.to_owned(), operation.to_owned()))
            .copied()
            .unwrap_or(0)
    }
}
