//! `jit`: just-in-time migration rehearsal.

pub mod activity;
pub mod forecast;
