
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sakr' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sakr'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'sakr' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Generate a new ServiceAccount signing key pair')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Key pairs on the control-plane nodes')
            [CompletionResult]::new('kid', 'kid', [CompletionResultType]::ParameterValue, 'Print the kid, algorithm and PEM block type of every key in the files')
            [CompletionResult]::new('jwks', 'jwks', [CompletionResultType]::ParameterValue, 'Build the JWKS kube-apiserver would serve at /openid/v1/jwks for these keys')
            [CompletionResult]::new('discovery', 'discovery', [CompletionResultType]::ParameterValue, 'Build the OIDC discovery document (/.well-known/openid-configuration) for an issuer')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Publish the JWKS and the OIDC discovery document where relying parties fetch them')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Decode a ServiceAccount token and check its kid, alg, signature, issuer and expiry')
            [CompletionResult]::new('drift', 'drift', [CompletionResultType]::ParameterValue, 'Compare the kids each apiserver serves, the kids published under the issuer, and local keys')
            [CompletionResult]::new('manifest', 'manifest', [CompletionResultType]::ParameterValue, 'Read and edit the kube-apiserver and kube-controller-manager static-pod manifests')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'The staged rotation, resumable: start once, then `next` until done (safe from cron or CI)')
            [CompletionResult]::new('rehearse', 'rehearse', [CompletionResultType]::ParameterValue, 'Run the whole rotation in a scratch directory and show every change')
            [CompletionResult]::new('signer', 'signer', [CompletionResultType]::ParameterValue, 'An external token signer for kube-apiserver (KEP-740): rotation without restarts')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sakr;keygen' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Key algorithm. RSA keys sign RS256, ECDSA keys ES256/ES384/ES512')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'Key algorithm. RSA keys sign RS256, ECDSA keys ES256/ES384/ES512')
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Directory to write the key files into')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Base name of the key files (NAME.key, NAME.pub)')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own')
            [CompletionResult]::new('--ssh-command', '--ssh-command', [CompletionResultType]::ParameterName, 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)')
            [CompletionResult]::new('--node-image', '--node-image', [CompletionResultType]::ParameterName, 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters')
            [CompletionResult]::new('--node-namespace', '--node-namespace', [CompletionResultType]::ParameterName, 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'kubeconfig context for node pods and --control-plane')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace existing NAME.key / NAME.pub')
            [CompletionResult]::new('--sudo', '--sudo', [CompletionResultType]::ParameterName, 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)')
            [CompletionResult]::new('--control-plane', '--control-plane', [CompletionResultType]::ParameterName, 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;keys' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Put a bring-your-own key pair on every node: KEY (0600) and PUB in DIR, same names')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sakr;keys;install' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The directory on each node (e.g. /etc/kubernetes/pki)')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own')
            [CompletionResult]::new('--ssh-command', '--ssh-command', [CompletionResultType]::ParameterName, 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)')
            [CompletionResult]::new('--node-image', '--node-image', [CompletionResultType]::ParameterName, 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters')
            [CompletionResult]::new('--node-namespace', '--node-namespace', [CompletionResultType]::ParameterName, 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'kubeconfig context for node pods and --control-plane')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--sudo', '--sudo', [CompletionResultType]::ParameterName, 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)')
            [CompletionResult]::new('--control-plane', '--control-plane', [CompletionResultType]::ParameterName, 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;keys;help' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Put a bring-your-own key pair on every node: KEY (0600) and PUB in DIR, same names')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sakr;keys;help;install' {
            break
        }
        'sakr;keys;help;help' {
            break
        }
        'sakr;kid' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;jwks' {
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Key files, in --service-account-key-file order; every key block of each file is included')
            [CompletionResult]::new('--jwks', '--jwks', [CompletionResultType]::ParameterName, 'An existing JWKS to merge: its entries come first (validated: kid must match key material)')
            [CompletionResult]::new('--from-signer', '--from-signer', [CompletionResultType]::ParameterName, 'The keys a running external signer (KEP-740) gives kube-apiserver, through FetchKeys on its socket (unix:///PATH; any plugin, not only `sakr signer`): those not excluded from discovery, with the signer''s kids, after --jwks and before --key')
            [CompletionResult]::new('--drop-kid', '--drop-kid', [CompletionResultType]::ParameterName, 'Leave out the key with this kid (it must be present)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write to FILE atomically (exact bytes, no trailing newline) instead of stdout')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--pretty', '--pretty', [CompletionResultType]::ParameterName, 'Indent the JSON (kube-apiserver serves it compact)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;discovery' {
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'The issuer: kube-apiserver''s --service-account-issuer, an https URL without query or fragment')
            [CompletionResult]::new('--jwks-uri', '--jwks-uri', [CompletionResultType]::ParameterName, 'Where relying parties fetch the JWKS [default: <issuer>/openid/v1/jwks]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Key files whose algorithms the document lists')
            [CompletionResult]::new('--jwks', '--jwks', [CompletionResultType]::ParameterName, 'A JWKS whose algorithms the document lists')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write to FILE atomically instead of stdout')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;publish' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Where to publish (s3://, azblob://, https://…blob.core.windows.net/…, file:///)')
            [CompletionResult]::new('--jwks', '--jwks', [CompletionResultType]::ParameterName, 'A prebuilt JWKS to publish as is')
            [CompletionResult]::new('--discovery', '--discovery', [CompletionResultType]::ParameterName, 'A prebuilt discovery document (with --jwks) [default: built from --issuer]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Key files, in --service-account-key-file order, to build the JWKS from')
            [CompletionResult]::new('--from-signer', '--from-signer', [CompletionResultType]::ParameterName, 'Build the JWKS from what a running external signer (KEP-740) gives kube-apiserver: FetchKeys on its socket (unix:///PATH), the keys not excluded from discovery')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'The issuer (kube-apiserver --service-account-issuer), for the discovery document')
            [CompletionResult]::new('--jwks-uri', '--jwks-uri', [CompletionResultType]::ParameterName, 'jwks_uri of the discovery document [default: <issuer>/openid/v1/jwks]')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'S3-compatible endpoint (path-style), or the Azure blob service URL (Azurite)')
            [CompletionResult]::new('--cache-control', '--cache-control', [CompletionResultType]::ParameterName, 'Cache-Control of the published objects')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Total time for the whole publish, retries included (e.g. 2m, 90s)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--allow-removal', '--allow-removal', [CompletionResultType]::ParameterName, 'Allow removing kids that are published now (the retire stage)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the kid diff and what would be written; write nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;verify' {
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the token from FILE (`-` for stdin; surrounding whitespace is trimmed)')
            [CompletionResult]::new('--service-account', '--service-account', [CompletionResultType]::ParameterName, 'Ask the cluster for a fresh token of this ServiceAccount (TokenRequest, as `kubectl create token`)')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'Audience of the requested token (repeatable) [default: the apiserver''s --api-audiences]')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Lifetime of the requested token (at least 10m)')
            [CompletionResult]::new('--pod', '--pod', [CompletionResultType]::ParameterName, 'Read the projected token of a running pod (exec `cat`)')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Container of --pod [default: the pod''s default container]')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Token path inside the pod')
            [CompletionResult]::new('--expect-key', '--expect-key', [CompletionResultType]::ParameterName, 'The token must be signed by one of these keys (kid and signature)')
            [CompletionResult]::new('--expect-kid', '--expect-kid', [CompletionResultType]::ParameterName, 'The token''s kid must be KID')
            [CompletionResult]::new('--jwks', '--jwks', [CompletionResultType]::ParameterName, 'Check the signature against a JWKS file, or the JWKS published under an https issuer URL')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'The token''s iss must be exactly URL')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'kubeconfig file [default: KUBECONFIG, ~/.kube/config, in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'kubeconfig context')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'Trust only this CA bundle for an https --jwks URL')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;drift' {
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'The issuer URL relying parties know (https); its discovery document and JWKS are read')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Local key files to include')
            [CompletionResult]::new('--from-signer', '--from-signer', [CompletionResultType]::ParameterName, 'Include the keys a running external signer (KEP-740) gives kube-apiserver to publish (FetchKeys on its socket, unix:///PATH; those not excluded from discovery), as the local column')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'kubeconfig file [default: KUBECONFIG, ~/.kube/config, in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'kubeconfig context')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'Trust only this CA bundle for the issuer URL')
            [CompletionResult]::new('--publish-to', '--publish-to', [CompletionResultType]::ParameterName, 'Also read the JWKS where it is stored (s3://, https://ACCOUNT.blob…, file://; the credentials of `publish`), to tell a cache or CDN that lags behind the storage from a key that was never published')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'S3-compatible endpoint or Azure blob endpoint for --publish-to')
            [CompletionResult]::new('--jwks-uri', '--jwks-uri', [CompletionResultType]::ParameterName, 'The JWKS URL when it is not <issuer>/openid/v1/jwks (where it is stored under --publish-to)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;manifest' {
            [CompletionResult]::new('--manifests-dir', '--manifests-dir', [CompletionResultType]::ParameterName, 'The static-pod manifests directory; the two manifests are found by their containers')
            [CompletionResult]::new('--apiserver', '--apiserver', [CompletionResultType]::ParameterName, 'The kube-apiserver manifest (instead of --manifests-dir)')
            [CompletionResult]::new('--controller-manager', '--controller-manager', [CompletionResultType]::ParameterName, 'The kube-controller-manager manifest (with --apiserver)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own')
            [CompletionResult]::new('--ssh-command', '--ssh-command', [CompletionResultType]::ParameterName, 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)')
            [CompletionResult]::new('--node-image', '--node-image', [CompletionResultType]::ParameterName, 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters')
            [CompletionResult]::new('--node-namespace', '--node-namespace', [CompletionResultType]::ParameterName, 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'kubeconfig context for node pods and --control-plane')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--sudo', '--sudo', [CompletionResultType]::ParameterName, 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)')
            [CompletionResult]::new('--control-plane', '--control-plane', [CompletionResultType]::ParameterName, 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'List the service-account flags with each key''s kid, and warn about every hazard')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Trust PUB (the "trust" stage): append --service-account-key-file=PUB after the last one, or in the kubeadm layout append PUB''s key to sa.pub')
            [CompletionResult]::new('sign-with', 'sign-with', [CompletionResultType]::ParameterValue, 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage); in the kubeadm layout, KEY becomes sa.key (the old sa.key archived into the backup directory)')
            [CompletionResult]::new('retire', 'retire', [CompletionResultType]::ParameterValue, 'Remove --service-account-key-file=PUB (the "retire" stage); in the kubeadm layout, take PUB''s key (or the key of kid PUB) out of sa.pub')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sakr;manifest;show' {
            [CompletionResult]::new('--manifests-dir', '--manifests-dir', [CompletionResultType]::ParameterName, 'The static-pod manifests directory; the two manifests are found by their containers')
            [CompletionResult]::new('--apiserver', '--apiserver', [CompletionResultType]::ParameterName, 'The kube-apiserver manifest (instead of --manifests-dir)')
            [CompletionResult]::new('--controller-manager', '--controller-manager', [CompletionResultType]::ParameterName, 'The kube-controller-manager manifest (with --apiserver)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own')
            [CompletionResult]::new('--ssh-command', '--ssh-command', [CompletionResultType]::ParameterName, 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)')
            [CompletionResult]::new('--node-image', '--node-image', [CompletionResultType]::ParameterName, 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters')
            [CompletionResult]::new('--node-namespace', '--node-namespace', [CompletionResultType]::ParameterName, 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'kubeconfig context for node pods and --control-plane')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--sudo', '--sudo', [CompletionResultType]::ParameterName, 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)')
            [CompletionResult]::new('--control-plane', '--control-plane', [CompletionResultType]::ParameterName, 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;manifest;trust' {
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Where to copy the manifests before editing them [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'How the manifests hold the key set [default: kubeadm when they use kubeadm''s own sa.pub and sa.key, else flags]. kubeadm: the flags stay; trust appends the key to sa.pub, sign-with replaces sa.key (the old one archived first), retire takes the key out of sa.pub (name it by kid or by a file), and a static-pod annotation restarts exactly the components that read a changed file')
            [CompletionResult]::new('--manifests-dir', '--manifests-dir', [CompletionResultType]::ParameterName, 'The static-pod manifests directory; the two manifests are found by their containers')
            [CompletionResult]::new('--apiserver', '--apiserver', [CompletionResultType]::ParameterName, 'The kube-apiserver manifest (instead of --manifests-dir)')
            [CompletionResult]::new('--controller-manager', '--controller-manager', [CompletionResultType]::ParameterName, 'The kube-controller-manager manifest (with --apiserver)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own')
            [CompletionResult]::new('--ssh-command', '--ssh-command', [CompletionResultType]::ParameterName, 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)')
            [CompletionResult]::new('--node-image', '--node-image', [CompletionResultType]::ParameterName, 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters')
            [CompletionResult]::new('--node-namespace', '--node-namespace', [CompletionResultType]::ParameterName, 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'kubeconfig context for node pods and --control-plane')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the unified diff and change nothing')
            [CompletionResult]::new('--no-check-files', '--no-check-files', [CompletionResultType]::ParameterName, 'Do not require key files to exist at their host paths (preparing manifests for another machine; flags layout only)')
            [CompletionResult]::new('--sudo', '--sudo', [CompletionResultType]::ParameterName, 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)')
            [CompletionResult]::new('--control-plane', '--control-plane', [CompletionResultType]::ParameterName, 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;manifest;sign-with' {
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Where to copy the manifests before editing them [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'How the manifests hold the key set [default: kubeadm when they use kubeadm''s own sa.pub and sa.key, else flags]. kubeadm: the flags stay; trust appends the key to sa.pub, sign-with replaces sa.key (the old one archived first), retire takes the key out of sa.pub (name it by kid or by a file), and a static-pod annotation restarts exactly the components that read a changed file')
            [CompletionResult]::new('--manifests-dir', '--manifests-dir', [CompletionResultType]::ParameterName, 'The static-pod manifests directory; the two manifests are found by their containers')
            [CompletionResult]::new('--apiserver', '--apiserver', [CompletionResultType]::ParameterName, 'The kube-apiserver manifest (instead of --manifests-dir)')
            [CompletionResult]::new('--controller-manager', '--controller-manager', [CompletionResultType]::ParameterName, 'The kube-controller-manager manifest (with --apiserver)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own')
            [CompletionResult]::new('--ssh-command', '--ssh-command', [CompletionResultType]::ParameterName, 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)')
            [CompletionResult]::new('--node-image', '--node-image', [CompletionResultType]::ParameterName, 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters')
            [CompletionResult]::new('--node-namespace', '--node-namespace', [CompletionResultType]::ParameterName, 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'kubeconfig context for node pods and --control-plane')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the unified diff and change nothing')
            [CompletionResult]::new('--no-check-files', '--no-check-files', [CompletionResultType]::ParameterName, 'Do not require key files to exist at their host paths (preparing manifests for another machine; flags layout only)')
            [CompletionResult]::new('--sudo', '--sudo', [CompletionResultType]::ParameterName, 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)')
            [CompletionResult]::new('--control-plane', '--control-plane', [CompletionResultType]::ParameterName, 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;manifest;retire' {
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Where to copy the manifests before editing them [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'How the manifests hold the key set [default: kubeadm when they use kubeadm''s own sa.pub and sa.key, else flags]. kubeadm: the flags stay; trust appends the key to sa.pub, sign-with replaces sa.key (the old one archived first), retire takes the key out of sa.pub (name it by kid or by a file), and a static-pod annotation restarts exactly the components that read a changed file')
            [CompletionResult]::new('--manifests-dir', '--manifests-dir', [CompletionResultType]::ParameterName, 'The static-pod manifests directory; the two manifests are found by their containers')
            [CompletionResult]::new('--apiserver', '--apiserver', [CompletionResultType]::ParameterName, 'The kube-apiserver manifest (instead of --manifests-dir)')
            [CompletionResult]::new('--controller-manager', '--controller-manager', [CompletionResultType]::ParameterName, 'The kube-controller-manager manifest (with --apiserver)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node''s tree on this machine. Paths (--manifests-dir, key files) are the node''s own')
            [CompletionResult]::new('--ssh-command', '--ssh-command', [CompletionResultType]::ParameterName, 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node''s InternalIP (with --ssh-command; the ssh config may map those addresses)')
            [CompletionResult]::new('--node-image', '--node-image', [CompletionResultType]::ParameterName, 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters')
            [CompletionResult]::new('--node-namespace', '--node-namespace', [CompletionResultType]::ParameterName, 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'kubeconfig context for node pods and --control-plane')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the unified diff and change nothing')
            [CompletionResult]::new('--no-check-files', '--no-check-files', [CompletionResultType]::ParameterName, 'Do not require key files to exist at their host paths (preparing manifests for another machine; flags layout only)')
            [CompletionResult]::new('--sudo', '--sudo', [CompletionResultType]::ParameterName, 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)')
            [CompletionResult]::new('--control-plane', '--control-plane', [CompletionResultType]::ParameterName, 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;manifest;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'List the service-account flags with each key''s kid, and warn about every hazard')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Trust PUB (the "trust" stage): append --service-account-key-file=PUB after the last one, or in the kubeadm layout append PUB''s key to sa.pub')
            [CompletionResult]::new('sign-with', 'sign-with', [CompletionResultType]::ParameterValue, 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage); in the kubeadm layout, KEY becomes sa.key (the old sa.key archived into the backup directory)')
            [CompletionResult]::new('retire', 'retire', [CompletionResultType]::ParameterValue, 'Remove --service-account-key-file=PUB (the "retire" stage); in the kubeadm layout, take PUB''s key (or the key of kid PUB) out of sa.pub')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sakr;manifest;help;show' {
            break
        }
        'sakr;manifest;help;trust' {
            break
        }
        'sakr;manifest;help;sign-with' {
            break
        }
        'sakr;manifest;help;retire' {
            break
        }
        'sakr;manifest;help;help' {
            break
        }
        'sakr;rotate' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Record the current signing key, generate the new one beside it, write the state file')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Perform the next stage whose gate is open (exit 3 while waiting)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Every stage with its time, the gate of the next one, and the earliest retire time')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Before retire: sign with the old key again, keep trusting both, and record the abort')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sakr;rotate;start' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The rotation''s state: a file (JSON, 0600; paths and kids, never key material), or k8s://NAMESPACE/NAME for a ConfigMap with a Lease as the lock (CI runners taking turns)')
            [CompletionResult]::new('--key-dir', '--key-dir', [CompletionResultType]::ParameterName, 'Directory (on this node) for the new key pair [default: the current signing key''s directory]')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Base name of the new key files [default: sa-<UTC date>]')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'a')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'algorithm')
            [CompletionResult]::new('--publish-to', '--publish-to', [CompletionResultType]::ParameterName, 'Publish the JWKS and discovery document here (s3://, azblob://, https://…blob.core.windows.net/…, file:///)')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'The issuer URL relying parties know (kube-apiserver --service-account-issuer)')
            [CompletionResult]::new('--jwks-uri', '--jwks-uri', [CompletionResultType]::ParameterName, 'jwks_uri of the discovery document [default: <issuer>/openid/v1/jwks]')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'S3-compatible or Azure endpoint for --publish-to')
            [CompletionResult]::new('--cache-control', '--cache-control', [CompletionResultType]::ParameterName, 'Cache-Control of the published objects; its max-age lengthens the retire wait')
            [CompletionResult]::new('--overlap', '--overlap', [CompletionResultType]::ParameterName, 'Keep trusting the old key at least this long after the switch (e.g. 7d, 36h); never less than 24h10s plus the JWKS cache max-age')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Ask the cluster: every apiserver endpoint''s JWKS before switching (unless --single-node), and a fresh token (TokenRequest) for the verify stage')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'kubeconfig context')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'A control-plane node of the rotation (repeatable; the rolling order): NAME alone is the Kubernetes Node of that name, reached by a short-lived pod on it; NAME=ssh://[USER@]HOST[:PORT] through the system ssh client; NAME=local:///ROOT for a node tree on this machine. Every stage acts on every node; paths (--manifests-dir, --key-dir) are the nodes'' own')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How --control-plane nodes are reached: a pod on each node, or ssh to its InternalIP')
            [CompletionResult]::new('--ssh-command', '--ssh-command', [CompletionResultType]::ParameterName, 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config")')
            [CompletionResult]::new('--node-image', '--node-image', [CompletionResultType]::ParameterName, 'The image of node pods (a POSIX shell with base64, mktemp, stat, sync, readlink)')
            [CompletionResult]::new('--node-namespace', '--node-namespace', [CompletionResultType]::ParameterName, 'The namespace node pods run in (it must admit hostPath pods)')
            [CompletionResult]::new('--node-apiserver', '--node-apiserver', [CompletionResultType]::ParameterName, 'Where a node''s kube-apiserver answers, when it is not the endpoint of default/kubernetes at the Node''s InternalIP (repeatable): NAME=HOST:PORT')
            [CompletionResult]::new('--node-timeout', '--node-timeout', [CompletionResultType]::ParameterName, 'How long a rolling stage waits for one node''s kube-apiserver to come back after its edit before it stops, leaving the other nodes as they are')
            [CompletionResult]::new('--relying-party-refresh', '--relying-party-refresh', [CompletionResultType]::ParameterName, 'A relying party''s own JWKS refresh interval, waited for after the published max-age before switch (e.g. 24h for a party that refreshes daily)')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'How the nodes hold the key set [default: kubeadm when the manifests use kubeadm''s own sa.pub and sa.key, else flags]. kubeadm: the flags stay; sa.pub becomes the bundle of trusted keys and sa.key the signing key, so kubeadm upgrade and join keep the rotation. flags: each stage edits the --service-account-* flags. signer: kube-apiserver signs through `sakr signer serve` (--service-account-signing-endpoint); each stage edits the signer''s key set (--signer-config) and nothing restarts')
            [CompletionResult]::new('--signer-config', '--signer-config', [CompletionResultType]::ParameterName, 'The signer layout: the `sakr signer` key set file, as each node sees it (e.g. /etc/kubernetes/sakr/signer.json). The new key goes into the active key''s backend: a file beside it (--key-dir), or a new key on its PKCS#11 token or in its KMS')
            [CompletionResult]::new('--manifests-dir', '--manifests-dir', [CompletionResultType]::ParameterName, 'The static-pod manifests directory; the two manifests are found by their containers')
            [CompletionResult]::new('--apiserver', '--apiserver', [CompletionResultType]::ParameterName, 'The kube-apiserver manifest (instead of --manifests-dir)')
            [CompletionResult]::new('--controller-manager', '--controller-manager', [CompletionResultType]::ParameterName, 'The kube-controller-manager manifest (with --apiserver)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Where to copy the manifests before editing them, and a rotation''s old key files at retire [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--single-node', '--single-node', [CompletionResultType]::ParameterName, 'This is the only control-plane node: its manifest is the whole truth for the switch gate')
            [CompletionResult]::new('--control-plane', '--control-plane', [CompletionResultType]::ParameterName, 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), reached as --via says')
            [CompletionResult]::new('--sudo', '--sudo', [CompletionResultType]::ParameterName, 'Become root on ssh nodes through `sudo -n`')
            [CompletionResult]::new('--no-public-check', '--no-public-check', [CompletionResultType]::ParameterName, 'Do not fetch the issuer''s discovery document and JWKS over HTTPS before switch (for an issuer this runner cannot reach); recorded in the state and shown by `rotate status`')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;rotate;next' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The rotation''s state, as given to `rotate start` (a file or k8s://NAMESPACE/NAME)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'A fresh ServiceAccount token for the verify stage (`-` for stdin), e.g. from `kubectl create token default`')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'For the verify stage: ask this cluster for a fresh token (TokenRequest), when the rotation was started without --kubeconfig')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'kubeconfig context (with --kubeconfig)')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'Evaluate gates as if it were TIME (RFC 3339). Only for rotations made by `sakr rehearse`')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say what the next stage would do; change nothing')
            [CompletionResult]::new('--i-checked-all-apiservers', '--i-checked-all-apiservers', [CompletionResultType]::ParameterName, 'You checked every kube-apiserver''s /openid/v1/jwks lists the new kid (recorded in the state)')
            [CompletionResult]::new('--no-public-check', '--no-public-check', [CompletionResultType]::ParameterName, 'From now on, do not fetch the issuer''s documents over HTTPS before switch (this runner cannot reach the issuer); recorded in the state')
            [CompletionResult]::new('--reissue-legacy-tokens', '--reissue-legacy-tokens', [CompletionResultType]::ParameterName, 'Before retire: have kube-controller-manager re-sign every legacy token Secret that still carries the old kid (its token is removed; the tokens controller issues a new one with the new key), confirm each new kid, then retire. The old token stops working at once (kube-apiserver checks a legacy token against its Secret): restart what reads them')
            [CompletionResult]::new('--allow-breaking-legacy-tokens', '--allow-breaking-legacy-tokens', [CompletionResultType]::ParameterName, 'Retire although legacy token Secrets still carry the old kid (they stop working); recorded in the state with the Secrets named')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;rotate;status' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The rotation''s state, as given to `rotate start` (a file or k8s://NAMESPACE/NAME)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'kubeconfig for a k8s:// state [default: KUBECONFIG, ~/.kube/config, in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'kubeconfig context')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'at')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;rotate;abort' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The rotation''s state, as given to `rotate start` (a file or k8s://NAMESPACE/NAME)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'kubeconfig for a k8s:// state, the node pods and the nodes'' apiservers [default: the one recorded at start]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'kubeconfig context')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'dry-run')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;rotate;help' {
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Record the current signing key, generate the new one beside it, write the state file')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Perform the next stage whose gate is open (exit 3 while waiting)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Every stage with its time, the gate of the next one, and the earliest retire time')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Before retire: sign with the old key again, keep trusting both, and record the abort')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sakr;rotate;help;start' {
            break
        }
        'sakr;rotate;help;next' {
            break
        }
        'sakr;rotate;help;status' {
            break
        }
        'sakr;rotate;help;abort' {
            break
        }
        'sakr;rotate;help;help' {
            break
        }
        'sakr;rehearse' {
            [CompletionResult]::new('--manifests-dir', '--manifests-dir', [CompletionResultType]::ParameterName, 'Manifests to rehearse on (they are copied; the originals are never touched)')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep the scratch tree here instead of a temporary directory that is removed afterwards')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Algorithm of the new key (the same default as `keygen` and `rotate start`)')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'Algorithm of the new key (the same default as `keygen` and `rotate start`)')
            [CompletionResult]::new('--nodes', '--nodes', [CompletionResultType]::ParameterName, 'Rehearse an HA control plane of N nodes (node trees cp-1 … cp-N): one rotation over every node from this seat, each stage rolling node by node. 1: a single control-plane node')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'The key layout to rehearse [default: kubeadm on kubeadm''s own sa.pub/sa.key, else flags]; `--layout flags` shows the other one on the same manifests')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;signer' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a key set file with one active key: an existing private key, a new one, a key on a PKCS#11 token, or an AWS KMS key')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a key (not active) to an existing key set; the whole new set must open before the file is written. A running signer picks it up on its next reload')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve ExternalJWTSigner (v1 and v1alpha1) on a Unix socket until SIGTERM; reload the key set on SIGHUP and when the file changes (a bad file keeps the running set)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The key set: every key with its kid, algorithm, backend, and whether it is active or excluded from discovery')
            [CompletionResult]::new('activate', 'activate', [CompletionResultType]::ParameterValue, 'Make one key of the set the active key (it signs from the signer''s next reload); the others stay trusted. By name or kid')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a key from the set (never the active key): kube-apiserver stops verifying its tokens at its next FetchKeys. By name or kid')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Move this control-plane node from key files to `sakr signer`: the key set (the signing key active, the other trusted keys kept for verification, excluded from discovery), the signer''s static pod, then, once it listens, kube-apiserver''s flags (endpoint added, key-file flags removed)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sakr;signer;init' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The key set file to write (0600; refused when it exists)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'An existing private key (file backend: RSA or ECDSA P-256/384/521, PEM, 0600)')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Generate a new key of this algorithm: into --key-dir, or on the --pkcs11 token')
            [CompletionResult]::new('--key-dir', '--key-dir', [CompletionResultType]::ParameterName, 'Where --generate writes a file key (created 0700 when missing)')
            [CompletionResult]::new('--pkcs11', '--pkcs11', [CompletionResultType]::ParameterName, 'A key on a PKCS#11 token: the module (shared library, absolute path), e.g. /usr/lib/softhsm/libsofthsm2.so')
            [CompletionResult]::new('--token-label', '--token-label', [CompletionResultType]::ParameterName, 'The token''s label (--pkcs11)')
            [CompletionResult]::new('--key-label', '--key-label', [CompletionResultType]::ParameterName, 'The key''s label on the token (--pkcs11; with --generate, the label of the new key)')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'A file holding the token''s user PIN (one trailing newline is trimmed; 0600)')
            [CompletionResult]::new('--pin-env', '--pin-env', [CompletionResultType]::ParameterName, 'An environment variable holding the token''s user PIN (the signer needs it too)')
            [CompletionResult]::new('--awskms', '--awskms', [CompletionResultType]::ParameterName, 'An existing AWS KMS key: key ARN, key id or alias/NAME (SIGN_VERIFY, RSA or ECC_NIST_P*)')
            [CompletionResult]::new('--awskms-generate', '--awskms-generate', [CompletionResultType]::ParameterName, 'Create a new AWS KMS key of this algorithm (SIGN_VERIFY) and use it')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The AWS region of --awskms / --awskms-generate (else AWS_REGION or the profile''s)')
            [CompletionResult]::new('--public', '--public', [CompletionResultType]::ParameterName, 'A public key that only verifies (PUBLIC KEY PEM; `add` only: it cannot be active)')
            [CompletionResult]::new('--max-token-expiration', '--max-token-expiration', [CompletionResultType]::ParameterName, 'The longest token lifetime the signer supports (Metadata; at least 10m)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;signer;add' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The key set file (rewritten atomically, 0600)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The new entry''s name (unique in the set; the key label of a key generated on a token)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'An existing private key (file backend: RSA or ECDSA P-256/384/521, PEM, 0600)')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Generate a new key of this algorithm: into --key-dir, or on the --pkcs11 token')
            [CompletionResult]::new('--key-dir', '--key-dir', [CompletionResultType]::ParameterName, 'Where --generate writes a file key (created 0700 when missing)')
            [CompletionResult]::new('--pkcs11', '--pkcs11', [CompletionResultType]::ParameterName, 'A key on a PKCS#11 token: the module (shared library, absolute path), e.g. /usr/lib/softhsm/libsofthsm2.so')
            [CompletionResult]::new('--token-label', '--token-label', [CompletionResultType]::ParameterName, 'The token''s label (--pkcs11)')
            [CompletionResult]::new('--key-label', '--key-label', [CompletionResultType]::ParameterName, 'The key''s label on the token (--pkcs11; with --generate, the label of the new key)')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'A file holding the token''s user PIN (one trailing newline is trimmed; 0600)')
            [CompletionResult]::new('--pin-env', '--pin-env', [CompletionResultType]::ParameterName, 'An environment variable holding the token''s user PIN (the signer needs it too)')
            [CompletionResult]::new('--awskms', '--awskms', [CompletionResultType]::ParameterName, 'An existing AWS KMS key: key ARN, key id or alias/NAME (SIGN_VERIFY, RSA or ECC_NIST_P*)')
            [CompletionResult]::new('--awskms-generate', '--awskms-generate', [CompletionResultType]::ParameterName, 'Create a new AWS KMS key of this algorithm (SIGN_VERIFY) and use it')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The AWS region of --awskms / --awskms-generate (else AWS_REGION or the profile''s)')
            [CompletionResult]::new('--public', '--public', [CompletionResultType]::ParameterName, 'A public key that only verifies (PUBLIC KEY PEM; `add` only: it cannot be active)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--exclude-from-discovery', '--exclude-from-discovery', [CompletionResultType]::ParameterName, 'Trust the key for verification but leave it out of /openid/v1/jwks')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;signer;serve' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The key set file')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The socket kube-apiserver dials (--service-account-signing-endpoint); created 0600 in a directory only its owner can write')
            [CompletionResult]::new('--refresh-hint', '--refresh-hint', [CompletionResultType]::ParameterName, 'How often kube-apiserver should fetch the keys again (FetchKeys refresh_hint_seconds)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;signer;status' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The key set file')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;signer;activate' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The key set file')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;signer;remove' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The key set file')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;signer;migrate' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The key set file to write, as the node sees it')
            [CompletionResult]::new('--key-dir', '--key-dir', [CompletionResultType]::ParameterName, 'Where the keys go, as the node sees it [default: keys/ beside --config]')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The socket, as the node sees it; kube-apiserver must see its directory through a hostPath volume [default: sakr-signer/signer.sock beside the current signing key]')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'The image of the signer''s static pod (one with the `sakr` binary)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'How long to wait for the signer to listen before editing kube-apiserver')
            [CompletionResult]::new('--refresh-hint', '--refresh-hint', [CompletionResultType]::ParameterName, 'The signer''s FetchKeys refresh hint (how soon kube-apiserver sees a rotation''s edit)')
            [CompletionResult]::new('--manifests-dir', '--manifests-dir', [CompletionResultType]::ParameterName, 'The static-pod manifests directory; the two manifests are found by their containers')
            [CompletionResult]::new('--apiserver', '--apiserver', [CompletionResultType]::ParameterName, 'The kube-apiserver manifest (instead of --manifests-dir)')
            [CompletionResult]::new('--controller-manager', '--controller-manager', [CompletionResultType]::ParameterName, 'The kube-controller-manager manifest (with --apiserver)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Where to copy the manifests before editing them, and a rotation''s old key files at retire [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be written and change nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;signer;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a key set file with one active key: an existing private key, a new one, a key on a PKCS#11 token, or an AWS KMS key')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a key (not active) to an existing key set; the whole new set must open before the file is written. A running signer picks it up on its next reload')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve ExternalJWTSigner (v1 and v1alpha1) on a Unix socket until SIGTERM; reload the key set on SIGHUP and when the file changes (a bad file keeps the running set)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The key set: every key with its kid, algorithm, backend, and whether it is active or excluded from discovery')
            [CompletionResult]::new('activate', 'activate', [CompletionResultType]::ParameterValue, 'Make one key of the set the active key (it signs from the signer''s next reload); the others stay trusted. By name or kid')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a key from the set (never the active key): kube-apiserver stops verifying its tokens at its next FetchKeys. By name or kid')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Move this control-plane node from key files to `sakr signer`: the key set (the signing key active, the other trusted keys kept for verification, excluded from discovery), the signer''s static pod, then, once it listens, kube-apiserver''s flags (endpoint added, key-file flags removed)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sakr;signer;help;init' {
            break
        }
        'sakr;signer;help;add' {
            break
        }
        'sakr;signer;help;serve' {
            break
        }
        'sakr;signer;help;status' {
            break
        }
        'sakr;signer;help;activate' {
            break
        }
        'sakr;signer;help;remove' {
            break
        }
        'sakr;signer;help;migrate' {
            break
        }
        'sakr;signer;help;help' {
            break
        }
        'sakr;completions' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors (no notes or progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is being done on stderr')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never color stderr (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sakr;help' {
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Generate a new ServiceAccount signing key pair')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Key pairs on the control-plane nodes')
            [CompletionResult]::new('kid', 'kid', [CompletionResultType]::ParameterValue, 'Print the kid, algorithm and PEM block type of every key in the files')
            [CompletionResult]::new('jwks', 'jwks', [CompletionResultType]::ParameterValue, 'Build the JWKS kube-apiserver would serve at /openid/v1/jwks for these keys')
            [CompletionResult]::new('discovery', 'discovery', [CompletionResultType]::ParameterValue, 'Build the OIDC discovery document (/.well-known/openid-configuration) for an issuer')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Publish the JWKS and the OIDC discovery document where relying parties fetch them')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Decode a ServiceAccount token and check its kid, alg, signature, issuer and expiry')
            [CompletionResult]::new('drift', 'drift', [CompletionResultType]::ParameterValue, 'Compare the kids each apiserver serves, the kids published under the issuer, and local keys')
            [CompletionResult]::new('manifest', 'manifest', [CompletionResultType]::ParameterValue, 'Read and edit the kube-apiserver and kube-controller-manager static-pod manifests')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'The staged rotation, resumable: start once, then `next` until done (safe from cron or CI)')
            [CompletionResult]::new('rehearse', 'rehearse', [CompletionResultType]::ParameterValue, 'Run the whole rotation in a scratch directory and show every change')
            [CompletionResult]::new('signer', 'signer', [CompletionResultType]::ParameterValue, 'An external token signer for kube-apiserver (KEP-740): rotation without restarts')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sakr;help;keygen' {
            break
        }
        'sakr;help;keys' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Put a bring-your-own key pair on every node: KEY (0600) and PUB in DIR, same names')
            break
        }
        'sakr;help;keys;install' {
            break
        }
        'sakr;help;kid' {
            break
        }
        'sakr;help;jwks' {
            break
        }
        'sakr;help;discovery' {
            break
        }
        'sakr;help;publish' {
            break
        }
        'sakr;help;verify' {
            break
        }
        'sakr;help;drift' {
            break
        }
        'sakr;help;manifest' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'List the service-account flags with each key''s kid, and warn about every hazard')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Trust PUB (the "trust" stage): append --service-account-key-file=PUB after the last one, or in the kubeadm layout append PUB''s key to sa.pub')
            [CompletionResult]::new('sign-with', 'sign-with', [CompletionResultType]::ParameterValue, 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage); in the kubeadm layout, KEY becomes sa.key (the old sa.key archived into the backup directory)')
            [CompletionResult]::new('retire', 'retire', [CompletionResultType]::ParameterValue, 'Remove --service-account-key-file=PUB (the "retire" stage); in the kubeadm layout, take PUB''s key (or the key of kid PUB) out of sa.pub')
            break
        }
        'sakr;help;manifest;show' {
            break
        }
        'sakr;help;manifest;trust' {
            break
        }
        'sakr;help;manifest;sign-with' {
            break
        }
        'sakr;help;manifest;retire' {
            break
        }
        'sakr;help;rotate' {
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Record the current signing key, generate the new one beside it, write the state file')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Perform the next stage whose gate is open (exit 3 while waiting)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Every stage with its time, the gate of the next one, and the earliest retire time')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Before retire: sign with the old key again, keep trusting both, and record the abort')
            break
        }
        'sakr;help;rotate;start' {
            break
        }
        'sakr;help;rotate;next' {
            break
        }
        'sakr;help;rotate;status' {
            break
        }
        'sakr;help;rotate;abort' {
            break
        }
        'sakr;help;rehearse' {
            break
        }
        'sakr;help;signer' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a key set file with one active key: an existing private key, a new one, a key on a PKCS#11 token, or an AWS KMS key')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a key (not active) to an existing key set; the whole new set must open before the file is written. A running signer picks it up on its next reload')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve ExternalJWTSigner (v1 and v1alpha1) on a Unix socket until SIGTERM; reload the key set on SIGHUP and when the file changes (a bad file keeps the running set)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The key set: every key with its kid, algorithm, backend, and whether it is active or excluded from discovery')
            [CompletionResult]::new('activate', 'activate', [CompletionResultType]::ParameterValue, 'Make one key of the set the active key (it signs from the signer''s next reload); the others stay trusted. By name or kid')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a key from the set (never the active key): kube-apiserver stops verifying its tokens at its next FetchKeys. By name or kid')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Move this control-plane node from key files to `sakr signer`: the key set (the signing key active, the other trusted keys kept for verification, excluded from discovery), the signer''s static pod, then, once it listens, kube-apiserver''s flags (endpoint added, key-file flags removed)')
            break
        }
        'sakr;help;signer;init' {
            break
        }
        'sakr;help;signer;add' {
            break
        }
        'sakr;help;signer;serve' {
            break
        }
        'sakr;help;signer;status' {
            break
        }
        'sakr;help;signer;activate' {
            break
        }
        'sakr;help;signer;remove' {
            break
        }
        'sakr;help;signer;migrate' {
            break
        }
        'sakr;help;completions' {
            break
        }
        'sakr;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
