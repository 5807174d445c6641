// The provider's own lawful-access signing key (Ed25519, separate from the Matrix federation key) and the
// keys it replaced. Production: LAWFUL_PROVIDER_KEY (a private JWK secret). Otherwise: generated on first
// use and kept in D1. Past keys stay published with their validity so old packages and reports verify.
// Design: LAWFUL_ACCESS.md "API" → provider-keys, "Package" → delivery.jws; issue 5 "Provider keys".

import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { Config } from "../../platform/config";
import { insertCurrentIfNone, type ProviderKeyRow, replaceCurrent, selectProviderKeys } from "./provider-key-store";

export interface ProviderSigningKey {
	kid: string;
	privateKey: CryptoKey;
	publicJwk: PublicProviderJwk;
}

/** A public Ed25519 JWK as published in the JWKS. */
export interface PublicProviderJwk {
	kty: "OKP";
	crv: "Ed25519";
	x: string;
	kid: string;
	alg: "EdDSA";
	use: "sig";
}

export interface ProviderKeyRecord {
	kid: string;
	publicJwk: PublicProviderJwk;
	/** Milliseconds since the epoch. */
	notBefore: number;
	/** null while current. */
	notAfter: number | null;
}

/** How long an isolate trusts its memoised keys; a rotation in another isolate reaches this one within it. */
const REFRESH_MS = 60_000;
let memo: { db: D1Database; loadedMs: number; current: Promise<ProviderSigningKey> } | undefined;

/** Parses and checks an Ed25519 private JWK (the LAWFUL_PROVIDER_KEY secret or a stored row). */
export async function parsePrivateJwk(text: string): Promise<{ kid: string; privateJwk: JWK; publicJwk: PublicProviderJwk }> {
	const jwk = JSON.parse(text) as JWK;
	if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string" || typeof jwk.d !== "string") {
		throw new Error("the provider key must be a private Ed25519 JWK (kty OKP, crv Ed25519, x and d)");
	}
	// The RFC 7638 thumbprint names the key unless the operator chose a kid: stable and collision-free.
	const kid = typeof jwk.kid === "string" && jwk.kid !== "" ? jwk.kid : await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: jwk.x });
	return { kid, privateJwk: { ...jwk, kid }, publicJwk: { kty: "OKP", crv: "Ed25519", x: jwk.x, kid, alg: "EdDSA", use: "sig" } };
}

/** A fresh Ed25519 key as private JWK text, kid = its thumbprint. */
export async function generateProviderJwk(): Promise<string> {
	const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
	const jwk = await exportJWK(privateKey);
	return JSON.stringify({ ...jwk, kid: await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: jwk.x }) });
}

async function toSigningKey(privateJwkText: string): Promise<ProviderSigningKey> {
	const { kid, privateJwk, publicJwk } = await parsePrivateJwk(privateJwkText);
	const privateKey = await importJWK(privateJwk, "EdDSA");
	if (privateKey instanceof Uint8Array) throw new Error("provider key imported as a secret");
	return { kid, privateKey, publicJwk };
}

async function rowFor(privateJwkText: string, keepPrivate: boolean, now: number): Promise<Omit<ProviderKeyRow, "not_after">> {
	const { kid, publicJwk } = await parsePrivateJwk(privateJwkText);
	return { kid, public_jwk: JSON.stringify(publicJwk), private_jwk: keepPrivate ? privateJwkText : null, not_before: now };
}

async function load(db: D1Database, config: Pick<Config, "lawfulProviderKey">, now: number): Promise<ProviderSigningKey> {
	const rows = await selectProviderKeys(db);
	const current = rows.find((r) => r.not_after === null);
	if (config.lawfulProviderKey !== undefined) {
		const configured = await toSigningKey(config.lawfulProviderKey);
		// Record the secret's public half, so the JWKS keeps listing it after the secret is rotated.
		if (current?.kid !== configured.kid) await replaceCurrent(db, await rowFor(config.lawfulProviderKey, false, now), now);
		return configured;
	}
	if (current?.private_jwk) return toSigningKey(current.private_jwk);
	const generated = await rowFor(await generateProviderJwk(), true, now);
	// A current row without a private half came from a secret that is gone: retire it for a generated key.
	const stored = current ? (await replaceCurrent(db, generated, now), generated) : await insertCurrentIfNone(db, generated);
	if (!stored.private_jwk) throw new Error("current provider key has no private half");
	return toSigningKey(stored.private_jwk);
}

/** The key to sign with now (memoised per isolate for REFRESH_MS). */
export function getProviderKey(db: D1Database, config: Pick<Config, "lawfulProviderKey">, now: number): Promise<ProviderSigningKey> {
	if (!memo || memo.db !== db || now - memo.loadedMs > REFRESH_MS) {
		const current = load(db, config, now);
		memo = { db, loadedMs: now, current };
		// A failed load (D1 down) must not stick in the memo.
		current.catch(() => {
			if (memo?.current === current) memo = undefined;
		});
	}
	return memo.current;
}

/** Every key ever used, oldest first, with its validity (after making sure a current key exists). */
export async function listProviderKeys(db: D1Database, config: Pick<Config, "lawfulProviderKey">, now: number): Promise<ProviderKeyRecord[]> {
	await getProviderKey(db, config, now);
	const rows = await selectProviderKeys(db);
	return rows.map((r) => ({ kid: r.kid, publicJwk: JSON.parse(r.public_jwk) as PublicProviderJwk, notBefore: r.not_before, notAfter: r.not_after }));
}

/**
 * Rotates a locally generated key: the current one is retired at `now` (it stays in the JWKS) and a new
 * one signs from now on. With LAWFUL_PROVIDER_KEY set, rotation means replacing that secret instead.
 */
export async function rotateProviderKey(db: D1Database, config: Pick<Config, "lawfulProviderKey">, now: number): Promise<{ retired: string | null; current: string }> {
	if (config.lawfulProviderKey !== undefined) throw new Error("the provider key comes from LAWFUL_PROVIDER_KEY: rotate that secret instead");
	const previous = (await selectProviderKeys(db)).find((r) => r.not_after === null);
	const next = await rowFor(await generateProviderJwk(), true, now);
	await replaceCurrent(db, next, now);
	memo = undefined;
	return { retired: previous?.kid ?? null, current: next.kid };
}
