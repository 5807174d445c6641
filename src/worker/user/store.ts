// All SQL of the UserDO: the owner row, devices, access-token hashes and session records.
// Spec: https://spec.matrix.org/latest/client-server-api/#client-authentication
// Later issues add E2EE keys, to-device, account data and sync here (tables are in schema.ts).

import type { DeviceId } from "../../protocol/ids/device-id";
import type { UserId } from "../../protocol/ids/user-id";
import { forgetCachedTokens } from "./token-cache";

// Type aliases, not interfaces: SqlStorage.exec<T> needs row types with an implicit index signature.
export type DeviceRecord = {
	device_id: DeviceId;
	display_name: string | null;
	created_ts: number;
	last_seen_ts: number | null;
	last_seen_ip: string | null;
	last_seen_user_agent: string | null;
};

export type TokenRecord = {
	device_id: DeviceId;
	expires_ts: number | null;
};

export type SessionRecord = {
	device_id: DeviceId;
	ip: string;
	user_agent: string;
	first_seen_ts: number;
	last_seen_ts: number;
};

export class UserStore {
	constructor(private readonly sql: SqlStorage) {}

	/** Stored only after parseUserId accepted it, so the brand holds on the way out. */
	getOwner(): UserId | null {
		const rows = this.sql.exec<{ user_id: UserId }>("SELECT user_id FROM user_meta WHERE singleton = 1").toArray();
		return rows[0]?.user_id ?? null;
	}

	setOwner(userId: UserId): void {
		this.sql.exec("INSERT INTO user_meta (singleton, user_id) VALUES (1, ?)", userId);
	}

	getDevice(deviceId: DeviceId): DeviceRecord | null {
		const rows = this.sql
			.exec<DeviceRecord>("SELECT * FROM devices WHERE device_id = ?", deviceId)
			.toArray();
		return rows[0] ?? null;
	}

	insertDevice(deviceId: DeviceId, displayName: string | null, nowTs: number): void {
		this.sql.exec(
			"INSERT INTO devices (device_id, display_name, created_ts) VALUES (?, ?, ?)",
			deviceId,
			displayName,
			nowTs,
		);
	}

	listDevices(): DeviceRecord[] {
		return this.sql
			.exec<DeviceRecord>("SELECT * FROM devices ORDER BY device_id")
			.toArray();
	}

	insertToken(tokenHash: string, deviceId: DeviceId, nowTs: number, expiresTs: number | null): void {
		this.sql.exec(
			"INSERT INTO access_tokens (token_hash, device_id, created_ts, expires_ts) VALUES (?, ?, ?, ?)",
			tokenHash,
			deviceId,
			nowTs,
			expiresTs,
		);
	}

	getToken(tokenHash: string): TokenRecord | null {
		const rows = this.sql
			.exec<TokenRecord>(
				"SELECT device_id, expires_ts FROM access_tokens WHERE token_hash = ?",
				tokenHash,
			)
			.toArray();
		return rows[0] ?? null;
	}

	/** Deletes one token hash; true if it existed. */
	deleteToken(tokenHash: string): boolean {
		forgetCachedTokens();
		return this.sql.exec("DELETE FROM access_tokens WHERE token_hash = ? RETURNING 1", tokenHash).toArray().length > 0;
	}

	/**
	 * Records a use of (device, ip, user agent). The upsert writes only for a new triple or when the
	 * last write is at least `throttleMs` old, so a busy client costs one row write a minute, not one
	 * per request. Returns whether it wrote; the device's last-seen columns follow the same throttle.
	 */
	touchSession(deviceId: DeviceId, ip: string, userAgent: string, nowTs: number, throttleMs: number): boolean {
		// Read first: even an upsert that changes nothing is a write to the DO's storage, and every write
		// holds the response until storage confirms it. Most requests fall inside the throttle.
		const last = this.sql
			.exec<{ last_seen_ts: number }>(
				"SELECT last_seen_ts FROM sessions WHERE device_id = ? AND ip = ? AND user_agent = ?",
				deviceId,
				ip,
				userAgent,
			)
			.toArray()[0];
		if (last !== undefined && nowTs - last.last_seen_ts < throttleMs) return false;
		// RETURNING yields a row only when the insert or the update happened; rowsWritten would also count index writes.
		const written = this.sql
			.exec(
				`INSERT INTO sessions (device_id, ip, user_agent, first_seen_ts, last_seen_ts) VALUES (?1, ?2, ?3, ?4, ?4)
				ON CONFLICT (device_id, ip, user_agent) DO UPDATE SET last_seen_ts = excluded.last_seen_ts
				WHERE excluded.last_seen_ts - sessions.last_seen_ts >= ?5
				RETURNING 1`,
				deviceId,
				ip,
				userAgent,
				nowTs,
				throttleMs,
			)
			.toArray().length;
		if (written === 0) return false;
		this.sql.exec(
			"UPDATE devices SET last_seen_ts = ?, last_seen_ip = ?, last_seen_user_agent = ? WHERE device_id = ?",
			nowTs,
			ip,
			userAgent,
			deviceId,
		);
		return true;
	}

	listSessions(): SessionRecord[] {
		return this.sql
			.exec<SessionRecord>(
				"SELECT device_id, ip, user_agent, first_seen_ts, last_seen_ts FROM sessions ORDER BY device_id, first_seen_ts",
			)
			.toArray();
	}
}
