//! One file per subcommand (cargo's `commands/*.rs` shape): each turns its arguments into calls
//! of the library, adds the context an operator needs (which file, which flag), and renders the
//! result through the [`Printer`]. No logic here that a test of the library would want.

mod completions;
mod discovery;
mod drift;
mod jwks;
mod keygen;
mod keys;
mod kid;
mod manifest;
mod manifest_nodes;
mod nodes;
mod publish;
mod rehearse;
mod rehearse_nodes;
mod rotate;
mod signer;
pub(crate) mod signer_migrate;
mod verify;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::cli::Command;
use crate::fsutil;
use crate::keys::KeyFile;
use crate::output::Printer;
use crate::text::printable;

pub fn dispatch(command: Command, printer: &Printer) -> anyhow::Result<()> {
    match command {
        Command::Keygen(a) => keygen::run(a, printer),
        Command::Keys(a) => keys::run(a, printer),
        Command::Kid(a) => kid::run(a, printer),
        Command::Jwks(a) => jwks::run(a, printer),
        Command::Discovery(a) => discovery::run(a, printer),
        Command::Publish(a) => publish::run(a, printer),
        Command::Verify(a) => verify::run(a, printer),
        Command::Drift(a) => drift::run(a, printer),
        Command::Manifest(a) => manifest::run(a, printer),
        Command::Rotate(a) => rotate::run(*a, printer),
        Command::Rehearse(a) => rehearse::run(a, printer),
        Command::Signer(a) => signer::run(a, printer),
        Command::Completions(a) => completions::run(a),
    }
}

/// Read and parse one key file, naming it in any error.
pub(crate) fn read_key_file(path: &Path) -> anyhow::Result<KeyFile> {
    Ok(fsutil::read_key_file(path)?)
}

/// `--from-signer unix:///PATH`: what the signer gives kube-apiserver (FetchKeys, bounded to
/// 10 s), with a note on the keys it excludes from discovery.
pub(crate) fn signer_keys(
    url: &str,
    printer: &Printer,
) -> anyhow::Result<crate::signer::client::Fetched> {
    let socket =
        crate::signer::client::socket_of(url).map_err(|e| anyhow::anyhow!("--from-signer {e}"))?;
    let fetched =
        crate::signer::client::fetch_keys_blocking(&socket, std::time::Duration::from_secs(10))?;
    let excluded = fetched.keys.iter().filter(|k| k.excluded).count();
    if excluded > 0 {
        printer.note(&format!(
            "note: the signer at {url} excludes {excluded} of its {} key(s) from discovery (kube-apiserver verifies with them but does not publish them); they are left out",
            fetched.keys.len()
        ));
    }
    for k in &fetched.keys {
        if k.kid != k.key.kid() {
            printer.warn(&format!(
                "the signer at {url} names a key {:?}, not the kid kube-apiserver would compute from it ({}); its tokens carry the signer's",
                crate::text::printable(&k.kid),
                k.key.kid()
            ));
        }
    }
    Ok(fetched)
}

/// Read key files and warn, naming file and block, about every block kube-apiserver would
/// silently skip in --service-account-key-file.
pub(crate) fn read_key_files(
    paths: &[PathBuf],
    printer: &Printer,
) -> anyhow::Result<Vec<(PathBuf, KeyFile)>> {
    let mut out = Vec::with_capacity(paths.len());
    for (path, file) in paths.iter().zip(read_all(paths)) {
        let file = file?;
        warn_key_file(path, &file, printer);
        out.push((path.clone(), file));
    }
    Ok(out)
}

/// Files read concurrently from this many on (a JWKS of many clusters' keys): each is an
/// independent open, read and parse, and a thread costs more than a few files.
const PARALLEL_READ_FROM: usize = 16;

/// Every file's key, in order (so the first failing file in argument order is the one
/// reported), spread over the cores when there are many.
fn read_all(paths: &[PathBuf]) -> Vec<anyhow::Result<KeyFile>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if paths.len() < PARALLEL_READ_FROM || threads < 2 {
        return paths.iter().map(|p| read_key_file(p)).collect();
    }
    let chunk = paths.len().div_ceil(threads);
    std::thread::scope(|s| {
        let workers: Vec<_> = paths
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|p| read_key_file(p)).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

pub(crate) fn warn_key_file(path: &Path, file: &KeyFile, printer: &Printer) {
    for block in &file.blocks {
        if let Some(problem) = block.key_file_problem() {
            printer.warn(&format!(
                "{}: block {} ({}): {problem}",
                printable(&path.display().to_string()),
                block.index,
                printable(&block.label)
            ));
        }
    }
    for s in &file.skipped {
        if s.label != "EC PARAMETERS" {
            printer.warn(&format!(
                "{}: block {} ({}) is not a key; skipped (kube-apiserver skips it too)",
                printable(&path.display().to_string()),
                s.index,
                printable(&s.label)
            ));
        }
    }
}

/// Write a document to `--out FILE` atomically (0644) or to stdout.
///
/// An existing `--out` must be a regular file: the atomic rename replaces whatever directory
/// entry is there, so as root `--out /dev/null` would turn a device node into a JSON file, and a
/// symlink would be replaced by a file rather than written through (issue 13.11).
pub(crate) fn emit(out: Option<&Path>, doc: &str, printer: &Printer) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            match std::fs::symlink_metadata(path) {
                Ok(m) if !m.file_type().is_file() => bail!(
                    "--out {}: exists and is not a regular file (a {}); refusing to replace it",
                    crate::text::printable(&path.display().to_string()),
                    kind_of(&m.file_type())
                ),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("--out {}", path.display()));
                }
            }
            fsutil::write_atomic(path, doc.as_bytes(), fsutil::WriteOptions::mode(0o644))?;
            printer.note(&format!("wrote {}", path.display()));
            Ok(())
        }
        None => {
            printer.data(doc);
            Ok(())
        }
    }
}

/// What a non-regular directory entry is, for messages.
fn kind_of(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if t.is_symlink() {
        "symbolic link"
    } else if t.is_dir() {
        "directory"
    } else if t.is_char_device() || t.is_block_device() {
        "device"
    } else if t.is_fifo() {
        "FIFO"
    } else if t.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

/// A token from a file, or stdin for `-`, capped at the largest token sakr accepts. Held as a
/// [`Secret`](crate::keys::secret::Secret): it never reaches output or logs.
pub(crate) fn read_token(path: &Path) -> anyhow::Result<crate::keys::secret::Secret> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .take(crate::token::MAX_TOKEN_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .context("reading the token from stdin")?;
    } else {
        bytes = fsutil::read_capped(path, crate::token::MAX_TOKEN_BYTES as u64)?;
    }
    Ok(crate::keys::secret::Secret::new(bytes))
}
