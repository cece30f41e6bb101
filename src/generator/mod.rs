//! The generator: counter-based randomness, unique-by-construction keys and
//! handles, person data, and the parallel ordered pipeline that streams rows
//! to sinks.

pub mod permute;
pub mod person;
pub mod plan;
pub mod table;

pub use plan::{GenerateOptions, Output, Shard, generate};
