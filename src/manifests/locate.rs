//! Finding the kube-apiserver and kube-controller-manager manifests in a static-pod directory
//! (DESIGN §2.7; issue 3 `--manifests-dir`). Edge code: it reads the directory.
//!
//! It looks at what the kubelet looks at — every regular file (or symlink to one) whose name does
//! not start with a dot — and identifies each component by container name or command, never by
//! file name. Files of other pods (etcd, scheduler, anything else) are skipped; a file the
//! kubelet would choke on is an error that names it, because the operator must know.

use std::io;
use std::path::{Path, PathBuf};

use super::model::{Doc, Manifest, ParseError};
use super::{MAX_MANIFEST_BYTES, Role};
use crate::node::local::LocalNode;
use crate::node::{Entry, Kind, Node, NodeError};

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
    #[error(transparent)]
    Node(#[from] crate::node::NodeError),
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

/// Reads one manifest of this machine, enforcing [`MAX_MANIFEST_BYTES`] before reading it whole.
pub fn read_manifest(path: &Path) -> Result<String, LocateError> {
    read_manifest_on(&mut LocalNode::new("", "/"), path)
}

/// Reads one manifest of `node`, enforcing [`MAX_MANIFEST_BYTES`] before reading it whole.
pub fn read_manifest_on(node: &mut dyn Node, path: &Path) -> Result<String, LocateError> {
    let bytes = match node.read(path, MAX_MANIFEST_BYTES as u64) {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Err(LocateError::Unreadable {
                path: path.to_path_buf(),
                source: io::Error::from(io::ErrorKind::NotFound),
            });
        }
        Err(NodeError::Loop { .. }) => {
            return Err(LocateError::SymlinkLoop {
                path: path.to_path_buf(),
            });
        }
        Err(NodeError::TooLarge { size, .. }) => {
            return Err(LocateError::TooLarge {
                path: path.to_path_buf(),
                size,
                max: MAX_MANIFEST_BYTES,
            });
        }
        Err(NodeError::Io { detail, .. }) => {
            return Err(LocateError::Unreadable {
                path: path.to_path_buf(),
                source: io::Error::other(detail),
            });
        }
        Err(e) => return Err(e.into()),
    };
    String::from_utf8(bytes).map_err(|_| LocateError::NotUtf8 {
        path: path.to_path_buf(),
    })
}

/// Finds the apiserver and controller-manager manifests in `dir` on this machine.
pub fn locate(dir: &Path) -> Result<Located, LocateError> {
    locate_on(&mut LocalNode::new("", "/"), dir)
}

/// Finds the apiserver and controller-manager manifests in `dir` on `node`.
pub fn locate_on(node: &mut dyn Node, dir: &Path) -> Result<Located, LocateError> {
    let listed = node.list(dir).map_err(|e| match e {
        NodeError::Io { detail, .. } => LocateError::ReadDir {
            dir: dir.to_path_buf(),
            source: io::Error::other(detail),
        },
        e => LocateError::Node(e),
    })?;
    // (file name as on disk, as reported). A name that is not UTF-8 is read like any other (the
    // kubelet loads it) through its real bytes; only reports use the lossy form.
    let mut entries: Vec<(Entry, std::ffi::OsString)> = listed
        .into_iter()
        .filter(|e| !e.os_name.as_encoded_bytes().starts_with(b"."))
        .map(|e| {
            let os = e.os_name.clone();
            (e, os)
        })
        .collect();
    entries.sort_by(|a, b| a.1.cmp(&b.1));
    let names: Vec<String> = entries.iter().map(|(e, _)| e.name.clone()).collect();

    let mut apiservers = Vec::new();
    let mut controller_managers = Vec::new();
    let mut read = Vec::new();
    for (entry, os_name) in &entries {
        let path = dir.join(os_name);
        // Followed as the kubelet follows it: only regular files are loaded; a link that
        // leads nowhere is a loop or dangling, and the kubelet cannot load it either.
        match (entry.kind, entry.target) {
            (_, Some(Kind::File)) => {}
            (Kind::Symlink, None) => match node.stat(&path) {
                Err(NodeError::Loop { .. }) => return Err(LocateError::SymlinkLoop { path }),
                _ => {
                    return Err(LocateError::Unreadable {
                        path,
                        source: io::Error::other("a symbolic link to nothing"),
                    });
                }
            },
            _ => continue,
        }
        let text = read_manifest_on(node, &path)?;
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
