// One user's device keys, one-time keys and fallback keys: upload and atomic claim.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3keysupload
//       https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3keysclaim
// A claim runs as one synchronous SQL step inside the UserDO, so concurrent claims queue up and no
// one-time key is ever handed out twice.

import type { OneTimeKeyEntry } from "../../../protocol/e2ee/key-objects";
import type { RpcResult } from "../../../protocol/errors";
import type { JsonObject, JsonValue } from "../../../protocol/events/pdu";
import { appendDeviceListChange } from "./device-list-store";
import { DeviceKeysStore } from "./device-keys-store";
import { checkOwner, type E2eeDeps } from "./deps";
import { oneTimeKeyCounts } from "./sync-sections";

/** The body of POST /keys/upload after the route checked its shape and IDs. */
export interface KeysUpload {
	/** Already checked to name the uploading user and device. */
	device_keys?: JsonObject;
	one_time_keys: OneTimeKeyEntry[];
	fallback_keys: OneTimeKeyEntry[];
}

export interface KeysUploadResult {
	one_time_key_counts: Record<string, number>;
	/** True when the device keys are new or different: the route then tells users who share a room. */
	device_keys_changed: boolean;
}

/** `{ "<user>": { "<device>": { "<algorithm>:<key id>": key } } }` for one user: device → keys. */
export type ClaimedKeys = Record<string, Record<string, JsonValue>>;

const bad = (error: string) => ({ ok: false, errcode: "M_INVALID_PARAM", error }) as const;

export class DeviceKeys {
	private readonly store: DeviceKeysStore;

	constructor(private readonly deps: E2eeDeps) {
		this.store = new DeviceKeysStore(deps.sql);
	}

	upload(userId: string, deviceId: string, upload: KeysUpload, nowTs: number): RpcResult<KeysUploadResult> {
		const owner = checkOwner(this.deps, userId);
		if (!owner.ok) return owner;
		const exists = this.deps.sql.exec("SELECT 1 FROM devices WHERE device_id = ?", deviceId).toArray().length > 0;
		if (!exists) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown device" };
		const fallbackAlgorithms = new Set<string>();
		for (const k of upload.fallback_keys) {
			// "There can only be at most one key per algorithm uploaded."
			if (fallbackAlgorithms.has(k.algorithm)) return bad(`More than one fallback key for ${k.algorithm}`);
			fallbackAlgorithms.add(k.algorithm);
		}
		// Checks first, writes after: a refused upload stores nothing.
		const newOneTimeKeys: OneTimeKeyEntry[] = [];
		for (const k of upload.one_time_keys) {
			const existing = this.store.getOneTimeKey(deviceId, k.algorithm, k.keyId);
			if (existing === null) newOneTimeKeys.push(k);
			// Re-sending the same key (a retried request) is fine; reusing its ID for another key is not.
			else if (existing !== JSON.stringify(k.key)) return bad(`One-time key ${k.algorithm}:${k.keyId} already exists`);
		}
		const keysJson = upload.device_keys === undefined ? undefined : JSON.stringify(upload.device_keys);
		const changed = keysJson !== undefined && this.store.getDeviceKeys(deviceId) !== keysJson;
		this.deps.transaction(() => {
			if (changed) {
				this.store.setDeviceKeys(deviceId, keysJson, nowTs);
				// The user's own other devices see the change through their own device-list stream.
				appendDeviceListChange(this.deps.sql, userId, "changed", nowTs);
			}
			for (const k of newOneTimeKeys) this.store.addOneTimeKey(deviceId, k.algorithm, k.keyId, JSON.stringify(k.key));
			for (const k of upload.fallback_keys) {
				const json = JSON.stringify(k.key);
				const current = this.store.getFallbackKey(deviceId, k.algorithm);
				// The same key again keeps its `used` flag; a new key starts unused.
				if (current === null || current.key_id !== k.keyId || current.key_json !== json) {
					this.store.setFallbackKey(deviceId, k.algorithm, k.keyId, json);
				}
			}
		});
		this.deps.changed();
		return { ok: true, value: { one_time_key_counts: oneTimeKeyCounts(this.deps.sql, deviceId), device_keys_changed: changed } };
	}

	/**
	 * Claims one key per requested device: the oldest one-time key of the algorithm, else the fallback key
	 * (marked used, never deleted). Devices without either are left out, as the spec asks.
	 */
	claim(userId: string, requests: Readonly<Record<string, string>>): ClaimedKeys {
		if (this.deps.owner() !== userId) return {};
		const out: ClaimedKeys = {};
		this.deps.transaction(() => {
			for (const [deviceId, algorithm] of Object.entries(requests)) {
				const key = this.store.takeOneTimeKey(deviceId, algorithm) ?? this.store.useFallbackKey(deviceId, algorithm);
				if (key !== null) out[deviceId] = { [`${algorithm}:${key.key_id}`]: JSON.parse(key.key_json) as JsonValue };
			}
		});
		// The owner's /sync shows the lower counts (and a used fallback key), prompting an upload.
		if (Object.keys(out).length > 0) this.deps.changed();
		return out;
	}

	counts(deviceId: string): Record<string, number> {
		return oneTimeKeyCounts(this.deps.sql, deviceId);
	}
}
