// Shapes of the E2EE key objects clients upload: device keys, one-time/fallback key maps, cross-signing keys.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3keysupload
//       https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3keysdevice_signingupload
// Only the envelope is checked (IDs, key maps, signature maps); key material stays opaque and is stored
// exactly as given, since it carries the client's signatures.

import type { JsonObject, JsonValue } from "../events/pdu";

function isObject(v: JsonValue | undefined): v is JsonObject {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isStringArray(v: JsonValue | undefined): v is string[] {
	return Array.isArray(v) && v.every((x) => typeof x === "string");
}

function isStringMap(v: JsonValue | undefined): v is Record<string, string> {
	return isObject(v) && Object.values(v).every((x) => typeof x === "string");
}

/** `{ "<user id>": { "<algorithm>:<key id>": "<signature>" } }` */
export function isSignatureMap(v: JsonValue | undefined): v is Record<string, Record<string, string>> {
	return isObject(v) && Object.values(v).every(isStringMap);
}

/** Splits `<algorithm>:<key_id>` at the first colon; both parts must be non-empty. */
export function splitKeyId(id: string): { algorithm: string; keyId: string } | undefined {
	const colon = id.indexOf(":");
	if (colon <= 0 || colon === id.length - 1) return undefined;
	return { algorithm: id.slice(0, colon), keyId: id.slice(colon + 1) };
}

/** Why a device_keys object was refused; `undefined` from checkDeviceKeys means it is acceptable. */
export type DeviceKeysProblem = "shape" | "wrong_user" | "wrong_device";

/**
 * device_keys must name the uploading user and device ("must match the device ID used when logging in")
 * and carry algorithms, keys and signatures of the right types.
 */
export function checkDeviceKeys(v: JsonValue | undefined, userId: string, deviceId: string): DeviceKeysProblem | undefined {
	if (!isObject(v)) return "shape";
	if (typeof v.user_id !== "string" || typeof v.device_id !== "string") return "shape";
	if (!isStringArray(v.algorithms) || !isStringMap(v.keys) || !isSignatureMap(v.signatures)) return "shape";
	if (!Object.keys(v.keys).every((k) => splitKeyId(k) !== undefined)) return "shape";
	if (v.user_id !== userId) return "wrong_user";
	if (v.device_id !== deviceId) return "wrong_device";
	return undefined;
}

export interface OneTimeKeyEntry {
	algorithm: string;
	keyId: string;
	/** The key as uploaded: a bare base64 string or a signed object. */
	key: string | JsonObject;
}

/**
 * A one_time_keys / fallback_keys map: `"<algorithm>:<key id>"` → string or object with a string `key`.
 * Returns undefined for any malformed entry, so nothing of a bad upload is stored.
 */
export function parseOneTimeKeyMap(v: JsonValue | undefined): OneTimeKeyEntry[] | undefined {
	if (v === undefined) return [];
	if (!isObject(v)) return undefined;
	const out: OneTimeKeyEntry[] = [];
	for (const [id, key] of Object.entries(v)) {
		const split = splitKeyId(id);
		if (split === undefined) return undefined;
		if (typeof key === "string") out.push({ ...split, key });
		else if (isObject(key) && typeof key.key === "string" && (key.signatures === undefined || isSignatureMap(key.signatures))) {
			out.push({ ...split, key });
		} else return undefined;
	}
	return out;
}

export type CrossSigningUsage = "master" | "self_signing" | "user_signing";
export const CROSS_SIGNING_USAGES: readonly CrossSigningUsage[] = ["master", "self_signing", "user_signing"];

export interface CrossSigningKey {
	json: JsonObject;
	/** The unpadded base64 public key: the key's ID in `ed25519:<key>` and in /keys/signatures/upload. */
	publicKey: string;
}

/**
 * A cross-signing key: `user_id` is the uploader, `usage` contains the expected usage, and `keys` holds
 * exactly one `ed25519:<public key>` whose ID repeats the key. Spec: definitions/cross_signing_key.yaml.
 */
export function parseCrossSigningKey(v: JsonValue | undefined, userId: string, usage: CrossSigningUsage): CrossSigningKey | undefined {
	if (!isObject(v) || v.user_id !== userId || !isStringArray(v.usage) || !v.usage.includes(usage)) return undefined;
	if (!isStringMap(v.keys) || (v.signatures !== undefined && !isSignatureMap(v.signatures))) return undefined;
	const entries = Object.entries(v.keys);
	if (entries.length !== 1) return undefined;
	const [id, publicKey] = entries[0]!;
	if (id !== `ed25519:${publicKey}` || publicKey === "") return undefined;
	return { json: v, publicKey };
}
