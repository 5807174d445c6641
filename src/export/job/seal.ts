// Sealing a finished package for an order that names delivery.recipientKey: the assembled ZIP is replaced in
// R2 by its compact JWE (package/encrypt.ts), so only the requester can open what is stored and handed over.
// The JWE is made whole in memory (RFC 7516 compact form has one ciphertext), so a ZIP over
// MAX_SEALED_ZIP_BYTES fails production with a clear error instead of breaking the memory bound, and is never
// delivered unencrypted. Design: LAWFUL_ACCESS.md "Lifecycle" (Delivery).

import { sha256Hex } from "../audit/entry";
import { encryptPackage } from "../package/encrypt";
import type { ProducedPackage, ProductionInput } from "./types";

/** The ZIP, its ciphertext and the base64url JWE text (about 3.4 times the ZIP together) stay inside a 128 MB isolate. */
export const MAX_SEALED_ZIP_BYTES = 16 * 1024 * 1024;

export const SEALED_CONTENT_TYPE = "application/jose";

/** Production cannot finish as asked: the job fails (retrying would not help). */
export class SealRefused extends Error {}

/** Unique per attempt: a runner that loses the race to finish deletes only its own object. */
export function sealedKey(orderId: string, nonce: string): string {
	return `lawful/packages/${orderId}-${nonce}.zip.jwe`;
}

export function isSealedKey(key: string): boolean {
	return key.endsWith(".zip.jwe");
}

/** The package as delivered: the ZIP itself, or (with a recipient key) its JWE in place of it. */
export async function sealPackage(env: Pick<Env, "EVIDENCE">, input: ProductionInput, zip: ProducedPackage, nonce: string): Promise<ProducedPackage> {
	const recipientKey = input.recipientKey ?? null;
	if (recipientKey === null) return zip;
	if (zip.bytes > MAX_SEALED_ZIP_BYTES) {
		await env.EVIDENCE.delete(zip.key);
		throw new SealRefused(`the package (${zip.bytes} bytes) is over the ${MAX_SEALED_ZIP_BYTES} bytes that can be encrypted to the recipient key; narrow the order`);
	}
	const object = await env.EVIDENCE.get(zip.key);
	if (object === null) throw new Error("the assembled package is missing from R2");
	// Compact JWE is ASCII: its text's UTF-8 bytes are the bytes delivered.
	const jwe = await encryptPackage(new Uint8Array(await object.arrayBuffer()), recipientKey);
	const key = sealedKey(input.orderId, nonce);
	await env.EVIDENCE.put(key, jwe, { httpMetadata: { contentType: SEALED_CONTENT_TYPE } });
	// The plain ZIP never outlives its JWE.
	await env.EVIDENCE.delete(zip.key);
	return { key, sha256: await sha256Hex(jwe), bytes: jwe.length };
}
