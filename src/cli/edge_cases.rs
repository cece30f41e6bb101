//! `understudy edge-cases list`: the labelled catalogue as a table or JSON.

use super::choices::Family;
use crate::error::Result;
use crate::profile::copies::DriftKind;
use clap::Subcommand;

/// A drift label as `edge-cases list` shows it.
#[derive(serde::Serialize)]
struct DriftLabel {
    label: &'static str,
    family: &'static str,
    /// Its name in `drift = { kinds = [...] }`.
    drift: &'static str,
    description: &'static str,
}

pub const EDGE_CASES_EXAMPLES: &str = "Examples:
  understudy edge-cases list --family email
  understudy edge-cases list --json | jq '.[] | select(.valid == false) | .label'
  understudy edge-cases list --copies      # the drift labels of copies (copy.*)
  understudy generate --users 1000 --edge-rate 1.0 --out data/   # every user carries a case";

#[derive(Subcommand, Debug)]
pub enum EdgeCasesCommand {
    /// List every case: label, validity, fields, lengths (code points, UTF-8
    /// octets, UTF-16 units, graphemes), description and source.
    #[command(after_help = EDGE_CASES_EXAMPLES)]
    List {
        /// JSON array instead of a table.
        #[arg(long)]
        json: bool,
        /// Only this family: email, name, username, text, password, file, mfa.
        #[arg(long, value_enum)]
        family: Option<Family>,
        /// Only the drift labels of denormalized copies (`copy.*`,
        /// `[copies.NAME] drift`); `--json` lists nothing else.
        #[arg(long, conflicts_with = "family")]
        copies: bool,
    },
}

pub fn run(c: EdgeCasesCommand) -> Result<()> {
    let EdgeCasesCommand::List {
        json,
        family,
        copies,
    } = c;
    let family = family.map(crate::edge::Family::from);
    let list: Vec<_> = crate::edge::list()
        .into_iter()
        .filter(|c| family.is_none_or(|f| c.family == f))
        .collect();
    // The drift labels of `[copies.NAME] drift` are listed beside the edge
    // cases (ARCHITECTURE.md § Edge cases): after them in the table, alone
    // with --copies (the JSON array of cases keeps its one shape).
    let drift: Vec<DriftLabel> = if family.is_none() {
        DriftKind::ALL
            .iter()
            .map(|k| DriftLabel {
                label: k.label(),
                family: "copy",
                drift: k.name(),
                description: k.description(),
            })
            .collect()
    } else {
        Vec::new()
    };
    if json {
        let text = if copies {
            serde_json::to_string_pretty(&drift)
        } else {
            serde_json::to_string_pretty(&list)
        };
        println!("{}", text.expect("serialisable"));
        return Ok(());
    }
    let print_drift = || {
        println!("{:<40} {:<13} description", "label", "drift kind");
        for d in &drift {
            println!("{:<40} {:<13} {}", d.label, d.drift, d.description);
        }
    };
    if copies {
        print_drift();
        return Ok(());
    }
    println!(
        "{:<40} {:<7} {:>5} {:>6} {:>6} {:>5}  description",
        "label", "valid", "cp", "utf8", "utf16", "graph"
    );
    for c in &list {
        let (cp, u8_, u16_, g) = c
            .lengths
            .map(|l| {
                (
                    l.code_points.to_string(),
                    l.utf8_octets.to_string(),
                    l.utf16_units.to_string(),
                    l.graphemes.to_string(),
                )
            })
            .unwrap_or_else(|| ("~".into(), "~".into(), "~".into(), "~".into()));
        let valid = if c.valid { "valid" } else { "invalid" };
        println!(
            "{:<40} {:<7} {:>5} {:>6} {:>6} {:>5}  {}{}",
            c.label,
            valid,
            cp,
            u8_,
            u16_,
            g,
            c.description,
            if c.opt_in {
                " [opt-in: injected only when named]"
            } else {
                ""
            }
        );
    }
    println!(
        "\n{} cases (~: derived from another user's value, so lengths vary)",
        list.len()
    );
    if !drift.is_empty() {
        println!("\ndrift labels of denormalized copies ([copies.NAME] drift, docs/copies.md)");
        print_drift();
    }
    Ok(())
}
