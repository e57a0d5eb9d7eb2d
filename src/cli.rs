//! The command line (DESIGN §3). clap derive types; the doc comments are the help text, the
//! man pages and the shell completions, so they are written for operators.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::keys::generate::Algorithm;

/// Rotate the signing key of Kubernetes ServiceAccount tokens, end to end and safely.
///
/// sakr carries a cluster through generate → publish → trust → switch → verify → retire, and
/// refuses the orders that break clusters or relying parties. Data goes to stdout, everything
/// else to stderr. Exit codes: 0 done; 1 a check failed or an unsafe step was refused; 2 usage,
/// input or runtime error; 3 (rotate) a gate is not open yet.
#[derive(Debug, Parser)]
#[command(name = "sakr", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Output format: human-readable text, or one JSON document on stdout with stable field names.
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Print only data and errors (no notes or progress).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Explain what is being done on stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Never color stderr (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Keygen(KeygenArgs),
    Kid(KidArgs),
    Jwks(JwksArgs),
    Discovery(DiscoveryArgs),
    Manifest(ManifestArgs),
    Completions(CompletionsArgs),
}

/// Generate a new ServiceAccount signing key pair.
///
/// Writes NAME.key (`RSA PRIVATE KEY` or `EC PRIVATE KEY`, the forms kube-apiserver accepts for
/// both --service-account-signing-key-file and kube-controller-manager's
/// --service-account-private-key-file; created 0600) and NAME.pub (`PUBLIC KEY`, for
/// --service-account-key-file), then prints the kid.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Key algorithm. RSA keys sign RS256, ECDSA keys ES256/ES384/ES512.
    #[arg(long, short = 'a', value_enum, default_value_t = Algorithm::Rsa2048)]
    pub algorithm: Algorithm,
    /// Directory to write the key files into.
    #[arg(long, default_value = ".")]
    pub out_dir: PathBuf,
    /// Base name of the key files (NAME.key, NAME.pub).
    #[arg(long, default_value = "sa")]
    pub name: String,
    /// Replace existing NAME.key / NAME.pub.
    #[arg(long)]
    pub force: bool,
}

/// Print the kid, algorithm and PEM block type of every key in the files.
///
/// Reads every form kube-apiserver can be given, and warns (naming file and block) about each
/// block kube-apiserver would silently ignore in --service-account-key-file.
#[derive(Debug, Args)]
pub struct KidArgs {
    /// PEM files: PUBLIC KEY, RSA PUBLIC KEY, CERTIFICATE, RSA PRIVATE KEY, EC PRIVATE KEY, PRIVATE KEY.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Build the JWKS kube-apiserver would serve at /openid/v1/jwks for these keys.
///
/// Byte-identical to kube-apiserver's for the same keys in the same order. Given private keys it
/// emits only their public halves.
#[derive(Debug, Args)]
pub struct JwksArgs {
    /// Key files, in --service-account-key-file order; every key block of each file is included.
    #[arg(long = "key", value_name = "FILE", required_unless_present = "jwks")]
    pub keys: Vec<PathBuf>,
    /// An existing JWKS to merge: its entries come first (validated: kid must match key material).
    #[arg(long, value_name = "EXISTING.json")]
    pub jwks: Option<PathBuf>,
    /// Leave out the key with this kid (it must be present).
    #[arg(long, value_name = "KID")]
    pub drop_kid: Vec<String>,
    /// Indent the JSON (kube-apiserver serves it compact).
    #[arg(long)]
    pub pretty: bool,
    /// Write to FILE atomically (exact bytes, no trailing newline) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Build the OIDC discovery document (/.well-known/openid-configuration) for an issuer.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["keys", "jwks"]))]
pub struct DiscoveryArgs {
    /// The issuer: kube-apiserver's --service-account-issuer, an https URL without query or fragment.
    #[arg(long, value_name = "URL")]
    pub issuer: String,
    /// Where relying parties fetch the JWKS [default: <issuer>/openid/v1/jwks].
    #[arg(long, value_name = "URL")]
    pub jwks_uri: Option<String>,
    /// Key files whose algorithms the document lists.
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// A JWKS whose algorithms the document lists.
    #[arg(long, value_name = "FILE")]
    pub jwks: Option<PathBuf>,
    /// Write to FILE atomically instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Print a shell completion script.
///
/// Install e.g. `sakr completions bash > /etc/bash_completion.d/sakr`. Pre-generated scripts
/// are in the repository's completions/ directory.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Read and edit the kube-apiserver and kube-controller-manager static-pod manifests.
///
/// Edits change only the lines they must (every other byte stays), are idempotent, keep a backup
/// outside the manifests directory, write atomically through a dot-prefixed temp file (the
/// kubelet ignores dot files), and re-parse the result to prove it holds exactly the intended
/// flags. Paths are container paths, as they appear in the manifest.
#[derive(Debug, Args)]
pub struct ManifestArgs {
    #[command(subcommand)]
    pub action: ManifestAction,
    #[command(flatten)]
    pub opts: ManifestOpts,
}

#[derive(Debug, Args, Clone)]
pub struct ManifestOpts {
    /// The static-pod manifests directory; the two manifests are found by their containers.
    #[arg(long, global = true, value_name = "DIR", conflicts_with = "apiserver")]
    pub manifests_dir: Option<PathBuf>,
    /// The kube-apiserver manifest (instead of --manifests-dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub apiserver: Option<PathBuf>,
    /// The kube-controller-manager manifest (with --apiserver).
    #[arg(long, global = true, value_name = "FILE", requires = "apiserver")]
    pub controller_manager: Option<PathBuf>,
    /// Resolve hostPath volumes under DIR (for a node's files copied elsewhere).
    #[arg(long, global = true, value_name = "DIR", default_value = "/")]
    pub host_root: PathBuf,
    /// Where to copy the manifests before editing [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>].
    #[arg(long, global = true, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Print the unified diff and change nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Do not require key files to exist at their host paths (preparing manifests for another machine).
    #[arg(long, global = true)]
    pub no_check_files: bool,
}

#[derive(Debug, Subcommand)]
pub enum ManifestAction {
    /// List the service-account flags with each key's kid, and warn about every hazard.
    Show,
    /// Append --service-account-key-file=PUB after the last one (the "trust" stage).
    Trust {
        /// Public key file, as the container sees it (e.g. /etc/kubernetes/pki/sa-new.pub).
        #[arg(value_name = "PUB")]
        path: String,
    },
    /// Sign with KEY: kube-apiserver --service-account-signing-key-file and
    /// kube-controller-manager --service-account-private-key-file (the "switch" stage).
    ///
    /// Refused unless KEY's public half is already trusted by the apiserver manifest.
    SignWith {
        /// Private key file, as the container sees it.
        #[arg(value_name = "KEY")]
        path: String,
    },
    /// Remove --service-account-key-file=PUB (the "retire" stage).
    ///
    /// Refused for the current signing key's public half and for the last key file.
    Retire {
        #[arg(value_name = "PUB")]
        path: String,
    },
}
