// Checking a signature a user uploads over one of their keys or another user's master key.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3keyssignaturesupload
//       https://spec.matrix.org/latest/appendices/#checking-for-a-signature

import { verifyJson } from "../crypto/sign-json";
import type { JsonObject } from "../events/pdu";
import { canonicalJson } from "../json/canonical";

/** Canonical JSON of the signed part (no `signatures`, no `unsigned`), or undefined if it has none. */
function signedContent(obj: JsonObject): string | undefined {
	const { signatures: _s, unsigned: _u, ...rest } = obj;
	try {
		return canonicalJson(rest);
	} catch {
		return undefined;
	}
}

/** True when both objects carry the same signed content: an uploaded signature is over the stored key. */
export function sameSignedContent(a: JsonObject, b: JsonObject): boolean {
	const ca = signedContent(a);
	return ca !== undefined && ca === signedContent(b);
}

/** True when the two objects are the same JSON, signatures included (key order ignored). */
export function sameJson(a: JsonObject, b: JsonObject): boolean {
	try {
		return canonicalJson(a) === canonicalJson(b);
	} catch {
		return false;
	}
}

/** The signature `obj.signatures[signer][keyId]` if it verifies with `publicKey`, else undefined. */
export async function validSignature(obj: JsonObject, signer: string, keyId: string, publicKey: string): Promise<string | undefined> {
	try {
		if ((await verifyJson(obj, signer, keyId, publicKey)) !== undefined) return undefined;
	} catch {
		// Not canonicalisable or not a usable key: not a valid signature either way.
		return undefined;
	}
	const sigs = obj.signatures as Record<string, Record<string, string>>;
	return sigs[signer]![keyId];
}
