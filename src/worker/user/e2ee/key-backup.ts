// Server-side key backup of one user: versions (only the newest is writable) and the keys in them.
// Spec: https://spec.matrix.org/latest/client-server-api/#server-side-key-backups
// The etag changes whenever the keys of a version change, so a client can tell another one wrote.

import { type BackupKey, shouldReplaceBackupKey } from "../../../protocol/e2ee/key-backup";
import type { RpcResult } from "../../../protocol/errors";
import type { JsonObject } from "../../../protocol/events/pdu";
import { checkOwner, type E2eeDeps } from "./deps";
import { type BackupVersionRow, KeyBackupStore } from "./key-backup-store";

export interface BackupVersionInfo {
	version: string;
	algorithm: string;
	auth_data: JsonObject;
	count: number;
	etag: string;
}

export interface RoomKeysUpdate {
	etag: string;
	count: number;
}

/** room ID → session ID → key, as PUT/GET /room_keys/keys carry them. */
export type BackupKeys = Record<string, Record<string, BackupKey>>;

/** Where in a version a key operation applies: all rooms, one room, or one session. */
export interface KeyScope {
	roomId?: string;
	sessionId?: string;
}

const UNKNOWN_VERSION = { ok: false, errcode: "M_NOT_FOUND", error: "Unknown backup version" } as const;

/** Versions are opaque strings on the wire; ours are positive integers, anything else is unknown. */
function versionNumber(version: string): number | undefined {
	return /^[1-9][0-9]{0,14}$/.test(version) ? Number(version) : undefined;
}

export class KeyBackup {
	private readonly store: KeyBackupStore;

	constructor(private readonly deps: E2eeDeps) {
		this.store = new KeyBackupStore(deps.sql);
	}

	private info(row: BackupVersionRow): BackupVersionInfo {
		return {
			version: String(row.version),
			algorithm: row.algorithm,
			auth_data: JSON.parse(row.auth_data) as JsonObject,
			count: this.store.count(row.version),
			etag: String(row.etag),
		};
	}

	/** A live version by its string, or M_NOT_FOUND. */
	private live(version: string): RpcResult<BackupVersionRow> {
		const n = versionNumber(version);
		const row = n === undefined ? null : this.store.getVersion(n);
		return row === null || row.deleted === 1 ? UNKNOWN_VERSION : { ok: true, value: row };
	}

	createVersion(userId: string, algorithm: string, authData: JsonObject): RpcResult<string> {
		const owner = checkOwner(this.deps, userId);
		if (!owner.ok) return owner;
		return { ok: true, value: String(this.store.createVersion(algorithm, JSON.stringify(authData))) };
	}

	/** One version, or the current one when `version` is undefined. */
	getVersion(userId: string, version?: string): RpcResult<BackupVersionInfo> {
		if (this.deps.owner() !== userId) return { ok: false, errcode: "M_NOT_FOUND", error: "No current backup version" };
		if (version === undefined) {
			const current = this.store.currentVersion();
			return current === null ? { ok: false, errcode: "M_NOT_FOUND", error: "No current backup version" } : { ok: true, value: this.info(current) };
		}
		const row = this.live(version);
		return row.ok ? { ok: true, value: this.info(row.value) } : row;
	}

	/** Only auth_data may change; the algorithm must stay the same (spec: else M_INVALID_PARAM). */
	updateVersion(userId: string, version: string, algorithm: string, authData: JsonObject): RpcResult<null> {
		if (this.deps.owner() !== userId) return UNKNOWN_VERSION;
		const row = this.live(version);
		if (!row.ok) return row;
		if (row.value.algorithm !== algorithm) return { ok: false, errcode: "M_INVALID_PARAM", error: "Algorithm does not match" };
		this.store.setAuthData(row.value.version, JSON.stringify(authData));
		return { ok: true, value: null };
	}

	/** "If the backup was previously deleted, the call should succeed rather than returning an error." */
	deleteVersion(userId: string, version: string): RpcResult<null> {
		if (this.deps.owner() !== userId) return UNKNOWN_VERSION;
		const n = versionNumber(version);
		const row = n === undefined ? null : this.store.getVersion(n);
		if (row === null) return UNKNOWN_VERSION;
		if (row.deleted === 0) this.deps.transaction(() => this.store.deleteVersion(row.version));
		return { ok: true, value: null };
	}

	/**
	 * Stores keys in the current version, keeping the better of an existing and an uploaded key. Writing to
	 * an older version answers M_WRONG_ROOM_KEYS_VERSION with `current_version`, an unknown one M_NOT_FOUND.
	 */
	putKeys(userId: string, version: string, keys: BackupKeys): RpcResult<RoomKeysUpdate> | WrongVersion {
		if (this.deps.owner() !== userId) return UNKNOWN_VERSION;
		const row = this.live(version);
		const current = this.store.currentVersion();
		if (!row.ok) {
			const n = versionNumber(version);
			// A version that existed but was replaced or deleted is "wrong", not unknown, while a newer one exists.
			if (n !== undefined && current !== null && this.store.getVersion(n) !== null) return wrongVersion(current);
			return row;
		}
		if (current === null || current.version !== row.value.version) return wrongVersion(current);
		const v = row.value.version;
		this.deps.transaction(() => {
			let changed = false;
			for (const [roomId, sessions] of Object.entries(keys)) {
				for (const [sessionId, key] of Object.entries(sessions)) {
					const existing = this.store.getKey(v, roomId, sessionId);
					if (existing === null || shouldReplaceBackupKey(existing.key, key)) {
						this.store.putKey(v, roomId, sessionId, key);
						changed = true;
					}
				}
			}
			if (changed) this.store.bumpEtag(v);
		});
		return { ok: true, value: this.update(v) };
	}

	getKeys(userId: string, version: string, scope: KeyScope): RpcResult<BackupKeys> {
		if (this.deps.owner() !== userId) return UNKNOWN_VERSION;
		const row = this.live(version);
		if (!row.ok) return row;
		const out: BackupKeys = {};
		for (const k of this.store.listKeys(row.value.version, scope.roomId, scope.sessionId)) {
			(out[k.roomId] ??= {})[k.sessionId] = k.key;
		}
		return { ok: true, value: out };
	}

	deleteKeys(userId: string, version: string, scope: KeyScope): RpcResult<RoomKeysUpdate> {
		if (this.deps.owner() !== userId) return UNKNOWN_VERSION;
		const row = this.live(version);
		if (!row.ok) return row;
		const v = row.value.version;
		this.deps.transaction(() => {
			if (this.store.deleteKeys(v, scope.roomId, scope.sessionId) > 0) this.store.bumpEtag(v);
		});
		return { ok: true, value: this.update(v) };
	}

	private update(version: number): RoomKeysUpdate {
		const row = this.store.getVersion(version);
		return { etag: String(row?.etag ?? 0), count: this.store.count(version) };
	}
}

/** M_WRONG_ROOM_KEYS_VERSION carries `current_version`; RpcResult has no room for extra fields. */
export type WrongVersion = { ok: false; errcode: "M_WRONG_ROOM_KEYS_VERSION"; error: string; current_version: string | null };

function wrongVersion(current: BackupVersionRow | null): WrongVersion {
	return { ok: false, errcode: "M_WRONG_ROOM_KEYS_VERSION", error: "Wrong backup version", current_version: current === null ? null : String(current.version) };
}
