//! What a driver of `paygen::Gateway` against the sandbox needs beyond the model: the
//! provider's required request fields the `gateway:` mapping leaves to the caller, and a
//! clock whose waits take no time. Shared by `paygen demo` and the gateway conformance
//! test, so that a spec with a `gateway:` section needs no code to be driven.

use paygen::protocol::{FieldDef, FieldType, GatewayMap, Provider};
use paygen::{Clock, Role, Sleeper, SystemClock};
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A plausible value for every required request field of `role`'s operation that the
/// mapping leaves to the caller (a terminal IP, a store id), as a service would pass in
/// the request's `extra`. Empty when the provider lacks the role.
pub fn extra(provider: &Provider, map: &GatewayMap, role: Role) -> Map<String, Value> {
    let Some(mapping) = map.role(role) else {
        return Map::new();
    };
    let Some(operation) = provider.operation(&mapping.operation) else {
        return Map::new();
    };
    let given: Vec<&str> = mapping
        .fields
        .iter()
        .map(|f| f.field.as_ref())
        .chain(mapping.set.iter().map(|f| f.field.as_ref()))
        .collect();
    fill(&operation.request, "", &given)
}

/// The required fields of `defs` (the members of the object at `prefix`) not `given`.
fn fill(defs: &[FieldDef], prefix: &str, given: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    for def in defs.iter().filter(|d| d.required) {
        let path = if prefix.is_empty() {
            def.name.to_string()
        } else {
            format!("{prefix}.{}", def.name)
        };
        if given.contains(&path.as_str()) {
            continue;
        }
        let value = if let Some(first) = def.values.first() {
            match def.ty {
                FieldType::Int | FieldType::Fen => first
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::from(first.to_string())),
                _ => Value::from(first.to_string()),
            }
        } else {
            match def.ty {
                FieldType::Fen | FieldType::Int => Value::from(1),
                FieldType::Yuan => Value::from("0.01"),
                FieldType::Bool => Value::from(true),
                FieldType::Object => Value::Object(fill(&def.fields, &path, given)),
                FieldType::Json => Value::Object(Map::new()),
                FieldType::List => Value::Array(Vec::new()),
                FieldType::String => {
                    let max = def.max_length.unwrap_or(12).clamp(1, 12) as usize;
                    Value::from("127.0.0.1".chars().take(max).collect::<String>())
                }
            }
        };
        out.insert(def.name.to_string(), value);
    }
    out
}

/// A clock that starts now and moves on when a settle flow sleeps, so that its polls
/// take no time while signed timestamps stay within the sandbox's window.
#[derive(Debug, Clone)]
pub struct SkipClock(Arc<AtomicI64>);

impl SkipClock {
    /// A clock reading the system's time now.
    pub fn now() -> Self {
        SkipClock(Arc::new(AtomicI64::new(SystemClock.now_millis())))
    }
}

impl Clock for SkipClock {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl Sleeper for SkipClock {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(millis, Ordering::SeqCst);
        Box::pin(async {})
    }
}
