//! The edge-case engine: a labelled catalogue of hostile values (`catalogue`),
//! user-supplied cases (`--edge-file`), and deterministic injection at the
//! profile's rate (ARCHITECTURE.md § Determinism: a row's cases are a pure function of its index).
//!
//! Pair cases (duplicates, homoglyphs) collide with a real user: an odd row
//! that draws one copies its even partner (index − 1), whose own case on that
//! field is then suppressed so the collision is exact.

pub mod catalogue;

pub use catalogue::{CATALOGUE, EdgeCase, Family, Make};

use crate::error::{Error, Result};
use crate::rng::{Rng, Weighted, mix64};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What the profile's `[edge_cases]` and the CLI ask for.
#[derive(Debug, Clone, Default)]
pub struct EdgeConfig {
    pub rate: f64,
    pub families: Vec<(String, u32)>,
    pub labels: Vec<(String, u32)>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub files: Vec<PathBuf>,
}

/// Default family weights: emails and names matter most in migrations.
const FAMILY_WEIGHTS: &[(Family, u32)] = &[
    (Family::Email, 3),
    (Family::Name, 3),
    (Family::Text, 2),
    (Family::Username, 1),
    (Family::Password, 1),
    // Second factors (`totp_secret`, `mfa_phone` columns): only profiles
    // with those columns draw them.
    (Family::Mfa, 1),
    // A file case makes the whole file invalid UTF-8: only when asked for
    // (`include`, or a weight in `families`).
    (Family::File, 0),
];

/// Checks a label or family name used in include/exclude/labels.
pub fn check_selector(s: &str) -> std::result::Result<(), String> {
    let known = Family::ALL.iter().any(|f| f.name() == s)
        || catalogue::lookup(s).is_some()
        || s == "custom"
        || s.starts_with("custom.");
    if known {
        return Ok(());
    }
    let candidates = CATALOGUE
        .iter()
        .map(|c| c.label)
        .chain(Family::ALL.iter().map(|f| f.name()));
    let hint = crate::util::did_you_mean(s, candidates)
        .map(|h| format!(" (did you mean `{h}`?)"))
        .unwrap_or_default();
    Err(format!(
        "unknown edge case or family `{s}`{hint}; see `understudy edge-cases list`"
    ))
}

/// A case in play for a run: from the catalogue or a custom file.
#[derive(Debug, Clone)]
pub enum Case {
    Catalogue(&'static EdgeCase),
    Custom { label: String, value: String },
}

impl Case {
    pub fn label(&self) -> &str {
        match self {
            Case::Catalogue(c) => c.label,
            Case::Custom { label, .. } => label,
        }
    }
}

/// Reads `--edge-file`s: every line (UTF-8, without its `\n`) is a case.
pub fn read_custom(files: &[PathBuf]) -> Result<Vec<Case>> {
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).map_err(|e| Error::io("read edge-case file", f, e))?;
        let stem = f
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let mut body = &bytes[..];
        if body.last() == Some(&b'\n') {
            body = &body[..body.len() - 1];
        }
        if body.is_empty() {
            continue;
        }
        for (n, line) in body.split(|&b| b == b'\n').enumerate() {
            let value = String::from_utf8(line.to_vec()).map_err(|e| {
                Error::usage(format!(
                    "{}:{}: not valid UTF-8 (invalid byte at column {}); edge-case files are UTF-8, one case per line",
                    f.display(),
                    n + 1,
                    e.utf8_error().valid_up_to() + 1
                ))
            })?;
            out.push(Case::Custom {
                label: format!("custom.{stem}:{}", n + 1),
                value,
            });
        }
    }
    Ok(out)
}

const CUSTOM_FIELDS: &[&str] = &["first_name", "last_name", "full_name", "text"];

/// The pseudo-column of a users table without a hash column: the plaintext
/// password only (it reaches `passwords.csv`).
pub const PASSWORD_ONLY: usize = usize::MAX;

/// Per-table injection plan.
struct TableEdges {
    /// Catalogue case indices (into `Injector::cases`) with weights.
    cases: Vec<usize>,
    weights: Option<Weighted>,
    /// For each case index in `cases`: the eligible columns.
    columns: Vec<Vec<usize>>,
    /// Columns custom cases go to.
    custom_columns: Vec<usize>,
}

pub struct Injector {
    pub rate: f64,
    key: u64,
    pub cases: Vec<Case>,
    /// Indices of custom cases in `cases`.
    custom: Vec<usize>,
    tables: Vec<TableEdges>,
}

/// One injected value.
#[derive(Debug, Clone)]
pub struct Injection {
    pub column: usize,
    pub case: usize,
}

impl Injector {
    /// `tables[t]` lists each column's field kind name.
    pub fn new(
        cfg: &EdgeConfig,
        seed: u64,
        tables: &[Vec<Option<&'static str>>],
        users_table: usize,
        utf8_output: bool,
    ) -> Result<Injector> {
        let selected = |label: &str, family: &str| {
            let hit = |s: &String| s == label || s == family;
            (cfg.include.is_empty() || cfg.include.iter().any(hit)) && !cfg.exclude.iter().any(hit)
        };
        let mut cases: Vec<Case> = CATALOGUE
            .iter()
            .filter(|c| selected(c.label, c.family.name()))
            // Raw windows-1252 bytes only mean something inside a UTF-8 file.
            .filter(|c| utf8_output || c.family != Family::File)
            .map(Case::Catalogue)
            .collect();
        let n_catalogue = cases.len();
        let custom: Vec<Case> = read_custom(&cfg.files)?
            .into_iter()
            .filter(|c| selected(c.label(), "custom"))
            .collect();
        cases.extend(custom);
        let custom: Vec<usize> = (n_catalogue..cases.len()).collect();
        let family_weight = |f: Family| -> u64 {
            cfg.families
                .iter()
                .find(|(n, _)| n == f.name())
                .map(|(_, w)| *w as u64)
                .unwrap_or_else(|| {
                    FAMILY_WEIGHTS
                        .iter()
                        .find(|(g, _)| *g == f)
                        .map(|(_, w)| *w as u64)
                        .unwrap_or(1)
                })
        };
        // Opt-in cases do not count: naming one leaves the others' weights as they were.
        let family_size = |f: Family| {
            CATALOGUE
                .iter()
                .filter(|c| c.family == f && !c.opt_in)
                .count()
                .max(1) as u64
        };
        let tables = tables
            .iter()
            .enumerate()
            .map(|(ti, cols)| {
                let mut idx = Vec::new();
                let mut weights = Vec::new();
                let mut columns = Vec::new();
                for (ci, case) in cases[..n_catalogue].iter().enumerate() {
                    let Case::Catalogue(c) = case else { continue };
                    let mut eligible: Vec<usize> = cols
                        .iter()
                        .enumerate()
                        .filter(|(_, k)| k.is_some_and(|k| c.fields.contains(&k)))
                        .map(|(i, _)| i)
                        .collect();
                    if eligible.is_empty() && c.family == Family::Password && ti == users_table {
                        eligible.push(PASSWORD_ONLY);
                    }
                    let pair = c.make.is_pair();
                    if eligible.is_empty() || (pair && ti != users_table) {
                        continue;
                    }
                    let named = cfg.include.iter().any(|i| i == c.label)
                        || cfg.labels.iter().any(|(l, _)| l == c.label);
                    if c.opt_in && !named {
                        continue;
                    }
                    let label_w = cfg
                        .labels
                        .iter()
                        .find(|(l, _)| l == c.label)
                        .map(|(_, w)| *w as u64)
                        .unwrap_or(1);
                    // Naming a case or its family in `include` turns it on
                    // even where its family's default weight is 0.
                    let explicit = cfg
                        .include
                        .iter()
                        .any(|i| i == c.label || i == c.family.name());
                    let fw = family_weight(c.family).max(explicit as u64);
                    // Per family, weights are shared among its cases.
                    weights.push(fw * 1_000_000 / family_size(c.family) * label_w);
                    idx.push(ci);
                    columns.push(eligible);
                }
                let custom_columns = cols
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| k.is_some_and(|k| CUSTOM_FIELDS.contains(&k)))
                    .map(|(i, _)| i)
                    .collect();
                let total: u64 = weights.iter().sum();
                TableEdges {
                    weights: (total > 0).then(|| Weighted::new(weights)),
                    cases: idx,
                    columns,
                    custom_columns,
                }
            })
            .collect();
        Ok(Injector {
            rate: cfg.rate,
            key: mix64(seed ^ 0xed6e_ca5e),
            cases,
            custom,
            tables,
        })
    }

    pub fn case(&self, i: usize) -> &Case {
        &self.cases[i]
    }

    /// The case row `index` of table `t` carries, before pair adjustments.
    pub fn pick(&self, t: usize, index: u64) -> Option<Injection> {
        if self.rate <= 0.0 {
            return None;
        }
        let te = &self.tables[t];
        let mut r = Rng::at(self.key ^ t as u64, index);
        if !r.chance(self.rate) {
            return None;
        }
        // Custom cases are dealt in order to even rows, so with rate 1.0 the
        // first 2·F rows carry every custom string once.
        let has_custom = !self.custom.is_empty() && !te.custom_columns.is_empty();
        if has_custom && (index.is_multiple_of(2) || te.weights.is_none()) {
            let k = if te.weights.is_none() {
                index
            } else {
                index / 2
            } as usize
                % self.custom.len();
            let col = te.custom_columns[r.below(te.custom_columns.len() as u64) as usize];
            return Some(Injection {
                column: col,
                case: self.custom[k],
            });
        }
        let w = te.weights.as_ref()?;
        let k = w.sample(&mut r);
        let cols = &te.columns[k];
        Some(Injection {
            column: cols[r.below(cols.len() as u64) as usize],
            case: te.cases[k],
        })
    }

    pub fn is_pair(&self, case: usize) -> bool {
        matches!(
            &self.cases[case],
            Case::Catalogue(c) if c.make.is_pair()
        )
    }
}

/// Lengths of a value, four ways (they disagree, and limits use all four).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Lengths {
    pub code_points: usize,
    pub utf8_octets: usize,
    pub utf16_units: usize,
    pub graphemes: usize,
}

pub fn lengths(s: &str) -> Lengths {
    use unicode_segmentation::UnicodeSegmentation;
    Lengths {
        code_points: s.chars().count(),
        utf8_octets: s.len(),
        utf16_units: s.encode_utf16().count(),
        graphemes: s.graphemes(true).count(),
    }
}

/// The catalogue as `edge-cases list --json` prints it.
#[derive(Debug, Serialize)]
pub struct Listed {
    pub label: &'static str,
    pub family: Family,
    pub fields: &'static [&'static str],
    pub valid: bool,
    pub invalid_for: &'static [&'static str],
    pub smtputf8: bool,
    /// Injected only when named by its label.
    pub opt_in: bool,
    pub description: &'static str,
    pub source: &'static str,
    /// An example value (for token cases, with token 1).
    pub example: String,
    /// Lengths of the example; `null` where the value is derived from another
    /// user's and so varies.
    pub lengths: Option<Lengths>,
}

pub fn list() -> Vec<Listed> {
    CATALOGUE
        .iter()
        .map(|c| {
            let example = catalogue::make(c, 1);
            Listed {
                label: c.label,
                family: c.family,
                fields: c.fields,
                valid: c.valid,
                invalid_for: c.invalid_for,
                smtputf8: c.smtputf8,
                opt_in: c.opt_in,
                description: c.description,
                source: c.source,
                lengths: example.as_deref().map(lengths),
                example: example.unwrap_or_else(|| "(derived from another user's value)".into()),
            }
        })
        .collect()
}

/// Paths in `[edge_cases] files` are relative to the profile file.
pub fn resolve_file(profile_source: &str, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() || profile_source.starts_with("shipped:") {
        return p.to_path_buf();
    }
    Path::new(profile_source)
        .parent()
        .map(|d| d.join(p))
        .unwrap_or_else(|| p.to_path_buf())
}
