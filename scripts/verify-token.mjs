// Verifies a Kiosk access token offline, as a publisher backend would:
//   node scripts/verify-token.mjs "$ACCESS"
// Node 18+, no packages. KIOSK_URL (default http://127.0.0.1:8080),
// KIOSK_ISSUER and KIOSK_AUDIENCE (default kiosk) say what to expect.
import { createPublicKey, verify } from "node:crypto";

const base = process.env.KIOSK_URL ?? "http://127.0.0.1:8080";
const issuer = process.env.KIOSK_ISSUER ?? "kiosk";
const audience = process.env.KIOSK_AUDIENCE ?? "kiosk";
const token = process.argv[2] ?? "";
const [h, p, s] = token.split(".");
const header = JSON.parse(Buffer.from(h ?? "", "base64url"));
const claims = JSON.parse(Buffer.from(p ?? "", "base64url"));
// Pin the algorithm and the token type; never trust a key named in the token.
if (header.alg !== "EdDSA" || header.typ !== "at+jwt" || header.jku || header.jwk) {
  throw new Error("not a Kiosk access token");
}

// Cache this in real use (Kiosk serves it with max-age=300); refetch on an unknown kid.
const jwks = await (await fetch(`${base}/.well-known/jwks.json`)).json();
const jwk = jwks.keys.find((k) => k.kid === header.kid);
if (!jwk) throw new Error(`unknown kid ${header.kid}`);

const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: "jwk" });
const signed = verify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(s ?? "", "base64url"));
const now = Math.floor(Date.now() / 1000);
if (!signed || claims.iss !== issuer || claims.aud !== audience || !(claims.exp > now)) {
  throw new Error("invalid token");
}
console.log(`valid: member ${claims.sub}, expires ${new Date(claims.exp * 1000).toISOString()}`);
