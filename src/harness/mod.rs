//! `rehearse`: load generated users into a real target (SQLite, PostgreSQL),
//! measured, resumable exactly once, and verified against the regenerated
//! ground truth; or run the user's own migration (`--exec`) and verify it.
//!
//! Pipeline (ARCHITECTURE.md § Streaming): producer thread → bounded channel (2·W batches)
//! → W loader threads, one connection each. A batch is a fixed index range of
//! a root table (`--batch` rows) with its child rows, committed in one
//! transaction together with its row in `_understudy_progress`.

pub mod batch;
pub mod exec;
pub mod k8s;
mod late_keys;
pub mod lineage;
mod loader;
mod options;
mod prepare;
mod rehearse;
mod rehearse_copies;
mod rehearse_http;
mod rehearse_ldap;
mod resume;
pub mod trend;
pub mod verify;
mod verify_only;

pub use crate::dataset::{Group, Plan};
pub use crate::target::{PROGRESS_TABLE, REJECTS_TABLE, Reject};
pub use loader::{Load, LoadResult, load};
pub use options::RehearseOptions;
pub use prepare::{TargetTables, column_kind, mapped, prepare_target, read_target_tables};
pub use rehearse::rehearse;
pub use verify_only::verify_only;

pub const DEFAULT_TARGET: &str = "sqlite:understudy.db";

fn say(quiet: bool, msg: impl AsRef<str>) {
    if !quiet {
        eprintln!("understudy: {}", msg.as_ref());
    }
}
