//! The `generate` command: the generator's rows written to files (one per
//! table, through a sink) with their sidecars and `manifest.json`, or the
//! users table alone to stdout.

mod interrupt;
mod options;
mod outputs;
mod pipeline;
mod render;
mod run;

pub use interrupt::{catch_interrupts, default_interrupts, interrupted};
pub use options::{GenerateOptions, Output, Shard};
pub use run::generate;
