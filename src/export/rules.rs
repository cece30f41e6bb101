//! Which hash formats and parameters each provider imports: data, read by
//! `export`, `assess` and the rehearsal's request bodies, so the three can
//! never disagree. A user's verdict is the first rule of its provider naming
//! the user's format whose constraints hold; no such rule is a refusal with
//! its reason (`format`, `ceiling`, `field_limit`, `no_hash`) and what the
//! user must then do (`Consequence`). Sources: docs/export.md.

use super::{Provider, User, UserHash};
use crate::hash::Parts;
use crate::hash::alg::Alg;

/// Why a user's password cannot go to the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// The provider takes no hash of this format.
    Format,
    /// The algorithm is taken, its parameters are over (or under) the provider's range.
    Ceiling,
    /// A profile field is over the provider's limit (length, required).
    FieldLimit,
    /// The user has no password hash (imported without a password).
    NoHash,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::Format => "format",
            Reason::Ceiling => "ceiling",
            Reason::FieldLimit => "field_limit",
            Reason::NoHash => "no_hash",
        }
    }
}

/// What a user who cannot be imported with their password must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Consequence {
    /// Imported without a password (or not at all): a password reset.
    ResetRequired,
    /// Left to the provider's just-in-time migration hook, which checks the
    /// password against the legacy store at the first sign-in.
    JitOnly,
    /// Imported (with or without the password), but a second factor is not:
    /// the factor is left out of the record and the user enrols it again.
    MfaReenroll,
}

impl Consequence {
    pub fn name(self) -> &'static str {
        match self {
            Consequence::ResetRequired => "reset_required",
            Consequence::JitOnly => "jit_only",
            Consequence::MfaReenroll => "mfa_reenroll",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: Reason,
    pub consequence: Consequence,
    pub detail: String,
}

/// A hash the provider takes: its algorithm (the provider's name for it), the
/// hash's parts (`None` for a rule taking the string as stored,
/// `Limit::AsStored`), and the group of users imported together (providers
/// that take one algorithm and parameter set per import: Firebase, Cognito).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub algorithm: &'static str,
    pub parts: Option<Parts>,
    /// The hash as the legacy system stored it (providers taking strings).
    pub encoded: String,
    pub group: String,
}

/// A limit on the parts a rule takes.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    /// PBKDF2 or salted digest with one of these digests.
    Digests(&'static [Alg]),
    BcryptCost(u32),
    Iterations {
        min: u32,
        max: u32,
    },
    /// The PBKDF2 key is the digest's length (Firebase derives that many bytes).
    KeyIsDigestLength,
    Scrypt {
        max_ln: u32,
        max_r: u32,
        max_p: u32,
    },
    Argon2 {
        types: &'static [&'static str],
        max_m: u32,
        max_t: u32,
        max_p: u32,
    },
    FirebaseScrypt {
        rounds: (u32, u32),
        mem_cost: (u32, u32),
    },
    /// The provider takes the legacy string as stored (Clerk's
    /// `bcrypt_sha256_django`, `phpass`): formats without parts qualify.
    AsStored,
}

/// One thing a provider imports.
#[derive(Debug)]
pub struct Rule {
    pub provider: Provider,
    /// The provider's name for the algorithm (`BCRYPT`, `PBKDF2_SHA256`…).
    pub algorithm: &'static str,
    /// Catalogue formats (`hash list`) this rule takes.
    pub formats: &'static [&'static str],
    pub limits: &'static [Limit],
}

const BCRYPT: &[&str] = &["bcrypt", "bcrypt-2a", "bcrypt-2y", "ldap-crypt-bcrypt"];
const BCRYPT_AB: &[&str] = &["bcrypt", "bcrypt-2a", "ldap-crypt-bcrypt"];
const ARGON2: &[&str] = &["argon2id", "argon2i", "argon2-django", "ldap-argon2"];
const SCRYPT: &[&str] = &["scrypt", "scrypt-mcf", "scrypt-django"];
const PBKDF2: &[&str] = &[
    "pbkdf2-sha256-django",
    "pbkdf2-sha1-django",
    "pbkdf2-sha256",
    "pbkdf2-sha512",
    "pbkdf2-sha512-phc",
    "aspnet-identity-v2",
    "aspnet-identity-v3",
    "ldap-pbkdf2-sha256",
    "ldap-pbkdf2-sha512",
];
const DIGESTS: &[&str] = &[
    "md5-hex",
    "sha1-hex",
    "sha256-hex",
    "sha512-hex",
    "salted-md5-hex",
    "salted-sha1-hex",
    "salted-sha256-hex",
    "salted-sha512-hex",
    "ldap-ssha",
    "ldap-ssha256",
    "ldap-ssha512",
    "ldap-smd5",
    "ldap-sha",
    "ldap-md5",
];
const ALL_DIGESTS: &[Alg] = &[Alg::Md5, Alg::Sha1, Alg::Sha256, Alg::Sha512];
const SHA1: &[Alg] = &[Alg::Sha1];
const SHA256: &[Alg] = &[Alg::Sha256];
const SHA2: &[Alg] = &[Alg::Sha256, Alg::Sha512];
const ID_I: &[&str] = &["argon2id", "argon2i"];
const ID_I_D: &[&str] = &["argon2id", "argon2i", "argon2d"];

use Limit::*;
use Provider::*;

/// Every provider's rules, in the order they are tried.
pub static RULES: &[Rule] = &[
    // Auth0 bulk import: bcrypt $2a$/$2b$ as `password_hash`; the rest as
    // `custom_password_hash` ($2y$ only there; no {CRYPT}, no Firebase scrypt).
    Rule {
        provider: Auth0,
        algorithm: "password_hash",
        formats: BCRYPT_AB,
        limits: &[],
    },
    Rule {
        provider: Auth0,
        algorithm: "bcrypt",
        formats: &["bcrypt-2y"],
        limits: &[],
    },
    Rule {
        provider: Auth0,
        algorithm: "argon2",
        formats: ARGON2,
        limits: &[Argon2 {
            types: ID_I,
            max_m: u32::MAX,
            max_t: u32::MAX,
            max_p: u32::MAX,
        }],
    },
    Rule {
        provider: Auth0,
        algorithm: "scrypt",
        formats: SCRYPT,
        limits: &[],
    },
    Rule {
        provider: Auth0,
        algorithm: "pbkdf2",
        formats: PBKDF2,
        limits: &[Digests(&[Alg::Sha1, Alg::Sha256, Alg::Sha512])],
    },
    Rule {
        provider: Auth0,
        algorithm: "digest",
        formats: DIGESTS,
        limits: &[Digests(ALL_DIGESTS)],
    },
    // Okta Users API: BCRYPT split (workFactor 1–20), SHA-*/MD5, PBKDF2 with
    // SHA256_HMAC or SHA512_HMAC and at least 4096 iterations.
    Rule {
        provider: Okta,
        algorithm: "BCRYPT",
        formats: BCRYPT,
        limits: &[BcryptCost(20)],
    },
    Rule {
        provider: Okta,
        algorithm: "PBKDF2",
        formats: PBKDF2,
        limits: &[
            Digests(SHA2),
            Iterations {
                min: 4096,
                max: u32::MAX,
            },
        ],
    },
    Rule {
        provider: Okta,
        algorithm: "digest",
        formats: DIGESTS,
        limits: &[Digests(ALL_DIGESTS)],
    },
    // Firebase auth:import: one algorithm and parameter set per import; PBKDF2
    // rounds 0–120,000; SCRYPT rounds 1–8, mem cost 1–14; $2y$ unconfirmed.
    Rule {
        provider: Firebase,
        algorithm: "BCRYPT",
        formats: BCRYPT_AB,
        limits: &[],
    },
    Rule {
        provider: Firebase,
        algorithm: "SCRYPT",
        formats: &["firebase-scrypt"],
        limits: &[FirebaseScrypt {
            rounds: (1, 8),
            mem_cost: (1, 14),
        }],
    },
    Rule {
        provider: Firebase,
        algorithm: "STANDARD_SCRYPT",
        formats: SCRYPT,
        limits: &[],
    },
    Rule {
        provider: Firebase,
        algorithm: "PBKDF2_SHA256",
        formats: PBKDF2,
        limits: &[
            Digests(SHA256),
            Iterations {
                min: 0,
                max: 120_000,
            },
            KeyIsDigestLength,
        ],
    },
    Rule {
        provider: Firebase,
        algorithm: "PBKDF_SHA1",
        formats: PBKDF2,
        limits: &[
            Digests(SHA1),
            Iterations {
                min: 0,
                max: 120_000,
            },
            KeyIsDigestLength,
        ],
    },
    Rule {
        provider: Firebase,
        algorithm: "digest",
        formats: DIGESTS,
        limits: &[Digests(ALL_DIGESTS)],
    },
    // Keycloak partial import: pbkdf2 (SHA-1), pbkdf2-sha256, pbkdf2-sha512, argon2.
    Rule {
        provider: Keycloak,
        algorithm: "pbkdf2",
        formats: PBKDF2,
        limits: &[Digests(&[Alg::Sha1, Alg::Sha256, Alg::Sha512])],
    },
    Rule {
        provider: Keycloak,
        algorithm: "argon2",
        formats: ARGON2,
        limits: &[Argon2 {
            types: ID_I_D,
            max_m: u32::MAX,
            max_t: u32::MAX,
            max_p: u32::MAX,
        }],
    },
    // Cognito import job: one PasswordHashingAlgorithm per job; the ceilings
    // are unconfirmed (docs/export.md).
    Rule {
        provider: Cognito,
        algorithm: "BCRYPT",
        formats: BCRYPT,
        limits: &[BcryptCost(12)],
    },
    Rule {
        provider: Cognito,
        algorithm: "SCRYPT",
        formats: SCRYPT,
        limits: &[Scrypt {
            max_ln: 16,
            max_r: 8,
            max_p: 1,
        }],
    },
    Rule {
        provider: Cognito,
        algorithm: "ARGON2ID",
        formats: ARGON2,
        limits: &[Argon2 {
            types: &["argon2id"],
            max_m: 19456,
            max_t: 2,
            max_p: 1,
        }],
    },
    Rule {
        provider: Cognito,
        algorithm: "PBKDF2_SHA256",
        formats: PBKDF2,
        limits: &[
            Digests(SHA256),
            Iterations {
                min: 1,
                max: 600_000,
            },
        ],
    },
    // Clerk create user: password_digest + password_hasher.
    Rule {
        provider: Clerk,
        algorithm: "bcrypt",
        formats: BCRYPT,
        limits: &[],
    },
    Rule {
        provider: Clerk,
        algorithm: "bcrypt_sha256_django",
        formats: &["bcrypt-sha256-django"],
        limits: &[AsStored],
    },
    Rule {
        provider: Clerk,
        algorithm: "argon2",
        formats: ARGON2,
        limits: &[Argon2 {
            types: ID_I,
            max_m: u32::MAX,
            max_t: u32::MAX,
            max_p: u32::MAX,
        }],
    },
    Rule {
        provider: Clerk,
        algorithm: "pbkdf2_sha256_django",
        formats: &["pbkdf2-sha256-django"],
        limits: &[],
    },
    Rule {
        provider: Clerk,
        algorithm: "pbkdf2_sha1",
        formats: &["pbkdf2-sha1-django"],
        limits: &[],
    },
    Rule {
        provider: Clerk,
        algorithm: "pbkdf2_sha256",
        formats: &["pbkdf2-sha256", "ldap-pbkdf2-sha256", "aspnet-identity-v3"],
        limits: &[Digests(SHA256)],
    },
    Rule {
        provider: Clerk,
        algorithm: "phpass",
        formats: &["phpass"],
        limits: &[AsStored],
    },
    Rule {
        provider: Clerk,
        algorithm: "scrypt_firebase",
        formats: &["firebase-scrypt"],
        limits: &[],
    },
    Rule {
        provider: Clerk,
        algorithm: "md5",
        formats: &["md5-hex"],
        limits: &[],
    },
    Rule {
        provider: Clerk,
        algorithm: "sha256",
        formats: &["sha256-hex"],
        limits: &[],
    },
    Rule {
        provider: Clerk,
        algorithm: "ldap_ssha",
        formats: &["ldap-ssha"],
        limits: &[],
    },
    // Supabase auth.users.encrypted_password: bcrypt, argon2 v=19, $fbscrypt$.
    Rule {
        provider: Supabase,
        algorithm: "bcrypt",
        formats: BCRYPT,
        limits: &[],
    },
    Rule {
        provider: Supabase,
        algorithm: "argon2",
        formats: ARGON2,
        limits: &[Argon2 {
            types: ID_I,
            max_m: u32::MAX,
            max_t: u32::MAX,
            max_p: u32::MAX,
        }],
    },
    Rule {
        provider: Supabase,
        algorithm: "fbscrypt",
        formats: &["firebase-scrypt"],
        limits: &[],
    },
];

/// What a provider does with users whose password cannot go: the documented
/// just-in-time hook where there is one, else a reset.
pub fn fallback(p: Provider) -> Consequence {
    match p {
        // Auth0 automatic migration (custom database), Okta password import
        // inline hook, Cognito user-migration Lambda trigger, Keycloak user
        // storage SPI / custom PasswordHashProvider.
        Auth0 | Okta | Cognito | Keycloak => Consequence::JitOnly,
        Firebase | Clerk | Supabase => Consequence::ResetRequired,
    }
}

fn refuse(p: Provider, reason: Reason, detail: String) -> Refusal {
    Refusal {
        reason,
        consequence: if reason == Reason::NoHash {
            Consequence::ResetRequired
        } else {
            fallback(p)
        },
        detail,
    }
}

/// The argon2 PHC's type and m/t/p.
fn argon2_params(phc: &str) -> Option<(&str, u32, u32, u32)> {
    let mut it = phc.split('$');
    it.next()?;
    let ty = it.next()?;
    let _v = it.next()?;
    let (mut m, mut t, mut p) = (None, None, None);
    for kv in it.next()?.split(',') {
        let (k, v) = kv.split_once('=')?;
        let v = v.parse().ok()?;
        match k {
            "m" => m = Some(v),
            "t" => t = Some(v),
            "p" => p = Some(v),
            _ => {}
        }
    }
    Some((ty, m?, t?, p?))
}

/// The first limit `parts` breaks, in words.
fn broken(limit: &Limit, parts: &Parts) -> Option<(Reason, String)> {
    let over = |s: String| Some((Reason::Ceiling, s));
    match (limit, parts) {
        (Digests(algs), Parts::Pbkdf2 { alg, .. } | Parts::Digest { alg, .. }) => {
            (!algs.contains(alg)).then(|| {
                (
                    Reason::Format,
                    format!("{} digest not taken", super::rules::firebase_digest(*alg)),
                )
            })
        }
        (Digests(_), _) => Some((Reason::Format, "not this algorithm".into())),
        (BcryptCost(max), Parts::Bcrypt { cost, .. }) if cost > max => {
            over(format!("bcrypt cost {cost} over {max}"))
        }
        (Iterations { min, max }, Parts::Pbkdf2 { iterations, .. }) => {
            if iterations > max {
                over(format!("{iterations} iterations over {max}"))
            } else if iterations < min {
                over(format!("{iterations} iterations under {min}"))
            } else {
                None
            }
        }
        (KeyIsDigestLength, Parts::Pbkdf2 { alg, value, .. })
            if value.len() != alg.output_len() =>
        {
            over(format!(
                "derived key of {} bytes, not the digest's {}",
                value.len(),
                alg.output_len()
            ))
        }
        (
            Scrypt {
                max_ln,
                max_r,
                max_p,
            },
            Parts::Scrypt { ln, r, p, .. },
        ) => (ln > max_ln || r > max_r || p > max_p).then(|| {
            (
                Reason::Ceiling,
                format!("scrypt N=2^{ln} r={r} p={p} over N=2^{max_ln} r={max_r} p={max_p}"),
            )
        }),
        (
            Argon2 {
                types,
                max_m,
                max_t,
                max_p,
            },
            Parts::Argon2 { phc },
        ) => match argon2_params(phc) {
            None => Some((Reason::Format, "unreadable argon2 string".into())),
            Some((ty, ..)) if !types.contains(&ty) => {
                Some((Reason::Format, format!("{ty} not taken")))
            }
            Some((_, m, t, p)) if m > *max_m || t > *max_t || p > *max_p => over(format!(
                "argon2 m={m} t={t} p={p} over m={max_m} t={max_t} p={max_p}"
            )),
            _ if !phc.contains("$v=19$") => {
                Some((Reason::Format, "argon2 version other than 19".into()))
            }
            _ => None,
        },
        (
            FirebaseScrypt { rounds, mem_cost },
            Parts::FirebaseScrypt {
                rounds: r,
                mem_cost: m,
                ..
            },
        ) => (!(rounds.0..=rounds.1).contains(r) || !(mem_cost.0..=mem_cost.1).contains(m)).then(
            || {
                (
                    Reason::Ceiling,
                    format!("rounds {r}, mem cost {m} outside 1–8, 1–14"),
                )
            },
        ),
        _ => None,
    }
}

/// The group a provider imports `parts` in (one algorithm and parameter set per import).
fn group(p: Provider, algorithm: &str, parts: &Parts) -> String {
    match (p, parts) {
        (
            Firebase,
            Parts::FirebaseScrypt {
                rounds,
                mem_cost,
                signer_key,
                salt_separator,
                ..
            },
        ) => {
            let k = xxhash_rust::xxh3::xxh3_64(&[signer_key.as_slice(), salt_separator].concat());
            format!("SCRYPT-r{rounds}-m{mem_cost}-{k:016x}")
        }
        (
            Firebase,
            Parts::Scrypt {
                ln, r, p, value, ..
            },
        ) => {
            format!("STANDARD_SCRYPT-n{}-r{r}-p{p}-l{}", 1u64 << ln, value.len())
        }
        (Firebase, Parts::Pbkdf2 { iterations, .. }) => format!("{algorithm}-{iterations}"),
        (
            Firebase,
            Parts::Digest {
                alg,
                salt,
                salt_first,
                ..
            },
        ) => format!(
            "{}{}",
            firebase_digest(*alg),
            if salt.is_empty() {
                ""
            } else if *salt_first {
                "-SALT_FIRST"
            } else {
                "-PASSWORD_FIRST"
            }
        ),
        (Firebase | Cognito, _) => algorithm.to_string(),
        _ => String::new(),
    }
}

pub fn firebase_digest(a: Alg) -> &'static str {
    match a {
        Alg::Md5 => "MD5",
        Alg::Sha1 => "SHA1",
        Alg::Sha256 => "SHA256",
        Alg::Sha512 => "SHA512",
    }
}

/// Whether provider `p` imports this hash, and how.
pub fn hash_verdict(p: Provider, h: &UserHash) -> Result<Accepted, Refusal> {
    let name = h.format.name();
    let mut why: Option<(Reason, String)> = None;
    for rule in RULES
        .iter()
        .filter(|r| r.provider == p && r.formats.contains(&name))
    {
        let Some(parts) = h.format.parts(h.encoded, h.params) else {
            // No parts: only a rule taking the string as stored can import it.
            if rule.limits.iter().any(|l| matches!(l, AsStored)) {
                return Ok(Accepted {
                    algorithm: rule.algorithm,
                    group: String::new(),
                    parts: None,
                    encoded: h.encoded.hash.clone(),
                });
            }
            continue;
        };
        match rule.limits.iter().find_map(|l| broken(l, &parts)) {
            None => {
                return Ok(Accepted {
                    algorithm: rule.algorithm,
                    group: group(p, rule.algorithm, &parts),
                    parts: Some(parts),
                    encoded: h.encoded.hash.clone(),
                });
            }
            // A ceiling says more than "another rule's algorithm".
            Some(w) if why.as_ref().is_none_or(|(r, _)| *r == Reason::Format) => why = Some(w),
            Some(_) => {}
        }
    }
    let (reason, detail) = why.unwrap_or((
        Reason::Format,
        format!("{} does not import {name}", p.title()),
    ));
    let detail = match reason {
        Reason::Format if !detail.starts_with(p.title()) => {
            format!("{}: {name}: {detail}", p.title())
        }
        _ => detail,
    };
    Err(refuse(p, reason, detail))
}

fn chars(s: Option<&str>) -> usize {
    s.map_or(0, |s| s.chars().count())
}

/// The first field over the provider's documented limits.
pub fn field_verdict(p: Provider, u: &User) -> Result<(), Refusal> {
    let bad = |d: String| Err(refuse(p, Reason::FieldLimit, d));
    let email = u.email.unwrap_or("");
    match p {
        Auth0 | Cognito | Clerk | Supabase | Okta if email.is_empty() => {
            return bad("no email".into());
        }
        Okta if !(5..=100).contains(&chars(u.email)) => {
            return bad(format!(
                "login/email of {} characters: Okta takes 5–100",
                chars(u.email)
            ));
        }
        Okta if !(1..=50).contains(&chars(u.first_name))
            || !(1..=50).contains(&chars(u.last_name)) =>
        {
            return bad("firstName and lastName are required, 1–50 characters".into());
        }
        Firebase if chars(u.key) > 128 => return bad("localId over 128 characters".into()),
        Keycloak if chars(u.email) > 255 || chars(u.username) > 255 => {
            return bad("username or email over 255 characters".into());
        }
        Cognito => {
            if u.email_verified == Some(false) {
                return bad("email_verified false: Cognito imports only users with a verified email or phone".into());
            }
            let row = super::cognito::row_len(u);
            if row > super::cognito::MAX_ROW {
                return bad(format!(
                    "a CSV row of {row} characters: Cognito takes {}",
                    super::cognito::MAX_ROW
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether provider `p` imports user `u` with their password: `Ok(Some)`
/// with how, `Ok(None)` never (a user without a hash is a `NoHash` refusal
/// whose user is still exported, without a password).
pub fn verdict(p: Provider, u: &User) -> Result<Accepted, Refusal> {
    field_verdict(p, u)?;
    match &u.hash {
        Some(h) => hash_verdict(p, h),
        None => Err(refuse(p, Reason::NoHash, "no password hash".into())),
    }
}

/// A user's verdict at provider `p`: the password's (`verdict`) and, for a
/// user whose record is written (importable, or without a hash), the second
/// factors left out (`mfa::factor_verdict`, which strips them from `u`). Export
/// and assess both decide through this.
pub fn decide(p: Provider, u: &mut User) -> (Result<Accepted, Refusal>, Option<Refusal>) {
    let v = verdict(p, u);
    let written = match &v {
        Ok(_) => true,
        Err(r) => r.reason == Reason::NoHash,
    };
    let mfa = if written {
        super::mfa::factor_verdict(p, &mut u.identity)
    } else {
        None
    };
    (v, mfa)
}

/// What each provider makes of format `f` at its default parameters (its
/// catalogue example, else a format-exact shape), in `Provider::ALL` order:
/// (provider, `imports` with the provider's algorithm, or the consequence
/// `jit` / `reset` with the reason). The one import matrix: `hash list`
/// prints it, docs/hashes.md holds it.
pub fn matrix(f: &dyn crate::hash::HashFormat) -> Vec<(&'static str, &'static str, String)> {
    let params = f.default_params();
    let example = f.example();
    let encoded = match example.split_once('\t') {
        _ if example.is_empty() => f.shape(&params, &mut crate::rng::Rng::at(0, 0)),
        Some((h, s)) => crate::hash::Encoded {
            hash: h.to_string(),
            salt: Some(s.to_string()),
        },
        None => crate::hash::Encoded::new(example.to_string()),
    };
    let Some(format) = crate::hash::lookup(f.name()) else {
        return Vec::new();
    };
    let h = UserHash {
        format,
        encoded: &encoded,
        params: &params,
    };
    Provider::ALL
        .iter()
        .map(|p| match hash_verdict(*p, &h) {
            Ok(a) => (p.name(), "imports", a.algorithm.to_string()),
            Err(r) => (
                p.name(),
                match r.consequence {
                    Consequence::JitOnly => "jit",
                    _ => "reset",
                },
                match r.reason {
                    Reason::Format => "format".to_string(),
                    _ => format!("{}: {}", r.reason.name(), r.detail),
                },
            ),
        })
        .collect()
}

/// The format name of a user's hash, as reports group them.
pub fn format_of(u: &User) -> &'static str {
    u.hash.as_ref().map_or("(none)", |h| h.format.name())
}
