// What /keys/query returns about one local user, read in that user's UserDO: device keys with their
// display names, and cross-signing keys with the signatures the requester may see.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3keysquery
// Visibility: the user-signing key only to its owner; signatures over a master key from the owner's
// devices to everyone, from another user's user-signing key only to that user (added by the route
// from the requester's own UserDO via `signaturesOver`).

import type { CrossSigningUsage } from "../../../protocol/e2ee/key-objects";
import type { JsonObject } from "../../../protocol/events/pdu";
import { CrossSigningStore, type StoredSignature } from "./cross-signing-store";
import type { E2eeDeps } from "./deps";
import { DeviceKeysStore } from "./device-keys-store";

export interface UserKeys {
	device_keys: Record<string, JsonObject>;
	master_key?: JsonObject;
	self_signing_key?: JsonObject;
	user_signing_key?: JsonObject;
}

/** Adds `signer`'s stored signatures to a signed object (a copy; the stored JSON is not changed). */
export function withSignatures(obj: JsonObject, signer: string, sigs: readonly StoredSignature[]): JsonObject {
	if (sigs.length === 0) return obj;
	const existing = (obj.signatures ?? {}) as Record<string, Record<string, string>>;
	const mine = { ...(existing[signer] ?? {}) };
	for (const s of sigs) mine[s.signing_key_id] = s.signature;
	return { ...obj, signatures: { ...existing, [signer]: mine } };
}

/** The public key of a stored cross-signing key: the one entry of its `keys`. */
export function publicKeyOf(key: JsonObject): string | undefined {
	const keys = key.keys;
	if (typeof keys !== "object" || keys === null || Array.isArray(keys)) return undefined;
	const first = Object.values(keys)[0];
	return typeof first === "string" ? first : undefined;
}

export class KeyQuery {
	private readonly devices: DeviceKeysStore;
	private readonly crossSigning: CrossSigningStore;

	constructor(private readonly deps: E2eeDeps) {
		this.devices = new DeviceKeysStore(deps.sql);
		this.crossSigning = new CrossSigningStore(deps.sql);
	}

	/** The user's keys for `deviceIds` (all devices when empty). Unknown users answer empty. */
	query(userId: string, deviceIds: readonly string[], requester: string): UserKeys {
		const owner = this.deps.owner();
		const out: UserKeys = { device_keys: {} };
		if (owner === null || owner !== userId) return out;
		const rows = this.devices.listDeviceKeys(deviceIds);
		const sigs = this.crossSigning.signaturesOver(owner, rows.map((r) => r.device_id));
		for (const r of rows) {
			const stored = JSON.parse(r.key_json) as JsonObject;
			const signed = withSignatures(stored, owner, sigs.filter((s) => s.target_key_id === r.device_id));
			const unsigned = { ...((signed.unsigned as JsonObject | undefined) ?? {}) };
			if (r.display_name !== null) unsigned.device_display_name = r.display_name;
			out.device_keys[r.device_id] = { ...signed, unsigned };
		}
		const usages: CrossSigningUsage[] = owner === requester ? ["master", "self_signing", "user_signing"] : ["master", "self_signing"];
		for (const usage of usages) {
			const json = this.crossSigning.getKey(usage);
			if (json === null) continue;
			const key = JSON.parse(json) as JsonObject;
			const pub = publicKeyOf(key);
			const own = pub === undefined ? [] : this.crossSigning.signaturesOver(owner, [pub]);
			out[`${usage}_key`] = withSignatures(key, owner, own);
		}
		return out;
	}

	/** Signatures this user made over other users' keys: the requester's half of the visibility rule. */
	signaturesOver(targets: Readonly<Record<string, string>>): Record<string, StoredSignature[]> {
		const out: Record<string, StoredSignature[]> = {};
		for (const [userId, keyId] of Object.entries(targets)) out[userId] = this.crossSigning.signaturesOver(userId, [keyId]);
		return out;
	}
}
