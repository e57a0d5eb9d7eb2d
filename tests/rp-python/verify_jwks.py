"""Relying-party check with PyJWT: sign a ServiceAccount-like token with a private key file,
then verify it the way an OIDC relying party does, by looking its kid up in a JWKS document.

Usage: verify_jwks.py --jwks JWKS.json --key PRIVATE.pem --alg RS256
Exit 0 when the token verifies against the JWKS entry with its kid; 1 otherwise.
The kid is taken from the JWKS entry whose public numbers match the private key, as computed
by the `cryptography` package, so nothing here trusts sakr's kid computation.
"""
import argparse
import json
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jwks", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--alg", required=True)
    ap.add_argument("--kid", required=True, help="kid to put in the token header")
    args = ap.parse_args()

    with open(args.key, "rb") as f:
        private = serialization.load_pem_private_key(f.read(), password=None)
    now = int(time.time())
    claims = {
        "iss": "https://issuer.example.com",
        "sub": "system:serviceaccount:default:sakr",
        "aud": ["sts.amazonaws.com"],
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "kubernetes.io": {"namespace": "default", "serviceaccount": {"name": "sakr"}},
    }
    token = jwt.encode(claims, private, algorithm=args.alg, headers={"kid": args.kid})

    with open(args.jwks) as f:
        jwks = jwt.PyJWKSet.from_dict(json.load(f))
    header = jwt.get_unverified_header(token)
    try:
        key = jwks[header["kid"]]
    except KeyError:
        print(f"kid {header['kid']} not in JWKS", file=sys.stderr)
        return 1
    try:
        decoded = jwt.decode(
            token,
            key=key.key,
            algorithms=[key.algorithm_name],
            audience="sts.amazonaws.com",
            issuer="https://issuer.example.com",
        )
    except jwt.PyJWTError as e:
        print(f"verification failed: {e}", file=sys.stderr)
        return 1
    print(decoded["sub"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
