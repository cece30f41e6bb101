//! The users table: given with `--users-table`, or guessed by its name and
//! shape (an email or login column, the foreign keys that point to it); its
//! key, and the fields of a user other tables may repeat.

use super::names::{self, Field, Guess};
use crate::error::{Error, Result};
use crate::target::catalog::{Expr, Family, Schema, Table};

/// A value of the users table other columns are compared with.
#[derive(Debug, Clone)]
pub struct UserField {
    pub field: Field,
    pub expr: Expr,
    pub family: Family,
}

impl UserField {
    /// `users.email`, `users.first_name+last_name`.
    pub fn label(&self, table: &str) -> String {
        format!("{table}.{}", self.expr.label())
    }
}

#[derive(Debug, Clone)]
pub struct Users {
    pub table: String,
    /// The key other tables refer to, when there is one column to name.
    pub key: Option<String>,
    /// The key first, then the fields by kind.
    pub fields: Vec<UserField>,
    pub given: bool,
    /// How the table was chosen, in words.
    pub how: String,
}

impl Users {
    /// The fields of `field`'s kind.
    pub fn of(&self, field: Field) -> impl Iterator<Item = &UserField> {
        self.fields.iter().filter(move |f| f.field == field)
    }
}

/// The users table `given`, or the one the schema's names and keys point to.
pub fn choose(schema: &Schema, given: Option<&str>) -> Result<Users> {
    let (table, given, how) = match given {
        Some(name) => match schema.table(name) {
            Some(t) => (t, true, "given with --users-table".to_string()),
            None => return Err(unknown(schema, name)),
        },
        None => {
            let (t, how) = guess(schema)?;
            (t, false, how)
        }
    };
    let (key, fields) = fields(table);
    Ok(Users {
        table: table.name.clone(),
        key,
        fields,
        given,
        how,
    })
}

fn unknown(schema: &Schema, name: &str) -> Error {
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    let hint = match crate::util::did_you_mean(name, names.iter().copied()) {
        Some(s) => format!("; did you mean `{s}`?"),
        None if names.is_empty() => "; the database has no tables".to_string(),
        None => format!("; its tables: {}", names.join(", ")),
    };
    Error::usage(format!(
        "--users-table {name}: no such table in the source{hint}"
    ))
}

/// How many foreign keys of other tables point to `table`.
fn incoming(schema: &Schema, table: &str) -> usize {
    schema
        .tables
        .iter()
        .flat_map(|t| &t.foreign_keys)
        .filter(|fk| fk.parent == table)
        .count()
}

/// The columns that identify a user (an email, a login).
fn identities(t: &Table) -> Vec<&str> {
    t.columns
        .iter()
        .filter(|c| c.family.is_textual())
        .filter(|c| {
            matches!(
                names::guess(&c.name, &t.name),
                Some(Guess::Copy(Field::Email) | Guess::Login)
            )
        })
        .map(|c| c.name.as_str())
        .collect()
}

/// The best-named table with an email or login column (ties: the most
/// referenced, then the largest); else the table with an email or login
/// column that most foreign keys point to.
fn guess(schema: &Schema) -> Result<(&Table, String)> {
    let scored: Vec<(usize, &Table, Vec<&str>)> = schema
        .tables
        .iter()
        .filter_map(|t| {
            let ids = identities(t);
            let rank = names::users_rank(&t.name)?;
            (!ids.is_empty()).then_some((rank, t, ids))
        })
        .collect();
    // A candidate with a foreign key to another candidate is that one's
    // child (`accounts.member_id` → `members`): not the users table.
    let child = |t: &Table| {
        t.foreign_keys
            .iter()
            .any(|fk| fk.parent != t.name && scored.iter().any(|(_, o, _)| o.name == fk.parent))
    };
    let parents: Vec<&(usize, &Table, Vec<&str>)> =
        scored.iter().filter(|(_, t, _)| !child(t)).collect();
    let pool = if parents.is_empty() {
        scored.iter().collect()
    } else {
        parents
    };
    let best = pool.into_iter().min_by_key(|(rank, t, _)| {
        (
            *rank,
            std::cmp::Reverse(incoming(schema, &t.name)),
            std::cmp::Reverse(t.rows_estimate.unwrap_or(0)),
        )
    });
    if let Some((_, t, ids)) = best {
        let t: &Table = t;
        let n = incoming(schema, &t.name);
        let fks = match n {
            0 => String::new(),
            1 => "; 1 foreign key points to it".to_string(),
            n => format!("; {n} foreign keys point to it"),
        };
        return Ok((
            t,
            format!("guessed: named `{}`, with {}{fks}", t.name, ids.join(", ")),
        ));
    }
    let referenced = schema
        .tables
        .iter()
        .filter(|t| !identities(t).is_empty())
        .map(|t| (incoming(schema, &t.name), t))
        .filter(|(n, _)| *n > 0)
        .max_by_key(|(n, t)| (*n, std::cmp::Reverse(t.name.clone())));
    match referenced {
        Some((n, t)) => Ok((
            t,
            format!(
                "guessed: no table is named like the users; `{}` has {} and the most foreign keys pointing to it ({n})",
                t.name,
                identities(t).join(", ")
            ),
        )),
        None => Err(Error::usage(format!(
            "no users table found among the source's {}: none is named users, accounts, members, customers… with an email or login column; name it with --users-table",
            crate::util::count(schema.tables.len() as u64, "table", "tables")
        ))),
    }
}

/// The users table's key and the fields other tables may repeat.
fn fields(t: &Table) -> (Option<String>, Vec<UserField>) {
    let key = match t.primary_key.as_slice() {
        [k] => Some(k.clone()),
        _ => ["id", "uuid", "user_id"]
            .iter()
            .find(|k| t.column(k).is_some())
            .map(|k| k.to_string()),
    };
    let mut out = Vec::new();
    if let Some(k) = &key
        && let Some(c) = t.column(k)
    {
        out.push(UserField {
            field: Field::Key,
            expr: Expr::Column(k.clone()),
            family: c.family,
        });
    }
    for c in t.columns.iter().filter(|c| c.family.is_textual()) {
        let field = match names::guess(&c.name, &t.name) {
            Some(Guess::Copy(f)) => f,
            Some(Guess::Login) => Field::Username,
            _ => continue,
        };
        if Some(&c.name) == key.as_ref() {
            continue;
        }
        out.push(UserField {
            field,
            expr: Expr::Column(c.name.clone()),
            family: c.family,
        });
    }
    let first = out.iter().find(|f| f.field == Field::FirstName);
    let last = out.iter().find(|f| f.field == Field::LastName);
    if let (
        Some(UserField {
            expr: Expr::Column(a),
            ..
        }),
        Some(UserField {
            expr: Expr::Column(b),
            ..
        }),
    ) = (first, last)
    {
        let words = Expr::Words(a.clone(), b.clone());
        out.push(UserField {
            field: Field::FullName,
            expr: words,
            family: Family::Text,
        });
    }
    out.sort_by_key(|f| f.field);
    (key, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, cols: &[(&str, &str)], pk: &[&str], fks: &[(&str, &str)]) -> Table {
        Table::sketch(name, cols, pk, fks)
    }

    #[test]
    fn the_users_table_is_guessed_by_name_and_an_email() {
        let schema = Schema {
            tables: vec![
                table("accounts", &[("id", "int"), ("iban", "text")], &["id"], &[]),
                table(
                    "users",
                    &[
                        ("id", "integer"),
                        ("email", "text"),
                        ("first_name", "text"),
                        ("last_name", "text"),
                    ],
                    &["id"],
                    &[],
                ),
                table(
                    "orders",
                    &[("user_id", "integer")],
                    &[],
                    &[("user_id", "users")],
                ),
            ],
        };
        let u = choose(&schema, None).unwrap();
        assert_eq!(u.table, "users");
        assert_eq!(u.key.as_deref(), Some("id"));
        assert!(!u.given);
        assert_eq!(
            u.how,
            "guessed: named `users`, with email; 1 foreign key points to it"
        );
        let labels: Vec<String> = u.fields.iter().map(|f| f.label("users")).collect();
        assert_eq!(
            labels,
            [
                "users.id",
                "users.email",
                "users.first_name+last_name",
                "users.first_name",
                "users.last_name"
            ]
        );
    }

    #[test]
    fn a_candidate_that_points_to_another_is_its_child() {
        let schema = Schema {
            tables: vec![
                table(
                    "accounts",
                    &[
                        ("id", "int"),
                        ("member_id", "int"),
                        ("billing_email", "text"),
                    ],
                    &["id"],
                    &[("member_id", "members")],
                ),
                table(
                    "members",
                    &[("id", "int"), ("email_address", "text")],
                    &["id"],
                    &[],
                ),
            ],
        };
        assert_eq!(choose(&schema, None).unwrap().table, "members");
    }

    #[test]
    fn without_a_users_name_the_most_referenced_table_with_an_email() {
        let schema = Schema {
            tables: vec![
                table("staff", &[("id", "int"), ("mail", "text")], &["id"], &[]),
                table(
                    "tickets",
                    &[("staff_id", "int")],
                    &[],
                    &[("staff_id", "staff")],
                ),
            ],
        };
        assert_eq!(choose(&schema, None).unwrap().table, "staff");
        let none = Schema {
            tables: vec![table("t", &[("id", "int")], &["id"], &[])],
        };
        let e = choose(&none, None).unwrap_err();
        assert!(e.message.contains("--users-table"), "{e}");
        let e = choose(&none, Some("tt")).unwrap_err();
        assert!(e.message.contains("did you mean `t`"), "{e}");
    }
}
