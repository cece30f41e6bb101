//! The bcrypt family. `$2b$` (libxcrypt/OpenBSD), `$2a$` (Go, Supabase), `$2y$`
//! (PHP `password_hash`): `$2x$` + 2-digit cost + `$` + 22-char salt + 31-char
//! checksum in bcrypt base64, 60 characters. Passwords longer than 72 bytes are
//! truncated, as every real producer does. Also the two pre-hashing wrappers:
//! Django's `bcrypt_sha256$$2b$12$…` and WordPress 6.8's `$wp$2y$10$…`.

use super::{
    Encoded, HashFormat, Params, enc, only_keys, param, param_choice, param_u32, with_light,
};
use crate::rng::Rng;
use base64::Engine;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
use hmac::{KeyInit, Mac};
use sha2::Digest;

pub const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::BCRYPT,
    GeneralPurposeConfig::new().with_encode_padding(false),
);

pub struct Bcrypt {
    name: &'static str,
    version: bcrypt::Version,
    ident: &'static str,
}

impl Bcrypt {
    pub const B: Bcrypt = Bcrypt {
        name: "bcrypt",
        version: bcrypt::Version::TwoB,
        ident: "2b",
    };
    pub const A: Bcrypt = Bcrypt {
        name: "bcrypt-2a",
        version: bcrypt::Version::TwoA,
        ident: "2a",
    };
    pub const Y: Bcrypt = Bcrypt {
        name: "bcrypt-2y",
        version: bcrypt::Version::TwoY,
        ident: "2y",
    };
}

const PHP: &[&str] = &["7", "8.0", "8.1", "8.2", "8.3", "8.4", "8.5"];

/// `cost`, or PHP's default for the `php` release when that is given (10, 12 from 8.4).
fn cost(params: &Params) -> u32 {
    if let Some(v) = param(params, "php") {
        return if matches!(v, "8.4" | "8.5") { 12 } else { 10 };
    }
    param_u32(params, "cost", 4..=31)
        .ok()
        .flatten()
        .unwrap_or(10)
}

fn check(params: &[(String, String)], name: &str, php: bool) -> Result<(), String> {
    only_keys(params, if php { &["cost", "php"] } else { &["cost"] }, name)?;
    param_choice(params, "php", PHP)?;
    param_u32(params, "cost", 4..=31).map(|_| ())
}

/// A bcrypt string (without any wrapper prefix) of `password`.
fn raw_hash(
    password: &[u8],
    cost: u32,
    version: bcrypt::Version,
    rng: &mut Rng,
) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rng.fill(&mut salt);
    let parts = bcrypt::hash_with_salt(password, cost, salt).map_err(|e| e.to_string())?;
    Ok(parts.format_for_version(version))
}

fn raw_shape(cost: u32, ident: &str, rng: &mut Rng) -> String {
    let mut salt = [0u8; 16];
    let mut sum = [0u8; 23];
    rng.fill(&mut salt);
    rng.fill(&mut sum);
    format!("${ident}${cost:02}${}{}", B64.encode(salt), B64.encode(sum))
}

/// The cost if `s` is exactly `$<ident>$NN$<53 chars>`.
fn raw_identify(s: &str, ident: &str) -> Option<Params> {
    let rest = s
        .strip_prefix('$')?
        .strip_prefix(ident)?
        .strip_prefix('$')?;
    let (c, body) = rest.split_once('$')?;
    let ok = c.len() == 2
        && c.bytes().all(|b| b.is_ascii_digit())
        && (4..=31).contains(&c.parse::<u32>().ok()?)
        && body.len() == 53
        && body
            .bytes()
            .all(|b| b == b'.' || b == b'/' || b.is_ascii_alphanumeric());
    ok.then(|| vec![("cost".into(), c.trim_start_matches('0').to_string())])
}

const TRUNCATES: &str = "bcrypt uses the first 72 bytes of the password, as libxcrypt, PHP, Go and OpenBSD do: \
     a longer password verifies with its first 72 bytes alone";

impl HashFormat for Bcrypt {
    fn name(&self) -> &'static str {
        self.name
    }

    fn default_params(&self) -> Params {
        vec![("cost".into(), "10".into())]
    }

    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        check(params, self.name, self.ident == "2y")
    }

    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        Ok(Encoded::new(raw_hash(
            password,
            cost(params),
            self.version.clone(),
            rng,
        )?))
    }

    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        if raw_identify(&encoded.hash, self.ident).is_none() {
            return Err(format!("not a {} hash", self.name));
        }
        bcrypt::verify(password, &encoded.hash).map_err(|e| e.to_string())
    }

    fn parts(&self, encoded: &Encoded, _params: &Params) -> Option<super::Parts> {
        let cost = raw_identify(&encoded.hash, self.ident)?;
        let body = &encoded.hash[7..];
        Some(super::Parts::Bcrypt {
            minor: self.ident,
            cost: cost[0].1.parse().ok()?,
            salt: body[..22].to_string(),
            checksum: body[22..].to_string(),
            encoded: encoded.hash.clone(),
        })
    }

    fn identify(&self, encoded: &str) -> Option<Params> {
        raw_identify(encoded, self.ident)
    }

    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        Encoded::new(raw_shape(cost(params), self.ident, rng))
    }

    fn light_params(&self) -> Params {
        with_light(self, &[("cost", "4")])
    }

    fn encoding(&self) -> &'static str {
        "`$2?$NN$` + 22-char salt + 31-char checksum, bcrypt base64 (./A-Za-z0-9), 60 chars"
    }

    fn notes(&self) -> &'static str {
        match self.ident {
            "2y" => {
                "PHP password_hash(PASSWORD_BCRYPT): cost 10, 12 from PHP 8.4 (param php=8.4). bcrypt uses the first 72 bytes of the password, as PHP does: a longer password verifies with its first 72 bytes alone"
            }
            "2a" => {
                "Go x/crypto/bcrypt (Supabase) writes $2a$, DefaultCost 10. bcrypt uses the first 72 bytes of the password: a longer password verifies with its first 72 bytes alone"
            }
            _ => TRUNCATES,
        }
    }
}

/// Django's `BCryptSHA256PasswordHasher`: bcrypt of the hex SHA-256 of the password.
pub struct BcryptSha256Django;

fn sha256_hex(password: &[u8]) -> String {
    crate::util::hex(&sha2::Sha256::digest(password))
}

impl HashFormat for BcryptSha256Django {
    fn name(&self) -> &'static str {
        "bcrypt-sha256-django"
    }

    fn default_params(&self) -> Params {
        vec![("cost".into(), "12".into())]
    }

    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        check(params, self.name(), false)
    }

    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let c = param_u32(params, "cost", 4..=31)?.unwrap_or(12);
        let inner = raw_hash(
            sha256_hex(password).as_bytes(),
            c,
            bcrypt::Version::TwoB,
            rng,
        )?;
        Ok(Encoded::new(format!("bcrypt_sha256${inner}")))
    }

    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let inner = encoded
            .hash
            .strip_prefix("bcrypt_sha256$")
            .ok_or("not a Django bcrypt_sha256 hash")?;
        bcrypt::verify(sha256_hex(password).as_bytes(), inner).map_err(|e| e.to_string())
    }

    fn identify(&self, encoded: &str) -> Option<Params> {
        let inner = encoded.strip_prefix("bcrypt_sha256$")?;
        raw_identify(inner, "2b").or_else(|| raw_identify(inner, "2a"))
    }

    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let c = param_u32(params, "cost", 4..=31)
            .ok()
            .flatten()
            .unwrap_or(12);
        Encoded::new(format!("bcrypt_sha256${}", raw_shape(c, "2b", rng)))
    }

    fn light_params(&self) -> Params {
        with_light(self, &[("cost", "4")])
    }

    fn encoding(&self) -> &'static str {
        "`bcrypt_sha256$` + a $2b$ bcrypt string of the password's hex SHA-256"
    }

    fn notes(&self) -> &'static str {
        "Django's BCryptSHA256PasswordHasher (rounds 12): the SHA-256 pre-hash means no 72-byte truncation"
    }
}

/// WordPress ≥ 6.8: `$wp` + bcrypt `$2y$` of base64(HMAC-SHA384(key "wp-sha384", trim(password))).
pub struct WordPress;

fn wp_prehash(password: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha384>::new_from_slice(b"wp-sha384").expect("any key length");
    mac.update(password);
    enc::b64(&mac.finalize().into_bytes())
}

/// PHP's `trim()`: space, \t, \n, \r, \0, \x0B at both ends.
pub fn php_trim(p: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0 | 0x0b);
    let start = p.iter().position(|b| !ws(b)).unwrap_or(p.len());
    let end = p.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    &p[start..end]
}

impl HashFormat for WordPress {
    fn name(&self) -> &'static str {
        "wordpress-bcrypt"
    }

    fn default_params(&self) -> Params {
        vec![("cost".into(), "10".into())]
    }

    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        check(params, self.name(), true)
    }

    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let inner = raw_hash(
            wp_prehash(php_trim(password)).as_bytes(),
            cost(params),
            bcrypt::Version::TwoY,
            rng,
        )?;
        Ok(Encoded::new(format!("$wp{inner}")))
    }

    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let inner = encoded
            .hash
            .strip_prefix("$wp")
            .ok_or("not a WordPress $wp$ hash")?;
        bcrypt::verify(wp_prehash(password).as_bytes(), inner).map_err(|e| e.to_string())
    }

    fn identify(&self, encoded: &str) -> Option<Params> {
        raw_identify(encoded.strip_prefix("$wp")?, "2y")
    }

    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        Encoded::new(format!("$wp{}", raw_shape(cost(params), "2y", rng)))
    }

    fn light_params(&self) -> Params {
        with_light(self, &[("cost", "4")])
    }

    fn encoding(&self) -> &'static str {
        "`$wp` + a $2y$ bcrypt string of base64(HMAC-SHA384(key \"wp-sha384\", password))"
    }

    fn notes(&self) -> &'static str {
        "WordPress 6.8+ wp_hash_password (cost 10, 12 on PHP 8.4: param php=8.4). No 72-byte truncation (HMAC pre-hash). \
         wp_hash_password trims the password (PHP trim: space \\t \\n \\r \\0 \\x0B) and wp_check_password does not: \
         a password with leading or trailing whitespace is stored as its trimmed form and only that form verifies"
    }
}
