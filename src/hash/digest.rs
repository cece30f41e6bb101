//! Plain digests from databases and home-grown code: MySQL 4.1 `PASSWORD()`,
//! unsalted hex digests, and salted hex digests whose salt lives in its own
//! column (`salt_position` = prefix: H(salt ‖ pw), suffix: H(pw ‖ salt)).

use super::{
    Encoded, HashFormat, Params, enc, only_keys, param, param_choice, param_u32, with_light,
};
use crate::rng::Rng;

use super::alg::Alg;

/// Hex digits of a digest.
fn hexlen(a: Alg) -> usize {
    a.output_len() * 2
}

/// MySQL 4.1–5.7 `PASSWORD()`: `*` + uppercase hex of SHA1(SHA1(pw)).
pub struct Mysql41;

impl HashFormat for Mysql41 {
    fn name(&self) -> &'static str {
        "mysql41"
    }
    fn default_params(&self) -> Params {
        Params::new()
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &[], self.name())
    }
    fn hash(&self, password: &[u8], _params: &Params, _rng: &mut Rng) -> Result<Encoded, String> {
        let inner = Alg::Sha1.digest(&[password]);
        Ok(Encoded::new(format!(
            "*{}",
            crate::util::hex(&Alg::Sha1.digest(&[&inner])).to_ascii_uppercase()
        )))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        self.identify(&encoded.hash).ok_or("not a MySQL 4.1 hash")?;
        let inner = Alg::Sha1.digest(&[password]);
        let want = crate::util::hex(&Alg::Sha1.digest(&[&inner]));
        Ok(enc::ct_eq(
            want.as_bytes(),
            encoded.hash[1..].to_ascii_lowercase().as_bytes(),
        ))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        let h = encoded.strip_prefix('*')?;
        (h.len() == 40 && enc::is_hex(h)).then(Params::new)
    }
    fn shape(&self, _params: &Params, rng: &mut Rng) -> Encoded {
        Encoded::new(format!(
            "*{}",
            crate::util::hex(&enc::bytes(rng, 20)).to_ascii_uppercase()
        ))
    }
    fn encoding(&self) -> &'static str {
        "`*` + 40 uppercase hex digits"
    }
    fn notes(&self) -> &'static str {
        "mysql_native_password (MySQL ≤ 5.7); unsalted"
    }
}

/// Unsalted hex digests.
pub struct Hex {
    name: &'static str,
    alg: Alg,
}

impl Hex {
    pub const MD5: Hex = Hex {
        name: "md5-hex",
        alg: Alg::Md5,
    };
    pub const SHA1: Hex = Hex {
        name: "sha1-hex",
        alg: Alg::Sha1,
    };
    pub const SHA256: Hex = Hex {
        name: "sha256-hex",
        alg: Alg::Sha256,
    };
    pub const SHA512: Hex = Hex {
        name: "sha512-hex",
        alg: Alg::Sha512,
    };
}

fn is_digest_hex(s: &str, a: Alg) -> bool {
    s.len() == hexlen(a) && enc::is_hex(s)
}

impl HashFormat for Hex {
    fn name(&self) -> &'static str {
        self.name
    }
    fn default_params(&self) -> Params {
        Params::new()
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &[], self.name)
    }
    fn hash(&self, password: &[u8], _params: &Params, _rng: &mut Rng) -> Result<Encoded, String> {
        Ok(Encoded::new(crate::util::hex(
            &self.alg.digest(&[password]),
        )))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        if !is_digest_hex(&encoded.hash, self.alg) {
            return Err(format!("not a {} value", self.name));
        }
        let want = crate::util::hex(&self.alg.digest(&[password]));
        Ok(enc::ct_eq(
            want.as_bytes(),
            encoded.hash.to_ascii_lowercase().as_bytes(),
        ))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        is_digest_hex(encoded, self.alg).then(Params::new)
    }
    fn parts(&self, encoded: &Encoded, _params: &Params) -> Option<super::Parts> {
        Some(super::Parts::Digest {
            alg: self.alg,
            salt: Vec::new(),
            salt_first: true,
            value: crate::util::unhex(&encoded.hash)?,
        })
    }
    fn shape(&self, _params: &Params, rng: &mut Rng) -> Encoded {
        Encoded::new(crate::util::hex(&enc::bytes(rng, hexlen(self.alg) / 2)))
    }
    fn encoding(&self) -> &'static str {
        "lowercase hex of the digest (uppercase accepted by verify and identify)"
    }
    fn notes(&self) -> &'static str {
        "unsalted: equal passwords give equal values"
    }
}

/// Salted hex digests, salt in its own column.
pub struct SaltedHex {
    name: &'static str,
    alg: Alg,
}

impl SaltedHex {
    pub const MD5: SaltedHex = SaltedHex {
        name: "salted-md5-hex",
        alg: Alg::Md5,
    };
    pub const SHA1: SaltedHex = SaltedHex {
        name: "salted-sha1-hex",
        alg: Alg::Sha1,
    };
    pub const SHA256: SaltedHex = SaltedHex {
        name: "salted-sha256-hex",
        alg: Alg::Sha256,
    };
    pub const SHA512: SaltedHex = SaltedHex {
        name: "salted-sha512-hex",
        alg: Alg::Sha512,
    };

    fn compute(&self, password: &[u8], salt: &[u8], suffix: bool) -> String {
        let parts: [&[u8]; 2] = if suffix {
            [password, salt]
        } else {
            [salt, password]
        };
        crate::util::hex(&self.alg.digest(&parts))
    }
}

impl HashFormat for SaltedHex {
    fn name(&self) -> &'static str {
        self.name
    }
    fn default_params(&self) -> Params {
        vec![
            ("salt_position".into(), "prefix".into()),
            ("salt_len".into(), "16".into()),
        ]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["salt_position", "salt_len"], self.name)?;
        param_choice(params, "salt_position", &["prefix", "suffix"])?;
        param_u32(params, "salt_len", 1..=64).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let suffix = param(params, "salt_position") == Some("suffix");
        let n = param_u32(params, "salt_len", 1..=64)?.unwrap_or(16) as usize;
        let salt = enc::alnum(rng, n);
        Ok(Encoded {
            hash: self.compute(password, salt.as_bytes(), suffix),
            salt: Some(salt),
        })
    }
    /// Without parameters both salt positions are tried.
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        self.verify_with(password, encoded, &Params::new())
    }
    fn verify_with(
        &self,
        password: &[u8],
        encoded: &Encoded,
        params: &Params,
    ) -> Result<bool, String> {
        let salt = encoded
            .salt
            .as_deref()
            .ok_or_else(|| format!("{} needs the salt column", self.name))?;
        if !is_digest_hex(&encoded.hash, self.alg) {
            return Err(format!("not a {} value", self.name));
        }
        let have = encoded.hash.to_ascii_lowercase();
        let positions: &[bool] = match param(params, "salt_position") {
            Some("prefix") => &[false],
            Some("suffix") => &[true],
            _ => &[false, true],
        };
        Ok(positions.iter().any(|&suffix| {
            enc::ct_eq(
                self.compute(password, salt.as_bytes(), suffix).as_bytes(),
                have.as_bytes(),
            )
        }))
    }
    /// A hex digest alone is identified as the unsalted format.
    fn identify(&self, _encoded: &str) -> Option<Params> {
        None
    }
    fn parts(&self, encoded: &Encoded, params: &Params) -> Option<super::Parts> {
        Some(super::Parts::Digest {
            alg: self.alg,
            salt: encoded.salt.as_ref()?.as_bytes().to_vec(),
            salt_first: param(params, "salt_position") != Some("suffix"),
            value: crate::util::unhex(&encoded.hash)?,
        })
    }
    fn identify_salted(&self, hash: &str, salt: &str) -> Option<Params> {
        (is_digest_hex(hash, self.alg) && !salt.is_empty()).then(Params::new)
    }
    fn salt_in_column(&self) -> bool {
        true
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let n = param_u32(params, "salt_len", 1..=64)
            .ok()
            .flatten()
            .unwrap_or(16) as usize;
        let salt = enc::alnum(rng, n);
        Encoded {
            hash: crate::util::hex(&enc::bytes(rng, hexlen(self.alg) / 2)),
            salt: Some(salt),
        }
    }
    fn light_params(&self) -> Params {
        with_light(self, &[])
    }
    fn encoding(&self) -> &'static str {
        "hash: lowercase hex of digest(salt ‖ password) (prefix) or digest(password ‖ salt) (suffix); salt column: 16 chars [A-Za-z0-9] as UTF-8"
    }
    fn notes(&self) -> &'static str {
        "the hash string alone looks like the unsalted hex digest: identify names it salted only with its salt; verify without salt_position tries both orders"
    }
}
