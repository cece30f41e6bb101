//! The flags that say which users a command generates or regenerates, shared
//! (flattened) by `generate`, `rehearse`, `estimate`, `jit` and `scan-leaks`.
//! The user count is each command's own: its meaning and range differ
//! (`generate` streams any count; `estimate` takes the production count).

use super::choices::HashMode;
use super::values;
use crate::error::Result;
use crate::profile::Profile;
use clap::Args;

#[derive(Args, Debug)]
pub struct DatasetArgs {
    /// Profile: a shipped profile's name (saas, bench-8, ldap, shop) or a path to a .toml file.
    #[arg(short, long, default_value = "saas")]
    pub profile: String,
    /// Seed: same seed, profile and options give the same users.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Override every hash's mode: real, pool or shape.
    #[arg(long, value_name = "MODE", value_enum)]
    pub hash_mode: Option<HashMode>,
    /// Share of users (0.0–1.0) carrying a labelled edge case (default: the profile's).
    #[arg(long, value_name = "RATE", value_parser = values::rate)]
    pub edge_rate: Option<f64>,
}

impl DatasetArgs {
    pub fn load_profile(&self) -> Result<Profile> {
        Profile::load(&self.profile)
    }

    pub fn hash_mode(&self) -> Option<crate::hash::HashMode> {
        self.hash_mode.map(Into::into)
    }
}
