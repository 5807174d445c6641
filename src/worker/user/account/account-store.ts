// SQL of the UserDO's account area: refresh tokens, and removing devices with their tokens.
// Spec: https://spec.matrix.org/latest/client-server-api/#refreshing-access-tokens
// Spec: https://spec.matrix.org/latest/client-server-api/#device-management

import type { DeviceId } from "../../../protocol/ids/device-id";
import { forgetCachedTokens } from "../token-cache";

export type RefreshTokenRecord = {
	token_hash: string;
	device_id: DeviceId;
	access_token_hash: string;
	previous_hash: string | null;
};

export class AccountStore {
	constructor(private readonly sql: SqlStorage) {}

	getRefreshToken(tokenHash: string): RefreshTokenRecord | null {
		return (
			this.sql
				.exec<RefreshTokenRecord>("SELECT token_hash, device_id, access_token_hash, previous_hash FROM refresh_tokens WHERE token_hash = ?", tokenHash)
				.toArray()[0] ?? null
		);
	}

	insertRefreshToken(tokenHash: string, deviceId: DeviceId, accessTokenHash: string, previousHash: string | null, nowTs: number): void {
		this.sql.exec(
			"INSERT INTO refresh_tokens (token_hash, device_id, access_token_hash, previous_hash, created_ts) VALUES (?, ?, ?, ?, ?)",
			tokenHash,
			deviceId,
			accessTokenHash,
			previousHash,
			nowTs,
		);
	}

	/** Deletes refresh tokens and the access tokens issued with them. */
	deleteRefreshTokens(where: "token_hash" | "previous_hash", hash: string): void {
		const rows = this.sql
			.exec<{ access_token_hash: string }>(`DELETE FROM refresh_tokens WHERE ${where} = ? RETURNING access_token_hash`, hash)
			.toArray();
		for (const row of rows) this.deleteAccessToken(row.access_token_hash);
	}

	deleteAccessToken(tokenHash: string): void {
		forgetCachedTokens();
		this.sql.exec("DELETE FROM access_tokens WHERE token_hash = ?", tokenHash);
	}

	/** Every access and refresh token of one device: the device stays, its sessions end. */
	deleteDeviceTokens(deviceId: DeviceId): void {
		forgetCachedTokens();
		this.sql.exec("DELETE FROM refresh_tokens WHERE device_id = ?", deviceId);
		this.sql.exec("DELETE FROM access_tokens WHERE device_id = ?", deviceId);
	}

	setDisplayName(deviceId: DeviceId, displayName: string | null): boolean {
		return this.sql.exec("UPDATE devices SET display_name = ? WHERE device_id = ? RETURNING 1", displayName, deviceId).toArray().length > 0;
	}

	/**
	 * Deletes a device and everything that only makes sense with it: tokens and E2EE keys (foreign keys
	 * cascade), its to-device inbox and sync cursors. Session records stay: the lawful-access export needs
	 * them after the device is gone. True if the device existed.
	 */
	deleteDevice(deviceId: DeviceId): boolean {
		forgetCachedTokens();
		this.sql.exec("DELETE FROM refresh_tokens WHERE device_id = ?", deviceId);
		this.sql.exec("DELETE FROM access_tokens WHERE device_id = ?", deviceId);
		this.sql.exec("DELETE FROM to_device_inbox WHERE device_id = ?", deviceId);
		this.sql.exec("DELETE FROM sync_cursors WHERE device_id = ?", deviceId);
		return this.sql.exec("DELETE FROM devices WHERE device_id = ? RETURNING 1", deviceId).toArray().length > 0;
	}

	deviceIds(): DeviceId[] {
		return this.sql.exec<{ device_id: DeviceId }>("SELECT device_id FROM devices").toArray().map((r) => r.device_id);
	}

	deviceOfAccessToken(tokenHash: string): DeviceId | null {
		return this.sql.exec<{ device_id: DeviceId }>("SELECT device_id FROM access_tokens WHERE token_hash = ?", tokenHash).toArray()[0]?.device_id ?? null;
	}
}
