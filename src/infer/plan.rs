//! Where each table goes in the profile: the users table; a child table of
//! the table one of its foreign keys points to (the users table or, at any
//! depth, one of its children); or a root table of its own size. Pure over
//! the catalog.

use crate::target::catalog::{ForeignKey, Schema, Table};

#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    Users,
    /// A root table with `rows = N`.
    Root,
    /// Rows per row of `parent`, through the foreign key `via` (one column).
    Child {
        parent: String,
        via: String,
    },
}

#[derive(Debug, Clone)]
pub struct Placed {
    pub table: String,
    pub place: Place,
}

/// A single-column foreign key's (column, parent table).
fn single(fk: &ForeignKey) -> Option<(&str, &str)> {
    (fk.columns.len() == 1).then(|| (fk.columns[0].as_str(), fk.parent.as_str()))
}

/// Every table placed: the users table, then its children at any depth,
/// then the other tables as roots. A table below the users (one of its
/// foreign keys leads to them) is the child of the deepest table it points
/// to (`payments` → `invoices` rather than `payments` → `accounts`); but a
/// table that points to the users table itself is its child: a reference
/// from the users' tree to the users could name a user of a later batch,
/// not loaded yet (ARCHITECTURE.md § Exactly-once resume: a batch is a
/// range of users with the rows below them). A table is placed once every
/// table of the users' tree it points to is (a cycle is broken at the
/// deepest table placed).
pub fn place(schema: &Schema, users: &str) -> Vec<Placed> {
    let mut tree: Vec<&str> = vec![users];
    loop {
        let before = tree.len();
        for t in &schema.tables {
            if !tree.contains(&t.name.as_str())
                && t.foreign_keys
                    .iter()
                    .filter_map(single)
                    .any(|(_, p)| p != t.name && tree.contains(&p))
            {
                tree.push(&t.name);
            }
        }
        if tree.len() == before {
            break;
        }
    }
    let mut depth: Vec<(String, usize)> = vec![(users.to_string(), 0)];
    let mut out = vec![Placed {
        table: users.to_string(),
        place: Place::Users,
    }];
    let mut stuck = false;
    while out.len() < tree.len() {
        let mut progress = false;
        for t in &schema.tables {
            if !tree.contains(&t.name.as_str()) || depth.iter().any(|(n, _)| *n == t.name) {
                continue;
            }
            let fks: Vec<(&str, &str)> = t
                .foreign_keys
                .iter()
                .filter_map(single)
                .filter(|(_, p)| *p != t.name && tree.contains(p))
                .collect();
            let at = |p: &str| depth.iter().find(|(n, _)| n == p).map(|(_, d)| *d);
            if !stuck && fks.iter().any(|(_, p)| at(p).is_none()) {
                continue;
            }
            let placed: Vec<(&str, &str, usize)> = fks
                .iter()
                .filter_map(|(c, p)| at(p).map(|d| (*c, *p, d)))
                .collect();
            // The users table first, else the deepest (the first of equals).
            let mut best: Option<(&str, &str, usize)> = None;
            for c in placed {
                best = match best {
                    Some(b) if b.2 == 0 || c.2 <= b.2 && c.2 != 0 => Some(b),
                    _ => Some(c),
                };
            }
            let Some((col, parent, d)) = best else {
                continue;
            };
            depth.push((t.name.clone(), d + 1));
            out.push(Placed {
                table: t.name.clone(),
                place: Place::Child {
                    parent: parent.to_string(),
                    via: col.to_string(),
                },
            });
            progress = true;
            stuck = false;
        }
        if !progress {
            stuck = true;
        }
    }
    for t in &schema.tables {
        if !out.iter().any(|p| p.table == t.name) {
            out.push(Placed {
                table: t.name.clone(),
                place: Place::Root,
            });
        }
    }
    out
}

/// The table's foreign-key columns that point to a table placed as a root:
/// `reference` columns. The users table is one for a root table only: a
/// table of the users' own tree referring to a user other than its parent
/// could name one of a later batch (see `place`).
pub fn references<'a>(t: &'a Table, placed: &[Placed]) -> Vec<(&'a str, &'a str)> {
    let own = placed.iter().find(|x| x.table == t.name).map(|x| &x.place);
    let below_users = matches!(own, Some(Place::Child { .. }));
    t.foreign_keys
        .iter()
        .filter_map(single)
        .filter(|(_, p)| {
            *p != t.name
                && placed.iter().any(|x| {
                    x.table == *p
                        && (x.place == Place::Root || (x.place == Place::Users && !below_users))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::catalog::Table;

    fn table(name: &str, fks: &[(&str, &str)]) -> Table {
        Table {
            name: name.into(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            unique: Vec::new(),
            foreign_keys: fks
                .iter()
                .map(|(c, p)| ForeignKey {
                    columns: vec![c.to_string()],
                    parent: p.to_string(),
                    parent_columns: vec!["id".into()],
                })
                .collect(),
            rows_estimate: None,
        }
    }

    #[test]
    fn children_at_any_depth_and_roots() {
        let schema = Schema {
            tables: vec![
                table(
                    "order_items",
                    &[("order_id", "orders"), ("sku", "products")],
                ),
                table("orders", &[("user_id", "users")]),
                table("products", &[]),
                table("users", &[("org_id", "orgs")]),
                table("orgs", &[]),
            ],
        };
        let p = place(&schema, "users");
        let of = |n: &str| p.iter().find(|x| x.table == n).unwrap().place.clone();
        assert_eq!(of("users"), Place::Users);
        assert_eq!(
            of("order_items"),
            Place::Child {
                parent: "orders".into(),
                via: "order_id".into()
            }
        );
        assert_eq!(of("products"), Place::Root);
        assert_eq!(of("orgs"), Place::Root);
        let items = schema.table("order_items").unwrap();
        assert_eq!(references(items, &p), [("sku", "products")]);
    }

    #[test]
    fn a_table_is_the_child_of_the_deepest_table_it_points_to() {
        let schema = Schema {
            tables: vec![
                table(
                    "payments",
                    &[("account_id", "accounts"), ("invoice_id", "invoices")],
                ),
                table(
                    "refunds",
                    &[("invoice_id", "invoices"), ("approved_by", "users")],
                ),
                table("invoices", &[("account_id", "accounts")]),
                table("accounts", &[("member_id", "users")]),
                table("users", &[]),
                table("a", &[("b_id", "b"), ("user_id", "users")]),
                table("b", &[("a_id", "a")]),
            ],
        };
        let p = place(&schema, "users");
        let of = |n: &str| p.iter().find(|x| x.table == n).unwrap().place.clone();
        assert_eq!(
            of("payments"),
            Place::Child {
                parent: "invoices".into(),
                via: "invoice_id".into()
            }
        );
        assert_eq!(
            of("refunds"),
            Place::Child {
                parent: "users".into(),
                via: "approved_by".into()
            }
        );
        // A cycle below the users is broken, never a loop.
        assert!(matches!(of("a"), Place::Child { .. }));
        assert_eq!(
            of("b"),
            Place::Child {
                parent: "a".into(),
                via: "a_id".into()
            }
        );
    }
}
