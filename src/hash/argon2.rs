//! Argon2 PHC strings: `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`
//! (standard base64 without padding), and Django's `argon2$argon2id$…` wrapper.
//! Defaults: argon2id m=19456, t=2, p=1 (OWASP, RustCrypto, many current
//! frameworks); argon2i m=65536, t=4, p=1 (PHP ≥ 7.3 `PASSWORD_ARGON2I`);
//! Django m=102400, t=2, p=8 with a 22-character text salt.

use super::{
    Encoded, HashFormat, Params, enc, only_keys, param, param_choice, param_u32, with_light,
};
use crate::rng::Rng;

pub struct Argon2Fmt {
    name: &'static str,
    algorithm: argon2::Algorithm,
    django: bool,
    defaults: (u32, u32, u32),
}

impl Argon2Fmt {
    pub const ID: Argon2Fmt = Argon2Fmt {
        name: "argon2id",
        algorithm: argon2::Algorithm::Argon2id,
        django: false,
        defaults: (19_456, 2, 1),
    };
    pub const I: Argon2Fmt = Argon2Fmt {
        name: "argon2i",
        algorithm: argon2::Algorithm::Argon2i,
        django: false,
        defaults: (65_536, 4, 1),
    };
    pub const DJANGO: Argon2Fmt = Argon2Fmt {
        name: "argon2-django",
        algorithm: argon2::Algorithm::Argon2id,
        django: true,
        defaults: (102_400, 2, 8),
    };

    fn prefix(&self) -> &'static str {
        if self.django { "argon2" } else { "" }
    }
}

fn ident(a: argon2::Algorithm) -> &'static str {
    match a {
        argon2::Algorithm::Argon2d => "argon2d",
        argon2::Algorithm::Argon2i => "argon2i",
        argon2::Algorithm::Argon2id => "argon2id",
    }
}

/// Parameter presets of real producers: `preset` wins over m/t/p.
const PRESETS: &[(&str, (u32, u32, u32))] = &[
    ("owasp", (19_456, 2, 1)),
    ("php", (65_536, 4, 1)),
    ("argon2-cffi", (65_536, 3, 4)),
    ("django", (102_400, 2, 8)),
    ("keycloak", (7_168, 5, 1)),
    ("libsodium", (65_536, 2, 1)),
];

#[derive(Clone, Copy)]
struct Cost {
    m: u32,
    t: u32,
    p: u32,
}

impl Argon2Fmt {
    fn cost(&self, params: &Params) -> Result<Cost, String> {
        if let Some(name) = param(params, "preset") {
            let (m, t, p) = PRESETS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, c)| *c)
                .ok_or_else(|| {
                    format!(
                        "unknown preset `{name}`: {}",
                        PRESETS
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
            return Ok(Cost { m, t, p });
        }
        let (m, t, p) = self.defaults;
        Ok(Cost {
            m: param_u32(params, "m", 8..=4_194_304)?.unwrap_or(m),
            t: param_u32(params, "t", 1..=1000)?.unwrap_or(t),
            p: param_u32(params, "p", 1..=255)?.unwrap_or(p),
        })
    }

    fn salt(&self, rng: &mut Rng) -> Vec<u8> {
        if self.django {
            enc::alnum(rng, 22).into_bytes()
        } else {
            enc::bytes(rng, 16)
        }
    }
}

/// A parsed PHC argon2 string.
struct Phc {
    algorithm: argon2::Algorithm,
    cost: Cost,
    salt: Vec<u8>,
    hash: Vec<u8>,
    params: Params,
}

fn parse(s: &str) -> Option<Phc> {
    let rest = s.strip_prefix('$')?;
    let mut parts = rest.split('$');
    let algorithm = match parts.next()? {
        "argon2id" => argon2::Algorithm::Argon2id,
        "argon2i" => argon2::Algorithm::Argon2i,
        "argon2d" => argon2::Algorithm::Argon2d,
        _ => return None,
    };
    if parts.next()? != "v=19" {
        return None;
    }
    let (ps, salt, hash) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !enc::is_b64(salt) || !enc::is_b64(hash) {
        return None;
    }
    let mut out = Params::new();
    let mut vals = [0u32; 3];
    let mut n = 0;
    for (i, (kv, want)) in ps.split(',').zip(["m", "t", "p"]).enumerate() {
        let (k, v) = kv.split_once('=')?;
        if k != want || !enc::is_digits(v) {
            return None;
        }
        vals[i] = v.parse().ok()?;
        out.push((k.into(), v.into()));
        n += 1;
    }
    if n != 3 || ps.split(',').count() != 3 {
        return None;
    }
    let salt = enc::b64_decode(salt)?;
    let hash = enc::b64_decode(hash)?;
    if salt.len() < 8 || hash.len() < 4 {
        return None;
    }
    Some(Phc {
        algorithm,
        cost: Cost {
            m: vals[0],
            t: vals[1],
            p: vals[2],
        },
        salt,
        hash,
        params: out,
    })
}

thread_local! {
    /// Argon2's memory, reused across hashes on a thread: a fresh 19–100 MiB
    /// allocation per hash costs page faults comparable to the hash itself.
    static MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn compute(
    algorithm: argon2::Algorithm,
    c: Cost,
    password: &[u8],
    salt: &[u8],
    len: usize,
) -> Result<Vec<u8>, String> {
    let p = argon2::Params::new(c.m, c.t, c.p, Some(len)).map_err(|e| e.to_string())?;
    let blocks = p.block_count();
    let hasher = argon2::Argon2::new(algorithm, argon2::Version::V0x13, p);
    let mut out = vec![0u8; len];
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < blocks {
            m.resize(blocks, argon2::Block::default());
        }
        hasher
            .hash_password_into_with_memory(password, salt, &mut out, &mut m[..blocks])
            .map_err(|e| e.to_string())
    })?;
    if blocks > 1 << 18 {
        // Over 256 MiB: give it back rather than keep it per thread.
        MEMORY.with(|m| *m.borrow_mut() = Vec::new());
    }
    Ok(out)
}

impl HashFormat for Argon2Fmt {
    fn name(&self) -> &'static str {
        self.name
    }

    fn default_params(&self) -> Params {
        let (m, t, p) = self.defaults;
        vec![
            ("m".into(), m.to_string()),
            ("t".into(), t.to_string()),
            ("p".into(), p.to_string()),
        ]
    }

    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["m", "t", "p", "preset"], self.name)?;
        param_choice(
            params,
            "preset",
            &PRESETS.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        )?;
        let c = self.cost(&params.to_vec())?;
        if c.m < 8 * c.p {
            return Err(format!(
                "m = {} is impossible with p = {}: argon2 needs m ≥ 8·p",
                c.m, c.p
            ));
        }
        Ok(())
    }

    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let c = self.cost(params)?;
        let salt = self.salt(rng);
        let h = compute(self.algorithm, c, password, &salt, 32)?;
        Ok(Encoded::new(format!(
            "{}${}$v=19$m={},t={},p={}${}${}",
            self.prefix(),
            ident(self.algorithm),
            c.m,
            c.t,
            c.p,
            enc::b64_nopad(&salt),
            enc::b64_nopad(&h)
        )))
    }

    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let phc = encoded
            .hash
            .strip_prefix(self.prefix())
            .and_then(parse)
            .ok_or_else(|| format!("not a {} hash", self.name))?;
        let got = compute(phc.algorithm, phc.cost, password, &phc.salt, phc.hash.len())?;
        Ok(enc::ct_eq(&got, &phc.hash))
    }

    fn parts(&self, encoded: &Encoded, _params: &Params) -> Option<super::Parts> {
        self.identify(&encoded.hash)?;
        Some(super::Parts::Argon2 {
            phc: encoded.hash[self.prefix().len()..].to_string(),
        })
    }

    fn identify(&self, encoded: &str) -> Option<Params> {
        let rest = encoded.strip_prefix(self.prefix())?;
        let phc = parse(rest)?;
        (phc.algorithm == self.algorithm
            || (self.django && phc.algorithm != argon2::Algorithm::Argon2d))
            .then_some(phc.params)
    }

    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let (m, t, p) = self.defaults;
        let c = self.cost(params).unwrap_or(Cost { m, t, p });
        let salt = self.salt(rng);
        let hash = enc::bytes(rng, 32);
        Encoded::new(format!(
            "{}${}$v=19$m={},t={},p={}${}${}",
            self.prefix(),
            ident(self.algorithm),
            c.m,
            c.t,
            c.p,
            enc::b64_nopad(&salt),
            enc::b64_nopad(&hash)
        ))
    }

    fn light_params(&self) -> Params {
        with_light(self, &[("m", "1024"), ("t", "1"), ("p", "1")])
    }

    fn encoding(&self) -> &'static str {
        if self.django {
            "`argon2` + PHC string `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`; salt is a 22-char text salt, both base64 without padding"
        } else {
            "PHC string `$argon2…$v=19$m=…,t=…,p=…$<salt>$<hash>`, standard base64 without padding, 16-byte salt, 32-byte hash"
        }
    }

    fn notes(&self) -> &'static str {
        if self.django {
            "Django Argon2PasswordHasher (3.2–6.1): m=102400, t=2, p=8, 22-char salt; identify also names argon2i under the prefix"
        } else if self.algorithm == argon2::Algorithm::Argon2i {
            "PHP ≥ 7.3 PASSWORD_ARGON2I defaults; presets: owasp, php, argon2-cffi, django, keycloak, libsodium (param preset=…)"
        } else {
            "OWASP/RustCrypto defaults; PHP PASSWORD_ARGON2ID is preset=php (m=65536,t=4,p=1); presets: owasp, php, argon2-cffi, django, keycloak, libsodium"
        }
    }
}
