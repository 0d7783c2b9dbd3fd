//! The client: the untyped core generated clients wrap, transports, typed responses,
//! notifications received and acknowledged, redeliveries recognised, payments settled, and one
//! payment model over every provider (`gateway`).

pub mod core;
pub mod gateway;
pub mod handoff;
pub mod inbound;
pub mod response;
pub mod settle;
pub mod sleep;
pub mod transport;
pub mod typed;
