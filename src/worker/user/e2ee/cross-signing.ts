// One user's cross-signing keys and the signatures they upload.
// Spec: https://spec.matrix.org/latest/client-server-api/#cross-signing
//       https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3keysdevice_signingupload
//       https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3keyssignaturesupload

import type { CrossSigningUsage } from "../../../protocol/e2ee/key-objects";
import { sameJson, sameSignedContent, validSignature } from "../../../protocol/e2ee/signature-check";
import type { RpcResult } from "../../../protocol/errors";
import type { JsonObject } from "../../../protocol/events/pdu";
import { CrossSigningStore, type StoredSignature } from "./cross-signing-store";
import { checkOwner, type E2eeDeps } from "./deps";
import { DeviceKeysStore } from "./device-keys-store";
import { appendDeviceListChange } from "./device-list-store";
import { publicKeyOf } from "./key-query";

export type CrossSigningUpload = Partial<Record<CrossSigningUsage, JsonObject>>;

/** One signed object from /keys/signatures/upload: `body[userId][keyId]`. */
export interface SignatureItem {
	userId: string;
	keyId: string;
	object: JsonObject;
}

export type SignatureFailures = Record<string, Record<string, { errcode: string; error: string }>>;

export interface SignaturesResult {
	failures: SignatureFailures;
	/** The uploader's own devices or master key gained a signature: everyone sharing a room must hear. */
	ownKeysChanged: boolean;
}

function parsed(json: string | null): JsonObject | null {
	return json === null ? null : (JSON.parse(json) as JsonObject);
}

export class CrossSigning {
	private readonly store: CrossSigningStore;
	private readonly devices: DeviceKeysStore;

	constructor(private readonly deps: E2eeDeps) {
		this.store = new CrossSigningStore(deps.sql);
		this.devices = new DeviceKeysStore(deps.sql);
	}

	/**
	 * Spec: UIA is required "except when there is no existing cross-signing master key uploaded to the
	 * homeserver, OR there is an existing cross-signing master key and it exactly matches the cross-signing
	 * master key provided in the request body. If there are any additional keys provided in the request
	 * (self-signing key, user-signing key) they MUST also match the existing keys stored on the server."
	 */
	uploadNeedsAuth(userId: string, upload: CrossSigningUpload): boolean {
		if (this.deps.owner() !== userId) return true;
		const master = parsed(this.store.getKey("master"));
		if (master === null) return false;
		return !(["master", "self_signing", "user_signing"] as const).every((usage) => {
			const given = upload[usage];
			const stored = parsed(this.store.getKey(usage));
			return given === undefined ? usage !== "master" : stored !== null && sameJson(given, stored);
		});
	}

	/**
	 * Stores new cross-signing keys. The self-signing and user-signing keys "must be signed by the accompanying
	 * master key, or by the user's most recently uploaded master key if no master key is included".
	 */
	async upload(userId: string, upload: CrossSigningUpload, nowTs: number): Promise<RpcResult<null>> {
		const owner = checkOwner(this.deps, userId);
		if (!owner.ok) return owner;
		const master = upload.master ?? parsed(this.store.getKey("master"));
		const masterPub = master === null ? undefined : publicKeyOf(master);
		for (const usage of ["self_signing", "user_signing"] as const) {
			const key = upload[usage];
			if (key === undefined) continue;
			if (masterPub === undefined) return { ok: false, errcode: "M_MISSING_PARAM", error: "No master key to sign with" };
			if ((await validSignature(key, userId, `ed25519:${masterPub}`, masterPub)) === undefined) {
				return { ok: false, errcode: "M_INVALID_SIGNATURE", error: `The ${usage} key is not signed by the master key` };
			}
		}
		this.deps.transaction(() => {
			for (const usage of ["master", "self_signing", "user_signing"] as const) {
				const key = upload[usage];
				if (key !== undefined) this.store.setKey(usage, JSON.stringify(key), nowTs);
			}
			appendDeviceListChange(this.deps.sql, userId, "changed", nowTs);
		});
		this.deps.changed();
		return { ok: true, value: null };
	}

	/**
	 * Checks and stores signatures the user made. `othersMasterKeys` holds the current master key of each
	 * other (local) user named in the upload, read by the route from their UserDOs.
	 */
	async uploadSignatures(
		userId: string,
		items: readonly SignatureItem[],
		othersMasterKeys: Readonly<Record<string, JsonObject>>,
		nowTs: number,
	): Promise<RpcResult<SignaturesResult>> {
		const owner = checkOwner(this.deps, userId);
		if (!owner.ok) return owner;
		const failures: SignatureFailures = {};
		const fail = (item: SignatureItem, errcode: string, error: string) => {
			(failures[item.userId] ??= {})[item.keyId] = { errcode, error };
		};
		const accepted: StoredSignature[] = [];
		for (const item of items) {
			const found = await this.checkItem(userId, item, othersMasterKeys);
			if (typeof found === "string") fail(item, found === "unknown" ? "M_NOT_FOUND" : "M_INVALID_SIGNATURE", found === "unknown" ? "Unknown key" : "Invalid signature");
			else accepted.push(...found);
		}
		let ownKeysChanged = false;
		this.deps.transaction(() => {
			for (const sig of accepted) {
				this.store.addSignature(sig);
				if (sig.target_user_id === userId) ownKeysChanged = true;
			}
			if (ownKeysChanged) appendDeviceListChange(this.deps.sql, userId, "changed", nowTs);
			// A signature over another user's master key changes only how this user sees them.
			for (const other of new Set(accepted.filter((s) => s.target_user_id !== userId).map((s) => s.target_user_id))) {
				appendDeviceListChange(this.deps.sql, other, "changed", nowTs);
			}
		});
		if (accepted.length > 0) this.deps.changed();
		return { ok: true, value: { failures, ownKeysChanged } };
	}

	/** The valid new signatures in one item, or why there are none. */
	private async checkItem(
		userId: string,
		item: SignatureItem,
		othersMasterKeys: Readonly<Record<string, JsonObject>>,
	): Promise<StoredSignature[] | "unknown" | "invalid"> {
		const target = { target_user_id: item.userId, target_key_id: item.keyId };
		if (item.userId !== userId) {
			// Another user's master key, signed with our user-signing key.
			const theirs = othersMasterKeys[item.userId];
			if (theirs === undefined || publicKeyOf(theirs) !== item.keyId) return "unknown";
			const usk = parsed(this.store.getKey("user_signing"));
			const uskPub = usk === null ? undefined : publicKeyOf(usk);
			if (uskPub === undefined || !sameSignedContent(item.object, theirs)) return "invalid";
			const sig = await validSignature(item.object, userId, `ed25519:${uskPub}`, uskPub);
			return sig === undefined ? "invalid" : [{ ...target, signing_key_id: `ed25519:${uskPub}`, signature: sig }];
		}
		const device = parsed(this.devices.getDeviceKeys(item.keyId));
		if (device !== null) {
			// One of our devices, signed with our self-signing key.
			const ssk = parsed(this.store.getKey("self_signing"));
			const sskPub = ssk === null ? undefined : publicKeyOf(ssk);
			if (sskPub === undefined || !sameSignedContent(item.object, device)) return "invalid";
			const sig = await validSignature(item.object, userId, `ed25519:${sskPub}`, sskPub);
			return sig === undefined ? "invalid" : [{ ...target, signing_key_id: `ed25519:${sskPub}`, signature: sig }];
		}
		const master = parsed(this.store.getKey("master"));
		if (master === null || publicKeyOf(master) !== item.keyId) return "unknown";
		if (!sameSignedContent(item.object, master)) return "invalid";
		// Our master key, signed by one or more of our devices (their ed25519 device keys).
		const out: StoredSignature[] = [];
		const mine = (item.object.signatures as Record<string, Record<string, string>> | undefined)?.[userId] ?? {};
		for (const keyId of Object.keys(mine)) {
			const deviceId = keyId.startsWith("ed25519:") ? keyId.slice("ed25519:".length) : undefined;
			const signer = deviceId === undefined ? null : parsed(this.devices.getDeviceKeys(deviceId));
			const devicePub = (signer?.keys as Record<string, string> | undefined)?.[keyId];
			if (devicePub === undefined) continue;
			const sig = await validSignature(item.object, userId, keyId, devicePub);
			if (sig !== undefined) out.push({ ...target, signing_key_id: keyId, signature: sig });
		}
		return out.length > 0 ? out : "invalid";
	}
}
