//! crypt(3) strings as glibc/libxcrypt write them: sha512-crypt `$6$`,
//! sha256-crypt `$5$`, md5-crypt `$1$` and yescrypt `$y$`. The default
//! sha-crypt form has no `rounds=` field (5000 rounds) and a 16-character salt.

use super::{Encoded, HashFormat, Params, enc, only_keys, param_u32, with_light};
use crate::rng::Rng;
use md5::{Digest, Md5};

pub struct ShaCryptFmt {
    name: &'static str,
    id: &'static str,
    sha512: bool,
}

impl ShaCryptFmt {
    pub const SHA512: ShaCryptFmt = ShaCryptFmt {
        name: "sha512-crypt",
        id: "$6$",
        sha512: true,
    };
    pub const SHA256: ShaCryptFmt = ShaCryptFmt {
        name: "sha256-crypt",
        id: "$5$",
        sha512: false,
    };

    fn hash_len(&self) -> usize {
        if self.sha512 { 86 } else { 43 }
    }
}

const T512: [usize; 64] = [
    42, 21, 0, 1, 43, 22, 23, 2, 44, 45, 24, 3, 4, 46, 25, 26, 5, 47, 48, 27, 6, 7, 49, 28, 29, 8,
    50, 51, 30, 9, 10, 52, 31, 32, 11, 53, 54, 33, 12, 13, 55, 34, 35, 14, 56, 57, 36, 15, 16, 58,
    37, 38, 17, 59, 60, 39, 18, 19, 61, 40, 41, 20, 62, 63,
];
const T256: [usize; 32] = [
    20, 10, 0, 11, 1, 21, 2, 22, 12, 23, 13, 3, 14, 4, 24, 5, 25, 15, 26, 16, 6, 17, 7, 27, 8, 28,
    18, 29, 19, 9, 30, 31,
];
const T_MD5: [usize; 16] = [12, 6, 0, 13, 7, 1, 14, 8, 2, 15, 9, 3, 5, 10, 4, 11];

fn transpose(raw: &[u8], table: &[usize]) -> Vec<u8> {
    table.iter().map(|&i| raw[i]).collect()
}

/// The encoded checksum of sha-crypt (salt truncated to 16 bytes, rounds clamped as glibc does).
pub(crate) fn sha_crypt_checksum(
    sha512: bool,
    password: &[u8],
    salt: &[u8],
    rounds: u32,
) -> String {
    let params = sha_crypt::Params::new(rounds.clamp(1000, 999_999_999))
        .expect("rounds clamped to the valid range");
    let salt = &salt[..salt.len().min(16)];
    if sha512 {
        enc::crypt64(&transpose(
            &sha_crypt::sha512_crypt(password, salt, params),
            &T512,
        ))
    } else {
        enc::crypt64(&transpose(
            &sha_crypt::sha256_crypt(password, salt, params),
            &T256,
        ))
    }
}

struct ShaParsed<'a> {
    rounds: Option<u32>,
    salt: &'a str,
    hash: &'a str,
}

impl ShaCryptFmt {
    fn parse<'a>(&self, s: &'a str) -> Option<ShaParsed<'a>> {
        let rest = s.strip_prefix(self.id)?;
        let (rounds, rest) = match rest.strip_prefix("rounds=") {
            Some(r) => {
                let (n, rest) = r.split_once('$')?;
                if !enc::is_digits(n) {
                    return None;
                }
                (Some(n.parse().ok()?), rest)
            }
            None => (None, rest),
        };
        let (salt, hash) = rest.split_once('$')?;
        let ok = salt.len() <= 16
            && enc::is_crypt64(salt)
            && hash.len() == self.hash_len()
            && enc::is_crypt64(hash);
        ok.then_some(ShaParsed { rounds, salt, hash })
    }

    fn format(&self, rounds: u32, salt: &str, hash: &str) -> String {
        if rounds == 5000 {
            format!("{}{salt}${hash}", self.id)
        } else {
            format!("{}rounds={rounds}${salt}${hash}", self.id)
        }
    }

    /// `$6$…` for `password`: shared with `ldap-crypt`.
    pub(crate) fn make(
        &self,
        password: &[u8],
        params: &Params,
        rng: &mut Rng,
    ) -> Result<String, String> {
        let rounds = param_u32(params, "rounds", 1000..=999_999_999)?.unwrap_or(5000);
        let salt = enc::crypt_chars(rng, 16);
        Ok(self.format(
            rounds,
            &salt,
            &sha_crypt_checksum(self.sha512, password, salt.as_bytes(), rounds),
        ))
    }

    pub(crate) fn check(&self, password: &[u8], s: &str) -> Result<bool, String> {
        let p = self
            .parse(s)
            .ok_or_else(|| format!("not a {} hash", self.name))?;
        let got = sha_crypt_checksum(
            self.sha512,
            password,
            p.salt.as_bytes(),
            p.rounds.unwrap_or(5000),
        );
        Ok(enc::ct_eq(got.as_bytes(), p.hash.as_bytes()))
    }

    pub(crate) fn params_of(&self, s: &str) -> Option<Params> {
        self.parse(s)
            .map(|p| vec![("rounds".into(), p.rounds.unwrap_or(5000).to_string())])
    }

    pub(crate) fn fake(&self, params: &Params, rng: &mut Rng) -> String {
        let rounds = param_u32(params, "rounds", 1000..=999_999_999)
            .ok()
            .flatten()
            .unwrap_or(5000);
        let salt = enc::crypt_chars(rng, 16);
        let n = if self.sha512 { 64 } else { 32 };
        self.format(rounds, &salt, &enc::crypt64(&enc::bytes(rng, n)))
    }
}

impl HashFormat for ShaCryptFmt {
    fn name(&self) -> &'static str {
        self.name
    }
    fn default_params(&self) -> Params {
        vec![("rounds".into(), "5000".into())]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["rounds"], self.name)?;
        param_u32(params, "rounds", 1000..=999_999_999).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        self.make(password, params, rng).map(Encoded::new)
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        self.check(password, &encoded.hash)
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        self.params_of(encoded)
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        Encoded::new(self.fake(params, rng))
    }
    fn light_params(&self) -> Params {
        with_light(self, &[("rounds", "1000")])
    }
    fn encoding(&self) -> &'static str {
        if self.sha512 {
            "`$6$[rounds=N$]<16-char salt>$<86 chars>`, crypt base64 (./0-9A-Za-z); rounds omitted when 5000"
        } else {
            "`$5$[rounds=N$]<16-char salt>$<43 chars>`, crypt base64 (./0-9A-Za-z); rounds omitted when 5000"
        }
    }
    fn notes(&self) -> &'static str {
        "glibc/libxcrypt default: 5000 rounds written without `rounds=`, 16-char salt (/etc/shadow, PHP crypt())"
    }
}

/// md5-crypt `$1$<salt ≤ 8>$<22 chars>` (FreeBSD/Linux, Cisco, OpenLDAP `{CRYPT}$1$`).
pub struct Md5Crypt;

pub(crate) fn md5_crypt_checksum(password: &[u8], salt: &[u8]) -> String {
    let salt = &salt[..salt.len().min(8)];
    let alt = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut ctx = Md5::new()
        .chain_update(password)
        .chain_update(b"$1$")
        .chain_update(salt);
    let mut left = password.len();
    while left > 0 {
        let n = left.min(16);
        ctx.update(&alt[..n]);
        left -= n;
    }
    let mut i = password.len();
    while i > 0 {
        if i & 1 == 1 {
            ctx.update([0u8]);
        } else {
            ctx.update(&password[..1]);
        }
        i >>= 1;
    }
    let mut fin = ctx.finalize();
    for i in 0..1000 {
        let mut c = Md5::new();
        if i & 1 == 1 {
            c.update(password);
        } else {
            c.update(fin);
        }
        if i % 3 != 0 {
            c.update(salt);
        }
        if i % 7 != 0 {
            c.update(password);
        }
        if i & 1 == 1 {
            c.update(fin);
        } else {
            c.update(password);
        }
        fin = c.finalize();
    }
    enc::crypt64(&transpose(&fin, &T_MD5))
}

fn parse_md5(s: &str) -> Option<(&str, &str)> {
    let (salt, hash) = s.strip_prefix("$1$")?.split_once('$')?;
    (salt.len() <= 8 && enc::is_crypt64(salt) && hash.len() == 22 && enc::is_crypt64(hash))
        .then_some((salt, hash))
}

impl HashFormat for Md5Crypt {
    fn name(&self) -> &'static str {
        "md5-crypt"
    }
    fn default_params(&self) -> Params {
        Params::new()
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &[], self.name())
    }
    fn hash(&self, password: &[u8], _params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let salt = enc::crypt_chars(rng, 8);
        Ok(Encoded::new(format!(
            "$1${salt}${}",
            md5_crypt_checksum(password, salt.as_bytes())
        )))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let (salt, hash) = parse_md5(&encoded.hash).ok_or("not an md5-crypt hash")?;
        Ok(enc::ct_eq(
            md5_crypt_checksum(password, salt.as_bytes()).as_bytes(),
            hash.as_bytes(),
        ))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        parse_md5(encoded).map(|_| Params::new())
    }
    fn shape(&self, _params: &Params, rng: &mut Rng) -> Encoded {
        let salt = enc::crypt_chars(rng, 8);
        Encoded::new(format!("$1${salt}${}", enc::crypt64(&enc::bytes(rng, 16))))
    }
    fn encoding(&self) -> &'static str {
        "`$1$<8-char salt>$<22 chars>`, crypt base64 (./0-9A-Za-z); fixed 1000 rounds"
    }
    fn notes(&self) -> &'static str {
        "no parameters (fixed 1000 iterations of MD5)"
    }
}

/// yescrypt `$y$<params>$<salt>$<hash>` (Debian 11+, Fedora, Ubuntu `/etc/shadow`),
/// through RustCrypto's `yescrypt`. Default `j9T` = N 4096, r 32, p 1.
pub struct YescryptFmt;

fn ys_params(params: &Params) -> Result<yescrypt::Params, String> {
    let ln = param_u32(params, "ln", 2..=20)?.unwrap_or(12);
    let r = param_u32(params, "r", 1..=64)?.unwrap_or(32);
    yescrypt::Params::new(yescrypt::Mode::default(), 1u64 << ln, r, 1)
        .map_err(|e| format!("invalid yescrypt parameters: {e}"))
}

fn parse_y(s: &str) -> Option<(&str, &str, &str)> {
    let mut f = s.strip_prefix("$y$")?.split('$');
    let (p, salt, hash) = (f.next()?, f.next()?, f.next()?);
    let ok = f.next().is_none()
        && !p.is_empty()
        && enc::is_crypt64(p)
        && enc::is_crypt64(salt)
        && !salt.is_empty()
        && hash.len() == 43
        && enc::is_crypt64(hash);
    ok.then_some((p, salt, hash))
}

impl HashFormat for YescryptFmt {
    fn name(&self) -> &'static str {
        "yescrypt"
    }
    fn default_params(&self) -> Params {
        vec![("ln".into(), "12".into()), ("r".into(), "32".into())]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["ln", "r"], self.name())?;
        ys_params(&params.to_vec()).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        use yescrypt::PasswordHasher;
        let p = ys_params(params)?;
        let salt = enc::bytes(rng, 16);
        let h = yescrypt::Yescrypt::from(p)
            .hash_password_with_salt(password, &salt)
            .map_err(|e| e.to_string())?;
        Ok(Encoded::new(h.to_string()))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        use yescrypt::PasswordVerifier;
        parse_y(&encoded.hash).ok_or("not a yescrypt hash")?;
        match yescrypt::Yescrypt::default().verify_password(password, encoded.hash.as_str()) {
            Ok(()) => Ok(true),
            Err(yescrypt::password_hash::Error::PasswordInvalid) => Ok(false),
            Err(e) => Err(e.to_string()),
        }
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        let (p, _, _) = parse_y(encoded)?;
        let parsed: yescrypt::Params = p.parse().ok()?;
        Some(vec![
            ("ln".into(), parsed.n().trailing_zeros().to_string()),
            ("r".into(), parsed.r().to_string()),
        ])
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let p = ys_params(params).unwrap_or_default();
        let salt = enc::crypt64(&enc::bytes(rng, 16));
        Encoded::new(format!(
            "$y${p}${salt}${}",
            enc::crypt64(&enc::bytes(rng, 32))
        ))
    }
    fn light_params(&self) -> Params {
        with_light(self, &[("ln", "4"), ("r", "8")])
    }
    fn encoding(&self) -> &'static str {
        "`$y$<params>$<salt>$<43 chars>`, crypt base64 (./0-9A-Za-z); `j9T` = N 4096, r 32, p 1"
    }
    fn notes(&self) -> &'static str {
        "Debian 11+/Fedora default in /etc/shadow (mkpasswd); computed by RustCrypto's yescrypt 0.1, checked against libxcrypt"
    }
}
