//! The identity-provider APIs understudy speaks, and the documented limits
//! both sides (the loader and the emulator) must agree on. A leaf: see
//! `ARCHITECTURE.md` § Module map.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Okta,
    Auth0,
    Generic,
}

impl std::str::FromStr for Api {
    type Err = String;
    fn from_str(s: &str) -> Result<Api, String> {
        match s {
            "okta" => Ok(Api::Okta),
            "auth0" => Ok(Api::Auth0),
            "generic" => Ok(Api::Generic),
            o => Err(format!("unknown API `{o}`: use okta, auth0 or generic")),
        }
    }
}

impl Api {
    /// The name flags and reports use.
    pub fn name(self) -> &'static str {
        match self {
            Api::Okta => "okta",
            Api::Auth0 => "auth0",
            Api::Generic => "generic",
        }
    }
}

/// Auth0 bulk import: the largest `users` file a job takes.
pub const AUTH0_MAX_FILE: usize = 500 * 1024;
/// Auth0 bulk import: pending jobs allowed per connection at once.
pub const AUTH0_MAX_ACTIVE_JOBS: usize = 2;
