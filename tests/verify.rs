//! Verification's reading back: what `Conn::scan` gives for each column
//! type is the text the server itself renders (PostgreSQL: `::text`, and
//! `to_char(…, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')` in UTC for timestamps), for
//! ordinary and extreme values, whatever the transfer format.

mod common;

use common::Postgres;
use understudy::row::FieldKind;
use understudy::target::{ReadColumn, Target};

const COLUMNS: &[(&str, &str)] = &[
    ("u", "uuid"),
    ("i2", "smallint"),
    ("i4", "integer"),
    ("i8", "bigint"),
    ("b", "boolean"),
    ("t", "text"),
    ("vc", "varchar(40)"),
    ("ch", "char(6)"),
    ("jb", "jsonb"),
    ("js", "json"),
    ("ts", "timestamptz"),
    ("tn", "timestamp"),
    ("d", "date"),
    ("n", "numeric"),
    ("f", "double precision"),
    ("by", "bytea"),
];

const ROWS: &str = r#"
INSERT INTO odd VALUES
 ('01234567-89ab-cdef-0011-223344556677', -32768, -2147483648, -9223372036854775808, true,
  E'tab\there, new\nline, back\\slash, é 🦀', 'plain', 'ab', '{"b": [1, 2.50, null], "a": {"y": true}}',
  '{"b":1,  "a" : "x"}', '2026-03-01 12:34:56.789+00', '1999-12-31 23:59:59.999999', '2024-02-29', 12.3400,
  0.1, '\x00ff'),
 ('ffffffff-ffff-ffff-ffff-ffffffffffff', 32767, 2147483647, 9223372036854775807, false,
  '', '', '', '[]', '""', 'infinity', '-infinity', 'infinity', 'NaN', 'Infinity', ''),
 (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  '0001-01-01 00:00:00+00 BC', '4713-01-01 00:00:00 BC', '0001-01-01 BC', NULL, NULL, NULL),
 ('00000000-0000-0000-0000-000000000000', 0, 0, 0, true, 'x', 'x', 'x', '{}', '{}',
  '12345-06-07 08:09:10+00', '0999-12-31 23:59:59.5', '9999-12-31', -0.0, -1e300, '\x5c'),
 ('10000000-0000-0000-0000-000000000001', 1, 1, 1, false, 'y', 'y', 'y', '1', '1',
  '1969-12-31 23:59:59.5+00', '2000-01-01 00:00:00', '2000-01-01', 1e-20, 1.5e-7, NULL);
"#;

#[test]
fn postgres_scan_reads_every_type_as_the_server_renders_it() {
    let Some(pg) = Postgres::shared() else { return };
    let dsn = pg.create_db("scan_types");
    let mut client = pg.client("scan_types");
    let cols: Vec<String> = COLUMNS.iter().map(|(n, t)| format!("{n} {t}")).collect();
    client
        .batch_execute(&format!("CREATE TABLE odd ({}); {ROWS}", cols.join(", ")))
        .unwrap();
    // What the server renders, in the session verification uses (UTC).
    client.batch_execute("SET TIME ZONE 'UTC'").unwrap();
    let exprs: Vec<String> = COLUMNS
        .iter()
        .map(|(n, t)| match *t {
            "timestamptz" | "timestamp" => {
                format!("to_char({n}, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
            }
            _ => format!("{n}::text"),
        })
        .collect();
    let mut want: Vec<Vec<Option<String>>> = client
        .query(&format!("SELECT {} FROM odd", exprs.join(", ")), &[])
        .unwrap()
        .iter()
        .map(|r| (0..COLUMNS.len()).map(|i| r.get(i)).collect())
        .collect();

    let mut conn = Target::parse(&dsn).unwrap().connect().unwrap();
    let read: Vec<ReadColumn> = COLUMNS
        .iter()
        .map(|(n, t)| ReadColumn {
            name: n.to_string(),
            kind: FieldKind::Plain,
            declared: t.to_string(),
        })
        .collect();
    let mut got: Vec<Vec<Option<String>>> = Vec::new();
    conn.scan("odd", &read, &mut |vals| {
        got.push(vals.iter().map(|v| v.map(str::to_string)).collect())
    })
    .unwrap();
    want.sort();
    got.sort();
    assert_eq!(got.len(), 5);
    for (g, w) in got.iter().zip(&want) {
        for (i, (col, _)) in COLUMNS.iter().enumerate() {
            assert_eq!(g[i], w[i], "column {col}");
        }
    }
    // A timestamp BC and one past year 9999 read as to_char writes them.
    assert!(
        got.iter()
            .any(|r| r[10].as_deref() == Some("0001-01-01T00:00:00Z"))
    );
    assert!(
        got.iter()
            .any(|r| r[10].as_deref() == Some("12345-06-07T08:09:10Z"))
    );
}
