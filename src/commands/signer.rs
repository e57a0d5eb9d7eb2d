//! `sakr signer init | add | serve | status` (issue 20): thin over [`crate::signer`].

use std::path::Path;

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::cli::{KeySourceArgs, SignerAction, SignerArgs};
use crate::output::Printer;
use crate::signer::backend::{self, GenerateSpec};
use crate::signer::config::{CONFIG_VERSION, Config, KeyEntry, PinSource};
use crate::signer::keyset::KeySet;

pub fn run(args: SignerArgs, printer: &Printer) -> anyhow::Result<()> {
    match args.action {
        SignerAction::Init {
            config,
            source,
            max_token_expiration,
        } => {
            let max =
                super::rotate::parse_duration("--max-token-expiration", &max_token_expiration)?;
            if std::fs::symlink_metadata(&config).is_ok() {
                bail!(
                    "--config {}: exists; edit it, or choose another file",
                    config.display()
                );
            }
            if source.public.is_some() {
                bail!(
                    "--public: a public key cannot be the active key (it only verifies); init with a signing key, then `sakr signer add --public`"
                );
            }
            let entry = entry_from(&source, "key-1")?;
            let cfg = Config {
                version: CONFIG_VERSION,
                max_token_expiration_seconds: max,
                keys: vec![KeyEntry {
                    active: true,
                    ..entry
                }],
            };
            cfg.check(&config)?;
            // Every key opens before the file exists.
            let set = open_new(&cfg, &config, &source, &cfg.keys[0])?;
            cfg.write(&config)
                .with_context(|| format!("writing {}", config.display()))?;
            printer.note(&format!(
                "wrote {} (0600): active key kid {}",
                config.display(),
                set.active().kid
            ));
            status(&set, printer);
            Ok(())
        }
        SignerAction::Migrate(a) => super::signer_migrate::run(a, printer),
        SignerAction::Activate { config, key } => {
            edit_set(&config, &key, printer, crate::signer::edit::activate)
        }
        SignerAction::Remove { config, key } => {
            edit_set(&config, &key, printer, crate::signer::edit::remove)
        }
        SignerAction::Add {
            config,
            name,
            source,
            exclude_from_discovery,
        } => {
            let mut cfg = Config::read(&config)?;
            if name.trim().is_empty() || cfg.keys.iter().any(|k| k.name == name) {
                bail!(
                    "--name {name:?}: {} has a key of that name already (names are unique)",
                    config.display()
                );
            }
            let entry = entry_from(&source, &name)?;
            cfg.keys.push(KeyEntry {
                exclude_from_discovery,
                ..entry
            });
            cfg.check(&config)?;
            // The whole new set opens (every key, no kid twice) before the file changes.
            let set = open_new(
                &cfg,
                &config,
                &source,
                cfg.keys.last().expect("just pushed"),
            )?;
            cfg.write(&config)
                .with_context(|| format!("writing {}", config.display()))?;
            let added = set.keys.last().expect("the new key");
            printer.note(&format!(
                "added {:?} (kid {}) to {}; a running signer serves it after its next reload (SIGHUP, or within 2 s of the change)",
                added.name,
                added.kid,
                config.display()
            ));
            status(&set, printer);
            Ok(())
        }
        SignerAction::Status { config } => {
            let set = KeySet::load(&config)?;
            status(&set, printer);
            Ok(())
        }
        SignerAction::Serve {
            config,
            socket,
            refresh_hint,
        } => {
            let hint = super::rotate::parse_duration("--refresh-hint", &refresh_hint)?;
            if !(1..=86_400).contains(&hint) {
                bail!("--refresh-hint {refresh_hint:?}: between 1s and 24h");
            }
            let set = KeySet::load(&config)?;
            crate::signer::server::prepare_socket(&socket)?;
            eprintln!(
                "sakr signer: serving ExternalJWTSigner v1 and v1alpha1 on {}; {} key(s), active kid {}",
                socket.display(),
                set.keys.len(),
                set.active().kid
            );
            let shared = crate::signer::server::Shared::new(set, hint);
            let rt = crate::cluster::runtime()?;
            rt.block_on(crate::signer::server::serve(config, socket, shared, |m| {
                eprintln!("sakr signer: {m}")
            }))
        }
    }
}

/// One edit of the key set file: the key named (by name or kid), the new set opened whole
/// before the file is replaced (atomically, 0600), so the running signer never reloads a set
/// that does not load.
fn edit_set(
    config: &Path,
    key: &str,
    printer: &Printer,
    edit: fn(&Config, &str) -> Result<Config, crate::signer::edit::EditError>,
) -> anyhow::Result<()> {
    let cfg = Config::read(config)?;
    let set = KeySet::open(&cfg, config)?;
    let Some(name) = set
        .keys
        .iter()
        .find(|k| k.name == key || k.kid == key)
        .map(|k| k.name.clone())
    else {
        bail!(
            "{}: no key named {key:?} and none with that kid (`sakr signer status --config {0}`)",
            config.display()
        );
    };
    let new = edit(&cfg, &name)
        .map_err(|e| crate::exit::Refused(format!("{}: {e}", config.display())))?;
    if new == cfg {
        printer.note(&format!(
            "{}: already so; nothing written",
            config.display()
        ));
        status(&set, printer);
        return Ok(());
    }
    new.check(config)?;
    let opened = KeySet::open(&new, config)?;
    new.write(config)
        .with_context(|| format!("writing {}", config.display()))?;
    printer.note(&format!(
        "wrote {} (0600); a running signer reloads it within 2 s (or on SIGHUP)",
        config.display()
    ));
    status(&opened, printer);
    Ok(())
}

/// The entry the key-source flags describe, named `name`; keys that `--generate` or
/// `--awskms-generate` ask for are made here (on the token, in KMS, or in --key-dir).
fn entry_from(source: &KeySourceArgs, name: &str) -> anyhow::Result<KeyEntry> {
    let abs = |p: &Path| std::path::absolute(p).with_context(|| p.display().to_string());
    if let Some(k) = &source.key {
        return Ok(KeyEntry::file(name, abs(k)?));
    }
    if let Some(p) = &source.public {
        return Ok(KeyEntry::public(name, abs(p)?));
    }
    if let Some(module) = &source.pkcs11 {
        let pin = match (&source.pin_file, &source.pin_env) {
            (Some(f), None) => PinSource::File(abs(f)?),
            (None, Some(v)) => PinSource::Env(v.clone()),
            _ => bail!("--pkcs11 needs --pin-file FILE or --pin-env VAR"),
        };
        let (token, label) = match (&source.token_label, &source.key_label) {
            (Some(t), Some(k)) => (t.clone(), k.clone()),
            _ => bail!("--pkcs11 needs --token-label and --key-label"),
        };
        let module = abs(module)?;
        if let Some(alg) = source.generate {
            let spec = GenerateSpec::Pkcs11 {
                module,
                token_label: token,
                pin,
                alg,
            };
            let made = backend::generate(&spec, &label)
                .with_context(|| format!("--pkcs11 --generate {}", alg.name()))?;
            return Ok(KeyEntry {
                name: name.to_string(),
                ..made
            });
        }
        return Ok(KeyEntry::pkcs11(name, module, token, label, pin));
    }
    if let Some(id) = &source.awskms {
        return Ok(KeyEntry::awskms(name, id.clone(), source.region.clone()));
    }
    if let Some(alg) = source.awskms_generate {
        let spec = GenerateSpec::AwsKms {
            alg,
            region: source.region.clone(),
        };
        return backend::generate(&spec, name)
            .with_context(|| format!("--awskms-generate {}", alg.name()));
    }
    match (source.generate, &source.key_dir) {
        (Some(alg), Some(dir)) => Ok(KeyEntry::file(name, generate_into(alg, dir)?)),
        _ => bail!(
            "give --key PRIVATE.pem, --generate ALG --key-dir DIR, --pkcs11 MODULE …, --awskms KEY_ID or --awskms-generate ALG"
        ),
    }
}

/// The set with its new key opened; when the key was made for it (`--generate`,
/// `--awskms-generate`) and the set does not open, the error says where the new key stays.
fn open_new(
    cfg: &Config,
    config: &Path,
    source: &KeySourceArgs,
    entry: &KeyEntry,
) -> anyhow::Result<KeySet> {
    let made = source.generate.is_some() || source.awskms_generate.is_some();
    KeySet::open(cfg, config).map_err(|e| {
        let err = anyhow::Error::new(e);
        if !made {
            return err;
        }
        err.context(match entry.backend.as_str() {
            "awskms" => format!(
                "the new key {} stays in KMS (schedule its deletion if unused)",
                entry.key_id.as_deref().unwrap_or("?")
            ),
            "pkcs11" => format!(
                "the new key labelled {:?} stays on the token",
                entry.key_label.as_deref().unwrap_or("?")
            ),
            _ => format!(
                "the new key file {} stays",
                entry.path.as_deref().unwrap_or(Path::new("?")).display()
            ),
        })
    })
}

/// A new key in `dir` (0700 when created), named after its kid, written 0600 without replacing
/// anything.
fn generate_into(
    alg: crate::keys::generate::Algorithm,
    dir: &Path,
) -> anyhow::Result<std::path::PathBuf> {
    use std::os::unix::fs::DirBuilderExt as _;
    let dir = std::path::absolute(dir)?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("--key-dir {}", dir.display()))?;
    let g = crate::keys::generate::generate(alg)?;
    let kid = g.public.kid();
    let path = dir.join(format!("signer-{}.key", &kid[..12]));
    crate::fsutil::write_atomic(
        &path,
        g.private_pem.expose(),
        crate::fsutil::WriteOptions::mode(0o600).no_clobber(true),
    )
    .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

#[derive(Serialize)]
struct KeyRow<'a> {
    name: &'a str,
    kid: &'a str,
    alg: &'a str,
    active: bool,
    exclude_from_discovery: bool,
    source: &'a str,
}

#[derive(Serialize)]
struct StatusJson<'a> {
    max_token_expiration_seconds: i64,
    keys: Vec<KeyRow<'a>>,
}

fn status(set: &KeySet, printer: &Printer) {
    let rows: Vec<KeyRow<'_>> = set
        .keys
        .iter()
        .map(|k| KeyRow {
            name: &k.name,
            kid: &k.kid,
            alg: k.public.alg().as_str(),
            active: k.active,
            exclude_from_discovery: k.excluded,
            source: &k.source,
        })
        .collect();
    if printer.json() {
        printer.json_doc(&StatusJson {
            max_token_expiration_seconds: set.max_token_expiration_seconds,
            keys: rows,
        });
        return;
    }
    let mut out = String::new();
    for r in &rows {
        out.push_str(&format!(
            "{:<12} {} {:<5} {}{} {}\n",
            crate::text::printable(r.name),
            r.kid,
            r.alg,
            if r.active { "active" } else { "trusted" },
            if r.exclude_from_discovery {
                ", excluded from discovery"
            } else {
                ""
            },
            crate::text::printable(r.source)
        ));
    }
    out.push_str(&format!(
        "max token expiration: {}s\n",
        set.max_token_expiration_seconds
    ));
    printer.data(&out);
}
