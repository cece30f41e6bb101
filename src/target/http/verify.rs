//! Verification of an identity API against the regenerated ground truth:
//! every user is listed through the API itself and compared with what was
//! sent (less `jit_only` and refused users): missing, extra, duplicated (one
//! login twice) and mismatched users. Then a sample of users signs in with
//! their known passwords, proving the imported hashes work.

use super::{HttpLoad, HttpTarget, UserFields, Users};
use crate::api::Api;
use crate::error::{Error, Result};
use crate::hash::HashMode;
use crate::http::{Answer, Client};
use crate::report::{Example, PasswordCheck, TableVerify, Verify};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use xxhash_rust::xxh3::xxh3_64;

const PASSWORD_SAMPLES: u64 = 50;
const EXAMPLES: usize = 20;

/// A user as listed: login, first and last name.
type Listed = (String, Option<String>, Option<String>);

fn key(login: &str) -> u64 {
    xxh3_64(login.to_lowercase().as_bytes())
}

fn content(email: &str, first: Option<&str>, last: Option<&str>) -> u64 {
    let mut s = String::with_capacity(64);
    for f in [Some(email), first, last] {
        match f {
            Some(v) => {
                s.push('\u{1}');
                s.push_str(v);
            }
            None => s.push('\u{0}'),
        }
    }
    xxh3_64(s.as_bytes())
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// Lists every user through the API, page by page.
async fn list(client: &Client, api: Api, mut each: impl FnMut(Listed)) -> Result<u64> {
    let mut after: Option<String> = None;
    let mut page = 0u64;
    let mut n = 0u64;
    loop {
        let path = match (api, &after) {
            (Api::Okta, None) => "/api/v1/users?limit=200".to_string(),
            (Api::Okta, Some(a)) => format!("/api/v1/users?limit=200&after={a}"),
            (Api::Generic, None) => "/users?limit=1000".to_string(),
            (Api::Generic, Some(a)) => format!("/users?limit=1000&after={a}"),
            (Api::Auth0, _) => format!("/api/v2/users?page={page}&per_page=100"),
        };
        let url = client.url(&path);
        let body = match client.send(page, || client.http.get(&url)).await {
            Answer::Http { status, body, .. } if status < 300 => {
                serde_json::from_slice::<Value>(&body).unwrap_or_default()
            }
            Answer::Http { status, body, .. } => {
                return Err(Error::target(format!(
                    "listing users failed: {}",
                    super::message(status, &body)
                )));
            }
            Answer::GaveUp { message, .. } => {
                return Err(Error::target(format!("listing users failed: {message}")));
            }
        };
        let users = match api {
            Api::Okta => body.as_array().cloned().unwrap_or_default(),
            _ => body["users"].as_array().cloned().unwrap_or_default(),
        };
        for u in &users {
            n += 1;
            each(match api {
                Api::Okta => (
                    text(&u["profile"]["login"]).unwrap_or_default(),
                    text(&u["profile"]["firstName"]),
                    text(&u["profile"]["lastName"]),
                ),
                Api::Generic => (
                    text(&u["email"]).unwrap_or_default(),
                    text(&u["first_name"]),
                    text(&u["last_name"]),
                ),
                Api::Auth0 => (
                    text(&u["email"]).unwrap_or_default(),
                    text(&u["given_name"]),
                    text(&u["family_name"]),
                ),
            });
        }
        page += 1;
        after = match api {
            // The emulators' cursors: Okta's id of the last user (its Link
            // header carries the same), the generic API's `next`.
            Api::Okta if users.len() == 200 => users.last().and_then(|u| text(&u["id"])),
            Api::Generic => text(&body["next"]),
            Api::Auth0 if !users.is_empty() => Some(String::new()),
            _ => None,
        };
        if after.is_none() {
            return Ok(n);
        }
    }
}

/// (login key, content, index) of the regenerated users in `range`, less
/// the rejected and those that could not be sent.
fn expected_users(
    users: &mut Users<'_>,
    range: std::ops::Range<u64>,
    rejected: &HashSet<u64>,
) -> Vec<(u64, u64, u64)> {
    let mut expected = Vec::new();
    for index in range.filter(|i| !rejected.contains(i)) {
        let m = users.make(index);
        if m.body.is_ok() {
            expected.push((
                key(&m.email),
                content(&m.email, m.first.as_deref(), m.last.as_deref()),
                index,
            ));
        }
    }
    expected
}

/// Lists the target's users and compares them with the ground truth: every
/// user, or a shard's `slice` (found by login among the other shards'
/// users: missing, mismatched and duplicated, never extra).
pub fn verify(
    client: &Client,
    target: &HttpTarget,
    plan: &crate::dataset::Plan,
    load: &HttpLoad,
    slice: Option<std::ops::Range<u64>>,
) -> Result<Verify> {
    let started = std::time::Instant::now();
    let rt = super::runtime()?;
    let fields = UserFields::of(plan)?;
    let rejected: HashSet<u64> = load.rejects.iter().map(|r| r.index).collect();
    let mut users = Users::new(plan, &fields, target.api);
    let range = slice.clone().unwrap_or(0..plan.users);
    let mut expected = expected_users(&mut users, range, &rejected);
    let mut found: Vec<(u64, u64)> = Vec::new();
    let listed = rt.block_on(list(client, target.api, |(login, first, last)| {
        found.push((
            key(&login),
            content(&login, first.as_deref(), last.as_deref()),
        ));
    }))?;
    expected.sort_unstable();
    // A slice: the other shards' users are not its business.
    if slice.is_some() {
        found.retain(|f| expected.binary_search_by_key(&f.0, |e| e.0).is_ok());
    }
    found.sort_unstable();
    let listed = slice.map_or(listed, |_| found.len() as u64);
    let (mut missing, mut extra, mut mismatched, mut duplicated) = (0u64, 0u64, 0u64, 0u64);
    // Keys worth an example, with their kind and (expected side) index.
    let mut wanted: Vec<(u64, &'static str, Option<u64>)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < expected.len() || j < found.len() {
        let e = expected.get(i);
        let f = found.get(j);
        match (e, f) {
            (Some(e), Some(f)) if e.0 == f.0 => {
                if e.1 != f.1 {
                    mismatched += 1;
                    wanted.push((e.0, "mismatched", Some(e.2)));
                }
                i += 1;
                j += 1;
                // The same login listed again.
                while j < found.len()
                    && found[j].0 == e.0
                    && expected.get(i).is_none_or(|n| n.0 != e.0)
                {
                    duplicated += 1;
                    wanted.push((e.0, "duplicated", Some(e.2)));
                    j += 1;
                }
            }
            (Some(e), f) if f.is_none_or(|f| e.0 < f.0) => {
                missing += 1;
                wanted.push((e.0, "missing", Some(e.2)));
                i += 1;
            }
            (_, Some(f)) => {
                extra += 1;
                wanted.push((f.0, "extra", None));
                j += 1;
            }
            _ => unreachable!("one side has a user"),
        }
    }
    wanted.truncate(EXAMPLES);
    let examples = if wanted.is_empty() {
        Vec::new()
    } else {
        examples(&rt, client, target.api, &mut users, &wanted)?
    };
    let passwords = rt.block_on(passwords(client, target.api, plan, &mut users, &expected));
    let ok =
        missing == 0 && extra == 0 && mismatched == 0 && duplicated == 0 && passwords.failed == 0;
    let name = plan.metas[plan.generator.users_table].name.clone();
    let n_expected = expected.len() as u64;
    Ok(Verify {
        ok,
        expected: n_expected,
        found: listed,
        missing,
        extra,
        mismatched,
        mismatched_by_label: BTreeMap::new(),
        duplicated,
        rejected: load.rejects.len() as u64,
        tables: vec![TableVerify {
            name,
            expected: n_expected,
            found: listed,
            missing,
            extra,
            mismatched,
            mismatched_by_label: BTreeMap::new(),
            rejected: load.rejects.len() as u64,
            digest_expected: String::new(),
            digest_found: String::new(),
            ok,
        }],
        examples,
        passwords: Some(passwords),
        missing_columns: Vec::new(),
        renamed_columns: Vec::new(),
        digest: String::new(),
        duration_s: started.elapsed().as_secs_f64(),
    })
}

/// A second listing, for the values of the users worth showing.
fn examples(
    rt: &tokio::runtime::Runtime,
    client: &Client,
    api: Api,
    users: &mut Users<'_>,
    wanted: &[(u64, &'static str, Option<u64>)],
) -> Result<Vec<Example>> {
    let keys: HashSet<u64> = wanted.iter().map(|w| w.0).collect();
    let mut seen: HashMap<u64, Listed> = HashMap::new();
    rt.block_on(list(client, api, |l| {
        let k = key(&l.0);
        if keys.contains(&k) {
            seen.entry(k).or_insert(l);
        }
    }))?;
    Ok(wanted
        .iter()
        .map(|&(k, kind, index)| {
            let want = index.map(|i| {
                let m = users.make(i);
                (m.email, m.first, m.last)
            });
            let have = seen.get(&k).cloned();
            let mut fields = BTreeMap::new();
            if kind == "mismatched" {
                let (w, h) = (
                    want.clone().unwrap_or_default(),
                    have.clone().unwrap_or_default(),
                );
                for (name, a, b) in [
                    ("email", Some(w.0), Some(h.0)),
                    ("first_name", w.1, h.1),
                    ("last_name", w.2, h.2),
                ] {
                    if a != b {
                        fields.insert(name.to_string(), (a, b));
                    }
                }
            }
            Example {
                table: "users".into(),
                kind: kind.into(),
                key: want.map(|w| w.0).or(have.map(|h| h.0)).unwrap_or_default(),
                fields,
                labels: Vec::new(),
            }
        })
        .collect())
}

/// Signs in a spread sample of the expected users with their passwords.
async fn passwords(
    client: &Client,
    api: Api,
    plan: &crate::dataset::Plan,
    users: &mut Users<'_>,
    expected: &[(u64, u64, u64)],
) -> PasswordCheck {
    let skip = |why: &str| PasswordCheck {
        skipped_reason: Some(why.into()),
        ..PasswordCheck::default()
    };
    if !plan
        .generator
        .has_password_column(plan.generator.users_table)
    {
        return skip("the profile has no password_hash column");
    }
    if plan.hashes.iter().any(|h| h.mode == HashMode::Shape) {
        return skip("hashes are in shape mode (they do not verify)");
    }
    let mut indexes: Vec<u64> = expected.iter().map(|e| e.2).collect();
    indexes.sort_unstable();
    let n = indexes.len() as u64;
    let mut pc = PasswordCheck::default();
    let path = match api {
        Api::Okta => "/api/v1/authn",
        _ => "/login",
    };
    let url = client.url(path);
    for k in 0..PASSWORD_SAMPLES.min(n) {
        let index = indexes[(k * n / PASSWORD_SAMPLES.min(n)) as usize];
        let m = users.make(index);
        if !m.has_hash {
            continue;
        }
        let body =
            json!({"username": m.email, "login": m.email, "password": users.scratch.password});
        pc.checked += 1;
        match client
            .send(index, || client.http.post(&url).json(&body))
            .await
        {
            Answer::Http { status, .. } if status < 300 => pc.verified += 1,
            _ => pc.failed += 1,
        }
    }
    pc
}
