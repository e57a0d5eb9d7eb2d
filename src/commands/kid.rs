//! `sakr kid`: what kube-apiserver will call each key (DESIGN §2.1, §2.5).

use std::path::PathBuf;

use serde::Serialize;

use crate::cli::KidArgs;
use crate::keys::BlockForm;
use crate::output::Printer;
use crate::text::printable;

#[derive(Serialize)]
struct Row {
    file: PathBuf,
    block: usize,
    #[serde(rename = "type")]
    label: String,
    form: BlockForm,
    kid: String,
    alg: &'static str,
    key: String,
    private: bool,
    /// kube-apiserver uses this block from --service-account-key-file.
    key_file_usable: bool,
    /// kube-apiserver can sign with it as --service-account-signing-key-file.
    signing_key_usable: bool,
}

pub fn run(args: KidArgs, printer: &Printer) -> anyhow::Result<()> {
    // Every file is read before anything is printed: one bad file fails the whole command
    // without a partial listing a script could mistake for the full one.
    let files = super::read_key_files(&args.files, printer)?;
    let rows: Vec<Row> = files
        .iter()
        .flat_map(|(path, file)| {
            file.blocks.iter().map(move |b| Row {
                file: path.clone(),
                block: b.index,
                label: b.label.clone(),
                form: b.form,
                kid: b.key.kid(),
                alg: b.key.alg().as_str(),
                key: b.key.describe(),
                private: b.is_private(),
                key_file_usable: b.key_file_problem().is_none(),
                signing_key_usable: b.usable_as_signing_key(),
            })
        })
        .collect();
    if printer.json() {
        printer.json_doc(&rows);
        return Ok(());
    }
    printer.data(&table(&rows));
    Ok(())
}

/// One row per key under a header, each column as wide as its widest cell (issue 14.11).
/// File names and PEM labels come from the operator's disk and are escaped (issue 13); the
/// kid is last, so the widest column never pushes the others apart.
fn table(rows: &[Row]) -> String {
    const HEADER: [&str; 6] = ["FILE", "BLOCK", "TYPE", "KEY", "ALG", "KID"];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                printable(&r.file.display().to_string()).into_owned(),
                r.block.to_string(),
                printable(&r.label).into_owned(),
                r.key.clone(),
                r.alg.to_string(),
                r.kid.clone(),
            ]
        })
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = HEADER.map(String::from);
    for row in std::iter::once(&header).chain(&cells) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
