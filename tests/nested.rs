//! Children of children (ARCHITECTURE.md § Parents): a child table's parent
//! may itself be a child table, at any depth. Generated files are read back
//! with the tests' own CSV parser; rehearsals go into real SQLite and
//! PostgreSQL and are checked with their own queries.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Two groups with three levels below their roots: users → orders →
/// order_items → shipments, and a lookup root organizations → teams →
/// memberships (whose members are users, so that group loads after users).
/// Emails and usernames live in a lookup table, a child and deeper tables.
const NESTED: &str = r#"name = "nested"
[passwords]
pool_size = 4
mix = [ { format = "bcrypt", share = 1, params = { cost = 4 } } ]

[tables.users.columns]
id            = { kind = "uuid" }
email         = { kind = "email" }
password_hash = { kind = "password_hash" }

[tables.orders]
parent = "users"
per_parent = { dist = "zipf", min = 0, max = 12, mean = 2 }
[tables.orders.columns]
id            = { kind = "sequence" }
user_id       = { kind = "parent" }
contact_email = { kind = "email", null_rate = 0.2 }

[tables.order_items]
parent = "orders"
per_parent = { dist = "uniform", min = 1, max = 4 }
[tables.order_items.columns]
id       = { kind = "ulid" }
order_id = { kind = "parent" }
quantity = { kind = "int", min = 1, max = 9 }
placed   = { kind = "timestamp", from = "2024-01-01", to = "2026-01-01" }

[tables.shipments]
parent = "order_items"
per_parent = { dist = "bernoulli", p = 0.6 }
[tables.shipments.columns]
order_item_id = { kind = "parent", unique = true }
courier       = { kind = "username" }

[tables.organizations]
rows = 37
[tables.organizations.columns]
id            = { kind = "sequence", start = 100 }
billing_email = { kind = "email" }

[tables.teams]
parent = "organizations"
per_parent = { dist = "uniform", min = 0, max = 5 }
[tables.teams.columns]
id     = { kind = "uuid" }
org_id = { kind = "parent" }
handle = { kind = "username" }

[tables.memberships]
parent = "teams"
per_parent = { dist = "fixed", n = 3 }
[tables.memberships.columns]
team_id = { kind = "parent" }
user_id = { kind = "reference", table = "users", distinct = true }
"#;

fn nested_profile(dir: &Path) -> PathBuf {
    let p = dir.join("nested.toml");
    std::fs::write(&p, NESTED).unwrap();
    p
}

fn generate(dir: &Path, profile: &Path, users: &str, extra: &[&str]) {
    understudy("generate")
        .arg("--quiet")
        .profile(profile)
        .users(users)
        .flag("--hash-mode", "shape")
        .flag("--out", dir)
        .args(extra)
        .run()
        .success();
}

fn files(dir: &Path) -> Vec<std::ffi::OsString> {
    let mut f: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    f.sort();
    f
}

fn data_rows(path: &Path) -> Vec<u8> {
    let text = std::fs::read(path).unwrap();
    let at = text.iter().position(|&b| b == b'\n').unwrap() + 1;
    text[at..].to_vec()
}

#[test]
fn nested_output_is_the_same_at_any_thread_count_and_shard_split() {
    let d = tempdir();
    let profile = nested_profile(d.path());
    // Edge cases on: injected values reach emails and usernames at every depth.
    let users = "9001";
    let edge = ["--edge-rate", "0.05"];
    let one = d.path().join("t1");
    generate(
        &one,
        &profile,
        users,
        &[&edge[..], &["--threads", "1"]].concat(),
    );
    assert!(files(&one).len() >= 9, "{:?}", files(&one));
    for t in ["2", "4"] {
        let other = d.path().join(format!("t{t}"));
        generate(
            &other,
            &profile,
            users,
            &[&edge[..], &["--threads", t]].concat(),
        );
        for f in files(&one) {
            assert_eq!(
                sha256(&one.join(&f)),
                sha256(&other.join(&f)),
                "{f:?} differs between 1 and {t} threads"
            );
        }
    }
    // Shard edges fall inside chunks, and each shard's grandchildren are
    // numbered after every earlier shard's.
    for (n, threads) in [(2, "1"), (3, "2"), (5, "4")] {
        let shards: Vec<PathBuf> = (1..=n)
            .map(|k| {
                let s = d.path().join(format!("s{k}of{n}"));
                let shard = format!("{k}/{n}");
                generate(
                    &s,
                    &profile,
                    users,
                    &[&edge[..], &["--shard", &shard, "--threads", threads]].concat(),
                );
                s
            })
            .collect();
        let m = manifest(&one);
        for t in m["tables"].as_array().unwrap() {
            let file = t["file"].as_str().unwrap();
            let mut joined = Vec::new();
            let mut digest = 0u128;
            for s in &shards {
                joined.extend(data_rows(&s.join(file)));
                let st = manifest(s)["tables"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["file"] == file)
                    .unwrap()
                    .clone();
                digest = digest.wrapping_add(
                    u128::from_str_radix(st["digest"].as_str().unwrap(), 16).unwrap(),
                );
            }
            assert!(
                joined == data_rows(&one.join(file)),
                "{file}: {n} shards differ from the whole"
            );
            assert_eq!(
                format!("{digest:032x}"),
                t["digest"].as_str().unwrap(),
                "{file}: shard digests add up ({n} shards)"
            );
        }
    }
}

/// Every table of a generated directory, read with the tests' CSV parser.
struct Tables(HashMap<String, (Vec<String>, Vec<Vec<Field>>)>);

impl Tables {
    fn read(dir: &Path) -> Tables {
        let mut t = HashMap::new();
        for f in files(dir) {
            let f = f.to_str().unwrap().to_string();
            if let Some(name) = f.strip_suffix(".csv") {
                // Keys are ASCII: a single-byte encoding's other bytes may go.
                let bytes = std::fs::read(dir.join(&f)).unwrap();
                let mut rows = parse_csv(&String::from_utf8_lossy(&bytes));
                let header = rows
                    .remove(0)
                    .into_iter()
                    .map(Option::unwrap_or_default)
                    .collect();
                t.insert(name.to_string(), (header, rows));
            }
        }
        Tables(t)
    }

    fn column(&self, table: &str, col: &str) -> Vec<Field> {
        let (h, rows) = &self.0[table];
        let c = h
            .iter()
            .position(|x| x == col)
            .unwrap_or_else(|| panic!("{table}.{col}"));
        rows.iter().map(|r| r[c].clone()).collect()
    }

    fn rows(&self, table: &str) -> usize {
        self.0[table].1.len()
    }
}

/// Children per parent row, over every parent row (those with none count 0).
fn per_parent(t: &Tables, child: &str, fk: &str, parent: &str, pk: &str) -> Vec<u64> {
    let mut n: HashMap<String, u64> = t
        .column(parent, pk)
        .into_iter()
        .map(|k| (k.unwrap(), 0))
        .collect();
    for v in t.column(child, fk) {
        *n.get_mut(&v.unwrap()).expect("an existing parent") += 1;
    }
    n.into_values().collect()
}

fn mean(v: &[u64]) -> f64 {
    v.iter().sum::<u64>() as f64 / v.len() as f64
}

/// Referential integrity and uniqueness, from the files alone: each table's
/// primary key is unique, every foreign key the manifest lists holds a key
/// of an existing row, and every email and username column is unique
/// case-insensitively in its table.
fn check_integrity(dir: &Path, t: &Tables) {
    check_foreign_keys(dir, t);
    for (name, (h, _)) in &t.0 {
        let handle = |c: &str| {
            c.contains("email") || ["courier", "handle", "username", "courier_login"].contains(&c)
        };
        for col in h.iter().filter(|c| handle(c)) {
            let vals: Vec<String> = t.column(name, col).into_iter().flatten().collect();
            let distinct: HashSet<String> = vals.iter().map(|v| v.to_lowercase()).collect();
            assert_eq!(
                distinct.len(),
                vals.len(),
                "{name}.{col} unique case-insensitively"
            );
            assert!(vals.len() > 30, "{name}.{col}: {} values", vals.len());
        }
    }
}

/// Each table's primary key is unique and every foreign key the manifest
/// lists holds the key of a row in the files.
fn check_foreign_keys(dir: &Path, t: &Tables) {
    let m = manifest(dir);
    let mut keys: HashMap<String, HashSet<String>> = HashMap::new();
    for e in m["tables"].as_array().unwrap() {
        let name = e["name"].as_str().unwrap();
        assert_eq!(
            t.rows(name) as u64,
            e["rows"].as_u64().unwrap(),
            "{name} rows"
        );
        let pk: Vec<String> = (e["primary_key"].as_array().unwrap().iter())
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        let cols: Vec<Vec<Field>> = pk.iter().map(|k| t.column(name, k)).collect();
        let set: HashSet<String> = (0..t.rows(name))
            .map(|r| {
                cols.iter()
                    .map(|c| c[r].clone().expect("key not null"))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        assert_eq!(set.len(), t.rows(name), "{name}: primary key unique");
        keys.insert(name.to_string(), set);
    }
    let mut checked = 0;
    for e in m["tables"].as_array().unwrap() {
        let name = e["name"].as_str().unwrap();
        for fk in e["foreign_keys"].as_array().unwrap() {
            let target = &keys[fk["references_table"].as_str().unwrap()];
            for v in t
                .column(name, fk["column"].as_str().unwrap())
                .into_iter()
                .flatten()
            {
                assert!(
                    target.contains(&v),
                    "{name}.{} = {v}: no such {}",
                    fk["column"],
                    fk["references_table"]
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked} foreign keys checked");
}

#[test]
fn every_foreign_key_points_at_a_generated_row_and_counts_follow_their_distributions() {
    let d = tempdir();
    let profile = nested_profile(d.path());
    let out = d.path().join("nested");
    generate(&out, &profile, "20000", &[]);
    let t = Tables::read(&out);
    check_integrity(&out, &t);
    // Zipf on 0..=12 with mean 2; uniform 1..=4 (mean 2.5); bernoulli 0.6;
    // uniform 0..=5 over 37 organizations; fixed 3.
    let orders = per_parent(&t, "orders", "user_id", "users", "id");
    assert_eq!(orders.len(), 20000);
    assert!(
        (mean(&orders) - 2.0).abs() < 0.1,
        "orders per user {}",
        mean(&orders)
    );
    assert!(orders.iter().all(|&n| n <= 12) && orders.contains(&0) && orders.contains(&12));
    let items = per_parent(&t, "order_items", "order_id", "orders", "id");
    assert!(
        (mean(&items) - 2.5).abs() < 0.05,
        "items per order {}",
        mean(&items)
    );
    assert!(items.iter().all(|&n| (1..=4).contains(&n)));
    let ships = per_parent(&t, "shipments", "order_item_id", "order_items", "id");
    assert!(
        (mean(&ships) - 0.6).abs() < 0.02,
        "shipments per item {}",
        mean(&ships)
    );
    assert!(ships.iter().all(|&n| n <= 1));
    let teams = per_parent(&t, "teams", "org_id", "organizations", "id");
    assert!(teams.iter().all(|&n| n <= 5) && (mean(&teams) - 2.5).abs() < 1.0);
    let members = per_parent(&t, "memberships", "team_id", "teams", "id");
    assert!(members.iter().all(|&n| n == 3), "fixed 3 per team");
    // Each team's members are distinct users.
    let pairs: HashSet<(Field, Field)> = t
        .column("memberships", "team_id")
        .into_iter()
        .zip(t.column("memberships", "user_id"))
        .collect();
    assert_eq!(pairs.len(), t.rows("memberships"));
}

#[test]
fn the_shipped_shop_profile_has_three_levels_and_holds_together() {
    let d = tempdir();
    let check = understudy("profiles")
        .args(["check", "shop"])
        .run()
        .success()
        .out();
    assert!(check.contains("per order_items row"), "{check}");
    let out = d.path().join("shop");
    generate(&out, Path::new("shop"), "6000", &[]);
    let t = Tables::read(&out);
    check_integrity(&out, &t);
    let orders = per_parent(&t, "orders", "user_id", "users", "id");
    assert!(
        (mean(&orders) - 3.0).abs() < 0.3,
        "orders per user {}",
        mean(&orders)
    );
    let items = per_parent(&t, "order_items", "order_id", "orders", "id");
    assert!(
        (mean(&items) - 3.0).abs() < 0.1,
        "items per order {}",
        mean(&items)
    );
    let ships = per_parent(&t, "shipments", "order_item_id", "order_items", "id");
    assert!(
        (mean(&ships) - 0.8).abs() < 0.02,
        "shipments per item {}",
        mean(&ships)
    );
}

#[test]
fn a_row_set_aside_takes_its_children_with_it_at_every_depth() {
    // Edge cases Latin-1 cannot hold set users and orders aside; their
    // items and shipments follow them, so no file holds a dangling key.
    let d = tempdir();
    let profile = nested_profile(d.path());
    let out = d.path().join("latin1");
    let flags = [
        "--encoding",
        "latin1",
        "--edge-rate",
        "0.3",
        "--threads",
        "2",
    ];
    generate(&out, &profile, "3000", &flags);
    let t = Tables::read(&out);
    check_foreign_keys(&out, &t);
    let mut cascaded: HashMap<String, u64> = HashMap::new();
    let text = std::fs::read_to_string(out.join("unrepresentable.jsonl")).unwrap();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["reason"] == "its parent row was unrepresentable" {
            *cascaded
                .entry(v["table"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    for table in ["orders", "order_items", "shipments"] {
        assert!(
            cascaded.get(table).is_some_and(|&n| n > 0),
            "{table}: {cascaded:?}"
        );
    }
}

#[test]
fn a_cycle_of_parents_is_refused_with_its_path() {
    let d = tempdir();
    let p = d.path().join("bad.toml");
    std::fs::write(
        &p,
        "name = \"t\"\n[tables.users.columns]\nid = { kind = \"uuid\" }\n\
         [tables.a]\nparent = \"b\"\n[tables.a.columns]\nid = { kind = \"sequence\" }\n\
         [tables.b]\nparent = \"a\"\n[tables.b.columns]\nid = { kind = \"sequence\" }\n",
    )
    .unwrap();
    let err = understudy("profiles")
        .args(["check"])
        .arg(&p)
        .run()
        .code(2)
        .err();
    assert!(err.contains("bad.toml:5:"), "{err}");
    assert!(err.contains("parents form a cycle: a → b → a"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// `rehearse` of the nested profile into `target`, resuming, batches of 50 users.
fn rehearse(profile: &Path, target: &str, users: u64) -> Understudy {
    understudy("rehearse")
        .profile(profile)
        .users(users)
        .target(target)
        .flag("--batch", "50")
        .arg("--resume")
        .arg("-q")
}

/// Committed batches of users in a target, as its progress table says (0
/// before the table exists): read with the target's own client.
type Committed<'a> = &'a dyn Fn() -> u64;

const PROGRESS: &str = "SELECT count(*) FROM _understudy_progress WHERE tbl = 'users'";

/// kill -9 after a random number of committed batches (watched in the
/// target, so the kill lands mid-load however fast the machine is), three
/// times, then one last `--resume` run: its verification must find every
/// row exactly once.
fn kill_and_resume(profile: &Path, target: &str, users: u64, committed: Committed, report: &Path) {
    let batches = users.div_ceil(50);
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
        | 1;
    let mut kills = 0;
    for _ in 0..3 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let done = committed();
        let at = done + 1 + seed % ((batches - done) / 2).max(1);
        let mut child = rehearse(profile, target, users)
            .arg("--no-verify")
            .spawn_quiet();
        while child.try_wait().unwrap().is_none() && committed() < at {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        eprintln!(
            "killed after batch {at} of {batches}: {} committed",
            committed()
        );
    }
    assert!(kills >= 1, "no run was killed: the load finished too fast");
    assert!(committed() < batches, "the kills left batches to resume");
    rehearse(profile, target, users)
        .report(report)
        .run()
        .code(0);
    let r = json(report);
    for k in ["missing", "extra", "mismatched", "rejected"] {
        assert_eq!(r["verify"][k], 0, "{k}: {}", r["verify"]);
    }
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    assert_eq!(r["verify"]["found"], r["rows_expected"]);
    assert_eq!(committed(), batches);
}

/// Rows per table as the report's verification found them.
fn found(r: &Value) -> HashMap<String, u64> {
    (r["verify"]["tables"].as_array().unwrap().iter())
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["found"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn nested_rehearsal_into_sqlite_verifies_and_survives_kill_9() {
    let d = tempdir();
    let profile = nested_profile(d.path());
    let users = 4000;
    // An uninterrupted load: every table verified, rows as generated.
    let whole = d.path().join("whole.db");
    let rep = d.path().join("whole.json");
    rehearse(&profile, &format!("sqlite:{}", whole.display()), users)
        .report(&rep)
        .run()
        .code(0);
    let r = json(&rep);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    let out = d.path().join("gen");
    generate(&out, &profile, &users.to_string(), &[]);
    let m = manifest(&out);
    let found = found(&r);
    for t in m["tables"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        assert_eq!(found[name], t["rows"].as_u64().unwrap(), "{name}");
        assert_eq!(
            sqlite_count(&whole, name),
            t["rows"].as_u64().unwrap(),
            "{name}"
        );
    }
    // The target enforces every foreign key.
    let c = rusqlite::Connection::open(&whole).unwrap();
    let violations: i64 = c
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(violations, 0);
    let db = d.path().join("killed.db");
    let committed = || {
        let Ok(c) =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        else {
            return 0;
        };
        c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
        c.query_row(PROGRESS, [], |r| r.get::<_, i64>(0))
            .map_or(0, |n| n as u64)
    };
    kill_and_resume(
        &profile,
        &format!("sqlite:{}", db.display()),
        users,
        &committed,
        &d.path().join("k.json"),
    );
}

#[test]
fn a_refused_order_takes_its_items_and_their_shipments_with_it() {
    let d = tempdir();
    let profile = nested_profile(d.path());
    const WIDE: usize = 26;
    let schema = d.path().join("schema.sql");
    std::fs::write(
        &schema,
        format!(
            "CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT);
             CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id),
               contact_email TEXT UNIQUE CHECK (length(contact_email) <= {WIDE}));
             CREATE TABLE order_items (id TEXT PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id),
               quantity INTEGER, placed TEXT);
             CREATE TABLE shipments (order_item_id TEXT PRIMARY KEY REFERENCES order_items (id), courier TEXT UNIQUE);
             CREATE TABLE organizations (id INTEGER PRIMARY KEY, billing_email TEXT UNIQUE);
             CREATE TABLE teams (id TEXT PRIMARY KEY, org_id INTEGER NOT NULL REFERENCES organizations (id), handle TEXT UNIQUE);
             CREATE TABLE memberships (team_id TEXT NOT NULL REFERENCES teams (id),
               user_id TEXT NOT NULL REFERENCES users (id), PRIMARY KEY (team_id, user_id));"
        ),
    )
    .unwrap();
    let db = d.path().join("t.db");
    let rep = d.path().join("r.json");
    understudy("rehearse")
        .profile(&profile)
        .users(1500)
        .sqlite(&db)
        .flag("--schema", &schema)
        .flag("--batch", "200")
        .report(&rep)
        .run()
        .code(0);
    // Independently: the orders with a long contact address, their items,
    // and those items' shipments.
    let out = d.path().join("gen");
    generate(&out, &profile, "1500", &[]);
    let t = Tables::read(&out);
    let long: HashSet<String> = (t.column("orders", "id").into_iter())
        .zip(t.column("orders", "contact_email"))
        .filter(|(_, e)| e.as_ref().is_some_and(|e| e.chars().count() > WIDE))
        .map(|(id, _)| id.unwrap())
        .collect();
    let items: HashSet<String> = (t.column("order_items", "id").into_iter())
        .zip(t.column("order_items", "order_id"))
        .filter(|(_, o)| long.contains(o.as_ref().unwrap()))
        .map(|(id, _)| id.unwrap())
        .collect();
    let ships: HashSet<String> = (t.column("shipments", "order_item_id").into_iter())
        .flatten()
        .filter(|i| items.contains(i))
        .collect();
    assert!(!long.is_empty() && !items.is_empty() && !ships.is_empty());
    let mut refused: HashMap<String, HashSet<String>> = HashMap::new();
    let text = std::fs::read_to_string(d.path().join("rejects.jsonl")).unwrap();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let table = v["table"].as_str().unwrap();
        let labels: Vec<&str> = (v["labels"].as_array().unwrap().iter())
            .map(|l| l.as_str().unwrap())
            .collect();
        if table != "orders" {
            assert!(
                !labels.is_empty() && labels.iter().all(|l| l.starts_with("parent:")),
                "{line}"
            );
        }
        refused
            .entry(table.to_string())
            .or_default()
            .insert(v["key"].as_str().unwrap().to_string());
    }
    assert_eq!(refused.remove("orders").unwrap_or_default(), long);
    assert_eq!(refused.remove("order_items").unwrap_or_default(), items);
    assert_eq!(refused.remove("shipments").unwrap_or_default(), ships);
    assert!(refused.is_empty(), "refused elsewhere: {refused:?}");
    let r = json(&rep);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    assert_eq!(
        r["verify"]["rejected"].as_u64(),
        Some((long.len() + items.len() + ships.len()) as u64)
    );
}

#[test]
fn nested_rehearsal_into_postgres_verifies_and_survives_kill_9() {
    let Some(pg) = Postgres::shared() else { return };
    let d = tempdir();
    let profile = nested_profile(d.path());
    let users = 3000;
    let dsn = pg.create_db("nested_whole");
    let rep = d.path().join("whole.json");
    rehearse(&profile, &dsn, users)
        .flag("--workers", "3")
        .report(&rep)
        .run()
        .code(0);
    let r = json(&rep);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    assert_eq!(r["verify"]["found"], r["rows_expected"]);
    assert_eq!(r["verify"]["passwords"]["failed"], 0);
    // PostgreSQL's own view: every grandchild has its parent.
    let mut c = pg.client("nested_whole");
    let orphans: i64 = c
        .query_one(
            "SELECT (SELECT count(*) FROM shipments s LEFT JOIN order_items i ON i.id = s.order_item_id WHERE i.id IS NULL)
                  + (SELECT count(*) FROM order_items i LEFT JOIN orders o ON o.id = i.order_id WHERE o.id IS NULL)
                  + (SELECT count(*) FROM memberships m LEFT JOIN teams t ON t.id = m.team_id WHERE t.id IS NULL)",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(orphans, 0);
    let fks: i64 = c
        .query_one(
            "SELECT count(*) FROM information_schema.table_constraints WHERE constraint_type = 'FOREIGN KEY'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(fks >= 6, "{fks} foreign keys declared");
    let dsn = pg.create_db("nested_killed");
    let watch = std::cell::RefCell::new(pg.client("nested_killed"));
    let committed =
        || (watch.borrow_mut().query_one(PROGRESS, &[])).map_or(0, |r| r.get::<_, i64>(0) as u64);
    kill_and_resume(&profile, &dsn, users, &committed, &d.path().join("k.json"));
}
