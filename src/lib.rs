//! understudy: rehearse a user-account migration with fake users shaped like
//! production. The modules follow the data flow:
//! `profile` → `generator` (with `hash`) → `sink`, described by a `manifest`.

pub mod api;
pub mod cli;
pub mod consistency;
pub mod copies;
pub mod data;
pub mod dataset;
pub mod discover;
pub mod dn;
pub mod dossier;
pub mod edge;
pub mod emulate;
pub mod error;
pub mod estimate;
pub mod export;
pub mod faults;
pub mod generate;
pub mod generator;
pub mod harness;
pub mod hash;
pub mod http;
pub mod infer;
pub mod jit;
pub mod leaks;
pub mod manifest;
pub mod profile;
pub mod redact;
pub mod report;
pub mod retry;
pub mod rng;
pub mod row;
pub mod sink;
pub mod target;
pub mod time;
pub mod util;

pub use error::{Error, Result};
