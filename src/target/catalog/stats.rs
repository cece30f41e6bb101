//! Aggregate statistics of one column, computed inside the database for
//! `profile infer`: counts, lengths, numeric and time ranges, the counts
//! (never the values) of a column's groups, of its email domains and of its
//! password-hash prefixes, and per-parent child-count histograms. Only
//! numbers leave the database, except a hash's format prefix (at most 24
//! characters up to a `$` or `}`, e.g. `$2y$10$`) and the values of a column
//! the user allowed (`group_values`).

use super::{Catalog, number};
use crate::target::{DbResult, ident, literal};

/// Counts of one column.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub rows: u64,
    pub non_null: u64,
    pub distinct: u64,
}

fn float(rows: &[Vec<Option<String>>], i: usize) -> Option<f64> {
    rows.first()
        .and_then(|r| r.get(i).cloned().flatten())
        .and_then(|s| s.trim().parse().ok())
}

fn cell(rows: &[Vec<Option<String>>], i: usize) -> Option<String> {
    rows.first().and_then(|r| r.get(i).cloned().flatten())
}

/// `(first, second)` numbers of every row.
fn pairs(rows: Vec<Vec<Option<String>>>) -> Vec<(u64, u64)> {
    rows.into_iter()
        .filter_map(|r| {
            let n = |i: usize| -> Option<u64> {
                r.get(i).cloned().flatten()?.split('.').next()?.parse().ok()
            };
            Some((n(0)?, n(1)?))
        })
        .collect()
}

impl Catalog {
    /// Rows, non-null values and (when `distinct`, else 0) distinct values
    /// of `column`.
    pub fn counts(&mut self, table: &str, column: &str, distinct: bool) -> DbResult<Counts> {
        let c = ident(column);
        let d = if distinct {
            format!("count(DISTINCT {c})")
        } else {
            "0".into()
        };
        let r = self.aggregate(&format!(
            "SELECT count(*), count({c}), {d} FROM {}",
            ident(table)
        ))?;
        Ok(Counts {
            rows: number(&r, 0),
            non_null: number(&r, 1),
            distinct: number(&r, 2),
        })
    }

    /// The counts of several columns of `table` in one scan: rows, and each
    /// column's non-null values and (when asked, else 0) distinct values.
    pub fn counts_of(&mut self, table: &str, columns: &[(&str, bool)]) -> DbResult<Vec<Counts>> {
        let mut items = vec!["count(*)".to_string()];
        for (c, distinct) in columns {
            let c = ident(c);
            items.push(format!("count({c})"));
            if *distinct {
                items.push(format!("count(DISTINCT {c})"));
            }
        }
        let r = self.aggregate(&format!(
            "SELECT {} FROM {}",
            items.join(", "),
            ident(table)
        ))?;
        let rows = number(&r, 0);
        let mut i = 1;
        let mut out = Vec::with_capacity(columns.len());
        for (_, distinct) in columns {
            let non_null = number(&r, i);
            i += 1;
            let distinct = if *distinct {
                i += 1;
                number(&r, i - 1)
            } else {
                0
            };
            out.push(Counts {
                rows,
                non_null,
                distinct,
            });
        }
        Ok(out)
    }

    /// The distinct non-null values of `column` when there are at most
    /// `limit` of them among its first `sample` non-null values, counted by
    /// grouping (cheap when the groups are few); `None` when the sample
    /// already holds more. The whole column is grouped when the table has
    /// at most `sample` rows.
    pub fn distinct_upto(
        &mut self,
        table: &str,
        column: &str,
        limit: u64,
        sample: u64,
        rows: u64,
    ) -> DbResult<Option<u64>> {
        let c = ident(column);
        let t = ident(table);
        if rows > sample {
            let r = self.aggregate(&format!(
                "SELECT count(DISTINCT v) FROM (SELECT {c} AS v FROM {t} WHERE {c} IS NOT NULL LIMIT {sample}) s"
            ))?;
            if number(&r, 0) > limit {
                return Ok(None);
            }
        }
        let r = self.aggregate(&format!(
            "SELECT count(*) FROM (SELECT 1 AS g FROM {t} WHERE {c} IS NOT NULL GROUP BY {c}) s"
        ))?;
        Ok(Some(number(&r, 0)))
    }

    /// Mean, least and greatest length in characters of the non-null values.
    pub fn lengths(&mut self, table: &str, column: &str) -> DbResult<(f64, u64, u64)> {
        let l = self.sql.text_length(&ident(column));
        let r = self.aggregate(&format!(
            "SELECT avg({l}), min({l}), max({l}) FROM {} WHERE {} IS NOT NULL",
            ident(table),
            ident(column)
        ))?;
        Ok((float(&r, 0).unwrap_or(0.0), number(&r, 1), number(&r, 2)))
    }

    /// The least and greatest value of a numeric or time column, as the
    /// database prints them (callers round them before they go anywhere).
    pub fn range(
        &mut self,
        table: &str,
        column: &str,
    ) -> DbResult<(Option<String>, Option<String>)> {
        let c = ident(column);
        let r = self.aggregate(&format!("SELECT min({c}), max({c}) FROM {}", ident(table)))?;
        Ok((cell(&r, 0), cell(&r, 1)))
    }

    /// Of a text column's non-null values, how many start like a date
    /// (`YYYY-MM-`), and the least and greatest of their first 7 characters
    /// (`YYYY-MM`): nothing else of them leaves the database.
    pub fn month_range(
        &mut self,
        table: &str,
        column: &str,
    ) -> DbResult<(u64, Option<String>, Option<String>)> {
        let c = ident(column);
        let dated = format!(
            "substr({c}, 5, 1) = '-' AND substr({c}, 8, 1) = '-' AND substr({c}, 1, 1) IN ('1', '2')"
        );
        let r = self.aggregate(&format!(
            "SELECT count(*), min(m), max(m) FROM (SELECT substr({c}, 1, 7) AS m FROM {} WHERE {dated}) d",
            ident(table)
        ))?;
        Ok((number(&r, 0), cell(&r, 1), cell(&r, 2)))
    }

    /// How many values of a time column are at or after `at` (`YYYY-MM-DD`).
    pub fn at_or_after(&mut self, table: &str, column: &str, at: &str) -> DbResult<u64> {
        let c = ident(column);
        let r = self.aggregate(&format!(
            "SELECT count(*) FROM {} WHERE {c} >= {}",
            ident(table),
            self.sql.time_literal(at)
        ))?;
        Ok(number(&r, 0))
    }

    /// How many values of a boolean (or 0/1) column are true.
    pub fn true_count(&mut self, table: &str, column: &str) -> DbResult<u64> {
        let c = ident(column);
        let r = self.aggregate(&format!(
            "SELECT count(*) FROM {} WHERE {c} IS NOT NULL AND {}",
            ident(table),
            self.sql.is_true(&c)
        ))?;
        Ok(number(&r, 0))
    }

    /// The sizes of the groups of equal non-null values of `column`, largest
    /// first, at most `limit`: no value leaves the database.
    pub fn group_sizes(&mut self, table: &str, column: &str, limit: u64) -> DbResult<Vec<u64>> {
        let c = ident(column);
        let r = self.aggregate(&format!(
            "SELECT count(*) FROM {} WHERE {c} IS NOT NULL GROUP BY {c} ORDER BY 1 DESC LIMIT {limit}",
            ident(table)
        ))?;
        Ok(r.iter()
            .map(|row| number(std::slice::from_ref(row), 0))
            .collect())
    }

    /// The values of `column` with their counts, largest first: only for a
    /// column the user allowed (`--allow-values`).
    pub fn group_values(
        &mut self,
        table: &str,
        column: &str,
        limit: u64,
    ) -> DbResult<Vec<(String, u64)>> {
        let c = ident(column);
        let r = self.aggregate(&format!(
            "SELECT {c}, count(*) FROM {} WHERE {c} IS NOT NULL GROUP BY {c} ORDER BY 2 DESC, 1 LIMIT {limit}",
            ident(table)
        ))?;
        Ok(r.into_iter()
            .filter_map(|row| {
                let v = row.first().cloned().flatten()?;
                let n = row.get(1).cloned().flatten()?.parse().ok()?;
                Some((v, n))
            })
            .collect())
    }

    /// The sizes of the groups of an email column's domains (the text after
    /// its first `@`, lowercased), largest first: no domain leaves the database.
    pub fn domain_sizes(&mut self, table: &str, column: &str, limit: u64) -> DbResult<Vec<u64>> {
        let c = ident(column);
        let d = self.sql.folded(&format!(
            "substr({c}, {} + 1)",
            self.sql.position(&c, &literal("@"))
        ));
        let r = self.aggregate(&format!(
            "SELECT count(*) FROM {} WHERE {c} IS NOT NULL GROUP BY {d} ORDER BY 1 DESC LIMIT {limit}",
            ident(table)
        ))?;
        Ok(r.iter()
            .map(|row| number(std::slice::from_ref(row), 0))
            .collect())
    }

    /// (format prefix, length, count) of a password-hash column: the prefix
    /// is what `hash_prefix` keeps (`$2y$10$`, `$argon2id$`, `{SSHA}`,
    /// `pbkdf2_sha256$`, or empty for a bare digest).
    pub fn hash_prefixes(
        &mut self,
        table: &str,
        column: &str,
    ) -> DbResult<Vec<(String, u64, u64)>> {
        let c = ident(column);
        let p = |h: &str, n: &str| self.sql.position(h, &literal(n));
        let prefix = format!(
            "CASE WHEN substr({c}, 1, 2) = '$2' AND substr({c}, 4, 1) = '$' THEN substr({c}, 1, 7) \
             WHEN substr({c}, 1, 1) = '{{' AND {} > 0 THEN substr({c}, 1, {}) \
             WHEN substr({c}, 1, 1) = '$' AND {} > 0 THEN substr({c}, 1, {} + 1) \
             WHEN {} > 0 THEN substr({c}, 1, {}) ELSE '' END",
            p(&format!("substr({c}, 1, 24)"), "}"),
            p(&c, "}"),
            p(&format!("substr({c}, 2, 23)"), "$"),
            p(&format!("substr({c}, 2)"), "$"),
            p(&format!("substr({c}, 1, 24)"), "$"),
            p(&c, "$"),
        );
        let len = self.sql.text_length(&c);
        let r = self.aggregate(&format!(
            "SELECT {prefix}, {len}, count(*) FROM {} WHERE {c} IS NOT NULL GROUP BY {prefix}, {len} \
             ORDER BY 3 DESC LIMIT 200",
            ident(table)
        ))?;
        Ok(r.into_iter()
            .filter_map(|row| {
                let p = row.first().cloned().flatten().unwrap_or_default();
                let n = |i: usize| row.get(i).cloned().flatten()?.parse().ok();
                Some((p, n(1)?, n(2)?))
            })
            .collect())
    }

    /// (children, parents with that many children) over the non-null values
    /// of `child.column`, a reference to a parent table's key. Parents with
    /// no child are not in it (the caller knows how many parents there are).
    pub fn children_histogram(&mut self, child: &str, column: &str) -> DbResult<Vec<(u64, u64)>> {
        let c = ident(column);
        let r = self.aggregate(&format!(
            "SELECT n, count(*) FROM (SELECT count(*) AS n FROM {} WHERE {c} IS NOT NULL GROUP BY {c}) g \
             GROUP BY n ORDER BY n",
            ident(child)
        ))?;
        Ok(pairs(r))
    }
}
