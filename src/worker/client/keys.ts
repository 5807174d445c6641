// POST /keys/upload, /keys/query, /keys/claim and GET /keys/changes: device keys and one-time keys.
// Spec: https://spec.matrix.org/latest/client-server-api/#key-management-api
// Key objects are stored and returned as uploaded (they carry signatures); ciphertext never passes here.

import { checkDeviceKeys, parseOneTimeKeyMap } from "../../protocol/e2ee/key-objects";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import type { JsonObject, JsonValue } from "../../protocol/events/pdu";
import { parseUserId, type UserId } from "../../protocol/ids/user-id";
import { parseSyncToken } from "../../protocol/sync/sync-token";
import { readJsonBody } from "../http/body";
import type { Endpoint } from "../http/endpoint";
import { fanOutDeviceListChange } from "../user/e2ee/device-list-fan-out";
import type { KeysUpload } from "../user/e2ee/device-keys";
import { publicKeyOf, type UserKeys, withSignatures } from "../user/e2ee/key-query";
import { sortUsers } from "../user/e2ee/local-users";
import { e2eeUser } from "../user/e2ee/api";

const KEYS_RATE = { perSecond: 10, burst: 50 };
/** Spec: "10 seconds is the recommended default" for waiting on remote servers. */
const DEFAULT_TIMEOUT_MS = 10_000;

function isObject(v: JsonValue | undefined): v is JsonObject {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

function timeoutOf(body: JsonObject): number {
	const t = body.timeout;
	if (t === undefined) return DEFAULT_TIMEOUT_MS;
	if (typeof t !== "number" || !Number.isSafeInteger(t) || t < 0) throw new MatrixError("M_BAD_JSON", "timeout must be a non-negative integer");
	return Math.min(t, DEFAULT_TIMEOUT_MS);
}

function uploadBody(userId: string, deviceId: string) {
	return (body: JsonObject): KeysUpload => {
		const upload: KeysUpload = { one_time_keys: [], fallback_keys: [] };
		if (body.device_keys !== undefined) {
			const problem = checkDeviceKeys(body.device_keys, userId, deviceId);
			if (problem === "shape") throw new MatrixError("M_BAD_JSON", "device_keys is malformed");
			// Synapse answers 400 too; the keys of another user or device must never be stored under this one.
			if (problem !== undefined) throw new MatrixError("M_INVALID_PARAM", `device_keys names the wrong ${problem === "wrong_user" ? "user" : "device"}`);
			upload.device_keys = body.device_keys as JsonObject;
		}
		const otks = parseOneTimeKeyMap(body.one_time_keys);
		const fallback = parseOneTimeKeyMap(body.fallback_keys);
		if (otks === undefined) throw new MatrixError("M_BAD_JSON", "one_time_keys is malformed");
		if (fallback === undefined) throw new MatrixError("M_BAD_JSON", "fallback_keys is malformed");
		upload.one_time_keys = otks;
		upload.fallback_keys = fallback;
		return upload;
	};
}

/** `{ "<user>": ["<device>", ...] }` */
function queryBody(body: JsonObject): Record<string, string[]> | undefined {
	const dk = body.device_keys;
	if (!isObject(dk)) throw new MatrixError(dk === undefined ? "M_MISSING_PARAM" : "M_BAD_JSON", "device_keys must be an object");
	const out: Record<string, string[]> = {};
	for (const [user, devices] of Object.entries(dk)) {
		if (!Array.isArray(devices) || !devices.every((d) => typeof d === "string")) return undefined;
		out[user] = devices as string[];
	}
	return out;
}

/** `{ "<user>": { "<device>": "<algorithm>" } }` */
function claimBody(body: JsonObject): Record<string, Record<string, string>> | undefined {
	const otk = body.one_time_keys;
	if (!isObject(otk)) throw new MatrixError(otk === undefined ? "M_MISSING_PARAM" : "M_BAD_JSON", "one_time_keys must be an object");
	const out: Record<string, Record<string, string>> = {};
	for (const [user, devices] of Object.entries(otk)) {
		if (!isObject(devices) || !Object.values(devices).every((a) => typeof a === "string" && a !== "")) return undefined;
		out[user] = devices as Record<string, string>;
	}
	return out;
}

type KeysQueryOut = Record<"device_keys" | "master_keys" | "self_signing_keys" | "user_signing_keys", Record<string, JsonObject>>;

/** Copies a remote /user/keys/query answer in, for the users asked of that server only (no user-signing keys cross servers). */
function mergeRemoteKeys(out: KeysQueryOut, answer: JsonObject, users: readonly string[]): void {
	for (const field of ["device_keys", "master_keys", "self_signing_keys"] as const) {
		const section = answer[field];
		if (!isObject(section)) continue;
		for (const u of users) {
			const value = section[u];
			if (isObject(value)) out[field][u] = value;
		}
	}
}

export const keysEndpoints: Endpoint[] = [
	{
		method: "POST",
		path: "/_matrix/client/v3/keys/upload",
		auth: "user",
		rateLimit: KEYS_RATE,
		handler: async (c) => {
			const userId = c.get("user") as UserId;
			const deviceId = c.get("device");
			const upload = await readJsonBody(c, uploadBody(userId, deviceId));
			const result = unwrapRpc(await e2eeUser(c.env, userId).uploadKeys(userId, deviceId, upload));
			if (result.device_keys_changed) await fanOutDeviceListChange(c.env, userId, c.get("e2eeFederation"), { includeSelf: false });
			return c.json({ one_time_key_counts: result.one_time_key_counts });
		},
	},
	{
		method: "POST",
		path: "/_matrix/client/v3/keys/query",
		auth: "user",
		rateLimit: KEYS_RATE,
		handler: async (c) => {
			const requester = c.get("user");
			const body = await readJsonBody(c);
			const request = queryBody(body);
			if (request === undefined) throw new MatrixError("M_BAD_JSON", "device_keys must map user IDs to lists of device IDs");
			const timeout = timeoutOf(body);
			const users = await sortUsers(c.env.DB, Object.keys(request), c.get("config").serverName);
			const out = { device_keys: {} as Record<string, JsonObject>, master_keys: {} as Record<string, JsonObject>, self_signing_keys: {} as Record<string, JsonObject>, user_signing_keys: {} as Record<string, JsonObject>, failures: {} as Record<string, JsonObject> };
			const answers = await Promise.all(users.local.map((u) => e2eeUser(c.env, u).queryKeysJson(u, request[u] ?? [], requester)));
			users.local.forEach((u, i) => {
				const keys = JSON.parse(answers[i]!) as UserKeys;
				out.device_keys[u] = keys.device_keys;
				if (keys.master_key) out.master_keys[u] = keys.master_key;
				if (keys.self_signing_key) out.self_signing_keys[u] = keys.self_signing_key;
				if (keys.user_signing_key) out.user_signing_keys[u] = keys.user_signing_key;
			});
			// Signatures the requester made over other users' master keys are visible to the requester only.
			const targets: Record<string, string> = {};
			for (const [u, key] of Object.entries(out.master_keys)) {
				const pub = publicKeyOf(key);
				if (u !== requester && pub !== undefined) targets[u] = pub;
			}
			if (Object.keys(targets).length > 0) {
				const mine = await e2eeUser(c.env, requester).signaturesOver(targets);
				for (const [u, sigs] of Object.entries(mine)) out.master_keys[u] = withSignatures(out.master_keys[u]!, requester, sigs);
			}
			await Promise.all(
				[...users.remote].map(async ([server, ids]) => {
					const answer = await c.get("e2eeFederation").queryKeys(server, Object.fromEntries(ids.map((u) => [u, request[u] ?? []])), timeout);
					if (answer === null) out.failures[server] = {};
					else mergeRemoteKeys(out, answer, ids);
				}),
			);
			return c.json(out);
		},
	},
	{
		method: "POST",
		path: "/_matrix/client/v3/keys/claim",
		auth: "user",
		rateLimit: KEYS_RATE,
		handler: async (c) => {
			const body = await readJsonBody(c);
			const request = claimBody(body);
			if (request === undefined) throw new MatrixError("M_BAD_JSON", "one_time_keys must map user IDs to device → algorithm");
			const timeout = timeoutOf(body);
			const users = await sortUsers(c.env.DB, Object.keys(request), c.get("config").serverName);
			const out = { one_time_keys: {} as Record<string, JsonObject>, failures: {} as Record<string, JsonObject> };
			const claimed = await Promise.all(users.local.map((u) => e2eeUser(c.env, u).claimKeysJson(u, request[u] ?? {})));
			users.local.forEach((u, i) => {
				const keys = JSON.parse(claimed[i]!) as JsonObject;
				if (Object.keys(keys).length > 0) out.one_time_keys[u] = keys;
			});
			await Promise.all(
				[...users.remote].map(async ([server, ids]) => {
					const answer = await c.get("e2eeFederation").claimKeys(server, Object.fromEntries(ids.map((u) => [u, request[u] ?? {}])), timeout);
					if (answer === null) out.failures[server] = {};
					else if (isObject(answer.one_time_keys)) {
						// Only the users asked of that server: a remote cannot answer for anyone else's keys.
						for (const u of ids) {
							const keys = answer.one_time_keys[u];
							if (isObject(keys)) out.one_time_keys[u] = keys;
						}
					}
				}),
			);
			return c.json(out);
		},
	},
	{
		method: "GET",
		path: "/_matrix/client/v3/keys/changes",
		auth: "user",
		rateLimit: KEYS_RATE,
		handler: async (c) => {
			const userId = c.get("user");
			const fromText = c.req.query("from");
			const toText = c.req.query("to");
			if (fromText === undefined || toText === undefined) throw new MatrixError("M_MISSING_PARAM", "from and to are required");
			const from = parseSyncToken(fromText);
			const to = parseSyncToken(toText);
			if (from === undefined || to === undefined) throw new MatrixError("M_INVALID_PARAM", "from and to must be sync tokens");
			if (parseUserId(userId) === undefined) throw new MatrixError("M_UNKNOWN", "Bad user", { status: 500 });
			return c.json(await e2eeUser(c.env, userId).deviceListChanges(userId, from.device_lists, to.device_lists));
		},
	},
];
