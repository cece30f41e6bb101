//! Credentials as identity providers store imported hashes, and their
//! verification, done the provider's way with mainstream crates.

use sha1::Sha1;
use sha2::{Sha256, Sha512};

/// The digests providers name (`SHA-256`, `sha256`, `SHA256_HMAC`…).
pub use crate::hash::alg::Alg as Digest;

#[derive(Debug, Clone)]
pub enum Credential {
    /// A bcrypt string (`$2a$`, `$2b$`, `$2y$`).
    Bcrypt(String),
    /// An argon2 PHC string.
    Argon2(String),
    /// `H(salt ‖ password)` (prefix) or `H(password ‖ salt)`.
    Digest {
        digest: Digest,
        salt: Vec<u8>,
        prefix: bool,
        value: Vec<u8>,
    },
    Pbkdf2 {
        digest: Digest,
        iterations: u32,
        salt: Vec<u8>,
        value: Vec<u8>,
    },
    Scrypt {
        salt: Vec<u8>,
        log_n: u8,
        r: u32,
        p: u32,
        value: Vec<u8>,
    },
    /// Okta: no credential yet; the password import inline hook decides at
    /// the first sign-in (then the password is stored as `Argon2`).
    Hook,
    /// Anything understudy's own registry reads (LDAP strings, generic API).
    Legacy {
        format: &'static str,
        encoded: crate::hash::Encoded,
        params: crate::hash::Params,
    },
}

fn eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Credential {
    pub fn verify(&self, password: &[u8]) -> bool {
        match self {
            Credential::Bcrypt(h) => {
                // Providers accept any minor letter; the bcrypt crate checks `$2b$`-style strings.
                let normal = h.replacen("$2y$", "$2b$", 1).replacen("$2a$", "$2b$", 1);
                bcrypt::verify(password, &normal).unwrap_or(false)
            }
            Credential::Argon2(h) => {
                use argon2::password_hash::PasswordVerifier;
                argon2::PasswordHash::new(h).is_ok_and(|p| {
                    argon2::Argon2::default()
                        .verify_password(password, &p)
                        .is_ok()
                })
            }
            Credential::Digest {
                digest,
                salt,
                prefix,
                value,
            } => {
                let data = if *prefix {
                    [salt.as_slice(), password].concat()
                } else {
                    [password, salt.as_slice()].concat()
                };
                eq(&digest.digest(&[&data]), value)
            }
            Credential::Pbkdf2 {
                digest,
                iterations,
                salt,
                value,
            } => {
                let mut out = vec![0u8; value.len()];
                match digest {
                    Digest::Sha1 => {
                        pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, *iterations, &mut out)
                    }
                    Digest::Sha256 => {
                        pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, *iterations, &mut out)
                    }
                    Digest::Sha512 => {
                        pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, *iterations, &mut out)
                    }
                    Digest::Md5 => return false,
                }
                eq(&out, value)
            }
            Credential::Scrypt {
                salt,
                log_n,
                r,
                p,
                value,
            } => {
                let Ok(params) = scrypt::Params::new(*log_n, *r, *p) else {
                    return false;
                };
                let mut out = vec![0u8; value.len()];
                scrypt::scrypt(password, salt, &params, &mut out).is_ok() && eq(&out, value)
            }
            Credential::Hook => false,
            Credential::Legacy {
                format,
                encoded,
                params,
            } => crate::hash::lookup(format)
                .is_some_and(|f| f.verify_with(password, encoded, params).unwrap_or(false)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_and_pbkdf2() {
        let salt = b"abc123".to_vec();
        let value = Digest::Sha256.digest(&[b"abc123password"]);
        assert!(
            Credential::Digest {
                digest: Digest::Sha256,
                salt: salt.clone(),
                prefix: true,
                value: value.clone()
            }
            .verify(b"password")
        );
        assert!(
            !Credential::Digest {
                digest: Digest::Sha256,
                salt,
                prefix: false,
                value
            }
            .verify(b"password")
        );
        let mut out = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(b"pw", b"salt", 1000, &mut out);
        assert!(
            Credential::Pbkdf2 {
                digest: Digest::Sha256,
                iterations: 1000,
                salt: b"salt".to_vec(),
                value: out.to_vec()
            }
            .verify(b"pw")
        );
    }
}
