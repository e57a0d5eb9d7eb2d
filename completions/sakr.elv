
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
            cand kid 'Print the kid, algorithm and PEM block type of every key in the files'
            cand jwks 'Build the JWKS kube-apiserver would serve at /openid/v1/jwks for these keys'
            cand discovery 'Build the OIDC discovery document (/.well-known/openid-configuration) for an issuer'
            cand manifest 'Read and edit the kube-apiserver and kube-controller-manager static-pod manifests'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sakr;keygen'= {
            cand -a 'Key algorithm. RSA keys sign RS256, ECDSA keys ES256/ES384/ES512'
            cand --algorithm 'Key algorithm. RSA keys sign RS256, ECDSA keys ES256/ES384/ES512'
            cand --out-dir 'Directory to write the key files into'
            cand --name 'Base name of the key files (NAME.key, NAME.pub)'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --force 'Replace existing NAME.key / NAME.pub'
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
        &'sakr;manifest'= {
            cand --manifests-dir 'The static-pod manifests directory; the two manifests are found by their containers'
            cand --apiserver 'The kube-apiserver manifest (instead of --manifests-dir)'
            cand --controller-manager 'The kube-controller-manager manifest (with --apiserver)'
            cand --host-root 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)'
            cand --backup-dir 'Where to copy the manifests before editing [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --dry-run 'Print the unified diff and change nothing'
            cand --no-check-files 'Do not require key files to exist at their host paths (preparing manifests for another machine)'
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
            cand trust 'Append --service-account-key-file=PUB after the last one (the "trust" stage)'
            cand sign-with 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage)'
            cand retire 'Remove --service-account-key-file=PUB (the "retire" stage)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sakr;manifest;show'= {
            cand --manifests-dir 'The static-pod manifests directory; the two manifests are found by their containers'
            cand --apiserver 'The kube-apiserver manifest (instead of --manifests-dir)'
            cand --controller-manager 'The kube-controller-manager manifest (with --apiserver)'
            cand --host-root 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)'
            cand --backup-dir 'Where to copy the manifests before editing [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --dry-run 'Print the unified diff and change nothing'
            cand --no-check-files 'Do not require key files to exist at their host paths (preparing manifests for another machine)'
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
        &'sakr;manifest;trust'= {
            cand --manifests-dir 'The static-pod manifests directory; the two manifests are found by their containers'
            cand --apiserver 'The kube-apiserver manifest (instead of --manifests-dir)'
            cand --controller-manager 'The kube-controller-manager manifest (with --apiserver)'
            cand --host-root 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)'
            cand --backup-dir 'Where to copy the manifests before editing [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --dry-run 'Print the unified diff and change nothing'
            cand --no-check-files 'Do not require key files to exist at their host paths (preparing manifests for another machine)'
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
        &'sakr;manifest;sign-with'= {
            cand --manifests-dir 'The static-pod manifests directory; the two manifests are found by their containers'
            cand --apiserver 'The kube-apiserver manifest (instead of --manifests-dir)'
            cand --controller-manager 'The kube-controller-manager manifest (with --apiserver)'
            cand --host-root 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)'
            cand --backup-dir 'Where to copy the manifests before editing [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --dry-run 'Print the unified diff and change nothing'
            cand --no-check-files 'Do not require key files to exist at their host paths (preparing manifests for another machine)'
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
            cand --manifests-dir 'The static-pod manifests directory; the two manifests are found by their containers'
            cand --apiserver 'The kube-apiserver manifest (instead of --manifests-dir)'
            cand --controller-manager 'The kube-controller-manager manifest (with --apiserver)'
            cand --host-root 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)'
            cand --backup-dir 'Where to copy the manifests before editing [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]'
            cand -o 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --output 'Output format: human-readable text, or one JSON document on stdout with stable field names'
            cand --dry-run 'Print the unified diff and change nothing'
            cand --no-check-files 'Do not require key files to exist at their host paths (preparing manifests for another machine)'
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
            cand trust 'Append --service-account-key-file=PUB after the last one (the "trust" stage)'
            cand sign-with 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage)'
            cand retire 'Remove --service-account-key-file=PUB (the "retire" stage)'
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
            cand kid 'Print the kid, algorithm and PEM block type of every key in the files'
            cand jwks 'Build the JWKS kube-apiserver would serve at /openid/v1/jwks for these keys'
            cand discovery 'Build the OIDC discovery document (/.well-known/openid-configuration) for an issuer'
            cand manifest 'Read and edit the kube-apiserver and kube-controller-manager static-pod manifests'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sakr;help;keygen'= {
        }
        &'sakr;help;kid'= {
        }
        &'sakr;help;jwks'= {
        }
        &'sakr;help;discovery'= {
        }
        &'sakr;help;manifest'= {
            cand show 'List the service-account flags with each key''s kid, and warn about every hazard'
            cand trust 'Append --service-account-key-file=PUB after the last one (the "trust" stage)'
            cand sign-with 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage)'
            cand retire 'Remove --service-account-key-file=PUB (the "retire" stage)'
        }
        &'sakr;help;manifest;show'= {
        }
        &'sakr;help;manifest;trust'= {
        }
        &'sakr;help;manifest;sign-with'= {
        }
        &'sakr;help;manifest;retire'= {
        }
        &'sakr;help;completions'= {
        }
        &'sakr;help;help'= {
        }
    ]
    $completions[$command]
}
