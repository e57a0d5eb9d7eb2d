
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
            [CompletionResult]::new('kid', 'kid', [CompletionResultType]::ParameterValue, 'Print the kid, algorithm and PEM block type of every key in the files')
            [CompletionResult]::new('jwks', 'jwks', [CompletionResultType]::ParameterValue, 'Build the JWKS kube-apiserver would serve at /openid/v1/jwks for these keys')
            [CompletionResult]::new('discovery', 'discovery', [CompletionResultType]::ParameterValue, 'Build the OIDC discovery document (/.well-known/openid-configuration) for an issuer')
            [CompletionResult]::new('manifest', 'manifest', [CompletionResultType]::ParameterValue, 'Read and edit the kube-apiserver and kube-controller-manager static-pod manifests')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sakr;keygen' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Key algorithm. RSA keys sign RS256, ECDSA keys ES256/ES384/ES512')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'Key algorithm. RSA keys sign RS256, ECDSA keys ES256/ES384/ES512')
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Directory to write the key files into')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Base name of the key files (NAME.key, NAME.pub)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace existing NAME.key / NAME.pub')
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
        'sakr;manifest' {
            [CompletionResult]::new('--manifests-dir', '--manifests-dir', [CompletionResultType]::ParameterName, 'The static-pod manifests directory; the two manifests are found by their containers')
            [CompletionResult]::new('--apiserver', '--apiserver', [CompletionResultType]::ParameterName, 'The kube-apiserver manifest (instead of --manifests-dir)')
            [CompletionResult]::new('--controller-manager', '--controller-manager', [CompletionResultType]::ParameterName, 'The kube-controller-manager manifest (with --apiserver)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Where to copy the manifests before editing [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the unified diff and change nothing')
            [CompletionResult]::new('--no-check-files', '--no-check-files', [CompletionResultType]::ParameterName, 'Do not require key files to exist at their host paths (preparing manifests for another machine)')
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
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Append --service-account-key-file=PUB after the last one (the "trust" stage)')
            [CompletionResult]::new('sign-with', 'sign-with', [CompletionResultType]::ParameterValue, 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage)')
            [CompletionResult]::new('retire', 'retire', [CompletionResultType]::ParameterValue, 'Remove --service-account-key-file=PUB (the "retire" stage)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sakr;manifest;show' {
            [CompletionResult]::new('--manifests-dir', '--manifests-dir', [CompletionResultType]::ParameterName, 'The static-pod manifests directory; the two manifests are found by their containers')
            [CompletionResult]::new('--apiserver', '--apiserver', [CompletionResultType]::ParameterName, 'The kube-apiserver manifest (instead of --manifests-dir)')
            [CompletionResult]::new('--controller-manager', '--controller-manager', [CompletionResultType]::ParameterName, 'The kube-controller-manager manifest (with --apiserver)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Where to copy the manifests before editing [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the unified diff and change nothing')
            [CompletionResult]::new('--no-check-files', '--no-check-files', [CompletionResultType]::ParameterName, 'Do not require key files to exist at their host paths (preparing manifests for another machine)')
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
        'sakr;manifest;trust' {
            [CompletionResult]::new('--manifests-dir', '--manifests-dir', [CompletionResultType]::ParameterName, 'The static-pod manifests directory; the two manifests are found by their containers')
            [CompletionResult]::new('--apiserver', '--apiserver', [CompletionResultType]::ParameterName, 'The kube-apiserver manifest (instead of --manifests-dir)')
            [CompletionResult]::new('--controller-manager', '--controller-manager', [CompletionResultType]::ParameterName, 'The kube-controller-manager manifest (with --apiserver)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Where to copy the manifests before editing [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the unified diff and change nothing')
            [CompletionResult]::new('--no-check-files', '--no-check-files', [CompletionResultType]::ParameterName, 'Do not require key files to exist at their host paths (preparing manifests for another machine)')
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
        'sakr;manifest;sign-with' {
            [CompletionResult]::new('--manifests-dir', '--manifests-dir', [CompletionResultType]::ParameterName, 'The static-pod manifests directory; the two manifests are found by their containers')
            [CompletionResult]::new('--apiserver', '--apiserver', [CompletionResultType]::ParameterName, 'The kube-apiserver manifest (instead of --manifests-dir)')
            [CompletionResult]::new('--controller-manager', '--controller-manager', [CompletionResultType]::ParameterName, 'The kube-controller-manager manifest (with --apiserver)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Where to copy the manifests before editing [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the unified diff and change nothing')
            [CompletionResult]::new('--no-check-files', '--no-check-files', [CompletionResultType]::ParameterName, 'Do not require key files to exist at their host paths (preparing manifests for another machine)')
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
            [CompletionResult]::new('--manifests-dir', '--manifests-dir', [CompletionResultType]::ParameterName, 'The static-pod manifests directory; the two manifests are found by their containers')
            [CompletionResult]::new('--apiserver', '--apiserver', [CompletionResultType]::ParameterName, 'The kube-apiserver manifest (instead of --manifests-dir)')
            [CompletionResult]::new('--controller-manager', '--controller-manager', [CompletionResultType]::ParameterName, 'The kube-controller-manager manifest (with --apiserver)')
            [CompletionResult]::new('--host-root', '--host-root', [CompletionResultType]::ParameterName, 'Resolve hostPath volumes under DIR (for a node''s files copied elsewhere)')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Where to copy the manifests before editing [default: <manifests-dir>/../tmp/sakr-backup-<UTC time>]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: human-readable text, or one JSON document on stdout with stable field names')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the unified diff and change nothing')
            [CompletionResult]::new('--no-check-files', '--no-check-files', [CompletionResultType]::ParameterName, 'Do not require key files to exist at their host paths (preparing manifests for another machine)')
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
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Append --service-account-key-file=PUB after the last one (the "trust" stage)')
            [CompletionResult]::new('sign-with', 'sign-with', [CompletionResultType]::ParameterValue, 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage)')
            [CompletionResult]::new('retire', 'retire', [CompletionResultType]::ParameterValue, 'Remove --service-account-key-file=PUB (the "retire" stage)')
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
            [CompletionResult]::new('kid', 'kid', [CompletionResultType]::ParameterValue, 'Print the kid, algorithm and PEM block type of every key in the files')
            [CompletionResult]::new('jwks', 'jwks', [CompletionResultType]::ParameterValue, 'Build the JWKS kube-apiserver would serve at /openid/v1/jwks for these keys')
            [CompletionResult]::new('discovery', 'discovery', [CompletionResultType]::ParameterValue, 'Build the OIDC discovery document (/.well-known/openid-configuration) for an issuer')
            [CompletionResult]::new('manifest', 'manifest', [CompletionResultType]::ParameterValue, 'Read and edit the kube-apiserver and kube-controller-manager static-pod manifests')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sakr;help;keygen' {
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
        'sakr;help;manifest' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'List the service-account flags with each key''s kid, and warn about every hazard')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Append --service-account-key-file=PUB after the last one (the "trust" stage)')
            [CompletionResult]::new('sign-with', 'sign-with', [CompletionResultType]::ParameterValue, 'Sign with KEY: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file (the "switch" stage)')
            [CompletionResult]::new('retire', 'retire', [CompletionResultType]::ParameterValue, 'Remove --service-account-key-file=PUB (the "retire" stage)')
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
