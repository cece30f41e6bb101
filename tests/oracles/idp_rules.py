"""What each identity provider's documentation says it imports, written from the
reference pages (docs/export.md's sources: Auth0's bulk-import schema page, Okta's
Users API, firebase-tools' accountImporter.ts, Keycloak's PasswordCredentialData /
Pbkdf2 / Argon2 providers, Cognito's import guide and CreateUserImportJob, Clerk's
PasswordHasher enum, supabase/auth's password.go), independently of
src/export/rules.rs: export_oracle.py judges each not-importable.csv row (and each
imported user) against it.

A user's legacy hash is identified from the string itself (and the plaintext, to
tell a salted hex digest from an unsalted one), its parameters parsed from it, and
`expected(provider, user)` returns the set of reasons a refusal may give (empty:
the user must be imported). Where the sources leave a cell open ("?" or
"unconfirmed" in the matrix), both an import and a `format`/`ceiling` refusal are
accepted (MAY); otherwise a format the provider takes MUST import unless a
documented ceiling or field limit is broken, and any other format must be refused
with reason `format`.
"""
import base64
import hashlib
import re

JIT = {"auth0", "okta", "cognito", "keycloak"}  # documented just-in-time migration hooks

HEX = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

PREFIXES = [  # (prefix, format), longest first where one is another's prefix
    ("bcrypt_sha256$", "bcrypt-sha256-django"),
    ("$wp$", "wordpress-bcrypt"),
    ("{CRYPT}$2", "ldap-crypt-bcrypt"),
    ("{CRYPT}", "ldap-crypt"),
    ("{ARGON2}", "ldap-argon2"),
    ("{PBKDF2-SHA256}", "ldap-pbkdf2-sha256"),
    ("{PBKDF2-SHA512}", "ldap-pbkdf2-sha512"),
    ("{SSHA256}", "ldap-ssha256"),
    ("{SSHA512}", "ldap-ssha512"),
    ("{SSHA}", "ldap-ssha"),
    ("{SMD5}", "ldap-smd5"),
    ("{SHA}", "ldap-sha"),
    ("{MD5}", "ldap-md5"),
    ("$2a$", "bcrypt-2a"),
    ("$2b$", "bcrypt"),
    ("$2y$", "bcrypt-2y"),
    ("$argon2id$", "argon2id"),
    ("$argon2i$", "argon2i"),
    ("argon2$", "argon2-django"),
    ("$scrypt$", "scrypt"),
    ("$7$", "scrypt-mcf"),
    ("scrypt$", "scrypt-django"),
    ("pbkdf2_sha256$", "pbkdf2-sha256-django"),
    ("pbkdf2_sha1$", "pbkdf2-sha1-django"),
    ("$pbkdf2-sha256$", "pbkdf2-sha256"),
    ("$pbkdf2-sha512$i=", "pbkdf2-sha512-phc"),
    ("$pbkdf2-sha512$", "pbkdf2-sha512"),
    ("$6$", "sha512-crypt"),
    ("$5$", "sha256-crypt"),
    ("$1$", "md5-crypt"),
    ("$y$", "yescrypt"),
    ("$P$", "phpass"),
    ("$H$", "phpass-phpbb"),
    ("$S$", "drupal7"),
]


def identify(h, pw):
    """The catalogue format of legacy hash `h` (None: no hash)."""
    if not h:
        return None
    for p, f in PREFIXES:
        if h.startswith(p):
            return f
    if re.fullmatch(r"\*[0-9A-F]{40}", h):
        return "mysql41"
    if re.fullmatch(r"[0-9a-f]+", h) and len(h) in HEX:
        alg = HEX[len(h)]
        plain = hashlib.new(alg, pw.encode()).hexdigest() == h
        return f"{alg}-hex" if plain else f"salted-{alg}-hex"
    raw = base64.b64decode(h + "=" * (-len(h) % 4))
    if raw[:1] == b"\x00" and len(raw) == 49:
        return "aspnet-identity-v2"
    if raw[:1] == b"\x01" and len(raw) > 13:
        prf, salt_len = int.from_bytes(raw[1:5], "big"), int.from_bytes(raw[9:13], "big")
        if prf <= 2 and 13 + salt_len < len(raw):
            return "aspnet-identity-v3"
    return "firebase-scrypt"  # a bare base64 hash: Firebase's exported passwordHash


def _itoa(s):
    return sum(ITOA64.index(c) << (6 * i) for i, c in enumerate(s))


def params(f, h):
    """The parameters a ceiling may read, parsed from the legacy string."""
    if f in ("bcrypt", "bcrypt-2a", "bcrypt-2y", "ldap-crypt-bcrypt"):
        return {"cost": int(re.search(r"\$2[aby]\$(\d\d)\$", h).group(1))}
    if f in ("argon2id", "argon2i", "argon2-django", "ldap-argon2"):
        m = re.search(r"\$argon2(id|i|d)\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", h)
        return {"type": m.group(1), "m": int(m.group(2)), "t": int(m.group(3)), "p": int(m.group(4))}
    if f == "scrypt":
        m = re.search(r"ln=(\d+),r=(\d+),p=(\d+)", h)
        return {"ln": int(m.group(1)), "r": int(m.group(2)), "p": int(m.group(3))}
    if f == "scrypt-mcf":
        return {"ln": ITOA64.index(h[3]), "r": _itoa(h[4:9]), "p": _itoa(h[9:14])}
    if f == "scrypt-django":
        _, n, _, r, p, _ = h.split("$")
        return {"ln": int(n).bit_length() - 1, "r": int(r), "p": int(p)}
    if f in ("pbkdf2-sha256-django", "pbkdf2-sha1-django"):
        return {"digest": "sha1" if "sha1" in f else "sha256", "iterations": int(h.split("$")[1])}
    if f in ("pbkdf2-sha256", "pbkdf2-sha512"):
        return {"digest": f[-6:], "iterations": int(h.split("$")[2])}
    if f == "pbkdf2-sha512-phc":
        return {"digest": "sha512", "iterations": int(re.search(r"i=(\d+)", h).group(1))}
    if f in ("ldap-pbkdf2-sha256", "ldap-pbkdf2-sha512"):
        return {"digest": f[-6:], "iterations": int(h.split("}")[1].split("$")[0])}
    if f == "aspnet-identity-v2":
        return {"digest": "sha1", "iterations": 1000}
    if f == "aspnet-identity-v3":
        raw = base64.b64decode(h)
        prf = int.from_bytes(raw[1:5], "big")
        return {"digest": ["sha1", "sha256", "sha512"][prf], "iterations": int.from_bytes(raw[5:9], "big")}
    return {}


BCRYPT = {"bcrypt", "bcrypt-2a"}
DIGESTS = {"md5-hex", "sha1-hex", "sha256-hex", "sha512-hex", "salted-md5-hex", "salted-sha1-hex",
           "salted-sha256-hex", "salted-sha512-hex"}
LDAP_DIGESTS = {"ldap-ssha", "ldap-ssha256", "ldap-ssha512", "ldap-smd5", "ldap-sha", "ldap-md5"}
PBKDF2 = {"pbkdf2-sha256-django", "pbkdf2-sha1-django", "pbkdf2-sha256", "pbkdf2-sha512", "pbkdf2-sha512-phc",
          "aspnet-identity-v2", "aspnet-identity-v3", "ldap-pbkdf2-sha256", "ldap-pbkdf2-sha512"}
ARGON2_RE = {"argon2-django", "ldap-argon2"}  # argon2 PHC behind a prefix: re-encodable
SCRYPT_RE = {"scrypt-mcf", "scrypt-django"}  # standard scrypt in another string


def _pbkdf2(f, prm, digests):
    return f in PBKDF2 and prm["digest"] in digests


def must_may(p, f, prm):
    """(must import, may import) for format f with parameters prm at provider p."""
    if p == "auth0":
        # password_hash bcrypt $2a$/$2b$; custom_password_hash: argon2 (PHC), bcrypt incl. $2y$,
        # ldap RFC 2307 md5/smd5/sha*/ssha* (no {CRYPT}), md5/sha*, pbkdf2 PHC, scrypt.
        must = f in BCRYPT | {"bcrypt-2y", "argon2id", "scrypt"} | DIGESTS | LDAP_DIGESTS or _pbkdf2(f, prm, {"sha1", "sha256", "sha512"})
        may = f in {"argon2i", "ldap-crypt-bcrypt"} | ARGON2_RE | SCRYPT_RE
    elif p == "okta":
        # BCRYPT split (no variant letter: $2y$ open), SHA-512/256/1, MD5 with salt, PBKDF2 SHA256/512_HMAC.
        must = f in BCRYPT | DIGESTS | LDAP_DIGESTS or _pbkdf2(f, prm, {"sha256", "sha512"})
        may = f in {"bcrypt-2y", "ldap-crypt-bcrypt"}
    elif p == "firebase":
        # BCRYPT, SCRYPT (Firebase's), STANDARD_SCRYPT, PBKDF_SHA1/PBKDF2_SHA256, MD5/SHA1/SHA256/SHA512.
        must = f in BCRYPT | {"firebase-scrypt", "scrypt"} | DIGESTS or _pbkdf2(f, prm, {"sha1", "sha256"})
        may = f in {"bcrypt-2y", "ldap-crypt-bcrypt", "mysql41"} | SCRYPT_RE | LDAP_DIGESTS
        if f.startswith("aspnet-identity") and prm["digest"] == "sha1":
            # ASP.NET's 32-byte PBKDF2-SHA1 subkey (v2, and v3 with prf SHA-1): ✓(re) in the
            # matrix, but whether PBKDF_SHA1 derives more than the digest's 20 bytes is unconfirmed.
            must, may = False, True
    elif p == "keycloak":
        # pbkdf2 (SHA-1), pbkdf2-sha256, pbkdf2-sha512, argon2 (id|i|d): raw hash + salt re-encoded.
        must = f in {"argon2id", "argon2i"} or _pbkdf2(f, prm, {"sha1", "sha256", "sha512"})
        may = f in ARGON2_RE
    elif p == "cognito":
        # PasswordHashingAlgorithm BCRYPT | SCRYPT | ARGON2ID | PBKDF2_SHA256 (ceilings below).
        must = f in BCRYPT | {"argon2id", "scrypt"} or _pbkdf2(f, prm, {"sha256"})
        may = f in {"bcrypt-2y", "ldap-crypt-bcrypt"} | SCRYPT_RE | (ARGON2_RE if prm.get("type") == "id" else set())
    elif p == "clerk":
        # PasswordHasher: bcrypt, bcrypt_sha256_django, md5, pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha256_django,
        # pbkdf2_sha512, phpass, md5_phpass, scrypt_firebase, scrypt_werkzeug, sha256, ldap_ssha,
        # argon2i, argon2id, sha512_symfony, pbkdf2_sha512_hex.
        must = f in BCRYPT | {"bcrypt-2y", "bcrypt-sha256-django", "md5-hex", "sha256-hex", "pbkdf2-sha256-django",
                              "phpass", "firebase-scrypt", "ldap-ssha", "argon2i", "argon2id"}
        may = f in {"ldap-crypt-bcrypt", "phpass-phpbb", "scrypt"} | ARGON2_RE | SCRYPT_RE | (PBKDF2 - {"pbkdf2-sha256-django"})
    elif p == "supabase":
        # encrypted_password: bcrypt (any minor letter), $argon2i$/$argon2id$ v=19, $fbscrypt$.
        must = f in BCRYPT | {"bcrypt-2y", "argon2id", "argon2i", "firebase-scrypt"}
        may = f in {"ldap-crypt-bcrypt"} | ARGON2_RE
    else:
        raise ValueError(p)
    return must, may


def ceiling(p, f, prm):
    """A documented parameter limit the legacy hash breaks, or None."""
    it = prm.get("iterations")
    if p == "okta" and f in PBKDF2 and it < 4096:
        return "iterationCount under 4096"
    if p == "firebase" and f in PBKDF2 and it > 120_000:
        return "PBKDF rounds over 120,000"
    if p == "cognito":  # the unconfirmed ceilings (third-party emulator)
        if "cost" in prm and prm["cost"] > 12:
            return "bcrypt cost over 12"
        if "ln" in prm and (prm["ln"] > 16 or prm["r"] > 8 or prm["p"] > 1):
            return "scrypt over N=65536 r=8 p=1"
        if f in {"argon2id"} | ARGON2_RE and (prm["m"] > 19456 or prm["t"] > 2 or prm["p"] > 1):
            return "argon2id over m=19456 t=2 p=1"
        if f in PBKDF2 and it > 600_000:
            return "PBKDF2 over 600,000"
    return None


def field_limits(p, u):
    """The documented field limits user u (legacy CSV row) breaks at p."""
    n = lambda k: len(u.get(k) or "")  # noqa: E731
    out = []
    if p in ("auth0", "okta", "cognito", "clerk", "supabase") and not u.get("email"):
        out.append("no email")
    if p == "okta" and (not 5 <= n("email") <= 100 or not 1 <= n("first_name") <= 50 or not 1 <= n("last_name") <= 50):
        out.append("Okta login/email 5–100, names 1–50")
    if p == "firebase" and n("id") > 128:
        out.append("localId over 128")
    if p == "keycloak" and (n("email") > 255 or n("username") > 255):
        out.append("username/email over 255 (database column)")
    if p == "cognito" and u.get("email_verified") not in ("true", "t", "1"):
        out.append("no verified email")
    return out


def expected(p, u, pw):
    """(format, the reasons a refusal of user u may give: empty = must import, None in it = may import)."""
    h = u.get("password_hash") or ""
    f = identify(h, pw)
    reasons = {"field_limit"} if field_limits(p, u) else set()
    if f is None:
        return None, reasons | {"no_hash"}
    prm = params(f, h)
    must, may = must_may(p, f, prm)
    c = ceiling(p, f, prm) if (must or may) else None
    if c:
        reasons.add("ceiling")
    elif may:
        reasons |= {None, "format", "ceiling"}
    elif not must:
        reasons.add("format")
    return f, reasons


def consequence(p, reason):
    return "reset_required" if reason == "no_hash" or p not in JIT else "jit_only"
