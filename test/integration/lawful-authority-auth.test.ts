// RFC 9421 authority request signatures inside workerd (the http-message-signatures library, WebCrypto):
// good Ed25519 and P-256 signatures, and every refusal: bad signature, other method or URL, expired or
// too-far expires, unknown or revoked keyid, wrong alg, missing headers, replayed nonce.

import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { useNonce } from "../../src/export/authority-auth/nonce-store";
import type { AuthorityJwk } from "../../src/export/authority-auth/rfc9421-keys";
import { signAuthorityRequest } from "../../src/export/authority-auth/sign-request";
import { type AuthorityKeyInfo, verifyAuthorityRequest } from "../../src/export/authority-auth/verify-request";
import { LaError } from "../../src/export/order/la-errors";

async function keyPair(alg: "EdDSA" | "ES256"): Promise<{ priv: AuthorityJwk; pub: AuthorityJwk }> {
	const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
	const priv = await exportJWK(privateKey);
	const pub = await exportJWK(publicKey);
	return { priv: { kty: priv.kty ?? "", crv: priv.crv ?? "", x: priv.x ?? "", y: priv.y, d: priv.d }, pub: { kty: pub.kty ?? "", crv: pub.crv ?? "", x: pub.x ?? "", y: pub.y } };
}

const ed = await keyPair("EdDSA");
const ec = await keyPair("ES256");
const other = await keyPair("EdDSA");
const NOW = 1_800_000_000_000;
const URL1 = "https://hs.example/_lawful/v1/orders/1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed";

const pinned: Record<string, AuthorityKeyInfo> = {
	"fbi-2026": { authorityId: "us-fbi", jwk: ed.pub, usability: "usable" },
	"nca-p256": { authorityId: "uk-nca", jwk: ec.pub, usability: "usable" },
	"fbi-old": { authorityId: "us-fbi", jwk: ed.pub, usability: "revoked" },
	"fbi-future": { authorityId: "us-fbi", jwk: ed.pub, usability: "not-valid-at-time" },
};
const lookup = (kid: string) => pinned[kid];

async function signed(kid: string, jwk: AuthorityJwk, opts: { method?: string; url?: string; created?: number; expires?: number; nonce?: string } = {}) {
	const sig = await signAuthorityRequest(opts.method ?? "GET", opts.url ?? URL1, { kid, jwk }, {
		created: opts.created ?? NOW,
		expires: opts.expires,
		nonce: opts.nonce ?? "n-0123456789abcdef0123",
	});
	return { method: "GET", url: URL1, headers: new Headers(sig) };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
	try {
		await promise;
	} catch (e) {
		if (e instanceof LaError) return { code: e.code, status: e.status };
		throw e;
	}
	throw new Error("expected a refusal");
}

describe("RFC 9421 authority request signatures", () => {
	it("accepts a good ed25519 signature and names the authority and key", async () => {
		const req = await signed("fbi-2026", ed.priv);
		expect(req.headers.get("signature-input")).toMatch(/^sig1=\("@method" "@target-uri"\);created=\d+;expires=\d+;nonce="[^"]+";keyid="fbi-2026";alg="ed25519"$/);
		expect(await verifyAuthorityRequest(req, lookup, NOW + 1000)).toEqual({ authorityId: "us-fbi", kid: "fbi-2026", nonce: "n-0123456789abcdef0123", expiresMs: NOW + 300_000 });
	});

	it("accepts a good ecdsa-p256-sha256 signature", async () => {
		expect(await verifyAuthorityRequest(await signed("nca-p256", ec.priv), lookup, NOW)).toMatchObject({ authorityId: "uk-nca", kid: "nca-p256" });
	});

	it("refuses a signature by another key, and one over another method or URL", async () => {
		expect(await refusal(verifyAuthorityRequest(await signed("fbi-2026", other.priv), lookup, NOW))).toEqual({ code: "LA_SIG_INVALID", status: 401 });
		expect(await refusal(verifyAuthorityRequest(await signed("fbi-2026", ed.priv, { method: "POST" }), lookup, NOW))).toEqual({ code: "LA_SIG_INVALID", status: 401 });
		expect(await refusal(verifyAuthorityRequest(await signed("fbi-2026", ed.priv, { url: `${URL1}/updates` }), lookup, NOW))).toEqual({ code: "LA_SIG_INVALID", status: 401 });
	});

	it("refuses expired signatures and expires more than 5 minutes away", async () => {
		expect(await refusal(verifyAuthorityRequest(await signed("fbi-2026", ed.priv), lookup, NOW + 301_000))).toMatchObject({ code: "LA_UNAUTHENTICATED", status: 401 });
		const far = await signed("fbi-2026", ed.priv, { expires: NOW + 3_600_000 });
		expect(await refusal(verifyAuthorityRequest(far, lookup, NOW))).toMatchObject({ code: "LA_UNAUTHENTICATED", status: 401 });
		const future = await signed("fbi-2026", ed.priv, { created: NOW + 120_000 });
		expect(await refusal(verifyAuthorityRequest(future, lookup, NOW))).toMatchObject({ code: "LA_UNAUTHENTICATED" });
	});

	it("refuses an unknown keyid, a revoked key and a key outside its validity", async () => {
		expect(await refusal(verifyAuthorityRequest(await signed("nobody", ed.priv), lookup, NOW))).toEqual({ code: "LA_KEY_UNKNOWN", status: 401 });
		expect(await refusal(verifyAuthorityRequest(await signed("fbi-old", ed.priv), lookup, NOW))).toEqual({ code: "LA_KEY_REVOKED", status: 401 });
		expect(await refusal(verifyAuthorityRequest(await signed("fbi-future", ed.priv), lookup, NOW))).toEqual({ code: "LA_KEY_NOT_VALID_AT_TIME", status: 401 });
	});

	it("refuses missing headers, a missing nonce and uncovered components", async () => {
		expect(await refusal(verifyAuthorityRequest({ method: "GET", url: URL1, headers: new Headers() }, lookup, NOW))).toMatchObject({ code: "LA_UNAUTHENTICATED" });
		const req = await signed("fbi-2026", ed.priv);
		const noNonce = new Headers(req.headers);
		noNonce.set("signature-input", (req.headers.get("signature-input") ?? "").replace(/;nonce="[^"]+"/, ""));
		expect(await refusal(verifyAuthorityRequest({ ...req, headers: noNonce }, lookup, NOW))).toMatchObject({ code: "LA_UNAUTHENTICATED" });
		const methodOnly = new Headers(req.headers);
		methodOnly.set("signature-input", (req.headers.get("signature-input") ?? "").replace(' "@target-uri"', ""));
		expect(await refusal(verifyAuthorityRequest({ ...req, headers: methodOnly }, lookup, NOW))).toMatchObject({ code: "LA_UNAUTHENTICATED" });
	});

	it("refuses an alg that does not match the pinned key", async () => {
		const req = await signed("nca-p256", ec.priv);
		const h = new Headers(req.headers);
		h.set("signature-input", (req.headers.get("signature-input") ?? "").replace('alg="ecdsa-p256-sha256"', 'alg="ed25519"'));
		expect(await refusal(verifyAuthorityRequest({ ...req, headers: h }, lookup, NOW))).toMatchObject({ code: "LA_ALG_NOT_ALLOWED" });
	});

	it("uses each nonce once per key", async () => {
		expect(await useNonce(env.DB, "fbi-2026", "nonce-aaaaaaaaaaaaaaaa", NOW + 300_000, NOW)).toBe(true);
		expect(await useNonce(env.DB, "fbi-2026", "nonce-aaaaaaaaaaaaaaaa", NOW + 300_000, NOW + 1000)).toBe(false);
		expect(await useNonce(env.DB, "nca-p256", "nonce-aaaaaaaaaaaaaaaa", NOW + 300_000, NOW)).toBe(true);
	});
});
