//! The generator: counter-based randomness, unique-by-construction keys and
//! handles, person data, and the parallel ordered pipeline that streams rows
//! to sinks.

pub mod data;
pub mod password;
pub mod permute;
pub mod person;
pub mod plan;
pub mod rng;
pub mod row;
pub mod table;
pub mod time;

pub use plan::{GenerateOptions, Output, Shard, generate};
