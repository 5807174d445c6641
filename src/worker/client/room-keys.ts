// Server-side key backup: /room_keys/version[/{version}] and /room_keys/keys[/{roomId}[/{sessionId}]].
// Spec: https://spec.matrix.org/latest/client-server-api/#server-side-key-backups
// auth_data and session_data are opaque: stored as given, never read.

import type { Context } from "hono";
import { type BackupKey, parseBackupKey, parseRoomKeyBackup } from "../../protocol/e2ee/key-backup";
import { MatrixError, type RpcResult, unwrapRpc } from "../../protocol/errors";
import type { JsonObject, JsonValue } from "../../protocol/events/pdu";
import { requireRoomId } from "../../protocol/ids/room-id";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint, HttpMethod } from "../http/endpoint";
import { e2eeUser } from "../user/e2ee/api";
import type { BackupKeys, KeyScope, RoomKeysUpdate, WrongVersion } from "../user/e2ee/key-backup";

const RATE = { perSecond: 10, burst: 50 };
const VERSION = "/_matrix/client/v3/room_keys/version";
const KEYS = "/_matrix/client/v3/room_keys/keys";

function isObject(v: JsonValue | undefined): v is JsonObject {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `{ algorithm, auth_data }` of POST and PUT /room_keys/version. */
function versionBody(body: JsonObject): { algorithm: string; auth_data: JsonObject; version?: string } {
	const { algorithm, auth_data, version } = body;
	if (algorithm === undefined || auth_data === undefined) throw new MatrixError("M_MISSING_PARAM", "algorithm and auth_data are required");
	if (typeof algorithm !== "string" || algorithm === "" || !isObject(auth_data)) throw new MatrixError("M_BAD_JSON", "algorithm must be a string, auth_data an object");
	if (version !== undefined && typeof version !== "string") throw new MatrixError("M_BAD_JSON", "version must be a string");
	return version === undefined ? { algorithm, auth_data } : { algorithm, auth_data, version };
}

function versionQuery(c: Context<AppEnv>): string {
	const version = c.req.query("version");
	if (version === undefined) throw new MatrixError("M_MISSING_PARAM", "The version query parameter is required");
	return version;
}

function scopeOf(c: Context<AppEnv>): KeyScope {
	const roomId = c.req.param("roomId");
	const sessionId = c.req.param("sessionId");
	const scope: KeyScope = {};
	if (roomId !== undefined) scope.roomId = requireRoomId(roomId);
	if (sessionId !== undefined) scope.sessionId = sessionId;
	return scope;
}

function unwrapUpdate(result: RpcResult<RoomKeysUpdate> | WrongVersion): RoomKeysUpdate {
	if (!result.ok && result.errcode === "M_WRONG_ROOM_KEYS_VERSION" && "current_version" in result) {
		throw new MatrixError(result.errcode, result.error, { extra: { current_version: result.current_version } });
	}
	return unwrapRpc(result as RpcResult<RoomKeysUpdate>);
}

/** The keys a PUT carries, at the level its path names. */
async function putBody(c: Context<AppEnv>, scope: KeyScope): Promise<BackupKeys> {
	const body = await readJsonBody(c);
	if (scope.roomId !== undefined && scope.sessionId !== undefined) {
		const key = parseBackupKey(body);
		if (key === undefined) throw new MatrixError("M_BAD_JSON", "Expected KeyBackupData");
		return { [scope.roomId]: { [scope.sessionId]: key } };
	}
	if (scope.roomId !== undefined) {
		const sessions = parseRoomKeyBackup(body);
		if (sessions === undefined) throw new MatrixError("M_BAD_JSON", "Expected { sessions: { ... } }");
		return { [scope.roomId]: Object.fromEntries(sessions) };
	}
	if (!isObject(body.rooms)) throw new MatrixError(body.rooms === undefined ? "M_MISSING_PARAM" : "M_BAD_JSON", "Expected { rooms: { ... } }");
	const out: BackupKeys = {};
	for (const [roomId, room] of Object.entries(body.rooms)) {
		const sessions = parseRoomKeyBackup(room);
		if (sessions === undefined) throw new MatrixError("M_BAD_JSON", "Expected { sessions: { ... } } for every room");
		out[requireRoomId(roomId)] = Object.fromEntries(sessions);
	}
	return out;
}

/** GET's answer at the level its path names; a missing single key is M_NOT_FOUND. */
function shapeKeys(keys: BackupKeys, scope: KeyScope): JsonObject {
	if (scope.roomId !== undefined && scope.sessionId !== undefined) {
		const key: BackupKey | undefined = keys[scope.roomId]?.[scope.sessionId];
		if (key === undefined) throw new MatrixError("M_NOT_FOUND", "Key not found");
		return { ...key };
	}
	const rooms: JsonObject = {};
	for (const [roomId, sessions] of Object.entries(keys)) {
		const s: JsonObject = {};
		for (const [sessionId, key] of Object.entries(sessions)) s[sessionId] = { ...key };
		rooms[roomId] = { sessions: s };
	}
	if (scope.roomId !== undefined) return (rooms[scope.roomId] as JsonObject | undefined) ?? { sessions: {} };
	return { rooms };
}

function keyEndpoints(path: string): Endpoint[] {
	const route = (method: HttpMethod, handler: Endpoint["handler"]): Endpoint => ({ method, path, auth: "user", rateLimit: RATE, handler });
	return [
		route("PUT", async (c) => {
			const userId = c.get("user");
			const version = versionQuery(c);
			const scope = scopeOf(c);
			const keys = await putBody(c, scope);
			return c.json(unwrapUpdate(await e2eeUser(c.env, userId).putBackupKeys(userId, version, keys)));
		}),
		route("GET", async (c) => {
			const userId = c.get("user");
			const scope = scopeOf(c);
			const text = unwrapRpc(await e2eeUser(c.env, userId).getBackupKeysJson(userId, versionQuery(c), scope));
			return c.json(shapeKeys(JSON.parse(text) as BackupKeys, scope));
		}),
		route("DELETE", async (c) => {
			const userId = c.get("user");
			const scope = scopeOf(c);
			return c.json(unwrapRpc(await e2eeUser(c.env, userId).deleteBackupKeys(userId, versionQuery(c), scope)));
		}),
	];
}

export const roomKeysEndpoints: Endpoint[] = [
	{
		method: "POST",
		path: VERSION,
		auth: "user",
		rateLimit: RATE,
		handler: async (c) => {
			const userId = c.get("user");
			const body = await readJsonBody(c, versionBody);
			return c.json({ version: unwrapRpc(await e2eeUser(c.env, userId).createKeyBackup(userId, body.algorithm, body.auth_data)) });
		},
	},
	{
		method: "GET",
		path: VERSION,
		auth: "user",
		rateLimit: RATE,
		handler: async (c) => {
			const userId = c.get("user");
			return c.json(JSON.parse(unwrapRpc(await e2eeUser(c.env, userId).getKeyBackupJson(userId))) as JsonObject);
		},
	},
	{
		method: "GET",
		path: `${VERSION}/:version`,
		auth: "user",
		rateLimit: RATE,
		handler: async (c) => {
			const userId = c.get("user");
			const version = c.req.param("version") ?? "";
			return c.json(JSON.parse(unwrapRpc(await e2eeUser(c.env, userId).getKeyBackupJson(userId, version))) as JsonObject);
		},
	},
	{
		method: "PUT",
		path: `${VERSION}/:version`,
		auth: "user",
		rateLimit: RATE,
		handler: async (c) => {
			const userId = c.get("user");
			const version = c.req.param("version") ?? "";
			const body = await readJsonBody(c, versionBody);
			// "The backup version. If present, must be the same as the version in the path parameter."
			if (body.version !== undefined && body.version !== version) throw new MatrixError("M_INVALID_PARAM", "version does not match the path");
			unwrapRpc(await e2eeUser(c.env, userId).updateKeyBackup(userId, version, body.algorithm, body.auth_data));
			return c.json({});
		},
	},
	{
		method: "DELETE",
		path: `${VERSION}/:version`,
		auth: "user",
		rateLimit: RATE,
		handler: async (c) => {
			const userId = c.get("user");
			unwrapRpc(await e2eeUser(c.env, userId).deleteKeyBackup(userId, c.req.param("version") ?? ""));
			return c.json({});
		},
	},
	...keyEndpoints(KEYS),
	...keyEndpoints(`${KEYS}/:roomId`),
	...keyEndpoints(`${KEYS}/:roomId/:sessionId`),
];
