//! The labelled catalogue of hostile data (ARCHITECTURE.md § Edge cases). Each case names the
//! column kinds it applies to, whether a correct migration must keep it
//! byte-exact (`valid`) or may reject it, the targets where it cannot be
//! stored, and where it broke a real migration.
//!
//! Most values are fixed strings. Email and username cases embed the user's
//! unique token (10 zero-padded digits) so they stay unique yet have fixed
//! lengths; `{t}` in a template marks it. Pair cases (`Make::Pair*`) copy
//! another user's value on purpose so the collision is real. An `opt_in`
//! case is injected only when named by its label (`include`, or a weight in
//! `labels`): its collision is one the profile's own tables would refuse too.

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Email,
    Name,
    Username,
    Text,
    Password,
    File,
    /// Second factors: TOTP secrets and MFA phone numbers.
    Mfa,
}

impl Family {
    pub const ALL: [Family; 7] = [
        Family::Email,
        Family::Name,
        Family::Username,
        Family::Text,
        Family::Password,
        Family::File,
        Family::Mfa,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Family::Email => "email",
            Family::Name => "name",
            Family::Username => "username",
            Family::Text => "text",
            Family::Password => "password",
            Family::File => "file",
            Family::Mfa => "mfa",
        }
    }
}

/// How a case's value is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Make {
    /// A fixed string.
    Fixed(&'static str),
    /// A template; `{t}` becomes the row's 10-digit unique token.
    Token(&'static str),
    /// `unit` repeated until exactly `bytes` UTF-8 octets, then the token.
    PadToken {
        unit: &'static str,
        bytes: usize,
        domain: &'static str,
    },
    /// A fixed prefix repeated to `bytes` octets (long text).
    Repeat { unit: &'static str, bytes: usize },
    /// A local part with the token and a domain of labels padded to a total length.
    EmailTotal { total: usize },
    /// A domain label of exactly `label` octets.
    EmailLabel { label: usize },
    /// The partner user's email in another letter case (collides case-insensitively).
    PairCaseEmail,
    /// NFD of an accented email whose NFC form the partner user holds.
    PairNfdEmail,
    /// The NFC form (held by the even partner of an `email.nfd-duplicate`).
    NfcEmail,
    /// The partner's username with one look-alike letter (mostly Cyrillic).
    PairHomoglyphUsername,
    /// The partner's username in upper case.
    PairCaseUsername,
    /// The partner user's email with a trailing space (collides under PAD
    /// SPACE collations).
    PairTrailingSpaceEmail,
}

impl Make {
    /// Whether the value copies another user's (pair cases).
    pub const fn is_pair(self) -> bool {
        matches!(
            self,
            Make::PairCaseEmail
                | Make::PairNfdEmail
                | Make::PairHomoglyphUsername
                | Make::PairCaseUsername
                | Make::PairTrailingSpaceEmail
        )
    }
}

#[derive(Debug, Clone, Copy)]
pub struct EdgeCase {
    pub label: &'static str,
    pub family: Family,
    /// Column kinds it applies to.
    pub fields: &'static [&'static str],
    pub valid: bool,
    /// Targets that cannot store it even though it is valid data.
    pub invalid_for: &'static [&'static str],
    pub description: &'static str,
    pub source: &'static str,
    pub make: Make,
    /// Needs SMTPUTF8 (non-ASCII local part) to be accepted.
    pub smtputf8: bool,
    /// Injected only when named by its label (see the module's comment).
    pub opt_in: bool,
}

const EMAIL: &[&str] = &["email"];
const NAMES: &[&str] = &["first_name", "last_name", "full_name"];
const LAST: &[&str] = &["last_name", "full_name"];
const TEXTS: &[&str] = &["text", "first_name", "last_name", "full_name"];
const LONGTEXT: &[&str] = &["text"];
const USERNAME: &[&str] = &["username"];
const PASSWORD: &[&str] = &["password"];
const TOTP: &[&str] = &["totp_secret"];
const MFA_PHONE: &[&str] = &["mfa_phone"];
const AUTH0_MFA: &str = "RFC 4648 §6; Auth0 bulk import schema: mfa_factors totp.secret ^[A-Z2-7]+$, phone.value ^\\+[0-9]{1,15}$";

const fn case(
    label: &'static str,
    family: Family,
    fields: &'static [&'static str],
    valid: bool,
    description: &'static str,
    source: &'static str,
    make: Make,
) -> EdgeCase {
    EdgeCase {
        label,
        family,
        fields,
        valid,
        invalid_for: &[],
        description,
        source,
        make,
        smtputf8: false,
        opt_in: false,
    }
}

const fn utf8(mut c: EdgeCase) -> EdgeCase {
    c.smtputf8 = true;
    c
}

const fn opt_in(mut c: EdgeCase) -> EdgeCase {
    c.opt_in = true;
    c
}

const fn not_for(mut c: EdgeCase, targets: &'static [&'static str]) -> EdgeCase {
    c.invalid_for = targets;
    c
}

use Family::*;
use Make::*;

const RFC5321: &str = "RFC 5321 §4.5.3.1 (octet limits); email-validator rfc_constants";

pub static CATALOGUE: &[EdgeCase] = &[
    // ── email ──────────────────────────────────────────────────────────────
    case(
        "email.local-64-octets",
        Email,
        EMAIL,
        true,
        "local part of exactly 64 octets, the RFC 5321 maximum",
        RFC5321,
        PadToken {
            unit: "x",
            bytes: 64,
            domain: "example.com",
        },
    ),
    case(
        "email.local-65-octets",
        Email,
        EMAIL,
        false,
        "local part of 65 octets, one over the limit",
        RFC5321,
        PadToken {
            unit: "x",
            bytes: 65,
            domain: "example.com",
        },
    ),
    case(
        "email.total-254-octets",
        Email,
        EMAIL,
        true,
        "whole address of exactly 254 octets (RFC 3696 errata 1690 maximum)",
        "RFC 3696 errata 1690; django/django#2867",
        EmailTotal { total: 254 },
    ),
    case(
        "email.total-255-octets",
        Email,
        EMAIL,
        false,
        "whole address of 255 octets, one over the limit",
        "RFC 3696 errata 1690",
        EmailTotal { total: 255 },
    ),
    case(
        "email.label-63-octets",
        Email,
        EMAIL,
        true,
        "a DNS label of exactly 63 octets in the domain",
        "RFC 1035 §2.3.4",
        EmailLabel { label: 63 },
    ),
    case(
        "email.label-64-octets",
        Email,
        EMAIL,
        false,
        "a DNS label of 64 octets, one over the limit",
        "RFC 1035 §2.3.4",
        EmailLabel { label: 64 },
    ),
    case(
        "email.idn-domain",
        Email,
        EMAIL,
        true,
        "internationalised domain name (U-label), ASCII local part",
        "RFC 5890; wasp-lang/wasp#4698",
        Token("user{t}@münchen.example"),
    ),
    case(
        "email.idn-cjk-label-alabel-too-long",
        Email,
        EMAIL,
        false,
        "21 distinct CJK characters: 63 UTF-8 octets, but the A-label (what DNS counts) is over 63",
        "RFC 5890 (labels counted after IDNA)",
        Token("user{t}@龘鬱鑿驪麤爨灪籲鸞齉鼺纞躞靐龖䨻麣鸝癵驫鱻.example"),
    ),
    utf8(case(
        "email.smtputf8-local",
        Email,
        EMAIL,
        true,
        "non-ASCII (SMTPUTF8) local part",
        "keycloak/keycloak#41994; PHPMailer/PHPMailer#668",
        Token("jürgen.müller{t}@example.com"),
    )),
    utf8(case(
        "email.smtputf8-cjk-local",
        Email,
        EMAIL,
        true,
        "CJK local part",
        "RFC 6531",
        Token("山田太郎{t}@example.com"),
    )),
    utf8(case(
        "email.smtputf8-cyrillic-local",
        Email,
        EMAIL,
        true,
        "Cyrillic local part",
        "PHPMailer/PHPMailer#668",
        Token("османов{t}@example.com"),
    )),
    utf8(case(
        "email.local-64-octets-e-acute",
        Email,
        EMAIL,
        true,
        "27× é plus the token: 64 octets but 37 characters",
        RFC5321,
        PadToken {
            unit: "é",
            bytes: 64,
            domain: "example.com",
        },
    )),
    // Over RFC 5321's octet limit, under 64 characters: mainstream validators
    // (email-validator) count characters and accept these; targets that count
    // octets refuse them. Valid data, then, that some targets cannot take.
    utf8(not_for(
        case(
            "email.local-66-octets-e-acute",
            Email,
            EMAIL,
            true,
            "28× é plus the token: 66 octets in 38 characters (octet-counting targets refuse it)",
            RFC5321,
            PadToken {
                unit: "é",
                bytes: 66,
                domain: "example.com",
            },
        ),
        &["octet-counting"],
    )),
    utf8(case(
        "email.local-64-octets-emoji",
        Email,
        EMAIL,
        true,
        "emoji and the token: 64 octets",
        "hapijs/joi#1675",
        PadToken {
            unit: "🚀",
            bytes: 64,
            domain: "example.com",
        },
    )),
    utf8(not_for(
        case(
            "email.local-68-octets-emoji",
            Email,
            EMAIL,
            true,
            "emoji and the token: 68 octets in 26 characters (octet-counting targets refuse it)",
            "hapijs/joi#1675",
            PadToken {
                unit: "🚀",
                bytes: 68,
                domain: "example.com",
            },
        ),
        &["octet-counting"],
    )),
    case(
        "email.local-65-chars-e-acute",
        Email,
        EMAIL,
        false,
        "55× é plus the token: 65 characters, over the limit however it is counted",
        RFC5321,
        PadToken {
            unit: "é",
            bytes: 120,
            domain: "example.com",
        },
    ),
    utf8(case(
        "email.nfd-local-over-64-nfc-under",
        Email,
        EMAIL,
        true,
        "local part 67 octets in NFD but 48 in NFC: valid only after normalisation",
        "RFC 6532 §3.1",
        Token(
            "e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}{t}@example.com",
        ),
    )),
    case(
        "email.case-duplicate",
        Email,
        EMAIL,
        true,
        "another user's address in different letter case",
        "amazon-cognito-identity-js#524; keycloak/keycloak#21394; django-improved-user#44",
        PairCaseEmail,
    ),
    utf8(case(
        "email.nfd-duplicate",
        Email,
        EMAIL,
        true,
        "NFD spelling of another user's NFC address: equal after normalisation",
        "wasp-lang/wasp#4698",
        PairNfdEmail,
    )),
    utf8(case(
        "email.nfc-of-pair",
        Email,
        EMAIL,
        true,
        "the NFC address whose NFD twin another user holds",
        "wasp-lang/wasp#4698",
        NfcEmail,
    )),
    // Off unless named: MySQL's and MariaDB's binary collation (utf8mb4_bin,
    // the profile's MySQL tables) pads with spaces too, so those tables and
    // `generate --sql-dialect mysql` scripts would refuse the pair.
    opt_in(case(
        "email.trailing-space-duplicate",
        Email,
        EMAIL,
        false,
        "another user's address with a trailing space: the same key under PAD SPACE collations (MySQL/MariaDB utf8mb4_bin, *_general_ci, *_unicode_ci), distinct in PostgreSQL",
        "MySQL Reference Manual, Trailing Space Handling in Comparisons (PAD SPACE)",
        PairTrailingSpaceEmail,
    )),
    case(
        "email.trailing-space",
        Email,
        EMAIL,
        false,
        "a trailing space after the address",
        "openstreetmap-website#2173; IQSS/dataverse#5807",
        Token("jane.doe{t}@example.com "),
    ),
    case(
        "email.leading-space",
        Email,
        EMAIL,
        false,
        "a leading space before the address",
        "putyourlightson/craft-campaign#268",
        Token(" jane.doe{t}@example.com"),
    ),
    case(
        "email.plus-tag",
        Email,
        EMAIL,
        true,
        "a +tag sub-address (breaks when + is decoded as a space)",
        "pterodactyl/panel#2896",
        Token("jane.doe{t}+newsletter@example.com"),
    ),
    case(
        "email.apostrophe",
        Email,
        EMAIL,
        true,
        "an apostrophe in the local part",
        "iredmail/iRedAPD#32; hmrc/emailaddress#11",
        Token("o'brien.{t}@example.com"),
    ),
    case(
        "email.all-caps",
        Email,
        EMAIL,
        true,
        "the whole address in capitals",
        "keycloak/keycloak#9405",
        Token("JANE.DOE{t}@EXAMPLE.COM"),
    ),
    case(
        "email.mixed-case-domain",
        Email,
        EMAIL,
        true,
        "mixed-case domain",
        "django/django#2095",
        Token("jane.doe{t}@Example.Com"),
    ),
    case(
        "email.hyphen-underscore-local",
        Email,
        EMAIL,
        true,
        "hyphen and underscore in the local part",
        "RFC 5322 atext",
        Token("jane_doe-{t}@example.com"),
    ),
    case(
        "email.quoted-local",
        Email,
        EMAIL,
        false,
        "quoted local part with a space (RFC-valid, refused by most validators)",
        "RFC 5322 §3.4.1",
        Token("\"jane doe{t}\"@example.com"),
    ),
    case(
        "email.consecutive-dots",
        Email,
        EMAIL,
        false,
        "two dots in a row in the local part",
        "RFC 5322 dot-atom",
        Token("jane..doe{t}@example.com"),
    ),
    case(
        "email.leading-dot",
        Email,
        EMAIL,
        false,
        "local part starting with a dot",
        "RFC 5322 dot-atom",
        Token(".jane{t}@example.com"),
    ),
    case(
        "email.trailing-dot-local",
        Email,
        EMAIL,
        false,
        "local part ending with a dot",
        "RFC 5322 dot-atom",
        Token("jane{t}.@example.com"),
    ),
    case(
        "email.ip-literal",
        Email,
        EMAIL,
        false,
        "a domain literal instead of a name",
        "RFC 5321 §4.1.3",
        Token("jane{t}@[192.0.2.1]"),
    ),
    case(
        "email.no-dot-domain",
        Email,
        EMAIL,
        false,
        "a domain without a dot",
        "FusionAuth/fusionauth-issues#2601",
        Token("jane{t}@localhost"),
    ),
    case(
        "email.hyphen-label-start",
        Email,
        EMAIL,
        false,
        "a domain label starting with a hyphen",
        "RFC 1035",
        Token("jane{t}@-example.com"),
    ),
    case(
        "email.fullwidth-at",
        Email,
        EMAIL,
        false,
        "a fullwidth ＠ (U+FF20) instead of @",
        "UTS #39",
        Token("jane{t}＠example.com"),
    ),
    case(
        "email.zero-width-local",
        Email,
        EMAIL,
        false,
        "a zero-width space inside the local part",
        "UTS #39",
        Token("ja\u{200B}ne{t}@example.com"),
    ),
    case(
        "email.markdown-link",
        Email,
        EMAIL,
        false,
        "a markdown link accepted by a lax import API",
        "FusionAuth/fusionauth-issues#2601",
        Token("[jane{t}@example.com](http://example.com)"),
    ),
    // ── name ───────────────────────────────────────────────────────────────
    case(
        "name.nfd",
        Name,
        NAMES,
        true,
        "decomposed (NFD) accents: u + U+0308",
        "wasp-lang/wasp#4698; permissionlesstech/bitchat#214",
        Fixed("Ju\u{308}rgen"),
    ),
    case(
        "name.mojibake-cp1252",
        Name,
        NAMES,
        true,
        "UTF-8 read as windows-1252: Stanisław → StanisÅ‚aw",
        "peeringdb/docs#5",
        Fixed("StanisÅ‚aw"),
    ),
    case(
        "name.mojibake-double",
        Name,
        NAMES,
        true,
        "double-encoded UTF-8: Müller → MÃƒÂ¼ller",
        "craigk5n/webcalendar#649",
        Fixed("MÃƒÂ¼ller"),
    ),
    case(
        "name.c1-control",
        Name,
        NAMES,
        true,
        "mojibake with a C1 control character (U+0097) inside",
        "appeler/ethnicolr#146",
        Fixed("birutÄ\u{97} galdikas"),
    ),
    case(
        "name.rtl-override",
        Name,
        NAMES,
        false,
        "a right-to-left override (U+202E) that reverses what is displayed",
        "UTS #39; CVE-2021-42574",
        Fixed("\u{202E}nimda"),
    ),
    case(
        "name.zero-width",
        Name,
        NAMES,
        true,
        "a zero-width space inside the name",
        "UTS #39",
        Fixed("Zo\u{200B}e"),
    ),
    case(
        "name.emoji-zwj",
        Name,
        NAMES,
        true,
        "an emoji ZWJ sequence: one grapheme, 5 code points",
        "PolymerElements/paper-input#374",
        Fixed("👩‍💻 Ada"),
    ),
    case(
        "name.astral-cjk",
        Name,
        NAMES,
        true,
        "CJK Extension B characters (4 UTF-8 octets, 2 UTF-16 units each)",
        "Zverik/whosthat#5 (4-byte UTF-8 in MySQL utf8)",
        Fixed("𠀋𡈽"),
    ),
    case(
        "name.turkish-dotted-i",
        Name,
        NAMES,
        true,
        "İ (U+0130): lower-cases to 2 code points",
        "google/guava#389",
        Fixed("İbrahim"),
    ),
    case(
        "name.turkish-dotless-i",
        Name,
        NAMES,
        true,
        "ı (U+0131): upper-cases to ASCII I",
        "google/guava#389",
        Fixed("Işıl"),
    ),
    case(
        "name.combining-stack",
        Name,
        NAMES,
        true,
        "many combining marks stacked on each letter",
        "BLNS",
        Fixed("Z\u{334}\u{321}\u{31B}a\u{335}l\u{337}g\u{338}o\u{336}"),
    ),
    case(
        "name.mononym",
        Name,
        LAST,
        true,
        "no family name: the empty string, not NULL",
        "passbolt/passbolt_api#79; uswds/uswds#753",
        Fixed(""),
    ),
    case(
        "name.very-long",
        Name,
        NAMES,
        true,
        "a 20-part full name",
        "www-international list, 2006 (Picasso)",
        Fixed(
            "Pablo Diego José Francisco de Paula Juan Nepomuceno María de los Remedios Cipriano de la Santísima Trinidad Ruiz y Picasso",
        ),
    ),
    case(
        "name.hawaiian-long-surname",
        Name,
        NAMES,
        true,
        "a 35-letter surname that did not fit an ID card",
        "theweek.com (Keihanaikukauakahihuliheekahaunaele)",
        Fixed("Keihanaikukauakahihuliheekahaunaele"),
    ),
    case(
        "name.null-word",
        Name,
        NAMES,
        true,
        "the surname Null",
        "Christopher Null; softwareengineering.stackexchange",
        Fixed("Null"),
    ),
    case(
        "name.null-lowercase",
        Name,
        NAMES,
        true,
        "the string null",
        "BLNS",
        Fixed("null"),
    ),
    case(
        "name.undefined-word",
        Name,
        NAMES,
        true,
        "the string undefined",
        "BLNS",
        Fixed("undefined"),
    ),
    case(
        "name.comma-ldap-dn",
        Name,
        NAMES,
        true,
        "a comma, which must be escaped in LDAP DNs",
        "janeczku/calibre-web#3231; jupyterhub/ldapauthenticator#63",
        Fixed("Doe, John"),
    ),
    case(
        "name.okina",
        Name,
        NAMES,
        true,
        "ʻokina (U+02BB), a letter, not an apostrophe",
        "Hawaiian orthography",
        Fixed("Kaʻahumanu"),
    ),
    case(
        "name.apostrophe-ascii",
        Name,
        NAMES,
        true,
        "an ASCII apostrophe",
        "hmrc/emailaddress#11",
        Fixed("O'Brien"),
    ),
    case(
        "name.apostrophe-typographic",
        Name,
        NAMES,
        true,
        "a typographic apostrophe (U+2019)",
        "mozilla/fxa-content-server#6718",
        Fixed("O’Brien"),
    ),
    case(
        "name.hyphenated-accented",
        Name,
        NAMES,
        true,
        "two family names, hyphenated and accented",
        "W3C I18N ISSUE-70",
        Fixed("García-Márquez"),
    ),
    case(
        "name.two-letters",
        Name,
        NAMES,
        true,
        "a two-letter surname (fails a 3-letter minimum)",
        "W3C personal names",
        Fixed("Ng"),
    ),
    case(
        "name.one-letter",
        Name,
        NAMES,
        true,
        "a one-letter name",
        "W3C personal names",
        Fixed("O"),
    ),
    case(
        "name.patronymic",
        Name,
        NAMES,
        true,
        "an Icelandic patronymic",
        "W3C personal names",
        Fixed("Guðmundsdóttir"),
    ),
    case(
        "name.cjk-no-space",
        Name,
        NAMES,
        true,
        "family name first, no space",
        "W3C personal names",
        Fixed("毛泽东"),
    ),
    case(
        "name.leading-space",
        Name,
        NAMES,
        true,
        "a leading space (trimmed by some loaders)",
        "openstreetmap-website#2173",
        Fixed("  Anna"),
    ),
    case(
        "name.trailing-space",
        Name,
        NAMES,
        true,
        "a trailing space (PAD SPACE collations ignore it)",
        "indigo-iam/iam#1136",
        Fixed("Anna  "),
    ),
    case(
        "name.all-caps",
        Name,
        NAMES,
        true,
        "a name in capitals",
        "W3C personal names",
        Fixed("MCDONALD"),
    ),
    case(
        "name.ligature",
        Name,
        NAMES,
        true,
        "the ﬁ ligature (U+FB01): NFKC changes it",
        "UAX #15",
        Fixed("ﬁona"),
    ),
    case(
        "name.fullwidth-latin",
        Name,
        NAMES,
        true,
        "fullwidth Latin letters: NFKC changes them",
        "UAX #15",
        Fixed("Ｊｏｈｎ"),
    ),
    case(
        "name.sharp-s",
        Name,
        NAMES,
        true,
        "ß: case-folds to ss (Morgengruß = Morgengruss in some collations)",
        "FriendsOfREDAXO/search_it#331",
        Fixed("Strauß"),
    ),
    case(
        "name.capital-sharp-s",
        Name,
        NAMES,
        true,
        "capital ẞ (U+1E9E)",
        "Unicode 5.1",
        Fixed("STRAUẞ"),
    ),
    case(
        "name.greek-final-sigma",
        Name,
        NAMES,
        true,
        "Greek with final sigma (case mapping is context-dependent)",
        "SpecialCasing.txt",
        Fixed("Οδυσσέας"),
    ),
    case(
        "name.kana-combining-voiced",
        Name,
        NAMES,
        true,
        "kana with a combining voiced mark (U+3099): NFC composes it",
        "superseriousbusiness/gotosocial#1813",
        Fixed("か\u{3099}とう"),
    ),
    case(
        "name.halfwidth-kana",
        Name,
        NAMES,
        true,
        "halfwidth katakana with halfwidth voiced mark: only NFKC merges it",
        "superseriousbusiness/gotosocial#1813",
        Fixed("ｶﾞﾄｳ"),
    ),
    case(
        "name.devanagari-conjunct",
        Name,
        NAMES,
        true,
        "8 code points, 24 octets, 3 graphemes",
        "hasgeek/funnel#1543",
        Fixed("क्षत्रिय"),
    ),
    case(
        "name.thai",
        Name,
        NAMES,
        true,
        "Thai with combining vowels",
        "UAX #29",
        Fixed("สมชาย"),
    ),
    case(
        "name.hebrew",
        Name,
        NAMES,
        true,
        "a right-to-left script",
        "UAX #9",
        Fixed("כהן"),
    ),
    case(
        "name.mixed-direction",
        Name,
        NAMES,
        true,
        "Latin and Arabic in one name",
        "UAX #9",
        Fixed("Ahmed أحمد"),
    ),
    case(
        "name.accent-insensitive-twin",
        Name,
        NAMES,
        true,
        "Nguyễn: equal to Nguyen under accent-insensitive collations",
        "thewca/worldcubeassociation.org#1848",
        Fixed("Nguyễn"),
    ),
    case(
        "name.private-use",
        Name,
        NAMES,
        false,
        "a private-use code point (U+E000)",
        "Unicode §23.5",
        Fixed("Ann\u{E000}"),
    ),
    case(
        "name.farsi",
        Name,
        NAMES,
        true,
        "Farsi (garbled in non-N VARCHAR columns)",
        "requarks/wiki#2238",
        Fixed("فاطمه"),
    ),
    // ── text (free text and names) ─────────────────────────────────────────
    not_for(
        case(
            "text.nul-byte",
            Text,
            TEXTS,
            true,
            "a NUL byte inside text",
            "backstage/backstage#14009; isapir/Migrate2Postgres#9",
            Fixed("abc\u{0}def"),
        ),
        &["postgres"],
    ),
    case(
        "text.crlf-inside",
        Text,
        TEXTS,
        true,
        "CR LF inside a value",
        "RFC 4180",
        Fixed("line one\r\nline two"),
    ),
    case(
        "text.lf-inside",
        Text,
        TEXTS,
        true,
        "LF inside a value",
        "RFC 4180",
        Fixed("line one\nline two"),
    ),
    case(
        "text.cr-inside",
        Text,
        TEXTS,
        true,
        "a bare CR inside a value",
        "RFC 4180",
        Fixed("line one\rline two"),
    ),
    case(
        "text.tab-inside",
        Text,
        TEXTS,
        true,
        "a TAB (the COPY text delimiter)",
        "PostgreSQL COPY",
        Fixed("col\tumn"),
    ),
    case(
        "text.csv-quote",
        Text,
        TEXTS,
        true,
        "double quotes and a comma",
        "RFC 4180",
        Fixed("He said \"hi\", then left"),
    ),
    case(
        "text.sql-quote-backslash",
        Text,
        TEXTS,
        true,
        "quotes and backslashes that break hand-built SQL",
        "tediousjs/node-mssql#519",
        Fixed("O'Reilly \\' OR 1=1 --"),
    ),
    case(
        "text.html-script",
        Text,
        TEXTS,
        true,
        "an HTML script tag",
        "OWASP XSS",
        Fixed("<script>alert(1)</script>"),
    ),
    case(
        "text.bom-prefix",
        Text,
        TEXTS,
        true,
        "a byte-order mark (U+FEFF) at the start of the value",
        "decidim/decidim#7780",
        Fixed("\u{FEFF}hello"),
    ),
    not_for(
        case(
            "text.emoji-4byte",
            Text,
            TEXTS,
            true,
            "4-byte UTF-8 emoji (MySQL utf8 = utf8mb3 refuses them)",
            "Zverik/whosthat#5; Geeklog-Core/geeklog#810",
            Fixed("🚁🚗🚓🚲"),
        ),
        &["mysql-utf8mb3"],
    ),
    case(
        "text.windows-path",
        Text,
        TEXTS,
        true,
        "backslash sequences that look like escapes",
        "PostgreSQL COPY text format",
        Fixed("C:\\new\\table"),
    ),
    case(
        "text.json-like",
        Text,
        TEXTS,
        true,
        "text that looks like JSON",
        "BLNS",
        Fixed("{\"admin\":true}"),
    ),
    case(
        "text.whitespace-only",
        Text,
        TEXTS,
        true,
        "spaces only",
        "BLNS",
        Fixed("   "),
    ),
    case(
        "text.empty-string",
        Text,
        TEXTS,
        true,
        "the empty string, which must stay distinct from NULL",
        "PostgreSQL CSV NULL convention",
        Fixed(""),
    ),
    case(
        "text.null-string",
        Text,
        TEXTS,
        true,
        "the string NULL",
        "BLNS",
        Fixed("NULL"),
    ),
    case(
        "text.backslash-n",
        Text,
        TEXTS,
        true,
        "the two characters \\N (NULL in COPY text format)",
        "PostgreSQL COPY",
        Fixed("\\N"),
    ),
    case(
        "text.copy-end-marker",
        Text,
        TEXTS,
        true,
        "the line \\. that ends COPY data",
        "PostgreSQL COPY",
        Fixed("\\."),
    ),
    case(
        "text.ansi-escape",
        Text,
        TEXTS,
        true,
        "control characters and an ANSI escape",
        "BLNS",
        Fixed("\u{1}\u{2}\u{1b}[31mred"),
    ),
    case(
        "text.line-separator",
        Text,
        TEXTS,
        true,
        "U+2028 LINE SEPARATOR (a newline to some parsers)",
        "ECMAScript JSON superset",
        Fixed("a\u{2028}b"),
    ),
    case(
        "text.replacement-char",
        Text,
        TEXTS,
        true,
        "U+FFFD: someone already replaced an undecodable byte",
        "gophish/gophish#152",
        Fixed("M\u{FFFD}ller"),
    ),
    case(
        "text.noncharacter",
        Text,
        TEXTS,
        false,
        "a Unicode noncharacter (U+FFFF)",
        "Unicode §23.7",
        Fixed("x\u{FFFF}y"),
    ),
    case(
        "text.64kib",
        Text,
        LONGTEXT,
        true,
        "65,536 octets: over MySQL TEXT and many varchar limits",
        "MySQL TEXT 65,535 bytes",
        Repeat {
            unit: "lorem ipsum ",
            bytes: 65_536,
        },
    ),
    // ── username ───────────────────────────────────────────────────────────
    case(
        "username.homoglyph-of-other",
        Username,
        USERNAME,
        true,
        "another user's username with one look-alike letter (Cyrillic; Armenian or a small capital where Cyrillic has none)",
        "openstreetmap-website#3919; wagtail/wagtail#14329",
        PairHomoglyphUsername,
    ),
    case(
        "username.case-duplicate",
        Username,
        USERNAME,
        true,
        "another user's username in capitals",
        "keycloak/keycloak#9405",
        PairCaseUsername,
    ),
    case(
        "username.confusable-i-l",
        Username,
        USERNAME,
        true,
        "I (capital i) for l: Iimes vs limes",
        "openstreetmap-website#3919",
        Token("Iimes{t}"),
    ),
    not_for(
        case(
            "username.emoji",
            Username,
            USERNAME,
            true,
            "emoji in a username",
            "Zverik/whosthat#5",
            Token("🚁pilot{t}"),
        ),
        &["mysql-utf8mb3"],
    ),
    case(
        "username.leading-space",
        Username,
        USERNAME,
        true,
        "a leading space",
        "openstreetmap-website#2173",
        Token(" user{t}"),
    ),
    case(
        "username.trailing-space",
        Username,
        USERNAME,
        true,
        "a trailing space",
        "openstreetmap-website#2173",
        Token("user{t} "),
    ),
    case(
        "username.at-sign",
        Username,
        USERNAME,
        true,
        "an @ that makes it look like an email",
        "BLNS",
        Token("user@{t}"),
    ),
    case(
        "username.mixed-script",
        Username,
        USERNAME,
        true,
        "Latin and Greek mixed (UTS #39 mixed-script)",
        "WeblateOrg/weblate#17105",
        Token("pαypal{t}"),
    ),
    // Characters an LDAP DN escapes (RFC 4514 § 2.4) when the username is the RDN (`uid=`).
    case(
        "username.dn-comma",
        Username,
        USERNAME,
        true,
        "a comma, which separates RDNs: `uid=doe\\,john…` in a DN",
        "RFC 4514 §2.4; jupyterhub/ldapauthenticator#63",
        Token("doe,john{t}"),
    ),
    case(
        "username.dn-plus",
        Username,
        USERNAME,
        true,
        "a plus sign, which joins the values of a multi-valued RDN",
        "RFC 4514 §2.4",
        Token("ann+bob{t}"),
    ),
    case(
        "username.dn-quote-backslash",
        Username,
        USERNAME,
        true,
        "a double quote and a backslash, both escaped in a DN",
        "RFC 4514 §2.4; xperseguers/t3ext-ig_ldap_sso_auth#31",
        Token("o\"neil\\{t}"),
    ),
    case(
        "username.dn-angle-semicolon",
        Username,
        USERNAME,
        true,
        "`<`, `>` and `;`, escaped in a DN (`;` was once an RDN separator)",
        "RFC 4514 §2.4; RFC 1779",
        Token("<ops>;{t}"),
    ),
    case(
        "username.dn-leading-hash",
        Username,
        USERNAME,
        true,
        "a leading `#`, which in a DN starts a BER-encoded value unless escaped",
        "RFC 4514 §2.4",
        Token("#ops{t}"),
    ),
    case(
        "username.dn-equals",
        Username,
        USERNAME,
        true,
        "an equals sign inside the value (`uid=a=b…`)",
        "RFC 4514 §3",
        Token("a=b{t}"),
    ),
    case(
        "username.non-ascii",
        Username,
        USERNAME,
        true,
        "accented letters: UTF-8 in the DN, base64 (`dn::`) in LDIF",
        "RFC 2849 §2 (SAFE-STRING); RFC 4514",
        Token("jürgen{t}"),
    ),
    not_for(
        case(
            "username.nul",
            Username,
            USERNAME,
            false,
            "a NUL byte: `\\00` in a DN, base64 in LDIF; PostgreSQL text cannot hold it",
            "RFC 4514 §2.4; backstage/backstage#14009",
            Token("nul\u{0}user{t}"),
        ),
        &["postgres"],
    ),
    // ── password ───────────────────────────────────────────────────────────
    case(
        "password.bcrypt-over-72-bytes",
        Password,
        PASSWORD,
        true,
        "80 bytes: bcrypt uses only the first 72",
        "owncast/owncast#4270; pyca/bcrypt 5.0",
        Fixed("correct horse battery staple correct horse battery staple correct horse battery!"),
    ),
    case(
        "password.bcrypt-72-bytes",
        Password,
        PASSWORD,
        true,
        "exactly 72 bytes, the bcrypt maximum",
        "bcrypt-ruby/bcrypt-ruby#208",
        Fixed("correct-horse-battery-staple-correct-horse-battery-staple-correct-horse-"),
    ),
    case(
        "password.whitespace-trim",
        Password,
        PASSWORD,
        true,
        "leading and trailing spaces (WordPress trims when hashing)",
        "WordPress wp_hash_password",
        Fixed("  hunter2  "),
    ),
    case(
        "password.non-ascii",
        Password,
        PASSWORD,
        true,
        "non-ASCII characters",
        "symfony/symfony#40920",
        Fixed("pässwörd-Ω"),
    ),
    case(
        "password.nfd",
        Password,
        PASSWORD,
        true,
        "the same password in NFD: a different byte string",
        "RFC 8265",
        Fixed("pa\u{308}sswo\u{308}rd"),
    ),
    case(
        "password.emoji",
        Password,
        PASSWORD,
        true,
        "emoji (4-byte UTF-8)",
        "BLNS",
        Fixed("🔑🔑secret"),
    ),
    case(
        "password.empty",
        Password,
        PASSWORD,
        false,
        "the empty password",
        "OWASP ASVS 2.1",
        Fixed(""),
    ),
    case(
        "password.nul-byte",
        Password,
        PASSWORD,
        false,
        "a NUL byte (C bcrypt stops there)",
        "bcrypt-ruby/bcrypt-ruby#208",
        Fixed("abc\u{0}def"),
    ),
    case(
        "password.1kib",
        Password,
        PASSWORD,
        true,
        "1,024 bytes",
        "Django MAX_PASSWORD_LENGTH discussions",
        Repeat {
            unit: "passphrase-",
            bytes: 1024,
        },
    ),
    case(
        "password.quotes-backslash",
        Password,
        PASSWORD,
        true,
        "quotes, backtick and backslash",
        "BLNS",
        Fixed("p'a\"ss`wo\\rd"),
    ),
    // ── file ───────────────────────────────────────────────────────────────
    case(
        "file.mixed-encoding",
        File,
        NAMES,
        false,
        "one value written in windows-1252 bytes inside a UTF-8 file",
        "darold/ora2pg#974; craigk5n/webcalendar#649",
        Fixed("Müller"),
    ),
    // ── mfa ────────────────────────────────────────────────────────────────
    case(
        "mfa.totp-padded",
        Mfa,
        TOTP,
        true,
        "a 128-bit TOTP secret in base32 with its `=` padding; otpauth URIs and Auth0 want it unpadded",
        AUTH0_MFA,
        Fixed("OVXGIZLSON2HKZDZEB2G65DQEE======"),
    ),
    case(
        "mfa.totp-lowercase",
        Mfa,
        TOTP,
        true,
        "a 160-bit TOTP secret in lower-case base32 (decoders that casefold accept it, Auth0's pattern does not)",
        AUTH0_MFA,
        Fixed("ovxgizlson2hkzdzfv2g65dqfuzdaytz"),
    ),
    case(
        "mfa.totp-spaced",
        Mfa,
        TOTP,
        true,
        "a TOTP secret in groups of four, as authenticator apps show it for typing in",
        AUTH0_MFA,
        Fixed("OVXG IZLS ON2H KZDZ FV2G 65DQ FUZD AYTZ"),
    ),
    case(
        "mfa.phone-no-plus",
        Mfa,
        MFA_PHONE,
        false,
        "an E.164 number without its leading `+` (a fictional +1 555-01xx number)",
        AUTH0_MFA,
        Fixed("12015550123"),
    ),
    case(
        "mfa.phone-national-format",
        Mfa,
        MFA_PHONE,
        false,
        "a number in national format, no country code: (201) 555-0123",
        "ITU-T E.164; NANPA 555-01xx fictional range",
        Fixed("(201) 555-0123"),
    ),
    case(
        "mfa.phone-spaced",
        Mfa,
        MFA_PHONE,
        false,
        "an international number with display spaces (Ofcom drama range): +44 20 7946 0123",
        "ITU-T E.123 vs E.164; Ofcom drama numbers",
        Fixed("+44 20 7946 0123"),
    ),
];

pub fn lookup(label: &str) -> Option<&'static EdgeCase> {
    CATALOGUE.iter().find(|c| c.label == label)
}

/// The row token's fixed width: 10 digits cover 10^10 users.
pub const TOKEN_WIDTH: usize = 10;

fn token_str(token: u64) -> String {
    format!("{token:0w$}", w = TOKEN_WIDTH)
}

/// The value of a non-pair case for a row with `token`.
pub fn make(c: &EdgeCase, token: u64) -> Option<String> {
    let t = token_str(token);
    Some(match c.make {
        Fixed(s) => s.to_string(),
        Token(tpl) => tpl.replace("{t}", &t),
        PadToken {
            unit,
            bytes,
            domain,
        } => {
            let mut local = String::new();
            while local.len() + unit.len() + t.len() <= bytes {
                local.push_str(unit);
            }
            while local.len() + t.len() < bytes {
                local.push('x');
            }
            format!("{local}{t}@{domain}")
        }
        Repeat { unit, bytes } => {
            let mut s = String::with_capacity(bytes);
            while s.len() + unit.len() <= bytes {
                s.push_str(unit);
            }
            while s.len() < bytes {
                s.push('.');
            }
            s
        }
        EmailTotal { total } => {
            let local = format!("{}{t}", "x".repeat(64 - t.len()));
            // local@a63.b63.c?.example
            let fixed = local.len() + 1 + 64 + 64 + ".example".len();
            let n = total - fixed;
            format!(
                "{local}@{}.{}.{}.example",
                "a".repeat(63),
                "b".repeat(63),
                "c".repeat(n)
            )
        }
        EmailLabel { label } => format!("user{t}@{}.example", "d".repeat(label)),
        NfcEmail => nfc_email(token),
        PairCaseEmail
        | PairNfdEmail
        | PairHomoglyphUsername
        | PairCaseUsername
        | PairTrailingSpaceEmail => return None,
    })
}

/// The accented address used by the NFC/NFD pair, in NFC.
pub fn nfc_email(token: u64) -> String {
    format!("jürgen.müller{}@münchen.example", token_str(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for c in CATALOGUE {
            assert!(seen.insert(c.label), "duplicate {}", c.label);
            assert!(
                c.label.starts_with(&format!("{}.", c.family.name())),
                "{}",
                c.label
            );
            assert!(!c.description.is_empty() && !c.source.is_empty());
        }
        assert!(CATALOGUE.len() >= 80, "{}", CATALOGUE.len());
    }

    #[test]
    fn lengths_are_as_labelled() {
        let v = |l: &str| make(lookup(l).unwrap(), 12345).unwrap();
        assert_eq!(
            v("email.local-64-octets").split('@').next().unwrap().len(),
            64
        );
        assert_eq!(
            v("email.local-65-octets").split('@').next().unwrap().len(),
            65
        );
        assert_eq!(v("email.total-254-octets").len(), 254);
        assert_eq!(v("email.total-255-octets").len(), 255);
        assert_eq!(
            v("email.local-64-octets-e-acute")
                .split('@')
                .next()
                .unwrap()
                .len(),
            64
        );
        assert_eq!(
            v("email.local-66-octets-e-acute")
                .split('@')
                .next()
                .unwrap()
                .len(),
            66
        );
        assert_eq!(
            v("email.local-64-octets-emoji")
                .split('@')
                .next()
                .unwrap()
                .len(),
            64
        );
        assert_eq!(
            v("email.local-68-octets-emoji")
                .split('@')
                .next()
                .unwrap()
                .len(),
            68
        );
        assert_eq!(
            v("email.label-63-octets")
                .split('@')
                .nth(1)
                .unwrap()
                .split('.')
                .next()
                .unwrap()
                .len(),
            63
        );
        assert_eq!(v("text.64kib").len(), 65_536);
        assert_eq!(v("password.bcrypt-over-72-bytes").len(), 80);
        assert_eq!(v("password.bcrypt-72-bytes").len(), 72);
        assert_eq!(v("name.devanagari-conjunct").chars().count(), 8);
    }
}
