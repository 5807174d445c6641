// The published room directory: list and search it (`/publicRooms`), and publish or unpublish a room
// (`/directory/list/room/{roomId}`). Which rooms are listed is in D1; each entry is its room's current state.
// Spec: https://spec.matrix.org/latest/client-server-api/#listing-rooms

import type { Context } from "hono";
import { type DirectoryPage, type DirectoryQuery, pageDirectory, parseSinceToken, type PublicRoomChunk } from "../../protocol/directory/public-room";
import type { JsonObject } from "../../protocol/events/pdu";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import { parseRoomId, type RoomId } from "../../protocol/ids/room-id";
import { getAccount } from "../d1/accounts";
import { getVisibility, publishedRoomIds } from "../d1/directory";
import { publishRoom } from "../d1/memberships";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";

/** Rooms asked for their state at once while building the list. */
const SUMMARY_BATCH = 50;
const MAX_LIMIT = 500;

function bad(message: string): MatrixError {
	return new MatrixError("M_INVALID_PARAM", message);
}

/** `server` names another server (whose directory that server lists), not ours. */
function isRemote(c: Context<AppEnv>, server: string | undefined): server is string {
	return server !== undefined && server !== c.get("config").serverName;
}

/** Another server's directory, asked over federation with the client's query (POST /publicRooms). */
async function remoteDirectory(c: Context<AppEnv>, server: string, request: JsonObject): Promise<Response> {
	return c.json(unwrapRpc(await c.get("queryFederation").publicRooms(server, request)));
}

export function checkSince(since: string | undefined): void {
	if (parseSinceToken(since) === undefined) throw bad("Unknown pagination token");
}

function parseLimit(value: unknown): number | undefined {
	if (value === undefined) return undefined;
	const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
	if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw bad("limit must be a non-negative integer");
	return Math.min(n, MAX_LIMIT);
}

/** The directory's page for a query (CS and federation /publicRooms alike); the caller checked `since`. */
export async function listPublicRooms(env: Env, query: DirectoryQuery): Promise<DirectoryPage> {
	return pageDirectory(await summaries(env), query);
}

async function summaries(env: Env): Promise<PublicRoomChunk[]> {
	const ids = await publishedRoomIds(env.DB);
	const out: PublicRoomChunk[] = [];
	for (let i = 0; i < ids.length; i += SUMMARY_BATCH) {
		const batch = await Promise.all(ids.slice(i, i + SUMMARY_BATCH).map((id) => env.ROOM.getByName(id).getPublicSummary()));
		for (const chunk of batch) if (chunk !== null) out.push(chunk);
	}
	return out;
}

/** The GET query's `since` (checked) and `limit` (CS and federation alike). */
export function getQuery(c: Context<AppEnv>): DirectoryQuery {
	const since = c.req.query("since");
	checkSince(since);
	const limit = parseLimit(c.req.query("limit"));
	return { ...(since === undefined ? {} : { since }), ...(limit === undefined ? {} : { limit }) };
}

/** The POST body (CS and federation alike): limit, since, filter, the network; wrong types are M_BAD_JSON. */
export function postQuery(body: JsonObject): DirectoryQuery | undefined {
	const query: DirectoryQuery = {};
	const limit = body.limit === undefined ? undefined : typeof body.limit === "number" ? parseLimit(body.limit) : null;
	if (limit === null) return undefined;
	if (limit !== undefined) query.limit = limit;
	if (body.since !== undefined) {
		if (typeof body.since !== "string") return undefined;
		query.since = body.since;
	}
	if (body.include_all_networks !== undefined && typeof body.include_all_networks !== "boolean") return undefined;
	if (body.third_party_instance_id !== undefined) {
		if (typeof body.third_party_instance_id !== "string") return undefined;
		query.thirdPartyInstanceId = body.third_party_instance_id;
	}
	const filter = body.filter;
	if (filter !== undefined && filter !== null) {
		if (typeof filter !== "object" || Array.isArray(filter)) return undefined;
		if (filter.generic_search_term !== undefined) {
			if (typeof filter.generic_search_term !== "string") return undefined;
			query.searchTerm = filter.generic_search_term;
		}
		if (filter.room_types !== undefined) {
			const types = filter.room_types;
			if (!Array.isArray(types) || !types.every((t) => t === null || typeof t === "string")) return undefined;
			query.roomTypes = types as (string | null)[];
		}
	}
	return query;
}

function roomIdParam(c: Context<AppEnv>): RoomId {
	const roomId = parseRoomId(c.req.param("roomId"));
	if (roomId === undefined) throw bad("Invalid room ID");
	return roomId;
}

function visibilityBody(body: JsonObject): "public" | "private" | undefined {
	// "The new visibility setting for the room. Defaults to public."
	const v = body.visibility ?? "public";
	if (v !== "public" && v !== "private") return undefined;
	return v;
}

export const publicRoomsEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/v3/publicRooms",
		auth: "none",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: async (c) => {
			const server = c.req.query("server");
			if (isRemote(c, server)) {
				// The remote's own pagination token: only that server can check it.
				const since = c.req.query("since");
				const limit = parseLimit(c.req.query("limit"));
				return remoteDirectory(c, server, { ...(limit === undefined ? {} : { limit }), ...(since === undefined ? {} : { since }) });
			}
			return c.json(await listPublicRooms(c.env, getQuery(c)));
		},
	},
	{
		method: "POST",
		path: "/_matrix/client/v3/publicRooms",
		auth: "user",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: async (c) => {
			const server = c.req.query("server");
			// Checked as for our own directory, then passed on as the client wrote it (the remote pages it).
			if (isRemote(c, server)) return remoteDirectory(c, server, await readJsonBody(c, (body) => (postQuery(body) === undefined ? undefined : body)));
			const query = await readJsonBody(c, postQuery);
			checkSince(query.since);
			return c.json(await listPublicRooms(c.env, query));
		},
	},
	{
		method: "GET",
		path: "/_matrix/client/v3/directory/list/room/:roomId",
		auth: "none",
		rateLimit: { perSecond: 10, burst: 50 },
		handler: async (c) => {
			const roomId = roomIdParam(c);
			if ((await c.env.ROOM.getByName(roomId).getRoomInfo()) === null) throw new MatrixError("M_NOT_FOUND", "Unknown room");
			return c.json({ visibility: await getVisibility(c.env.DB, roomId) });
		},
	},
	{
		method: "PUT",
		path: "/_matrix/client/v3/directory/list/room/:roomId",
		auth: "user",
		rateLimit: { perSecond: 1, burst: 10 },
		handler: async (c) => {
			const roomId = roomIdParam(c);
			const visibility = await readJsonBody(c, visibilityBody);
			const room = c.env.ROOM.getByName(roomId);
			if ((await room.getRoomInfo()) === null) throw new MatrixError("M_NOT_FOUND", "Unknown room");
			// "Servers MAY implement additional access control checks": room admins (power for m.room.canonical_alias) and server admins.
			const user = c.get("user");
			if (!(await room.canManageAliases(user)) && (await getAccount(c.env.DB, user))?.is_admin !== true) {
				throw new MatrixError("M_FORBIDDEN", "You may not change this room's directory visibility");
			}
			await publishRoom(c.env.DB, roomId, visibility);
			return c.json({});
		},
	},
];
