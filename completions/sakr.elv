
use builtin;
use str;

set edit:completion:arg-completer[sakr] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sakr'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sakr'= {
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand keygen 'Generate a new ServiceAccount signing key pair'
            cand keys 'Key pairs on the control-plane nodes'
            cand kid 'Print the kid, algorithm and PEM block type of every key in the files'
            cand jwks 'Build the JWKS kube-apiserver would serve at /openid/v1/jwks for these keys'
            cand discovery 'Build the OIDC discovery document (/.well-known/openid-configuration) for an issuer'
            cand publish 'Publish the JWKS and the OIDC discovery document where relying parties fetch them'
            cand verify 'Decode a ServiceAccount token and check its kid, alg, signature, issuer and expiry'
            cand drift 'Compare the kids each apiserver serves, the kids published under the issuer, and local keys'
            cand manifest 'Read and edit the kube-apiserver and kube-controller-manager static-pod manifests'
            cand rotate 'The staged rotation, resumable: start once, then `next` until done (safe from cron or CI)'
            cand rehearse 'Run the whole rotation in a scratch directory and show every change'
            cand signer 'An external token signer for kube-apiserver (KEP-740): rotation without restarts'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sakr;keygen'= {
            cand -a 'Key algorithm. RSA keys sign RS256, ECDSA keys ES256/ES384/ES512'
            cand --algorithm 'Key algorithm. RSA keys sign RS256, ECDSA keys ES256/ES384/ES512'
            cand --out-dir 'Directory to write the key files into'
            cand --name 'Base name of the key files (NAME.key, NAME.pub)'
            cand --node 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own'
            cand --ssh-command 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply'
            cand --via 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)'
            cand --node-image 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters'
            cand --node-namespace 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")'
            cand --kubeconfig 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]'
            cand --context 'kubeconfig context for node pods and --control-plane'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --force 'Replace existing NAME.key / NAME.pub'
            cand --sudo 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
            cand --control-plane 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;keys'= {
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand install 'Put a bring-your-own key pair on every node: KEY (0600) and PUB in DIR, same names'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sakr;keys;install'= {
            cand --dir 'The directory on each node (e.g. /etc/kubernetes/pki)'
            cand --node 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own'
            cand --ssh-command 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply'
            cand --via 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)'
            cand --node-image 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters'
            cand --node-namespace 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")'
            cand --kubeconfig 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]'
            cand --context 'kubeconfig context for node pods and --control-plane'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --sudo 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
            cand --control-plane 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;keys;help'= {
            cand install 'Put a bring-your-own key pair on every node: KEY (0600) and PUB in DIR, same names'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sakr;keys;help;install'= {
        }
        &'sakr;keys;help;help'= {
        }
        &'sakr;kid'= {
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;jwks'= {
            cand --key 'Key files, in --service-account-key-file order; every key block of each file is included'
            cand --jwks 'An existing JWKS to merge: its entries come first (validated: kid must match key material)'
            cand --from-signer 'The keys a running external signer (KEP-740) gives kube-apiserver, through FetchKeys on its socket (unix:///PATH; any plugin, not only `sakr signer`): those not excluded from discovery, with the signer''s kids, after --jwks and before --key'
            cand --drop-kid 'Leave out the key with this kid (it must be present)'
            cand --out 'Write to FILE atomically (exact bytes, no trailing newline) instead of stdout'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --pretty 'Indent the JSON (kube-apiserver serves it compact)'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;discovery'= {
            cand --issuer 'The issuer: kube-apiserver''s --service-account-issuer, an https URL without query or fragment'
            cand --jwks-uri 'Where relying parties fetch the JWKS [default: <issuer>/openid/v1/jwks]'
            cand --key 'Key files whose algorithms the document lists'
            cand --jwks 'A JWKS whose algorithms the document lists'
            cand --out 'Write to FILE atomically instead of stdout'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;publish'= {
            cand --to 'Where to publish (s3://, azblob://, https://…blob.core.windows.net/…, file:///)'
            cand --jwks 'A prebuilt JWKS to publish as is'
            cand --discovery 'A prebuilt discovery document (with --jwks) [default: built from --issuer]'
            cand --key 'Key files, in --service-account-key-file order, to build the JWKS from'
            cand --from-signer 'Build the JWKS from what a running external signer (KEP-740) gives kube-apiserver: FetchKeys on its socket (unix:///PATH), the keys not excluded from discovery'
            cand --issuer 'The issuer (kube-apiserver --service-account-issuer), for the discovery document'
            cand --jwks-uri 'jwks_uri of the discovery document [default: <issuer>/openid/v1/jwks]'
            cand --endpoint 'S3-compatible endpoint (path-style), or the Azure blob service URL (Azurite)'
            cand --cache-control 'Cache-Control of the published objects'
            cand --timeout 'Total time for the whole publish, retries included (e.g. 2m, 90s)'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --allow-removal 'Allow removing kids that are published now (the retire stage)'
            cand --dry-run 'Show the kid diff and what would be written; write nothing'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;verify'= {
            cand --token-file 'Read the token from FILE (`-` for stdin; surrounding whitespace is trimmed)'
            cand --service-account 'Ask the cluster for a fresh token of this ServiceAccount (TokenRequest, as `kubectl create token`)'
            cand --audience 'Audience of the requested token (repeatable) [default: the apiserver''s --api-audiences]'
            cand --duration 'Lifetime of the requested token (at least 10m)'
            cand --pod 'Read the projected token of a running pod (exec `cat`)'
            cand --container 'Container of --pod [default: the pod''s default container]'
            cand --path 'Token path inside the pod'
            cand --expect-key 'The token must be signed by one of these keys (kid and signature)'
            cand --expect-kid 'The token''s kid must be KID'
            cand --jwks 'Check the signature against a JWKS file, or the JWKS published under an https issuer URL'
            cand --issuer 'The token''s iss must be exactly URL'
            cand --kubeconfig 'kubeconfig file [default: KUBECONFIG, ~/.kube/config, in-cluster]'
            cand --context 'kubeconfig context'
            cand --ca 'Trust only this CA bundle for an https --jwks URL'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;drift'= {
            cand --issuer 'The issuer URL relying parties know (https); its discovery document and JWKS are read'
            cand --key 'Local key files to include'
            cand --from-signer 'Include the keys a running external signer (KEP-740) gives kube-apiserver to publish (FetchKeys on its socket, unix:///PATH; those not excluded from discovery), as the local column'
            cand --kubeconfig 'kubeconfig file [default: KUBECONFIG, ~/.kube/config, in-cluster]'
            cand --context 'kubeconfig context'
            cand --ca 'Trust only this CA bundle for the issuer URL'
            cand --publish-to 'Also read the JWKS where it is stored (s3://, https://ACCOUNT.blob…, file://; the credentials of `publish`), to tell a cache or CDN that lags behind the storage from a key that was never published'
            cand --endpoint 'S3-compatible endpoint or Azure blob endpoint for --publish-to'
            cand --jwks-uri 'The JWKS URL when it is not <issuer>/openid/v1/jwks (where it is stored under --publish-to)'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;manifest'= {
            cand --manifests-dir 'The static-pod manifests directory; the two manifests are found by their containers'
            cand --apiserver 'The kube-apiserver manifest (instead of --manifests-dir)'
            cand --controller-manager 'The kube-controller-manager manifest (with --apiserver)'
            cand --host-root 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)'
            cand --node 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own'
            cand --ssh-command 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply'
            cand --via 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)'
            cand --node-image 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters'
            cand --node-namespace 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")'
            cand --kubeconfig 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]'
            cand --context 'kubeconfig context for node pods and --control-plane'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --sudo 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
            cand --control-plane 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'List the service-account flags with each key''s kid, and warn about every hazard'
            cand trust 'Trust PUB (the "trust" stage): append --service-account-key-file=PUB after the last one, or in the kubeadm layout append PUB''s key to sa.pub'
            cand sign-with 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage); in the kubeadm layout, KEY becomes sa.key (the old sa.key archived into the backup directory)'
            cand retire 'Remove --service-account-key-file=PUB (the "retire" stage); in the kubeadm layout, take PUB''s key (or the key of kid PUB) out of sa.pub'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sakr;manifest;show'= {
            cand --manifests-dir 'The static-pod manifests directory; the two manifests are found by their containers'
            cand --apiserver 'The kube-apiserver manifest (instead of --manifests-dir)'
            cand --controller-manager 'The kube-controller-manager manifest (with --apiserver)'
            cand --host-root 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)'
            cand --node 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own'
            cand --ssh-command 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply'
            cand --via 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)'
            cand --node-image 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters'
            cand --node-namespace 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")'
            cand --kubeconfig 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]'
            cand --context 'kubeconfig context for node pods and --control-plane'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --sudo 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
            cand --control-plane 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;manifest;trust'= {
            cand --backup-dir 'Where to copy the manifests before editing them [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]'
            cand --layout 'How the manifests hold the key set [default: kubeadm when they use kubeadm''s own sa.pub and sa.key, else flags]. kubeadm: the flags stay; trust appends the key to sa.pub, sign-with replaces sa.key (the old one archived first), retire takes the key out of sa.pub (name it by kid or by a file), and a static-pod annotation restarts exactly the components that read a changed file'
            cand --manifests-dir 'The static-pod manifests directory; the two manifests are found by their containers'
            cand --apiserver 'The kube-apiserver manifest (instead of --manifests-dir)'
            cand --controller-manager 'The kube-controller-manager manifest (with --apiserver)'
            cand --host-root 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)'
            cand --node 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own'
            cand --ssh-command 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply'
            cand --via 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)'
            cand --node-image 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters'
            cand --node-namespace 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")'
            cand --kubeconfig 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]'
            cand --context 'kubeconfig context for node pods and --control-plane'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --dry-run 'Print the unified diff and change nothing'
            cand --no-check-files 'Do not require key files to exist at their host paths (preparing manifests for another machine; flags layout only)'
            cand --sudo 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
            cand --control-plane 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;manifest;sign-with'= {
            cand --backup-dir 'Where to copy the manifests before editing them [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]'
            cand --layout 'How the manifests hold the key set [default: kubeadm when they use kubeadm''s own sa.pub and sa.key, else flags]. kubeadm: the flags stay; trust appends the key to sa.pub, sign-with replaces sa.key (the old one archived first), retire takes the key out of sa.pub (name it by kid or by a file), and a static-pod annotation restarts exactly the components that read a changed file'
            cand --manifests-dir 'The static-pod manifests directory; the two manifests are found by their containers'
            cand --apiserver 'The kube-apiserver manifest (instead of --manifests-dir)'
            cand --controller-manager 'The kube-controller-manager manifest (with --apiserver)'
            cand --host-root 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)'
            cand --node 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own'
            cand --ssh-command 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply'
            cand --via 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)'
            cand --node-image 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters'
            cand --node-namespace 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")'
            cand --kubeconfig 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]'
            cand --context 'kubeconfig context for node pods and --control-plane'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --dry-run 'Print the unified diff and change nothing'
            cand --no-check-files 'Do not require key files to exist at their host paths (preparing manifests for another machine; flags layout only)'
            cand --sudo 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
            cand --control-plane 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;manifest;retire'= {
            cand --backup-dir 'Where to copy the manifests before editing them [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]'
            cand --layout 'How the manifests hold the key set [default: kubeadm when they use kubeadm''s own sa.pub and sa.key, else flags]. kubeadm: the flags stay; trust appends the key to sa.pub, sign-with replaces sa.key (the old one archived first), retire takes the key out of sa.pub (name it by kid or by a file), and a static-pod annotation restarts exactly the components that read a changed file'
            cand --manifests-dir 'The static-pod manifests directory; the two manifests are found by their containers'
            cand --apiserver 'The kube-apiserver manifest (instead of --manifests-dir)'
            cand --controller-manager 'The kube-controller-manager manifest (with --apiserver)'
            cand --host-root 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)'
            cand --node 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own'
            cand --ssh-command 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply'
            cand --via 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)'
            cand --node-image 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters'
            cand --node-namespace 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")'
            cand --kubeconfig 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]'
            cand --context 'kubeconfig context for node pods and --control-plane'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --dry-run 'Print the unified diff and change nothing'
            cand --no-check-files 'Do not require key files to exist at their host paths (preparing manifests for another machine; flags layout only)'
            cand --sudo 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
            cand --control-plane 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;manifest;help'= {
            cand show 'List the service-account flags with each key''s kid, and warn about every hazard'
            cand trust 'Trust PUB (the "trust" stage): append --service-account-key-file=PUB after the last one, or in the kubeadm layout append PUB''s key to sa.pub'
            cand sign-with 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage); in the kubeadm layout, KEY becomes sa.key (the old sa.key archived into the backup directory)'
            cand retire 'Remove --service-account-key-file=PUB (the "retire" stage); in the kubeadm layout, take PUB''s key (or the key of kid PUB) out of sa.pub'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sakr;manifest;help;show'= {
        }
        &'sakr;manifest;help;trust'= {
        }
        &'sakr;manifest;help;sign-with'= {
        }
        &'sakr;manifest;help;retire'= {
        }
        &'sakr;manifest;help;help'= {
        }
        &'sakr;rotate'= {
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand start 'Record the current signing key, generate the new one beside it, write the state file'
            cand next 'Perform the next stage whose gate is open (exit 3 while waiting)'
            cand status 'Every stage with its time, the gate of the next one, and the earliest retire time'
            cand abort 'Before retire: sign with the old key again, keep trusting both, and record the abort'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sakr;rotate;start'= {
            cand --state 'The rotation''s state: a file (JSON, 0600; paths and kids, never key material), or k8s://NAMESPACE/NAME for a ConfigMap with a Lease as the lock (CI runners taking turns)'
            cand --key-dir 'Directory (on this node) for the new key pair [default: the current signing key''s directory]'
            cand --name 'Base name of the new key files [default: sa-<UTC date>]'
            cand -a 'a'
            cand --algorithm 'algorithm'
            cand --publish-to 'Publish the JWKS and discovery document here (s3://, azblob://, https://…blob.core.windows.net/…, file:///)'
            cand --issuer 'The issuer URL relying parties know (kube-apiserver --service-account-issuer)'
            cand --jwks-uri 'jwks_uri of the discovery document [default: <issuer>/openid/v1/jwks]'
            cand --endpoint 'S3-compatible or Azure endpoint for --publish-to'
            cand --cache-control 'Cache-Control of the published objects; its max-age lengthens the retire wait'
            cand --overlap 'Keep trusting the old key at least this long after the switch (e.g. 7d, 36h); never less than 24h10s plus the JWKS cache max-age'
            cand --kubeconfig 'Ask the cluster: every apiserver endpoint''s JWKS before switching (unless --single-node), and a fresh token (TokenRequest) for the verify stage'
            cand --context 'kubeconfig context'
            cand --node 'A control-plane node of the rotation (repeatable; the rolling order): NAME alone is the Kubernetes Node of that name, reached by a short-lived pod on it; NAME=ssh://[USER@]HOST[:PORT] through the system ssh client; NAME=local:///ROOT for a node tree on this machine. Every stage acts on every node; paths (--manifests-dir, --key-dir) are the nodes'' own'
            cand --via 'How --control-plane nodes are reached: a pod on each node, or ssh to its InternalIP'
            cand --ssh-command 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config")'
            cand --node-image 'The image of node pods (a POSIX shell with base64, mktemp, stat, sync, readlink)'
            cand --node-namespace 'The namespace node pods run in (it must admit hostPath pods)'
            cand --node-apiserver 'Where a node''s kube-apiserver answers, when it is not the endpoint of default/kubernetes at the Node''s InternalIP (repeatable): NAME=HOST:PORT'
            cand --node-timeout 'How long a rolling stage waits for one node''s kube-apiserver to come back after its edit before it stops, leaving the other nodes as they are'
            cand --relying-party-refresh 'A relying party''s own JWKS refresh interval, waited for after the published max-age before switch (e.g. 24h for a party that refreshes daily)'
            cand --layout 'How the nodes hold the key set [default: kubeadm when the manifests use kubeadm''s own sa.pub and sa.key, else flags]. kubeadm: the flags stay; sa.pub becomes the bundle of trusted keys and sa.key the signing key, so kubeadm upgrade and join keep the rotation. flags: each stage edits the --service-account-* flags. signer: kube-apiserver signs through `sakr signer serve` (--service-account-signing-endpoint); each stage edits the signer''s key set (--signer-config) and nothing restarts'
            cand --signer-config 'The signer layout: the `sakr signer` key set file, as each node sees it (e.g. /etc/kubernetes/sakr/signer.json). The new key goes into the active key''s backend: a file beside it (--key-dir), or a new key on its PKCS#11 token or in its KMS'
            cand --manifests-dir 'The static-pod manifests directory; the two manifests are found by their containers'
            cand --apiserver 'The kube-apiserver manifest (instead of --manifests-dir)'
            cand --controller-manager 'The kube-controller-manager manifest (with --apiserver)'
            cand --host-root 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)'
            cand --backup-dir 'Where to copy the manifests before editing them, and a rotation''s old key files at retire [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --single-node 'This is the only control-plane node: its manifest is the whole truth for the switch gate'
            cand --control-plane 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), reached as --via says'
            cand --sudo 'Become root on ssh nodes through `sudo -n`'
            cand --no-public-check 'Do not fetch the issuer''s discovery document and JWKS over HTTPS before switch (for an issuer this runner cannot reach); recorded in the state and shown by `rotate status`'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;rotate;next'= {
            cand --state 'The rotation''s state, as given to `rotate start` (a file or k8s://NAMESPACE/NAME)'
            cand --token-file 'A fresh ServiceAccount token for the verify stage (`-` for stdin), e.g. from `kubectl create token default`'
            cand --kubeconfig 'For the verify stage: ask this cluster for a fresh token (TokenRequest), when the rotation was started without --kubeconfig'
            cand --context 'kubeconfig context (with --kubeconfig)'
            cand --at 'Evaluate gates as if it were TIME (RFC 3339). Only for rotations made by `sakr rehearse`'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --dry-run 'Say what the next stage would do; change nothing'
            cand --i-checked-all-apiservers 'You checked every kube-apiserver''s /openid/v1/jwks lists the new kid (recorded in the state)'
            cand --no-public-check 'From now on, do not fetch the issuer''s documents over HTTPS before switch (this runner cannot reach the issuer); recorded in the state'
            cand --reissue-legacy-tokens 'Before retire: have kube-controller-manager re-sign every legacy token Secret that still carries the old kid (its token is removed; the tokens controller issues a new one with the new key), confirm each new kid, then retire. The old token stops working at once (kube-apiserver checks a legacy token against its Secret): restart what reads them'
            cand --allow-breaking-legacy-tokens 'Retire although legacy token Secrets still carry the old kid (they stop working); recorded in the state with the Secrets named'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;rotate;status'= {
            cand --state 'The rotation''s state, as given to `rotate start` (a file or k8s://NAMESPACE/NAME)'
            cand --kubeconfig 'kubeconfig for a k8s:// state [default: KUBECONFIG, ~/.kube/config, in-cluster]'
            cand --context 'kubeconfig context'
            cand --at 'at'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;rotate;abort'= {
            cand --state 'The rotation''s state, as given to `rotate start` (a file or k8s://NAMESPACE/NAME)'
            cand --kubeconfig 'kubeconfig for a k8s:// state, the node pods and the nodes'' apiservers [default: the one recorded at start]'
            cand --context 'kubeconfig context'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --dry-run 'dry-run'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;rotate;help'= {
            cand start 'Record the current signing key, generate the new one beside it, write the state file'
            cand next 'Perform the next stage whose gate is open (exit 3 while waiting)'
            cand status 'Every stage with its time, the gate of the next one, and the earliest retire time'
            cand abort 'Before retire: sign with the old key again, keep trusting both, and record the abort'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sakr;rotate;help;start'= {
        }
        &'sakr;rotate;help;next'= {
        }
        &'sakr;rotate;help;status'= {
        }
        &'sakr;rotate;help;abort'= {
        }
        &'sakr;rotate;help;help'= {
        }
        &'sakr;rehearse'= {
            cand --manifests-dir 'Manifests to rehearse on (they are copied; the originals are never touched)'
            cand --keep 'Keep the scratch tree here instead of a temporary directory that is removed afterwards'
            cand -a 'Algorithm of the new key (the same default as `keygen` and `rotate start`)'
            cand --algorithm 'Algorithm of the new key (the same default as `keygen` and `rotate start`)'
            cand --nodes 'Rehearse an HA control plane of N nodes (node trees cp-1 … cp-N): one rotation over every node from this seat, each stage rolling node by node. 1: a single control-plane node'
            cand --layout 'The key layout to rehearse [default: kubeadm on kubeadm''s own sa.pub/sa.key, else flags]; `--layout flags` shows the other one on the same manifests'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;signer'= {
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Write a key set file with one active key: an existing private key, a new one, a key on a PKCS#11 token, or an AWS KMS key'
            cand add 'Add a key (not active) to an existing key set; the whole new set must open before the file is written. A running signer picks it up on its next reload'
            cand serve 'Serve ExternalJWTSigner (v1 and v1alpha1) on a Unix socket until SIGTERM; reload the key set on SIGHUP and when the file changes (a bad file keeps the running set)'
            cand status 'The key set: every key with its kid, algorithm, backend, and whether it is active or excluded from discovery'
            cand activate 'Make one key of the set the active key (it signs from the signer''s next reload); the others stay trusted. By name or kid'
            cand remove 'Remove a key from the set (never the active key): kube-apiserver stops verifying its tokens at its next FetchKeys. By name or kid'
            cand migrate 'Move this control-plane node from key files to `sakr signer`: the key set (the signing key active, the other trusted keys kept for verification, excluded from discovery), the signer''s static pod, then, once it listens, kube-apiserver''s flags (endpoint added, key-file flags removed)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sakr;signer;init'= {
            cand --config 'The key set file to write (0600; refused when it exists)'
            cand --key 'An existing private key (file backend: RSA or ECDSA P-256/384/521, PEM, 0600)'
            cand --generate 'Generate a new key of this algorithm: into --key-dir, or on the --pkcs11 token'
            cand --key-dir 'Where --generate writes a file key (created 0700 when missing)'
            cand --pkcs11 'A key on a PKCS#11 token: the module (shared library, absolute path), e.g. /usr/lib/softhsm/libsofthsm2.so'
            cand --token-label 'The token''s label (--pkcs11)'
            cand --key-label 'The key''s label on the token (--pkcs11; with --generate, the label of the new key)'
            cand --pin-file 'A file holding the token''s user PIN (one trailing newline is trimmed; 0600)'
            cand --pin-env 'An environment variable holding the token''s user PIN (the signer needs it too)'
            cand --awskms 'An existing AWS KMS key: key ARN, key id or alias/NAME (SIGN_VERIFY, RSA or ECC_NIST_P*)'
            cand --awskms-generate 'Create a new AWS KMS key of this algorithm (SIGN_VERIFY) and use it'
            cand --region 'The AWS region of --awskms / --awskms-generate (else AWS_REGION or the profile''s)'
            cand --public 'A public key that only verifies (PUBLIC KEY PEM; `add` only: it cannot be active)'
            cand --max-token-expiration 'The longest token lifetime the signer supports (Metadata; at least 10m)'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;signer;add'= {
            cand --config 'The key set file (rewritten atomically, 0600)'
            cand --name 'The new entry''s name (unique in the set; the key label of a key generated on a token)'
            cand --key 'An existing private key (file backend: RSA or ECDSA P-256/384/521, PEM, 0600)'
            cand --generate 'Generate a new key of this algorithm: into --key-dir, or on the --pkcs11 token'
            cand --key-dir 'Where --generate writes a file key (created 0700 when missing)'
            cand --pkcs11 'A key on a PKCS#11 token: the module (shared library, absolute path), e.g. /usr/lib/softhsm/libsofthsm2.so'
            cand --token-label 'The token''s label (--pkcs11)'
            cand --key-label 'The key''s label on the token (--pkcs11; with --generate, the label of the new key)'
            cand --pin-file 'A file holding the token''s user PIN (one trailing newline is trimmed; 0600)'
            cand --pin-env 'An environment variable holding the token''s user PIN (the signer needs it too)'
            cand --awskms 'An existing AWS KMS key: key ARN, key id or alias/NAME (SIGN_VERIFY, RSA or ECC_NIST_P*)'
            cand --awskms-generate 'Create a new AWS KMS key of this algorithm (SIGN_VERIFY) and use it'
            cand --region 'The AWS region of --awskms / --awskms-generate (else AWS_REGION or the profile''s)'
            cand --public 'A public key that only verifies (PUBLIC KEY PEM; `add` only: it cannot be active)'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --exclude-from-discovery 'Trust the key for verification but leave it out of /openid/v1/jwks'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;signer;serve'= {
            cand --config 'The key set file'
            cand --socket 'The socket kube-apiserver dials (--service-account-signing-endpoint); created 0600 in a directory only its owner can write'
            cand --refresh-hint 'How often kube-apiserver should fetch the keys again (FetchKeys refresh_hint_seconds)'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;signer;status'= {
            cand --config 'The key set file'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;signer;activate'= {
            cand --config 'The key set file'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;signer;remove'= {
            cand --config 'The key set file'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;signer;migrate'= {
            cand --config 'The key set file to write, as the node sees it'
            cand --key-dir 'Where the keys go, as the node sees it [default: keys/ beside --config]'
            cand --socket 'The socket, as the node sees it; kube-apiserver must see its directory through a hostPath volume [default: sakr-signer/signer.sock beside the current signing key]'
            cand --image 'The image of the signer''s static pod (one with the `sakr` binary)'
            cand --wait 'How long to wait for the signer to listen before editing kube-apiserver'
            cand --refresh-hint 'The signer''s FetchKeys refresh hint (how soon kube-apiserver sees a rotation''s edit)'
            cand --manifests-dir 'The static-pod manifests directory; the two manifests are found by their containers'
            cand --apiserver 'The kube-apiserver manifest (instead of --manifests-dir)'
            cand --controller-manager 'The kube-controller-manager manifest (with --apiserver)'
            cand --host-root 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)'
            cand --backup-dir 'Where to copy the manifests before editing them, and a rotation''s old key files at retire [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --dry-run 'Show what would be written and change nothing'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;signer;help'= {
            cand init 'Write a key set file with one active key: an existing private key, a new one, a key on a PKCS#11 token, or an AWS KMS key'
            cand add 'Add a key (not active) to an existing key set; the whole new set must open before the file is written. A running signer picks it up on its next reload'
            cand serve 'Serve ExternalJWTSigner (v1 and v1alpha1) on a Unix socket until SIGTERM; reload the key set on SIGHUP and when the file changes (a bad file keeps the running set)'
            cand status 'The key set: every key with its kid, algorithm, backend, and whether it is active or excluded from discovery'
            cand activate 'Make one key of the set the active key (it signs from the signer''s next reload); the others stay trusted. By name or kid'
            cand remove 'Remove a key from the set (never the active key): kube-apiserver stops verifying its tokens at its next FetchKeys. By name or kid'
            cand migrate 'Move this control-plane node from key files to `sakr signer`: the key set (the signing key active, the other trusted keys kept for verification, excluded from discovery), the signer''s static pod, then, once it listens, kube-apiserver''s flags (endpoint added, key-file flags removed)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sakr;signer;help;init'= {
        }
        &'sakr;signer;help;add'= {
        }
        &'sakr;signer;help;serve'= {
        }
        &'sakr;signer;help;status'= {
        }
        &'sakr;signer;help;activate'= {
        }
        &'sakr;signer;help;remove'= {
        }
        &'sakr;signer;help;migrate'= {
        }
        &'sakr;signer;help;help'= {
        }
        &'sakr;completions'= {
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand -q 'Print only data and errors (no notes or progress)'
            cand --quiet 'Print only data and errors (no notes or progress)'
            cand -v 'Explain what is being done on stderr'
            cand --verbose 'Explain what is being done on stderr'
            cand --no-color 'Never color stderr (also: the NO_COLOR environment variable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sakr;help'= {
            cand keygen 'Generate a new ServiceAccount signing key pair'
            cand keys 'Key pairs on the control-plane nodes'
            cand kid 'Print the kid, algorithm and PEM block type of every key in the files'
            cand jwks 'Build the JWKS kube-apiserver would serve at /openid/v1/jwks for these keys'
            cand discovery 'Build the OIDC discovery document (/.well-known/openid-configuration) for an issuer'
            cand publish 'Publish the JWKS and the OIDC discovery document where relying parties fetch them'
            cand verify 'Decode a ServiceAccount token and check its kid, alg, signature, issuer and expiry'
            cand drift 'Compare the kids each apiserver serves, the kids published under the issuer, and local keys'
            cand manifest 'Read and edit the kube-apiserver and kube-controller-manager static-pod manifests'
            cand rotate 'The staged rotation, resumable: start once, then `next` until done (safe from cron or CI)'
            cand rehearse 'Run the whole rotation in a scratch directory and show every change'
            cand signer 'An external token signer for kube-apiserver (KEP-740): rotation without restarts'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sakr;help;keygen'= {
        }
        &'sakr;help;keys'= {
            cand install 'Put a bring-your-own key pair on every node: KEY (0600) and PUB in DIR, same names'
        }
        &'sakr;help;keys;install'= {
        }
        &'sakr;help;kid'= {
        }
        &'sakr;help;jwks'= {
        }
        &'sakr;help;discovery'= {
        }
        &'sakr;help;publish'= {
        }
        &'sakr;help;verify'= {
        }
        &'sakr;help;drift'= {
        }
        &'sakr;help;manifest'= {
            cand show 'List the service-account flags with each key''s kid, and warn about every hazard'
            cand trust 'Trust PUB (the "trust" stage): append --service-account-key-file=PUB after the last one, or in the kubeadm layout append PUB''s key to sa.pub'
            cand sign-with 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage); in the kubeadm layout, KEY becomes sa.key (the old sa.key archived into the backup directory)'
            cand retire 'Remove --service-account-key-file=PUB (the "retire" stage); in the kubeadm layout, take PUB''s key (or the key of kid PUB) out of sa.pub'
        }
        &'sakr;help;manifest;show'= {
        }
        &'sakr;help;manifest;trust'= {
        }
        &'sakr;help;manifest;sign-with'= {
        }
        &'sakr;help;manifest;retire'= {
        }
        &'sakr;help;rotate'= {
            cand start 'Record the current signing key, generate the new one beside it, write the state file'
            cand next 'Perform the next stage whose gate is open (exit 3 while waiting)'
            cand status 'Every stage with its time, the gate of the next one, and the earliest retire time'
            cand abort 'Before retire: sign with the old key again, keep trusting both, and record the abort'
        }
        &'sakr;help;rotate;start'= {
        }
        &'sakr;help;rotate;next'= {
        }
        &'sakr;help;rotate;status'= {
        }
        &'sakr;help;rotate;abort'= {
        }
        &'sakr;help;rehearse'= {
        }
        &'sakr;help;signer'= {
            cand init 'Write a key set file with one active key: an existing private key, a new one, a key on a PKCS#11 token, or an AWS KMS key'
            cand add 'Add a key (not active) to an existing key set; the whole new set must open before the file is written. A running signer picks it up on its next reload'
            cand serve 'Serve ExternalJWTSigner (v1 and v1alpha1) on a Unix socket until SIGTERM; reload the key set on SIGHUP and when the file changes (a bad file keeps the running set)'
            cand status 'The key set: every key with its kid, algorithm, backend, and whether it is active or excluded from discovery'
            cand activate 'Make one key of the set the active key (it signs from the signer''s next reload); the others stay trusted. By name or kid'
            cand remove 'Remove a key from the set (never the active key): kube-apiserver stops verifying its tokens at its next FetchKeys. By name or kid'
            cand migrate 'Move this control-plane node from key files to `sakr signer`: the key set (the signing key active, the other trusted keys kept for verification, excluded from discovery), the signer''s static pod, then, once it listens, kube-apiserver''s flags (endpoint added, key-file flags removed)'
        }
        &'sakr;help;signer;init'= {
        }
        &'sakr;help;signer;add'= {
        }
        &'sakr;help;signer;serve'= {
        }
        &'sakr;help;signer;status'= {
        }
        &'sakr;help;signer;activate'= {
        }
        &'sakr;help;signer;remove'= {
        }
        &'sakr;help;signer;migrate'= {
        }
        &'sakr;help;completions'= {
        }
        &'sakr;help;help'= {
        }
    ]
    $completions[$command]
}
