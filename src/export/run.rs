//! The `export` command's phases: regenerate users chunk by chunk on worker
//! threads (each user's record, or its not-importable row, is a pure function
//! of its index), then write the chunks in user order through one `Splitter`
//! per group: flat memory, the same bytes at any thread count
//! (ARCHITECTURE.md § Streaming, § Determinism).

use super::assess::Tally;
use super::files::Splitter;
use super::{Exporter, GroupFiles, Provider, rules};
use crate::dataset::Plan;
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct Options {
    pub provider: Provider,
    pub out: PathBuf,
    pub emit_passwords: bool,
    pub threads: usize,
    pub force: bool,
}

/// Users per chunk of work.
const CHUNK: u64 = 2048;

/// What one chunk of users became.
#[derive(Default)]
struct Chunk {
    /// (group, the group's note, record).
    records: Vec<(String, String, Vec<u8>)>,
    refused: Vec<u8>,
    /// Second-factor requests (Okta), one per line.
    factors: Vec<Vec<u8>>,
    passwords: Vec<u8>,
    tally: Tally,
}

fn push_csv(out: &mut Vec<u8>, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        crate::sink::csv::push_field(out, f);
    }
    out.push(b'\n');
}

pub const REFUSED_HEADER: &str = "provider,user,email,format,reason,consequence,detail,labels\n";

fn chunk(
    plan: &Plan,
    fields: &super::Fields,
    ex: &dyn Exporter,
    range: std::ops::Range<u64>,
    pw: bool,
) -> Chunk {
    let p = ex.provider();
    let mut users = super::Users::new(plan, fields);
    let mut c = Chunk::default();
    let linked = users.linked(range.clone());
    for (index, social) in range.zip(linked) {
        let mut m = users.make(index, social);
        let (v, mfa) = rules::decide(p, &mut m.user);
        let u = &m.user;
        c.tally.add(rules::format_of(u), &v, mfa.as_ref());
        let key = u.key.unwrap_or_default();
        if pw {
            push_csv(
                &mut c.passwords,
                &[key, m.password, u.email.unwrap_or_default()],
            );
        }
        let refused_row = |out: &mut Vec<u8>, r: &rules::Refusal| {
            push_csv(
                out,
                &[
                    p.name(),
                    key,
                    u.email.unwrap_or_default(),
                    rules::format_of(u),
                    r.reason.name(),
                    r.consequence.name(),
                    &r.detail,
                    &m.labels.join(";"),
                ],
            )
        };
        if let Some(r) = &mfa {
            refused_row(&mut c.refused, r);
        }
        let written = match &v {
            Ok(_) => true,
            Err(r) => r.reason == rules::Reason::NoHash,
        };
        if written {
            c.factors.extend(ex.factors(u));
        }
        match &v {
            Ok(a) => c.records.push((
                a.group.clone(),
                ex.group_note(Some(a)),
                ex.record(u, Some(a)),
            )),
            Err(r) => {
                refused_row(&mut c.refused, r);
                // Users without a hash go in without a password (a reset).
                if r.reason == rules::Reason::NoHash {
                    let group = if matches!(p, Provider::Firebase | Provider::Cognito) {
                        "nohash"
                    } else {
                        ""
                    };
                    c.records
                        .push((group.to_string(), String::new(), ex.record(u, None)));
                }
            }
        }
    }
    c
}

fn create_private(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io("create", path, e))
}

/// What `export` wrote.
pub struct Written {
    pub dir: PathBuf,
    pub groups: Vec<GroupFiles>,
    pub tally: Tally,
}

fn prepare(dir: &Path, force: bool) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty && !force {
            return Err(Error::usage(format!(
                "{} exists and is not empty: choose another --out or add --force to replace it",
                dir.display()
            )));
        }
        if !empty {
            std::fs::remove_dir_all(dir).map_err(|e| Error::io("remove", dir, e))?;
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))
}

/// Writes provider `opts.provider`'s import files for every user of `plan`.
pub fn run(plan: &Plan, opts: &Options) -> Result<Written> {
    let ex = opts.provider.exporter();
    let fields = super::Fields::of(plan)?;
    let dir = opts.out.join(opts.provider.name());
    prepare(&dir, opts.force)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::usage(format!("cannot start threads: {e}")))?;
    let mut groups: BTreeMap<String, Splitter> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let refused_path = dir.join("not-importable.csv");
    let mut refused = std::io::BufWriter::new(
        std::fs::File::create(&refused_path).map_err(|e| Error::io("create", &refused_path, e))?,
    );
    refused
        .write_all(REFUSED_HEADER.as_bytes())
        .map_err(|e| Error::io("write", &refused_path, e))?;
    let pw_path = opts
        .out
        .join(format!("passwords-{}.csv", opts.provider.name()));
    let mut passwords = match opts.emit_passwords {
        true => {
            let mut w = std::io::BufWriter::new(create_private(&pw_path)?);
            let pk = &plan.metas[plan.generator.users_table].primary_key[0];
            writeln!(w, "{pk},password,email").map_err(|e| Error::io("write", &pw_path, e))?;
            Some(w)
        }
        false => None,
    };
    let mut tally = Tally::default();
    let mut factors: Option<Splitter> = None;
    let chunks: Vec<std::ops::Range<u64>> = (0..plan.users.div_ceil(CHUNK))
        .map(|k| k * CHUNK..((k + 1) * CHUNK).min(plan.users))
        .collect();
    for window in chunks.chunks(opts.threads.max(1) * 2) {
        let outs: Vec<Chunk> = pool.install(|| {
            window
                .par_iter()
                .map(|r| chunk(plan, &fields, ex, r.clone(), opts.emit_passwords))
                .collect()
        });
        for c in outs {
            for (group, note, rec) in c.records {
                if !groups.contains_key(&group) {
                    let head = ex.head(&group);
                    groups.insert(
                        group.clone(),
                        Splitter::new(&dir, &group, note, ex.layout(), head),
                    );
                    order.push(group.clone());
                }
                groups.get_mut(&group).expect("inserted").push(&rec)?;
            }
            for f in &c.factors {
                factors
                    .get_or_insert_with(|| {
                        Splitter::new(
                            &dir,
                            "",
                            String::new(),
                            super::Layout::FACTORS,
                            String::new(),
                        )
                    })
                    .push(f)?;
            }
            refused
                .write_all(&c.refused)
                .map_err(|e| Error::io("write", &refused_path, e))?;
            if let Some(w) = passwords.as_mut() {
                w.write_all(&c.passwords)
                    .map_err(|e| Error::io("write", &pw_path, e))?;
            }
            tally.merge(&c.tally);
        }
    }
    refused
        .flush()
        .map_err(|e| Error::io("write", &refused_path, e))?;
    if let Some(mut w) = passwords {
        w.flush().map_err(|e| Error::io("write", &pw_path, e))?;
    }
    order.sort();
    let mut written = Vec::new();
    for g in &order {
        let s = groups.get_mut(g).expect("listed");
        s.close()?;
        written.push(GroupFiles {
            name: g.clone(),
            note: s.note.clone(),
            files: s.files.clone(),
            users: s.users,
        });
    }
    if let Some(mut f) = factors {
        f.close()?;
        written.push(GroupFiles {
            name: "factors".into(),
            note: String::new(),
            files: f.files.clone(),
            users: f.users,
        });
    }
    let script = dir.join("import.sh");
    std::fs::write(&script, ex.commands(&written)).map_err(|e| Error::io("write", &script, e))?;
    let summary = dir.join("summary.json");
    let json = serde_json::to_string_pretty(&super::assess::provider_json(opts.provider, &tally))
        .unwrap_or_default();
    std::fs::write(&summary, json + "\n").map_err(|e| Error::io("write", &summary, e))?;
    Ok(Written {
        dir,
        groups: written,
        tally,
    })
}
