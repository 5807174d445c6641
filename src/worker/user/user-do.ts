// UserDO: the single owner of one local user's devices, token hashes and sessions (keyed by user ID);
// later also E2EE keys, to-device, account data and sync. See ARCHITECTURE.md "Who owns which data".
// Spec: https://spec.matrix.org/latest/client-server-api/#client-authentication

import { DurableObject } from "cloudflare:workers";
import type { RpcResult } from "../../protocol/errors";
import { type DeviceId, parseDeviceId, requireDeviceId } from "../../protocol/ids/device-id";
import { localpartOf, parseUserId, type UserId } from "../../protocol/ids/user-id";
import { migrateOnStart } from "../../platform/sqlite-migrations";
import { hashToken, mintAccessToken } from "./access-token";
import { USER_MIGRATIONS } from "./schema";
import { Notifier } from "./sync/notifier";
import { fanOutPresence, othersPresenceOf, presencePush } from "./sync/others-presence";
import { sendPresenceToServers } from "../../platform/presence-out";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { roomMembersSharing, sharesRoomOutside } from "../d1/shared-rooms";
import { presenceStatus, type PresenceStatus } from "./sync/presence";
import type { PresenceState, SyncRequest } from "./sync/types";
import { UserSync } from "./sync/user-sync";
import type { JsonObject } from "../../protocol/events/pdu";
import { AccountSessions, type IssuedSession } from "./account/sessions";
import { PushRules } from "./push/push-rules";
import type { PushAction, RuleKind, UserRuleBody } from "../../protocol/push";
import { type DeviceRecord, UserStore } from "./store";
import type * as E2eeTypes from "./e2ee/e2ee";
import { E2ee } from "./e2ee/e2ee";
import { fanOutDeviceListChange } from "./e2ee/device-list-fan-out";
import { localOnlyFederation } from "./e2ee/federation-port";
import { whois, type WhoisResponse } from "./admin/whois";
import { exportDevices, type ExportDevices } from "./export/export-devices";
import { exportGreyData, type ExportGreyData } from "./export/export-grey";
import { exportSessions, type ExportSession, type ExportSessionCursor, type ExportSessionWindow } from "./export/export-sessions";
import { deletePushersOfDevice } from "../d1/pushers";
import { purgeSessionIps, type PurgeResult } from "./retention/purge";
import { recordSessionIp } from "../../platform/session-ip-index";
import { log } from "../../platform/log";

/** Session and last-seen rows are rewritten at most this often per (device, IP, user agent). */
export const SESSION_WRITE_INTERVAL_MS = 60_000;
const DEVICE_ID_LENGTH = 10;
const TOKEN_RANDOM_BYTES = 20;

export interface AuthenticatedDevice {
	user_id: UserId;
	device_id: DeviceId;
	/** When the token expires (only refreshable tokens do): the worker's token cache keeps it no longer. */
	expires_ts: number | null;
}

const INVALID_USER = { ok: false, errcode: "M_INVALID_PARAM", error: "Invalid user ID" } as const;

/** Ten upper-case letters, as Synapse makes them: easy to read out when verifying a device. */
function randomDeviceId(): DeviceId {
	let out = "";
	while (out.length < DEVICE_ID_LENGTH) {
		for (const b of crypto.getRandomValues(new Uint8Array(DEVICE_ID_LENGTH))) {
			// 234 = 9 × 26: dropping larger bytes keeps every letter equally likely.
			if (b < 234 && out.length < DEVICE_ID_LENGTH) out += String.fromCharCode(65 + (b % 26));
		}
	}
	return requireDeviceId(out);
}

export class UserDO extends DurableObject<Env> {
	private readonly store: UserStore;
	/** Wakes waiting /sync long-polls; every area passes it on and calls `notify()` after a write sync may show. */
	private readonly notifier = new Notifier();
	/** Login sessions, refresh, logout and device removal (user/account/). A removed device wakes /sync. */
	private readonly account = new AccountSessions(this.ctx.storage, () => this.notifier.notify());
	/** Push rules (user/push/); a rule change wakes /sync, which carries m.push_rules. */
	private readonly pushRules = new PushRules(
		{ sql: this.ctx.storage.sql, transaction: (fn) => this.ctx.storage.transactionSync(fn), changed: () => this.sync.pushRulesChanged() },
		() => this.store.getOwner(),
	);
	/** Device keys, one-time keys, to-device, device lists, cross-signing, key backup (user/e2ee/). */
	private readonly e2ee = new E2ee({
		sql: this.ctx.storage.sql,
		transaction: (fn) => this.ctx.storage.transactionSync(fn),
		changed: () => this.notifier.notify(),
		owner: () => this.store.getOwner(),
	});

	/** Room pokes, /sync, account data, tags, filters and presence (user/sync/). */
	private readonly sync: UserSync = new UserSync({
		sql: this.ctx.storage.sql,
		transaction: (fn) => this.ctx.storage.transactionSync(fn),
		notifier: this.notifier,
		owner: () => this.store.getOwner(),
		room: (roomId) => this.env.ROOM.getByName(roomId),
		pushRules: () => {
			const ruleset = this.pushRules.ruleset();
			return ruleset === null ? null : (JSON.parse(JSON.stringify({ global: ruleset })) as JsonObject);
		},
		presenceChanged: () => {
			const owner = this.store.getOwner();
			const row = this.sync.store.getPresence();
			if (owner === null || row === null) return;
			// Off the request's path: room mates learn of it a moment later, the caller need not wait.
			this.ctx.waitUntil(fanOutPresence(this.env.DB, serverNameOf(owner), owner, row, (u) => this.env.USER.getByName(u)));
			this.ctx.waitUntil(sendPresenceToServers(this.env, serverNameOf(owner)!, presencePush(owner, row, Date.now()), row.last_active_ts));
		},
		sharedRooms: {
			sharesRoomOutside: (a, b, except) => sharesRoomOutside(this.env.DB, a, b, except),
			roomMembers: (roomId) => roomMembersSharing(this.env.DB, roomId),
		},
	});

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new UserStore(ctx.storage.sql);
		migrateOnStart(ctx, USER_MIGRATIONS);
	}

	/**
	 * Binds this object to `userId` on first use and refuses any other user ID afterwards: a caller that
	 * routed to the wrong object is a bug, and answering for the wrong user would leak or corrupt data.
	 */
	private claimOwner(userId: UserId): RpcResult<UserId> {
		const owner = this.store.getOwner();
		if (owner === null) {
			// RPC arguments are not type-checked at runtime, so the brand is re-proved before it is stored.
			if (parseUserId(userId) === undefined) return INVALID_USER;
			this.store.setOwner(userId);
			return { ok: true, value: userId };
		}
		if (owner !== userId) return { ok: false, errcode: "M_UNKNOWN", error: "User object mismatch", status: 500 };
		return { ok: true, value: owner };
	}

	/**
	 * Creates a device (a random ID unless one is given). An existing device ID is reused unchanged,
	 * as the spec asks of login with a known `device_id`.
	 */
	createDevice(userId: UserId, deviceId?: DeviceId, displayName?: string): RpcResult<{ device_id: DeviceId; created: boolean }> {
		if (deviceId !== undefined && parseDeviceId(deviceId) === undefined) {
			return { ok: false, errcode: "M_INVALID_PARAM", error: "Invalid device ID" };
		}
		const owner = this.claimOwner(userId);
		if (!owner.ok) return owner;
		if (deviceId !== undefined && this.store.getDevice(deviceId) !== null) {
			return { ok: true, value: { device_id: deviceId, created: false } };
		}
		let id = deviceId ?? randomDeviceId();
		while (this.store.getDevice(id) !== null) id = randomDeviceId();
		this.store.insertDevice(id, displayName ?? null, Date.now());
		return { ok: true, value: { device_id: id, created: true } };
	}

	/** Mints a token for an existing device and stores only its hash. `expiresTs` null means no expiry. */
	async issueAccessToken(userId: UserId, deviceId: DeviceId, expiresTs: number | null = null): Promise<RpcResult<string>> {
		if (parseUserId(userId) === undefined) return INVALID_USER;
		const token = mintAccessToken(localpartOf(userId), crypto.getRandomValues(new Uint8Array(TOKEN_RANDOM_BYTES)));
		const tokenHash = await hashToken(token);
		// Checks and insert run after the only await, so no other request can interleave between them.
		const owner = this.claimOwner(userId);
		if (!owner.ok) return owner;
		if (this.store.getDevice(deviceId) === null) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown device" };
		this.store.insertToken(tokenHash, deviceId, Date.now(), expiresTs);
		return { ok: true, value: token };
	}

	/**
	 * Resolves a token hash to its device and records where it was used (throttled). Unknown and
	 * expired tokens both answer M_UNKNOWN_TOKEN: unknown with `soft_logout: false`, expired (only
	 * refreshable tokens expire) with `soft_logout: true`, so the client refreshes instead of logging in.
	 */
	async authenticate(tokenHash: string, ip: string, userAgent: string, nowTs: number): Promise<RpcResult<AuthenticatedDevice>> {
		const owner = this.store.getOwner();
		const token = this.store.getToken(tokenHash);
		if (owner === null || token === null) {
			return { ok: false, errcode: "M_UNKNOWN_TOKEN", error: "Unknown access token" };
		}
		if (token.expires_ts !== null && token.expires_ts <= nowTs) {
			// An expired token can never become valid again, so drop it now rather than keep a dead row.
			this.store.deleteToken(tokenHash);
			// Only refreshable tokens expire: the client may refresh rather than log in again.
			return { ok: false, errcode: "M_UNKNOWN_TOKEN", error: "Access token has expired", extra: { soft_logout: true } };
		}
		const touched = this.ctx.storage.transactionSync(() =>
			this.store.touchSession(token.device_id, ip, userAgent, nowTs, SESSION_WRITE_INTERVAL_MS),
		);
		// The IP → account index for lawful-access IP targets follows the same throttle: one D1 write per session write.
		if (touched) await recordSessionIp(this.env.DB, owner, token.device_id, ip, nowTs).catch((err: unknown) => log.warn("session_ip_index_failed", { error: err }));
		return { ok: true, value: { user_id: owner, device_id: token.device_id, expires_ts: token.expires_ts } };
	}

	/** Logout: the hash is deleted at once, so the next request with the token fails. True if it existed. */
	revokeToken(tokenHash: string): boolean {
		return this.store.deleteToken(tokenHash);
	}

	/** The user's devices, as GET /devices describes them. */
	listDevices(): DeviceRecord[] {
		return this.store.listDevices();
	}

	// Accounts and sessions: thin delegates to user/account/sessions.ts.

	/** A login (or registration): creates or reuses a device and issues tokens (with a refresh token if asked). */
	async login(userId: UserId, deviceId: string | null, displayName: string | null, refreshToken: boolean): Promise<RpcResult<IssuedSession>> {
		const device = deviceId === null ? undefined : parseDeviceId(deviceId);
		if (device === undefined && deviceId !== null) return { ok: false, errcode: "M_INVALID_PARAM", error: "Invalid device ID" };
		const owner = this.claimOwner(userId);
		if (!owner.ok) return owner;
		const options = { refreshToken, ...(device === undefined ? {} : { deviceId: device }), ...(displayName === null ? {} : { displayName }) };
		return { ok: true, value: await this.account.login(localpartOf(owner.value), options, randomDeviceId, Date.now()) };
	}

	/** POST /refresh with the refresh token's hash. */
	async refreshSession(userId: UserId, refreshHash: string): Promise<RpcResult<IssuedSession>> {
		const owner = this.store.getOwner();
		if (owner === null || owner !== userId) return { ok: false, errcode: "M_UNKNOWN_TOKEN", error: "Unknown refresh token", status: 401 };
		return this.account.refresh(localpartOf(owner), refreshHash, Date.now());
	}

	/** POST /logout: deletes the token's device (and with it every token and key of that device). */
	logout(tokenHash: string): boolean {
		return this.account.logout(tokenHash, Date.now());
	}

	/** Deletes the listed devices; returns those that existed. */
	async deleteDevices(deviceIds: string[]): Promise<DeviceId[]> {
		const ids = deviceIds.map((d) => parseDeviceId(d)).filter((d): d is DeviceId => d !== undefined);
		return this.announceDeletedDevices(this.account.deleteDevices(ids, Date.now()));
	}

	/** Deletes every device except `keep` (null: all), for /logout/all and password changes. */
	async deleteAllDevicesExcept(keep: string | null): Promise<DeviceId[]> {
		return this.announceDeletedDevices(this.account.deleteAllDevicesExcept(keep === null ? null : (parseDeviceId(keep) ?? null), Date.now()));
	}

	/**
	 * A deleted device takes its keys with it, so everyone who shares a room (and the user's other
	 * devices) must see the user in `device_lists.changed`, or they keep encrypting to a dead device.
	 * Its pushers go too. Remote servers are told by the calling route (client/remote-device-deletions.ts):
	 * the bridge's port lives in the request's context, not here.
	 */
	private async announceDeletedDevices(deleted: DeviceId[]): Promise<DeviceId[]> {
		const owner = this.store.getOwner();
		if (deleted.length === 0 || owner === null) return deleted;
		// A deleted device's pushers must stop too (spec: logout "removes any pushers" of the device).
		await Promise.all(deleted.map((d) => deletePushersOfDevice(this.env.DB, owner, d)));
		await fanOutDeviceListChange(this.env, owner, localOnlyFederation, { includeSelf: true });
		return deleted;
	}

	getDevice(deviceId: string): DeviceRecord | null {
		const id = parseDeviceId(deviceId);
		return id === undefined ? null : this.store.getDevice(id);
	}

	/** PUT /devices/{deviceId}: false if the device is unknown. */
	setDeviceDisplayName(deviceId: string, displayName: string | null): boolean {
		const id = parseDeviceId(deviceId);
		return id !== undefined && this.account.updateDisplayName(id, displayName);
	}

	// Push rules: thin delegates to user/push/ (routes validate with src/protocol/push first).
	// Rules cross RPC as JSON text: their recursive JSON types are too deep for RPC's type mapping.
	getPushRulesJson(): string | null {
		const ruleset = this.pushRules.ruleset();
		return ruleset === null ? null : JSON.stringify(ruleset);
	}

	getPushRuleJson(kind: RuleKind, ruleId: string): RpcResult<string> {
		const rule = this.pushRules.getRule(kind, ruleId);
		return rule.ok ? { ok: true, value: JSON.stringify(rule.value) } : rule;
	}

	putPushRule(kind: RuleKind, ruleId: string, body: UserRuleBody, position: { before?: string; after?: string }): RpcResult<null> {
		return this.pushRules.putRule(kind, ruleId, body, position);
	}

	deletePushRule(kind: RuleKind, ruleId: string): RpcResult<null> {
		return this.pushRules.deleteRule(kind, ruleId);
	}

	setPushRuleEnabled(kind: RuleKind, ruleId: string, enabled: boolean): RpcResult<null> {
		return this.pushRules.setEnabled(kind, ruleId, enabled);
	}

	setPushRuleActions(kind: RuleKind, ruleId: string, actions: PushAction[]): RpcResult<null> {
		return this.pushRules.setActions(kind, ruleId, actions);
	}

	// End-to-end encryption: thin delegates to user/e2ee/ (routes check shapes with src/protocol/e2ee first).
	uploadKeys(userId: string, deviceId: string, upload: E2eeTypes.KeysUpload): RpcResult<E2eeTypes.KeysUploadResult> {
		return this.e2ee.keys.upload(userId, deviceId, upload, Date.now());
	}
	// Results holding client JSON travel as text: RPC types over recursive JSON are too deep for tsc.
	claimKeysJson(userId: string, requests: Record<string, string>): string {
		return JSON.stringify(this.e2ee.keys.claim(userId, requests));
	}
	queryKeysJson(userId: string, deviceIds: string[], requester: string): string {
		return JSON.stringify(this.e2ee.query.query(userId, deviceIds, requester));
	}
	signaturesOver(targets: Record<string, string>): Record<string, E2eeTypes.StoredSignature[]> {
		return this.e2ee.query.signaturesOver(targets);
	}
	receiveToDevice(userId: string, delivery: E2eeTypes.ToDeviceDelivery): number {
		return this.e2ee.toDevice.receive(userId, delivery, Date.now());
	}
	toDeviceTxnDone(userId: string, deviceId: string, txnId: string): boolean {
		return this.e2ee.toDevice.txnDone(userId, deviceId, txnId);
	}
	recordToDeviceTxn(userId: string, deviceId: string, txnId: string): void {
		this.e2ee.toDevice.recordTxn(userId, deviceId, txnId, Date.now());
	}
	/** Called on every local user sharing a room with `subject` when subject's devices change (e2ee/device-list-fan-out.ts). */
	noteDeviceListChange(userId: string, subject: string, change: E2eeTypes.DeviceListChange): void {
		this.e2ee.deviceLists.note(userId, subject, change, Date.now());
	}
	deviceListChanges(userId: string, from: number, to: number): E2eeTypes.DeviceListSection {
		return this.e2ee.deviceLists.between(userId, from, to);
	}
	crossSigningUploadNeedsAuth(userId: string, upload: E2eeTypes.CrossSigningUpload): boolean {
		return this.e2ee.crossSigning.uploadNeedsAuth(userId, upload);
	}
	uploadCrossSigningKeys(userId: string, upload: E2eeTypes.CrossSigningUpload): Promise<RpcResult<null>> {
		return this.e2ee.crossSigning.upload(userId, upload, Date.now());
	}
	uploadKeySignatures(
		userId: string,
		items: E2eeTypes.SignatureItem[],
		othersMasterKeys: Record<string, E2eeTypes.JsonObject>,
	): Promise<RpcResult<E2eeTypes.SignaturesResult>> {
		return this.e2ee.crossSigning.uploadSignatures(userId, items, othersMasterKeys, Date.now());
	}
	createKeyBackup(userId: string, algorithm: string, authData: E2eeTypes.JsonObject): RpcResult<string> {
		return this.e2ee.backup.createVersion(userId, algorithm, authData);
	}
	getKeyBackupJson(userId: string, version?: string): RpcResult<string> {
		const r = this.e2ee.backup.getVersion(userId, version);
		return r.ok ? { ok: true, value: JSON.stringify(r.value) } : r;
	}
	updateKeyBackup(userId: string, version: string, algorithm: string, authData: E2eeTypes.JsonObject): RpcResult<null> {
		return this.e2ee.backup.updateVersion(userId, version, algorithm, authData);
	}
	deleteKeyBackup(userId: string, version: string): RpcResult<null> {
		return this.e2ee.backup.deleteVersion(userId, version);
	}
	putBackupKeys(userId: string, version: string, keys: E2eeTypes.BackupKeys): RpcResult<E2eeTypes.RoomKeysUpdate> | E2eeTypes.WrongVersion {
		return this.e2ee.backup.putKeys(userId, version, keys);
	}
	getBackupKeysJson(userId: string, version: string, scope: E2eeTypes.KeyScope): RpcResult<string> {
		const r = this.e2ee.backup.getKeys(userId, version, scope);
		return r.ok ? { ok: true, value: JSON.stringify(r.value) } : r;
	}
	deleteBackupKeys(userId: string, version: string, scope: E2eeTypes.KeyScope): RpcResult<E2eeTypes.RoomKeysUpdate> {
		return this.e2ee.backup.deleteKeys(userId, version, scope);
	}
	// Sync area: thin delegates to user/sync/. JSON crosses RPC as text where its recursive types are too deep.
	/** RoomPokeApi: "room X is at position N". */
	poke(roomId: string, position: number): Promise<void> {
		return this.sync.poke(roomId, "timeline", position);
	}

	/** RoomPokeApi: a room outbox's poke, logged within a short delay; answers the position logged so far. */
	pokeSoon(roomId: string, position: number): Promise<number | null> {
		return this.sync.pokeSoon(roomId, position);
	}

	/** A room's typing or receipts moved to ephemeral position N. */
	pokeEphemeral(roomId: string, position: number): Promise<void> {
		return this.sync.poke(roomId, "ephemeral", position);
	}

	/** GET /sync; the response as JSON text. */
	async syncJson(request: SyncRequest): Promise<RpcResult<string>> {
		const result = await this.sync.sync(request);
		return result.ok ? { ok: true, value: JSON.stringify(result.value) } : result;
	}

	/**
	 * roomId '' for global account data. `byServer` is for server-set types (m.fully_read from read
	 * markers), which clients may not PUT themselves.
	 */
	putAccountDataJson(roomId: string, type: string, contentJson: string, byServer = false): RpcResult<null> {
		const content = JSON.parse(contentJson) as JsonObject;
		if (!byServer) return this.sync.putAccountData(roomId, type, content);
		this.sync.putServerAccountData(roomId, type, content);
		return { ok: true, value: null };
	}

	getAccountDataJson(roomId: string, type: string): RpcResult<string> {
		const result = this.sync.getAccountData(roomId, type);
		return result.ok ? { ok: true, value: JSON.stringify(result.value) } : result;
	}

	/** The user's account data events for one room (`[{type, content}]` as JSON), for GET /rooms/{roomId}/initialSync. */
	getRoomAccountDataJson(roomId: string): string {
		if (typeof roomId !== "string" || roomId === "") return "[]";
		return `[${this.sync.store.roomAccountData(roomId).map((r) => `{"type":${JSON.stringify(r.type)},"content":${r.content}}`).join(",")}]`;
	}

	/** Sets a room tag (`bodyJson` its `{order?}`) or, with null, removes it; returns the room's tags as JSON. */
	setTagJson(roomId: string, tag: string, bodyJson: string | null): string {
		if (bodyJson === null) this.sync.deleteTag(roomId, tag);
		else this.sync.putTag(roomId, tag, JSON.parse(bodyJson) as JsonObject);
		return JSON.stringify(this.sync.getTags(roomId));
	}

	createFilterJson(filterJson: string): RpcResult<string> {
		return this.sync.createFilter(JSON.parse(filterJson) as JsonObject);
	}

	getFilterJson(filterId: string): RpcResult<string> {
		const result = this.sync.getFilter(filterId);
		return result.ok ? { ok: true, value: JSON.stringify(result.value) } : result;
	}

	setPresence(state: PresenceState, statusMsg: string | null | undefined): void {
		this.sync.setPresence(state, statusMsg);
	}

	getPresence(): PresenceStatus {
		return this.sync.getPresence();
	}

	/** Presence of a remote user this user shares a room with, as their server last sent it; null if none. */
	getOthersPresence(userId: string): PresenceStatus | null {
		const row = othersPresenceOf(this.ctx.storage.sql, userId);
		return row === null ? null : presenceStatus(row, Date.now());
	}

	/** Another user's presence changed (local, or by m.presence) and they share a room with this user (sync/others-presence.ts). */
	receivePresence(sender: string, state: string, statusMsg: string | null, lastActiveTs: number): void {
		this.sync.receivePresence(sender, state, statusMsg, lastActiveTs);
	}

	/** Retention (user/retention/): purges session IPs last seen before `before`; the caller skips held users. */
	purgeSessionIps(before: number, dryRun = false): PurgeResult {
		return purgeSessionIps(this.ctx.storage.sql, before, dryRun);
	}

	/** Admin whois (user/admin/whois.ts): devices with their recorded IPs and user agents. */
	adminWhois(): WhoisResponse | null {
		const owner = this.store.getOwner();
		return owner === null ? null : whois(this.ctx.storage.sql, owner);
	}

	// Lawful-access export (user/export/): read-only allow-list views; the window is applied in the queries.
	exportSessions(window: ExportSessionWindow, after: ExportSessionCursor | null, limit: number): ExportSession[] {
		return exportSessions(this.ctx.storage.sql, window, after, limit);
	}

	exportDevices(createdBefore: number): ExportDevices {
		return exportDevices(this.ctx.storage.sql, createdBefore);
	}

	/** Grey data (device display names, DM map): the export asks only when policy allows and the order names it. */
	exportGreyData(createdBefore: number): ExportGreyData {
		return exportGreyData(this.ctx.storage.sql, createdBefore);
	}
}
