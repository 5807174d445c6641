// Serving E2EE keys to remote servers: POST /user/keys/query, POST /user/keys/claim (one-time keys
// claimed atomically in each user's UserDO) and GET /user/devices/{userId}. Only our own users; the
// user-signing key never leaves its owner's server.
// Spec: https://spec.matrix.org/latest/server-server-api/#post_matrixfederationv1userkeysquery,
// https://spec.matrix.org/latest/server-server-api/#post_matrixfederationv1userkeysclaim,
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1userdevicesuserid

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import type { AppEnv } from "../../worker/http/context";
import type { Endpoint } from "../../worker/http/endpoint";
import type { UserKeys } from "../../worker/user/e2ee/key-query";
import { readRequestJson } from "../auth/request-body";

function isObject(v: unknown): v is Record<string, unknown> {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Our users with an account: a question about anyone else (or a made-up user) gets no entry and creates no UserDO. */
async function isLocalAccount(c: Context<AppEnv>, userId: string): Promise<boolean> {
	if (serverNameOf(userId) !== c.get("config").serverName) return false;
	return (await c.env.DB.prepare("SELECT 1 FROM accounts WHERE user_id = ?1").bind(userId).first()) !== null;
}

/** Keys as a remote server may see them: the requester is no local user, so no user-signing key. */
async function keysOf(c: Context<AppEnv>, userId: string, deviceIds: string[]): Promise<UserKeys> {
	return JSON.parse(await c.env.USER.getByName(userId).queryKeysJson(userId, deviceIds, "")) as UserKeys;
}

async function objectBody(c: Context<AppEnv>, field: string): Promise<Record<string, unknown>> {
	const body = await readRequestJson(c);
	const inner = isObject(body) ? body[field] : undefined;
	if (!isObject(inner)) throw new MatrixError("M_BAD_JSON", `${field} must be an object`);
	return inner;
}

async function queryHandler(c: Context<AppEnv>): Promise<Response> {
	const request = await objectBody(c, "device_keys");
	const out = { device_keys: {} as Record<string, JsonObject>, master_keys: {} as Record<string, JsonObject>, self_signing_keys: {} as Record<string, JsonObject> };
	for (const [userId, devices] of Object.entries(request)) {
		if (!Array.isArray(devices) || !devices.every((d) => typeof d === "string")) throw new MatrixError("M_BAD_JSON", "device_keys must map users to lists of device IDs");
		if (!(await isLocalAccount(c, userId))) continue;
		const keys = await keysOf(c, userId, devices);
		out.device_keys[userId] = keys.device_keys;
		if (keys.master_key) out.master_keys[userId] = keys.master_key;
		if (keys.self_signing_key) out.self_signing_keys[userId] = keys.self_signing_key;
	}
	return c.json(out);
}

async function claimHandler(c: Context<AppEnv>): Promise<Response> {
	const request = await objectBody(c, "one_time_keys");
	const out: Record<string, JsonObject> = {};
	for (const [userId, devices] of Object.entries(request)) {
		if (!isObject(devices) || !Object.values(devices).every((a) => typeof a === "string" && a !== "")) {
			throw new MatrixError("M_BAD_JSON", "one_time_keys must map users to device → algorithm");
		}
		if (!(await isLocalAccount(c, userId))) continue;
		const claimed = JSON.parse(await c.env.USER.getByName(userId).claimKeysJson(userId, devices as Record<string, string>)) as JsonObject;
		if (Object.keys(claimed).length > 0) out[userId] = claimed;
	}
	return c.json({ one_time_keys: out });
}

async function devicesHandler(c: Context<AppEnv>): Promise<Response> {
	const userId = c.req.param("userId") ?? "";
	if (serverNameOf(userId) !== c.get("config").serverName) throw new MatrixError("M_INVALID_PARAM", "Not a user of this server");
	if (!(await isLocalAccount(c, userId))) throw new MatrixError("M_NOT_FOUND", "Unknown user", { status: 404 });
	const keys = await keysOf(c, userId, []);
	const devices = Object.entries(keys.device_keys).map(([deviceId, deviceKeys]) => {
		const unsigned = isObject(deviceKeys.unsigned) ? deviceKeys.unsigned : {};
		const device: Record<string, unknown> = { device_id: deviceId, keys: deviceKeys };
		if (typeof unsigned.device_display_name === "string") device.device_display_name = unsigned.device_display_name;
		return device;
	});
	// Our m.device_list_update stream IDs are send times in ms (bridge/e2ee), so "now" is at or after every one sent.
	const out: Record<string, unknown> = { user_id: userId, stream_id: Date.now(), devices };
	if (keys.master_key) out.master_key = keys.master_key;
	if (keys.self_signing_key) out.self_signing_key = keys.self_signing_key;
	return c.json(out);
}



export const userKeysEndpoints: Endpoint[] = [
	{ method: "POST", path: "/_matrix/federation/v1/user/keys/query", auth: "server", rateLimit: null, handler: queryHandler },
	{ method: "POST", path: "/_matrix/federation/v1/user/keys/claim", auth: "server", rateLimit: null, handler: claimHandler },
	{ method: "GET", path: "/_matrix/federation/v1/user/devices/:userId", auth: "server", rateLimit: null, handler: devicesHandler },
];
