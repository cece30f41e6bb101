//! Identity-API request bodies: a generated user, with its password hash
//! re-encoded into the fields the provider's import API documents, or refused
//! as `jit_only` when the provider cannot import the format (those users can
//! only move on their first login). One file per API.

pub mod auth0;
pub mod generic;
pub mod okta;

use crate::hash::{Encoded, HashFormat, Params};
use serde_json::Value;

/// Which identity API a rehearsal talks to.
pub use crate::api::Api;

/// The fields of one user that an identity API takes.
#[derive(Debug, Default)]
pub struct ApiUser<'a> {
    pub email: Option<&'a str>,
    pub username: Option<&'a str>,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub hash: Option<UserHash<'a>>,
}

/// A user's hash, the format it is in and the profile's parameters for it.
#[derive(Debug)]
pub struct UserHash<'a> {
    pub format: &'static dyn HashFormat,
    pub encoded: &'a Encoded,
    pub params: &'a Params,
}

impl std::fmt::Debug for dyn HashFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The provider cannot import this format: the user is reported, not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitOnly {
    pub format: &'static str,
}

/// The request body (one user; Auth0: one record of an import file).
pub fn body(api: Api, u: &ApiUser) -> Result<Value, JitOnly> {
    match api {
        Api::Okta => okta::user(u),
        Api::Auth0 => auth0::user(u),
        Api::Generic => Ok(generic::user(u)),
    }
}

/// The hash's parts, or `JitOnly` when no provider can take it apart.
fn parts(h: &UserHash) -> Result<crate::hash::Parts, JitOnly> {
    h.format.parts(h.encoded, h.params).ok_or(JitOnly {
        format: h.format.name(),
    })
}
