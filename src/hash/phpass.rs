//! PHP application hashes built on phpass: WordPress < 6.8 `$P$`, phpBB3 `$H$`
//! (iterated MD5) and Drupal 7 `$S$` (iterated SHA-512, truncated to 55 chars).
//! `$P$B…`: ident, one crypt-base64 char for log2(iterations), 8-char salt, checksum.

use super::{Encoded, HashFormat, Params, enc, only_keys, param_u32, with_light};
use crate::rng::Rng;
use sha2::Digest;

pub struct Phpass {
    name: &'static str,
    ident: &'static str,
    sha512: bool,
    log2: u32,
}

impl Phpass {
    pub const WORDPRESS: Phpass = Phpass {
        name: "phpass",
        ident: "$P$",
        sha512: false,
        log2: 13,
    };
    pub const PHPBB: Phpass = Phpass {
        name: "phpass-phpbb",
        ident: "$H$",
        sha512: false,
        log2: 11,
    };
    pub const DRUPAL7: Phpass = Phpass {
        name: "drupal7",
        ident: "$S$",
        sha512: true,
        log2: 15,
    };

    fn total_len(&self) -> usize {
        if self.sha512 { 55 } else { 34 }
    }

    fn checksum(&self, password: &[u8], salt: &[u8], log2: u32) -> String {
        let count = 1u64 << log2;
        if self.sha512 {
            let mut h = sha2::Sha512::new()
                .chain_update(salt)
                .chain_update(password)
                .finalize();
            for _ in 0..count {
                h = sha2::Sha512::new()
                    .chain_update(h)
                    .chain_update(password)
                    .finalize();
            }
            enc::crypt64(&h)[..43].to_string()
        } else {
            let mut h = md5::Md5::new()
                .chain_update(salt)
                .chain_update(password)
                .finalize();
            for _ in 0..count {
                h = md5::Md5::new()
                    .chain_update(h)
                    .chain_update(password)
                    .finalize();
            }
            enc::crypt64(&h)
        }
    }

    fn parse<'a>(&self, s: &'a str) -> Option<(u32, &'a str, &'a str)> {
        let rest = s.strip_prefix(self.ident)?;
        if s.len() != self.total_len() || !enc::is_crypt64(rest) {
            return None;
        }
        let log2 = enc::CRYPT_ALPHABET
            .iter()
            .position(|&c| c == rest.as_bytes()[0])? as u32;
        (7..=30)
            .contains(&log2)
            .then_some((log2, &rest[1..9], &rest[9..]))
    }

    fn log2(&self, params: &Params) -> Result<u32, String> {
        Ok(param_u32(params, "cost", 7..=30)?.unwrap_or(self.log2))
    }
}

impl HashFormat for Phpass {
    fn name(&self) -> &'static str {
        self.name
    }
    fn default_params(&self) -> Params {
        vec![("cost".into(), self.log2.to_string())]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["cost"], self.name)?;
        self.log2(&params.to_vec()).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        if self.sha512 && password.len() > 512 {
            return Err(
                "Drupal 7 refuses passwords longer than 512 bytes (DRUPAL_MAX_PASSWORD_LENGTH)"
                    .into(),
            );
        }
        let log2 = self.log2(params)?;
        let salt = enc::crypt_chars(rng, 8);
        let sum = self.checksum(password, salt.as_bytes(), log2);
        Ok(Encoded::new(format!(
            "{}{}{salt}{sum}",
            self.ident,
            enc::CRYPT_ALPHABET[log2 as usize] as char
        )))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let (log2, salt, sum) = self
            .parse(&encoded.hash)
            .ok_or_else(|| format!("not a {} hash", self.name))?;
        if self.sha512 && password.len() > 512 {
            return Ok(false);
        }
        Ok(enc::ct_eq(
            self.checksum(password, salt.as_bytes(), log2).as_bytes(),
            sum.as_bytes(),
        ))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        self.parse(encoded)
            .map(|(l, _, _)| vec![("cost".into(), l.to_string())])
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let log2 = self.log2(params).unwrap_or(self.log2);
        let salt = enc::crypt_chars(rng, 8);
        let sum = enc::crypt_chars(rng, self.total_len() - 12);
        Encoded::new(format!(
            "{}{}{salt}{sum}",
            self.ident,
            enc::CRYPT_ALPHABET[log2 as usize] as char
        ))
    }
    fn light_params(&self) -> Params {
        with_light(self, &[("cost", "7")])
    }
    fn encoding(&self) -> &'static str {
        if self.sha512 {
            "`$S$` + log2(iterations) char + 8-char salt + SHA-512 checksum in crypt base64, truncated to 55 chars"
        } else {
            "`$P$`/`$H$` + log2(iterations) char + 8-char salt + 22-char MD5 checksum, crypt base64 (./0-9A-Za-z), 34 chars"
        }
    }
    fn notes(&self) -> &'static str {
        match self.ident {
            "$P$" => {
                "WordPress < 6.8 (phpass portable hashes): cost 13 = `B` = 8192 iterations; cost is log2(iterations), 7..30"
            }
            "$H$" => "phpBB3: cost 11 = `9` = 2048 iterations",
            _ => {
                "Drupal 7: cost 15 = `D` (unverified default); Drupal refuses passwords over 512 bytes, so hash does too"
            }
        }
    }
}
