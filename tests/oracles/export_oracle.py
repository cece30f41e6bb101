"""Checks `understudy export --to PROVIDER` output against the provider's
documented shape and verifies every re-encoded hash with an independent
implementation of the provider's algorithm (hashlib/OpenSSL, libxcrypt,
argon2-cffi, passlib, Django, the firebase/scrypt algorithm).

usage: export_oracle.py OUT PROVIDER [LEGACY_USERS_CSV]
  -> prints a JSON summary; exit 1 on any failure.
OUT holds PROVIDER/ and passwords-PROVIDER.csv (key,password,email). With
LEGACY_USERS_CSV (the users table `understudy generate --format csv` writes for the
same profile, users, seed and edge rate), every user's verdict is also judged
against the provider's documented rules (idp_rules.py): each not-importable.csv
row's reason and consequence, and that no imported user should have been refused;
and every exported TOTP secret is checked against the user's with pyotp (RFC 6238).
"""
import base64, csv, functools, glob, hashlib, hmac, json, os, re, shlex, sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "vectors"))
import oracle as o  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
import idp_rules  # noqa: E402

csv.field_size_limit(1 << 30)
# Pool-mode users share hashes: judge each (password, hash) pair once.
o.argon2_cffi = functools.lru_cache(maxsize=1 << 16)(o.argon2_cffi)
# ...and each key derivation (pure functions of their arguments): pooled users repeat them.
o.django_bcrypt_sha256 = functools.lru_cache(maxsize=1 << 16)(o.django_bcrypt_sha256)
hashlib.pbkdf2_hmac = functools.lru_cache(maxsize=1 << 16)(hashlib.pbkdf2_hmac)
hashlib.scrypt = functools.lru_cache(maxsize=1 << 14)(hashlib.scrypt)
OUT, P = sys.argv[1], sys.argv[2]
D = os.path.join(OUT, P)
b64d = o.b64d
fails, schema, verified, records, nohash = [], [], 0, 0, 0
imported = set()  # keys of the users whose record carries a verified hash
totps = []  # (user key, exported TOTP secret)

pw_by_key, pw_by_email, key_by_email = {}, {}, {}
with open(os.path.join(OUT, f"passwords-{P}.csv"), newline="", encoding="utf-8") as f:
    r = csv.reader(f)
    next(r)
    for key, pw, email in r:
        pw_by_key[key] = pw
        pw_by_email[email] = pw
        key_by_email[email] = key


@functools.lru_cache(maxsize=1 << 16)
def bcrypt_ok(pw, h):
    h = h.replace("$2y$", "$2b$", 1).replace("$2a$", "$2b$", 1)
    if "\0" in pw:
        # libxcrypt stops at a NUL (C strings) and passlib refuses one: passlib's
        # pure-Python Blowfish core takes the whole byte string, as the hash was made.
        from passlib.crypto._blowfish import raw_bcrypt
        return raw_bcrypt(pw.encode(), "2b", h[7:29].encode(), int(h[4:6])).decode() == h[29:]
    try:
        return o.libxcrypt(pw, h)
    except o.NotApplicable:
        return o.bcrypt_builtin(pw, h)


def key_of(who):
    return who if who in pw_by_key else key_by_email.get(who, who)


def check(ok, what, who):
    """One record's hash judged; `who` is the user's key or email."""
    global verified
    if ok:
        verified += 1
        imported.add(key_of(who))
    else:
        fails.append(what)


def digest(alg, pw, salt, first, value):
    data = (salt + pw.encode()) if first else (pw.encode() + salt)
    return hmac.compare_digest(hashlib.new(alg, data).digest(), value)


def allowed(obj, keys, where):
    extra = set(obj) - set(keys)
    if extra:
        schema.append(f"{where}: keys {sorted(extra)} not allowed")


def auth0():
    import jsonschema
    sch = json.load(open(os.path.join(os.path.dirname(__file__), "auth0_users.schema.json")))
    v = jsonschema.Draft7Validator(sch)
    global records, nohash
    for path in sorted(glob.glob(os.path.join(D, "users-*.json"))):
        if os.path.getsize(path) > 500_000:
            schema.append(f"{path}: {os.path.getsize(path)} bytes over 500 KB")
        users = json.load(open(path, encoding="utf-8"))
        for e in v.iter_errors(users):
            schema.append(f"{path}: {e.message[:200]}")
        for u in users:
            records += 1
            pw = pw_by_key[u["user_id"]]
            totps.extend((u["user_id"], f["totp"]["secret"]) for f in u.get("mfa_factors", []) if "totp" in f)
            if "password_hash" in u:
                check(bcrypt_ok(pw, u["password_hash"]), u["user_id"], u["user_id"])
                continue
            c = u.get("custom_password_hash")
            if c is None:
                nohash += 1
                continue
            a, h = c["algorithm"], c["hash"]
            val = h["value"]
            raw = lambda s, enc: bytes.fromhex(s) if enc == "hex" else (b64d(s) if enc == "base64" else s.encode())  # noqa: E731
            salt = raw(c["salt"]["value"], c["salt"]["encoding"]) if "salt" in c else b""
            first = c.get("salt", {}).get("position", "prefix") == "prefix"
            if a == "bcrypt":
                ok = bcrypt_ok(pw, val)
            elif a == "argon2":
                ok = o.argon2_cffi(pw, val)
            elif a == "pbkdf2":
                ok = o.pbkdf2_phc(pw, val)
            elif a == "scrypt":
                dk = hashlib.scrypt(pw.encode(), salt=salt, n=c["cost"], r=c["blockSize"], p=c["parallelization"], dklen=c["keylen"], maxmem=2**31 - 1)
                ok = hmac.compare_digest(dk, raw(val, h["encoding"]))
            else:
                ok = digest(a, pw, salt, first, raw(val, h["encoding"]))
            check(ok, f"{u['user_id']} {a}", u["user_id"])


OKTA_HASH = {"algorithm", "workFactor", "salt", "value", "saltOrder", "digestAlgorithm", "iterationCount", "keySize"}


E164 = re.compile(r"^\+[0-9]{1,15}$")
BASE32 = re.compile(r"^[A-Z2-7]+$")


def okta_factors():
    """okta/factors-*.ndjson: Factors API bodies (Custom TOTP, SMS) of users in passwords."""
    for path in sorted(glob.glob(os.path.join(D, "factors-*.ndjson"))):
        for line in open(path, encoding="utf-8"):
            v = json.loads(line)
            allowed(v, {"login", "factor"}, "okta factor line")
            f = v["factor"]
            if v["login"] not in pw_by_email:
                schema.append(f"okta factor of an unknown user {v['login']}")
            if f.get("factorType") == "token:hotp":
                totps.append((key_of(v["login"]), f["profile"].get("sharedSecret", "")))
                allowed(f, {"factorType", "provider", "profile"}, "okta totp factor")
                if f.get("provider") != "CUSTOM" or not BASE32.match(f["profile"].get("sharedSecret", "")):
                    schema.append(f"okta totp factor: {f}")
            elif f.get("factorType") == "sms":
                allowed(f, {"factorType", "provider", "profile"}, "okta sms factor")
                if f.get("provider") != "OKTA" or not E164.match(f["profile"].get("phoneNumber", "")):
                    schema.append(f"okta sms factor: {f}")
            else:
                schema.append(f"okta factor type: {f}")


def okta():
    global records, nohash
    okta_factors()
    for path in sorted(glob.glob(os.path.join(D, "users-*.ndjson"))):
        for line in open(path, encoding="utf-8"):
            b = json.loads(line)
            records += 1
            allowed(b, {"profile", "credentials"}, "okta body")
            allowed(b["profile"], {"login", "email", "firstName", "lastName", "mobilePhone"}, "okta profile")
            pw = pw_by_email[b["profile"]["login"]]
            n = lambda k: len(b["profile"].get(k) or "")  # noqa: E731
            if not (5 <= n("login") <= 100 and 5 <= n("email") <= 100 and 1 <= n("firstName") <= 50 and 1 <= n("lastName") <= 50):
                schema.append(f"okta profile over Okta's limits (login/email 5-100, names 1-50): {b['profile']}")
            h = b.get("credentials", {}).get("password", {}).get("hash")
            if h is None:
                nohash += 1
                continue
            allowed(h, OKTA_HASH, "okta hash")
            a = h["algorithm"]
            if a == "BCRYPT":
                ok = 1 <= h["workFactor"] <= 20 and len(h["salt"]) == 22 and len(h["value"]) == 31 and bcrypt_ok(pw, "$2b$%02d$%s%s" % (h["workFactor"], h["salt"], h["value"]))
            elif a == "PBKDF2":
                alg = {"SHA256_HMAC": "sha256", "SHA512_HMAC": "sha512"}[h["digestAlgorithm"]]
                ok = h["iterationCount"] >= 4096 and hmac.compare_digest(hashlib.pbkdf2_hmac(alg, pw.encode(), b64d(h["salt"]), h["iterationCount"], h["keySize"]), b64d(h["value"]))
            else:
                alg = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}[a]
                ok = digest(alg, pw, b64d(h.get("salt", "")), h.get("saltOrder", "PREFIX") == "PREFIX", b64d(h["value"]))
            check(ok, f"{b['profile']['login']} {a}", b["profile"]["login"])


FB_USER = {"localId", "email", "emailVerified", "passwordHash", "salt", "displayName", "photoUrl", "createdAt", "lastSignedInAt", "providerUserInfo", "phoneNumber", "disabled", "customAttributes"}


def firebase():
    global records, nohash
    flags = {}
    for line in open(os.path.join(D, "import.sh")):
        if line.startswith("firebase auth:import "):
            w = shlex.split(line)
            flags[w[2]] = dict(x[2:].split("=", 1) for x in w[3:])
    for rel, fl in flags.items():
        doc = json.load(open(os.path.join(D, rel), encoding="utf-8"))
        allowed(doc, {"users"}, rel)
        a = fl.get("hash-algo")
        for u in doc["users"]:
            records += 1
            allowed(u, FB_USER, rel)
            if len(u["localId"]) > 128:
                schema.append(f"{rel}: localId over 128")
            pw = pw_by_key[u["localId"]]
            if "passwordHash" not in u:
                nohash += 1
                continue
            h, salt = b64d(u["passwordHash"]), b64d(u.get("salt", ""))
            if a == "BCRYPT":
                ok = bcrypt_ok(pw, h.decode())
            elif a == "SCRYPT":
                p = {"signer_key": fl["hash-key"], "salt_separator": fl["salt-separator"], "rounds": fl["rounds"], "mem_cost": fl["mem-cost"]}
                ok = 1 <= int(fl["rounds"]) <= 8 and 1 <= int(fl["mem-cost"]) <= 14 and o.firebase(pw, u["salt"], p) == u["passwordHash"]
            elif a == "STANDARD_SCRYPT":
                dk = hashlib.scrypt(pw.encode(), salt=salt, n=int(fl["mem-cost"]), r=int(fl["block-size"]), p=int(fl["parallelization"]), dklen=int(fl["dk-len"]), maxmem=2**31 - 1)
                ok = hmac.compare_digest(dk, h)
            elif a in ("PBKDF2_SHA256", "PBKDF_SHA1"):
                alg = "sha256" if a == "PBKDF2_SHA256" else "sha1"
                ok = int(fl["rounds"]) <= 120000 and hmac.compare_digest(hashlib.pbkdf2_hmac(alg, pw.encode(), salt, int(fl["rounds"]), len(h)), h)
            else:
                ok = fl["rounds"] == "1" and digest(a.lower(), pw, salt, fl.get("hash-input-order", "SALT_FIRST") == "SALT_FIRST", h)
            check(ok, f"{u['localId']} {a}", u["localId"])


@functools.lru_cache(maxsize=1 << 16)
def argon2_raw(*a, **k):
    import argon2.low_level as al
    return al.hash_secret_raw(*a, **k)


KC_USER = {"username", "enabled", "email", "emailVerified", "firstName", "lastName", "createdTimestamp", "credentials", "federatedIdentities"}


def keycloak():
    import argon2.low_level as al
    global records, nohash
    for path in sorted(glob.glob(os.path.join(D, "users-*.json"))):
        doc = json.load(open(path, encoding="utf-8"))
        allowed(doc, {"ifResourceExists", "users"}, path)
        for u in doc["users"]:
            records += 1
            allowed(u, KC_USER, path)
            pw = pw_by_email[u["email"]]
            for c in u.get("credentials", []):
                if c.get("type") != "otp":
                    continue
                # OTPSecretData / OTPCredentialData: the secret in base32, RFC 6238 SHA-1, 6 digits, 30 s.
                allowed(c, {"type", "userLabel", "secretData", "credentialData"}, "otp credential")
                sd, cd = json.loads(c["secretData"]), json.loads(c["credentialData"])
                if set(sd) != {"value"} or cd != {"subType": "totp", "digits": 6, "counter": 0, "period": 30, "algorithm": "HmacSHA1", "secretEncoding": "BASE32"}:
                    schema.append(f"keycloak otp credential: {c}")
                totps.append((key_of(u["email"]), sd["value"]))
            pwc = [c for c in u.get("credentials", []) if c.get("type") == "password"]
            if any(c.get("type") not in ("password", "otp") for c in u.get("credentials", [])) or len(pwc) > 1:
                schema.append(f"keycloak credentials: {u.get('credentials')}")
            if not pwc:
                nohash += 1
                continue
            c = pwc[0]
            allowed(c, {"type", "secretData", "credentialData"}, "credential")
            sd, cd = json.loads(c["secretData"]), json.loads(c["credentialData"])
            value, salt = base64.b64decode(sd["value"]), base64.b64decode(sd["salt"])
            a = cd["algorithm"]
            if a.startswith("pbkdf2"):
                alg = {"pbkdf2": "sha1", "pbkdf2-sha256": "sha256", "pbkdf2-sha512": "sha512"}[a]
                ok = hmac.compare_digest(hashlib.pbkdf2_hmac(alg, pw.encode(), salt, cd["hashIterations"], len(value)), value)
            else:
                ap = cd["additionalParameters"]
                ty = {"id": al.Type.ID, "i": al.Type.I, "d": al.Type.D}[ap["type"][0]]
                dk = argon2_raw(pw.encode(), salt, time_cost=cd["hashIterations"], memory_cost=int(ap["memory"][0]), parallelism=int(ap["parallelism"][0]), hash_len=int(ap["hashLength"][0]), type=ty, version=19)
                ok = ap["version"] == ["1.3"] and hmac.compare_digest(dk, value)
            check(ok, f"{u['email']} {a}", u["email"])


HEADER = "cognito:username,name,given_name,family_name,middle_name,nickname,preferred_username,profile,picture,website,email,email_verified,gender,birthdate,zoneinfo,locale,phone_number,phone_number_verified,address,updated_at,cognito:mfa_enabled"


def cognito():
    global records, nohash
    for path in sorted(glob.glob(os.path.join(D, "**", "users-*.csv"), recursive=True)):
        lines = open(path, encoding="utf-8").read().split("\n")
        if lines[-1] == "":
            lines.pop()
        head, rows = lines[0].split(","), lines[1:]
        if ",".join(head[:21]) != HEADER or head[21:] not in ([], ["password_hash"]):
            schema.append(f"{path}: header {lines[0]}")
        if len(rows) > 500_000 or os.path.getsize(path) > 100_000_000:
            schema.append(f"{path}: over 500,000 rows or 100 MB")
        alg = os.path.basename(os.path.dirname(path))
        for row in rows:
            records += 1
            if len(row) > 16000:
                schema.append(f"{path}: row over 16,000 characters")
            cells = [c.replace("\\,", ",") for c in re.split(r"(?<!\\),", row)]
            if len(cells) != len(head):
                schema.append(f"{path}: {len(cells)} cells for {len(head)} columns")
                continue
            rec = dict(zip(head, cells))
            if rec["email_verified"] != "true" or rec["cognito:mfa_enabled"] not in ("true", "false"):
                schema.append(f"{path}: {rec['cognito:username']} not verified")
            pw = pw_by_key[rec["cognito:username"]]
            h = rec.get("password_hash")
            if h is None:
                nohash += 1
                continue
            if alg == "BCRYPT":
                ok = int(h[4:6]) <= 12 and bcrypt_ok(pw, h)
            elif alg == "ARGON2ID":
                q = idp_rules.params("argon2id", h)
                ok = h.startswith("$argon2id$") and q["m"] <= 19456 and q["t"] <= 2 and q["p"] <= 1 and o.argon2_cffi(pw, h)
            elif alg == "SCRYPT":
                _, _, params, salt, hv = h.split("$")
                q = dict(kv.split("=") for kv in params.split(","))
                v = b64d(hv)
                dk = hashlib.scrypt(pw.encode(), salt=b64d(salt), n=2 ** int(q["ln"]), r=int(q["r"]), p=int(q["p"]), dklen=len(v), maxmem=2**31 - 1)
                ok = int(q["ln"]) <= 16 and int(q["r"]) <= 8 and int(q["p"]) <= 1 and hmac.compare_digest(dk, v)
            else:
                ok = h.startswith("$pbkdf2-sha256$") and int(re.search(r"i=(\d+)", h).group(1)) <= 600_000 and o.pbkdf2_phc(pw, h)
            check(ok, f"{rec['cognito:username']} {alg}", rec["cognito:username"])


@functools.lru_cache(maxsize=1 << 16)
def phpass_ok(pw, d):
    from passlib.hash import phpass
    return phpass.verify(pw, d)


def clerk():
    from passlib.hash import ldap_salted_sha1
    global records, nohash
    for path in sorted(glob.glob(os.path.join(D, "users-*.ndjson"))):
        for line in open(path, encoding="utf-8"):
            b = json.loads(line)
            records += 1
            allowed(b, {"external_id", "email_address", "first_name", "last_name", "password_hasher", "password_digest", "skip_password_checks", "skip_password_requirement", "totp_secret", "backup_codes", "created_at"}, "clerk body")
            pw = pw_by_key[b["external_id"]]
            if "totp_secret" in b:
                totps.append((b["external_id"], b["totp_secret"]))
            if "password_digest" not in b:
                nohash += 1
                continue
            a, d = b["password_hasher"], b["password_digest"]
            if a == "bcrypt":
                ok = bcrypt_ok(pw, d)
            elif a == "bcrypt_sha256_django":
                ok = o.django_bcrypt_sha256(pw, d)
            elif a in ("argon2i", "argon2id"):
                ok = d.startswith(f"${a}$") and o.argon2_cffi(pw, d)
            elif a == "pbkdf2_sha256_django":
                ok = o.dj.check_password(pw, d)
            elif a in ("pbkdf2_sha1", "pbkdf2_sha256"):
                _, it, salt, h = d.split("$")
                if a == "pbkdf2_sha1":
                    ok = hashlib.pbkdf2_hmac("sha1", pw.encode(), salt.encode(), int(it), 20).hex() == h
                else:
                    v = b64d(h)
                    ok = hmac.compare_digest(hashlib.pbkdf2_hmac("sha256", pw.encode(), b64d(salt), int(it), len(v)), v)
            elif a == "phpass":
                ok = phpass_ok(pw, d)
            elif a == "scrypt_firebase":
                h, salt, key, sep, rounds, mem = d.split("$")
                ok = o.firebase(pw, salt, {"signer_key": key, "salt_separator": sep, "rounds": rounds, "mem_cost": mem}) == h
            elif a in ("md5", "sha256"):
                ok = hashlib.new(a, pw.encode()).hexdigest() == d
            elif a == "ldap_ssha":
                ok = ldap_salted_sha1.verify(pw, d)
            else:
                ok = False
            check(ok, f"{b['external_id']} {a}", b["external_id"])


def supabase():
    global records, nohash
    sql = open(os.path.join(D, "users-0001.sql"), encoding="utf-8").read()
    lit = r"'((?:[^']|'')*)'"
    users = re.findall(r"INSERT INTO auth\.users \(.*?\) VALUES \('[0-9a-f-]+', '([0-9a-f-]+)', 'authenticated', 'authenticated', " + lit + ", " + lit, sql)
    ids = re.findall(r"INSERT INTO auth\.identities \(id, user_id, provider_id, provider, identity_data, created_at, updated_at\) VALUES \('([0-9a-f-]+)', '([0-9a-f-]+)', '[0-9a-f-]+', 'email'", sql)
    if len(ids) != len(users) or not sql.startswith("-- ") or not sql.rstrip().endswith("COMMIT;"):
        schema.append("supabase: every auth.users row needs its email identity, inside one transaction")
    ids_of = {uid: email.replace("''", "'") for uid, email, _ in users}
    factors = re.findall(r"INSERT INTO auth\.mfa_factors \(id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret\) VALUES \('[0-9a-f-]+', '([0-9a-f-]+)', 'imported', 'totp', 'verified', [^;]*, '([A-Z2-7]+)'\);", sql)
    if len(factors) != sql.count("INSERT INTO auth.mfa_factors"):
        schema.append("supabase: an auth.mfa_factors row not a verified totp factor with a base32 secret")
    for uid, secret in factors:
        if uid not in ids_of:
            schema.append(f"supabase: a factor of no user {uid}")
        else:
            totps.append((key_of(ids_of[uid]), secret))
    for uid, email, h in users:
        records += 1
        email, h = email.replace("''", "'"), h.replace("''", "'")
        pw = pw_by_email[email]
        if h == "":
            nohash += 1
            continue
        if h.startswith("$argon2"):
            ok = "$v=19$" in h and o.argon2_cffi(pw, h)
        elif h.startswith("$fbscrypt$"):
            _, _, params, salt, hv = h.split("$")
            p = dict(kv.split("=", 1) for kv in params.split(","))
            ok = o.firebase(pw, salt, {"signer_key": p["sk"], "salt_separator": p["ss"], "rounds": p["r"], "mem_cost": p["n"]}) == hv
        else:
            ok = bcrypt_ok(pw, h)
        check(ok, f"{email} {h[:10]}", email)


globals()[P]()
refused = {}
with open(os.path.join(D, "not-importable.csv"), newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
# A user whose password goes but one of whose second factors does not has an
# mfa_reenroll row besides its record: a phone not E.164 (field_limit), or a
# factor the provider's import does not carry (format); never a user refused.
mfa = [r for r in rows if r["consequence"] == "mfa_reenroll"]
rows = [r for r in rows if r["consequence"] != "mfa_reenroll"]
for r in rows:
    if r["reason"] not in ("format", "ceiling", "field_limit", "no_hash") or r["consequence"] not in ("reset_required", "jit_only"):
        schema.append(f"not-importable: {r}")
    refused[r["reason"]] = refused.get(r["reason"], 0) + 1
gone = {r["user"] for r in rows if r["reason"] != "no_hash"}
for r in mfa:
    if r["reason"] not in ("format", "field_limit") or r["user"] in gone or "dropped" not in r["detail"]:
        schema.append(f"not-importable (mfa): {r}")
    if r["reason"] == "field_limit" and "not E.164" not in r["detail"]:
        schema.append(f"not-importable (mfa): a field limit other than a phone: {r}")
summary = json.load(open(os.path.join(D, "summary.json")))
if len(mfa) != summary.get("mfa_reenroll", 0):
    schema.append(f"{len(mfa)} mfa_reenroll rows, summary.json says {summary.get('mfa_reenroll')}")


def b32(s):
    """A base32 secret's bytes, read leniently (case, spaces, padding), as authenticator apps do."""
    s = re.sub(r"[\s=]", "", s).upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


def judge_totp(legacy, written, mfa):
    """Every exported TOTP secret is the user's (the same bytes, the same RFC 6238 codes under
    pyotp); every written user with a secret has it exported or an mfa_reenroll row naming TOTP."""
    import pyotp
    # pyotp itself against RFC 6238 Appendix B (SHA-1, 8 digits).
    rfc = pyotp.TOTP(base64.b32encode(b"12345678901234567890").decode(), digits=8)
    if [rfc.at(t) for t in (59, 1111111109, 1234567890, 2000000000)] != ["94287082", "07081804", "89005924", "69279037"]:
        return ["pyotp disagrees with RFC 6238 Appendix B"], 0
    errs, codes = [], 0
    sent = {}
    for key, secret in totps:
        if key in sent:
            errs.append(f"{key}: two TOTP factors")
        sent[key] = secret
        mine = (legacy.get(key) or {}).get("totp_secret") or ""
        if not mine or not BASE32.match(secret) or b32(secret) != b32(mine):
            errs.append(f"{key}: exported TOTP secret {secret!r} is not the user's {mine!r}")
            continue
        a, b = pyotp.TOTP(secret), pyotp.TOTP(re.sub(r"[\s=]", "", mine).upper())
        for t in (0, 59, 1_700_000_000, 1_764_790_000 + len(key)):
            codes += 1
            if a.at(t) != b.at(t) or len(a.at(t)) != 6:
                errs.append(f"{key}: code at {t}: {a.at(t)} from the export, {b.at(t)} from the user's secret")
    told = {r["user"] for r in mfa if "TOTP" in r["detail"]}
    for key in written:
        if (legacy[key].get("totp_secret") or "") and key not in sent and key not in told:
            errs.append(f"{key}: has a TOTP secret, neither exported nor listed as mfa_reenroll")
    return errs, codes


def judge_rules(path):
    """Each user's verdict against the provider's documented rules (idp_rules.py)."""
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        head = next(r)
        legacy = {row[0]: dict(zip(head, row)) for row in r}
    by_user = {r["user"]: r for r in rows}
    errs, by_format = [], {}
    for key, pw in pw_by_key.items():
        u = legacy[key]
        fmt, reasons = idp_rules.expected(P, u, pw)
        name = fmt or "(none)"
        row = by_user.get(key)
        c = by_format.setdefault(name, {})
        if row is not None:
            c[row["reason"]] = c.get(row["reason"], 0) + 1
            want = idp_rules.consequence(P, row["reason"])
            if row["reason"] not in reasons or row["consequence"] != want or row["format"] != name:
                errs.append(f"{key} {name}: refused {row['reason']}/{row['consequence']} as {row['format']}; the docs allow {sorted(map(str, reasons))} with {want}")
        elif key in imported:
            c["imported"] = c.get("imported", 0) + 1
            if reasons and None not in reasons:
                errs.append(f"{key} {name}: imported; the docs refuse it ({sorted(reasons)})")
    # summary.json (= assess --json's entry) per format, against this user-for-user tally.
    for e in summary.get("formats", []):
        mine = dict(by_format.get(e["format"], {}))
        theirs = {"imported": e["importable"]}
        for r in e["reasons"]:
            theirs[r["reason"]] = theirs.get(r["reason"], 0) + r["users"]
        if {k: v for k, v in theirs.items() if v} != mine or e["users"] != sum(mine.values()):
            errs.append(f"summary.json {e['format']}: {e['users']} users {theirs}, the files say {mine}")
    if sum(e["users"] for e in summary.get("formats", [])) != len(pw_by_key):
        errs.append("summary.json's formats do not add up to the users")
    written = imported | {r["user"] for r in rows if r["reason"] == "no_hash"}
    terrs, codes = judge_totp(legacy, written, mfa)
    return errs, by_format, terrs, codes


rule_errs, totp_errs, by_format, codes = [], [], None, 0
if len(sys.argv) > 3:
    rule_errs, by_format, totp_errs, codes = judge_rules(sys.argv[3])
covered = verified + len(fails) + len(rows)
out = {"provider": P, "records": records, "verified": verified, "failed": len(fails), "fail_examples": fails[:5],
       "schema_errors": len(schema), "schema_examples": schema[:5], "not_importable": len(rows), "refused": refused,
       "mfa_reenroll": len(mfa), "users": len(pw_by_key), "covered": covered, "importable": summary["importable"]}
if by_format is not None:
    out.update({"rule_errors": len(rule_errs), "rule_examples": rule_errs[:5], "by_format": by_format,
                "totp_exported": len(totps), "totp_codes_checked": codes, "totp_errors": len(totp_errs),
                "totp_examples": totp_errs[:5]})
print(json.dumps(out))
bad = fails or schema or rule_errs or totp_errs or covered != len(pw_by_key) or verified != summary["importable"] or nohash != refused.get("no_hash", 0)
sys.exit(1 if bad else 0)
