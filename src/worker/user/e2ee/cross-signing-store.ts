// SQL over the UserDO's cross_signing_keys and key_signatures tables (schema.ts).
// Spec: https://spec.matrix.org/latest/client-server-api/#cross-signing
// key_signatures holds signatures this user made (with a device or cross-signing key) over one of their own
// devices or keys, or over another user's master key; /keys/query merges them into the signed objects.

import type { CrossSigningUsage } from "../../../protocol/e2ee/key-objects";

export type StoredSignature = {
	target_user_id: string;
	target_key_id: string;
	signing_key_id: string;
	signature: string;
};

export class CrossSigningStore {
	constructor(private readonly sql: SqlStorage) {}

	getKey(usage: CrossSigningUsage): string | null {
		const row = this.sql.exec<{ key_json: string }>("SELECT key_json FROM cross_signing_keys WHERE key_type = ?", usage).toArray()[0];
		return row?.key_json ?? null;
	}

	setKey(usage: CrossSigningUsage, keyJson: string, nowTs: number): void {
		this.sql.exec(
			`INSERT INTO cross_signing_keys (key_type, key_json, updated_ts) VALUES (?, ?, ?)
			ON CONFLICT (key_type) DO UPDATE SET key_json = excluded.key_json, updated_ts = excluded.updated_ts`,
			usage,
			keyJson,
			nowTs,
		);
	}

	addSignature(sig: StoredSignature): void {
		this.sql.exec(
			`INSERT INTO key_signatures (signing_key_id, target_user_id, target_key_id, signature) VALUES (?, ?, ?, ?)
			ON CONFLICT (signing_key_id, target_user_id, target_key_id) DO UPDATE SET signature = excluded.signature`,
			sig.signing_key_id,
			sig.target_user_id,
			sig.target_key_id,
			sig.signature,
		);
	}

	/** Signatures this user made over the given user's keys (device IDs or cross-signing public keys). */
	signaturesOver(targetUserId: string, targetKeyIds: readonly string[]): StoredSignature[] {
		if (targetKeyIds.length === 0) return [];
		const wanted = new Set(targetKeyIds);
		return this.sql
			.exec<StoredSignature>(
				"SELECT target_user_id, target_key_id, signing_key_id, signature FROM key_signatures WHERE target_user_id = ? ORDER BY signing_key_id",
				targetUserId,
			)
			.toArray()
			.filter((s) => wanted.has(s.target_key_id));
	}
}
