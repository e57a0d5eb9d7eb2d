//! The command line (DESIGN §3). clap derive types; the doc comments are the help text, the
//! man pages and the shell completions, so they are written for operators.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::keys::generate::Algorithm;
use crate::layout::Layout;

/// Rotate the signing key of Kubernetes ServiceAccount tokens, end to end and safely.
///
/// sakr carries a cluster through generate → publish → trust → switch → verify → retire, and
/// refuses the orders that break clusters or relying parties. Data goes to stdout, everything
/// else to stderr. Exit codes: 0 done; 1 a check failed or an unsafe step was refused; 2 usage,
/// input or runtime error; 3 (rotate) a gate is not open yet.
#[derive(Debug, Parser)]
#[command(
    name = "sakr",
    // `sakr 0.1.0 (commit abcdef1234, x86_64-unknown-linux-gnu)`: build.rs.
    version = env!("SAKR_LONG_VERSION"),
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The help heading of the options every subcommand accepts, so that a subcommand's own options
/// stand apart from them in its `--help`.
const GLOBAL: &str = "Global options";

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Output format: human-readable text, or one JSON document on stdout with stable field names.
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputFormat::Text, help_heading = GLOBAL)]
    pub output: OutputFormat,
    /// Print only data and errors (no notes or progress).
    #[arg(short, long, global = true, conflicts_with = "verbose", help_heading = GLOBAL)]
    pub quiet: bool,
    /// Explain what is being done on stderr.
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub verbose: bool,
    /// Never color stderr (also: the NO_COLOR environment variable).
    #[arg(long, global = true, help_heading = GLOBAL)]
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
    Keys(KeysArgs),
    Kid(KidArgs),
    Jwks(JwksArgs),
    Discovery(DiscoveryArgs),
    Publish(PublishArgs),
    Verify(VerifyArgs),
    Drift(DriftArgs),
    Manifest(ManifestArgs),
    Rotate(Box<RotateArgs>),
    Rehearse(RehearseArgs),
    Signer(SignerArgs),
    Completions(CompletionsArgs),
}

/// An external token signer for kube-apiserver (KEP-740): rotation without restarts.
///
/// kube-apiserver 1.32+ hands token signing to a plugin on a Unix socket
/// (--service-account-signing-endpoint; gRPC ExternalJWTSigner, v1 from 1.36, v1alpha1 before).
/// `sakr signer serve` is that plugin, over a key set file that `init` writes and `status` shows.
#[derive(Debug, Args)]
pub struct SignerArgs {
    #[command(subcommand)]
    pub action: SignerAction,
}

#[derive(Debug, Subcommand)]
pub enum SignerAction {
    /// Write a key set file with one active key: an existing private key, a new one, a key on a
    /// PKCS#11 token, or an AWS KMS key.
    Init {
        /// The key set file to write (0600; refused when it exists).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        #[command(flatten)]
        source: KeySourceArgs,
        /// The longest token lifetime the signer supports (Metadata; at least 10m).
        #[arg(long, value_name = "DURATION", default_value = "24h")]
        max_token_expiration: String,
    },
    /// Add a key (not active) to an existing key set; the whole new set must open before the
    /// file is written. A running signer picks it up on its next reload.
    Add {
        /// The key set file (rewritten atomically, 0600).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The new entry's name (unique in the set; the key label of a key generated on a token).
        #[arg(long, value_name = "NAME")]
        name: String,
        #[command(flatten)]
        source: KeySourceArgs,
        /// Trust the key for verification but leave it out of /openid/v1/jwks.
        #[arg(long)]
        exclude_from_discovery: bool,
    },
    /// Serve ExternalJWTSigner (v1 and v1alpha1) on a Unix socket until SIGTERM; reload the key
    /// set on SIGHUP and when the file changes (a bad file keeps the running set).
    Serve {
        /// The key set file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The socket kube-apiserver dials (--service-account-signing-endpoint); created 0600 in
        /// a directory only its owner can write.
        #[arg(long, value_name = "PATH")]
        socket: PathBuf,
        /// How often kube-apiserver should fetch the keys again (FetchKeys refresh_hint_seconds).
        #[arg(long, value_name = "DURATION", default_value = "60s")]
        refresh_hint: String,
    },
    /// The key set: every key with its kid, algorithm, backend, and whether it is active or
    /// excluded from discovery.
    Status {
        /// The key set file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Make one key of the set the active key (it signs from the signer's next reload); the
    /// others stay trusted. By name or kid.
    Activate {
        /// The key set file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The key's name or kid.
        #[arg(value_name = "NAME|KID")]
        key: String,
    },
    /// Remove a key from the set (never the active key): kube-apiserver stops verifying its
    /// tokens at its next FetchKeys. By name or kid.
    Remove {
        /// The key set file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The key's name or kid.
        #[arg(value_name = "NAME|KID")]
        key: String,
    },
    /// Move this control-plane node from key files to `sakr signer`: the key set (the signing
    /// key active, the other trusted keys kept for verification, excluded from discovery), the
    /// signer's static pod, then, once it listens, kube-apiserver's flags (endpoint added,
    /// key-file flags removed).
    Migrate(crate::commands::signer_migrate::MigrateArgs),
}

/// Where a signer key comes from: one of a private key file, a new file key, a PKCS#11 token
/// (an existing key, or one generated on it), an AWS KMS key (existing or new), or a public key
/// that only verifies. PINs come from a file or an environment variable, never a flag.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("key_source").required(true).args(["key", "key_dir", "pkcs11", "awskms", "awskms_generate", "public"]))]
#[command(group = clap::ArgGroup::new("pin").args(["pin_file", "pin_env"]))]
pub struct KeySourceArgs {
    /// An existing private key (file backend: RSA or ECDSA P-256/384/521, PEM, 0600).
    #[arg(long, value_name = "PRIVATE.pem")]
    pub key: Option<PathBuf>,
    /// Generate a new key of this algorithm: into --key-dir, or on the --pkcs11 token.
    #[arg(long, value_enum, value_name = "ALG", conflicts_with_all = ["key", "awskms", "awskms_generate", "public"])]
    pub generate: Option<Algorithm>,
    /// Where --generate writes a file key (created 0700 when missing).
    #[arg(long, value_name = "DIR", requires = "generate")]
    pub key_dir: Option<PathBuf>,
    /// A key on a PKCS#11 token: the module (shared library, absolute path), e.g.
    /// /usr/lib/softhsm/libsofthsm2.so.
    #[arg(long, value_name = "MODULE", requires_all = ["token_label", "key_label", "pin"])]
    pub pkcs11: Option<PathBuf>,
    /// The token's label (--pkcs11).
    #[arg(long, value_name = "LABEL", requires = "pkcs11")]
    pub token_label: Option<String>,
    /// The key's label on the token (--pkcs11; with --generate, the label of the new key).
    #[arg(long, value_name = "LABEL", requires = "pkcs11")]
    pub key_label: Option<String>,
    /// A file holding the token's user PIN (one trailing newline is trimmed; 0600).
    #[arg(long, value_name = "FILE", requires = "pkcs11")]
    pub pin_file: Option<PathBuf>,
    /// An environment variable holding the token's user PIN (the signer needs it too).
    #[arg(long, value_name = "VAR", requires = "pkcs11")]
    pub pin_env: Option<String>,
    /// An existing AWS KMS key: key ARN, key id or alias/NAME (SIGN_VERIFY, RSA or ECC_NIST_P*).
    #[arg(long, value_name = "KEY_ID")]
    pub awskms: Option<String>,
    /// Create a new AWS KMS key of this algorithm (SIGN_VERIFY) and use it.
    #[arg(long, value_enum, value_name = "ALG")]
    pub awskms_generate: Option<Algorithm>,
    /// The AWS region of --awskms / --awskms-generate (else AWS_REGION or the profile's).
    #[arg(long, value_name = "REGION", conflicts_with_all = ["key", "key_dir", "pkcs11", "public"])]
    pub region: Option<String>,
    /// A public key that only verifies (PUBLIC KEY PEM; `add` only: it cannot be active).
    #[arg(long, value_name = "PUBLIC.pem")]
    pub public: Option<PathBuf>,
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
    /// With --node: generate once, in memory, and write the same pair to every node (never to
    /// this machine's disk); --out-dir is then the node's directory (e.g. /etc/kubernetes/pki).
    #[command(flatten)]
    pub nodes: NodeArgs,
}

/// Key pairs on the control-plane nodes.
#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub action: KeysAction,
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Put a bring-your-own key pair on every node: KEY (0600) and PUB in DIR, same names.
    ///
    /// Refused when KEY and PUB are not one pair, or when a node already has a different file
    /// by either name (the same file is fine: a re-run).
    Install {
        /// The private key (RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY).
        #[arg(value_name = "KEY")]
        key: PathBuf,
        /// Its public key.
        #[arg(value_name = "PUB")]
        public: PathBuf,
        /// The directory on each node (e.g. /etc/kubernetes/pki).
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        #[command(flatten)]
        nodes: NodeArgs,
    },
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
    #[arg(long = "key", value_name = "FILE", required_unless_present_any = ["jwks", "from_signer"])]
    pub keys: Vec<PathBuf>,
    /// An existing JWKS to merge: its entries come first (validated: kid must match key material).
    #[arg(long, value_name = "EXISTING.json")]
    pub jwks: Option<PathBuf>,
    /// The keys a running external signer (KEP-740) gives kube-apiserver, through FetchKeys on
    /// its socket (unix:///PATH; any plugin, not only `sakr signer`): those not excluded from
    /// discovery, with the signer's kids, after --jwks and before --key.
    #[arg(long, value_name = "unix:///PATH")]
    pub from_signer: Option<String>,
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

/// Publish the JWKS and the OIDC discovery document where relying parties fetch them.
///
/// Targets: s3://BUCKET/PREFIX, azblob://ACCOUNT/CONTAINER/PREFIX,
/// https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX, file:///DIR. The JWKS goes to the path
/// of jwks_uri relative to the issuer (default openid/v1/jwks), then the discovery document to
/// .well-known/openid-configuration; each is written conditionally on what was read and read
/// back. Removing a published kid is refused unless --allow-removal. Credentials come from each
/// cloud's standard environment (AWS chain; Azure Entra ID or AZURE_STORAGE_SAS_TOKEN).
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["keys", "jwks", "from_signer"]))]
pub struct PublishArgs {
    /// Where to publish (s3://, azblob://, https://…blob.core.windows.net/…, file:///).
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// A prebuilt JWKS to publish as is.
    #[arg(long, value_name = "FILE", conflicts_with = "keys")]
    pub jwks: Option<PathBuf>,
    /// A prebuilt discovery document (with --jwks) [default: built from --issuer].
    #[arg(long, value_name = "FILE", requires = "jwks")]
    pub discovery: Option<PathBuf>,
    /// Key files, in --service-account-key-file order, to build the JWKS from.
    #[arg(long = "key", value_name = "FILE", requires = "issuer")]
    pub keys: Vec<PathBuf>,
    /// Build the JWKS from what a running external signer (KEP-740) gives kube-apiserver:
    /// FetchKeys on its socket (unix:///PATH), the keys not excluded from discovery.
    #[arg(long, value_name = "unix:///PATH", requires = "issuer", conflicts_with_all = ["keys", "jwks"])]
    pub from_signer: Option<String>,
    /// The issuer (kube-apiserver --service-account-issuer), for the discovery document.
    #[arg(long, value_name = "URL", conflicts_with = "discovery")]
    pub issuer: Option<String>,
    /// jwks_uri of the discovery document [default: <issuer>/openid/v1/jwks].
    #[arg(long, value_name = "URL", conflicts_with = "discovery")]
    pub jwks_uri: Option<String>,
    /// S3-compatible endpoint (path-style), or the Azure blob service URL (Azurite).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Cache-Control of the published objects.
    #[arg(long, value_name = "VALUE", default_value = "public, max-age=3600")]
    pub cache_control: String,
    /// Allow removing kids that are published now (the retire stage).
    #[arg(long)]
    pub allow_removal: bool,
    /// Show the kid diff and what would be written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Total time for the whole publish, retries included (e.g. 2m, 90s).
    #[arg(long, value_name = "DURATION", default_value = "2m")]
    pub timeout: String,
}

/// Decode a ServiceAccount token and check its kid, alg, signature, issuer and expiry.
///
/// Prints one check per line, then the claims of interest; exit 1 if any check fails, 2 if the
/// token is malformed. The token itself is never printed.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("token").required(true).args(["token_file", "service_account", "pod"]))]
#[command(group = clap::ArgGroup::new("expect").required(true).args(["expect_key", "expect_kid", "jwks"]).multiple(true))]
pub struct VerifyArgs {
    /// Read the token from FILE (`-` for stdin; surrounding whitespace is trimmed).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Ask the cluster for a fresh token of this ServiceAccount (TokenRequest, as `kubectl create token`).
    #[arg(long, value_name = "NS/NAME")]
    pub service_account: Option<String>,
    /// Audience of the requested token (repeatable) [default: the apiserver's --api-audiences].
    #[arg(long, value_name = "AUD", requires = "service_account")]
    pub audience: Vec<String>,
    /// Lifetime of the requested token (at least 10m).
    #[arg(long, value_name = "DURATION", requires = "service_account")]
    pub duration: Option<String>,
    /// Read the projected token of a running pod (exec `cat`).
    #[arg(long, value_name = "NS/NAME")]
    pub pod: Option<String>,
    /// Container of --pod [default: the pod's default container].
    #[arg(long, requires = "pod")]
    pub container: Option<String>,
    /// Token path inside the pod.
    #[arg(
        long,
        requires = "pod",
        default_value = "/var/run/secrets/kubernetes.io/serviceaccount/token"
    )]
    pub path: String,
    /// The token must be signed by one of these keys (kid and signature).
    #[arg(long, value_name = "FILE")]
    pub expect_key: Vec<PathBuf>,
    /// The token's kid must be KID.
    #[arg(long, value_name = "KID")]
    pub expect_kid: Option<String>,
    /// Check the signature against a JWKS file, or the JWKS published under an https issuer URL.
    #[arg(long, value_name = "FILE|URL")]
    pub jwks: Option<String>,
    /// The token's iss must be exactly URL.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// kubeconfig file [default: KUBECONFIG, ~/.kube/config, in-cluster].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context.
    #[arg(long)]
    pub context: Option<String>,
    /// Trust only this CA bundle for an https --jwks URL.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
}

/// Compare the kids each apiserver serves, the kids published under the issuer, and local keys.
///
/// Prints a table kid × place; exit 1 when the signing kid is missing anywhere, a published kid
/// is trusted by no apiserver, or a place could not be read.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The issuer URL relying parties know (https); its discovery document and JWKS are read.
    #[arg(long, value_name = "URL")]
    pub issuer: String,
    /// Local key files to include.
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Include the keys a running external signer (KEP-740) gives kube-apiserver to publish
    /// (FetchKeys on its socket, unix:///PATH; those not excluded from discovery), as the local
    /// column.
    #[arg(long, value_name = "unix:///PATH")]
    pub from_signer: Option<String>,
    /// kubeconfig file [default: KUBECONFIG, ~/.kube/config, in-cluster].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context.
    #[arg(long)]
    pub context: Option<String>,
    /// Trust only this CA bundle for the issuer URL.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Also read the JWKS where it is stored (s3://, https://ACCOUNT.blob…, file://; the
    /// credentials of `publish`), to tell a cache or CDN that lags behind the storage from a
    /// key that was never published.
    #[arg(long, value_name = "URL")]
    pub publish_to: Option<String>,
    /// S3-compatible endpoint or Azure blob endpoint for --publish-to.
    #[arg(long, value_name = "URL", requires = "publish_to")]
    pub endpoint: Option<String>,
    /// The JWKS URL when it is not <issuer>/openid/v1/jwks (where it is stored under
    /// --publish-to).
    #[arg(long, value_name = "URL", requires = "publish_to")]
    pub jwks_uri: Option<String>,
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
    pub paths: ManifestPaths,
    #[command(flatten)]
    pub nodes: NodeArgs,
}

/// Which control-plane nodes to act on (DESIGN §7). Without `--node`: this machine.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Nodes")]
pub struct NodeArgs {
    /// A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name,
    /// reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT]
    /// through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT
    /// for a node's tree on this machine. Paths (--manifests-dir, key files) are the node's own.
    #[arg(long = "node", value_name = "NAME[=URL]", global = true)]
    pub nodes: Vec<String>,
    /// The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config");
    /// your ssh config, agent, ProxyJump and known_hosts apply.
    #[arg(long, value_name = "CMD", global = true, default_value = "ssh")]
    pub ssh_command: String,
    /// Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo).
    #[arg(long, global = true)]
    pub sudo: bool,
    /// Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label),
    /// listed through --kubeconfig and reached as --via says.
    #[arg(long, global = true)]
    pub control_plane: bool,
    /// How --control-plane nodes are reached: a pod on each node, or ssh to each Node's
    /// InternalIP (with --ssh-command; the ssh config may map those addresses).
    #[arg(long, global = true, value_enum, default_value_t = Via::Pod, requires = "control_plane")]
    pub via: Via,
    /// The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and
    /// readlink (busybox or coreutils); mirror it for air-gapped clusters.
    #[arg(long, global = true, value_name = "IMAGE", default_value = crate::cluster::node_pod::DEFAULT_IMAGE)]
    pub node_image: String,
    /// The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged").
    #[arg(long, global = true, value_name = "NS", default_value = "kube-system")]
    pub node_namespace: String,
    /// kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config,
    /// in-cluster].
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context for node pods and --control-plane.
    #[arg(long, global = true)]
    pub context: Option<String>,
}

/// How `--control-plane` nodes are reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Via {
    #[default]
    Pod,
    Ssh,
}

impl NodeArgs {
    /// Whether any node was selected (otherwise: this machine).
    pub fn any(&self) -> bool {
        !self.nodes.is_empty() || self.control_plane
    }
}

/// Where the static-pod manifests are (every `sakr manifest` subcommand; before or after it).
#[derive(Debug, Args, Clone)]
pub struct ManifestPaths {
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
}

/// Where the static-pod manifests are, and where their backups go: `sakr rotate start` (which
/// records it in the state file).
#[derive(Debug, Args, Clone)]
pub struct ManifestLocation {
    /// The static-pod manifests directory; the two manifests are found by their containers.
    #[arg(long, value_name = "DIR", conflicts_with = "apiserver")]
    pub manifests_dir: Option<PathBuf>,
    /// The kube-apiserver manifest (instead of --manifests-dir).
    #[arg(long, value_name = "FILE")]
    pub apiserver: Option<PathBuf>,
    /// The kube-controller-manager manifest (with --apiserver).
    #[arg(long, value_name = "FILE", requires = "apiserver")]
    pub controller_manager: Option<PathBuf>,
    /// Resolve hostPath volumes under DIR (for a node's files copied elsewhere).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub host_root: PathBuf,
    /// Where to copy the manifests before editing them, and a rotation's old key files at retire
    /// [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>].
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
}

/// The options of the manifest edits (`trust`, `sign-with`, `retire`); `show` changes nothing
/// and takes none of them.
#[derive(Debug, Args, Clone)]
pub struct ManifestOpts {
    /// Where to copy the manifests before editing them
    /// [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>].
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Print the unified diff and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not require key files to exist at their host paths (preparing manifests for another
    /// machine; flags layout only).
    #[arg(long)]
    pub no_check_files: bool,
    /// How the manifests hold the key set [default: kubeadm when they use kubeadm's own sa.pub
    /// and sa.key, else flags]. kubeadm: the flags stay; trust appends the key to sa.pub,
    /// sign-with replaces sa.key (the old one archived first), retire takes the key out of
    /// sa.pub (name it by kid or by a file), and a static-pod annotation restarts exactly the
    /// components that read a changed file.
    #[arg(long, value_enum, value_name = "LAYOUT")]
    pub layout: Option<Layout>,
}

#[derive(Debug, Subcommand)]
pub enum ManifestAction {
    /// List the service-account flags with each key's kid, and warn about every hazard.
    ///
    /// Exits 1 when a hazard means the control plane is broken as the manifests stand (a
    /// component does not start, or tokens are rejected); warnings alone exit 0.
    Show,
    /// Trust PUB (the "trust" stage): append --service-account-key-file=PUB after the last one,
    /// or in the kubeadm layout append PUB's key to sa.pub.
    Trust {
        /// Public key file, as the container sees it (e.g. /etc/kubernetes/pki/sa-new.pub).
        #[arg(value_name = "PUB")]
        path: String,
        #[command(flatten)]
        opts: ManifestOpts,
    },
    /// Sign with KEY: kube-apiserver --service-account-signing-key-file and
    /// kube-controller-manager --service-account-private-key-file (the "switch" stage); in the
    /// kubeadm layout, KEY becomes sa.key (the old sa.key archived into the backup directory).
    ///
    /// Refused unless KEY's public half is already trusted by the apiserver manifest.
    SignWith {
        /// Private key file, as the container sees it; in the kubeadm layout also the kid of a
        /// sa.key archived in sakr's backup directories (to go back).
        #[arg(value_name = "KEY")]
        path: String,
        #[command(flatten)]
        opts: ManifestOpts,
    },
    /// Remove --service-account-key-file=PUB (the "retire" stage); in the kubeadm layout, take
    /// PUB's key (or the key of kid PUB) out of sa.pub.
    ///
    /// Refused for the current signing key's public half and for the last key file.
    Retire {
        /// Public key file, as the container sees it; in the kubeadm layout also a kid.
        #[arg(value_name = "PUB")]
        path: String,
        #[command(flatten)]
        opts: ManifestOpts,
    },
}

/// The staged rotation, resumable: start once, then `next` until done (safe from cron or CI).
///
/// Stages: generate → publish → trust → switch → verify → retire. `next` performs the next stage
/// whose gate is open and exits 3 while a gate is closed; a lock next to the state file keeps two
/// runs from interleaving.
#[derive(Debug, Args)]
pub struct RotateArgs {
    #[command(subcommand)]
    pub action: RotateAction,
}

#[derive(Debug, Subcommand)]
pub enum RotateAction {
    Start(Box<RotateStartArgs>),
    Next(RotateNextArgs),
    Status(RotateStatusArgs),
    Abort(RotateAbortArgs),
}

/// Record the current signing key, generate the new one beside it, write the state file.
#[derive(Debug, Args)]
pub struct RotateStartArgs {
    /// The rotation's state: a file (JSON, 0600; paths and kids, never key material), or
    /// k8s://NAMESPACE/NAME for a ConfigMap with a Lease as the lock (CI runners taking turns).
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    /// Directory (on this node) for the new key pair [default: the current signing key's directory].
    #[arg(long, value_name = "DIR")]
    pub key_dir: Option<PathBuf>,
    /// Base name of the new key files [default: sa-<UTC date>].
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, short = 'a', value_enum, default_value_t = Algorithm::Rsa2048)]
    pub algorithm: Algorithm,
    /// Publish the JWKS and discovery document here (s3://, azblob://, https://…blob.core.windows.net/…, file:///).
    #[arg(long, value_name = "URL", requires = "issuer")]
    pub publish_to: Option<String>,
    /// The issuer URL relying parties know (kube-apiserver --service-account-issuer).
    #[arg(long, value_name = "URL", requires = "publish_to")]
    pub issuer: Option<String>,
    /// jwks_uri of the discovery document [default: <issuer>/openid/v1/jwks].
    #[arg(long, value_name = "URL", requires = "publish_to")]
    pub jwks_uri: Option<String>,
    /// S3-compatible or Azure endpoint for --publish-to.
    #[arg(long, value_name = "URL", requires = "publish_to")]
    pub endpoint: Option<String>,
    /// Cache-Control of the published objects; its max-age lengthens the retire wait.
    #[arg(long, value_name = "VALUE", default_value = "public, max-age=3600")]
    pub cache_control: String,
    /// Keep trusting the old key at least this long after the switch (e.g. 7d, 36h); never less
    /// than 24h10s plus the JWKS cache max-age.
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub overlap: String,
    /// Ask the cluster: every apiserver endpoint's JWKS before switching (unless --single-node),
    /// and a fresh token (TokenRequest) for the verify stage.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context.
    #[arg(long, requires = "kubeconfig")]
    pub context: Option<String>,
    /// This is the only control-plane node: its manifest is the whole truth for the switch gate.
    #[arg(long)]
    pub single_node: bool,
    /// A control-plane node of the rotation (repeatable; the rolling order): NAME alone is the
    /// Kubernetes Node of that name, reached by a short-lived pod on it; NAME=ssh://[USER@]HOST[:PORT]
    /// through the system ssh client; NAME=local:///ROOT for a node tree on this machine. Every
    /// stage acts on every node; paths (--manifests-dir, --key-dir) are the nodes' own.
    #[arg(long = "node", value_name = "NAME[=URL]")]
    pub nodes: Vec<String>,
    /// Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label),
    /// reached as --via says.
    #[arg(long, requires = "kubeconfig")]
    pub control_plane: bool,
    /// How --control-plane nodes are reached: a pod on each node, or ssh to its InternalIP.
    #[arg(long, value_enum, default_value_t = Via::Pod, requires = "control_plane")]
    pub via: Via,
    /// The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config").
    #[arg(long, value_name = "CMD", default_value = "ssh")]
    pub ssh_command: String,
    /// Become root on ssh nodes through `sudo -n`.
    #[arg(long)]
    pub sudo: bool,
    /// The image of node pods (a POSIX shell with base64, mktemp, stat, sync, readlink).
    #[arg(long, value_name = "IMAGE", default_value = crate::cluster::node_pod::DEFAULT_IMAGE)]
    pub node_image: String,
    /// The namespace node pods run in (it must admit hostPath pods).
    #[arg(long, value_name = "NS", default_value = "kube-system")]
    pub node_namespace: String,
    /// Where a node's kube-apiserver answers, when it is not the endpoint of default/kubernetes
    /// at the Node's InternalIP (repeatable): NAME=HOST:PORT.
    #[arg(long, value_name = "NAME=HOST:PORT", requires = "kubeconfig")]
    pub node_apiserver: Vec<String>,
    /// How long a rolling stage waits for one node's kube-apiserver to come back after its edit
    /// before it stops, leaving the other nodes as they are.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub node_timeout: String,
    /// Do not fetch the issuer's discovery document and JWKS over HTTPS before switch (for an
    /// issuer this runner cannot reach); recorded in the state and shown by `rotate status`.
    #[arg(long)]
    pub no_public_check: bool,
    /// A relying party's own JWKS refresh interval, waited for after the published max-age
    /// before switch (e.g. 24h for a party that refreshes daily).
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub relying_party_refresh: String,
    /// How the nodes hold the key set [default: kubeadm when the manifests use kubeadm's own
    /// sa.pub and sa.key, else flags]. kubeadm: the flags stay; sa.pub becomes the bundle of
    /// trusted keys and sa.key the signing key, so kubeadm upgrade and join keep the rotation.
    /// flags: each stage edits the --service-account-* flags. signer: kube-apiserver signs
    /// through `sakr signer serve` (--service-account-signing-endpoint); each stage edits the
    /// signer's key set (--signer-config) and nothing restarts.
    #[arg(long, value_enum, value_name = "LAYOUT")]
    pub layout: Option<Layout>,
    /// The signer layout: the `sakr signer` key set file, as each node sees it (e.g.
    /// /etc/kubernetes/sakr/signer.json). The new key goes into the active key's backend: a file
    /// beside it (--key-dir), or a new key on its PKCS#11 token or in its KMS.
    #[arg(long, value_name = "FILE")]
    pub signer_config: Option<PathBuf>,
    #[command(flatten)]
    pub manifests: ManifestLocation,
}

/// Perform the next stage whose gate is open (exit 3 while waiting).
#[derive(Debug, Args)]
pub struct RotateNextArgs {
    /// The rotation's state, as given to `rotate start` (a file or k8s://NAMESPACE/NAME).
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    /// Say what the next stage would do; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// You checked every kube-apiserver's /openid/v1/jwks lists the new kid (recorded in the state).
    #[arg(long)]
    pub i_checked_all_apiservers: bool,
    /// From now on, do not fetch the issuer's documents over HTTPS before switch (this runner
    /// cannot reach the issuer); recorded in the state.
    #[arg(long)]
    pub no_public_check: bool,
    /// Before retire: have kube-controller-manager re-sign every legacy token Secret that still
    /// carries the old kid (its token is removed; the tokens controller issues a new one with the
    /// new key), confirm each new kid, then retire. The old token stops working at once
    /// (kube-apiserver checks a legacy token against its Secret): restart what reads them.
    #[arg(long, conflicts_with = "allow_breaking_legacy_tokens")]
    pub reissue_legacy_tokens: bool,
    /// Retire although legacy token Secrets still carry the old kid (they stop working);
    /// recorded in the state with the Secrets named.
    #[arg(long)]
    pub allow_breaking_legacy_tokens: bool,
    /// A fresh ServiceAccount token for the verify stage (`-` for stdin), e.g. from `kubectl
    /// create token default`.
    #[arg(long, value_name = "FILE", conflicts_with = "kubeconfig")]
    pub token_file: Option<PathBuf>,
    /// For the verify stage: ask this cluster for a fresh token (TokenRequest), when the
    /// rotation was started without --kubeconfig.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context (with --kubeconfig).
    #[arg(long, requires = "kubeconfig")]
    pub context: Option<String>,
    /// Evaluate gates as if it were TIME (RFC 3339). Only for rotations made by `sakr rehearse`.
    #[arg(long, value_name = "TIME", hide = true)]
    pub at: Option<String>,
}

/// Every stage with its time, the gate of the next one, and the earliest retire time.
#[derive(Debug, Args)]
pub struct RotateStatusArgs {
    /// The rotation's state, as given to `rotate start` (a file or k8s://NAMESPACE/NAME).
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    /// kubeconfig for a k8s:// state [default: KUBECONFIG, ~/.kube/config, in-cluster].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context.
    #[arg(long, requires = "kubeconfig")]
    pub context: Option<String>,
    #[arg(long, value_name = "TIME", hide = true)]
    pub at: Option<String>,
}

/// Before retire: sign with the old key again, keep trusting both, and record the abort.
#[derive(Debug, Args)]
pub struct RotateAbortArgs {
    /// The rotation's state, as given to `rotate start` (a file or k8s://NAMESPACE/NAME).
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    /// kubeconfig for a k8s:// state, the node pods and the nodes' apiservers [default: the
    /// one recorded at start].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context.
    #[arg(long, requires = "kubeconfig")]
    pub context: Option<String>,
    #[arg(long)]
    pub dry_run: bool,
}

/// Run the whole rotation in a scratch directory and show every change.
///
/// Copies the given manifests (default: bundled kubeadm manifests) with freshly generated stand-in
/// keys into a scratch directory, then runs every stage there: publishing to a local directory,
/// minting tokens locally with the current signing key for the verify stage, and a simulated
/// clock for the retire window. Touches nothing outside the scratch directory.
#[derive(Debug, Args)]
pub struct RehearseArgs {
    /// Manifests to rehearse on (they are copied; the originals are never touched).
    #[arg(long, value_name = "DIR")]
    pub manifests_dir: Option<PathBuf>,
    /// Keep the scratch tree here instead of a temporary directory that is removed afterwards.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Algorithm of the new key (the same default as `keygen` and `rotate start`).
    #[arg(long, short = 'a', value_enum, default_value_t = Algorithm::Rsa2048)]
    pub algorithm: Algorithm,
    /// Rehearse an HA control plane of N nodes (node trees cp-1 … cp-N): one rotation over
    /// every node from this seat, each stage rolling node by node. 1: a single control-plane
    /// node.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub nodes: u16,
    /// The key layout to rehearse [default: kubeadm on kubeadm's own sa.pub/sa.key, else
    /// flags]; `--layout flags` shows the other one on the same manifests.
    #[arg(long, value_enum, value_name = "LAYOUT")]
    pub layout: Option<Layout>,
}
