//! The closed sets a flag chooses from. clap lists their values in `--help`
//! and refuses anything else (exit 2); each converts at this boundary to the
//! domain's type, so no command compares strings.

use clap::ValueEnum;

/// `--method`: how rows are written.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Copy,
    Insert,
    Upsert,
}

impl From<Method> for crate::target::Method {
    fn from(m: Method) -> Self {
        match m {
            Method::Copy => Self::Copy,
            Method::Insert => Self::Insert,
            Method::Upsert => Self::Upsert,
        }
    }
}

/// `--hash-mode`: how users get their hashes.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashMode {
    Real,
    Pool,
    Shape,
}

impl From<HashMode> for crate::hash::HashMode {
    fn from(m: HashMode) -> Self {
        match m {
            HashMode::Real => Self::Real,
            HashMode::Pool => Self::Pool,
            HashMode::Shape => Self::Shape,
        }
    }
}

/// `--hash-cost`: the profile's work factors, or each format's smallest.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashCost {
    Profile,
    Light,
}

impl HashCost {
    pub fn light(self) -> bool {
        self == HashCost::Light
    }
}

/// An identity API (`rehearse --api`, `estimate --api`, `emulate API`).
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Okta,
    Auth0,
    Generic,
}

impl From<Api> for crate::api::Api {
    fn from(a: Api) -> Self {
        match a {
            Api::Okta => Self::Okta,
            Api::Auth0 => Self::Auth0,
            Api::Generic => Self::Generic,
        }
    }
}

/// `jit --api`: the identity APIs a JIT migration signs users into.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum JitApi {
    Okta,
    Generic,
}

impl From<JitApi> for crate::jit::newsys::Api {
    fn from(a: JitApi) -> Self {
        match a {
            JitApi::Okta => Self::Okta,
            JitApi::Generic => Self::Generic,
        }
    }
}

/// `jit --rehash`: what a JIT create sends for the password.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rehash {
    Argon2id,
    Import,
}

impl From<Rehash> for crate::jit::newsys::Rehash {
    fn from(r: Rehash) -> Self {
        match r {
            Rehash::Argon2id => Self::Target,
            Rehash::Import => Self::Import,
        }
    }
}

/// `generate --format`: the file format (the generator names formats by these words).
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
    Sql,
    Ldif,
    /// Each `[copies.NAME]` of the profile in its store's bulk format.
    Copies,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Sql => "sql",
            Format::Ldif => "ldif",
            Format::Copies => "copies",
        }
    }
}

/// `generate --sql-dialect`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlDialect {
    Postgres,
    Mysql,
    Sqlite,
}

impl From<SqlDialect> for crate::sink::Dialect {
    fn from(d: SqlDialect) -> Self {
        match d {
            SqlDialect::Postgres => Self::Postgres,
            SqlDialect::Mysql => Self::Mysql,
            SqlDialect::Sqlite => Self::Sqlite,
        }
    }
}

/// `generate --encoding` (case-insensitive; the spellings `sink::Encoding` also reads).
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    #[value(name = "utf-8-bom", alias = "utf8-bom")]
    Utf8Bom,
    #[value(name = "utf-16le", alias = "utf16le")]
    Utf16Le,
    #[value(name = "utf-16be", alias = "utf16be")]
    Utf16Be,
    #[value(name = "windows-1252", alias = "cp1252")]
    Windows1252,
    #[value(name = "latin1", alias = "iso-8859-1")]
    Latin1,
}

impl From<Encoding> for crate::sink::Encoding {
    fn from(e: Encoding) -> Self {
        match e {
            Encoding::Utf8 => Self::Utf8,
            Encoding::Utf8Bom => Self::Utf8Bom,
            Encoding::Utf16Le => Self::Utf16Le,
            Encoding::Utf16Be => Self::Utf16Be,
            Encoding::Windows1252 => Self::Windows1252,
            Encoding::Latin1 => Self::Latin1,
        }
    }
}

/// `generate --unrepresentable`: a value the encoding cannot hold.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unrepresentable {
    Skip,
    Replace,
}

/// `edge-cases list --family`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Email,
    Name,
    Username,
    Text,
    Password,
    File,
    Mfa,
}

impl From<Family> for crate::edge::Family {
    fn from(f: Family) -> Self {
        match f {
            Family::Email => Self::Email,
            Family::Name => Self::Name,
            Family::Username => Self::Username,
            Family::Text => Self::Text,
            Family::Password => Self::Password,
            Family::File => Self::File,
            Family::Mfa => Self::Mfa,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value clap offers is one the domain's own parser reads the same
    /// way, so a profile file and a flag cannot spell a choice differently.
    #[test]
    fn every_choice_names_what_the_domain_parses() {
        fn names<T: ValueEnum>() -> Vec<(T, String)> {
            T::value_variants()
                .iter()
                .map(|v| {
                    (
                        v.clone(),
                        v.to_possible_value().unwrap().get_name().to_string(),
                    )
                })
                .collect()
        }
        for (m, n) in names::<Method>() {
            assert_eq!(n.parse::<crate::target::Method>(), Ok(m.into()));
        }
        for (m, n) in names::<HashMode>() {
            assert_eq!(n.parse::<crate::hash::HashMode>(), Ok(m.into()));
        }
        for (a, n) in names::<Api>() {
            assert_eq!(n.parse::<crate::api::Api>(), Ok(a.into()));
        }
        for (a, n) in names::<JitApi>() {
            assert_eq!(n.parse::<crate::jit::newsys::Api>(), Ok(a.into()));
        }
        for (d, n) in names::<SqlDialect>() {
            assert_eq!(n.parse::<crate::sink::Dialect>(), Ok(d.into()));
        }
        for (e, n) in names::<Encoding>() {
            assert_eq!(n.parse::<crate::sink::Encoding>(), Ok(e.into()));
        }
        for (f, n) in names::<Family>() {
            assert_eq!(crate::edge::Family::from(f).name(), n);
        }
        assert_eq!(
            Family::value_variants().len(),
            crate::edge::Family::ALL.len()
        );
        for (f, n) in names::<Format>() {
            assert_eq!(f.name(), n);
            // `copies` writes each [copies.NAME] in its store's own format
            // (copies::write), not through a sink.
            assert!(crate::sink::FORMATS.contains(&f.name()) || f == Format::Copies);
        }
    }
}
