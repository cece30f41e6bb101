//! Declared foreign keys followed from the users table outwards (users ←
//! orders ← order_items), breadth first, so each table's path to the users
//! is a shortest one; join (many-to-many) tables marked on the way.

use super::report::{Finding, Kind};
use crate::target::catalog::{Schema, Table};
use std::collections::{BTreeMap, VecDeque};

/// Tables known to hold user data, each with its path to the users table
/// (itself first, the users table last).
#[derive(Debug, Default)]
pub struct Reached {
    paths: BTreeMap<String, Vec<String>>,
}

impl Reached {
    pub fn new(users: &str) -> Reached {
        let mut paths = BTreeMap::new();
        paths.insert(users.to_string(), vec![users.to_string()]);
        Reached { paths }
    }

    /// Marks `table` as reached through `path`; false when it already was.
    pub fn insert(&mut self, table: &str, path: Vec<String>) -> bool {
        if self.paths.contains_key(table) {
            return false;
        }
        self.paths.insert(table.to_string(), path);
        true
    }
}

/// The declared foreign keys that point to a reached table, from the
/// tables in `start` outwards; each child table is reached in turn.
pub fn follow(schema: &Schema, reached: &mut Reached, start: Vec<String>) -> Vec<Finding> {
    let mut queue: VecDeque<String> = start.into();
    let mut out = Vec::new();
    while let Some(parent) = queue.pop_front() {
        let Some(parent_path) = reached.paths.get(&parent).cloned() else {
            continue;
        };
        for t in &schema.tables {
            for fk in t.foreign_keys.iter().filter(|fk| fk.parent == parent) {
                let mut path = vec![t.name.clone()];
                path.extend(parent_path.iter().cloned());
                let target = format!("{parent}.{}", fk.parent_columns.join(","));
                let mut evidence = format!("FK → {target}");
                if parent_path.len() > 1 {
                    evidence.push_str(&format!("; {}", parent_path.join(" → ")));
                }
                let join_of = join_of(t, &parent);
                if let Some([a, b]) = &join_of {
                    evidence.push_str(&format!("; join table {a} ↔ {b}"));
                }
                out.push(Finding {
                    table: t.name.clone(),
                    column: fk.columns.join(","),
                    kind: Kind::Declared,
                    evidence,
                    rows: None,
                    rows_exact: false,
                    references: Some(target),
                    path: if t.name == parent {
                        parent_path.clone()
                    } else {
                        path.clone()
                    },
                    join_of,
                    overlap: None,
                    json_keys: Vec::new(),
                    objects_sampled: None,
                });
                if reached.insert(&t.name, path) {
                    queue.push_back(t.name.clone());
                }
            }
        }
    }
    out
}

/// A join table links two tables by foreign keys and holds little else (at
/// most two other columns: its own id, a timestamp): the table reached
/// through `via` and the other one it links.
fn join_of(t: &Table, via: &str) -> Option<[String; 2]> {
    let mut parents: Vec<&str> = t.foreign_keys.iter().map(|fk| fk.parent.as_str()).collect();
    parents.sort_unstable();
    parents.dedup();
    let other = parents.iter().find(|p| **p != via)?;
    let in_fk = |c: &str| {
        t.foreign_keys
            .iter()
            .any(|fk| fk.columns.iter().any(|x| x == c))
    };
    let others = t.columns.iter().filter(|c| !in_fk(&c.name)).count();
    (parents.len() == 2 && others <= 2).then(|| [via.to_string(), other.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, cols: &[&str], fks: &[(&str, &str)]) -> Table {
        let cols: Vec<_> = cols.iter().map(|c| (*c, "integer")).collect();
        Table::sketch(name, &cols, &[], fks)
    }

    #[test]
    fn foreign_keys_are_followed_transitively_and_joins_marked() {
        let schema = Schema {
            tables: vec![
                table(
                    "order_items",
                    &["id", "order_id", "item_id"],
                    &[("order_id", "orders")],
                ),
                table("orders", &["id", "user_id"], &[("user_id", "users")]),
                table("roles", &["id", "name"], &[]),
                table(
                    "user_roles",
                    &["user_id", "role_id", "granted_at"],
                    &[("user_id", "users"), ("role_id", "roles")],
                ),
                table("users", &["id", "invited_by"], &[("invited_by", "users")]),
            ],
        };
        let mut reached = Reached::new("users");
        let f = follow(&schema, &mut reached, vec!["users".into()]);
        let got: Vec<(&str, &str, &str)> = f
            .iter()
            .map(|f| (f.table.as_str(), f.column.as_str(), f.evidence.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("orders", "user_id", "FK → users.id"),
                (
                    "user_roles",
                    "user_id",
                    "FK → users.id; join table users ↔ roles"
                ),
                ("users", "invited_by", "FK → users.id"),
                ("order_items", "order_id", "FK → orders.id; orders → users"),
            ]
        );
        assert_eq!(f[3].path, ["order_items", "orders", "users"]);
        assert_eq!(f[2].path, ["users"]);
        assert!(!reached.insert("orders", vec![]));
        assert!(reached.insert("roles", vec!["roles".into()]));
    }
}
