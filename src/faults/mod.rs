//! Faults injected between a rehearsal and its target: a schedule
//! (`FaultPlan`) and the TCP proxy that applies it.

pub mod plan;
pub mod proxy;

pub use plan::{Fault, FaultKind, FaultPlan};
pub use proxy::Proxy;
