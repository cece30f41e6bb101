//! PBKDF2 in its real encodings: Django (`pbkdf2_sha256$iter$salt$b64`), passlib
//! MCF (`$pbkdf2-sha256$rounds$ab64salt$ab64hash`), Auth0-style PHC
//! (`$pbkdf2-sha512$i=…,l=…$salt$hash`) and the ASP.NET Identity v2/v3 blobs.

use super::{
    Encoded, HashFormat, Params, enc, only_keys, param, param_choice, param_u32, with_light,
};
use crate::rng::Rng;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prf {
    Sha1,
    Sha256,
    Sha512,
}

impl Prf {
    fn alg(self) -> super::alg::Alg {
        match self {
            Prf::Sha1 => super::alg::Alg::Sha1,
            Prf::Sha256 => super::alg::Alg::Sha256,
            Prf::Sha512 => super::alg::Alg::Sha512,
        }
    }
}

fn parts(prf: Prf, iterations: u32, salt: Vec<u8>, value: Vec<u8>) -> super::Parts {
    super::Parts::Pbkdf2 {
        alg: prf.alg(),
        iterations,
        salt,
        value,
    }
}

fn derive(prf: Prf, password: &[u8], salt: &[u8], rounds: u32, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    match prf {
        Prf::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, rounds, &mut out),
        Prf::Sha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, rounds, &mut out),
        Prf::Sha512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, rounds, &mut out),
    }
    out
}

const MAX_ROUNDS: u32 = 100_000_000;

/// Django's `PBKDF2PasswordHasher` / `PBKDF2SHA1PasswordHasher`.
pub struct DjangoPbkdf2 {
    name: &'static str,
    algorithm: &'static str,
    prf: Prf,
    len: usize,
}

impl DjangoPbkdf2 {
    pub const SHA256: DjangoPbkdf2 = DjangoPbkdf2 {
        name: "pbkdf2-sha256-django",
        algorithm: "pbkdf2_sha256",
        prf: Prf::Sha256,
        len: 32,
    };
    pub const SHA1: DjangoPbkdf2 = DjangoPbkdf2 {
        name: "pbkdf2-sha1-django",
        algorithm: "pbkdf2_sha1",
        prf: Prf::Sha1,
        len: 20,
    };
}

/// Django release → default iterations (read from the released wheels).
const DJANGO: &[(&str, u32)] = &[
    ("3.2", 260_000),
    ("4.2", 600_000),
    ("5.2", 1_000_000),
    ("6.1", 1_500_000),
];

fn django_iterations(params: &Params) -> Result<u32, String> {
    if let Some(v) = param(params, "django") {
        return DJANGO
            .iter()
            .find(|(r, _)| *r == v)
            .map(|(_, n)| *n)
            .ok_or_else(|| {
                format!(
                    "`django` = {v} is invalid: expected one of {}",
                    DJANGO
                        .iter()
                        .map(|(r, _)| *r)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
    }
    Ok(param_u32(params, "iterations", 1..=MAX_ROUNDS)?.unwrap_or(1_000_000))
}

impl DjangoPbkdf2 {
    fn parse<'a>(&self, s: &'a str) -> Option<(u32, &'a str, Vec<u8>)> {
        let rest = s.strip_prefix(self.algorithm)?.strip_prefix('$')?;
        let f: Vec<&str> = rest.split('$').collect();
        if f.len() != 3
            || !enc::is_digits(f[0])
            || f[1].is_empty()
            || !f[2].len().is_multiple_of(4)
            || !enc::is_b64(f[2].trim_end_matches('='))
        {
            return None;
        }
        let hash = enc::b64_decode(f[2]).filter(|h| !h.is_empty())?;
        Some((f[0].parse().ok()?, f[1], hash))
    }
}

impl HashFormat for DjangoPbkdf2 {
    fn name(&self) -> &'static str {
        self.name
    }
    fn default_params(&self) -> Params {
        vec![("iterations".into(), "1000000".into())]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["iterations", "django"], self.name)?;
        django_iterations(&params.to_vec()).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let it = django_iterations(params)?;
        let salt = enc::alnum(rng, 22);
        let h = derive(self.prf, password, salt.as_bytes(), it, self.len);
        Ok(Encoded::new(format!(
            "{}${it}${salt}${}",
            self.algorithm,
            enc::b64(&h)
        )))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let (it, salt, hash) = self
            .parse(&encoded.hash)
            .ok_or_else(|| format!("not a Django {} hash", self.algorithm))?;
        if it == 0 {
            return Ok(false);
        }
        Ok(enc::ct_eq(
            &derive(self.prf, password, salt.as_bytes(), it, hash.len()),
            &hash,
        ))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        self.parse(encoded)
            .map(|(it, _, _)| vec![("iterations".into(), it.to_string())])
    }
    fn parts(&self, encoded: &Encoded, _params: &Params) -> Option<super::Parts> {
        let (it, salt, hash) = self.parse(&encoded.hash)?;
        Some(parts(self.prf, it, salt.as_bytes().to_vec(), hash))
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let it = django_iterations(params).unwrap_or(1_000_000);
        let salt = enc::alnum(rng, 22);
        Encoded::new(format!(
            "{}${it}${salt}${}",
            self.algorithm,
            enc::b64(&enc::bytes(rng, self.len))
        ))
    }
    fn light_params(&self) -> Params {
        with_light(self, &[("iterations", "1000")])
    }
    fn encoding(&self) -> &'static str {
        "`<algorithm>$<iterations>$<22-char salt [A-Za-z0-9]>$<standard base64, padded>`"
    }
    fn notes(&self) -> &'static str {
        "Django 5.2 default 1,000,000 iterations; param django=3.2|4.2|5.2|6.1 gives 260000|600000|1000000|1500000"
    }
}

/// passlib's `pbkdf2_sha256` / `pbkdf2_sha512`: `$pbkdf2-<d>$<rounds>$<ab64 salt>$<ab64 hash>`.
/// Also OpenLDAP's `pw-pbkdf2` schemes, the same layout behind `{PBKDF2-SHA256}`
/// (`ldap`: a case-insensitive scheme, a salt of exactly 16 bytes and a key of
/// the digest's length, which the module insists on).
pub struct PasslibPbkdf2 {
    name: &'static str,
    prefix: &'static str,
    prf: Prf,
    len: usize,
    rounds: u32,
    ldap: bool,
}

impl PasslibPbkdf2 {
    pub const SHA256: PasslibPbkdf2 = PasslibPbkdf2 {
        name: "pbkdf2-sha256",
        prefix: "$pbkdf2-sha256$",
        prf: Prf::Sha256,
        len: 32,
        rounds: 29_000,
        ldap: false,
    };
    pub const SHA512: PasslibPbkdf2 = PasslibPbkdf2 {
        name: "pbkdf2-sha512",
        prefix: "$pbkdf2-sha512$",
        prf: Prf::Sha512,
        len: 64,
        rounds: 25_000,
        ldap: false,
    };
    pub const LDAP_SHA256: PasslibPbkdf2 = PasslibPbkdf2 {
        name: "ldap-pbkdf2-sha256",
        prefix: "{PBKDF2-SHA256}",
        prf: Prf::Sha256,
        len: 32,
        rounds: 10_000,
        ldap: true,
    };
    pub const LDAP_SHA512: PasslibPbkdf2 = PasslibPbkdf2 {
        name: "ldap-pbkdf2-sha512",
        prefix: "{PBKDF2-SHA512}",
        prf: Prf::Sha512,
        len: 64,
        rounds: 10_000,
        ldap: true,
    };

    fn parse(&self, s: &str) -> Option<(u32, Vec<u8>, Vec<u8>)> {
        let n = self.prefix.len();
        let rest = if self.ldap {
            (s.get(..n)?.eq_ignore_ascii_case(self.prefix)).then(|| &s[n..])?
        } else {
            s.strip_prefix(self.prefix)?
        };
        let f: Vec<&str> = rest.split('$').collect();
        let ab = |x: &str| {
            x.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
        };
        if f.len() != 3 || !enc::is_digits(f[0]) || !ab(f[1]) || !ab(f[2]) || f[2].is_empty() {
            return None;
        }
        let (salt, hash) = (enc::ab64_decode(f[1])?, enc::ab64_decode(f[2])?);
        if self.ldap && (salt.len() != 16 || hash.len() != self.len) {
            return None;
        }
        Some((f[0].parse().ok()?, salt, hash))
    }
}

impl HashFormat for PasslibPbkdf2 {
    fn name(&self) -> &'static str {
        self.name
    }
    fn default_params(&self) -> Params {
        vec![("rounds".into(), self.rounds.to_string())]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["rounds"], self.name)?;
        param_u32(params, "rounds", 1..=MAX_ROUNDS).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let rounds = param_u32(params, "rounds", 1..=MAX_ROUNDS)?.unwrap_or(self.rounds);
        let salt = enc::bytes(rng, 16);
        let h = derive(self.prf, password, &salt, rounds, self.len);
        Ok(Encoded::new(format!(
            "{}{rounds}${}${}",
            self.prefix,
            enc::ab64(&salt),
            enc::ab64(&h)
        )))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let (rounds, salt, hash) = self
            .parse(&encoded.hash)
            .ok_or_else(|| format!("not a passlib {} hash", self.name))?;
        if rounds == 0 {
            return Ok(false);
        }
        Ok(enc::ct_eq(
            &derive(self.prf, password, &salt, rounds, hash.len()),
            &hash,
        ))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        self.parse(encoded)
            .map(|(r, _, _)| vec![("rounds".into(), r.to_string())])
    }
    fn parts(&self, encoded: &Encoded, _params: &Params) -> Option<super::Parts> {
        let (rounds, salt, hash) = self.parse(&encoded.hash)?;
        Some(parts(self.prf, rounds, salt, hash))
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let rounds = param_u32(params, "rounds", 1..=MAX_ROUNDS)
            .ok()
            .flatten()
            .unwrap_or(self.rounds);
        let salt = enc::bytes(rng, 16);
        Encoded::new(format!(
            "{}{rounds}${}${}",
            self.prefix,
            enc::ab64(&salt),
            enc::ab64(&enc::bytes(rng, self.len))
        ))
    }
    fn light_params(&self) -> Params {
        with_light(self, &[("rounds", "1000")])
    }
    fn encoding(&self) -> &'static str {
        if self.ldap {
            "`{PBKDF2-<DIGEST>}<iterations>$<salt>$<key>`, adapted base64 (standard with `.` for `+`, no padding), salt exactly 16 bytes, key the digest's length"
        } else {
            "`$pbkdf2-<digest>$<rounds>$<salt>$<hash>`, passlib ab64 (standard base64 with `.` for `+`, no padding), 16-byte salt"
        }
    }
    fn notes(&self) -> &'static str {
        if self.ldap {
            "OpenLDAP contrib pw-pbkdf2 (slapd-contrib): 10000 iterations by default (`moduleload pw-pbkdf2 N`); passlib's ldap_pbkdf2_* write the same layout"
        } else {
            "passlib defaults (29000 rounds for sha256, 25000 for sha512)"
        }
    }
}

/// Auth0's PBKDF2 PHC form: `$pbkdf2-sha512$i=<iterations>,l=<key length>$<b64 salt>$<b64 hash>`.
pub struct PhcPbkdf2Sha512;

fn parse_phc(s: &str) -> Option<(u32, usize, Vec<u8>, Vec<u8>)> {
    let rest = s.strip_prefix("$pbkdf2-sha512$")?;
    let f: Vec<&str> = rest.split('$').collect();
    if f.len() != 3 || !enc::is_b64(f[1]) || !enc::is_b64(f[2]) || f[2].is_empty() {
        return None;
    }
    let (i, l) = f[0].split_once(',')?;
    let i = i
        .strip_prefix("i=")
        .filter(|v| enc::is_digits(v))?
        .parse()
        .ok()?;
    let l: usize = l
        .strip_prefix("l=")
        .filter(|v| enc::is_digits(v))?
        .parse()
        .ok()?;
    let hash = enc::b64_decode(f[2])?;
    (hash.len() == l).then_some((i, l, enc::b64_decode(f[1])?, hash))
}

impl HashFormat for PhcPbkdf2Sha512 {
    fn name(&self) -> &'static str {
        "pbkdf2-sha512-phc"
    }
    fn default_params(&self) -> Params {
        vec![("i".into(), "100000".into()), ("l".into(), "64".into())]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["i", "l"], self.name())?;
        param_u32(params, "i", 1..=MAX_ROUNDS)?;
        param_u32(params, "l", 10..=64).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let i = param_u32(params, "i", 1..=MAX_ROUNDS)?.unwrap_or(100_000);
        let l = param_u32(params, "l", 10..=64)?.unwrap_or(64);
        let salt = enc::bytes(rng, 16);
        let h = derive(Prf::Sha512, password, &salt, i, l as usize);
        Ok(Encoded::new(format!(
            "$pbkdf2-sha512$i={i},l={l}${}${}",
            enc::b64_nopad(&salt),
            enc::b64_nopad(&h)
        )))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let (i, l, salt, hash) = parse_phc(&encoded.hash).ok_or("not a $pbkdf2-sha512$i=… hash")?;
        if i == 0 {
            return Ok(false);
        }
        Ok(enc::ct_eq(
            &derive(Prf::Sha512, password, &salt, i, l),
            &hash,
        ))
    }
    fn parts(&self, encoded: &Encoded, _params: &Params) -> Option<super::Parts> {
        let (i, _, salt, hash) = parse_phc(&encoded.hash)?;
        Some(parts(Prf::Sha512, i, salt, hash))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        parse_phc(encoded)
            .map(|(i, l, _, _)| vec![("i".into(), i.to_string()), ("l".into(), l.to_string())])
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let i = param_u32(params, "i", 1..=MAX_ROUNDS)
            .ok()
            .flatten()
            .unwrap_or(100_000);
        let l = param_u32(params, "l", 10..=64).ok().flatten().unwrap_or(64);
        let salt = enc::bytes(rng, 16);
        Encoded::new(format!(
            "$pbkdf2-sha512$i={i},l={l}${}${}",
            enc::b64_nopad(&salt),
            enc::b64_nopad(&enc::bytes(rng, l as usize))
        ))
    }
    fn light_params(&self) -> Params {
        with_light(self, &[("i", "1000")])
    }
    fn encoding(&self) -> &'static str {
        "PHC `$pbkdf2-sha512$i=<iterations>,l=<key bytes>$<salt>$<hash>`, standard base64 without padding, 16-byte salt"
    }
    fn notes(&self) -> &'static str {
        "Auth0 bulk-import PBKDF2 form (defaults i=100000, l=64)"
    }
}

/// ASP.NET Identity v2: base64(0x00 ‖ salt[16] ‖ PBKDF2-HMAC-SHA1(pw, salt, 1000, 32)).
pub struct AspNetV2;

impl HashFormat for AspNetV2 {
    fn name(&self) -> &'static str {
        "aspnet-identity-v2"
    }
    fn default_params(&self) -> Params {
        Params::new()
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &[], self.name())
    }
    fn hash(&self, password: &[u8], _params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let salt = enc::bytes(rng, 16);
        let mut blob = vec![0u8];
        blob.extend_from_slice(&salt);
        blob.extend(derive(Prf::Sha1, password, &salt, 1000, 32));
        Ok(Encoded::new(enc::b64(&blob)))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let b = enc::b64_decode(&encoded.hash)
            .filter(|b| b.len() == 49 && b[0] == 0)
            .ok_or("not an ASP.NET Identity v2 hash")?;
        Ok(enc::ct_eq(
            &derive(Prf::Sha1, password, &b[1..17], 1000, 32),
            &b[17..],
        ))
    }
    fn parts(&self, encoded: &Encoded, _params: &Params) -> Option<super::Parts> {
        self.identify(&encoded.hash)?;
        let b = enc::b64_decode(&encoded.hash)?;
        Some(parts(Prf::Sha1, 1000, b[1..17].to_vec(), b[17..].to_vec()))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        (encoded.len() == 68
            && enc::is_b64(encoded.trim_end_matches('='))
            && enc::b64_decode(encoded).is_some_and(|b| b.len() == 49 && b[0] == 0))
        .then(Params::new)
    }
    fn shape(&self, _params: &Params, rng: &mut Rng) -> Encoded {
        let mut blob = vec![0u8];
        blob.extend(enc::bytes(rng, 48));
        Encoded::new(enc::b64(&blob))
    }
    fn encoding(&self) -> &'static str {
        "standard base64 (68 chars) of 0x00 ‖ 16-byte salt ‖ 32-byte PBKDF2-HMAC-SHA1 subkey (1000 iterations)"
    }
    fn notes(&self) -> &'static str {
        "ASP.NET Identity IdentityV2 compatibility mode; fixed parameters (HMAC-SHA1, 1000 iterations)"
    }
}

/// ASP.NET Identity v3: base64(0x01 ‖ prf BE32 ‖ iterations BE32 ‖ salt length BE32 ‖ salt ‖ subkey).
pub struct AspNetV3;

fn v3_cost(params: &Params) -> Result<(Prf, u32), String> {
    match param(params, "dotnet") {
        Some("6") => return Ok((Prf::Sha256, 10_000)),
        Some(_) => return Ok((Prf::Sha512, 100_000)),
        None => {}
    }
    let prf = match param_choice(params, "prf", &["sha1", "sha256", "sha512"])? {
        Some("sha1") => Prf::Sha1,
        Some("sha256") => Prf::Sha256,
        _ => Prf::Sha512,
    };
    Ok((
        prf,
        param_u32(params, "iterations", 1..=MAX_ROUNDS)?.unwrap_or(100_000),
    ))
}

fn parse_v3(s: &str) -> Option<(Prf, u32, Vec<u8>, Vec<u8>)> {
    if !s.len().is_multiple_of(4) || !enc::is_b64(s.trim_end_matches('=')) {
        return None;
    }
    let b = enc::b64_decode(s)?;
    if b.len() < 13 || b[0] != 1 {
        return None;
    }
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let prf = match be(1) {
        0 => Prf::Sha1,
        1 => Prf::Sha256,
        2 => Prf::Sha512,
        _ => return None,
    };
    let (it, sl) = (be(5), be(9) as usize);
    if sl < 16 || b.len() < 13 + sl + 16 {
        return None;
    }
    Some((prf, it, b[13..13 + sl].to_vec(), b[13 + sl..].to_vec()))
}

fn prf_name(p: Prf) -> &'static str {
    match p {
        Prf::Sha1 => "sha1",
        Prf::Sha256 => "sha256",
        Prf::Sha512 => "sha512",
    }
}

fn v3_blob(prf: Prf, it: u32, salt: &[u8], subkey: &[u8]) -> String {
    let mut blob = vec![1u8];
    blob.extend_from_slice(&(prf as u32).to_be_bytes());
    blob.extend_from_slice(&it.to_be_bytes());
    blob.extend_from_slice(&(salt.len() as u32).to_be_bytes());
    blob.extend_from_slice(salt);
    blob.extend_from_slice(subkey);
    enc::b64(&blob)
}

impl HashFormat for AspNetV3 {
    fn name(&self) -> &'static str {
        "aspnet-identity-v3"
    }
    fn default_params(&self) -> Params {
        vec![
            ("prf".into(), "sha512".into()),
            ("iterations".into(), "100000".into()),
        ]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["prf", "iterations", "dotnet"], self.name())?;
        param_choice(params, "dotnet", &["6", "7", "8", "9", "10"])?;
        v3_cost(&params.to_vec()).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let (prf, it) = v3_cost(params)?;
        let salt = enc::bytes(rng, 16);
        let sub = derive(prf, password, &salt, it, 32);
        Ok(Encoded::new(v3_blob(prf, it, &salt, &sub)))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let (prf, it, salt, sub) =
            parse_v3(&encoded.hash).ok_or("not an ASP.NET Identity v3 hash")?;
        if it == 0 {
            return Ok(false);
        }
        Ok(enc::ct_eq(
            &derive(prf, password, &salt, it, sub.len()),
            &sub,
        ))
    }
    fn parts(&self, encoded: &Encoded, _params: &Params) -> Option<super::Parts> {
        let (prf, it, salt, sub) = parse_v3(&encoded.hash)?;
        Some(parts(prf, it, salt, sub))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        parse_v3(encoded).map(|(prf, it, _, _)| {
            vec![
                ("prf".into(), prf_name(prf).into()),
                ("iterations".into(), it.to_string()),
            ]
        })
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let (prf, it) = v3_cost(params).unwrap_or((Prf::Sha512, 100_000));
        let salt = enc::bytes(rng, 16);
        Encoded::new(v3_blob(prf, it, &salt, &enc::bytes(rng, 32)))
    }
    fn light_params(&self) -> Params {
        with_light(self, &[("iterations", "1000")])
    }
    fn encoding(&self) -> &'static str {
        "standard base64 of 0x01 ‖ prf (BE32: 0 sha1, 1 sha256, 2 sha512) ‖ iterations (BE32) ‖ salt length (BE32) ‖ 16-byte salt ‖ 32-byte subkey"
    }
    fn notes(&self) -> &'static str {
        ".NET 7+ default HMAC-SHA512, 100,000 iterations; dotnet=6 gives the older HMAC-SHA256, 10,000 iterations"
    }
}
