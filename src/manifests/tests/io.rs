//! The edge code against a real (temporary) file system: locating manifests, atomic writes with
//! an injected crash, backups.

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;

use super::fixture;
use crate::fsutil::CrashPoint;
use crate::manifests::locate::{LocateError, locate, read_manifest};
use crate::manifests::write::{WriteError, backup, write_atomic, write_atomic_with};
use crate::manifests::{MAX_MANIFEST_BYTES, ParseError, Role};

fn kubeadm_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["kube-apiserver.yaml", "kube-controller-manager.yaml"] {
        fs::write(dir.path().join(f), fixture(f)).unwrap();
    }
    fs::write(
        dir.path().join("etcd.yaml"),
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: etcd\n    command: [etcd]\n",
    )
    .unwrap();
    dir
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn locates_by_container_not_by_file_name() {
    let dir = kubeadm_dir();
    fs::rename(
        dir.path().join("kube-apiserver.yaml"),
        dir.path().join("api.yml"),
    )
    .unwrap();
    // Dot files are invisible to the kubelet, and to locate.
    fs::write(
        dir.path().join(".kube-apiserver.yaml.sakr-tmp-x"),
        fixture("kube-apiserver.yaml"),
    )
    .unwrap();
    fs::create_dir(dir.path().join("subdir")).unwrap();
    let found = locate(dir.path()).unwrap();
    assert_eq!(found.apiserver, dir.path().join("api.yml"));
    assert_eq!(
        found.controller_manager,
        dir.path().join("kube-controller-manager.yaml")
    );
    assert_eq!(
        found.file_names,
        vec![
            "api.yml",
            "etcd.yaml",
            "kube-controller-manager.yaml",
            "subdir"
        ]
    );
}

#[test]
fn locate_errors_name_the_file() {
    // A second apiserver (a backup the kubelet would start!).
    let dir = kubeadm_dir();
    fs::write(
        dir.path().join("kube-apiserver.yaml.bak"),
        fixture("kube-apiserver.yaml"),
    )
    .unwrap();
    let e = locate(dir.path()).unwrap_err();
    assert!(
        matches!(&e, LocateError::Ambiguous { role: Role::ApiServer, files, .. } if files.len() == 2),
        "{e}"
    );
    assert!(e.to_string().contains("kube-apiserver.yaml.bak"), "{e}");

    // None at all.
    let dir = kubeadm_dir();
    fs::remove_file(dir.path().join("kube-controller-manager.yaml")).unwrap();
    assert!(matches!(
        locate(dir.path()),
        Err(LocateError::NotFound {
            role: Role::ControllerManager,
            ..
        })
    ));

    // Not YAML: the file and the line.
    let dir = kubeadm_dir();
    fs::write(dir.path().join("broken.yaml"), fixture("bad/not-yaml.yaml")).unwrap();
    let e = locate(dir.path()).unwrap_err();
    assert!(
        matches!(&e, LocateError::Parse { path, source: ParseError::Yaml { line: 5, .. } } if path.ends_with("broken.yaml")),
        "{e}"
    );
    // The chain as `sakr: {err:#}` prints it.
    let chain = format!("{e}: {}", std::error::Error::source(&e).unwrap());
    assert!(
        chain.contains("broken.yaml") && chain.contains("line 5"),
        "{chain}"
    );

    // A symlink loop.
    let dir = kubeadm_dir();
    symlink("loop-b", dir.path().join("loop-a")).unwrap();
    symlink("loop-a", dir.path().join("loop-b")).unwrap();
    let e = locate(dir.path()).unwrap_err();
    assert!(
        matches!(&e, LocateError::SymlinkLoop { path } if path.ends_with("loop-a")),
        "{e}"
    );

    // A dangling symlink: unreadable.
    let dir = kubeadm_dir();
    symlink("/nonexistent/sakr", dir.path().join("gone.yaml")).unwrap();
    assert!(matches!(
        locate(dir.path()),
        Err(LocateError::Unreadable { path, .. }) if path.ends_with("gone.yaml")
    ));

    // Too large (checked before reading it whole).
    let dir = kubeadm_dir();
    let big = dir.path().join("huge.yaml");
    fs::write(&big, vec![b'#'; 10 * 1024 * 1024]).unwrap();
    assert!(matches!(
        locate(dir.path()),
        Err(LocateError::TooLarge { path, size, .. }) if path == big && size == 10 * 1024 * 1024
    ));

    // Not UTF-8.
    let dir = kubeadm_dir();
    fs::write(dir.path().join("latin1.yaml"), b"kind: Pod\n# caf\xe9\n").unwrap();
    assert!(matches!(
        locate(dir.path()),
        Err(LocateError::NotUtf8 { .. })
    ));

    // Missing directory.
    assert!(matches!(
        locate(Path::new("/nonexistent/manifests")),
        Err(LocateError::ReadDir { .. })
    ));
}

#[test]
fn unreadable_file_when_not_root() {
    let dir = kubeadm_dir();
    let f = dir.path().join("secret.yaml");
    fs::write(&f, "kind: Pod\n").unwrap();
    fs::set_permissions(&f, fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads anything; the check only means something for other users.
    if fs::read(&f).is_err() {
        assert!(matches!(
            locate(dir.path()),
            Err(LocateError::Unreadable { .. })
        ));
    }
}

#[test]
fn read_manifest_limit() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("m.yaml");
    fs::write(&f, vec![b'#'; MAX_MANIFEST_BYTES]).unwrap();
    assert_eq!(read_manifest(&f).unwrap().len(), MAX_MANIFEST_BYTES);
    fs::write(&f, vec![b'#'; MAX_MANIFEST_BYTES + 1]).unwrap();
    assert!(matches!(
        read_manifest(&f),
        Err(LocateError::TooLarge { .. })
    ));
}

#[test]
fn write_atomic_replaces_and_keeps_mode_and_owner() {
    let dir = kubeadm_dir();
    let path = dir.path().join("kube-apiserver.yaml");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let before = names(dir.path());
    // As root, give the file another owner to prove it is carried over.
    let root = fs::metadata(&path).unwrap().uid() == 0;
    if root {
        std::os::unix::fs::chown(&path, Some(1234), Some(5678)).unwrap();
    }
    write_atomic(&path, b"new bytes\n").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"new bytes\n");
    let meta = fs::metadata(&path).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o640);
    if root {
        assert_eq!((meta.uid(), meta.gid()), (1234, 5678));
    }
    assert_eq!(names(dir.path()), before, "no temp file left");
}

#[test]
fn a_crash_before_rename_leaves_the_original_and_no_stray_file() {
    let dir = kubeadm_dir();
    let path = dir.path().join("kube-apiserver.yaml");
    let original = fs::read(&path).unwrap();
    let before = names(dir.path());
    let mut seen_tmp = Vec::new();
    let r = write_atomic_with(&path, b"half-done", &mut |stage, _| {
        if stage != CrashPoint::BeforeRename {
            return Ok(());
        }
        // The temp file exists at this point, dot-prefixed so the kubelet ignores it.
        seen_tmp = names(dir.path())
            .into_iter()
            .filter(|n| !before.contains(n))
            .collect();
        Err(io::Error::other("injected crash"))
    });
    assert!(matches!(r, Err(WriteError::Fs(_))), "{r:?}");
    assert_eq!(seen_tmp.len(), 1);
    assert!(
        seen_tmp[0].starts_with(".kube-apiserver.yaml.sakr-") && seen_tmp[0].ends_with(".tmp"),
        "{seen_tmp:?}"
    );
    assert_eq!(fs::read(&path).unwrap(), original, "original intact");
    assert_eq!(names(dir.path()), before, "temp file removed");
    assert!(names(dir.path()).iter().all(|n| before.contains(n)));
}

#[test]
fn backups_go_outside_the_manifests_dir() {
    let dir = kubeadm_dir();
    let path = dir.path().join("kube-apiserver.yaml");
    let outside = tempfile::tempdir().unwrap();
    let bdir = outside.path().join("sakr-backup-20250101T000000Z");
    let b = backup(&path, &bdir).unwrap();
    assert_eq!(fs::read(&b).unwrap(), fs::read(&path).unwrap());
    assert_eq!(fs::metadata(&bdir).unwrap().mode() & 0o777, 0o700);
    assert_eq!(fs::metadata(&b).unwrap().mode() & 0o777, 0o600);
    // Again with the same content: the same backup. With other content: a second copy beside
    // the first, which is never overwritten.
    assert_eq!(backup(&path, &bdir).unwrap(), b);
    let first = fs::read(&b).unwrap();
    fs::write(&path, "changed").unwrap();
    let second = backup(&path, &bdir).unwrap();
    assert_eq!(second, bdir.join("kube-apiserver.yaml.1"));
    assert_eq!(fs::read(&second).unwrap(), b"changed");
    assert_eq!(fs::read(&b).unwrap(), first);
    assert_eq!(backup(&path, &bdir).unwrap(), second);

    // Inside the manifests directory, directly, not yet existing, or through a symlink.
    for inside in [dir.path().to_path_buf(), dir.path().join("backups/new"), {
        let link = outside.path().join("link-to-manifests");
        symlink(dir.path(), &link).unwrap();
        link.join("bk")
    }] {
        let e = backup(&path, &inside).unwrap_err();
        assert!(
            matches!(e, WriteError::BackupInsideManifests { .. }),
            "{inside:?}: {e}"
        );
    }
    assert!(!dir.path().join("backups").exists());
}

#[test]
fn edit_then_write_round_trip() {
    let dir = kubeadm_dir();
    let path = dir.path().join("kube-apiserver.yaml");
    let old = read_manifest(&path).unwrap();
    let new = match crate::manifests::trust(&old, "/etc/kubernetes/pki/sa-new.pub").unwrap() {
        crate::manifests::EditOutcome::Changed(t) => t,
        other => panic!("{other:?}"),
    };
    write_atomic(&path, new.as_bytes()).unwrap();
    assert_eq!(read_manifest(&path).unwrap(), new);
    assert_eq!(locate(dir.path()).unwrap().apiserver, path);
}
