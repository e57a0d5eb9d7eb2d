"""Relying-party check with PyJWT of a token made elsewhere (issue 20: by `sakr signer`'s Sign).

Usage: verify_token.py --jwks JWKS.json --token-file TOKEN --alg ALG
Looks the token's kid up in the JWKS (PyJWT's own JWK parsing), verifies the signature and the
time claims with PyJWT, and checks the header holds exactly alg, kid and typ "JWT", as
kube-apiserver requires of an external signer. Exit 0 when all holds; 1 otherwise.
"""
import argparse
import json
import sys

import jwt


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jwks", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--alg", required=True)
    args = ap.parse_args()
    with open(args.token_file) as f:
        token = f.read().strip()
    header = jwt.get_unverified_header(token)
    if sorted(header) != ["alg", "kid", "typ"] or header["typ"] != "JWT" or header["alg"] != args.alg:
        print(f"unexpected header {header}", file=sys.stderr)
        return 1
    with open(args.jwks) as f:
        jwks = jwt.PyJWKSet.from_dict(json.load(f))
    keys = [k for k in jwks.keys if k.key_id == header["kid"]]
    if len(keys) != 1:
        print(f"kid {header['kid']} not in the JWKS", file=sys.stderr)
        return 1
    try:
        jwt.decode(token, keys[0].key, algorithms=[args.alg], options={"verify_aud": False})
    except jwt.PyJWTError as e:
        print(f"rejected: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
