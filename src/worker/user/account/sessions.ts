// The UserDO's account logic: login sessions (device + tokens), refresh, logout, and device removal.
// Spec: https://spec.matrix.org/latest/client-server-api/#login
// Spec: https://spec.matrix.org/latest/client-server-api/#refreshing-access-tokens
// Every hash and token is made before the first write, so each operation's writes run in one
// synchronous transaction that no other request can interleave with.

import type { RpcResult } from "../../../protocol/errors";
import type { DeviceId } from "../../../protocol/ids/device-id";
import { hashToken, mintAccessToken } from "../access-token";
import { UserStore } from "../store";
import { AccountStore } from "./account-store";

/** Access tokens issued with a refresh token expire after this long; clients then call /refresh. */
export const REFRESHABLE_TOKEN_LIFETIME_MS = 15 * 60 * 1000;
const TOKEN_RANDOM_BYTES = 20;

export interface IssuedSession {
	device_id: DeviceId;
	access_token: string;
	refresh_token?: string;
	expires_in_ms?: number;
}

export interface LoginOptions {
	/** Reuse this device (its old tokens are revoked) or create it; a random new ID when absent. */
	deviceId?: DeviceId;
	/** Only for a device created now: "ignored if device_id corresponds to a known device". */
	displayName?: string;
	refreshToken: boolean;
}

interface MintedPair {
	accessToken: string;
	accessHash: string;
	refreshToken?: string;
	refreshHash?: string;
}

async function mint(localpart: string, withRefresh: boolean): Promise<MintedPair> {
	const accessToken = mintAccessToken(localpart, crypto.getRandomValues(new Uint8Array(TOKEN_RANDOM_BYTES)));
	const pair: MintedPair = { accessToken, accessHash: await hashToken(accessToken) };
	if (withRefresh) {
		// Refresh tokens name their owner the same way, so POST /refresh (no access token) finds the UserDO.
		pair.refreshToken = mintAccessToken(localpart, crypto.getRandomValues(new Uint8Array(TOKEN_RANDOM_BYTES)));
		pair.refreshHash = await hashToken(pair.refreshToken);
	}
	return pair;
}

export class AccountSessions {
	private readonly users: UserStore;
	private readonly store: AccountStore;

	constructor(
		private readonly storage: DurableObjectStorage,
		/** Called inside the deleting transaction with the removed device IDs (device-list changes, wake-ups). */
		private readonly onDevicesDeleted: (deviceIds: DeviceId[], nowTs: number) => void,
	) {
		this.users = new UserStore(storage.sql);
		this.store = new AccountStore(storage.sql);
	}

	/** A new login: a device (created or reused) and a fresh token pair. The owner is already claimed. */
	async login(localpart: string, options: LoginOptions, newDeviceId: () => DeviceId, nowTs: number): Promise<IssuedSession> {
		const pair = await mint(localpart, options.refreshToken);
		return this.storage.transactionSync(() => {
			let deviceId = options.deviceId;
			if (deviceId !== undefined && this.users.getDevice(deviceId) !== null) {
				// Logging in again as a known device replaces that device's session.
				this.store.deleteDeviceTokens(deviceId);
			} else {
				if (deviceId === undefined) {
					deviceId = newDeviceId();
					while (this.users.getDevice(deviceId) !== null) deviceId = newDeviceId();
				}
				this.users.insertDevice(deviceId, options.displayName ?? null, nowTs);
			}
			return this.issue(deviceId, pair, null, nowTs);
		});
	}

	/**
	 * POST /refresh: a new token pair for the refresh token's device. The old access token is revoked now;
	 * the old refresh token stays usable until the new one is used, so a client that lost the answer can retry.
	 */
	async refresh(localpart: string, refreshHash: string, nowTs: number): Promise<RpcResult<IssuedSession>> {
		const pair = await mint(localpart, true);
		return this.storage.transactionSync(() => {
			const current = this.store.getRefreshToken(refreshHash);
			if (current === null) return { ok: false, errcode: "M_UNKNOWN_TOKEN", error: "Unknown or already used refresh token", status: 401 };
			// A successor issued earlier but never used is superseded by the one issued now.
			this.store.deleteRefreshTokens("previous_hash", refreshHash);
			// Using this token proves its predecessor is no longer needed.
			if (current.previous_hash !== null) this.store.deleteRefreshTokens("token_hash", current.previous_hash);
			this.store.deleteAccessToken(current.access_token_hash);
			return { ok: true, value: this.issue(current.device_id, pair, refreshHash, nowTs) };
		});
	}

	private issue(deviceId: DeviceId, pair: MintedPair, previousRefreshHash: string | null, nowTs: number): IssuedSession {
		const expiresTs = pair.refreshHash === undefined ? null : nowTs + REFRESHABLE_TOKEN_LIFETIME_MS;
		this.users.insertToken(pair.accessHash, deviceId, nowTs, expiresTs);
		if (pair.refreshToken === undefined || pair.refreshHash === undefined) return { device_id: deviceId, access_token: pair.accessToken };
		this.store.insertRefreshToken(pair.refreshHash, deviceId, pair.accessHash, previousRefreshHash, nowTs);
		return { device_id: deviceId, access_token: pair.accessToken, refresh_token: pair.refreshToken, expires_in_ms: REFRESHABLE_TOKEN_LIFETIME_MS };
	}

	/** POST /logout: "The device associated with the access token is also deleted." False if the token is unknown. */
	logout(accessHash: string, nowTs: number): boolean {
		return this.storage.transactionSync(() => {
			const deviceId = this.store.deviceOfAccessToken(accessHash);
			if (deviceId === null) return false;
			this.removeDevices([deviceId], nowTs);
			return true;
		});
	}

	/** Deletes the given devices (unknown IDs are skipped, as the spec allows); returns those deleted. */
	deleteDevices(deviceIds: readonly DeviceId[], nowTs: number): DeviceId[] {
		return this.storage.transactionSync(() => this.removeDevices(deviceIds, nowTs));
	}

	/** Every device but `keep` (null: all of them), as /logout/all and a password change with logout_devices ask. */
	deleteAllDevicesExcept(keep: DeviceId | null, nowTs: number): DeviceId[] {
		return this.storage.transactionSync(() => this.removeDevices(this.store.deviceIds().filter((d) => d !== keep), nowTs));
	}

	updateDisplayName(deviceId: DeviceId, displayName: string | null): boolean {
		return this.store.setDisplayName(deviceId, displayName);
	}

	private removeDevices(deviceIds: readonly DeviceId[], nowTs: number): DeviceId[] {
		const deleted = deviceIds.filter((id) => this.store.deleteDevice(id));
		if (deleted.length > 0) this.onDevicesDeleted(deleted, nowTs);
		return deleted;
	}
}
