//! The key set edits a rotation makes (issue 20): add a key, make one the active key, remove
//! one. Pure functions on [`Config`], shared by `sakr signer activate|remove` (this machine's
//! file) and the rotation's signer layout ([`crate::layout::signer`], every node's file), so
//! that both refuse the same things.

use super::config::{Config, KeyEntry};

/// Why an edit is refused (the caller names the file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("no key named {0:?} in the set")]
    NoSuchKey(String),
    #[error("key {0:?} is a public key only; it cannot sign")]
    PublicOnly(String),
    #[error("key {0:?} is the active key; make another key active first")]
    Active(String),
    #[error("another key is already named {0:?}")]
    NameTaken(String),
}

/// `entry` added at the end, neither active nor excluded from discovery (so that every
/// apiserver verifies it and publishes it). Already there by name: unchanged.
pub fn add(cfg: &Config, entry: &KeyEntry) -> Result<Config, EditError> {
    let mut out = cfg.clone();
    if let Some(e) = cfg.keys.iter().find(|e| e.name == entry.name) {
        let mut same = entry.clone();
        same.active = e.active;
        same.exclude_from_discovery = e.exclude_from_discovery;
        return if *e == same {
            Ok(out)
        } else {
            Err(EditError::NameTaken(entry.name.clone()))
        };
    }
    let mut e = entry.clone();
    e.active = false;
    e.exclude_from_discovery = false;
    out.keys.push(e);
    Ok(out)
}

/// Key `name` becomes the one active key (and is no longer excluded from discovery:
/// kube-apiserver rejects a token whose kid is excluded).
pub fn activate(cfg: &Config, name: &str) -> Result<Config, EditError> {
    let i = cfg
        .keys
        .iter()
        .position(|e| e.name == name)
        .ok_or_else(|| EditError::NoSuchKey(name.to_string()))?;
    if cfg.keys[i].backend == "public" {
        return Err(EditError::PublicOnly(name.to_string()));
    }
    let mut out = cfg.clone();
    for (j, e) in out.keys.iter_mut().enumerate() {
        e.active = j == i;
    }
    out.keys[i].exclude_from_discovery = false;
    Ok(out)
}

/// Key `name` leaves the set (never the active key). Already gone: unchanged.
pub fn remove(cfg: &Config, name: &str) -> Result<Config, EditError> {
    let mut out = cfg.clone();
    match cfg.keys.iter().position(|e| e.name == name) {
        None => Ok(out),
        Some(i) if cfg.keys[i].active => Err(EditError::Active(name.to_string())),
        Some(i) => {
            out.keys.remove(i);
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> Config {
        Config {
            version: 1,
            max_token_expiration_seconds: 86_400,
            keys: vec![
                KeyEntry {
                    active: true,
                    ..KeyEntry::file("a", "/k/a.key".into())
                },
                KeyEntry {
                    exclude_from_discovery: true,
                    ..KeyEntry::file("b", "/k/b.key".into())
                },
                KeyEntry::public("p", "/k/p.pub".into()),
            ],
        }
    }

    #[test]
    fn activate_moves_the_one_active_flag_and_clears_exclusion() {
        let out = activate(&set(), "b").unwrap();
        let flags: Vec<(bool, bool)> = out
            .keys
            .iter()
            .map(|e| (e.active, e.exclude_from_discovery))
            .collect();
        assert_eq!(flags, vec![(false, false), (true, false), (false, false)]);
        assert_eq!(activate(&out, "b").unwrap(), out, "idempotent");
        assert_eq!(
            activate(&set(), "p"),
            Err(EditError::PublicOnly("p".into()))
        );
        assert_eq!(activate(&set(), "x"), Err(EditError::NoSuchKey("x".into())));
    }

    #[test]
    fn remove_never_takes_the_active_key_and_is_idempotent() {
        assert_eq!(remove(&set(), "a"), Err(EditError::Active("a".into())));
        let out = remove(&set(), "b").unwrap();
        assert_eq!(out.keys.len(), 2);
        assert_eq!(remove(&out, "b").unwrap(), out);
    }

    #[test]
    fn add_appends_inactive_and_refuses_a_taken_name() {
        let new = KeyEntry {
            active: true,
            ..KeyEntry::file("n", "/k/n.key".into())
        };
        let out = add(&set(), &new).unwrap();
        assert_eq!(out.keys.len(), 4);
        assert!(!out.keys[3].active);
        assert_eq!(add(&out, &new).unwrap(), out, "idempotent");
        assert_eq!(
            add(&set(), &KeyEntry::file("b", "/k/other.key".into())),
            Err(EditError::NameTaken("b".into()))
        );
    }
}
