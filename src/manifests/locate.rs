//! Finding the kube-apiserver and kube-controller-manager manifests in a static-pod directory
//! (DESIGN §2.7; issue 3 `--manifests-dir`). Edge code: it reads the directory.
//!
//! It looks at what the kubelet looks at — every regular file (or symlink to one) whose name does
//! not start with a dot — and identifies each component by container name or command, never by
//! file name. Files of other pods (etcd, scheduler, anything else) are skipped; a file the
//! kubelet would choke on is an error that names it, because the operator must know.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::model::{Doc, Manifest, ParseError};
use super::{MAX_MANIFEST_BYTES, Role};

/// The manifests found in a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub apiserver: PathBuf,
    pub controller_manager: PathBuf,
    /// Every name the kubelet would load (no leading dot), for [`super::stray_manifest_files`].
    pub file_names: Vec<String>,
    /// The apiserver and controller-manager manifests as read and parsed while locating them,
    /// so that loading them does not read and parse them again.
    pub read: Vec<ReadManifest>,
}

/// A manifest read while locating: its text, and its model for one role (or why there is none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadManifest {
    pub path: PathBuf,
    pub role: Role,
    pub text: String,
    pub manifest: Result<Manifest, ParseError>,
}

#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    #[error("cannot read the manifests directory {dir}")]
    ReadDir {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: symbolic link loop (or too many levels of links)")]
    SymlinkLoop { path: PathBuf },
    #[error("cannot read {path}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path} is {size} bytes, over the {max}-byte limit for a manifest")]
    TooLarge {
        path: PathBuf,
        size: u64,
        max: usize,
    },
    #[error("{path} is not UTF-8 text")]
    NotUtf8 { path: PathBuf },
    #[error("{path}")]
    Parse {
        path: PathBuf,
        #[source]
        source: ParseError,
    },
    #[error(
        "no {role} manifest in {dir} (no file there runs a container named or commanded `{role}`)"
    )]
    NotFound { role: Role, dir: PathBuf },
    #[error("more than one {role} manifest in {dir}: {}", .files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "))]
    Ambiguous {
        role: Role,
        dir: PathBuf,
        files: Vec<PathBuf>,
    },
}

/// Reads one manifest, enforcing [`MAX_MANIFEST_BYTES`] before reading it whole.
pub fn read_manifest(path: &Path) -> Result<String, LocateError> {
    let unreadable = |source: io::Error| {
        // std has no stable `ErrorKind` for ELOOP (a symlink loop).
        if source.raw_os_error() == Some(libc::ELOOP) {
            LocateError::SymlinkLoop {
                path: path.to_path_buf(),
            }
        } else {
            LocateError::Unreadable {
                path: path.to_path_buf(),
                source,
            }
        }
    };
    let file = fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > MAX_MANIFEST_BYTES as u64 {
        return Err(LocateError::TooLarge {
            path: path.to_path_buf(),
            size,
            max: MAX_MANIFEST_BYTES,
        });
    }
    let mut bytes = Vec::new();
    // Read one byte past the limit, in case the file grew since the metadata call.
    file.take(MAX_MANIFEST_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(LocateError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            max: MAX_MANIFEST_BYTES,
        });
    }
    String::from_utf8(bytes).map_err(|_| LocateError::NotUtf8 {
        path: path.to_path_buf(),
    })
}

/// Finds the apiserver and controller-manager manifests in `dir`.
pub fn locate(dir: &Path) -> Result<Located, LocateError> {
    let read_dir = |source| LocateError::ReadDir {
        dir: dir.to_path_buf(),
        source,
    };
    // (file name as on disk, as reported). A name that is not UTF-8 is read like any other (the
    // kubelet loads it) through its real bytes; only reports use the lossy form.
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_dir)? {
        let entry = entry.map_err(read_dir)?;
        let os_name = entry.file_name();
        if os_name.as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let name = os_name.to_string_lossy().into_owned();
        entries.push((os_name, name));
    }
    entries.sort();
    let names: Vec<String> = entries.iter().map(|(_, n)| n.clone()).collect();

    let mut apiservers = Vec::new();
    let mut controller_managers = Vec::new();
    let mut read = Vec::new();
    for (os_name, _) in &entries {
        let path = dir.join(os_name);
        // Follow symlinks as the kubelet does; a loop surfaces here as ELOOP.
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(LocateError::SymlinkLoop { path });
            }
            Err(source) => return Err(LocateError::Unreadable { path, source }),
        };
        if !meta.is_file() {
            continue;
        }
        let text = read_manifest(&path)?;
        let parsed = Doc::load(&text).and_then(|doc| {
            let roles = Manifest::roles_of(&doc)?;
            Ok(roles
                .into_iter()
                .map(|role| (role, Manifest::from_doc(&doc, role)))
                .collect::<Vec<_>>())
        });
        let models = match parsed {
            Ok(m) => m,
            // Another kind of object or a pod-less file is not ours to judge; broken YAML is.
            Err(ParseError::NotAPod { .. } | ParseError::NoContainers { .. }) => continue,
            Err(source) => return Err(LocateError::Parse { path, source }),
        };
        let roles: Vec<Role> = models.iter().map(|(r, _)| *r).collect();
        for (role, manifest) in models {
            read.push(ReadManifest {
                path: path.clone(),
                role,
                text: text.clone(),
                manifest,
            });
        }
        if roles.contains(&Role::ApiServer) {
            apiservers.push(path.clone());
        }
        if roles.contains(&Role::ControllerManager) {
            controller_managers.push(path);
        }
    }
    let one = |role: Role, mut found: Vec<PathBuf>| match found.len() {
        0 => Err(LocateError::NotFound {
            role,
            dir: dir.to_path_buf(),
        }),
        1 => Ok(found.remove(0)),
        _ => Err(LocateError::Ambiguous {
            role,
            dir: dir.to_path_buf(),
            files: found,
        }),
    };
    Ok(Located {
        apiserver: one(Role::ApiServer, apiservers)?,
        controller_manager: one(Role::ControllerManager, controller_managers)?,
        file_names: names,
        read,
    })
}
