//! Identity-API request bodies: a generated user, with its password hash
//! re-encoded into the fields the provider's import API documents (hash-formats
//! reference §2), or refused as `jit_only` when the provider cannot import the
//! format (those users can only move on their first login). One file per API.

pub mod auth0;
pub mod generic;
pub mod okta;

use crate::hash::{Encoded, HashFormat, Params};
use serde_json::Value;

/// Which identity API a rehearsal talks to.
pub use crate::emulate::Api;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::rng::Rng;
    use crate::hash::{Import, TARGETS};

    /// Every format, hashed for real at light cost: the API writer accepts
    /// exactly the formats the import matrix says the provider imports, the
    /// emulator's validation accepts the body, and the stored credential
    /// verifies the password (and refuses a wrong one).
    fn check(api: Api, target: &str) {
        let col = TARGETS.iter().position(|t| *t == target).unwrap();
        let password = "Pässword-123 ok";
        for f in crate::hash::all() {
            // Light cost, but Okta's PBKDF2 floor of 4096 iterations.
            let params: Params = crate::hash::light_params(*f)
                .into_iter()
                .map(|(k, v)| match k.as_str() {
                    "iterations" | "rounds" | "i"
                        if f.name().contains("pbkdf2") || f.name().starts_with("aspnet") =>
                    {
                        (k, "4096".to_string())
                    }
                    _ => (k, v),
                })
                .collect();
            let encoded = f
                .hash(password.as_bytes(), &params, &mut Rng::at(7, 7))
                .unwrap();
            let user = ApiUser {
                email: Some("ada@example.com"),
                first_name: Some("Ada"),
                last_name: Some("Lovelace"),
                hash: Some(UserHash {
                    format: *f,
                    encoded: &encoded,
                    params: &params,
                }),
                ..ApiUser::default()
            };
            let got = body(api, &user);
            let import = f.imports()[col];
            match (import, &got) {
                (Import::Jit, Err(_)) | (Import::Unknown(_), Err(_)) => continue,
                (Import::Jit, Ok(b)) => {
                    panic!("{target}: {} is jit-only but was sent: {b}", f.name())
                }
                (_, Err(_)) => panic!(
                    "{target}: {} is importable ({import:?}) but marked jit_only",
                    f.name()
                ),
                _ => {}
            }
            let b = got.unwrap();
            let cred = match api {
                Api::Okta => crate::emulate::okta_credential(&b["credentials"]["password"]["hash"])
                    .unwrap_or_else(|e| panic!("okta refused {}: {e:?}\n{b}", f.name())),
                Api::Auth0 => crate::emulate::auth0_credential(&b)
                    .unwrap_or_else(|e| panic!("auth0 refused {}: {e}\n{b}", f.name()))
                    .expect("a credential"),
                Api::Generic => unreachable!(),
            };
            assert!(
                cred.verify(password.as_bytes()),
                "{target}: {} does not verify: {b}",
                f.name()
            );
            assert!(
                !cred.verify(b"wrong"),
                "{target}: {} verifies a wrong password",
                f.name()
            );
        }
    }

    #[test]
    fn okta_bodies_follow_the_import_matrix_and_verify() {
        check(Api::Okta, "okta");
    }

    #[test]
    fn auth0_bodies_follow_the_import_matrix_and_verify() {
        check(Api::Auth0, "auth0");
    }
}
