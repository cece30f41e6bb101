//! `--exec CMD`: the user's own migration. understudy has seeded the source;
//! CMD runs with `UNDERSTUDY_SOURCE` and `UNDERSTUDY_TARGET` (the DSNs) and
//! their pieces (`export`), while a sampler counts the target's rows every
//! second for the throughput series. Its output is relayed with every
//! password of either side masked.

use super::{Plan, RehearseOptions, TargetTables};
use crate::error::{Error, Result};
use crate::report::metrics::Metrics;
use crate::target::{Conn, Target};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub struct ExecResult {
    pub exit_code: Option<i32>,
    pub duration_s: f64,
    pub rows_in_target: u64,
    pub tables: TargetTables,
}

/// Every spelling of the passwords of `source` and `target`: the command
/// and its output may repeat any of them (ARCHITECTURE.md § Secrets).
pub fn secrets(source: &Target, target: &Target) -> Vec<String> {
    let mut out = Vec::new();
    for t in [source, target] {
        out.extend(crate::redact::secrets(&t.dsn()));
        // A password from PGPASSWORD or MYSQL_PWD is not in the DSN.
        if let Some(pw) = t.parts().and_then(|p| p.password) {
            out.push(pw);
        }
    }
    out
}

/// `UNDERSTUDY_<SIDE>` (the DSN) and its pieces for tools that take them
/// separately (pgloader, mysqldump, psql…): `_USER`, `_PASSWORD` (decoded),
/// `_HOST`, `_PORT`, `_DATABASE` for a network DSN, `_PATH` for SQLite. A
/// piece the DSN lacks is removed from the environment, not inherited.
fn export(command: &mut Command, side: &str, t: &Target) {
    command.env(format!("UNDERSTUDY_{side}"), t.dsn());
    let p = t.parts().unwrap_or_default();
    let pieces = [
        ("USER", p.user),
        ("PASSWORD", p.password),
        ("HOST", p.host),
        ("PORT", p.port.map(|n| n.to_string())),
        ("DATABASE", p.database),
    ];
    for (name, value) in pieces {
        let key = format!("UNDERSTUDY_{side}_{name}");
        match value {
            Some(v) => command.env(key, v),
            None => command.env_remove(key),
        };
    }
    let key = format!("UNDERSTUDY_{side}_PATH");
    match t.file() {
        Some(path) => command.env(key, path),
        None => command.env_remove(key),
    };
}

/// Copies `from` to `to` line by line, masking `secrets` in each line.
fn relay(from: impl std::io::Read, mut to: impl std::io::Write, secrets: &[String]) {
    use std::io::BufRead;
    let mut r = std::io::BufReader::new(from);
    let mut line = Vec::new();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let masked = crate::redact::mask(&String::from_utf8_lossy(&line), secrets);
        if to
            .write_all(masked.as_bytes())
            .and_then(|()| to.flush())
            .is_err()
        {
            // Our own output is gone: keep draining so the command never blocks.
            continue;
        }
    }
}

/// Rows currently in the target's profile tables (tables not yet created count 0).
/// Only tables that exist are queried: inside the preparation transaction a
/// failed query would abort PostgreSQL's transaction, and its COMMIT would
/// silently roll the schema back.
fn count(conn: &mut dyn Conn, plan: &Plan) -> u64 {
    let mut n = 0;
    for m in &plan.metas {
        if conn.columns(&m.name).ok().flatten().is_none() {
            continue;
        }
        n += conn
            .query(&format!(
                "SELECT count(*) FROM {}",
                crate::target::ident(&m.name)
            ))
            .ok()
            .and_then(|r| r.first().and_then(|r| r[0].clone()))
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
    }
    n
}

/// The target prepared (its tables, checked empty) in an open transaction,
/// committed once the source is seeded: a refusal on either side leaves
/// the target as it was.
pub struct Prepared {
    // Fields drop in order: the connection (rolling back) before the file goes.
    conn: Box<dyn Conn>,
    created: super::resume::NewFile,
    redacted: String,
}

impl Prepared {
    pub fn commit(mut self) -> Result<()> {
        let redacted = &self.redacted;
        self.conn
            .batch("COMMIT")
            .map_err(|e| Error::target(format!("cannot commit on {redacted}: {e}")))?;
        self.created.keep();
        Ok(())
    }
}

/// Creates the profile's tables in `target` (or applies `--schema`) and
/// checks that they hold no rows, without committing.
pub fn prepare(plan: &Plan, target: &Target, opts: &RehearseOptions) -> Result<Prepared> {
    let redacted = target.redacted();
    let schema = opts
        .schema
        .as_deref()
        .map(crate::target::schema::SchemaFile::read)
        .transpose()?;
    let created = super::resume::NewFile::watch(target);
    let waiting = crate::retry::Waiting::new(redacted.clone(), opts.retry_for, opts.quiet);
    let mut conn = crate::target::reach::connect(target, opts.retry_for, &waiting)?;
    conn.batch("BEGIN")
        .map_err(|e| Error::target(format!("cannot begin on {redacted}: {e}")))?;
    let prepared = (|| {
        if let Some(file) = &schema {
            for s in file.apply(conn.as_mut())? {
                if !opts.quiet {
                    eprintln!(
                        "understudy: --schema {}, line {}: left out `{}`: this server does not know the parameter",
                        file.path.display(),
                        s.line,
                        s.sql
                    );
                }
            }
        } else if !opts.no_create {
            let mut ddl = String::new();
            for t in plan.tables_in_order() {
                ddl.push_str(&crate::sink::sql::create_table(
                    conn.dialect(),
                    &plan.metas[t],
                ));
            }
            conn.batch(&ddl).map_err(|e| {
                Error::target(format!(
                    "cannot create the profile's tables on {redacted}: {e}"
                ))
            })?;
        }
        let n = count(conn.as_mut(), plan);
        if n > 0 {
            return Err(Error::usage(format!(
                "{redacted} already holds {n} rows in the profile's tables; --exec needs an empty target"
            )));
        }
        Ok(())
    })();
    match prepared {
        Ok(()) => Ok(Prepared {
            conn,
            created,
            redacted,
        }),
        Err(e) => {
            let _ = conn.batch("ROLLBACK");
            Err(e)
        }
    }
}

pub fn run(
    plan: &Plan,
    source: &Target,
    target: &Target,
    cmd: &str,
    opts: &RehearseOptions,
    metrics: &Metrics,
) -> Result<ExecResult> {
    let redacted = target.redacted();
    let secrets = secrets(source, target);
    let shown = crate::redact::mask(cmd, &secrets);
    let waiting = crate::retry::Waiting::new(redacted.clone(), opts.retry_for, opts.quiet);
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        // Relayed line by line with the passwords masked: a command that
        // echoes its environment or its DSNs must not print them.
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    export(&mut command, "SOURCE", source);
    export(&mut command, "TARGET", target);
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| Error::usage(format!("cannot run `{shown}`: {e}")))?;
    let done = AtomicBool::new(false);
    let child_out = child.stdout.take();
    let child_err = child.stderr.take();
    let status = std::thread::scope(|s| {
        if let Some(o) = child_out {
            let secrets = &secrets;
            s.spawn(move || relay(o, std::io::stdout(), secrets));
        }
        if let Some(e) = child_err {
            let secrets = &secrets;
            s.spawn(move || relay(e, std::io::stderr(), secrets));
        }
        s.spawn(|| {
            let mut conn: Option<Box<dyn Conn>> = None;
            let mut last = 0u64;
            let mut sec = 0usize;
            while !done.load(Ordering::Relaxed) {
                let next = Duration::from_secs(sec as u64 + 1);
                while started.elapsed() < next && !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                if conn.is_none() {
                    conn = target.connect().ok();
                }
                if let Some(c) = conn.as_mut() {
                    let n = count(c.as_mut(), plan);
                    metrics.sample(sec, n.saturating_sub(last));
                    last = last.max(n);
                }
                sec += 1;
            }
        });
        let st = child.wait();
        done.store(true, Ordering::Relaxed);
        st
    });
    let duration_s = started.elapsed().as_secs_f64();
    let status = status.map_err(|e| Error::usage(format!("cannot wait for `{shown}`: {e}")))?;
    let mut conn = crate::target::reach::connect(target, opts.retry_for, &waiting)?;
    let rows_in_target = count(conn.as_mut(), plan);
    let tables = super::read_target_tables(conn.as_mut(), plan, &opts.maps, &redacted)
        .map_err(|e| after_command(e, &shown, status))?;
    Ok(ExecResult {
        exit_code: status.code(),
        duration_s,
        rows_in_target,
        tables,
    })
}

/// A target that cannot be read after the command: the command's failure
/// first when it failed (exit 1, as a failed migration), else where the
/// tables may have gone.
fn after_command(e: Error, shown: &str, status: std::process::ExitStatus) -> Error {
    if !status.success() {
        return Error::failed(format!("`{shown}` failed ({status}), and then: {e}"));
    }
    Error {
        message: format!(
            "after `{shown}`: {e}; did the command create them in another schema? (pgloader names it after the MySQL database unless told `ALTER SCHEMA '…' RENAME TO 'public'`)"
        ),
        ..e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::DsnParts;

    #[test]
    fn network_dsns_come_apart_decoded() {
        let my = Target::parse("mysql://app:Se%2Fcr3t%3Ap%40ss@db.example:3307/shop").unwrap();
        assert_eq!(
            my.parts(),
            Some(DsnParts {
                user: Some("app".into()),
                password: Some("Se/cr3t:p@ss".into()),
                host: Some("db.example".into()),
                port: Some(3307),
                database: Some("shop".into()),
            })
        );
        let pg = Target::parse("postgres://app:pw%40x@127.0.0.1/shop").unwrap();
        let p = pg.parts().unwrap();
        assert_eq!(p.password.as_deref(), Some("pw@x"));
        assert_eq!(p.port, Some(5432));
        assert_eq!(p.database.as_deref(), Some("shop"));
        // libpq's default database is the user's.
        let pg = Target::parse("postgres://app:pw@127.0.0.1:6543").unwrap();
        let p = pg.parts().unwrap();
        assert_eq!((p.port, p.database.as_deref()), (Some(6543), Some("app")));
        assert_eq!(Target::parse("sqlite:x.db").unwrap().parts(), None);
    }

    #[test]
    fn secrets_cover_both_sides_decoded() {
        let s = Target::parse("mysql://app:Se%2Fcr3t@h/db").unwrap();
        let t = Target::parse("postgres://app:pg-pw@h/db").unwrap();
        let masked = crate::redact::mask("Se/cr3t Se%2Fcr3t pg-pw", &secrets(&s, &t));
        assert_eq!(masked, "*** *** ***");
    }
}
