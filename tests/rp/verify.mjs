#!/usr/bin/env node
// Relying-party check (DESIGN §5): a real OIDC library, npm `jose`, discovers the issuer the way
// AWS IAM / Azure AD / Vault do — GET <issuer>/.well-known/openid-configuration, follow jwks_uri —
// and verifies a token against the published JWKS.
//
// usage: node verify.mjs --issuer URL --token-file FILE [--audience AUD]
// exit 0: verified (prints the kid and claims as JSON); exit 1: rejected; exit 2: usage error.
import { readFileSync } from "node:fs";
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from "jose";

function usage(msg) {
  console.error(`verify.mjs: ${msg}\nusage: node verify.mjs --issuer URL --token-file FILE [--audience AUD]`);
  process.exit(2);
}

const args = { issuer: null, tokenFile: null, audience: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const value = argv[i + 1];
  switch (argv[i]) {
    case "--issuer": args.issuer = value; i++; break;
    case "--token-file": args.tokenFile = value; i++; break;
    case "--audience": args.audience = value; i++; break;
    default: usage(`unknown argument ${argv[i]}`);
  }
}
if (!args.issuer || !args.tokenFile) usage("--issuer and --token-file are required");

try {
  const token = readFileSync(args.tokenFile, "utf8").trim();
  const discoveryUrl = new URL(args.issuer.replace(/\/$/, "") + "/.well-known/openid-configuration");
  const res = await fetch(discoveryUrl);
  if (!res.ok) throw new Error(`GET ${discoveryUrl}: HTTP ${res.status}`);
  const discovery = await res.json();
  // Relying parties insist that the document names the issuer they were configured with.
  if (discovery.issuer !== args.issuer) {
    throw new Error(`discovery issuer ${JSON.stringify(discovery.issuer)} != ${JSON.stringify(args.issuer)}`);
  }
  if (typeof discovery.jwks_uri !== "string") throw new Error("discovery document has no jwks_uri");
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  const options = { issuer: args.issuer };
  if (args.audience) options.audience = args.audience;
  const { payload } = await jwtVerify(token, jwks, options);
  const { kid, alg } = decodeProtectedHeader(token);
  console.log(JSON.stringify({ verified: true, kid, alg, claims: payload }));
  process.exit(0);
} catch (err) {
  console.error(`verify.mjs: token rejected: ${err.code ?? err.name}: ${err.message}`);
  process.exit(1);
}
