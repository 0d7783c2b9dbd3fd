//! The client: the generic client every generated crate names, the untyped core it
//! wraps, transports, typed responses, notifications received and acknowledged,
//! redeliveries recognised, payments settled, and one payment model over every provider
//! (`gateway`).

pub mod core;
pub mod gateway;
pub mod handoff;
pub mod inbound;
pub mod provider;
pub mod response;
pub mod sleep;
pub mod transport;
pub mod typed;
