//! The client: the untyped core generated clients wrap, transports, typed responses,
//! notifications received and acknowledged, redeliveries recognised, payments settled.

pub mod core;
pub mod handoff;
pub mod inbound;
pub mod response;
pub mod settle;
pub mod sleep;
pub mod transport;
pub mod typed;
