//! Password-hash formats (ARCHITECTURE.md § Hash formats): one file per family, one registry.
//!
//! Every format can `hash` (a real hash, verifiable by mainstream
//! implementations), `verify`, `identify` an encoded string, and produce a
//! `shape`: format-exact random bytes that do not verify, for size and parsing
//! tests only. How hashes reach users is the `HashMode`.

pub mod alg;
mod argon2;
mod bcrypt;
mod crypt;
mod digest;
mod ldap;
mod pbkdf2;
mod phpass;
pub mod plaintext;
pub mod pool;
mod scrypt;
pub mod stdio;

use crate::rng::Rng;
use std::fmt;
use std::str::FromStr;

pub use pool::Pool;

/// Parameters as `(name, value)` pairs, e.g. `[("cost", "10")]`.
pub type Params = Vec<(String, String)>;

/// An encoded hash; `salt` is set for formats that keep the salt in its own column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub hash: String,
    pub salt: Option<String>,
}

impl Encoded {
    pub fn new(hash: String) -> Encoded {
        Encoded { hash, salt: None }
    }
}

pub trait HashFormat: Send + Sync {
    fn name(&self) -> &'static str;
    /// Default parameters, as real producers write them.
    fn default_params(&self) -> Params;
    /// Refuses unknown or out-of-range parameters with a message saying what is valid.
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String>;
    /// A real hash of `password` (salt drawn from `rng`).
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String>;
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String>;
    /// The parameters if `encoded` is this format, else `None`.
    fn identify(&self, encoded: &str) -> Option<Params>;
    /// Format-exact random bytes: right prefix, parameters, lengths, alphabet.
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded;

    /// `verify` with parameters that are not in the encoded string (Firebase's
    /// per-project signer key); the others ignore `params`.
    fn verify_with(
        &self,
        password: &[u8],
        encoded: &Encoded,
        _params: &Params,
    ) -> Result<bool, String> {
        self.verify(password, encoded)
    }
    /// True when the salt lives in its own column (`Encoded.salt`), not in the string.
    fn salt_in_column(&self) -> bool {
        false
    }
    /// Like `identify`, for formats whose salt is in its own column.
    fn identify_salted(&self, _hash: &str, _salt: &str) -> Option<Params> {
        None
    }
    /// The lowest work parameters the format allows (`--hash-cost light`):
    /// same prefix, encoding and lengths, much less CPU and memory.
    fn light_params(&self) -> Params {
        self.default_params()
    }
    /// A real hash of `password123` with the default parameters.
    fn example(&self) -> &'static str {
        example_of(self.name())
    }
    /// How the hash (and salt) are encoded, in words.
    fn encoding(&self) -> &'static str {
        ""
    }
    /// What each identity provider makes of this format, in `TARGETS` order.
    /// Behaviour worth knowing (truncation, refused passwords, trimming, …).
    fn notes(&self) -> &'static str {
        ""
    }
    /// The hash taken apart into the pieces import APIs ask for (`params`:
    /// the profile's, for what the string does not say, like a salt position).
    /// `None`: no provider can take this format apart; its users migrate just
    /// in time.
    fn parts(&self, _encoded: &Encoded, _params: &Params) -> Option<Parts> {
        None
    }
}

/// A hash as its pieces: what identity providers' import APIs are given,
/// each re-encoded by the API's own writer (`target::http`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parts {
    /// `$<minor>$<cost>$<22-char salt><31-char checksum>` (`encoded` whole).
    Bcrypt {
        minor: &'static str,
        cost: u32,
        salt: String,
        checksum: String,
        encoded: String,
    },
    /// One digest of `salt ‖ password` (`salt_first`) or `password ‖ salt`;
    /// the salt may be empty.
    Digest {
        alg: alg::Alg,
        salt: Vec<u8>,
        salt_first: bool,
        value: Vec<u8>,
    },
    /// PBKDF2 with HMAC-`alg`.
    Pbkdf2 {
        alg: alg::Alg,
        iterations: u32,
        salt: Vec<u8>,
        value: Vec<u8>,
    },
    /// An argon2 PHC string, `$argon2id$v=19$m=…`.
    Argon2 { phc: String },
    /// Firebase's modified scrypt: `value` = AES-256-CTR under
    /// scrypt(password, salt ‖ `salt_separator`, 2^`mem_cost`, `rounds`, 1)
    /// of the project's `signer_key`.
    FirebaseScrypt {
        salt: Vec<u8>,
        value: Vec<u8>,
        signer_key: Vec<u8>,
        salt_separator: Vec<u8>,
        rounds: u32,
        mem_cost: u32,
    },
    /// scrypt with N = 2^`ln`.
    Scrypt {
        ln: u32,
        r: u32,
        p: u32,
        salt: Vec<u8>,
        value: Vec<u8>,
    },
}

/// The registry: adding a format is one file and one line here.
static FORMATS: &[&dyn HashFormat] = &[
    &bcrypt::Bcrypt::B,
    &bcrypt::Bcrypt::A,
    &bcrypt::Bcrypt::Y,
    &bcrypt::BcryptSha256Django,
    &bcrypt::WordPress,
    &argon2::Argon2Fmt::ID,
    &argon2::Argon2Fmt::I,
    &argon2::Argon2Fmt::DJANGO,
    &scrypt::ScryptPhc,
    &scrypt::ScryptMcf,
    &scrypt::ScryptDjango,
    &scrypt::FirebaseScrypt,
    &pbkdf2::DjangoPbkdf2::SHA256,
    &pbkdf2::DjangoPbkdf2::SHA1,
    &pbkdf2::PasslibPbkdf2::SHA256,
    &pbkdf2::PasslibPbkdf2::SHA512,
    &pbkdf2::PhcPbkdf2Sha512,
    &pbkdf2::AspNetV2,
    &pbkdf2::AspNetV3,
    &crypt::ShaCryptFmt::SHA512,
    &crypt::ShaCryptFmt::SHA256,
    &crypt::Md5Crypt,
    &crypt::YescryptFmt,
    &phpass::Phpass::WORDPRESS,
    &phpass::Phpass::PHPBB,
    &phpass::Phpass::DRUPAL7,
    &ldap::LdapSalted::SSHA,
    &ldap::LdapSalted::SSHA256,
    &ldap::LdapSalted::SSHA512,
    &ldap::LdapSalted::SMD5,
    &ldap::LdapPlain::SHA,
    &ldap::LdapPlain::MD5,
    &ldap::LdapCrypt,
    &ldap::LdapWrapped::BCRYPT,
    &ldap::LdapWrapped::ARGON2,
    &pbkdf2::PasslibPbkdf2::LDAP_SHA256,
    &pbkdf2::PasslibPbkdf2::LDAP_SHA512,
    &digest::Mysql41,
    &digest::Hex::MD5,
    &digest::Hex::SHA1,
    &digest::Hex::SHA256,
    &digest::Hex::SHA512,
    &digest::SaltedHex::MD5,
    &digest::SaltedHex::SHA1,
    &digest::SaltedHex::SHA256,
    &digest::SaltedHex::SHA512,
];

/// `password123` hashed with each format's default parameters by an independent
/// producer (tests/vectors/vectors.jsonl names which); `HASH\tSALT` for salt columns.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "bcrypt",
        "$2b$10$5VLnIWyCj6sxJcaDmrEWeOePnGSdEe0ZmsOkqU28/UokWIX/D2I16",
    ),
    (
        "bcrypt-2y",
        "$2y$10$G4W7q9c/hgzTT5NcgY7kHehV/aHuECXDuQpHGiC2vza0YIn.RG7Ku",
    ),
    (
        "wordpress-bcrypt",
        "$wp$2y$10$kgZ6ph56.QRtSBdzVYmI3uz9RtN5bh9fjbrjGbsMTZ4oa.RQFE5se",
    ),
    (
        "pbkdf2-sha256-django",
        "pbkdf2_sha256$1000000$A00GEsj5weLqb6EKZJrka5$dzr1uda5HqnuKfe2xJ2w49nvT/pFg5AGks9e6q1Gy3s=",
    ),
    ("md5-crypt", "$1$V3apckaE$CIokcBlOmlPy9w1CUCX6Y1"),
    ("mysql41", "*A0F874BC7F54EE086FCE60A37CE7887D8B31086B"),
    ("md5-hex", "482c811da5d5b4bc6d497ffa98491e38"),
    ("phpass", "$P$BqhujoRe0ZMmRf/65XChR7UCJYfbaz."),
    (
        "drupal7",
        "$S$D5LgO7MVbO2Y/85PghQ3UQEvMBTgUH60WkBQ8BQK6RduLx4BjeyH",
    ),
    (
        "aspnet-identity-v2",
        "AMCyQPDLWkX4DL6pFWgyqves+PgRXiz3YTGw0Q3WLadOS6Gzi+MIkeJjqq50ydu62w==",
    ),
    (
        "aspnet-identity-v3",
        "AQAAAAIAAYagAAAAEHHEwdp34RxAVc6Gn/Rg0AkN7waEtvBzJkrTCa0nuVg35Ddpe9zYtpNwfb2Mjr3Giw==",
    ),
    (
        "firebase-scrypt",
        "v70bvcFLW+W/IApzU6XsuBbdV0qFT71/i5GSl6o89dVFq9+dRTOKraAYqqLUFRo2bkpdBJdxCYsxrfOcM3lPmw==\tpWaRwDWj0MWSaw==",
    ),
    (
        "bcrypt-2a",
        "$2a$10$Prxn.qi9isP5vHTSohtioeeV0kIABo8NNuE/vf1gKoCMQHHte0skC",
    ),
    (
        "sha512-crypt",
        "$6$G9ehtojh/ynJhm2S$i3KcDh5D9N/j1hOLccJKyXwEtP2PMNSdH9b8B6jwh01qZwMi8bQVDxwvscXpoTf7D8SvCU7AfC1CFA76c./dj/",
    ),
    (
        "sha256-crypt",
        "$5$otCG8g/xSn1iyetS$cmfyQDPi1YIPmHR26P08Frmzr5OgNMggGRwjEqqajw/",
    ),
    (
        "yescrypt",
        "$y$j9T$Mfi.EBrXy2T03Ka9ferkt1$oAIVRgWCmMQbSFcqFT3CNE.SZS7B0fgkhvEJty/mxL3",
    ),
    (
        "scrypt-mcf",
        "$7$CU..../....TM4c421.xzB22aMXhjeA2M$9nnTDRykWG6RxfG/z/X1bru7zvDffHVPODKU5TxI2h5",
    ),
    (
        "bcrypt-sha256-django",
        "bcrypt_sha256$$2b$12$vFgFAgadsSdZs.NKUE795OK2shQ92dbkH8rysTnNC87u59iR1j1ja",
    ),
    (
        "argon2id",
        "$argon2id$v=19$m=19456,t=2,p=1$nh7are5dq/N808oqyRcL8Q$/OplkFqEyOR8SdRpME+uPnZmOYtryLYqQsTXQhIZ7iQ",
    ),
    (
        "argon2i",
        "$argon2i$v=19$m=65536,t=4,p=1$K6BHRxmulUFcanZT130Zvg$QuJabTBpDLbJiEQWDiNthk0WS78Q4KcZQD1mTvq8Um4",
    ),
    (
        "argon2-django",
        "argon2$argon2id$v=19$m=102400,t=2,p=8$bXFpQkROV2s0QTFZTkp4b0NTdkpNbA$KrcmRsIqsZ+Eswbo1qt8sJwlP1/Zmx3wrnbIkAOiaXI",
    ),
    (
        "scrypt-django",
        "scrypt$16384$bLpoKAdWdmyvrO7r3eGGFI$8$5$lvQr3CSbi9iiZPeyGvGiI5QvPMZ2iaW4TYp4OKLWNL5PqhZnMPq/id7pKx8Zv0/j6KUNu9Wzbt4KQ9gvsJ0R6Q==",
    ),
    (
        "pbkdf2-sha1-django",
        "pbkdf2_sha1$1000000$9TcIUFS4wB6bjUgKygHnCG$N9mG9tbGWaRsa1A6XxN1vRrY7K4=",
    ),
    (
        "scrypt",
        "$scrypt$ln=16,r=8,p=1$2VsrxVhr7f1/7z0n5Nzb+w$3BixBGa8CkdYiugCUUZZOsRviqZ9NIl1KpsecjqAJxk",
    ),
    (
        "pbkdf2-sha256",
        "$pbkdf2-sha256$29000$FgKAUAohhPAeQwhhrLU25g$5YzpGWWKTa9Cbm147ffNR4yLy9DxUAE9ghfhFFyhrns",
    ),
    (
        "pbkdf2-sha512",
        "$pbkdf2-sha512$25000$1FpLSYmxNsb4f69VCqH0fg$9TTfmNgw0.iH70RAUU4bXYTmwOFn0jGgSCW488g6B/Kd0zsU2RA/ZvA5baFg7n0X5PSif6lO7wBGzv4xPACQLA",
    ),
    ("phpass-phpbb", "$H$9z6oxBqt2miUmWyGVjpRtxEwSqOJ0y/"),
    ("ldap-ssha", "{SSHA}C0GXsaiwO6rWKVACoioOKA3ooL8GICRE"),
    (
        "ldap-ssha256",
        "{SSHA256}JMivzr5RDL1Fi83X4XaqtLSnrInrjtBf9GZo2MxiYXol5HyP8V7rPQ==",
    ),
    (
        "ldap-ssha512",
        "{SSHA512}i71NAyrmfLeB4vWLDyIw37FZVjQWipPYD6LqhnZoDtHCaym8IAI601igMRxJyyhc/4WvjwrUGRMAtoRlcNGqMa9VKoVwTkmJ",
    ),
    ("ldap-smd5", "{SMD5}tFzbM0H+w2zVeMGxLl6iDyxFaC0="),
    ("ldap-sha", "{SHA}y/2sYAj5yrQIN4TL0YdPdmGNKpc="),
    ("ldap-md5", "{MD5}SCyBHaXVtLxtSX/6mEkeOA=="),
    (
        "ldap-crypt",
        "{CRYPT}$6$r1nfu5k49C6A9b1l$Y84Hgj93YP4J7NoNMQtjpzANyVYUy0Sm.rrM2jzSlOsrsg3H8FVlAnAri3Jn7Aj9P9piwP65H1kvxHxWwZTbT0",
    ),
    (
        "ldap-crypt-bcrypt",
        "{CRYPT}$2b$10$RxTcdn2vI4rK9oFFO2C3g.e9HH3b40tEEWBWGSFyd3tNwH9zYUP/S",
    ),
    (
        "ldap-argon2",
        "{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$c1vCkP1aIdupK3Ta2S97Kg$mHSIMHWxdKWWHP281Zo9ZrPMAz+4m+wbk2whGNed1T0",
    ),
    (
        "ldap-pbkdf2-sha256",
        "{PBKDF2-SHA256}10000$0nqPMSbkvHfOGeNcCwEgpA$U/lLqCh97jy64iIO99734DflO85wa2mJuToVNoc5KCg",
    ),
    (
        "ldap-pbkdf2-sha512",
        "{PBKDF2-SHA512}10000$wrg3JqQ0ptQaw/i/N0boXQ$jasbBT9O4A2Mjh4h5omrMDODgayCA/Aci0p0L0f6hf6FkTUrem17baapYIxPMcCt1dhMWBsc5MXf7N6kbiLRXg",
    ),
    ("sha1-hex", "cbfdac6008f9cab4083784cbd1874f76618d2a97"),
    (
        "sha256-hex",
        "ef92b778bafe771e89245b89ecbc08a44a4e166c06659911881f383d4473e94f",
    ),
    (
        "sha512-hex",
        "bed4efa1d4fdbd954bd3705d6a2a78270ec9a52ecfbfb010c61862af5c76af1761ffeb1aef6aca1bf5d02b3781aa854fabd2b69c790de74e17ecfec3cb6ac4bf",
    ),
    (
        "pbkdf2-sha512-phc",
        "$pbkdf2-sha512$i=100000,l=64$NsDM+z27mm1y61wPCb3UCA$vSU+dfPby8GfaOS12Lwifv7a26quxhh/wNjKwrStWIdqPy2eaokVDge50mU+6VeZANMPfSPpZhoyWvz/XTI41w",
    ),
    (
        "salted-md5-hex",
        "2144cbaba4a92310dccba7ee5f1faeda\t28vwhZs2yjPNUxU5",
    ),
    (
        "salted-sha1-hex",
        "70294e958327ccce4dd0f44d08f1400ad91e911c\tr8oJYnGjvSR85oMU",
    ),
    (
        "salted-sha256-hex",
        "54f727ccae6dc5edcdb08b33586722a3518047c672896823ee4d83ea71b1cfa0\tWg7M2lhBVgkx42Pa",
    ),
    (
        "salted-sha512-hex",
        "eccfc506c64138a9c5508016a36f45df481fe496ef3f49bda0db0d6812f2c4c2cdac9b908602fc9a86ec6a51a3cd246b58954a8f0770c6c9d96f4d2a26f25d4f\tvvrmlETKaCKF9AkJ",
    ),
];

/// The example of format `name` (empty when there is none).
pub fn example_of(name: &str) -> &'static str {
    EXAMPLES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, e)| e)
}

/// The lowest work parameters of `format` (`--hash-cost light`).
/// `base` with each of `over`'s parameters replacing or joining it.
pub fn merged_over(mut base: Params, over: &[(String, String)]) -> Params {
    for (k, v) in over {
        match base.iter_mut().find(|(bk, _)| bk == k) {
            Some(slot) => slot.1 = v.clone(),
            None => base.push((k.clone(), v.clone())),
        }
    }
    base
}

pub fn light_params(format: &dyn HashFormat) -> Params {
    format.light_params()
}

pub fn all() -> &'static [&'static dyn HashFormat] {
    FORMATS
}

pub fn names() -> Vec<&'static str> {
    FORMATS.iter().map(|f| f.name()).collect()
}

pub fn lookup(name: &str) -> Option<&'static dyn HashFormat> {
    FORMATS.iter().copied().find(|f| f.name() == name)
}

/// The first format that recognises `encoded`.
pub fn identify(encoded: &str) -> Option<(&'static dyn HashFormat, Params)> {
    FORMATS
        .iter()
        .find_map(|f| f.identify(encoded).map(|p| (*f, p)))
}

/// Like `identify`, using the salt column when there is one: a hex digest with a
/// salt is a salted digest, without one the unsalted digest.
pub fn identify_encoded(e: &Encoded) -> Option<(&'static dyn HashFormat, Params)> {
    let salted = e.salt.as_deref().and_then(|salt| {
        FORMATS
            .iter()
            .find_map(|f| f.identify_salted(&e.hash, salt).map(|p| (*f, p)))
    });
    salted.or_else(|| identify(&e.hash))
}

/// How users get their hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashMode {
    /// A fresh hash per user at the profile's cost.
    Real,
    /// Users draw from a pool of real hashes of known passwords: all verify,
    /// the cost is the pool's, not N hashes.
    Pool,
    /// Format-exact random bytes that do not verify.
    Shape,
}

impl FromStr for HashMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "real" => Ok(HashMode::Real),
            "pool" => Ok(HashMode::Pool),
            "shape" => Ok(HashMode::Shape),
            o => Err(format!("unknown hash mode `{o}`: use real, pool or shape")),
        }
    }
}

impl fmt::Display for HashMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HashMode::Real => "real",
            HashMode::Pool => "pool",
            HashMode::Shape => "shape",
        })
    }
}

/// Defaults overlaid with `given`.
pub fn merged(format: &dyn HashFormat, given: &[(String, String)]) -> Params {
    let mut p = format.default_params();
    for (k, v) in given {
        match p.iter_mut().find(|(pk, _)| pk == k) {
            Some(slot) => slot.1 = v.clone(),
            None => p.push((k.clone(), v.clone())),
        }
    }
    p
}

/// The defaults of `format` with `keys` overlaid (for `light_params`).
pub(crate) fn with_light(format: &dyn HashFormat, keys: &[(&str, &str)]) -> Params {
    let mut p = format.default_params();
    for (k, v) in keys {
        match p.iter_mut().find(|(pk, _)| pk == k) {
            Some(slot) => slot.1 = (*v).to_string(),
            None => p.push(((*k).to_string(), (*v).to_string())),
        }
    }
    p
}

/// Encodings shared by several families.
pub(crate) mod enc {
    use crate::rng::Rng;
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    use base64ct::Encoding;

    /// crypt(3)'s little-endian base64 (`./0-9A-Za-z`), as md5-crypt, sha-crypt,
    /// phpass and yescrypt write it.
    pub fn crypt64(bytes: &[u8]) -> String {
        base64ct::Base64ShaCrypt::encode_string(bytes)
    }
    pub const CRYPT_ALPHABET: &[u8; 64] =
        b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const ALNUM: &[u8; 62] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// `n` characters of `./0-9A-Za-z` (a crypt salt).
    pub fn crypt_chars(rng: &mut Rng, n: usize) -> String {
        (0..n)
            .map(|_| CRYPT_ALPHABET[rng.below(64) as usize] as char)
            .collect()
    }
    /// `n` characters of `[A-Za-z0-9]` (Django's `get_random_string`).
    pub fn alnum(rng: &mut Rng, n: usize) -> String {
        (0..n)
            .map(|_| ALNUM[rng.below(62) as usize] as char)
            .collect()
    }
    pub fn bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        rng.fill(&mut v);
        v
    }
    pub fn crypt64_decode(s: &str) -> Option<Vec<u8>> {
        base64ct::Base64ShaCrypt::decode_vec(s).ok()
    }
    pub fn b64(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }
    pub fn b64_nopad(bytes: &[u8]) -> String {
        STANDARD_NO_PAD.encode(bytes)
    }
    /// Standard base64, padded or not.
    pub fn b64_decode(s: &str) -> Option<Vec<u8>> {
        let t = s.trim_end_matches('=');
        STANDARD_NO_PAD.decode(t).ok()
    }
    /// passlib's "adapted base64": standard alphabet with `.` for `+`, no padding.
    pub fn ab64(bytes: &[u8]) -> String {
        STANDARD_NO_PAD.encode(bytes).replace('+', ".")
    }
    pub fn ab64_decode(s: &str) -> Option<Vec<u8>> {
        b64_decode(&s.replace('.', "+"))
    }
    pub fn is_b64(s: &str) -> bool {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    }
    pub fn is_crypt64(s: &str) -> bool {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
    }
    pub fn is_hex(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
    }
    pub fn is_digits(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
    }
    /// Constant-time comparison (the lengths are public).
    pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// Helpers for formats' parameter handling.
pub(crate) fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

pub(crate) fn param_u32(
    params: &[(String, String)],
    key: &str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<Option<u32>, String> {
    match param(params, key) {
        None => Ok(None),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if range.contains(&n) => Ok(Some(n)),
            _ => Err(format!(
                "`{key}` = {v} is invalid: expected an integer in {}..={}",
                range.start(),
                range.end()
            )),
        },
    }
}

/// A parameter that must be one of `choices`.
pub(crate) fn param_choice<'a>(
    params: &'a [(String, String)],
    key: &str,
    choices: &[&str],
) -> Result<Option<&'a str>, String> {
    match param(params, key) {
        None => Ok(None),
        Some(v) if choices.contains(&v) => Ok(Some(v)),
        Some(v) => Err(format!(
            "`{key}` = {v} is invalid: expected one of {}",
            choices.join(", ")
        )),
    }
}

pub(crate) fn only_keys(
    params: &[(String, String)],
    allowed: &[&str],
    format: &str,
) -> Result<(), String> {
    for (k, _) in params {
        if !allowed.contains(&k.as_str()) {
            let hint = crate::util::did_you_mean(k, allowed.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "unknown parameter `{k}` for {format}{hint}; valid: {}",
                allowed.join(", ")
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_round_trips_identifies_and_shapes() {
        for f in all() {
            // The smallest work factors keep this quick; formats and encodings are unchanged.
            let light = light_params(*f);
            let mut rng = Rng::at(1, 2);
            let e = f.hash(b"correct horse", &light, &mut rng).unwrap();
            assert!(
                f.verify_with(b"correct horse", &e, &light).unwrap(),
                "{}",
                f.name()
            );
            assert!(
                !f.verify_with(b"wrong horse", &e, &light).unwrap(),
                "{}",
                f.name()
            );
            assert_eq!(e.salt.is_some(), f.salt_in_column(), "{}", f.name());
            assert_eq!(
                identify_encoded(&e).map(|(g, _)| g.name()),
                Some(f.name()),
                "{}",
                e.hash
            );
            let s = f.shape(&light, &mut rng);
            assert_eq!(s.hash.len(), e.hash.len(), "{} vs {}", s.hash, e.hash);
            assert_eq!(
                identify_encoded(&s).map(|(g, _)| g.name()),
                Some(f.name()),
                "{}",
                s.hash
            );
            assert!(!f.verify(b"correct horse", &s).unwrap_or(false));
        }
    }

    #[test]
    fn names_are_unique_and_identify_is_unambiguous() {
        let mut names = names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all().len());
        for f in all() {
            let e = f.shape(&f.default_params(), &mut Rng::at(3, 4));
            let claimants: Vec<_> = all()
                .iter()
                .filter(|g| g.identify(&e.hash).is_some())
                .map(|g| g.name())
                .collect();
            if f.salt_in_column() && f.name() != "firebase-scrypt" {
                assert_eq!(claimants.len(), 1, "{}: {claimants:?}", f.name());
            } else {
                assert_eq!(claimants, vec![f.name()], "{}", e.hash);
            }
        }
    }

    #[test]
    fn light_params_are_accepted() {
        for f in all() {
            f.check_params(&light_params(*f))
                .unwrap_or_else(|e| panic!("{}: {e}", f.name()));
            f.check_params(&f.default_params())
                .unwrap_or_else(|e| panic!("{}: {e}", f.name()));
        }
    }
}
