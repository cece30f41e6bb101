//! Where each table goes in the profile: the users table; a child table of
//! the table one of its foreign keys points to (the users table or, at any
//! depth, one of its children); or a root table of its own size. Pure over
//! the catalog.

use crate::target::catalog::{ForeignKey, Schema};

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
/// to (`refunds` → `invoices` rather than `refunds` → `users` through
/// `approved_by`, which becomes a reference). A table is placed once every
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
            // The deepest (the first of equals).
            let mut best: Option<(&str, &str, usize)> = None;
            for c in placed {
                best = match best {
                    Some(b) if c.2 <= b.2 => Some(b),
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

/// A foreign key kept as a `reference` column.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub table: String,
    pub column: String,
    pub to: String,
}

/// Every table's single-column foreign keys other than the one to its
/// parent, as `reference` columns: to a root, to the users table or a
/// table of its tree, or to the table itself (ARCHITECTURE.md § Foreign
/// keys after the load). The profile needs a load order: a key that would
/// close a cycle between tables, or between root tables and their trees
/// (which load one after the other), is left out, the users' tree's keys
/// being kept first (`place`'s order).
pub fn references(schema: &Schema, placed: &[Placed]) -> Vec<Reference> {
    let at = |n: &str| placed.iter().position(|p| p.table == n);
    let parent: Vec<Option<usize>> = placed
        .iter()
        .map(|p| match &p.place {
            Place::Child { parent, .. } => at(parent),
            _ => None,
        })
        .collect();
    let root = |mut i: usize| {
        while let Some(p) = parent[i] {
            i = p;
        }
        i
    };
    let n = placed.len();
    let mut tables: Vec<Vec<usize>> = (0..n).map(|i| parent[i].into_iter().collect()).collect();
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut out = Vec::new();
    for (i, p) in placed.iter().enumerate() {
        let Some(t) = schema.table(&p.table) else {
            continue;
        };
        let via = match &p.place {
            Place::Child { via, .. } => Some(via.as_str()),
            _ => None,
        };
        for (col, to) in t.foreign_keys.iter().filter_map(single) {
            // A profile's reference names its target's one-column key.
            let keyed = schema.table(to).is_some_and(|x| x.primary_key.len() == 1);
            let Some(j) = at(to).filter(|_| Some(col) != via && keyed) else {
                continue;
            };
            let (ri, rj) = (root(i), root(j));
            let closes =
                j != i && (reaches(&tables, j, i) || (ri != rj && reaches(&groups, rj, ri)));
            if closes {
                continue;
            }
            if j != i {
                tables[i].push(j);
            }
            if ri != rj {
                groups[ri].push(rj);
            }
            out.push(Reference {
                table: p.table.clone(),
                column: col.to_string(),
                to: to.to_string(),
            });
        }
    }
    out
}

/// Whether `to` is reachable from `from` along `edges`.
fn reaches(edges: &[Vec<usize>], from: usize, to: usize) -> bool {
    let mut seen = vec![false; edges.len()];
    let mut stack = vec![from];
    while let Some(x) = stack.pop() {
        if x == to {
            return true;
        }
        if !std::mem::replace(&mut seen[x], true) {
            stack.extend(edges[x].iter().copied());
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::catalog::Table;

    fn table(name: &str, fks: &[(&str, &str)]) -> Table {
        Table::sketch(name, &[], &["id"], fks)
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
        let refs = references(&schema, &p);
        let of_table = |t: &str| {
            refs.iter()
                .filter(|r| r.table == t)
                .map(|r| (r.column.as_str(), r.to.as_str()))
                .collect::<Vec<_>>()
        };
        assert_eq!(of_table("order_items"), [("sku", "products")]);
        assert_eq!(of_table("users"), [("org_id", "orgs")]);
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
                parent: "invoices".into(),
                via: "invoice_id".into()
            }
        );
        // The second key into the users' tree is a reference; a key that
        // would close the cycle a ↔ b is not.
        let refs = references(&schema, &p);
        let has = |t: &str, c: &str, to: &str| {
            refs.iter()
                .any(|r| r.table == t && r.column == c && r.to == to)
        };
        assert!(has("refunds", "approved_by", "users"));
        assert!(has("payments", "account_id", "accounts"));
        assert!(!has("a", "b_id", "b") || !has("b", "a_id", "a"));
        assert!(!refs.iter().any(|r| r.table == "a" && r.column == "b_id"));
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
