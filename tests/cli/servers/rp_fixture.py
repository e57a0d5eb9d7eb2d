"""Builds a JWKS and signs a token for the relying-party check (tests only).

usage: rp_fixture.py PRIVATE_KEY_PEM ISSUER AUDIENCE JWKS_OUT TOKEN_OUT

The kid follows Kubernetes (DESIGN §2.1): base64url, unpadded, of SHA-256 over the DER
SubjectPublicKeyInfo. The JWK has kube-apiserver's field order (§2.3). This stands in for
sakr's own keygen/jwks until those land; the relying party (jose) does not care who made it.
"""
import base64
import hashlib
import json
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization

key_path, issuer, audience, jwks_out, token_out = sys.argv[1:6]
with open(key_path, "rb") as f:
    key = serialization.load_pem_private_key(f.read(), password=None)
pub = key.public_key()
der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n: int) -> str:
    return b64u(n.to_bytes((n.bit_length() + 7) // 8, "big"))


kid = b64u(hashlib.sha256(der).digest())
numbers = pub.public_numbers()
jwk = {"use": "sig", "kty": "RSA", "kid": kid, "alg": "RS256", "n": uint(numbers.n), "e": uint(numbers.e)}
with open(jwks_out, "w") as f:
    f.write(json.dumps({"keys": [jwk]}, separators=(",", ":")))
now = int(time.time())
claims = {"iss": issuer, "aud": [audience], "sub": "system:serviceaccount:default:test", "iat": now, "nbf": now, "exp": now + 600}
token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
with open(token_out, "w") as f:
    f.write(token)
print(kid)
