//! RFC 2307 LDAP `userPassword` values: `{SSHA}` `{SSHA256}` `{SSHA512}` `{SMD5}`
//! = base64(digest(password ‖ salt) ‖ salt); `{SHA}` `{MD5}` = base64(digest);
//! `{CRYPT}` + a crypt(3) string (sha512-crypt by default).

use super::crypt::ShaCryptFmt;
use super::{Encoded, HashFormat, Params, enc, only_keys, param_u32, with_light};
use crate::rng::Rng;

use super::alg::Alg;

/// The value after a case-insensitive `{SCHEME}` prefix.
fn strip_scheme<'a>(s: &'a str, scheme: &str) -> Option<&'a str> {
    (s.len() >= scheme.len()
        && s.is_char_boundary(scheme.len())
        && s[..scheme.len()].eq_ignore_ascii_case(scheme))
    .then(|| &s[scheme.len()..])
}

fn b64_value(v: &str) -> Option<Vec<u8>> {
    (v.len().is_multiple_of(4) && enc::is_b64(v.trim_end_matches('=')))
        .then(|| enc::b64_decode(v))
        .flatten()
}

pub struct LdapSalted {
    name: &'static str,
    scheme: &'static str,
    alg: Alg,
    salt: u32,
}

impl LdapSalted {
    pub const SSHA: LdapSalted = LdapSalted {
        name: "ldap-ssha",
        scheme: "{SSHA}",
        alg: Alg::Sha1,
        salt: 4,
    };
    pub const SSHA256: LdapSalted = LdapSalted {
        name: "ldap-ssha256",
        scheme: "{SSHA256}",
        alg: Alg::Sha256,
        salt: 8,
    };
    pub const SSHA512: LdapSalted = LdapSalted {
        name: "ldap-ssha512",
        scheme: "{SSHA512}",
        alg: Alg::Sha512,
        salt: 8,
    };
    pub const SMD5: LdapSalted = LdapSalted {
        name: "ldap-smd5",
        scheme: "{SMD5}",
        alg: Alg::Md5,
        salt: 4,
    };

    fn parse(&self, s: &str) -> Option<Vec<u8>> {
        let b = b64_value(strip_scheme(s, self.scheme)?)?;
        (b.len() > self.alg.output_len() && b.len() <= self.alg.output_len() + 64).then_some(b)
    }
}

impl HashFormat for LdapSalted {
    fn name(&self) -> &'static str {
        self.name
    }
    fn default_params(&self) -> Params {
        vec![("salt_bytes".into(), self.salt.to_string())]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["salt_bytes"], self.name)?;
        param_u32(params, "salt_bytes", 4..=16).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let n = param_u32(params, "salt_bytes", 4..=16)?.unwrap_or(self.salt);
        let salt = enc::bytes(rng, n as usize);
        let mut v = self.alg.digest(&[password, &salt]);
        v.extend_from_slice(&salt);
        Ok(Encoded::new(format!("{}{}", self.scheme, enc::b64(&v))))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let b = self
            .parse(&encoded.hash)
            .ok_or_else(|| format!("not an LDAP {} value", self.scheme))?;
        let (d, salt) = b.split_at(self.alg.output_len());
        Ok(enc::ct_eq(&self.alg.digest(&[password, salt]), d))
    }
    fn parts(&self, encoded: &Encoded, _params: &Params) -> Option<super::Parts> {
        let b = self.parse(&encoded.hash)?;
        let (d, salt) = b.split_at(self.alg.output_len());
        Some(super::Parts::Digest {
            alg: self.alg,
            salt: salt.to_vec(),
            salt_first: false,
            value: d.to_vec(),
        })
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        self.parse(encoded).map(|b| {
            vec![(
                "salt_bytes".into(),
                (b.len() - self.alg.output_len()).to_string(),
            )]
        })
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let n = param_u32(params, "salt_bytes", 4..=16)
            .ok()
            .flatten()
            .unwrap_or(self.salt);
        Encoded::new(format!(
            "{}{}",
            self.scheme,
            enc::b64(&enc::bytes(rng, self.alg.output_len() + n as usize))
        ))
    }
    fn light_params(&self) -> Params {
        with_light(self, &[])
    }
    fn encoding(&self) -> &'static str {
        "`{SCHEME}` + standard base64 (padded) of digest(password ‖ salt) ‖ salt"
    }
    fn notes(&self) -> &'static str {
        "OpenLDAP slappasswd / 389-DS; salt 4 bytes for SSHA/SMD5, 8 for SSHA256/512 (passlib defaults), 4..16 accepted"
    }
}

pub struct LdapPlain {
    name: &'static str,
    scheme: &'static str,
    alg: Alg,
}

impl LdapPlain {
    pub const SHA: LdapPlain = LdapPlain {
        name: "ldap-sha",
        scheme: "{SHA}",
        alg: Alg::Sha1,
    };
    pub const MD5: LdapPlain = LdapPlain {
        name: "ldap-md5",
        scheme: "{MD5}",
        alg: Alg::Md5,
    };

    fn parse(&self, s: &str) -> Option<Vec<u8>> {
        b64_value(strip_scheme(s, self.scheme)?).filter(|b| b.len() == self.alg.output_len())
    }
}

impl HashFormat for LdapPlain {
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
        Ok(Encoded::new(format!(
            "{}{}",
            self.scheme,
            enc::b64(&self.alg.digest(&[password]))
        )))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let d = self
            .parse(&encoded.hash)
            .ok_or_else(|| format!("not an LDAP {} value", self.scheme))?;
        Ok(enc::ct_eq(&self.alg.digest(&[password]), &d))
    }
    fn parts(&self, encoded: &Encoded, _params: &Params) -> Option<super::Parts> {
        Some(super::Parts::Digest {
            alg: self.alg,
            salt: Vec::new(),
            salt_first: true,
            value: self.parse(&encoded.hash)?,
        })
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        self.parse(encoded).map(|_| Params::new())
    }
    fn shape(&self, _params: &Params, rng: &mut Rng) -> Encoded {
        Encoded::new(format!(
            "{}{}",
            self.scheme,
            enc::b64(&enc::bytes(rng, self.alg.output_len()))
        ))
    }
    fn encoding(&self) -> &'static str {
        "`{SCHEME}` + standard base64 (padded) of the unsalted digest"
    }
    fn notes(&self) -> &'static str {
        "unsalted: equal passwords give equal values"
    }
}

/// `{CRYPT}` + a crypt(3) string; sha512-crypt (5000 rounds, no `rounds=`) when hashing,
/// `$6$`, `$5$` and `$1$` when verifying or identifying.
pub struct LdapCrypt;

fn inner(s: &str) -> Option<(&'static dyn HashFormat, &str)> {
    let rest = strip_scheme(s, "{CRYPT}")?;
    let f: &'static dyn HashFormat = match rest.get(..3)? {
        "$6$" => &ShaCryptFmt::SHA512,
        "$5$" => &ShaCryptFmt::SHA256,
        "$1$" => &super::crypt::Md5Crypt,
        _ => return None,
    };
    Some((f, rest))
}

impl HashFormat for LdapCrypt {
    fn name(&self) -> &'static str {
        "ldap-crypt"
    }
    fn default_params(&self) -> Params {
        vec![("rounds".into(), "5000".into())]
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["rounds"], self.name())?;
        param_u32(params, "rounds", 1000..=999_999_999).map(|_| ())
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        Ok(Encoded::new(format!(
            "{{CRYPT}}{}",
            ShaCryptFmt::SHA512.make(password, params, rng)?
        )))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let (f, rest) = inner(&encoded.hash).ok_or("not an LDAP {CRYPT} value")?;
        f.verify(password, &Encoded::new(rest.to_string()))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        let (f, rest) = inner(encoded)?;
        let mut p = f.identify(rest)?;
        p.insert(0, ("crypt".into(), f.name().into()));
        Some(p)
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        Encoded::new(format!(
            "{{CRYPT}}{}",
            ShaCryptFmt::SHA512.fake(params, rng)
        ))
    }
    fn light_params(&self) -> Params {
        with_light(self, &[("rounds", "1000")])
    }
    fn encoding(&self) -> &'static str {
        "`{CRYPT}` + a sha512-crypt string `$6$<16-char salt>$<86 chars>`"
    }
    fn notes(&self) -> &'static str {
        "Auth0 explicitly does not support {CRYPT}; verify/identify also take {CRYPT}$5$ and {CRYPT}$1$"
    }
}

/// An LDAP scheme that wraps another format's string: `{SCHEME}` + the inner
/// encoding, as OpenLDAP stores `{CRYPT}$2b$…` (crypt(3)) and `{ARGON2}$argon2id$…`
/// (the `argon2` module). The first inner format hashes; all of them verify and
/// identify (the server's verifier takes each).
pub struct LdapWrapped {
    name: &'static str,
    scheme: &'static str,
    inner: &'static [&'static dyn HashFormat],
    encoding: &'static str,
    notes: &'static str,
}

impl LdapWrapped {
    pub const BCRYPT: LdapWrapped = LdapWrapped {
        name: "ldap-crypt-bcrypt",
        scheme: "{CRYPT}",
        inner: &[
            &super::bcrypt::Bcrypt::B,
            &super::bcrypt::Bcrypt::A,
            &super::bcrypt::Bcrypt::Y,
        ],
        encoding: "`{CRYPT}` + a bcrypt string `$2b$NN$<22-char salt><31-char checksum>` (OpenLDAP hands it to crypt(3))",
        notes: "OpenLDAP's built-in {CRYPT} through libxcrypt; verify/identify also take $2a$ and $2y$. bcrypt uses the first 72 bytes of the password: a longer password binds with its first 72 bytes alone",
    };
    pub const ARGON2: LdapWrapped = LdapWrapped {
        name: "ldap-argon2",
        scheme: "{ARGON2}",
        inner: &[&super::argon2::Argon2Fmt::ID, &super::argon2::Argon2Fmt::I],
        encoding: "`{ARGON2}` + an argon2 PHC string `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`",
        notes: "OpenLDAP's `argon2` module (slapd 2.5+, libargon2): verifies $argon2id$, $argon2i$ and $argon2d$ (identify takes id and i); m=19456, t=2, p=1 as 2.6 writes (2.5 wrote $argon2i$ m=4096, t=3)",
    };

    /// The inner format and string of an encoded value of this scheme.
    fn inner_of<'a>(&self, s: &'a str) -> Option<(&'static dyn HashFormat, &'a str, Params)> {
        let rest = strip_scheme(s, self.scheme)?;
        self.inner
            .iter()
            .find_map(|f| f.identify(rest).map(|p| (*f, rest, p)))
    }
}

impl HashFormat for LdapWrapped {
    fn name(&self) -> &'static str {
        self.name
    }
    fn default_params(&self) -> Params {
        self.inner[0].default_params()
    }
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        self.inner[0]
            .check_params(params)
            .map_err(|e| e.replace(self.inner[0].name(), self.name))
    }
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let inner = self.inner[0].hash(password, params, rng)?;
        Ok(Encoded::new(format!("{}{}", self.scheme, inner.hash)))
    }
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let (f, rest, _) = self
            .inner_of(&encoded.hash)
            .ok_or_else(|| format!("not an LDAP {} value", self.scheme))?;
        f.verify(password, &Encoded::new(rest.to_string()))
    }
    fn identify(&self, encoded: &str) -> Option<Params> {
        self.inner_of(encoded).map(|(_, _, p)| p)
    }
    fn parts(&self, encoded: &Encoded, params: &Params) -> Option<super::Parts> {
        let (f, rest, _) = self.inner_of(&encoded.hash)?;
        f.parts(&Encoded::new(rest.to_string()), params)
    }
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let inner = self.inner[0].shape(params, rng);
        Encoded::new(format!("{}{}", self.scheme, inner.hash))
    }
    fn light_params(&self) -> Params {
        self.inner[0].light_params()
    }
    fn encoding(&self) -> &'static str {
        self.encoding
    }
    fn notes(&self) -> &'static str {
        self.notes
    }
}
