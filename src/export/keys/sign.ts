// Signing with the provider key: delivery.jws (detached, over tagmanifest-sha256.txt), audit checkpoints and
// transparency reports. Compact JWS (RFC 7515) with alg EdDSA; `iat` in the protected header says when it was
// signed, so a verifier can check the kid was valid then (the JWKS lists each key's validity).
// Design: LAWFUL_ACCESS.md "Package" and "API" → provider-keys.

import { base64url, CompactSign } from "jose";
import { getConfig } from "../../platform/config";
import { getProviderKey } from "./provider-key";

export interface ProviderSignOptions {
	/** The JWS `typ`, e.g. "lawful-delivery+jws", "lawful-checkpoint+jws", "lawful-transparency+jws". */
	typ: string;
	/**
	 * RFC 7515 Appendix F: the payload is signed as usual but left out of the serialisation
	 * (`header..signature`); the verifier supplies the bytes (delivery.jws over the tag manifest).
	 */
	detached?: boolean;
	/** Signing time in ms (default the wall clock). */
	now?: number;
}

export interface ProviderSignature {
	jws: string;
	kid: string;
}

export type ProviderKeyEnv = Pick<Env, "DB"> & Parameters<typeof getConfig>[0];

const encoder = new TextEncoder();

export async function signWithProviderKey(env: ProviderKeyEnv, payload: Uint8Array | string, opts: ProviderSignOptions): Promise<ProviderSignature> {
	const now = opts.now ?? Date.now();
	const key = await getProviderKey(env.DB, getConfig(env), now);
	const bytes = typeof payload === "string" ? encoder.encode(payload) : payload;
	const jws = await new CompactSign(bytes)
		.setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: opts.typ, iat: Math.floor(now / 1000) })
		.sign(key.privateKey);
	if (!opts.detached) return { jws, kid: key.kid };
	const [header, , signature] = jws.split(".");
	return { jws: `${header}..${signature}`, kid: key.kid };
}

/** Re-attaches a detached payload so any JWS library can verify it. */
export function attachPayload(detachedJws: string, payload: Uint8Array | string): string {
	const [header, middle, signature] = detachedJws.split(".");
	if (middle !== "" || header === undefined || signature === undefined) throw new Error("not a detached compact JWS");
	return `${header}.${base64url.encode(typeof payload === "string" ? encoder.encode(payload) : payload)}.${signature}`;
}
