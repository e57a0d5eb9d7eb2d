# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sakr_global_optspecs
    string join \n o/output= q/quiet v/verbose no-color h/help V/version
end

function __fish_sakr_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sakr_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sakr_using_subcommand
    set -l cmd (__fish_sakr_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sakr -n "__fish_sakr_needs_command" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_needs_command" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_needs_command" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_needs_command" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_needs_command" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "keygen" -d 'Generate a new ServiceAccount signing key pair'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "keys" -d 'Key pairs on the control-plane nodes'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "kid" -d 'Print the kid, algorithm and PEM block type of every key in the files'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "jwks" -d 'Build the JWKS kube-apiserver would serve at /openid/v1/jwks for these keys'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "discovery" -d 'Build the OIDC discovery document (/.well-known/openid-configuration) for an issuer'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "publish" -d 'Publish the JWKS and the OIDC discovery document where relying parties fetch them'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "verify" -d 'Decode a ServiceAccount token and check its kid, alg, signature, issuer and expiry'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "drift" -d 'Compare the kids each apiserver serves, the kids published under the issuer, and local keys'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "manifest" -d 'Read and edit the kube-apiserver and kube-controller-manager static-pod manifests'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "rotate" -d 'The staged rotation, resumable: start once, then `next` until done (safe from cron or CI)'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "rehearse" -d 'Run the whole rotation in a scratch directory and show every change'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "signer" -d 'An external token signer for kube-apiserver (KEP-740): rotation without restarts'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c sakr -n "__fish_sakr_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -s a -l algorithm -d 'Key algorithm. RSA keys sign RS256, ECDSA keys ES256/ES384/ES512' -r -f -a "rsa-2048\t''
rsa-3072\t''
rsa-4096\t''
ecdsa-p256\t''
ecdsa-p384\t''
ecdsa-p521\t''"
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -l out-dir -d 'Directory to write the key files into' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -l name -d 'Base name of the key files (NAME.key, NAME.pub)' -r
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -l node -d 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node\'s tree on this machine. Paths (--manifests-dir, key files) are the node\'s own' -r
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -l ssh-command -d 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply' -r
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -l via -d 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node\'s InternalIP (with --ssh-command; the ssh config may map those addresses)' -r -f -a "pod\t''
ssh\t''"
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -l node-image -d 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters' -r
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -l node-namespace -d 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")' -r
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -l kubeconfig -d 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -l context -d 'kubeconfig context for node pods and --control-plane' -r
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -l force -d 'Replace existing NAME.key / NAME.pub'
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -l sudo -d 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -l control-plane -d 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand keygen" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and not __fish_seen_subcommand_from install help" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand keys; and not __fish_seen_subcommand_from install help" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and not __fish_seen_subcommand_from install help" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and not __fish_seen_subcommand_from install help" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and not __fish_seen_subcommand_from install help" -s h -l help -d 'Print help'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and not __fish_seen_subcommand_from install help" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and not __fish_seen_subcommand_from install help" -f -a "install" -d 'Put a bring-your-own key pair on every node: KEY (0600) and PUB in DIR, same names'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and not __fish_seen_subcommand_from install help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -l dir -d 'The directory on each node (e.g. /etc/kubernetes/pki)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -l node -d 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node\'s tree on this machine. Paths (--manifests-dir, key files) are the node\'s own' -r
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -l ssh-command -d 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply' -r
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -l via -d 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node\'s InternalIP (with --ssh-command; the ssh config may map those addresses)' -r -f -a "pod\t''
ssh\t''"
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -l node-image -d 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters' -r
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -l node-namespace -d 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")' -r
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -l kubeconfig -d 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -l context -d 'kubeconfig context for node pods and --control-plane' -r
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -l sudo -d 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -l control-plane -d 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from install" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "install" -d 'Put a bring-your-own key pair on every node: KEY (0600) and PUB in DIR, same names'
complete -c sakr -n "__fish_sakr_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sakr -n "__fish_sakr_using_subcommand kid" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand kid" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand kid" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand kid" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand kid" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand kid" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand jwks" -l key -d 'Key files, in --service-account-key-file order; every key block of each file is included' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand jwks" -l jwks -d 'An existing JWKS to merge: its entries come first (validated: kid must match key material)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand jwks" -l from-signer -d 'The keys a running external signer (KEP-740) gives kube-apiserver, through FetchKeys on its socket (unix:///PATH; any plugin, not only `sakr signer`): those not excluded from discovery, with the signer\'s kids, after --jwks and before --key' -r
complete -c sakr -n "__fish_sakr_using_subcommand jwks" -l drop-kid -d 'Leave out the key with this kid (it must be present)' -r
complete -c sakr -n "__fish_sakr_using_subcommand jwks" -l out -d 'Write to FILE atomically (exact bytes, no trailing newline) instead of stdout' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand jwks" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand jwks" -l pretty -d 'Indent the JSON (kube-apiserver serves it compact)'
complete -c sakr -n "__fish_sakr_using_subcommand jwks" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand jwks" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand jwks" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand jwks" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand jwks" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand discovery" -l issuer -d 'The issuer: kube-apiserver\'s --service-account-issuer, an https URL without query or fragment' -r
complete -c sakr -n "__fish_sakr_using_subcommand discovery" -l jwks-uri -d 'Where relying parties fetch the JWKS [default: <issuer>/openid/v1/jwks]' -r
complete -c sakr -n "__fish_sakr_using_subcommand discovery" -l key -d 'Key files whose algorithms the document lists' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand discovery" -l jwks -d 'A JWKS whose algorithms the document lists' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand discovery" -l out -d 'Write to FILE atomically instead of stdout' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand discovery" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand discovery" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand discovery" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand discovery" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand discovery" -s h -l help -d 'Print help'
complete -c sakr -n "__fish_sakr_using_subcommand discovery" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand publish" -l to -d 'Where to publish (s3://, azblob://, https://…blob.core.windows.net/…, file:///)' -r
complete -c sakr -n "__fish_sakr_using_subcommand publish" -l jwks -d 'A prebuilt JWKS to publish as is' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand publish" -l discovery -d 'A prebuilt discovery document (with --jwks) [default: built from --issuer]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand publish" -l key -d 'Key files, in --service-account-key-file order, to build the JWKS from' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand publish" -l from-signer -d 'Build the JWKS from what a running external signer (KEP-740) gives kube-apiserver: FetchKeys on its socket (unix:///PATH), the keys not excluded from discovery' -r
complete -c sakr -n "__fish_sakr_using_subcommand publish" -l issuer -d 'The issuer (kube-apiserver --service-account-issuer), for the discovery document' -r
complete -c sakr -n "__fish_sakr_using_subcommand publish" -l jwks-uri -d 'jwks_uri of the discovery document [default: <issuer>/openid/v1/jwks]' -r
complete -c sakr -n "__fish_sakr_using_subcommand publish" -l endpoint -d 'S3-compatible endpoint (path-style), or the Azure blob service URL (Azurite)' -r
complete -c sakr -n "__fish_sakr_using_subcommand publish" -l cache-control -d 'Cache-Control of the published objects' -r
complete -c sakr -n "__fish_sakr_using_subcommand publish" -l timeout -d 'Total time for the whole publish, retries included (e.g. 2m, 90s)' -r
complete -c sakr -n "__fish_sakr_using_subcommand publish" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand publish" -l allow-removal -d 'Allow removing kids that are published now (the retire stage)'
complete -c sakr -n "__fish_sakr_using_subcommand publish" -l dry-run -d 'Show the kid diff and what would be written; write nothing'
complete -c sakr -n "__fish_sakr_using_subcommand publish" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand publish" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand publish" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand publish" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand publish" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l token-file -d 'Read the token from FILE (`-` for stdin; surrounding whitespace is trimmed)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l service-account -d 'Ask the cluster for a fresh token of this ServiceAccount (TokenRequest, as `kubectl create token`)' -r
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l audience -d 'Audience of the requested token (repeatable) [default: the apiserver\'s --api-audiences]' -r
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l duration -d 'Lifetime of the requested token (at least 10m)' -r
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l pod -d 'Read the projected token of a running pod (exec `cat`)' -r
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l container -d 'Container of --pod [default: the pod\'s default container]' -r
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l path -d 'Token path inside the pod' -r
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l expect-key -d 'The token must be signed by one of these keys (kid and signature)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l expect-kid -d 'The token\'s kid must be KID' -r
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l jwks -d 'Check the signature against a JWKS file, or the JWKS published under an https issuer URL' -r
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l issuer -d 'The token\'s iss must be exactly URL' -r
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l kubeconfig -d 'kubeconfig file [default: KUBECONFIG, ~/.kube/config, in-cluster]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l context -d 'kubeconfig context' -r
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l ca -d 'Trust only this CA bundle for an https --jwks URL' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand verify" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand verify" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand verify" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand verify" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand verify" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand drift" -l issuer -d 'The issuer URL relying parties know (https); its discovery document and JWKS are read' -r
complete -c sakr -n "__fish_sakr_using_subcommand drift" -l key -d 'Local key files to include' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand drift" -l from-signer -d 'Include the keys a running external signer (KEP-740) gives kube-apiserver to publish (FetchKeys on its socket, unix:///PATH; those not excluded from discovery), as the local column' -r
complete -c sakr -n "__fish_sakr_using_subcommand drift" -l kubeconfig -d 'kubeconfig file [default: KUBECONFIG, ~/.kube/config, in-cluster]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand drift" -l context -d 'kubeconfig context' -r
complete -c sakr -n "__fish_sakr_using_subcommand drift" -l ca -d 'Trust only this CA bundle for the issuer URL' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand drift" -l publish-to -d 'Also read the JWKS where it is stored (s3://, https://ACCOUNT.blob…, file://; the credentials of `publish`), to tell a cache or CDN that lags behind the storage from a key that was never published' -r
complete -c sakr -n "__fish_sakr_using_subcommand drift" -l endpoint -d 'S3-compatible endpoint or Azure blob endpoint for --publish-to' -r
complete -c sakr -n "__fish_sakr_using_subcommand drift" -l jwks-uri -d 'The JWKS URL when it is not <issuer>/openid/v1/jwks (where it is stored under --publish-to)' -r
complete -c sakr -n "__fish_sakr_using_subcommand drift" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand drift" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand drift" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand drift" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand drift" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand drift" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l manifests-dir -d 'The static-pod manifests directory; the two manifests are found by their containers' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l apiserver -d 'The kube-apiserver manifest (instead of --manifests-dir)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l controller-manager -d 'The kube-controller-manager manifest (with --apiserver)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l host-root -d 'Resolve hostPath volumes under DIR (for a node\'s files copied elsewhere)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l node -d 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node\'s tree on this machine. Paths (--manifests-dir, key files) are the node\'s own' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l ssh-command -d 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l via -d 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node\'s InternalIP (with --ssh-command; the ssh config may map those addresses)' -r -f -a "pod\t''
ssh\t''"
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l node-image -d 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l node-namespace -d 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l kubeconfig -d 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l context -d 'kubeconfig context for node pods and --control-plane' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l sudo -d 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l control-plane -d 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -f -a "show" -d 'List the service-account flags with each key\'s kid, and warn about every hazard'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -f -a "trust" -d 'Trust PUB (the "trust" stage): append --service-account-key-file=PUB after the last one, or in the kubeadm layout append PUB\'s key to sa.pub'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -f -a "sign-with" -d 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage); in the kubeadm layout, KEY becomes sa.key (the old sa.key archived into the backup directory)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -f -a "retire" -d 'Remove --service-account-key-file=PUB (the "retire" stage); in the kubeadm layout, take PUB\'s key (or the key of kid PUB) out of sa.pub'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and not __fish_seen_subcommand_from show trust sign-with retire help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l manifests-dir -d 'The static-pod manifests directory; the two manifests are found by their containers' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l apiserver -d 'The kube-apiserver manifest (instead of --manifests-dir)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l controller-manager -d 'The kube-controller-manager manifest (with --apiserver)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l host-root -d 'Resolve hostPath volumes under DIR (for a node\'s files copied elsewhere)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l node -d 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node\'s tree on this machine. Paths (--manifests-dir, key files) are the node\'s own' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l ssh-command -d 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l via -d 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node\'s InternalIP (with --ssh-command; the ssh config may map those addresses)' -r -f -a "pod\t''
ssh\t''"
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l node-image -d 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l node-namespace -d 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l kubeconfig -d 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l context -d 'kubeconfig context for node pods and --control-plane' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l sudo -d 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l control-plane -d 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l backup-dir -d 'Where to copy the manifests before editing them [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l layout -d 'How the manifests hold the key set [default: kubeadm when they use kubeadm\'s own sa.pub and sa.key, else flags]. kubeadm: the flags stay; trust appends the key to sa.pub, sign-with replaces sa.key (the old one archived first), retire takes the key out of sa.pub (name it by kid or by a file), and a static-pod annotation restarts exactly the components that read a changed file' -r -f -a "flags\t'`--service-account-key-file` entries and the signing flags change at each stage'
kubeadm\t'Flags untouched; `sa.pub` is the bundle of trusted keys, `sa.key` the signing key'
signer\t'kube-apiserver signs through `sakr signer serve` (--service-account-signing-endpoint); each stage edits the signer\'s key set file; nothing restarts'"
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l manifests-dir -d 'The static-pod manifests directory; the two manifests are found by their containers' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l apiserver -d 'The kube-apiserver manifest (instead of --manifests-dir)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l controller-manager -d 'The kube-controller-manager manifest (with --apiserver)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l host-root -d 'Resolve hostPath volumes under DIR (for a node\'s files copied elsewhere)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l node -d 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node\'s tree on this machine. Paths (--manifests-dir, key files) are the node\'s own' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l ssh-command -d 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l via -d 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node\'s InternalIP (with --ssh-command; the ssh config may map those addresses)' -r -f -a "pod\t''
ssh\t''"
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l node-image -d 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l node-namespace -d 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l kubeconfig -d 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l context -d 'kubeconfig context for node pods and --control-plane' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l dry-run -d 'Print the unified diff and change nothing'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l no-check-files -d 'Do not require key files to exist at their host paths (preparing manifests for another machine; flags layout only)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l sudo -d 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l control-plane -d 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from trust" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l backup-dir -d 'Where to copy the manifests before editing them [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l layout -d 'How the manifests hold the key set [default: kubeadm when they use kubeadm\'s own sa.pub and sa.key, else flags]. kubeadm: the flags stay; trust appends the key to sa.pub, sign-with replaces sa.key (the old one archived first), retire takes the key out of sa.pub (name it by kid or by a file), and a static-pod annotation restarts exactly the components that read a changed file' -r -f -a "flags\t'`--service-account-key-file` entries and the signing flags change at each stage'
kubeadm\t'Flags untouched; `sa.pub` is the bundle of trusted keys, `sa.key` the signing key'
signer\t'kube-apiserver signs through `sakr signer serve` (--service-account-signing-endpoint); each stage edits the signer\'s key set file; nothing restarts'"
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l manifests-dir -d 'The static-pod manifests directory; the two manifests are found by their containers' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l apiserver -d 'The kube-apiserver manifest (instead of --manifests-dir)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l controller-manager -d 'The kube-controller-manager manifest (with --apiserver)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l host-root -d 'Resolve hostPath volumes under DIR (for a node\'s files copied elsewhere)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l node -d 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node\'s tree on this machine. Paths (--manifests-dir, key files) are the node\'s own' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l ssh-command -d 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l via -d 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node\'s InternalIP (with --ssh-command; the ssh config may map those addresses)' -r -f -a "pod\t''
ssh\t''"
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l node-image -d 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l node-namespace -d 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l kubeconfig -d 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l context -d 'kubeconfig context for node pods and --control-plane' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l dry-run -d 'Print the unified diff and change nothing'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l no-check-files -d 'Do not require key files to exist at their host paths (preparing manifests for another machine; flags layout only)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l sudo -d 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l control-plane -d 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from sign-with" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l backup-dir -d 'Where to copy the manifests before editing them [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l layout -d 'How the manifests hold the key set [default: kubeadm when they use kubeadm\'s own sa.pub and sa.key, else flags]. kubeadm: the flags stay; trust appends the key to sa.pub, sign-with replaces sa.key (the old one archived first), retire takes the key out of sa.pub (name it by kid or by a file), and a static-pod annotation restarts exactly the components that read a changed file' -r -f -a "flags\t'`--service-account-key-file` entries and the signing flags change at each stage'
kubeadm\t'Flags untouched; `sa.pub` is the bundle of trusted keys, `sa.key` the signing key'
signer\t'kube-apiserver signs through `sakr signer serve` (--service-account-signing-endpoint); each stage edits the signer\'s key set file; nothing restarts'"
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l manifests-dir -d 'The static-pod manifests directory; the two manifests are found by their containers' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l apiserver -d 'The kube-apiserver manifest (instead of --manifests-dir)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l controller-manager -d 'The kube-controller-manager manifest (with --apiserver)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l host-root -d 'Resolve hostPath volumes under DIR (for a node\'s files copied elsewhere)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l node -d 'A control-plane node (repeatable): NAME alone is the Kubernetes Node of that name, reached through a short-lived pod on it (--kubeconfig); NAME=ssh://[USER@]HOST[:PORT] through the system ssh client (HOST may be an alias of your ssh config); NAME=local:///ROOT for a node\'s tree on this machine. Paths (--manifests-dir, key files) are the node\'s own' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l ssh-command -d 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config"); your ssh config, agent, ProxyJump and known_hosts apply' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l via -d 'How --control-plane nodes are reached: a pod on each node, or ssh to each Node\'s InternalIP (with --ssh-command; the ssh config may map those addresses)' -r -f -a "pod\t''
ssh\t''"
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l node-image -d 'The image of node pods: any image with a POSIX shell, base64, mktemp, stat, sync and readlink (busybox or coreutils); mirror it for air-gapped clusters' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l node-namespace -d 'The namespace node pods run in (it must admit hostPath pods: Pod Security "privileged")' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l kubeconfig -d 'kubeconfig for node pods and --control-plane [default: KUBECONFIG, ~/.kube/config, in-cluster]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l context -d 'kubeconfig context for node pods and --control-plane' -r
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l dry-run -d 'Print the unified diff and change nothing'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l no-check-files -d 'Do not require key files to exist at their host paths (preparing manifests for another machine; flags layout only)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l sudo -d 'Become root on ssh nodes through `sudo -n` (the login user needs passwordless sudo)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l control-plane -d 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), listed through --kubeconfig and reached as --via says'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from retire" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from help" -f -a "show" -d 'List the service-account flags with each key\'s kid, and warn about every hazard'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from help" -f -a "trust" -d 'Trust PUB (the "trust" stage): append --service-account-key-file=PUB after the last one, or in the kubeadm layout append PUB\'s key to sa.pub'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from help" -f -a "sign-with" -d 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage); in the kubeadm layout, KEY becomes sa.key (the old sa.key archived into the backup directory)'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from help" -f -a "retire" -d 'Remove --service-account-key-file=PUB (the "retire" stage); in the kubeadm layout, take PUB\'s key (or the key of kid PUB) out of sa.pub'
complete -c sakr -n "__fish_sakr_using_subcommand manifest; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and not __fish_seen_subcommand_from start next status abort help" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and not __fish_seen_subcommand_from start next status abort help" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and not __fish_seen_subcommand_from start next status abort help" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and not __fish_seen_subcommand_from start next status abort help" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and not __fish_seen_subcommand_from start next status abort help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and not __fish_seen_subcommand_from start next status abort help" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and not __fish_seen_subcommand_from start next status abort help" -f -a "start" -d 'Record the current signing key, generate the new one beside it, write the state file'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and not __fish_seen_subcommand_from start next status abort help" -f -a "next" -d 'Perform the next stage whose gate is open (exit 3 while waiting)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and not __fish_seen_subcommand_from start next status abort help" -f -a "status" -d 'Every stage with its time, the gate of the next one, and the earliest retire time'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and not __fish_seen_subcommand_from start next status abort help" -f -a "abort" -d 'Before retire: sign with the old key again, keep trusting both, and record the abort'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and not __fish_seen_subcommand_from start next status abort help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l state -d 'The rotation\'s state: a file (JSON, 0600; paths and kids, never key material), or k8s://NAMESPACE/NAME for a ConfigMap with a Lease as the lock (CI runners taking turns)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l key-dir -d 'Directory (on this node) for the new key pair [default: the current signing key\'s directory]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l name -d 'Base name of the new key files [default: sa-<UTC date>]' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -s a -l algorithm -r -f -a "rsa-2048\t''
rsa-3072\t''
rsa-4096\t''
ecdsa-p256\t''
ecdsa-p384\t''
ecdsa-p521\t''"
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l publish-to -d 'Publish the JWKS and discovery document here (s3://, azblob://, https://…blob.core.windows.net/…, file:///)' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l issuer -d 'The issuer URL relying parties know (kube-apiserver --service-account-issuer)' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l jwks-uri -d 'jwks_uri of the discovery document [default: <issuer>/openid/v1/jwks]' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l endpoint -d 'S3-compatible or Azure endpoint for --publish-to' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l cache-control -d 'Cache-Control of the published objects; its max-age lengthens the retire wait' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l overlap -d 'Keep trusting the old key at least this long after the switch (e.g. 7d, 36h); never less than 24h10s plus the JWKS cache max-age' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l kubeconfig -d 'Ask the cluster: every apiserver endpoint\'s JWKS before switching (unless --single-node), and a fresh token (TokenRequest) for the verify stage' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l context -d 'kubeconfig context' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l node -d 'A control-plane node of the rotation (repeatable; the rolling order): NAME alone is the Kubernetes Node of that name, reached by a short-lived pod on it; NAME=ssh://[USER@]HOST[:PORT] through the system ssh client; NAME=local:///ROOT for a node tree on this machine. Every stage acts on every node; paths (--manifests-dir, --key-dir) are the nodes\' own' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l via -d 'How --control-plane nodes are reached: a pod on each node, or ssh to its InternalIP' -r -f -a "pod\t''
ssh\t''"
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l ssh-command -d 'The ssh client for ssh:// nodes, split like a shell would (e.g. "ssh -F /path/config")' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l node-image -d 'The image of node pods (a POSIX shell with base64, mktemp, stat, sync, readlink)' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l node-namespace -d 'The namespace node pods run in (it must admit hostPath pods)' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l node-apiserver -d 'Where a node\'s kube-apiserver answers, when it is not the endpoint of default/kubernetes at the Node\'s InternalIP (repeatable): NAME=HOST:PORT' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l node-timeout -d 'How long a rolling stage waits for one node\'s kube-apiserver to come back after its edit before it stops, leaving the other nodes as they are' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l relying-party-refresh -d 'A relying party\'s own JWKS refresh interval, waited for after the published max-age before switch (e.g. 24h for a party that refreshes daily)' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l layout -d 'How the nodes hold the key set [default: kubeadm when the manifests use kubeadm\'s own sa.pub and sa.key, else flags]. kubeadm: the flags stay; sa.pub becomes the bundle of trusted keys and sa.key the signing key, so kubeadm upgrade and join keep the rotation. flags: each stage edits the --service-account-* flags. signer: kube-apiserver signs through `sakr signer serve` (--service-account-signing-endpoint); each stage edits the signer\'s key set (--signer-config) and nothing restarts' -r -f -a "flags\t'`--service-account-key-file` entries and the signing flags change at each stage'
kubeadm\t'Flags untouched; `sa.pub` is the bundle of trusted keys, `sa.key` the signing key'
signer\t'kube-apiserver signs through `sakr signer serve` (--service-account-signing-endpoint); each stage edits the signer\'s key set file; nothing restarts'"
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l signer-config -d 'The signer layout: the `sakr signer` key set file, as each node sees it (e.g. /etc/kubernetes/sakr/signer.json). The new key goes into the active key\'s backend: a file beside it (--key-dir), or a new key on its PKCS#11 token or in its KMS' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l manifests-dir -d 'The static-pod manifests directory; the two manifests are found by their containers' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l apiserver -d 'The kube-apiserver manifest (instead of --manifests-dir)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l controller-manager -d 'The kube-controller-manager manifest (with --apiserver)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l host-root -d 'Resolve hostPath volumes under DIR (for a node\'s files copied elsewhere)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l backup-dir -d 'Where to copy the manifests before editing them, and a rotation\'s old key files at retire [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l single-node -d 'This is the only control-plane node: its manifest is the whole truth for the switch gate'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l control-plane -d 'Every Node labelled node-role.kubernetes.io/control-plane (or the legacy master label), reached as --via says'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l sudo -d 'Become root on ssh nodes through `sudo -n`'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l no-public-check -d 'Do not fetch the issuer\'s discovery document and JWKS over HTTPS before switch (for an issuer this runner cannot reach); recorded in the state and shown by `rotate status`'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from start" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -l state -d 'The rotation\'s state, as given to `rotate start` (a file or k8s://NAMESPACE/NAME)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -l token-file -d 'A fresh ServiceAccount token for the verify stage (`-` for stdin), e.g. from `kubectl create token default`' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -l kubeconfig -d 'For the verify stage: ask this cluster for a fresh token (TokenRequest), when the rotation was started without --kubeconfig' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -l context -d 'kubeconfig context (with --kubeconfig)' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -l at -d 'Evaluate gates as if it were TIME (RFC 3339). Only for rotations made by `sakr rehearse`' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -l dry-run -d 'Say what the next stage would do; change nothing'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -l i-checked-all-apiservers -d 'You checked every kube-apiserver\'s /openid/v1/jwks lists the new kid (recorded in the state)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -l no-public-check -d 'From now on, do not fetch the issuer\'s documents over HTTPS before switch (this runner cannot reach the issuer); recorded in the state'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -l reissue-legacy-tokens -d 'Before retire: have kube-controller-manager re-sign every legacy token Secret that still carries the old kid (its token is removed; the tokens controller issues a new one with the new key), confirm each new kid, then retire. The old token stops working at once (kube-apiserver checks a legacy token against its Secret): restart what reads them'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -l allow-breaking-legacy-tokens -d 'Retire although legacy token Secrets still carry the old kid (they stop working); recorded in the state with the Secrets named'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -s h -l help -d 'Print help'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from next" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from status" -l state -d 'The rotation\'s state, as given to `rotate start` (a file or k8s://NAMESPACE/NAME)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from status" -l kubeconfig -d 'kubeconfig for a k8s:// state [default: KUBECONFIG, ~/.kube/config, in-cluster]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from status" -l context -d 'kubeconfig context' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from status" -l at -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from status" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from abort" -l state -d 'The rotation\'s state, as given to `rotate start` (a file or k8s://NAMESPACE/NAME)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from abort" -l kubeconfig -d 'kubeconfig for a k8s:// state, the node pods and the nodes\' apiservers [default: the one recorded at start]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from abort" -l context -d 'kubeconfig context' -r
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from abort" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from abort" -l dry-run
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from abort" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from abort" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from abort" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from abort" -s h -l help -d 'Print help'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from abort" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from help" -f -a "start" -d 'Record the current signing key, generate the new one beside it, write the state file'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from help" -f -a "next" -d 'Perform the next stage whose gate is open (exit 3 while waiting)'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from help" -f -a "status" -d 'Every stage with its time, the gate of the next one, and the earliest retire time'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from help" -f -a "abort" -d 'Before retire: sign with the old key again, keep trusting both, and record the abort'
complete -c sakr -n "__fish_sakr_using_subcommand rotate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sakr -n "__fish_sakr_using_subcommand rehearse" -l manifests-dir -d 'Manifests to rehearse on (they are copied; the originals are never touched)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rehearse" -l keep -d 'Keep the scratch tree here instead of a temporary directory that is removed afterwards' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand rehearse" -s a -l algorithm -d 'Algorithm of the new key (the same default as `keygen` and `rotate start`)' -r -f -a "rsa-2048\t''
rsa-3072\t''
rsa-4096\t''
ecdsa-p256\t''
ecdsa-p384\t''
ecdsa-p521\t''"
complete -c sakr -n "__fish_sakr_using_subcommand rehearse" -l nodes -d 'Rehearse an HA control plane of N nodes (node trees cp-1 … cp-N): one rotation over every node from this seat, each stage rolling node by node. 1: a single control-plane node' -r
complete -c sakr -n "__fish_sakr_using_subcommand rehearse" -l layout -d 'The key layout to rehearse [default: kubeadm on kubeadm\'s own sa.pub/sa.key, else flags]; `--layout flags` shows the other one on the same manifests' -r -f -a "flags\t'`--service-account-key-file` entries and the signing flags change at each stage'
kubeadm\t'Flags untouched; `sa.pub` is the bundle of trusted keys, `sa.key` the signing key'
signer\t'kube-apiserver signs through `sakr signer serve` (--service-account-signing-endpoint); each stage edits the signer\'s key set file; nothing restarts'"
complete -c sakr -n "__fish_sakr_using_subcommand rehearse" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand rehearse" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand rehearse" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand rehearse" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand rehearse" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand rehearse" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -f -a "init" -d 'Write a key set file with one active key: an existing private key, a new one, a key on a PKCS#11 token, or an AWS KMS key'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -f -a "add" -d 'Add a key (not active) to an existing key set; the whole new set must open before the file is written. A running signer picks it up on its next reload'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -f -a "serve" -d 'Serve ExternalJWTSigner (v1 and v1alpha1) on a Unix socket until SIGTERM; reload the key set on SIGHUP and when the file changes (a bad file keeps the running set)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -f -a "status" -d 'The key set: every key with its kid, algorithm, backend, and whether it is active or excluded from discovery'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -f -a "activate" -d 'Make one key of the set the active key (it signs from the signer\'s next reload); the others stay trusted. By name or kid'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -f -a "remove" -d 'Remove a key from the set (never the active key): kube-apiserver stops verifying its tokens at its next FetchKeys. By name or kid'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -f -a "migrate" -d 'Move this control-plane node from key files to `sakr signer`: the key set (the signing key active, the other trusted keys kept for verification, excluded from discovery), the signer\'s static pod, then, once it listens, kube-apiserver\'s flags (endpoint added, key-file flags removed)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and not __fish_seen_subcommand_from init add serve status activate remove migrate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l config -d 'The key set file to write (0600; refused when it exists)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l key -d 'An existing private key (file backend: RSA or ECDSA P-256/384/521, PEM, 0600)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l generate -d 'Generate a new key of this algorithm: into --key-dir, or on the --pkcs11 token' -r -f -a "rsa-2048\t''
rsa-3072\t''
rsa-4096\t''
ecdsa-p256\t''
ecdsa-p384\t''
ecdsa-p521\t''"
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l key-dir -d 'Where --generate writes a file key (created 0700 when missing)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l pkcs11 -d 'A key on a PKCS#11 token: the module (shared library, absolute path), e.g. /usr/lib/softhsm/libsofthsm2.so' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l token-label -d 'The token\'s label (--pkcs11)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l key-label -d 'The key\'s label on the token (--pkcs11; with --generate, the label of the new key)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l pin-file -d 'A file holding the token\'s user PIN (one trailing newline is trimmed; 0600)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l pin-env -d 'An environment variable holding the token\'s user PIN (the signer needs it too)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l awskms -d 'An existing AWS KMS key: key ARN, key id or alias/NAME (SIGN_VERIFY, RSA or ECC_NIST_P*)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l awskms-generate -d 'Create a new AWS KMS key of this algorithm (SIGN_VERIFY) and use it' -r -f -a "rsa-2048\t''
rsa-3072\t''
rsa-4096\t''
ecdsa-p256\t''
ecdsa-p384\t''
ecdsa-p521\t''"
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l region -d 'The AWS region of --awskms / --awskms-generate (else AWS_REGION or the profile\'s)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l public -d 'A public key that only verifies (PUBLIC KEY PEM; `add` only: it cannot be active)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l max-token-expiration -d 'The longest token lifetime the signer supports (Metadata; at least 10m)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from init" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l config -d 'The key set file (rewritten atomically, 0600)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l name -d 'The new entry\'s name (unique in the set; the key label of a key generated on a token)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l key -d 'An existing private key (file backend: RSA or ECDSA P-256/384/521, PEM, 0600)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l generate -d 'Generate a new key of this algorithm: into --key-dir, or on the --pkcs11 token' -r -f -a "rsa-2048\t''
rsa-3072\t''
rsa-4096\t''
ecdsa-p256\t''
ecdsa-p384\t''
ecdsa-p521\t''"
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l key-dir -d 'Where --generate writes a file key (created 0700 when missing)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l pkcs11 -d 'A key on a PKCS#11 token: the module (shared library, absolute path), e.g. /usr/lib/softhsm/libsofthsm2.so' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l token-label -d 'The token\'s label (--pkcs11)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l key-label -d 'The key\'s label on the token (--pkcs11; with --generate, the label of the new key)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l pin-file -d 'A file holding the token\'s user PIN (one trailing newline is trimmed; 0600)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l pin-env -d 'An environment variable holding the token\'s user PIN (the signer needs it too)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l awskms -d 'An existing AWS KMS key: key ARN, key id or alias/NAME (SIGN_VERIFY, RSA or ECC_NIST_P*)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l awskms-generate -d 'Create a new AWS KMS key of this algorithm (SIGN_VERIFY) and use it' -r -f -a "rsa-2048\t''
rsa-3072\t''
rsa-4096\t''
ecdsa-p256\t''
ecdsa-p384\t''
ecdsa-p521\t''"
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l region -d 'The AWS region of --awskms / --awskms-generate (else AWS_REGION or the profile\'s)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l public -d 'A public key that only verifies (PUBLIC KEY PEM; `add` only: it cannot be active)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l exclude-from-discovery -d 'Trust the key for verification but leave it out of /openid/v1/jwks'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from serve" -l config -d 'The key set file' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from serve" -l socket -d 'The socket kube-apiserver dials (--service-account-signing-endpoint); created 0600 in a directory only its owner can write' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from serve" -l refresh-hint -d 'How often kube-apiserver should fetch the keys again (FetchKeys refresh_hint_seconds)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from serve" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from serve" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from serve" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from serve" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from status" -l config -d 'The key set file' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from status" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from activate" -l config -d 'The key set file' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from activate" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from activate" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from activate" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from activate" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from activate" -s h -l help -d 'Print help'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from activate" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from remove" -l config -d 'The key set file' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from remove" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from remove" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -l config -d 'The key set file to write, as the node sees it' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -l key-dir -d 'Where the keys go, as the node sees it [default: keys/ beside --config]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -l socket -d 'The socket, as the node sees it; kube-apiserver must see its directory through a hostPath volume [default: sakr-signer/signer.sock beside the current signing key]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -l image -d 'The image of the signer\'s static pod (one with the `sakr` binary)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -l wait -d 'How long to wait for the signer to listen before editing kube-apiserver' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -l refresh-hint -d 'The signer\'s FetchKeys refresh hint (how soon kube-apiserver sees a rotation\'s edit)' -r
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -l manifests-dir -d 'The static-pod manifests directory; the two manifests are found by their containers' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -l apiserver -d 'The kube-apiserver manifest (instead of --manifests-dir)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -l controller-manager -d 'The kube-controller-manager manifest (with --apiserver)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -l host-root -d 'Resolve hostPath volumes under DIR (for a node\'s files copied elsewhere)' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -l backup-dir -d 'Where to copy the manifests before editing them, and a rotation\'s old key files at retire [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]' -r -F
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -l dry-run -d 'Show what would be written and change nothing'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from migrate" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from help" -f -a "init" -d 'Write a key set file with one active key: an existing private key, a new one, a key on a PKCS#11 token, or an AWS KMS key'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a key (not active) to an existing key set; the whole new set must open before the file is written. A running signer picks it up on its next reload'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Serve ExternalJWTSigner (v1 and v1alpha1) on a Unix socket until SIGTERM; reload the key set on SIGHUP and when the file changes (a bad file keeps the running set)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from help" -f -a "status" -d 'The key set: every key with its kid, algorithm, backend, and whether it is active or excluded from discovery'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from help" -f -a "activate" -d 'Make one key of the set the active key (it signs from the signer\'s next reload); the others stay trusted. By name or kid'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a key from the set (never the active key): kube-apiserver stops verifying its tokens at its next FetchKeys. By name or kid'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Move this control-plane node from key files to `sakr signer`: the key set (the signing key active, the other trusted keys kept for verification, excluded from discovery), the signer\'s static pod, then, once it listens, kube-apiserver\'s flags (endpoint added, key-file flags removed)'
complete -c sakr -n "__fish_sakr_using_subcommand signer; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sakr -n "__fish_sakr_using_subcommand completions" -s o -l output -d 'Output format: human-readable text, or one JSON document on stdout with stable field names' -r -f -a "text\t''
json\t''"
complete -c sakr -n "__fish_sakr_using_subcommand completions" -s q -l quiet -d 'Print only data and errors (no notes or progress)'
complete -c sakr -n "__fish_sakr_using_subcommand completions" -s v -l verbose -d 'Explain what is being done on stderr'
complete -c sakr -n "__fish_sakr_using_subcommand completions" -l no-color -d 'Never color stderr (also: the NO_COLOR environment variable)'
complete -c sakr -n "__fish_sakr_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sakr -n "__fish_sakr_using_subcommand completions" -s V -l version -d 'Print version'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "keygen" -d 'Generate a new ServiceAccount signing key pair'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "keys" -d 'Key pairs on the control-plane nodes'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "kid" -d 'Print the kid, algorithm and PEM block type of every key in the files'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "jwks" -d 'Build the JWKS kube-apiserver would serve at /openid/v1/jwks for these keys'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "discovery" -d 'Build the OIDC discovery document (/.well-known/openid-configuration) for an issuer'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "publish" -d 'Publish the JWKS and the OIDC discovery document where relying parties fetch them'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "verify" -d 'Decode a ServiceAccount token and check its kid, alg, signature, issuer and expiry'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "drift" -d 'Compare the kids each apiserver serves, the kids published under the issuer, and local keys'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "manifest" -d 'Read and edit the kube-apiserver and kube-controller-manager static-pod manifests'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "rotate" -d 'The staged rotation, resumable: start once, then `next` until done (safe from cron or CI)'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "rehearse" -d 'Run the whole rotation in a scratch directory and show every change'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "signer" -d 'An external token signer for kube-apiserver (KEP-740): rotation without restarts'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c sakr -n "__fish_sakr_using_subcommand help; and not __fish_seen_subcommand_from keygen keys kid jwks discovery publish verify drift manifest rotate rehearse signer completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "install" -d 'Put a bring-your-own key pair on every node: KEY (0600) and PUB in DIR, same names'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from manifest" -f -a "show" -d 'List the service-account flags with each key\'s kid, and warn about every hazard'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from manifest" -f -a "trust" -d 'Trust PUB (the "trust" stage): append --service-account-key-file=PUB after the last one, or in the kubeadm layout append PUB\'s key to sa.pub'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from manifest" -f -a "sign-with" -d 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage); in the kubeadm layout, KEY becomes sa.key (the old sa.key archived into the backup directory)'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from manifest" -f -a "retire" -d 'Remove --service-account-key-file=PUB (the "retire" stage); in the kubeadm layout, take PUB\'s key (or the key of kid PUB) out of sa.pub'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from rotate" -f -a "start" -d 'Record the current signing key, generate the new one beside it, write the state file'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from rotate" -f -a "next" -d 'Perform the next stage whose gate is open (exit 3 while waiting)'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from rotate" -f -a "status" -d 'Every stage with its time, the gate of the next one, and the earliest retire time'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from rotate" -f -a "abort" -d 'Before retire: sign with the old key again, keep trusting both, and record the abort'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from signer" -f -a "init" -d 'Write a key set file with one active key: an existing private key, a new one, a key on a PKCS#11 token, or an AWS KMS key'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from signer" -f -a "add" -d 'Add a key (not active) to an existing key set; the whole new set must open before the file is written. A running signer picks it up on its next reload'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from signer" -f -a "serve" -d 'Serve ExternalJWTSigner (v1 and v1alpha1) on a Unix socket until SIGTERM; reload the key set on SIGHUP and when the file changes (a bad file keeps the running set)'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from signer" -f -a "status" -d 'The key set: every key with its kid, algorithm, backend, and whether it is active or excluded from discovery'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from signer" -f -a "activate" -d 'Make one key of the set the active key (it signs from the signer\'s next reload); the others stay trusted. By name or kid'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from signer" -f -a "remove" -d 'Remove a key from the set (never the active key): kube-apiserver stops verifying its tokens at its next FetchKeys. By name or kid'
complete -c sakr -n "__fish_sakr_using_subcommand help; and __fish_seen_subcommand_from signer" -f -a "migrate" -d 'Move this control-plane node from key files to `sakr signer`: the key set (the signing key active, the other trusted keys kept for verification, excluded from discovery), the signer\'s static pod, then, once it listens, kube-apiserver\'s flags (endpoint added, key-file flags removed)'
