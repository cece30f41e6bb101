//! The generator: counter-based randomness, unique-by-construction keys and
//! handles, person data, and the row stream (a root table's rows with their
//! children's) that `generate`, rehearsals and verification share.

pub mod identity;
pub mod permute;
pub mod person;
pub mod plan;
pub mod table;
mod values;
