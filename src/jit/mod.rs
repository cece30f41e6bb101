//! `jit`: just-in-time migration rehearsal.

pub mod activity;
pub mod forecast;
pub mod junit;
pub mod legacy;
pub mod newsys;
pub mod report;
pub mod run;
