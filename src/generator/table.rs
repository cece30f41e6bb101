//! A profile compiled for one run: per-table, per-column generators whose
//! every value is a pure function of (seed, table, column, row index).

mod count;
mod identity;

pub use count::CountGen;
use count::total_rows;

pub use identity::base32;

use super::permute::Permutation;
use super::person::{Handles, People, Person, push_i64, push_u64};
use super::values::{homoglyph, push_json, push_text, push_ulid, push_uuid};
use crate::edge::{Case, Family, Injection, Injector, Make};
use crate::hash::plaintext as password;
use crate::hash::{Encoded, Pool};
use crate::profile::{Curve, Kind, Pick, Profile, Size};
use crate::rng::{Rng, Weighted, mix64, stream_key};
use crate::row::{FieldKind, RowBuf};
use crate::time::push_rfc3339;

const NULL_SALT: u64 = 0x6e75_6c6c;

pub struct Gen {
    pub tables: Vec<TableGen>,
    pub users_table: usize,
    pub pools: Vec<Pool>,
    mix: Weighted,
    password_key: u64,
    /// Edge-case injection, when the rate is above zero.
    pub edge: Option<Injector>,
    /// Hashes of password edge cases, `[mix entry][case]` (computed once: the
    /// plaintext is fixed per case).
    pub edge_hashes: Vec<Vec<Option<Encoded>>>,
}

/// `Injection::case` of the NFC twin that an `email.nfd-duplicate` implies.
pub const NFC_TWIN: usize = usize::MAX;

pub struct TableGen {
    pub name: String,
    /// Total rows of a root table (all shards); 0 for child tables (at any
    /// depth: their size is a sum of per-parent counts).
    pub rows: u64,
    pub parent: Option<usize>,
    pub count: Option<CountGen>,
    pub pk: Vec<usize>,
    pub children: Vec<usize>,
    cols: Vec<ColGen>,
    people: Option<(u64, People)>,
    handles: Option<Handles>,
}

struct ColGen {
    key: u64,
    null_rate: f64,
    kind: ColKind,
}

enum ColKind {
    Uuid(Permutation),
    Sequence(i64),
    Ulid(Permutation, Option<usize>),
    FirstName,
    LastName,
    FullName,
    Email,
    Username,
    Phone,
    Country(bool),
    /// `growth` holds (rate, e^rate − 1) for the growth curve's inverse CDF.
    Timestamp {
        from: i64,
        to: i64,
        growth: Option<(f64, f64)>,
        after: Option<usize>,
    },
    Bool(f64),
    Enum(Vec<String>, Weighted),
    Cycle(Vec<String>),
    Int(i64, i64),
    Text(u32, u32),
    Json,
    PasswordHash,
    PasswordSalt,
    Parent,
    /// A row of `table` (any table: a root, a table below one, this one)
    /// picked over its flat indices `0..rows` (ARCHITECTURE.md § Parents).
    Reference {
        table: usize,
        pick: Picker,
        distinct: bool,
        rows: u64,
    },
    /// TOTP secrets, backup codes, MFA phones, linked identities.
    Identity(identity::IdCol),
}

enum Picker {
    Uniform(u64),
    Zipf(Weighted),
}

impl Picker {
    #[inline]
    fn pick(&self, rng: &mut Rng) -> u64 {
        match self {
            Picker::Uniform(n) => rng.below(*n),
            Picker::Zipf(w) => w.sample(rng) as u64,
        }
    }
}

/// Per-thread scratch space reused across rows.
#[derive(Default)]
pub struct Scratch {
    pub password: String,
    /// Derive the plaintext password even where no hash column needs it.
    pub want_password: bool,
    picks: Vec<Vec<u64>>,
    /// The edge cases injected into the current row.
    pub injections: Vec<Injection>,
    /// The salt of the row's hash when its format keeps it in a column.
    salt: Option<String>,
    /// Which entry of the password mix (`Gen::pools`) the row's hash is from.
    pub mix: Option<usize>,
}

impl Scratch {
    /// The salt of the row's hash when its format keeps it in a column.
    pub fn salt(&self) -> Option<&str> {
        self.salt.as_deref()
    }
}

/// The identity of a row being generated.
#[derive(Clone, Copy)]
pub struct RowId {
    pub index: u64,
    pub parent: u64,
    pub ordinal: u32,
}

impl TableGen {
    /// Table `ti` of `profile`, before its children and reference pickers are
    /// known (see `Gen::new`).
    fn new(
        profile: &Profile,
        ti: usize,
        seed: u64,
        users: u64,
        domains: &[(String, u32)],
    ) -> TableGen {
        let t = &profile.tables[ti];
        let tkey = stream_key(seed, &format!("table:{}", t.name));
        let rows = match t.size {
            Size::Users => users,
            Size::Rows(n) => n,
            Size::PerParent { .. } => 0,
        };
        let (parent, count) = match &t.size {
            Size::PerParent { parent, count } => (
                Some(*parent),
                Some(CountGen::new(mix64(tkey ^ 0xc0), count)),
            ),
            _ => (None, None),
        };
        let person_kinds = |k: &Kind| {
            matches!(
                k,
                Kind::FirstName
                    | Kind::LastName
                    | Kind::FullName
                    | Kind::Email
                    | Kind::Username
                    | Kind::Phone
                    | Kind::Country { .. }
            ) || matches!(k, Kind::MfaPhone { countries } if countries.is_empty())
        };
        let needs_people = t.columns.iter().any(|c| person_kinds(&c.kind));
        let handles = t
            .columns
            .iter()
            .any(|c| matches!(c.kind, Kind::Email | Kind::Username))
            // A child table's handles embed a permutation of its flat
            // row index, so the domain must cover every row it can have.
            .then(|| {
                let domain = profile.max_rows(ti, users).unwrap_or(u64::MAX);
                Handles::new(domain.max(1), mix64(tkey ^ 0xe0), domains)
            });
        let first_ts = t
            .columns
            .iter()
            .position(|c| matches!(c.kind, Kind::Timestamp { .. }));
        let domain = profile.max_rows(ti, users).unwrap_or(u64::MAX);
        let cols = t
            .columns
            .iter()
            .map(|c| {
                let key = stream_key(tkey, &c.name);
                ColGen {
                    key,
                    null_rate: c.null_rate,
                    kind: match identity::IdCol::new(&c.kind, key, domain) {
                        Some(id) => ColKind::Identity(id),
                        None => ColKind::new(&c.kind, key, first_ts),
                    },
                }
            })
            .collect();
        TableGen {
            name: t.name.clone(),
            rows,
            parent,
            count,
            pk: t.primary_key.clone(),
            children: Vec::new(),
            cols,
            people: needs_people.then(|| (mix64(tkey ^ 0x9e), People::new(&t.locales))),
            handles,
        }
    }
}

impl ColKind {
    /// A column of kind `kind` drawing from stream `key`; `first_ts` is the
    /// table's first timestamp column (a ULID's time part).
    fn new(kind: &Kind, key: u64, first_ts: Option<usize>) -> ColKind {
        match kind {
            Kind::Uuid => ColKind::Uuid(Permutation::new(1 << 62, key)),
            Kind::Sequence { start } => ColKind::Sequence(*start),
            Kind::Ulid => ColKind::Ulid(Permutation::new(1 << 62, key), first_ts),
            Kind::FirstName => ColKind::FirstName,
            Kind::LastName => ColKind::LastName,
            Kind::FullName => ColKind::FullName,
            Kind::Email => ColKind::Email,
            Kind::Username => ColKind::Username,
            Kind::Phone => ColKind::Phone,
            Kind::Country { names } => ColKind::Country(*names),
            Kind::Timestamp {
                from,
                to,
                curve,
                after,
            } => ColKind::Timestamp {
                from: *from,
                to: *to,
                growth: match curve {
                    Curve::Uniform => None,
                    Curve::Growth(g) => Some((*g, g.exp() - 1.0)),
                },
                after: *after,
            },
            Kind::Bool { rate } => ColKind::Bool(*rate),
            Kind::Enum { values } => ColKind::Enum(
                values.iter().map(|(v, _)| v.clone()).collect(),
                Weighted::new(values.iter().map(|(_, w)| *w as u64)),
            ),
            Kind::Cycle { values } => ColKind::Cycle(values.clone()),
            Kind::Int { min, max } => ColKind::Int(*min, *max),
            Kind::Text {
                min_words,
                max_words,
            } => ColKind::Text(*min_words, *max_words),
            Kind::Json => ColKind::Json,
            Kind::PasswordHash => ColKind::PasswordHash,
            Kind::PasswordSalt => ColKind::PasswordSalt,
            Kind::Parent => ColKind::Parent,
            Kind::Reference {
                table,
                pick,
                distinct,
            } => ColKind::Reference {
                table: *table,
                pick: match pick {
                    // Sized later, once every root table's row count is known.
                    Pick::Uniform => Picker::Uniform(0),
                    Pick::Zipf(s) => Picker::Zipf(Weighted::new([*s as u64])),
                },
                distinct: *distinct,
                rows: 0,
            },
            _ => unreachable!("identity kinds are compiled by IdCol::new"),
        }
    }
}

impl Gen {
    pub fn new(
        profile: &Profile,
        seed: u64,
        users: u64,
        domains: &[(String, u32)],
        pools: Vec<Pool>,
    ) -> Gen {
        let mut tables: Vec<TableGen> = (0..profile.tables.len())
            .map(|ti| TableGen::new(profile, ti, seed, users, domains))
            .collect();
        // Children lists and reference pickers sized to their target tables.
        for i in 0..tables.len() {
            if let Some(p) = tables[i].parent {
                tables[p].children.push(i);
            }
        }
        let mut rows: Vec<Option<u64>> = vec![None; tables.len()];
        for (ti, t) in profile.tables.iter().enumerate() {
            for (ci, c) in t.columns.iter().enumerate() {
                if let Kind::Reference { table, pick, .. } = &c.kind {
                    let all = total_rows(&tables, *table, &mut rows);
                    if let ColKind::Reference { rows, .. } = &mut tables[ti].cols[ci].kind {
                        *rows = all;
                    }
                    let n = all.max(1);
                    let picker = match pick {
                        Pick::Uniform => Picker::Uniform(n),
                        // Rank r gets mass (r+1)^-s; capped at 1M ranks (the tail is uniform enough).
                        Pick::Zipf(s) => Picker::Zipf(Weighted::from_f64(
                            &(0..n.min(1_000_000))
                                .map(|r| ((r + 1) as f64).powf(-s))
                                .collect::<Vec<_>>(),
                        )),
                    };
                    if let ColKind::Reference { pick, .. } = &mut tables[ti].cols[ci].kind {
                        *pick = picker;
                    }
                }
            }
        }
        Gen {
            tables,
            users_table: profile.users_table,
            mix: Weighted::new(profile.passwords.mix.iter().map(|m| m.share as u64)),
            pools,
            password_key: stream_key(seed, "password"),
            edge: None,
            edge_hashes: Vec::new(),
        }
    }

    /// Every table below root table `root` (children, their children, …)
    /// in load order, so each comes after its parent (ARCHITECTURE.md § Parents).
    pub fn descendants(&self, root: usize) -> Vec<usize> {
        let below = |mut t: usize| {
            while let Some(p) = self.tables[t].parent {
                if p == root {
                    return true;
                }
                t = p;
            }
            false
        };
        (0..self.tables.len()).filter(|&t| below(t)).collect()
    }

    /// The root table above table `t` (`t` itself for a root table).
    pub fn root_of(&self, mut t: usize) -> usize {
        while let Some(p) = self.tables[t].parent {
            t = p;
        }
        t
    }

    /// The label of an injection's case.
    pub fn edge_label(&self, case: usize) -> &str {
        match (case, &self.edge) {
            (NFC_TWIN, _) => "email.nfc-of-pair",
            (c, Some(e)) => e.case(c).label(),
            _ => "",
        }
    }

    /// Decides the row's edge cases (pure function of the row index).
    fn plan_edges(&self, t: usize, index: u64, out: &mut Vec<Injection>) {
        out.clear();
        let Some(edge) = &self.edge else { return };
        if let Some(inj) = edge.pick(t, index) {
            // Pair cases copy the even partner: only odd rows carry them, and
            // only when the partner has a value to copy.
            if !edge.is_pair(inj.case) || self.pair_holds(t, &inj, index) {
                out.push(inj);
            }
        }
        if t == self.users_table
            && index.is_multiple_of(2)
            && index + 1 < self.tables[t].rows
            && let Some(p) = edge.pick(t, index + 1)
            && edge.is_pair(p.case)
            && self.pair_holds(t, &p, index + 1)
        {
            // This row is the original: it keeps its own value on that column.
            out.retain(|i| i.column != p.column);
            if matches!(edge.case(p.case), Case::Catalogue(c) if c.make == Make::PairNfdEmail) {
                out.push(Injection {
                    column: p.column,
                    case: NFC_TWIN,
                });
            }
        }
    }

    /// Whether odd row `index` can carry pair case `inj`: its partner has a
    /// value, and the variant differs from it byte-wise (a pair labelled as a
    /// case or homoglyph variant must never be an exact duplicate, which a
    /// unique column would refuse).
    fn pair_holds(&self, t: usize, inj: &Injection, index: u64) -> bool {
        if index.is_multiple_of(2) || self.is_null(t, inj.column, index - 1) {
            return false;
        }
        let nfd = matches!(self.edge.as_ref().map(|e| e.case(inj.case)),
            Some(Case::Catalogue(c)) if c.make == Make::PairNfdEmail);
        // The NFD partner holds the NFC twin, which always differs.
        nfd || self.edge_value(t, inj.column, index, inj.case)
            != self.base_handle(t, inj.column, index - 1)
    }

    /// Whether column `c` of row `index` is NULL (before injection).
    fn is_null(&self, t: usize, c: usize, index: u64) -> bool {
        let col = &self.tables[t].cols[c];
        col.null_rate > 0.0 && Rng::at(col.key ^ NULL_SALT, index).chance(col.null_rate)
    }

    /// The generated (pre-injection) email or username of row `index`.
    fn base_handle(&self, t: usize, ci: usize, index: u64) -> String {
        let table = &self.tables[t];
        let col = &table.cols[ci];
        let p = self.person(t, index).expect("handle columns have people");
        let h = table.handles.as_ref().expect("handles");
        let mut r = Rng::at(col.key, index);
        let mut out = String::new();
        match col.kind {
            ColKind::Email => h.push_email(&p, index, &mut r, &mut out),
            _ => h.push_username(&p, index, &mut r, &mut out),
        }
        out
    }

    /// The value an injected case writes into column `ci` of row `index`.
    fn edge_value(&self, t: usize, ci: usize, index: u64, case: usize) -> String {
        let table = &self.tables[t];
        let h = table.handles.as_ref();
        let token = match table.cols.get(ci).map(|c| &c.kind) {
            Some(ColKind::Email) => h.map(|h| h.email_token(index)),
            Some(ColKind::Username) => h.map(|h| h.user_token(index)),
            _ => None,
        }
        .unwrap_or(index + 1);
        if case == NFC_TWIN {
            return crate::edge::catalogue::nfc_email(token);
        }
        let Some(edge) = &self.edge else {
            return String::new();
        };
        match edge.case(case) {
            Case::Custom { value, .. } => value.clone(),
            Case::Catalogue(c) => match c.make {
                Make::PairCaseEmail | Make::PairCaseUsername => {
                    self.base_handle(t, ci, index - 1).to_uppercase()
                }
                Make::PairTrailingSpaceEmail => format!("{} ", self.base_handle(t, ci, index - 1)),
                Make::PairNfdEmail => {
                    use unicode_normalization::UnicodeNormalization;
                    let partner = h.map(|h| h.email_token(index - 1)).unwrap_or(index);
                    crate::edge::catalogue::nfc_email(partner).nfd().collect()
                }
                Make::PairHomoglyphUsername => homoglyph(&self.base_handle(t, ci, index - 1)),
                _ => crate::edge::catalogue::make(c, token).unwrap_or_default(),
            },
        }
    }

    pub fn has_password_column(&self, t: usize) -> bool {
        self.tables[t]
            .cols
            .iter()
            .any(|c| matches!(c.kind, ColKind::PasswordHash))
    }

    fn person(&self, t: usize, index: u64) -> Option<Person> {
        self.tables[t]
            .people
            .as_ref()
            .map(|(key, p)| p.pick(&mut Rng::at(*key, index)))
    }

    /// The value of timestamp column `c` for row `index` (whether or not it is nulled).
    fn timestamp(&self, t: usize, c: usize, index: u64) -> i64 {
        let col = &self.tables[t].cols[c];
        let ColKind::Timestamp {
            from,
            to,
            growth,
            after,
        } = col.kind
        else {
            return 0;
        };
        let mut r = Rng::at(col.key, index);
        let from = match after {
            Some(a) => self.timestamp(t, a, index).min(to),
            None => from,
        };
        let span = (to - from) as f64;
        let x = match growth {
            None => r.unit(),
            Some((g, eg1)) => (1.0 + r.unit() * eg1).ln() / g,
        };
        from + (x * span) as i64
    }

    /// Writes the primary key of row `index` of root table `t`.
    pub fn push_key(&self, t: usize, index: u64, out: &mut String) {
        let pk = self.tables[t].pk[0];
        self.push_key_col(t, pk, index, out);
    }

    fn push_key_col(&self, t: usize, c: usize, index: u64, out: &mut String) {
        let col = &self.tables[t].cols[c];
        match &col.kind {
            ColKind::Uuid(perm) => {
                push_uuid(out, Rng::at(col.key, index).next_u64(), perm.apply(index))
            }
            ColKind::Sequence(start) => push_i64(out, start + index as i64),
            ColKind::Ulid(perm, ts) => {
                let ms = match ts {
                    Some(tc) => self.timestamp(t, *tc, index) * 1000,
                    None => 1_600_000_000_000,
                };
                push_ulid(
                    out,
                    ms.max(0) as u64,
                    Rng::at(col.key, index).next_u64(),
                    perm.apply(index),
                );
            }
            _ => {
                // A composite or non-key column as key: callers only use single-column keys.
                push_u64(out, index);
            }
        }
    }

    /// Prepares per-parent state for child table `t` with `count` rows under `parent`.
    pub fn begin_children(&self, t: usize, parent: u64, count: u32, scratch: &mut Scratch) {
        let table = &self.tables[t];
        scratch.picks.resize_with(table.cols.len(), Vec::new);
        for (ci, col) in table.cols.iter().enumerate() {
            if let ColKind::Reference {
                table: target,
                pick,
                distinct: true,
                ..
            } = &col.kind
            {
                let picks = &mut scratch.picks[ci];
                picks.clear();
                let n = self.tables[*target].rows;
                let mut r = Rng::at(col.key ^ 0xd1, parent);
                while picks.len() < count as usize {
                    let mut p = pick.pick(&mut r);
                    // A few redraws, then the next free row: terminates because count ≤ n.
                    let mut tries = 0;
                    while picks.contains(&p) {
                        p = if tries < 16 {
                            pick.pick(&mut r)
                        } else {
                            (p + 1) % n
                        };
                        tries += 1;
                    }
                    picks.push(p);
                }
            }
        }
    }

    /// Generates row `id` of table `t` into `row`. For the users table the
    /// plaintext password is left in `scratch.password`.
    pub fn row(&self, t: usize, id: RowId, row: &mut RowBuf, scratch: &mut Scratch) {
        row.clear();
        scratch.password.clear();
        scratch.salt = None;
        scratch.mix = None;
        let table = &self.tables[t];
        let person = self.person(t, id.index);
        let mut password_done = false;
        let mut injections = std::mem::take(&mut scratch.injections);
        self.plan_edges(t, id.index, &mut injections);
        for (ci, col) in table.cols.iter().enumerate() {
            if let Some(inj) = injections.iter().find(|i| i.column == ci) {
                password_done |= self.push_injected(t, ci, inj, id.index, row, scratch);
                continue;
            }
            if self.is_null(t, ci, id.index) {
                row.null();
                continue;
            }
            let mut r = Rng::at(col.key, id.index);
            row.begin();
            let kind = match &col.kind {
                ColKind::PasswordHash => {
                    password_done = true;
                    self.push_hash(&mut r, &mut row.text, scratch)
                }
                ColKind::FirstName
                | ColKind::LastName
                | ColKind::FullName
                | ColKind::Email
                | ColKind::Username
                | ColKind::Phone
                | ColKind::Country(_) => {
                    let p = person.as_ref().expect("people");
                    push_person(table, &col.kind, p, id.index, &mut r, &mut row.text)
                }
                _ => self.push_value(t, ci, id, person.as_ref(), &mut r, &mut row.text, scratch),
            };
            row.end(kind);
        }
        if t == self.users_table && !password_done {
            if let Some(inj) = injections
                .iter()
                .find(|i| i.column == crate::edge::PASSWORD_ONLY)
            {
                scratch
                    .password
                    .push_str(&self.edge_value(t, inj.column, id.index, inj.case));
            } else if scratch.want_password {
                password::make(
                    &mut Rng::at(self.password_key, id.index),
                    &mut scratch.password,
                );
            }
        }
        scratch.injections = injections;
    }

    /// Pushes column `ci`'s edge case `inj`. True when it was a password case
    /// (its fixed plaintext, and that plaintext's hash).
    fn push_injected(
        &self,
        t: usize,
        ci: usize,
        inj: &Injection,
        index: u64,
        row: &mut RowBuf,
        scratch: &mut Scratch,
    ) -> bool {
        let col = &self.tables[t].cols[ci];
        if !matches!(col.kind, ColKind::PasswordHash) {
            let v = self.edge_value(t, ci, index, inj.case);
            let file = inj.case != NFC_TWIN
                && matches!(self.edge.as_ref().map(|e| e.case(inj.case)), Some(Case::Catalogue(c)) if c.family == Family::File);
            row.push(
                if file {
                    FieldKind::Cp1252
                } else {
                    FieldKind::Text
                },
                &v,
            );
            return false;
        }
        let m = self.mix.sample(&mut Rng::at(col.key, index));
        scratch.mix = Some(m);
        scratch
            .password
            .push_str(&self.edge_value(t, ci, index, inj.case));
        match self
            .edge_hashes
            .get(m)
            .and_then(|h| h.get(inj.case))
            .and_then(|h| h.as_ref())
        {
            Some(h) => {
                row.push(FieldKind::Text, &h.hash);
                scratch.salt = h.salt.clone();
            }
            None => row.null(),
        }
        true
    }

    /// A password hash from the row's entry of the mix; its plaintext (and
    /// salt, when the format keeps it apart) go to `scratch`.
    fn push_hash(&self, r: &mut Rng, out: &mut String, scratch: &mut Scratch) -> FieldKind {
        let m = self.mix.sample(r);
        scratch.mix = Some(m);
        let pool = &self.pools[m];
        if pool.mode == crate::hash::HashMode::Pool {
            let e = pool.pooled(r, &mut scratch.password);
            out.push_str(&e.hash);
            scratch.salt.clone_from(&e.salt);
        } else {
            let e = pool.for_user(r, &mut scratch.password);
            out.push_str(&e.hash);
            scratch.salt = e.salt;
        }
        FieldKind::Text
    }

    /// A value of any column but a person's and the password hash.
    #[allow(clippy::too_many_arguments)]
    fn push_value(
        &self,
        t: usize,
        ci: usize,
        id: RowId,
        p: Option<&Person>,
        r: &mut Rng,
        out: &mut String,
        scratch: &Scratch,
    ) -> FieldKind {
        let col = &self.tables[t].cols[ci];
        match &col.kind {
            ColKind::Uuid(_) | ColKind::Sequence(_) | ColKind::Ulid(..) => {
                self.push_key_col(t, ci, id.index, out);
                if matches!(col.kind, ColKind::Sequence(_)) {
                    FieldKind::Int
                } else {
                    FieldKind::Plain
                }
            }
            ColKind::Timestamp { .. } => {
                push_rfc3339(out, self.timestamp(t, ci, id.index));
                FieldKind::Timestamp
            }
            ColKind::Bool(rate) => {
                out.push_str(if r.chance(*rate) { "true" } else { "false" });
                FieldKind::Bool
            }
            ColKind::Enum(values, w) => {
                out.push_str(&values[w.sample(r)]);
                FieldKind::Text
            }
            ColKind::Cycle(values) => {
                out.push_str(&values[(id.index % values.len() as u64) as usize]);
                FieldKind::Text
            }
            ColKind::Int(a, b) => {
                push_i64(out, r.range(*a, *b));
                FieldKind::Int
            }
            ColKind::Text(a, b) => {
                push_text(out, r, *a, *b);
                FieldKind::Text
            }
            ColKind::Json => {
                push_json(out, r, p);
                FieldKind::Json
            }
            ColKind::PasswordSalt => match &scratch.salt {
                Some(salt) => {
                    out.push_str(salt);
                    FieldKind::Text
                }
                None => FieldKind::Null,
            },
            ColKind::Parent => {
                let parent = self.tables[t].parent.expect("child table");
                self.push_key(parent, id.parent, out);
                self.key_kind(parent)
            }
            ColKind::Reference {
                table: target,
                pick,
                distinct,
                rows,
            } => {
                if *rows == 0 {
                    // A table below a root may have no rows at all: no row to name.
                    return FieldKind::Null;
                }
                let idx = if *distinct {
                    scratch.picks[ci][id.ordinal as usize]
                } else {
                    pick.pick(r)
                };
                self.push_key(*target, idx, out);
                self.key_kind(*target)
            }
            ColKind::Identity(_) => self.push_identity(t, ci, id, p, r, out),
            ColKind::FirstName
            | ColKind::LastName
            | ColKind::FullName
            | ColKind::Email
            | ColKind::Username
            | ColKind::Phone
            | ColKind::Country(_)
            | ColKind::PasswordHash => unreachable!("generated by `row`"),
        }
    }

    /// How a key of table `t` is written: a number for a sequence.
    fn key_kind(&self, t: usize) -> FieldKind {
        if self.key_is_int(t) {
            FieldKind::Int
        } else {
            FieldKind::Plain
        }
    }

    fn key_is_int(&self, t: usize) -> bool {
        let tb = &self.tables[t];
        matches!(tb.cols[tb.pk[0]].kind, ColKind::Sequence(_))
    }
}

/// A person column's value: `p`'s names, handles, phone or country.
fn push_person(
    table: &TableGen,
    kind: &ColKind,
    p: &Person,
    index: u64,
    r: &mut Rng,
    out: &mut String,
) -> FieldKind {
    match kind {
        ColKind::FirstName => out.push_str(p.first.native),
        ColKind::LastName => out.push_str(p.last.native),
        ColKind::FullName => p.push_full_name(out),
        ColKind::Email => (table.handles.as_ref().expect("handles")).push_email(p, index, r, out),
        ColKind::Username => {
            (table.handles.as_ref().expect("handles")).push_username(p, index, r, out)
        }
        ColKind::Phone => p.push_phone(r, out),
        ColKind::Country(names) => out.push_str(if *names {
            p.country.name
        } else {
            p.country.code
        }),
        _ => unreachable!("not a person column"),
    }
    FieldKind::Plain
}
