//! What names say: which table is probably the users table, which columns
//! (and JSON keys) are probably a reference to a user or a copy of one of a
//! user's fields. A name is only evidence: a column is reported when the
//! values measured inside the database agree (`probe`).

/// The words of a name: `createdBy` → created, by; `customer_email` →
/// customer, email; `UserID` → user, id.
pub fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && i > 0
            && (chars[i - 1].is_lowercase()
                || (chars[i - 1].is_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_lowercase())));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The field of a user a value may repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// The users table's key.
    Key,
    Email,
    Username,
    FullName,
    FirstName,
    LastName,
    Phone,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Key => "key",
            Field::Email => "email",
            Field::Username => "username",
            Field::FullName => "name",
            Field::FirstName => "first name",
            Field::LastName => "last name",
            Field::Phone => "phone",
        }
    }
}

/// What a column's name suggests it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guess {
    /// A reference to a user (`user_id`, `owner_id`, `created_by`, `author`):
    /// its values would be the users' key, or an email or username.
    Link,
    /// A login (`login`, `username`, `handle`): a username or an email.
    Login,
    /// One of a user's fields, copied.
    Copy(Field),
}

impl Guess {
    /// The users' fields the values are compared with, in order of preference.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Guess::Link => &[Field::Key, Field::Email, Field::Username, Field::FullName],
            Guess::Login => &[Field::Username, Field::Email, Field::Key],
            Guess::Copy(Field::Email) => &[Field::Email],
            Guess::Copy(Field::FirstName) => &[Field::FirstName],
            Guess::Copy(Field::LastName) => &[Field::LastName],
            Guess::Copy(Field::Phone) => &[Field::Phone],
            Guess::Copy(Field::Username) => &[Field::Username],
            Guess::Copy(_) => &[Field::FullName],
        }
    }

    /// A match on `field` makes the column a reference (it names a user),
    /// otherwise a copy of the field.
    pub fn refers(self, field: Field) -> bool {
        field == Field::Key
            || (matches!(self, Guess::Link | Guess::Login)
                && matches!(field, Field::Email | Field::Username))
    }
}

/// Nouns for a person whose `<noun>_id` is probably a user's key.
const PERSONS: &[&str] = &[
    "user",
    "owner",
    "author",
    "creator",
    "assignee",
    "reporter",
    "member",
    "account",
    "customer",
    "person",
    "actor",
    "sender",
    "recipient",
    "requester",
    "reviewer",
    "uploader",
    "buyer",
    "seller",
    "editor",
    "moderator",
    "subscriber",
    "follower",
    "referrer",
    "inviter",
    "approver",
    "client",
    "employee",
    "operator",
    "admin",
    "agent",
    "signer",
    "submitter",
    "commenter",
    "poster",
    "liker",
    "voter",
    "payer",
    "holder",
    "manager",
    "supervisor",
    "mentor",
];

/// Qualifiers of a `…_name` that is not a person's name.
const NOT_PERSONS: &[&str] = &[
    "file",
    "host",
    "domain",
    "table",
    "column",
    "schema",
    "class",
    "type",
    "event",
    "job",
    "queue",
    "product",
    "company",
    "org",
    "organization",
    "organisation",
    "team",
    "group",
    "role",
    "plan",
    "tag",
    "category",
    "brand",
    "city",
    "country",
    "state",
    "region",
    "street",
    "bucket",
    "key",
    "field",
    "device",
    "app",
    "application",
    "service",
    "server",
    "project",
    "repo",
    "branch",
    "model",
    "template",
    "feature",
    "permission",
    "resource",
    "database",
    "index",
    "item",
    "sku",
    "store",
    "shop",
    "site",
    "page",
    "list",
    "channel",
    "workspace",
    "tenant",
    "bank",
    "method",
    "status",
    "step",
    "task",
    "module",
    "package",
    "path",
    "setting",
    "metric",
];

/// What the name of a column (or of a JSON key) suggests it holds, if
/// anything a user owns. `table` is the column's table (a plain `name` in
/// `products` is no person's).
pub fn guess(name: &str, table: &str) -> Option<Guess> {
    let w = words(name);
    let joined = w.concat();
    let last = w.last().map(String::as_str).unwrap_or("");
    let has = |x: &str| w.iter().any(|v| v == x);
    if has("email") || has("mail") || joined.contains("email") {
        return Some(Guess::Copy(Field::Email));
    }
    if matches!(
        joined.as_str(),
        "login" | "username" | "handle" | "screenname" | "nickname" | "userlogin" | "nick"
    ) || matches!(last, "login" | "username")
    {
        return Some(Guess::Login);
    }
    if ["phone", "mobile", "msisdn", "telephone", "tel", "cell"]
        .iter()
        .any(|p| has(p))
        || joined.contains("phone")
    {
        return Some(Guess::Copy(Field::Phone));
    }
    if let Some(g) = person_link(&w, &joined, last) {
        return Some(g);
    }
    name_guess(&w, &joined, last, table)
}

/// `user_id`, `owner_id`, `userid`, `uid`, `created_by`, `created_by_id`,
/// `author`, `assigned_user`…
fn person_link(w: &[String], joined: &str, last: &str) -> Option<Guess> {
    let person = |s: &str| PERSONS.contains(&s);
    let n = w.len();
    if last == "by" || (n >= 2 && last == "id" && w[n - 2] == "by") {
        return Some(Guess::Link);
    }
    if matches!(last, "id" | "uuid" | "key" | "ref" | "fk")
        && n >= 2
        && person(&singular(&w[n - 2]))
    {
        return Some(Guess::Link);
    }
    if matches!(joined, "uid" | "userid" | "useruuid") || (n == 1 && person(last)) {
        return Some(Guess::Link);
    }
    if n >= 2 && last == "user" {
        return Some(Guess::Link);
    }
    None
}

/// `first_name`, `surname`, `display_name`, `author_name`, a plain `name` in
/// a table of people…
fn name_guess(w: &[String], joined: &str, last: &str, table: &str) -> Option<Guess> {
    let part = |first: bool| {
        Some(Guess::Copy(if first {
            Field::FirstName
        } else {
            Field::LastName
        }))
    };
    match joined {
        "firstname" | "givenname" | "forename" => return part(true),
        "lastname" | "familyname" | "surname" => return part(false),
        "fullname" | "displayname" | "realname" | "contactname" => {
            return Some(Guess::Copy(Field::FullName));
        }
        _ => {}
    }
    if last != "name" && last != "surname" {
        return None;
    }
    let has = |x: &str| w.iter().any(|v| v == x);
    if has("first") || has("given") {
        return part(true);
    }
    if has("last") || has("family") || last == "surname" {
        return part(false);
    }
    if has("user") && w.len() == 2 {
        // `user_name`: a login more often than a name.
        return Some(Guess::Login);
    }
    let qualifier = if w.len() == 1 {
        singular(&words(table).concat())
    } else {
        w[w.len() - 2].clone()
    };
    (!NOT_PERSONS.contains(&qualifier.as_str())).then_some(Guess::Copy(Field::FullName))
}

/// `orders` → order, `categories` → category, `addresses` → address.
pub fn singular(s: &str) -> String {
    if let Some(b) = s.strip_suffix("ies") {
        format!("{b}y")
    } else if let Some(b) = s.strip_suffix("sses").or_else(|| s.strip_suffix("xes")) {
        format!("{b}{}", &s[b.len()..s.len() - 2])
    } else if let Some(b) = s
        .strip_suffix('s')
        .filter(|b| !b.ends_with('s') && !b.ends_with('u'))
    {
        b.to_string()
    } else {
        s.to_string()
    }
}

/// The table a `<noun>_id` column names by its noun (`account_id` →
/// `accounts`), among `tables`: such a column refers to that table, not to
/// the users.
pub fn named_table<'a>(column: &str, tables: &[&'a str]) -> Option<&'a str> {
    let w = words(column);
    let n = w.len();
    if n < 2 || !matches!(w[n - 1].as_str(), "id" | "uuid" | "key" | "ref" | "fk") {
        return None;
    }
    let noun = w[..n - 1].concat();
    tables.iter().copied().find(|t| {
        let t = words(t).concat();
        t == noun || singular(&t) == noun
    })
}

/// A JSON key that names a user by itself (`user`, `user_id`, `userEmail`,
/// `login`): its object is about a user whatever its values.
pub fn names_a_user(key: &str) -> bool {
    let w = words(key);
    w.iter().any(|x| x == "user" || x == "users")
        || matches!(w.concat().as_str(), "uid" | "login" | "username")
}

/// Table names that usually hold the users, best first.
const USERS_TABLES: &[&str] = &[
    "users",
    "user",
    "accounts",
    "account",
    "members",
    "member",
    "customers",
    "customer",
    "people",
    "person",
    "persons",
    "authuser",
    "appusers",
    "identities",
    "profiles",
];

/// How much a table's name says it holds the users: the rank among the
/// usual names (0 best), or one past them for a `…_users` table.
pub fn users_rank(table: &str) -> Option<usize> {
    let joined = words(table).concat();
    if let Some(i) = USERS_TABLES.iter().position(|n| *n == joined) {
        return Some(i);
    }
    let w = words(table);
    w.last()
        .filter(|l| matches!(l.as_str(), "users" | "user" | "accounts" | "members"))
        .map(|_| USERS_TABLES.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_words() {
        assert_eq!(words("createdBy"), ["created", "by"]);
        assert_eq!(words("customer_email"), ["customer", "email"]);
        assert_eq!(words("UserID"), ["user", "id"]);
        assert_eq!(words("HTTPStatus"), ["http", "status"]);
    }

    #[test]
    fn columns_that_name_a_user() {
        for n in [
            "user_id",
            "owner_id",
            "created_by",
            "updated_by",
            "createdBy",
            "author",
            "author_id",
            "approved_by_id",
            "assigned_user",
            "userId",
            "uid",
            "buyer_id",
            "owner_ref",
            "customer_fk",
        ] {
            assert_eq!(guess(n, "t"), Some(Guess::Link), "{n}");
        }
        for n in ["login", "username", "user_name", "handle"] {
            assert_eq!(guess(n, "t"), Some(Guess::Login), "{n}");
        }
    }

    #[test]
    fn columns_that_copy_a_field() {
        let copy = |f| Some(Guess::Copy(f));
        assert_eq!(guess("customer_email", "invoices"), copy(Field::Email));
        assert_eq!(guess("product_email", "suppliers"), copy(Field::Email));
        assert_eq!(guess("author_name", "posts"), copy(Field::FullName));
        assert_eq!(guess("first_name", "contacts"), copy(Field::FirstName));
        assert_eq!(guess("surname", "contacts"), copy(Field::LastName));
        assert_eq!(guess("phone_number", "t"), copy(Field::Phone));
        assert_eq!(guess("name", "customers"), copy(Field::FullName));
    }

    #[test]
    fn decoys_say_nothing() {
        for (n, t) in [
            ("item_id", "order_items"),
            ("status", "orders"),
            ("id", "users"),
            ("name", "roles"),
            ("name", "products"),
            ("product_name", "orders"),
            ("file_name", "documents"),
            ("created_at", "documents"),
            ("quantity", "order_items"),
            ("order_id", "order_items"),
            ("users", "plans"),
            ("user_count", "plans"),
            ("user_agent", "sessions"),
        ] {
            assert_eq!(guess(n, t), None, "{t}.{n}");
        }
    }

    #[test]
    fn json_keys_that_name_a_user() {
        for k in ["user", "user_id", "userEmail", "login", "uid"] {
            assert!(names_a_user(k), "{k}");
        }
        for k in ["email", "name", "kind", "username_hint_x"] {
            assert!(!names_a_user(k), "{k}");
        }
    }

    #[test]
    fn a_noun_id_names_its_table() {
        let tables = ["accounts", "users", "categories", "order_items"];
        assert_eq!(named_table("account_id", &tables), Some("accounts"));
        assert_eq!(named_table("category_id", &tables), Some("categories"));
        assert_eq!(named_table("order_item_id", &tables), Some("order_items"));
        assert_eq!(named_table("owner_id", &tables), None);
        assert_eq!(named_table("created_by", &tables), None);
    }

    #[test]
    fn users_tables_by_name() {
        assert_eq!(users_rank("users"), Some(0));
        assert_eq!(users_rank("Accounts"), Some(2));
        assert_eq!(users_rank("auth_user"), Some(11));
        assert_eq!(users_rank("legacy_users"), Some(USERS_TABLES.len()));
        assert_eq!(users_rank("orders"), None);
    }
}
