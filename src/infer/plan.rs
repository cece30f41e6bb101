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

/// Every table placed: the users table, then children breadth first (a
/// table is the child of the first table reached that a foreign key of it
/// points to), then the other tables as roots.
pub fn place(schema: &Schema, users: &str) -> Vec<Placed> {
    let mut out = vec![Placed {
        table: users.to_string(),
        place: Place::Users,
    }];
    let mut frontier = vec![users.to_string()];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for parent in &frontier {
            for t in &schema.tables {
                if out.iter().any(|p| p.table == t.name) {
                    continue;
                }
                if let Some((col, _)) = t
                    .foreign_keys
                    .iter()
                    .filter_map(single)
                    .find(|(_, p)| p == parent)
                {
                    out.push(Placed {
                        table: t.name.clone(),
                        place: Place::Child {
                            parent: parent.clone(),
                            via: col.to_string(),
                        },
                    });
                    next.push(t.name.clone());
                }
            }
        }
        frontier = next;
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

/// The table's foreign-key columns that point to a table placed as a root
/// (the users table or another root): `reference` columns.
pub fn references<'a>(t: &'a Table, placed: &[Placed]) -> Vec<(&'a str, &'a str)> {
    t.foreign_keys
        .iter()
        .filter_map(single)
        .filter(|(_, p)| {
            *p != t.name
                && placed
                    .iter()
                    .any(|x| x.table == *p && matches!(x.place, Place::Users | Place::Root))
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
}
