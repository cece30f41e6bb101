//! The plain digests (MD5, SHA-1, SHA-256, SHA-512) that unsalted, salted,
//! LDAP and imported-provider hashes are built on: one enum and one
//! dispatcher for every place that needs them.

use sha2::Digest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl Alg {
    /// `md5`, `sha1`, `SHA-256`, `sha512_hmac` (provider spellings) → the digest.
    pub fn parse(s: &str) -> Option<Alg> {
        Some(match s.to_ascii_lowercase().replace('-', "").as_str() {
            "md5" => Alg::Md5,
            "sha1" => Alg::Sha1,
            "sha256" | "sha256_hmac" => Alg::Sha256,
            "sha512" | "sha512_hmac" => Alg::Sha512,
            _ => return None,
        })
    }

    /// The digest of the concatenated `parts`.
    pub fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut d = D::new();
            for p in parts {
                d.update(p);
            }
            d.finalize().to_vec()
        }
        match self {
            Alg::Md5 => run::<md5::Md5>(parts),
            Alg::Sha1 => run::<sha1::Sha1>(parts),
            Alg::Sha256 => run::<sha2::Sha256>(parts),
            Alg::Sha512 => run::<sha2::Sha512>(parts),
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Alg::Md5 => 16,
            Alg::Sha1 => 20,
            Alg::Sha256 => 32,
            Alg::Sha512 => 64,
        }
    }
}
