//! `sakr kid`: what kube-apiserver will call each key (DESIGN §2.1, §2.5).

use std::path::PathBuf;

use serde::Serialize;

use crate::cli::KidArgs;
use crate::keys::BlockForm;
use crate::output::Printer;

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
    let mut out = String::new();
    for r in &rows {
        out.push_str(&format!(
            "{}  {}  {}  {}#{}\n",
            r.kid,
            r.alg,
            r.label,
            r.file.display(),
            r.block
        ));
    }
    printer.data(&out);
    Ok(())
}
