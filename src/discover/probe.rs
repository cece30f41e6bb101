//! Columns (and JSON keys) whose names suggest a user, measured against the
//! users' key and fields inside the database: the share of the column's
//! distinct values (among its first non-null rows) that the users table
//! holds. Name and values must agree: a column is reported when its name says
//! user and the share reaches the threshold. Only the counts come back.

use super::names::{self, Field, Guess};
use super::report::{Finding, JsonKey, Kind, Measured, Settings, percent};
use super::users::{UserField, Users};
use crate::generator::plan::thousands;
use crate::target::catalog::{Catalog, Compare, Expr, Family, Schema, Table};

/// What a probe needs: the session, the users, the thresholds, and where
/// to put what stayed under them and what could not be measured.
pub struct Probes<'a> {
    pub cat: &'a mut Catalog,
    pub users: &'a Users,
    pub settings: Settings,
    pub below: Vec<Measured>,
    pub notes: Vec<String>,
}

/// How a column of family `col` is compared with the users' `field`, if at all.
fn compare(col: Family, field: &UserField) -> Option<Compare> {
    let k = field.family;
    if field.field != Field::Key {
        return col.is_textual().then_some(Compare::Text);
    }
    match (col, k) {
        (a, b) if a == b && matches!(a, Family::Integer | Family::Uuid | Family::Binary) => {
            Some(Compare::Native)
        }
        (Family::Binary, _) | (_, Family::Binary) => None,
        (a, b) if a.is_textual() || b.is_textual() => Some(Compare::Text),
        _ => None,
    }
}

/// Whether a column takes part in a declared foreign key of its table.
fn in_foreign_key(t: &Table, column: &str) -> bool {
    t.foreign_keys
        .iter()
        .any(|fk| fk.columns.iter().any(|c| c == column))
}

impl Probes<'_> {
    fn reaches(&self, m: &Measured) -> bool {
        m.matched > 0 && m.share >= self.settings.threshold
    }

    /// `expr` of `table` against the users' fields `guess` names, in order,
    /// until one reaches the threshold: the best measure and its field.
    fn measure(
        &mut self,
        table: &str,
        expr: &Expr,
        family: Family,
        guess: Guess,
    ) -> Option<(Field, Measured)> {
        let users = self.users;
        let mut best: Option<(Field, Measured)> = None;
        for &field in guess.fields() {
            for uf in users.of(field) {
                let Some(how) = compare(family, uf) else {
                    continue;
                };
                let against = uf.label(&users.table);
                let got = self.cat.overlap(
                    (table, expr),
                    (&users.table, &uf.expr),
                    how,
                    self.settings.sample_rows,
                );
                let o = match got {
                    Ok(o) => o,
                    Err(e) => {
                        self.notes.push(format!(
                            "{table}.{}: not measured against {against}: {e}",
                            expr.label()
                        ));
                        continue;
                    }
                };
                let m = Measured {
                    table: table.to_string(),
                    column: expr.label(),
                    against,
                    rows_sampled: o.rows,
                    distinct: o.distinct,
                    matched: o.matched,
                    share: o.share(),
                };
                let better = best
                    .as_ref()
                    .is_none_or(|(_, b)| (m.share, m.matched) > (b.share, b.matched));
                let done = self.reaches(&m);
                if better {
                    best = Some((field, m));
                }
                if done {
                    return best;
                }
            }
        }
        best
    }

    /// `97 % of 1,234 distinct values in users.email (first 100,000 rows)`.
    fn share_text(&self, m: &Measured) -> String {
        let mut s = format!(
            "{} of {} distinct {} in {}",
            percent(m.share),
            thousands(m.distinct),
            if m.distinct == 1 { "value" } else { "values" },
            m.against
        );
        if m.rows_sampled >= self.settings.sample_rows {
            s.push_str(&format!(
                " (first {} rows)",
                thousands(self.settings.sample_rows)
            ));
        }
        s
    }

    /// Every column outside a foreign key whose name suggests a user,
    /// measured: the references and copies found.
    pub fn columns(&mut self, schema: &Schema) -> Vec<Finding> {
        let others: Vec<&str> = schema
            .tables
            .iter()
            .map(|t| t.name.as_str())
            .filter(|t| *t != self.users.table)
            .collect();
        let mut out = Vec::new();
        for t in &schema.tables {
            let own = t.name == self.users.table;
            for c in &t.columns {
                if in_foreign_key(t, &c.name) || (own && Some(&c.name) == self.users.key.as_ref()) {
                    continue;
                }
                let Some(guess) = names::guess(&c.name, &t.name) else {
                    continue;
                };
                // The users' own fields are neither copies nor references
                // (a self-reference is: `invited_by`); a `<noun>_id` whose
                // noun names another table refers to that table.
                if (own && guess != Guess::Link)
                    || (guess == Guess::Link && names::named_table(&c.name, &others).is_some())
                {
                    continue;
                }
                let expr = Expr::Column(c.name.clone());
                let Some((field, m)) = self.measure(&t.name, &expr, c.family, guess) else {
                    continue;
                };
                if !self.reaches(&m) {
                    self.below.push(m);
                    continue;
                }
                let refers = guess.refers(field);
                let evidence = if refers {
                    format!("no FK; {}", self.share_text(&m))
                } else {
                    self.share_text(&m)
                };
                out.push(Finding {
                    table: t.name.clone(),
                    column: c.name.clone(),
                    kind: if refers { Kind::Reference } else { Kind::Copy },
                    evidence,
                    rows: None,
                    rows_exact: false,
                    references: Some(m.against.clone()),
                    path: if refers {
                        vec![t.name.clone(), self.users.table.clone()]
                    } else {
                        Vec::new()
                    },
                    join_of: None,
                    overlap: Some(m),
                    json_keys: Vec::new(),
                    objects_sampled: None,
                });
            }
        }
        out
    }

    /// Every JSON column (by type, or text whose sampled values are mostly
    /// JSON objects) whose objects' keys name a user's fields: one key's
    /// values reach the threshold, or a key names a user by itself (`user`,
    /// `user_id`), or no key could be compared with the users' fields.
    pub fn json(&mut self, schema: &Schema) -> Vec<Finding> {
        let sql = self.cat.sql();
        let mut out = Vec::new();
        for t in &schema.tables {
            for c in &t.columns {
                if !sql.may_hold_json(c)
                    || in_foreign_key(t, &c.name)
                    || t.primary_key.contains(&c.name)
                {
                    continue;
                }
                if let Some(f) = self.json_column(t, &c.name) {
                    out.push(f);
                }
            }
        }
        out
    }

    fn json_column(&mut self, t: &Table, column: &str) -> Option<Finding> {
        let rows = self.settings.json_sample_rows;
        let sampled = self.cat.json_objects(&t.name, column, rows);
        let keys = sampled.and_then(|(n, objects)| {
            if objects == 0 || objects * 2 < n {
                return Ok((objects, Vec::new()));
            }
            Ok((objects, self.cat.json_keys(&t.name, column, rows, 100)?))
        });
        let (objects, keys) = match keys {
            Ok(k) => k,
            Err(e) => {
                self.notes
                    .push(format!("{}.{column}: JSON keys not sampled: {e}", t.name));
                return None;
            }
        };
        let mut found = Vec::new();
        let (mut measurable, mut agreed) = (false, false);
        let mut named = false;
        for (key, n) in keys {
            // A key's object is no table: a plain `name` is anyone's.
            let Some(guess) = names::guess(&key, "") else {
                continue;
            };
            named |= names::names_a_user(&key);
            let expr = Expr::JsonField(column.to_string(), key.clone());
            let m = self.measure(&t.name, &expr, Family::Text, guess);
            if let Some((_, m)) = &m {
                measurable = true;
                agreed |= self.reaches(m);
                if !self.reaches(m) {
                    self.below.push(m.clone());
                }
            }
            found.push(JsonKey {
                key,
                objects: n,
                overlap: m.map(|(_, m)| m),
            });
        }
        if found.is_empty() || (measurable && !agreed && !named) {
            return None;
        }
        Some(Finding {
            table: t.name.clone(),
            column: column.to_string(),
            kind: Kind::Json,
            evidence: self.json_evidence(&found, objects),
            rows: None,
            rows_exact: false,
            references: None,
            path: Vec::new(),
            join_of: None,
            overlap: None,
            json_keys: found,
            objects_sampled: Some(objects),
        })
    }

    /// `keys email (100 %), name (98 %) of 1,000 sampled objects; email: 100 % of … in users.email`.
    fn json_evidence(&self, keys: &[JsonKey], objects: u64) -> String {
        let share = |n: u64| percent(n as f64 / objects.max(1) as f64);
        let listed: Vec<String> = keys
            .iter()
            .map(|k| format!("{} ({})", k.key, share(k.objects)))
            .collect();
        let mut s = format!(
            "{} {} of {} sampled objects",
            if keys.len() == 1 { "key" } else { "keys" },
            listed.join(", "),
            thousands(objects)
        );
        for k in keys {
            if let Some(m) = k.overlap.as_ref().filter(|m| self.reaches(m)) {
                s.push_str(&format!("; {}: {}", k.key, self.share_text(m)));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(field: Field, family: Family) -> UserField {
        UserField {
            field,
            expr: Expr::Column("x".into()),
            family,
        }
    }

    #[test]
    fn columns_compare_with_fields_of_a_kind_they_can_equal() {
        let key_int = field(Field::Key, Family::Integer);
        let key_uuid = field(Field::Key, Family::Uuid);
        let email = field(Field::Email, Family::Text);
        assert_eq!(compare(Family::Integer, &key_int), Some(Compare::Native));
        assert_eq!(compare(Family::Uuid, &key_uuid), Some(Compare::Native));
        assert_eq!(compare(Family::Text, &key_uuid), Some(Compare::Text));
        assert_eq!(compare(Family::Integer, &key_uuid), None);
        assert_eq!(compare(Family::Text, &email), Some(Compare::Text));
        assert_eq!(compare(Family::Other, &email), Some(Compare::Text));
        assert_eq!(compare(Family::Integer, &email), None);
        assert_eq!(compare(Family::Bool, &email), None);
    }
}
