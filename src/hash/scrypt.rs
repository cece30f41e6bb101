//! scrypt in its four real encodings: passlib's PHC `$scrypt$ln=…,r=…,p=…$salt$hash`,
//! libxcrypt's `$7$`, Django's `scrypt$N$salt$r$p$hash`, and Firebase Auth's
//! modified scrypt (hash and salt in their own columns, per-project signer key).

use super::{
    Encoded, HashFormat, Params, enc, only_keys, param, param_choice, param_u32, with_light,
};
use crate::rng::Rng;
use aes::cipher::{KeyIvInit, StreamCipher};

fn kdf(
    password: &[u8],
    salt: &[u8],
    log_n: u32,
    r: u32,
    p: u32,
    len: usize,
) -> Result<Vec<u8>, String> {
    let log_n = u8::try_from(log_n).map_err(|_| "ln too large".to_string())?;
    let params =
        scrypt::Params::new(log_n, r, p).map_err(|e| format!("invalid scrypt parameters: {e}"))?;
    let mut out = vec![0u8; len];
    scrypt::scrypt(password, salt, &params, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

fn log2_exact(n: u64) -> Option<u32> {
    (n >= 2 && n.is_power_of_two()).then(|| n.trailing_zeros())
}

/// passlib / RustCrypto PHC form. Defaults are passlib's: ln=16, r=8, p=1, 16-byte salt, 32-byte hash.
pub struct ScryptPhc;

struct Lrp {
    ln: u32,
    r: u32,
    p: u32,
}

fn lrp(params: &Params, d: (u32, u32, u32)) -> Result<Lrp, String> {
    Ok(Lrp {
        ln: param_u32(params, "ln", 1..=31)?.unwrap_or(d.0),
        r: param_u32(params, "r", 1..=255)?.unwrap_or(d.1),
        p: param_u32(params, "p", 1..=255)?.unwrap_or(d.2),
    })
}

fn parse_phc(s: &str) -> Option<(Lrp, Vec<u8>, Vec<u8>, Params)> {
    let rest = s.strip_prefix("$scrypt$")?;
    let mut parts = rest.split('$');
    let (ps, salt, hash) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || !enc::is_b64(salt)
        || !enc::is_b64(hash)
        || ps.split(',').count() != 3
    {
        return None;
    }
    let mut v = [0u32; 3];
    let mut out = Params::new();
    for (i, (kv, want)) in ps.split(',').zip(["ln", "r", "p"]).enumerate() {
        let (k, val) = kv.split_once('=')?;
        if k != want || !enc::is_digits(val) {
            return None;
        }
        v[i] = val.parse().ok()?;
        out.push((k.into(), val.into()));
    }
    let (salt, hash) = (enc::b64_decode(salt)?, enc::b64_decode(hash)?);
    if hash.is_empty() {
        return None;
    }
    Some((
        Lrp {
            ln: v[0],
            r: v[1],
            p: v[2],
        },
        salt,
        hash,
        out,
    ))
}

impl HashFormat for ScryptPhc {
    fn name(&self) -> &'static str {
        "scrypt"
    }
    fn default_params(&self) -> Params {
        vec![
            ("ln".into(), "16".into()),
            ("r".into(), "8".into()),
            ("p".into(), "1".into()),
        ]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["ln", "r", "p"], self.name())?;
        lrp(&params.to_vec(), (16, 8, 1)).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let c = lrp(params, (16, 8, 1))?;
        let salt = enc::bytes(rng, 16);
        let h = kdf(password, &salt, c.ln, c.r, c.p, 32)?;
        Ok(Encoded::new(format!(
            "$scrypt$ln={},r={},p={}${}${}",
            c.ln,
            c.r,
            c.p,
            enc::b64_nopad(&salt),
            enc::b64_nopad(&h)
        )))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let (c, salt, hash, _) = parse_phc(&encoded.hash).ok_or("not a $scrypt$ hash")?;
        Ok(enc::ct_eq(
            &kdf(password, &salt, c.ln, c.r, c.p, hash.len())?,
            &hash,
        ))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        parse_phc(encoded).map(|(_, _, _, p)| p)
    }
    fn parts(&self, encoded: &Encoded, _params: &Params) -> Option<super::Parts> {
        let (c, salt, value, _) = parse_phc(&encoded.hash)?;
        Some(scrypt_parts(&c, salt, value))
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let c = lrp(params, (16, 8, 1)).unwrap_or(Lrp { ln: 16, r: 8, p: 1 });
        let (salt, h) = (enc::bytes(rng, 16), enc::bytes(rng, 32));
        Encoded::new(format!(
            "$scrypt$ln={},r={},p={}${}${}",
            c.ln,
            c.r,
            c.p,
            enc::b64_nopad(&salt),
            enc::b64_nopad(&h)
        ))
    }
    fn light_params(&self) -> Params {
        with_light(self, &[("ln", "4"), ("r", "8"), ("p", "1")])
    }
    fn encoding(&self) -> &'static str {
        "PHC `$scrypt$ln=<log2 N>,r=…,p=…$<salt>$<hash>`, standard base64 without padding, 16-byte salt, 32-byte hash"
    }
    fn notes(&self) -> &'static str {
        "passlib's scrypt defaults (ln=16, r=8, p=1); RustCrypto's default is ln=17"
    }
}

/// libxcrypt's `$7$`: `$7$` + log2 N (1 char) + r (5 chars) + p (5 chars) + salt
/// string, `$`, 43-char hash, all in crypt base64. The salt string itself is the
/// scrypt salt. Defaults are libxcrypt's (`mkpasswd -m scrypt`): N=2^14, r=32, p=1.
pub struct ScryptMcf;

fn enc_u30(mut v: u32) -> String {
    let mut s = String::with_capacity(5);
    for _ in 0..5 {
        s.push(enc::CRYPT_ALPHABET[(v & 63) as usize] as char);
        v >>= 6;
    }
    s
}

fn dec_char(c: u8) -> Option<u32> {
    enc::CRYPT_ALPHABET
        .iter()
        .position(|&a| a == c)
        .map(|i| i as u32)
}

fn dec_u30(s: &[u8]) -> Option<u32> {
    s.iter()
        .rev()
        .try_fold(0u32, |acc, &c| Some((acc << 6) | dec_char(c)?))
}

fn scrypt_parts(c: &Lrp, salt: Vec<u8>, value: Vec<u8>) -> super::Parts {
    super::Parts::Scrypt {
        ln: c.ln,
        r: c.r,
        p: c.p,
        salt,
        value,
    }
}

fn parse_mcf(s: &str) -> Option<(Lrp, &str, &str)> {
    let rest = s.strip_prefix("$7$")?;
    let (setting, hash) = rest.split_once('$')?;
    let b = setting.as_bytes();
    if b.len() < 11 || hash.len() != 43 || !enc::is_crypt64(setting) || !enc::is_crypt64(hash) {
        return None;
    }
    let c = Lrp {
        ln: dec_char(b[0])?,
        r: dec_u30(&b[1..6])?,
        p: dec_u30(&b[6..11])?,
    };
    if c.ln < 1 || c.r == 0 || c.p == 0 {
        return None;
    }
    Some((c, &setting[11..], hash))
}

fn mcf_string(c: &Lrp, salt: &str, hash: &str) -> String {
    format!(
        "$7${}{}{}{}${}",
        enc::CRYPT_ALPHABET[c.ln as usize] as char,
        enc_u30(c.r),
        enc_u30(c.p),
        salt,
        hash
    )
}

impl HashFormat for ScryptMcf {
    fn name(&self) -> &'static str {
        "scrypt-mcf"
    }
    fn default_params(&self) -> Params {
        vec![
            ("ln".into(), "14".into()),
            ("r".into(), "32".into()),
            ("p".into(), "1".into()),
        ]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["ln", "r", "p"], self.name())?;
        lrp(&params.to_vec(), (14, 32, 1)).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let c = lrp(params, (14, 32, 1))?;
        let salt = enc::crypt64(&enc::bytes(rng, 16));
        let h = kdf(password, salt.as_bytes(), c.ln, c.r, c.p, 32)?;
        Ok(Encoded::new(mcf_string(&c, &salt, &enc::crypt64(&h))))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let (c, salt, hash) = parse_mcf(&encoded.hash).ok_or("not a $7$ hash")?;
        let h = kdf(password, salt.as_bytes(), c.ln, c.r, c.p, 32)?;
        Ok(enc::ct_eq(enc::crypt64(&h).as_bytes(), hash.as_bytes()))
    }
    /// The salt string's characters themselves are the scrypt salt.
    fn parts(&self, encoded: &Encoded, _params: &Params) -> Option<super::Parts> {
        let (c, salt, hash) = parse_mcf(&encoded.hash)?;
        let value = enc::crypt64_decode(hash)?;
        Some(scrypt_parts(&c, salt.as_bytes().to_vec(), value))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        parse_mcf(encoded).map(|(c, _, _)| {
            vec![
                ("ln".into(), c.ln.to_string()),
                ("r".into(), c.r.to_string()),
                ("p".into(), c.p.to_string()),
            ]
        })
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let c = lrp(params, (14, 32, 1)).unwrap_or(Lrp {
            ln: 14,
            r: 32,
            p: 1,
        });
        let salt = enc::crypt64(&enc::bytes(rng, 16));
        Encoded::new(mcf_string(&c, &salt, &enc::crypt64(&enc::bytes(rng, 32))))
    }
    fn light_params(&self) -> Params {
        with_light(self, &[("ln", "4"), ("r", "8"), ("p", "1")])
    }
    fn encoding(&self) -> &'static str {
        "`$7$` + N, r, p and salt in crypt base64 (./0-9A-Za-z) + `$` + 43-char hash"
    }
    fn notes(&self) -> &'static str {
        "libxcrypt / mkpasswd -m scrypt defaults (N=2^14, r=32, p=1); the salt characters themselves are the scrypt salt"
    }
}

/// Django ≥ 4.0 `ScryptPasswordHasher`: `scrypt$<N>$<salt>$<r>$<p>$<base64 64 bytes>`.
pub struct ScryptDjango;

const DJANGO_RELEASES: &[&str] = &["4.2", "5.2", "6.1"];

fn django_cost(params: &Params) -> Result<(u64, u32, u32), String> {
    let p_default = match param(params, "django") {
        Some("4.2") => 1,
        _ => 5,
    };
    let n = param(params, "n").map_or(Ok(16_384u64), |v| {
        v.parse::<u64>()
            .map_err(|_| format!("`n` = {v} is not a number"))
    })?;
    if log2_exact(n).is_none() || n > 1 << 30 {
        return Err(format!(
            "`n` = {n} must be a power of two between 2 and 2^30"
        ));
    }
    let r = param_u32(params, "r", 1..=255)?.unwrap_or(8);
    let p = match param(params, "django") {
        Some(_) => p_default,
        None => param_u32(params, "p", 1..=255)?.unwrap_or(5),
    };
    Ok((n, r, p))
}

fn parse_django(s: &str) -> Option<(u64, &str, u32, u32, Vec<u8>)> {
    let rest = s.strip_prefix("scrypt$")?;
    let f: Vec<&str> = rest.split('$').collect();
    if f.len() != 5
        || !enc::is_digits(f[0])
        || !enc::is_digits(f[2])
        || !enc::is_digits(f[3])
        || f[1].is_empty()
        || f[1].contains('$')
    {
        return None;
    }
    let n: u64 = f[0].parse().ok()?;
    log2_exact(n)?;
    let hash = enc::b64_decode(f[4])?;
    (!hash.is_empty() && f[4].len().is_multiple_of(4)).then_some((
        n,
        f[1],
        f[2].parse().ok()?,
        f[3].parse().ok()?,
        hash,
    ))
}

impl HashFormat for ScryptDjango {
    fn name(&self) -> &'static str {
        "scrypt-django"
    }
    fn default_params(&self) -> Params {
        vec![
            ("n".into(), "16384".into()),
            ("r".into(), "8".into()),
            ("p".into(), "5".into()),
        ]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["n", "r", "p", "django"], self.name())?;
        param_choice(params, "django", DJANGO_RELEASES)?;
        django_cost(&params.to_vec()).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let (n, r, p) = django_cost(params)?;
        let salt = enc::alnum(rng, 22);
        let h = kdf(
            password,
            salt.as_bytes(),
            log2_exact(n).unwrap_or(14),
            r,
            p,
            64,
        )?;
        Ok(Encoded::new(format!(
            "scrypt${n}${salt}${r}${p}${}",
            enc::b64(&h)
        )))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let (n, salt, r, p, hash) =
            parse_django(&encoded.hash).ok_or("not a Django scrypt hash")?;
        let h = kdf(
            password,
            salt.as_bytes(),
            log2_exact(n).unwrap_or(14),
            r,
            p,
            hash.len(),
        )?;
        Ok(enc::ct_eq(&h, &hash))
    }
    fn parts(&self, encoded: &Encoded, _params: &Params) -> Option<super::Parts> {
        let (n, salt, r, p, value) = parse_django(&encoded.hash)?;
        let ln = log2_exact(n)?;
        Some(scrypt_parts(
            &Lrp { ln, r, p },
            salt.as_bytes().to_vec(),
            value,
        ))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        parse_django(encoded).map(|(n, _, r, p, _)| {
            vec![
                ("n".into(), n.to_string()),
                ("r".into(), r.to_string()),
                ("p".into(), p.to_string()),
            ]
        })
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let (n, r, p) = django_cost(params).unwrap_or((16_384, 8, 5));
        let salt = enc::alnum(rng, 22);
        Encoded::new(format!(
            "scrypt${n}${salt}${r}${p}${}",
            enc::b64(&enc::bytes(rng, 64))
        ))
    }
    fn light_params(&self) -> Params {
        with_light(self, &[("n", "16"), ("r", "8"), ("p", "1")])
    }
    fn encoding(&self) -> &'static str {
        "`scrypt$<N>$<22-char salt>$<r>$<p>$<standard base64, padded, 64 bytes>`"
    }
    fn notes(&self) -> &'static str {
        "Django ScryptPasswordHasher: N=2^14, r=8, p=5 (5.2, 6.1); django=4.2 gives p=1"
    }
}

/// Firebase Auth's modified scrypt:
/// `base64(AES-256-CTR(key = scrypt(pw, salt ‖ separator, 2^mem_cost, rounds, 1, 32), iv = 0)(signer_key))`.
/// Hash and salt are base64 in their own columns; signer key and separator are per project.
pub struct FirebaseScrypt;

/// The sample project parameters of the firebase/scrypt README.
pub const README_SIGNER_KEY: &str =
    "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==";
pub const README_SALT_SEPARATOR: &str = "Bw==";

struct Fb {
    key: Vec<u8>,
    sep: Vec<u8>,
    rounds: u32,
    mem_cost: u32,
}

fn fb(params: &Params) -> Result<Fb, String> {
    let key_s = param(params, "signer_key").unwrap_or(README_SIGNER_KEY);
    let sep_s = param(params, "salt_separator").unwrap_or(README_SALT_SEPARATOR);
    let key = enc::b64_decode(key_s)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| format!("`signer_key` = {key_s} is not base64"))?;
    let sep = enc::b64_decode(sep_s)
        .ok_or_else(|| format!("`salt_separator` = {sep_s} is not base64"))?;
    Ok(Fb {
        key,
        sep,
        rounds: param_u32(params, "rounds", 1..=8)?.unwrap_or(8),
        mem_cost: param_u32(params, "mem_cost", 1..=14)?.unwrap_or(14),
    })
}

fn fb_hash(password: &[u8], salt: &[u8], c: &Fb) -> Result<Vec<u8>, String> {
    let mut s = salt.to_vec();
    s.extend_from_slice(&c.sep);
    let dk = kdf(password, &s, c.mem_cost, c.rounds, 1, 32)?;
    let mut out = c.key.clone();
    let mut cipher = ctr::Ctr128BE::<aes::Aes256>::new_from_slices(&dk, &[0u8; 16])
        .map_err(|e| e.to_string())?;
    cipher.apply_keystream(&mut out);
    Ok(out)
}

fn fb_is_hash(s: &str) -> bool {
    s.len() == 88
        && s.ends_with("==")
        && enc::is_b64(s.trim_end_matches('='))
        && enc::b64_decode(s).is_some_and(|b| b.len() == 64)
}

impl FirebaseScrypt {
    fn verify_params(
        &self,
        password: &[u8],
        encoded: &Encoded,
        params: &Params,
    ) -> Result<bool, String> {
        let salt = encoded
            .salt
            .as_deref()
            .ok_or("firebase-scrypt needs the salt column")?;
        let salt = enc::b64_decode(salt).ok_or("the salt is not base64")?;
        let hash = enc::b64_decode(&encoded.hash).ok_or("the hash is not base64")?;
        Ok(enc::ct_eq(&fb_hash(password, &salt, &fb(params)?)?, &hash))
    }
}

impl HashFormat for FirebaseScrypt {
    fn name(&self) -> &'static str {
        "firebase-scrypt"
    }
    fn default_params(&self) -> Params {
        vec![
            ("signer_key".into(), README_SIGNER_KEY.into()),
            ("salt_separator".into(), README_SALT_SEPARATOR.into()),
            ("rounds".into(), "8".into()),
            ("mem_cost".into(), "14".into()),
        ]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(
            params,
            &["signer_key", "salt_separator", "rounds", "mem_cost"],
            self.name(),
        )?;
        fb(&params.to_vec()).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let salt = enc::bytes(rng, 10);
        let h = fb_hash(password, &salt, &fb(params)?)?;
        Ok(Encoded {
            hash: enc::b64(&h),
            salt: Some(enc::b64(&salt)),
        })
    }
    /// With the README's sample project parameters; `verify_with` takes a project's own.
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        self.verify_params(password, encoded, &self.default_params())
    }
    fn verify_with(
        &self,
        password: &[u8],
        encoded: &Encoded,
        params: &Params,
    ) -> Result<bool, String> {
        self.verify_params(password, encoded, &super::merged(self, params))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        fb_is_hash(encoded).then(Params::new)
    }
    /// `params`: the project's (signer key, separator, rounds, mem cost).
    fn parts(&self, encoded: &Encoded, params: &Params) -> Option<super::Parts> {
        let c = fb(&super::merged(self, params)).ok()?;
        Some(super::Parts::FirebaseScrypt {
            salt: enc::b64_decode(encoded.salt.as_deref()?)?,
            value: enc::b64_decode(&encoded.hash)?,
            signer_key: c.key,
            salt_separator: c.sep,
            rounds: c.rounds,
            mem_cost: c.mem_cost,
        })
    }
    fn identify_salted(&self, hash: &str, salt: &str) -> Option<Params> {
        (fb_is_hash(hash) && enc::b64_decode(salt).is_some()).then(Params::new)
    }
    fn salt_in_column(&self) -> bool {
        true
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let n = fb(params).map(|c| c.key.len()).unwrap_or(64);
        let salt = enc::bytes(rng, 10);
        Encoded {
            hash: enc::b64(&enc::bytes(rng, n)),
            salt: Some(enc::b64(&salt)),
        }
    }
    fn light_params(&self) -> Params {
        with_light(self, &[("rounds", "1"), ("mem_cost", "1")])
    }
    fn encoding(&self) -> &'static str {
        "hash: standard base64 of 64 bytes (88 chars); salt column: standard base64 of 10 bytes; project parameters signer_key, salt_separator, rounds, mem_cost"
    }
    fn notes(&self) -> &'static str {
        "default project parameters are the firebase/scrypt README sample (signer key jxspr8Ki…, separator Bw==, rounds 8, mem_cost 14); \
         identify cannot tell a project's parameters from the hash; verify needs them (hash verify: \"params\")"
    }
}
