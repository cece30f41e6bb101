#!/usr/bin/env python3
"""Writes tests/vectors/vectors.jsonl: hashes made by implementations other than
understudy, plus vectors published by the formats' producers.

Set-up (what produced the committed file):
    python3 -m venv /tmp/v && /tmp/v/bin/pip install passlib==1.7.4 bcrypt==4.0.1 \
        argon2-cffi django cryptography
    /tmp/v/bin/python tests/vectors/make_vectors.py > tests/vectors/vectors.jsonl

Producers: libxcrypt through Python 3.11's `crypt` (bcrypt, sha-crypt, md5-crypt,
yescrypt, scrypt $7$), passlib 1.7.4, argon2-cffi, Django's hashers, and hashlib
re-implementations (oracle.py) where no library exists. Every record is checked
by oracle.verify before it is written. `example: true` marks the password123 hash
with real-world default parameters that `hash list` shows.

Salts are random (libxcrypt, argon2-cffi and Django draw their own), so a re-run
gives new strings: then copy the `example: true` hashes into EXAMPLES in
src/hash/mod.rs (or append one format's records with `--only FORMAT`) (tests/hash.rs checks that every example is a committed vector).
"""
import base64
import hashlib
import hmac
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402
from oracle import crypt, dj, ph  # noqa: E402

rnd = random.Random(20261125)
PASSWORDS = ["password123", "", "correct horse battery staple", "pässwörd ünïcödé", "🔑🦀 emoji", "e\u0301nfd",
             " spaced out ", "quote\"'`\\", "x" * 73, "é" * 40]
OUT = []


def rbytes(n):
    return bytes(rnd.getrandbits(8) for _ in range(n))


def crypt_chars(n):
    return "".join(rnd.choice(oracle.ITOA64) for _ in range(n))


def alnum(n):
    return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(n))


def add(fmt, pw, h, producer, salt=None, params=None, example=False):
    checks = oracle.verify(fmt, oracle.effective_password(fmt, pw), h, salt, params)
    bad = [n for n, ok in checks if ok is False]
    if bad or not any(ok for _, ok in checks):
        sys.exit(f"{fmt}: vector {h!r} for {pw!r} fails {bad}")
    rec = {"format": fmt, "password": oracle.effective_password(fmt, pw), "hash": h, "producer": producer}
    if rec["password"] != pw:  # WordPress hashes trim(password); only the trimmed form logs in
        rec["hashed_from"] = pw
    if salt is not None:
        rec["salt"] = salt
    if params:
        rec["params"] = params
    if example:
        rec["example"] = True
    OUT.append(rec)


def each(fmt, producer, make, light=PASSWORDS, default=None):
    """`make(pw, light: bool)` returns hash or (hash, salt)."""
    if default is not False:
        r = make("password123", False)
        h, s = r if isinstance(r, tuple) else (r, None)
        add(fmt, "password123", h, producer, s, example=True)
    for pw in light:
        r = make(pw, True)
        h, s = r if isinstance(r, tuple) else (r, None)
        add(fmt, pw, h, producer, s)


# --- published vectors (producer named) -------------------------------------
add("bcrypt", "password123", "$2b$10$5VLnIWyCj6sxJcaDmrEWeOePnGSdEe0ZmsOkqU28/UokWIX/D2I16", "mkpasswd (libxcrypt), reference doc")
add("bcrypt-2y", "password123", "$2y$10$G4W7q9c/hgzTT5NcgY7kHehV/aHuECXDuQpHGiC2vza0YIn.RG7Ku", "PHP 8.2 password_hash, reference doc")
add("wordpress-bcrypt", "password123", "$wp$2y$10$kgZ6ph56.QRtSBdzVYmI3uz9RtN5bh9fjbrjGbsMTZ4oa.RQFE5se", "PHP 8.2 WordPress 6.8 code path, reference doc")
add("pbkdf2-sha256-django", "password123", "pbkdf2_sha256$1000000$A00GEsj5weLqb6EKZJrka5$dzr1uda5HqnuKfe2xJ2w49nvT/pFg5AGks9e6q1Gy3s=", "Django 5.2.19, reference doc")
add("md5-crypt", "password123", "$1$V3apckaE$CIokcBlOmlPy9w1CUCX6Y1", "mkpasswd (libxcrypt), reference doc")
add("mysql41", "password123", "*A0F874BC7F54EE086FCE60A37CE7887D8B31086B", "MySQL PASSWORD(), reference doc")
add("md5-hex", "password123", "482c811da5d5b4bc6d497ffa98491e38", "reference doc")
add("phpass", "hashcat", "$P$984478476IagS59wHZvyQMArzfx58u.", "hashcat example hashes, mode 400")
add("drupal7", "hashcat", "$S$C33783772bRXEx1aCsvY.dqgaaSu76XmVlKrW9Qu8IQlvxHlmzLf", "hashcat example hashes, mode 7900")
add("aspnet-identity-v2", "my password", "AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg==", "ASP.NET Identity PasswordHasherTest.cs")
add("aspnet-identity-v3", "my password", "AQAAAAIAAYagAAAAEAABAgMEBQYHCAkKCwwNDg/Q8A0WMKbtHQJQ2DHCdoEeeFBrgNlldq6vH4qX/CGqGQ==", "ASP.NET Identity PasswordHasherTest.cs")
add("firebase-scrypt", "user1password", "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
    "firebase/scrypt README", salt="42xEC+ixf3L2lw==")

# --- libxcrypt ----------------------------------------------------------------
def bcrypt_setting(ident, cost):
    return f"${ident}${cost:02d}${crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)[7:29]}"


for ident, fmt in [("2b", "bcrypt"), ("2a", "bcrypt-2a"), ("2y", "bcrypt-2y")]:
    each(fmt, "libxcrypt crypt()", lambda pw, light, i=ident: crypt.crypt(pw, bcrypt_setting(i, 4 if light else 10)))
each("sha512-crypt", "libxcrypt crypt()", lambda pw, light: crypt.crypt(pw, crypt.mksalt(crypt.METHOD_SHA512, rounds=1000 if light else None)))
each("sha256-crypt", "libxcrypt crypt()", lambda pw, light: crypt.crypt(pw, crypt.mksalt(crypt.METHOD_SHA256, rounds=1000 if light else None)))
each("md5-crypt", "libxcrypt crypt()", lambda pw, light: crypt.crypt(pw, crypt.mksalt(crypt.METHOD_MD5)))
each("yescrypt", "libxcrypt crypt()", lambda pw, light: crypt.crypt(pw, ("$y$j75$" if light else "$y$j9T$") + oracle.phpass_encode64(rbytes(16), 16)))


def scrypt_mcf(pw, light):
    ln, r = (6, 8) if light else (14, 32)
    enc30 = lambda v: "".join(oracle.ITOA64[(v >> (6 * k)) & 63] for k in range(5))  # noqa: E731
    return crypt.crypt(pw, "$7$" + oracle.ITOA64[ln] + enc30(r) + enc30(1) + crypt_chars(22))


each("scrypt-mcf", "libxcrypt crypt()", scrypt_mcf)
each("bcrypt-sha256-django", "libxcrypt crypt() on Django's SHA-256 pre-hash",
     lambda pw, light: "bcrypt_sha256$" + crypt.crypt(hashlib.sha256(pw.encode()).hexdigest(), bcrypt_setting("2b", 4 if light else 12)))
each("wordpress-bcrypt", "libxcrypt crypt() on WordPress 6.8's HMAC pre-hash",
     lambda pw, light: "$wp" + crypt.crypt(oracle.wp_prehash(oracle.php_trim(pw)), bcrypt_setting("2y", 4 if light else 10)))

# --- argon2-cffi ------------------------------------------------------------------
import argon2  # noqa: E402

for fmt, typ, dm, dt in [("argon2id", argon2.Type.ID, 19456, 2), ("argon2i", argon2.Type.I, 65536, 4)]:
    each(fmt, "argon2-cffi", lambda pw, light, typ=typ, dm=dm, dt=dt: argon2.PasswordHasher(
        time_cost=1 if light else dt, memory_cost=1024 if light else dm, parallelism=1, type=typ).hash(pw))


# --- Django -----------------------------------------------------------------------
class LightArgon2(dj.Argon2PasswordHasher):
    time_cost, memory_cost, parallelism = 1, 1024, 1


class LightScrypt(dj.ScryptPasswordHasher):
    work_factor = 16


each("argon2-django", "Django 5.2 Argon2PasswordHasher",
     lambda pw, light: (LightArgon2() if light else dj.Argon2PasswordHasher()).encode(pw, dj.Argon2PasswordHasher().salt()), light=PASSWORDS[:5])
each("scrypt-django", "Django 5.2 ScryptPasswordHasher",
     lambda pw, light: (LightScrypt() if light else dj.ScryptPasswordHasher()).encode(pw, dj.ScryptPasswordHasher().salt()))
each("pbkdf2-sha256-django", "Django 5.2 PBKDF2PasswordHasher",
     lambda pw, light: dj.PBKDF2PasswordHasher().encode(pw, dj.PBKDF2PasswordHasher().salt(), 1000 if light else None))
each("pbkdf2-sha1-django", "Django 5.2 PBKDF2SHA1PasswordHasher",
     lambda pw, light: dj.PBKDF2SHA1PasswordHasher().encode(pw, dj.PBKDF2SHA1PasswordHasher().salt(), 1000 if light else None))

# --- passlib ----------------------------------------------------------------------
each("scrypt", "passlib 1.7.4 scrypt", lambda pw, light: ph.scrypt.using(rounds=4 if light else 16).hash(pw))
each("pbkdf2-sha256", "passlib 1.7.4 pbkdf2_sha256", lambda pw, light: ph.pbkdf2_sha256.using(rounds=1000 if light else 29000).hash(pw))
each("pbkdf2-sha512", "passlib 1.7.4 pbkdf2_sha512", lambda pw, light: ph.pbkdf2_sha512.using(rounds=1000 if light else 25000).hash(pw))
each("phpass", "passlib 1.7.4 phpass", lambda pw, light: ph.phpass.using(rounds=7 if light else 13, ident="P").hash(pw))
each("phpass-phpbb", "passlib 1.7.4 phpass", lambda pw, light: ph.phpass.using(rounds=7 if light else 11, ident="H").hash(pw))
each("ldap-ssha", "passlib 1.7.4 ldap_salted_sha1", lambda pw, light: ph.ldap_salted_sha1.hash(pw))
each("ldap-ssha256", "passlib 1.7.4 ldap_salted_sha256", lambda pw, light: ph.ldap_salted_sha256.hash(pw))
each("ldap-ssha512", "passlib 1.7.4 ldap_salted_sha512", lambda pw, light: ph.ldap_salted_sha512.hash(pw))
each("ldap-smd5", "passlib 1.7.4 ldap_salted_md5", lambda pw, light: ph.ldap_salted_md5.hash(pw))
each("ldap-sha", "passlib 1.7.4 ldap_sha1", lambda pw, light: ph.ldap_sha1.hash(pw))
each("ldap-md5", "passlib 1.7.4 ldap_md5", lambda pw, light: ph.ldap_md5.hash(pw))
each("ldap-crypt", "libxcrypt crypt() with {CRYPT}", lambda pw, light: "{CRYPT}" + crypt.crypt(pw, crypt.mksalt(crypt.METHOD_SHA512, rounds=1000 if light else None)))
each("mysql41", "passlib 1.7.4 mysql41", lambda pw, light: ph.mysql41.hash(pw))
for a in ["md5", "sha1", "sha256", "sha512"]:
    each(f"{a}-hex", f"passlib 1.7.4 hex_{a}", lambda pw, light, a=a: getattr(ph, f"hex_{a}").hash(pw))

# --- hashlib re-implementations ------------------------------------------------------
def b64n(b):
    return base64.b64encode(b).decode().rstrip("=")


each("pbkdf2-sha512-phc", "hashlib.pbkdf2_hmac (Auth0 PHC layout)", lambda pw, light: (lambda s, i: f"$pbkdf2-sha512$i={i},l=64${b64n(s)}${b64n(hashlib.pbkdf2_hmac('sha512', pw.encode(), s, i, 64))}")(rbytes(16), 1000 if light else 100000))
each("aspnet-identity-v2", "hashlib (ASP.NET Identity v2 layout)", lambda pw, light: (lambda s: base64.b64encode(b"\0" + s + hashlib.pbkdf2_hmac("sha1", pw.encode(), s, 1000, 32)).decode())(rbytes(16)))


def v3(pw, light, prf="sha512"):
    s, it = rbytes(16), (1000 if light else 100000)
    code = {"sha1": 0, "sha256": 1, "sha512": 2}[prf]
    blob = b"\x01" + code.to_bytes(4, "big") + it.to_bytes(4, "big") + (16).to_bytes(4, "big") + s + hashlib.pbkdf2_hmac(prf, pw.encode(), s, it, 32)
    return base64.b64encode(blob).decode()


each("aspnet-identity-v3", "hashlib (ASP.NET Identity v3 layout)", v3)
add("aspnet-identity-v3", "password123", v3("password123", True, "sha256"), "hashlib (ASP.NET Identity v3 layout, HMAC-SHA256)")
each("drupal7", "hashlib (Drupal 7 password.inc)", lambda pw, light: oracle.drupal7(pw, "$S$" + oracle.ITOA64[7 if light else 15] + crypt_chars(8)))


def fb(pw, light):
    salt = base64.b64encode(rbytes(10)).decode()
    return oracle.firebase(pw, salt, {}), salt


each("firebase-scrypt", "hashlib.scrypt + AES-256-CTR (firebase/scrypt algorithm)", fb, light=PASSWORDS[:4])
custom = {"signer_key": base64.b64encode(rbytes(64)).decode(), "salt_separator": base64.b64encode(rbytes(2)).decode(), "rounds": "4", "mem_cost": "10"}
fs = base64.b64encode(rbytes(10)).decode()
add("firebase-scrypt", "password123", oracle.firebase("password123", fs, custom), "hashlib.scrypt + AES-256-CTR, custom project", fs, custom)

for a in ["md5", "sha1", "sha256", "sha512"]:
    def sh(pw, light, a=a):
        salt = alnum(16)
        return hashlib.new(a, (salt + pw).encode()).hexdigest(), salt
    each(f"salted-{a}-hex", "hashlib (salt prefix)", sh, light=PASSWORDS[:4])
    salt = alnum(16)
    add(f"salted-{a}-hex", "password123", hashlib.new(a, ("password123" + salt).encode()).hexdigest(), "hashlib (salt suffix)", salt, {"salt_position": "suffix"})

# --- OpenLDAP schemes wrapping other formats -----------------------------------------
each("ldap-crypt-bcrypt", "libxcrypt crypt() with {CRYPT}", lambda pw, light: "{CRYPT}" + crypt.crypt(pw, bcrypt_setting("2b", 4 if light else 10)))
each("ldap-argon2", "argon2-cffi with {ARGON2}", lambda pw, light: "{ARGON2}" + argon2.PasswordHasher(
    time_cost=1 if light else 2, memory_cost=1024 if light else 19456, parallelism=1, type=argon2.Type.ID).hash(pw))
for d in ["sha256", "sha512"]:
    each(f"ldap-pbkdf2-{d}", f"passlib 1.7.4 ldap_pbkdf2_{d}", lambda pw, light, d=d: getattr(ph, f"ldap_pbkdf2_{d}").using(
        rounds=1000 if light else 10000, salt_size=16).hash(pw))

# `--only F,G`: just those formats' records, to append new formats to the
# committed file without drawing new salts for the others.
only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else None
OUT = [r for r in OUT if only is None or r["format"] in only]
for rec in OUT:
    print(json.dumps(rec, ensure_ascii=False))
print(f"{len(OUT)} vectors, {len({r['format'] for r in OUT})} formats", file=sys.stderr)
