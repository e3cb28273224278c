// Verifies a Kiosk token offline, as a publisher backend or CDN edge would:
//   KIOSK_URL=http://127.0.0.1:8080 node scripts/verify-token.mjs "$TOKEN" [access|check|decision]
// Node 18+, no packages. KIOSK_URL is the server whose public keys
// (/.well-known/jwks.json) verify the token (default http://127.0.0.1:8080);
// KIOSK_ISSUER and KIOSK_AUDIENCE (default kiosk) say what to expect.
import { createPublicKey, verify } from "node:crypto";

const usage =
  'usage: KIOSK_URL=http://127.0.0.1:8080 node scripts/verify-token.mjs "$TOKEN" [access|check|decision]';
const base = (process.env.KIOSK_URL || "http://127.0.0.1:8080").replace(/\/+$/, "");
const issuer = process.env.KIOSK_ISSUER ?? "kiosk";
const audience = process.env.KIOSK_AUDIENCE ?? "kiosk";
const token = process.argv[2] ?? "";
const kind = process.argv[3] ?? "access";
if (!token) {
  console.error(usage);
  process.exit(2);
}
// Each kind has its own typ and aud: pin both, so no kind passes for another.
const kinds = {
  access: { typ: "at+jwt", aud: audience },
  check: { typ: "kiosk-check+jwt", aud: `${audience}:check` },
  decision: { typ: "kiosk-decision+jwt", aud: `${audience}:decision` },
};
const expected = kinds[kind];
if (!expected) throw new Error(`unknown kind ${kind}: access, check or decision\n${usage}`);
const [h, p, s] = token.split(".");
const header = JSON.parse(Buffer.from(h ?? "", "base64url"));
const claims = JSON.parse(Buffer.from(p ?? "", "base64url"));
// Pin the algorithm and the token type; never trust a key named in the token.
if (header.alg !== "EdDSA" || header.typ !== expected.typ || header.jku || header.jwk) {
  throw new Error(`not a Kiosk ${kind} token`);
}

// Cache this in real use (Kiosk serves it with max-age=300); refetch on an unknown kid.
const jwks = await (await fetch(`${base}/.well-known/jwks.json`)).json();
const jwk = jwks.keys.find((k) => k.kid === header.kid);
if (!jwk) throw new Error(`unknown kid ${header.kid}`);

const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: "jwk" });
const signed = verify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(s ?? "", "base64url"));
const now = Math.floor(Date.now() / 1000);
const leeway = 60;
if (
  !signed ||
  claims.iss !== issuer ||
  claims.aud !== expected.aud ||
  !(claims.exp > now) ||
  (claims.nbf !== undefined && !(claims.nbf <= now + leeway))
) {
  throw new Error("invalid token");
}
console.log(`valid ${kind} token: ${claims.sub}, expires ${new Date(claims.exp * 1000).toISOString()}`);
