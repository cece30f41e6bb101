"""Independent implementations of every understudy hash format, for test oracles.

Each verifier takes (password: str, hash: str, salt: str | None, params: dict) and
returns True/False. They use passlib 1.7.4, libxcrypt (Python's `crypt`, never
pyca/bcrypt, which wraps the same Rust crate as understudy), argon2-cffi, Django's
hashers, or short hashlib re-implementations of the published algorithms
(ASP.NET Identity, Drupal 7, WordPress 6.8, Firebase scrypt, salted digests).
"""
import base64
import hashlib
import hmac
import os
import warnings

os.environ.setdefault("PASSLIB_BUILTIN_BCRYPT", "enabled")  # passlib's pure-Python bcrypt, below

warnings.filterwarnings("ignore", category=DeprecationWarning)
try:
    import crypt  # noqa: E402  (libxcrypt; deprecated in 3.11, removed in 3.13)
except ImportError:  # Python ≥ 3.13: the same module, from PyPI
    import crypt_r as crypt  # noqa: E402

from passlib import hash as ph  # noqa: E402

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"])
    django.setup()
from django.contrib.auth import hashers as dj  # noqa: E402

ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

FIREBASE_README = {
    "signer_key": "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
    "salt_separator": "Bw==",
    "rounds": "8",
    "mem_cost": "14",
}


def b64d(s):
    s = s.strip()
    return base64.b64decode(s + "=" * (-len(s) % 4))


class NotApplicable(Exception):
    """The judge cannot take this input (reported, not counted as a pass)."""


def libxcrypt(pw, h):
    if len(pw.encode()) > 512:  # CRYPT_MAX_PASSPHRASE_SIZE: libxcrypt refuses longer phrases
        raise NotApplicable("libxcrypt refuses passphrases over 512 bytes")
    return crypt.crypt(pw, h) == h


_BCRYPT_BUILTIN = []


def bcrypt_builtin(pw, h):
    """passlib's pure-Python bcrypt, for passphrases over 512 bytes that libxcrypt refuses."""
    if len(pw.encode()) <= 512:
        raise NotApplicable("libxcrypt judges these")
    if not _BCRYPT_BUILTIN:
        from passlib.handlers.bcrypt import bcrypt

        b = bcrypt.using()
        b.set_backend("builtin")
        _BCRYPT_BUILTIN.append(b)
    return _BCRYPT_BUILTIN[0].verify(pw.encode(), h)


def scrypt_mcf(pw, h):
    """libxcrypt's $7$ layout over OpenSSL's scrypt (hashlib)."""
    setting, checksum = h.rsplit("$", 1)
    ln = ITOA64.index(setting[3])
    dec30 = lambda s: sum(ITOA64.index(c) << (6 * i) for i, c in enumerate(s))  # noqa: E731
    r, p, salt = dec30(setting[4:9]), dec30(setting[9:14]), setting[14:]
    dk = hashlib.scrypt(pw.encode(), salt=salt.encode(), n=2 ** ln, r=r, p=p, dklen=32, maxmem=2**30)
    return phpass_encode64(dk, 32) == checksum


def php_trim(pw):
    return pw.strip(" \t\n\r\0\x0b")


def wp_prehash(pw):
    return base64.b64encode(hmac.new(b"wp-sha384", pw.encode(), hashlib.sha384).digest()).decode()


def phpass_encode64(data, count):
    out, i = [], 0
    while i < count:
        v = data[i]
        i += 1
        out.append(ITOA64[v & 0x3F])
        if i < count:
            v |= data[i] << 8
        out.append(ITOA64[(v >> 6) & 0x3F])
        if i >= count:
            break
        i += 1
        if i < count:
            v |= data[i] << 16
        out.append(ITOA64[(v >> 12) & 0x3F])
        if i >= count:
            break
        i += 1
        out.append(ITOA64[(v >> 18) & 0x3F])
    return "".join(out)


def drupal7(pw, setting):
    """Drupal 7 _password_crypt (includes/password.inc)."""
    pwb = pw.encode()
    if len(pwb) > 512:
        return None
    count = 1 << ITOA64.index(setting[3])
    salt = setting[4:12].encode()
    h = hashlib.sha512(salt + pwb).digest()
    for _ in range(count):
        h = hashlib.sha512(h + pwb).digest()
    return (setting[:12] + phpass_encode64(h, len(h)))[:55]


def aspnet(pw, h):
    b = base64.b64decode(h)
    if b[0] == 0 and len(b) == 49:
        return hmac.compare_digest(hashlib.pbkdf2_hmac("sha1", pw.encode(), b[1:17], 1000, 32), b[17:])
    if b[0] == 1:
        prf = {0: "sha1", 1: "sha256", 2: "sha512"}[int.from_bytes(b[1:5], "big")]
        it = int.from_bytes(b[5:9], "big")
        sl = int.from_bytes(b[9:13], "big")
        salt, sub = b[13:13 + sl], b[13 + sl:]
        return hmac.compare_digest(hashlib.pbkdf2_hmac(prf, pw.encode(), salt, it, len(sub)), sub)
    return False


def firebase(pw, salt_b64, params):
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    p = dict(FIREBASE_README)
    p.update(params or {})
    salt = b64d(salt_b64) + b64d(p["salt_separator"])
    dk = hashlib.scrypt(pw.encode(), salt=salt, n=2 ** int(p["mem_cost"]), r=int(p["rounds"]), p=1, dklen=32, maxmem=2**26)
    enc = Cipher(algorithms.AES(dk), modes.CTR(b"\0" * 16)).encryptor()
    return base64.b64encode(enc.update(b64d(p["signer_key"])) + enc.finalize()).decode()


def pbkdf2_phc(pw, h):
    _, alg, il, salt, dk = h.split("$")
    i, l = (int(x.split("=")[1]) for x in il.split(","))
    return hmac.compare_digest(hashlib.pbkdf2_hmac(alg.split("-")[1], pw.encode(), b64d(salt), i, l), b64d(dk))


def salted_hex(alg, pw, h, salt, params):
    pos = (params or {}).get("salt_position", "prefix")
    data = (salt + pw) if pos == "prefix" else (pw + salt)
    return hashlib.new(alg, data.encode()).hexdigest() == h.lower()


def django_bcrypt_sha256(pw, h):
    inner = h[len("bcrypt_sha256$"):]
    return libxcrypt(hashlib.sha256(pw.encode()).hexdigest(), inner)


def wordpress(pw, h):
    inner = h[3:]
    return h.startswith("$wp$2y$") and libxcrypt(wp_prehash(pw), inner)


def argon2_cffi(pw, h):
    import argon2

    try:
        return argon2.PasswordHasher().verify(h, pw)
    except argon2.exceptions.VerifyMismatchError:
        return False


# format -> [(judge name, verifier)]; every verifier gets (pw, hash, salt, params).
def _all(*fns):
    return list(fns)


VERIFIERS = {
    "bcrypt": _all(("libxcrypt", lambda pw, h, s, p: h.startswith("$2b$") and libxcrypt(pw, h)),
                   ("passlib builtin bcrypt", lambda pw, h, s, p: h.startswith("$2b$") and bcrypt_builtin(pw, h))),
    "bcrypt-2a": _all(("libxcrypt", lambda pw, h, s, p: h.startswith("$2a$") and libxcrypt(pw, h)),
                      ("passlib builtin bcrypt", lambda pw, h, s, p: h.startswith("$2a$") and bcrypt_builtin(pw, h))),
    "bcrypt-2y": _all(("libxcrypt", lambda pw, h, s, p: h.startswith("$2y$") and libxcrypt(pw, h)),
                      ("passlib builtin bcrypt", lambda pw, h, s, p: h.startswith("$2y$") and bcrypt_builtin(pw, h))),
    "bcrypt-sha256-django": _all(("libxcrypt+hashlib (Django algorithm)", lambda pw, h, s, p: django_bcrypt_sha256(pw, h))),
    "wordpress-bcrypt": _all(("libxcrypt+hmac (WordPress 6.8 algorithm)", lambda pw, h, s, p: wordpress(pw, h))),
    "argon2id": _all(("argon2-cffi", lambda pw, h, s, p: h.startswith("$argon2id$") and argon2_cffi(pw, h)),
                     ("passlib argon2", lambda pw, h, s, p: ph.argon2.verify(pw, h))),
    "argon2i": _all(("argon2-cffi", lambda pw, h, s, p: h.startswith("$argon2i$") and argon2_cffi(pw, h)),
                    ("passlib argon2", lambda pw, h, s, p: ph.argon2.verify(pw, h))),
    "argon2-django": _all(("Django Argon2PasswordHasher", lambda pw, h, s, p: dj.Argon2PasswordHasher().verify(pw, h)),
                          ("passlib django_argon2", lambda pw, h, s, p: ph.django_argon2.verify(pw, h))),
    "scrypt": _all(("passlib scrypt", lambda pw, h, s, p: ph.scrypt.verify(pw, h))),
    "scrypt-mcf": _all(("libxcrypt", lambda pw, h, s, p: h.startswith("$7$") and libxcrypt(pw, h)),
                       ("hashlib.scrypt ($7$ layout)", lambda pw, h, s, p: scrypt_mcf(pw, h))),
    "scrypt-django": _all(("Django ScryptPasswordHasher", lambda pw, h, s, p: dj.ScryptPasswordHasher().verify(pw, h))),
    "firebase-scrypt": _all(("hashlib.scrypt+AES-CTR (firebase/scrypt algorithm)", lambda pw, h, s, p: firebase(pw, s, p) == h)),
    "pbkdf2-sha256-django": _all(("Django PBKDF2PasswordHasher", lambda pw, h, s, p: dj.PBKDF2PasswordHasher().verify(pw, h)),
                                 ("passlib django_pbkdf2_sha256", lambda pw, h, s, p: ph.django_pbkdf2_sha256.verify(pw, h))),
    "pbkdf2-sha1-django": _all(("Django PBKDF2SHA1PasswordHasher", lambda pw, h, s, p: dj.PBKDF2SHA1PasswordHasher().verify(pw, h)),
                               ("passlib django_pbkdf2_sha1", lambda pw, h, s, p: ph.django_pbkdf2_sha1.verify(pw, h))),
    "pbkdf2-sha256": _all(("passlib pbkdf2_sha256", lambda pw, h, s, p: ph.pbkdf2_sha256.verify(pw, h))),
    "pbkdf2-sha512": _all(("passlib pbkdf2_sha512", lambda pw, h, s, p: ph.pbkdf2_sha512.verify(pw, h))),
    "pbkdf2-sha512-phc": _all(("hashlib (PHC layout)", lambda pw, h, s, p: pbkdf2_phc(pw, h))),
    "aspnet-identity-v2": _all(("hashlib (ASP.NET Identity algorithm)", lambda pw, h, s, p: aspnet(pw, h))),
    "aspnet-identity-v3": _all(("hashlib (ASP.NET Identity algorithm)", lambda pw, h, s, p: aspnet(pw, h))),
    "sha512-crypt": _all(("libxcrypt", lambda pw, h, s, p: h.startswith("$6$") and libxcrypt(pw, h)),
                         ("passlib sha512_crypt", lambda pw, h, s, p: ph.sha512_crypt.verify(pw, h))),
    "sha256-crypt": _all(("libxcrypt", lambda pw, h, s, p: h.startswith("$5$") and libxcrypt(pw, h)),
                         ("passlib sha256_crypt", lambda pw, h, s, p: ph.sha256_crypt.verify(pw, h))),
    "md5-crypt": _all(("libxcrypt", lambda pw, h, s, p: h.startswith("$1$") and libxcrypt(pw, h)),
                      ("passlib md5_crypt", lambda pw, h, s, p: ph.md5_crypt.verify(pw, h))),
    "yescrypt": _all(("libxcrypt", lambda pw, h, s, p: h.startswith("$y$") and libxcrypt(pw, h))),
    "phpass": _all(("passlib phpass", lambda pw, h, s, p: h.startswith("$P$") and ph.phpass.verify(pw, h))),
    "phpass-phpbb": _all(("passlib phpass", lambda pw, h, s, p: h.startswith("$H$") and ph.phpass.verify(pw, h))),
    "drupal7": _all(("hashlib (Drupal 7 password.inc)", lambda pw, h, s, p: drupal7(pw, h[:12]) == h)),
    "ldap-ssha": _all(("passlib ldap_salted_sha1", lambda pw, h, s, p: ph.ldap_salted_sha1.verify(pw, h))),
    "ldap-ssha256": _all(("passlib ldap_salted_sha256", lambda pw, h, s, p: ph.ldap_salted_sha256.verify(pw, h))),
    "ldap-ssha512": _all(("passlib ldap_salted_sha512", lambda pw, h, s, p: ph.ldap_salted_sha512.verify(pw, h))),
    "ldap-smd5": _all(("passlib ldap_salted_md5", lambda pw, h, s, p: ph.ldap_salted_md5.verify(pw, h))),
    "ldap-sha": _all(("passlib ldap_sha1", lambda pw, h, s, p: ph.ldap_sha1.verify(pw, h))),
    "ldap-md5": _all(("passlib ldap_md5", lambda pw, h, s, p: ph.ldap_md5.verify(pw, h))),
    "ldap-crypt": _all(("passlib ldap_sha512_crypt", lambda pw, h, s, p: ph.ldap_sha512_crypt.verify(pw, h)),
                       ("libxcrypt", lambda pw, h, s, p: libxcrypt(pw, h[len("{CRYPT}"):]))),
    "ldap-crypt-bcrypt": _all(("passlib ldap_bcrypt", lambda pw, h, s, p: ph.ldap_bcrypt.verify(pw, h)),
                              ("libxcrypt", lambda pw, h, s, p: h.startswith("{CRYPT}$2") and libxcrypt(pw, h[len("{CRYPT}"):]))),
    "ldap-argon2": _all(("argon2-cffi", lambda pw, h, s, p: h.startswith("{ARGON2}$") and argon2_cffi(pw, h[len("{ARGON2}"):]))),
    "ldap-pbkdf2-sha256": _all(("passlib ldap_pbkdf2_sha256", lambda pw, h, s, p: ph.ldap_pbkdf2_sha256.verify(pw, h))),
    "ldap-pbkdf2-sha512": _all(("passlib ldap_pbkdf2_sha512", lambda pw, h, s, p: ph.ldap_pbkdf2_sha512.verify(pw, h))),
    "mysql41": _all(("passlib mysql41", lambda pw, h, s, p: ph.mysql41.verify(pw, h))),
    "md5-hex": _all(("passlib hex_md5", lambda pw, h, s, p: ph.hex_md5.verify(pw, h))),
    "sha1-hex": _all(("passlib hex_sha1", lambda pw, h, s, p: ph.hex_sha1.verify(pw, h))),
    "sha256-hex": _all(("passlib hex_sha256", lambda pw, h, s, p: ph.hex_sha256.verify(pw, h))),
    "sha512-hex": _all(("passlib hex_sha512", lambda pw, h, s, p: ph.hex_sha512.verify(pw, h))),
    "salted-md5-hex": _all(("hashlib", lambda pw, h, s, p: salted_hex("md5", pw, h, s, p))),
    "salted-sha1-hex": _all(("hashlib", lambda pw, h, s, p: salted_hex("sha1", pw, h, s, p))),
    "salted-sha256-hex": _all(("hashlib", lambda pw, h, s, p: salted_hex("sha256", pw, h, s, p))),
    "salted-sha512-hex": _all(("hashlib", lambda pw, h, s, p: salted_hex("sha512", pw, h, s, p))),
}


def effective_password(fmt, pw):
    """The password a real producer hashed: WordPress 6.8 trims it first."""
    return php_trim(pw) if fmt == "wordpress-bcrypt" else pw


def verify(fmt, pw, h, salt=None, params=None):
    """[(judge, ok)] for every independent verifier of `fmt`; ok is None when it cannot judge."""
    out = []
    for name, fn in VERIFIERS[fmt]:
        try:
            ok = bool(fn(pw, h, salt, params or {}))
        except NotApplicable:
            out.append((name, None))
            continue
        except Exception as e:  # a judge that throws did not verify
            ok = False
            name = f"{name} ({type(e).__name__}: {e})"
        out.append((name, ok))
    return out
