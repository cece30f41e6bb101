//! `--schema FILE`: the user's own DDL, read statement by statement so that a
//! database's dump can be applied unmodified and a refusal names its line.
//!
//! A dump is more than SQL: `pg_dump` writes psql meta-commands
//! (`\restrict KEY` … `\unrestrict KEY` since 17.6/16.10/15.14), session
//! settings (`SET …`, `set_config('search_path', '', false)`), and ownership
//! and privileges for roles the rehearsal target may not have. Each dump kind
//! (`Origin`) decides what of it is applied: `keep` is the one place to teach
//! a new kind (mariadb-dump's `/*!…*/` and `LOCK TABLES`, say).

use super::Conn;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Who wrote the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `pg_dump` (its header comment, psql meta-commands or `set_config`).
    PgDump,
    /// `mariadb-dump`/`mysqldump` (their header comment): recognised so a
    /// refusal says so; its dialect is not translated.
    MariaDbDump,
    /// Anything else: SQL applied as written.
    Plain,
}

/// One statement of the file, with the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub line: usize,
    pub sql: String,
}

/// Why a statement of the file is not sent to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// `\restrict`, `\unrestrict`: psql's, not SQL.
    MetaCommand,
    /// BEGIN/COMMIT: the schema is applied inside understudy's own transaction.
    Transaction,
    /// `OWNER TO`, GRANT, REVOKE: for roles of the dumped server.
    Privileges,
}

#[derive(Debug, Clone)]
pub struct SchemaFile {
    pub path: PathBuf,
    pub origin: Origin,
    /// What is applied, in order.
    pub statements: Vec<Statement>,
    pub skipped: Vec<(Skip, Statement)>,
    /// Session parameters the file sets (`SET x`, `set_config('x', …, false)`),
    /// reset once it is applied so the load runs with the connection's own.
    pub settings: Vec<String>,
}

impl SchemaFile {
    /// Reads and splits the file; a line understudy cannot apply is refused
    /// here, before any connection.
    pub fn read(path: &Path) -> Result<SchemaFile> {
        let text = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
        if text.starts_with(b"PGDMP") {
            return Err(Error::usage(format!(
                "--schema {}: this is pg_dump's custom format (-Fc), not SQL: write the SQL with \
                 pg_restore --schema-only -f schema.sql {}, or pg_dump --schema-only",
                path.display(),
                path.display()
            )));
        }
        let text = String::from_utf8(text).map_err(|e| {
            Error::usage(format!(
                "--schema {}: not UTF-8 text (byte {}); save the DDL as UTF-8",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
        SchemaFile::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<SchemaFile> {
        let at = |line: usize, what: String| {
            Error::usage(format!("--schema {}, line {line}: {what}", path.display()))
        };
        let pieces = split(text).map_err(|(line, what)| at(line, what))?;
        let origin = if text.contains("-- PostgreSQL database dump")
            || pieces.iter().any(|p| match p {
                Piece::Meta(s) => s.sql.starts_with("\\restrict"),
                Piece::Sql(s) => starts_with_words(&s.sql, &["select", "pg_catalog.set_config"]),
            }) {
            Origin::PgDump
        } else if text.contains("-- MariaDB dump") || text.contains("-- MySQL dump") {
            Origin::MariaDbDump
        } else {
            Origin::Plain
        };
        let mut out = SchemaFile {
            path: path.to_path_buf(),
            origin,
            statements: Vec::new(),
            skipped: Vec::new(),
            settings: Vec::new(),
        };
        for p in pieces {
            match p {
                Piece::Meta(s) => {
                    let word = s.sql.split_whitespace().next().unwrap_or("\\");
                    if matches!(word, "\\restrict" | "\\unrestrict") {
                        out.skipped.push((Skip::MetaCommand, s));
                    } else {
                        return Err(at(
                            s.line,
                            format!(
                                "`{}` is a psql meta-command, not SQL: understudy applies the file to --target itself; remove the line",
                                first_line(&s.sql)
                            ),
                        ));
                    }
                }
                Piece::Sql(s) => {
                    if is_copy_from_stdin(&s.sql) {
                        return Err(at(
                            s.line,
                            format!(
                                "`{}` loads data: --schema takes the schema only (pg_dump --schema-only, mariadb-dump --no-data)",
                                first_line(&s.sql)
                            ),
                        ));
                    }
                    match keep(origin, &s.sql) {
                        Some(skip) => out.skipped.push((skip, s)),
                        None => {
                            if let Some(name) = session_setting(&s.sql)
                                && !out.settings.contains(&name)
                            {
                                out.settings.push(name);
                            }
                            out.statements.push(s);
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Applies the statements on `conn`, inside the caller's transaction,
    /// one by one so a refusal names its line; then resets the session
    /// parameters the file changed. Returns the settings the server does not
    /// know (a newer pg_dump's `SET transaction_timeout` on an older server),
    /// which are left out as psql would.
    pub fn apply(&self, conn: &mut dyn Conn) -> Result<Vec<Statement>> {
        let sqlite = conn.dialect() == crate::sink::Dialect::Sqlite;
        let mut unknown = Vec::new();
        let mut set = Vec::new();
        for s in &self.statements {
            let setting = session_setting(&s.sql);
            if let Some(name) = &setting
                && self.origin == Origin::PgDump
                && !sqlite
            {
                // Under a savepoint: a failed statement would abort the transaction.
                let r = conn
                    .batch("SAVEPOINT understudy_setting")
                    .and_then(|()| conn.batch(&s.sql));
                match r {
                    Ok(()) => {
                        let _ = conn.batch("RELEASE SAVEPOINT understudy_setting");
                        if !set.contains(name) {
                            set.push(name.clone());
                        }
                        continue;
                    }
                    Err(e) if e.message.contains("unrecognized configuration parameter") => {
                        let _ = conn.batch("ROLLBACK TO SAVEPOINT understudy_setting");
                        let _ = conn.batch("RELEASE SAVEPOINT understudy_setting");
                        unknown.push(s.clone());
                        continue;
                    }
                    Err(_) => {
                        let _ = conn.batch("ROLLBACK TO SAVEPOINT understudy_setting");
                        let _ = conn.batch("RELEASE SAVEPOINT understudy_setting");
                    }
                }
            } else if let Some(name) = setting
                && !set.contains(&name)
            {
                set.push(name);
            }
            conn.batch(&s.sql).map_err(|e| {
                let hint = match self.origin {
                    Origin::PgDump if sqlite => {
                        "\n  this file is PostgreSQL's dump (pg_dump): SQLite cannot apply it; rehearse it into PostgreSQL (--target postgres://…), or give SQLite a schema in its own dialect"
                    }
                    Origin::MariaDbDump => {
                        "\n  this file is MariaDB's or MySQL's dump: understudy does not translate its dialect; give the target a schema in its own dialect"
                    }
                    _ => "",
                };
                Error::usage(format!(
                    "--schema {}, line {}: `{}` failed: {}{hint}",
                    self.path.display(),
                    s.line,
                    first_line(&s.sql),
                    e.message
                ))
            })?;
        }
        if !sqlite {
            for name in &set {
                // `name` holds only [a-z0-9_.] (see session_setting).
                conn.batch(&format!("RESET {name}")).map_err(|e| {
                    Error::usage(format!(
                        "--schema {}: cannot reset the session parameter {name} it set: {}",
                        self.path.display(),
                        e.message
                    ))
                })?;
            }
        }
        Ok(unknown)
    }

    /// The schema a `CREATE TABLE` of the file puts `table` in, when it
    /// names one (`app.users`, `"app"."users"`).
    pub fn qualifier_of(&self, table: &str) -> Option<String> {
        self.statements.iter().find_map(|s| {
            let words: Vec<&str> = s
                .sql
                .split(|c: char| c.is_whitespace() || c == '(')
                .filter(|w| !w.is_empty())
                .collect();
            let at = words.iter().position(|w| w.eq_ignore_ascii_case("table"))?;
            if !words[0].eq_ignore_ascii_case("create") || at > 3 {
                return None;
            }
            let mut name = words.get(at + 1)?;
            if name.eq_ignore_ascii_case("if") {
                name = words.get(at + 4)?;
            }
            let parts: Vec<String> = name
                .split('.')
                .map(|p| p.trim_matches('"').to_string())
                .collect();
            (parts.len() == 2 && parts[1] == table).then(|| parts[0].clone())
        })
    }

    /// One line for the terminal: what was applied and what was left out.
    pub fn summary(&self) -> String {
        let count = |k: Skip| self.skipped.iter().filter(|(s, _)| *s == k).count();
        let mut left = Vec::new();
        for (k, what) in [
            (Skip::MetaCommand, "psql meta-commands"),
            (Skip::Transaction, "BEGIN/COMMIT"),
            (
                Skip::Privileges,
                "ownership and privilege statements (the tables belong to --target's user)",
            ),
        ] {
            let n = count(k);
            if n > 0 {
                left.push(format!("{n} {what}"));
            }
        }
        format!(
            "--schema {}: {} statements{}{}",
            self.path.display(),
            self.statements.len(),
            match self.origin {
                Origin::PgDump => " (pg_dump)",
                Origin::MariaDbDump => " (mariadb-dump)",
                Origin::Plain => "",
            },
            if left.is_empty() {
                String::new()
            } else {
                format!("; left out: {}", left.join(", "))
            }
        )
    }
}

/// What the splitter found: a psql meta-command (a line starting with `\`
/// between statements) or an SQL statement.
enum Piece {
    Meta(Statement),
    Sql(Statement),
}

/// None: apply the statement; Some: leave it out, and why.
fn keep(origin: Origin, sql: &str) -> Option<Skip> {
    let w = |words: &[&str]| starts_with_words(sql, words);
    if w(&["begin"])
        || w(&["start", "transaction"])
        || w(&["commit"])
        || w(&["end"])
        || w(&["rollback"])
    {
        return Some(Skip::Transaction);
    }
    match origin {
        Origin::PgDump => {
            let owner = w(&["alter"]) && {
                let l = sql.to_ascii_lowercase();
                let words: Vec<&str> = l.split_whitespace().collect();
                words.windows(2).any(|p| p == ["owner", "to"])
            };
            (owner || w(&["grant"]) || w(&["revoke"]) || w(&["alter", "default", "privileges"]))
                .then_some(Skip::Privileges)
        }
        Origin::MariaDbDump | Origin::Plain => None,
    }
}

/// `SET [SESSION] name …` or `SELECT pg_catalog.set_config('name', …, false)`:
/// the parameter's name.
fn session_setting(sql: &str) -> Option<String> {
    let l = sql.trim().to_ascii_lowercase();
    if let Some(rest) = l.strip_prefix("set ") {
        let rest = rest.trim_start();
        if rest.starts_with("local ") || rest.starts_with("constraints ") {
            return None;
        }
        let rest = rest.strip_prefix("session ").unwrap_or(rest).trim_start();
        let rest = rest.strip_prefix("time zone").map_or(rest, |_| "timezone");
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        return (!name.is_empty()).then_some(name);
    }
    let i = l.find("set_config(")?;
    if !l.starts_with("select") {
        return None;
    }
    let rest = l[i + "set_config(".len()..]
        .trim_start()
        .strip_prefix('\'')?;
    let name = &rest[..rest.find('\'')?];
    // set_config(…, true) is local to the transaction: nothing to reset.
    (!l.trim_end_matches([';', ' ', ')']).ends_with("true")).then(|| name.to_string())
}

fn is_copy_from_stdin(sql: &str) -> bool {
    if !starts_with_words(sql, &["copy"]) {
        return false;
    }
    let l = sql.to_ascii_lowercase();
    let words: Vec<&str> = l
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(2).any(|p| p == ["from", "stdin"])
}

/// Whether the statement's first words (case-insensitive) are `words`.
fn starts_with_words(sql: &str, words: &[&str]) -> bool {
    let mut it = sql
        .split(|c: char| c.is_whitespace() || c == ';' || c == '(')
        .filter(|w| !w.is_empty());
    words
        .iter()
        .all(|w| it.next().is_some_and(|x| x.eq_ignore_ascii_case(w)))
}

fn first_line(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or("").trim();
    if line.chars().count() > 100 {
        format!("{}…", line.chars().take(100).collect::<String>())
    } else {
        line.to_string()
    }
}

/// Splits SQL text into statements at `;`, honouring quotes ('…', E'…',
/// "…", `…`), comments (`--`, nested `/* */`), dollar quoting ($tag$…$tag$,
/// function bodies) and BEGIN … END bodies (SQLite triggers, SQL-standard
/// function bodies); a line starting with `\` between statements is a psql
/// meta-command. Err: (line, why) for an unterminated quote or comment.
fn split(text: &str) -> std::result::Result<Vec<Piece>, SplitError> {
    let mut s = Splitter {
        text,
        b: text.as_bytes(),
        i: 0,
        line: 1,
        start: None,
        depth: 0,
        body_allowed: None,
        out: Vec::new(),
    };
    while s.i < s.b.len() {
        s.step()?;
    }
    if let Some((at, l)) = s.start {
        let sql = text[at..].trim();
        if !sql.is_empty() {
            s.out.push(Piece::Sql(Statement {
                line: l,
                sql: sql.to_string(),
            }));
        }
    }
    Ok(s.out)
}

/// Where the text cannot be split: (line, why).
type SplitError = (usize, String);

fn ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// A cursor over the file: where it is, on which line, and the statement
/// being read.
struct Splitter<'t> {
    text: &'t str,
    b: &'t [u8],
    i: usize,
    line: usize,
    /// The statement being read: its start (byte, line) once non-blank text was seen.
    start: Option<(usize, usize)>,
    /// BEGIN … END depth inside a CREATE TRIGGER/FUNCTION/PROCEDURE.
    depth: usize,
    body_allowed: Option<bool>,
    out: Vec<Piece>,
}

impl<'t> Splitter<'t> {
    /// Reads what starts at the cursor: a line break, a comment, a quote, a
    /// word, a statement's end.
    fn step(&mut self) -> std::result::Result<(), SplitError> {
        let (b, i) = (self.b, self.i);
        let c = b[i];
        match c {
            b'\n' => {
                self.line += 1;
                self.i += 1;
            }
            b'\\' if self.start.is_none() => {
                let end = self.line_end();
                self.out.push(Piece::Meta(Statement {
                    line: self.line,
                    sql: self.text[i..end].trim_end().to_string(),
                }));
                self.i = end;
            }
            _ if c.is_ascii_whitespace() => self.i += 1,
            b'-' if b.get(i + 1) == Some(&b'-') => self.i = self.line_end(),
            b'#' if self.start.is_none() && b.get(i + 1) != Some(&b'!') => {
                // mariadb-dump's and MySQL's line comments (never SQL at a statement's start).
                self.i = self.line_end();
            }
            b'/' if b.get(i + 1) == Some(&b'*') => self.block_comment()?,
            b';' => {
                self.i += 1;
                if self.depth == 0 {
                    if let Some((s, l)) = self.start.take() {
                        self.out.push(Piece::Sql(Statement {
                            line: l,
                            sql: self.text[s..self.i].trim().to_string(),
                        }));
                    }
                    self.body_allowed = None;
                }
            }
            b'\'' | b'"' | b'`' => self.quoted(c)?,
            b'$' if i == 0 || !ident_char(b[i - 1]) => self.dollar_quoted()?,
            _ if ident_char(c) => self.word(),
            _ => {
                self.start.get_or_insert((i, self.line));
                self.i += 1;
            }
        }
        Ok(())
    }

    /// The end of the cursor's line (its `\n`, or the end of the text).
    fn line_end(&self) -> usize {
        self.text[self.i..]
            .find('\n')
            .map_or(self.b.len(), |k| self.i + k)
    }

    /// `/* … */`, nested as PostgreSQL nests them.
    fn block_comment(&mut self) -> std::result::Result<(), SplitError> {
        let b = self.b;
        let from = self.line;
        let mut nest = 0usize;
        loop {
            let i = self.i;
            if i >= b.len() {
                return Err((from, "this comment (/*) is never closed".into()));
            }
            if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                nest += 1;
                self.i += 2;
            } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                nest -= 1;
                self.i += 2;
                if nest == 0 {
                    return Ok(());
                }
            } else {
                if b[i] == b'\n' {
                    self.line += 1;
                }
                self.i += 1;
            }
        }
    }

    /// A quoted string or identifier; a doubled quote stays inside it.
    fn quoted(&mut self, c: u8) -> std::result::Result<(), SplitError> {
        let (b, i) = (self.b, self.i);
        self.start.get_or_insert((i, self.line));
        // E'…' (PostgreSQL) takes backslash escapes.
        let escapes = c == b'\''
            && i > 0
            && matches!(b[i - 1], b'e' | b'E')
            && (i < 2 || !ident_char(b[i - 2]));
        let from = self.line;
        self.i += 1;
        loop {
            let i = self.i;
            if i >= b.len() {
                return Err((from, format!("this quote ({}) is never closed", c as char)));
            }
            if b[i] == b'\n' {
                self.line += 1;
            }
            if escapes && b[i] == b'\\' {
                self.i += 2;
                continue;
            }
            if b[i] == c {
                if b.get(i + 1) == Some(&c) {
                    self.i += 2;
                    continue;
                }
                self.i += 1;
                return Ok(());
            }
            self.i += 1;
        }
    }

    /// `$tag$ … $tag$` (PostgreSQL); a `$` that starts no tag is text.
    fn dollar_quoted(&mut self) -> std::result::Result<(), SplitError> {
        let (b, i, text) = (self.b, self.i, self.text);
        self.start.get_or_insert((i, self.line));
        let tag_len = b[i + 1..]
            .iter()
            .take_while(|&&c| ident_char(c) && c != b'$')
            .count();
        let is_tag =
            b.get(i + 1 + tag_len) == Some(&b'$') && !b.get(i + 1).is_some_and(u8::is_ascii_digit);
        if !is_tag {
            self.i += 1;
            return Ok(());
        }
        let tag = &text[i..i + tag_len + 2];
        let from = self.line;
        let body = i + tag.len();
        let Some(k) = text[body..].find(tag) else {
            return Err((from, format!("this dollar quote ({tag}) is never closed")));
        };
        self.line += text[body..body + k].matches('\n').count();
        self.i = body + k + tag.len();
        Ok(())
    }

    /// A word; BEGIN … END bodies are counted only in CREATE [OR REPLACE]
    /// [TEMP] TRIGGER/FUNCTION/PROCEDURE: a column named `begin` elsewhere
    /// must not swallow the file.
    fn word(&mut self) {
        let (b, text) = (self.b, self.text);
        let s = self.i;
        while self.i < b.len() && (ident_char(b[self.i]) || b[self.i] == b'$') {
            self.i += 1;
        }
        let first = self.start.is_none();
        let (st, _) = *self.start.get_or_insert((s, self.line));
        let word = &text[s..self.i];
        if first {
            self.body_allowed = None;
        }
        if self.body_allowed.is_none() {
            let head = text[st..self.i].to_ascii_lowercase();
            let words: Vec<&str> = head.split_whitespace().collect();
            if words.first() != Some(&"create") {
                self.body_allowed = Some(false);
            } else if let Some(w) = words
                .iter()
                .skip(1)
                .find(|w| !matches!(**w, "or" | "replace" | "temp" | "temporary" | "constraint"))
            {
                self.body_allowed = Some(matches!(*w, "trigger" | "function" | "procedure"));
            }
        }
        if self.body_allowed == Some(true) {
            if word.eq_ignore_ascii_case("begin")
                || (self.depth > 0 && word.eq_ignore_ascii_case("case"))
            {
                self.depth += 1;
            } else if self.depth > 0 && word.eq_ignore_ascii_case("end") {
                self.depth -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SchemaFile> {
        SchemaFile::parse(Path::new("s.sql"), text)
    }

    fn lines(f: &SchemaFile) -> Vec<usize> {
        f.statements.iter().map(|s| s.line).collect()
    }

    #[test]
    fn quotes_comments_and_bodies_do_not_split() {
        let f = parse(
            "-- a comment; not a statement\n\
             CREATE TABLE a (x text DEFAULT 'a;b', \"we;ird\" int); /* one; /* nested; */ two */\n\
             COMMENT ON TABLE a IS E'it\\'s; fine';\n\
             CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n  NEW.x := 'y;'; RETURN NEW;\nEND;\n$body$;\n\
             CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = CASE WHEN x IS NULL THEN 'n' ELSE x END; SELECT 1;\nEND;\n\
             CREATE TABLE b (begin int, \"end\" int);\nSELECT $1;",
        )
        .unwrap();
        assert_eq!(lines(&f), vec![2, 3, 4, 9, 12, 13], "{:#?}", f.statements);
        assert!(f.statements[2].sql.ends_with("$body$;"));
        assert!(f.statements[3].sql.ends_with("END;"));
        assert_eq!(f.origin, Origin::Plain);
    }

    #[test]
    fn pg_dump_meta_commands_settings_and_privileges() {
        let f = parse(
            "--\n-- PostgreSQL database dump\n--\n\n\\restrict AbC123\n\n\
             SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n\
             CREATE TABLE public.users (id uuid NOT NULL);\n\
             ALTER TABLE public.users OWNER TO app;\n\
             ALTER TABLE ONLY public.users\n    ADD CONSTRAINT users_pkey PRIMARY KEY (id);\n\
             GRANT SELECT ON TABLE public.users TO reader;\n\n\\unrestrict AbC123\n",
        )
        .unwrap();
        assert_eq!(f.origin, Origin::PgDump);
        assert_eq!(lines(&f), vec![7, 8, 9, 11]);
        assert_eq!(f.settings, vec!["statement_timeout", "search_path"]);
        let skipped: Vec<(Skip, usize)> = f.skipped.iter().map(|(k, s)| (*k, s.line)).collect();
        assert_eq!(
            skipped,
            vec![
                (Skip::MetaCommand, 5),
                (Skip::Privileges, 10),
                (Skip::Privileges, 13),
                (Skip::MetaCommand, 15)
            ]
        );
    }

    #[test]
    fn unusable_lines_are_named() {
        let e = parse("CREATE TABLE a (x int);\n\\connect other\n").unwrap_err();
        assert!(
            e.message.contains("s.sql, line 2") && e.message.contains("\\connect other"),
            "{e}"
        );
        let e = parse("CREATE TABLE a (x int);\n\nCOPY public.a (x) FROM stdin;\n1\n\\.\n")
            .unwrap_err();
        assert!(e.message.contains("line 3"), "{e}");
        let e = parse("CREATE TABLE a (x text DEFAULT 'oops);\n").unwrap_err();
        assert!(
            e.message.contains("line 1") && e.message.contains("never closed"),
            "{e}"
        );
    }

    #[test]
    fn qualified_tables_are_found() {
        let f = parse(
            "CREATE TABLE app.users (id int);\nCREATE UNLOGGED TABLE IF NOT EXISTS \"app\".\"sessions\"(id int);\nCREATE TABLE roles (id int);",
        )
        .unwrap();
        assert_eq!(f.qualifier_of("users").as_deref(), Some("app"));
        assert_eq!(f.qualifier_of("sessions").as_deref(), Some("app"));
        assert_eq!(f.qualifier_of("roles"), None);
        assert_eq!(f.qualifier_of("orgs"), None);
    }

    #[test]
    fn custom_format_dumps_are_refused_with_the_way_out() {
        let dir = std::env::temp_dir().join(format!("understudy-schema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("app.dump");
        std::fs::write(&p, b"PGDMP\x01\x0f\x00\x04\x08\x01\x01\x01").unwrap();
        let e = SchemaFile::read(&p).unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(e.message.contains("pg_restore --schema-only"), "{e}");
    }

    #[test]
    fn transactions_are_left_to_understudy() {
        // sqlite3's .dump
        let f = parse(
            "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE a (x int);\nCOMMIT;\n",
        )
        .unwrap();
        assert_eq!(lines(&f), vec![1, 3]);
        assert_eq!(f.skipped.len(), 2);
    }
}
