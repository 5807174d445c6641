// The bridge's implementation of QueryFederationPort (worker/client/query-federation-port.ts): one signed
// GET to the server that owns the alias or user. The answer is untrusted: only well-formed fields are kept,
// and a remote's error text never reaches the client.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1querydirectory,
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1queryprofile,
// https://spec.matrix.org/latest/server-server-api/#post_matrixfederationv1publicrooms

import type { Config } from "../../platform/config";
import type { RpcResult } from "../../protocol/errors";
import type { JsonObject, JsonValue } from "../../protocol/events/pdu";
import { parseRoomId } from "../../protocol/ids/room-id";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { isValidServerName } from "../../protocol/federation/server-name";
import type { QueryFederationPort } from "../../worker/client/query-federation-port";
import { federationRequest, type FederationClientEnv } from "../client/federation-client";
import type { FederationFailure } from "../client/federation-port";

/** A directory or profile answer is small; a bigger one is not worth reading. */
const MAX_QUERY_BYTES = 64 * 1024;
/** A directory page of up to 500 rooms (our own cap) is far below this. */
const MAX_DIRECTORY_BYTES = 1024 * 1024;
const QUERY_TIMEOUT_MS = 10_000;
/** Servers listed for an alias beyond this many add nothing a join would try. */
const MAX_SERVERS = 20;

function isObject(v: unknown): v is Record<string, unknown> {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * 404 is the spec's "no such alias/user/field"; 403 a server that keeps it to itself (Synapse's directory
 * unless allow_public_rooms_over_federation); anything else means the server could not answer.
 */
function failed(f: FederationFailure, what: string): RpcResult<never> {
	if (f.kind === "http" && f.status === 403) return { ok: false, errcode: "M_FORBIDDEN", error: `The server does not share this ${what}` };
	if (f.kind === "http" && f.status === 404) return { ok: false, errcode: "M_NOT_FOUND", error: `${what[0]!.toUpperCase()}${what.slice(1)} not found` };
	return { ok: false, errcode: "M_UNKNOWN", error: `Could not ask the ${what}'s server (${f.kind})`, status: 502 };
}

async function query(env: FederationClientEnv, config: Config, id: string, path: string) {
	const server = serverNameOf(id);
	if (server === undefined || server === config.serverName) return undefined;
	return federationRequest(env, config, server, "GET", path, undefined, { timeoutMs: QUERY_TIMEOUT_MS, maxResponseBytes: MAX_QUERY_BYTES });
}

export function queryFederationFor(env: FederationClientEnv, config: Config): QueryFederationPort {
	return {
		async queryDirectory(alias) {
			const res = await query(env, config, alias, `/_matrix/federation/v1/query/directory?room_alias=${encodeURIComponent(alias)}`);
			if (res === undefined) return { ok: false, errcode: "M_INVALID_PARAM", error: "Not an alias of another server" };
			if (!res.ok) return failed(res, "room alias");
			const body = res.body;
			const roomId = isObject(body) ? parseRoomId(body.room_id) : undefined;
			if (!isObject(body) || roomId === undefined) return { ok: false, errcode: "M_UNKNOWN", error: "The alias's server gave no valid room ID", status: 502 };
			const listed = Array.isArray(body.servers) ? body.servers.filter((s): s is string => typeof s === "string" && isValidServerName(s)) : [];
			// The alias's own server can always be asked, even when it did not list itself.
			const servers = [...new Set([...listed, serverNameOf(alias)!])].slice(0, MAX_SERVERS);
			return { ok: true, value: { room_id: roomId, servers } };
		},
		async queryProfile(userId, field) {
			const fieldParam = field === undefined ? "" : `&field=${encodeURIComponent(field)}`;
			const res = await query(env, config, userId, `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(userId)}${fieldParam}`);
			if (res === undefined) return { ok: false, errcode: "M_INVALID_PARAM", error: "Not a user of another server" };
			if (!res.ok) return failed(res, "profile");
			if (!isObject(res.body)) return { ok: false, errcode: "M_UNKNOWN", error: "The user's server gave no profile", status: 502 };
			const profile: Record<string, JsonValue> = {};
			for (const [key, value] of Object.entries(res.body)) {
				// Servers send `null` for unset fields (Synapse does); the Client-Server API omits them.
				if (value === null || (field !== undefined && key !== field)) continue;
				profile[key] = value as JsonValue;
			}
			return { ok: true, value: profile };
		},
		async publicRooms(server, request) {
			if (server === config.serverName || !isValidServerName(server)) return { ok: false, errcode: "M_INVALID_PARAM", error: "Not another server" };
			const res = await federationRequest(env, config, server, "POST", "/_matrix/federation/v1/publicRooms", request, { timeoutMs: QUERY_TIMEOUT_MS, maxResponseBytes: MAX_DIRECTORY_BYTES });
			if (!res.ok) return failed(res, "room directory");
			return directoryPage(res.body);
		},
	};
}

/** The remote's page with only well-formed rooms (the spec's required fields present and typed) and tokens. */
function directoryPage(body: unknown): RpcResult<JsonObject> {
	if (!isObject(body) || !Array.isArray(body.chunk)) return { ok: false, errcode: "M_UNKNOWN", error: "The server gave no room directory", status: 502 };
	const chunk = body.chunk.filter(
		(r): r is JsonObject =>
			isObject(r) && parseRoomId(r.room_id) !== undefined && Number.isSafeInteger(r.num_joined_members) && typeof r.world_readable === "boolean" && typeof r.guest_can_join === "boolean",
	);
	const page: JsonObject = { chunk };
	for (const token of ["next_batch", "prev_batch"] as const) if (typeof body[token] === "string") page[token] = body[token];
	if (Number.isSafeInteger(body.total_room_count_estimate)) page.total_room_count_estimate = body.total_room_count_estimate as number;
	return { ok: true, value: page };
}
