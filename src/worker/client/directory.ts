// Room aliases: resolve, create and delete (`/directory/room/{roomAlias}`), and list a room's local
// aliases (`/rooms/{roomId}/aliases`). Aliases live in D1; the room answers who holds power in it.
// Spec: https://spec.matrix.org/latest/client-server-api/#room-aliases

import type { Context } from "hono";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import { parseRoomAlias, type RoomAlias } from "../../protocol/ids/room-alias";
import { parseRoomId, type RoomId } from "../../protocol/ids/room-id";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { getAccount } from "../d1/accounts";
import { aliasesOfRoom, getAlias, removeAlias } from "../d1/directory";
import { insertAliasIfFree } from "../d1/memberships";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";

const ALIAS_PATH = "/_matrix/client/v3/directory/room/:roomAlias";

function pathAlias(c: Context<AppEnv>): RoomAlias {
	const alias = parseRoomAlias(c.req.param("roomAlias"));
	if (alias === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid room alias");
	return alias;
}

function isLocal(c: Context<AppEnv>, alias: RoomAlias): boolean {
	return serverNameOf(alias) === c.get("config").serverName;
}

function roomIdBody(body: { room_id?: unknown }): RoomId | undefined {
	if (body.room_id === undefined) throw new MatrixError("M_MISSING_PARAM", "room_id is required");
	if (typeof body.room_id !== "string") return undefined;
	const roomId = parseRoomId(body.room_id);
	if (roomId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid room ID");
	return roomId;
}

async function roomExists(c: Context<AppEnv>, roomId: string): Promise<boolean> {
	return (await c.env.ROOM.getByName(roomId).getRoomInfo()) !== null;
}

/** "Servers may choose to implement additional access control checks": the alias's creator, a server admin, or power to send m.room.canonical_alias. */
async function mayDelete(c: Context<AppEnv>, creator: string, roomId: string): Promise<boolean> {
	const user = c.get("user");
	if (user === creator) return true;
	if ((await getAccount(c.env.DB, user))?.is_admin === true) return true;
	return c.env.ROOM.getByName(roomId).canManageAliases(user);
}

export const directoryEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: ALIAS_PATH,
		auth: "none",
		rateLimit: { perSecond: 10, burst: 50 },
		handler: async (c) => {
			const alias = pathAlias(c);
			if (!isLocal(c, alias)) {
				// Another server's alias: its own server answers (federation query/directory).
				return c.json(unwrapRpc(await c.get("queryFederation").queryDirectory(alias)));
			}
			const row = await getAlias(c.env.DB, alias);
			if (row === null) throw new MatrixError("M_NOT_FOUND", `Room alias ${alias} not found`);
			return c.json({ room_id: row.room_id, servers: [c.get("config").serverName] });
		},
	},
	{
		method: "PUT",
		path: ALIAS_PATH,
		auth: "user",
		rateLimit: { perSecond: 1, burst: 10 },
		handler: async (c) => {
			const alias = pathAlias(c);
			const roomId = await readJsonBody(c, roomIdBody);
			if (!isLocal(c, alias)) throw new MatrixError("M_INVALID_PARAM", "Aliases can only be created on this server");
			if (!(await roomExists(c, roomId))) throw new MatrixError("M_NOT_FOUND", "Unknown room");
			// Only members may point an alias at a room: otherwise anyone could squat names on others' rooms.
			// The room itself answers (the D1 index may trail a join by an alarm).
			if ((await c.env.ROOM.getByName(roomId).getMembership(c.get("user"))) !== "join") {
				throw new MatrixError("M_FORBIDDEN", "You are not joined to this room");
			}
			if (!(await insertAliasIfFree(c.env.DB, alias, roomId, c.get("user"), Date.now()))) {
				throw new MatrixError("M_UNKNOWN", "Room alias already exists", { status: 409 });
			}
			return c.json({});
		},
	},
	{
		method: "DELETE",
		path: ALIAS_PATH,
		auth: "user",
		rateLimit: { perSecond: 1, burst: 10 },
		handler: async (c) => {
			const alias = pathAlias(c);
			const row = isLocal(c, alias) ? await getAlias(c.env.DB, alias) : null;
			if (row === null) throw new MatrixError("M_NOT_FOUND", `Room alias ${alias} not found`);
			if (!(await mayDelete(c, row.creator, row.room_id))) throw new MatrixError("M_FORBIDDEN", "You may not delete this alias");
			await removeAlias(c.env.DB, alias);
			return c.json({});
		},
	},
	{
		method: "GET",
		path: "/_matrix/client/v3/rooms/:roomId/aliases",
		auth: "user",
		rateLimit: { perSecond: 5, burst: 20 },
		handler: async (c) => {
			const roomId = parseRoomId(c.req.param("roomId"));
			if (roomId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid room ID");
			// "The user must be joined to the room, or the room must have world_readable history visibility."
			const joined = (await c.env.ROOM.getByName(roomId).getMembership(c.get("user"))) === "join";
			if (!joined && (await c.env.ROOM.getByName(roomId).getPublicSummary())?.world_readable !== true) {
				throw new MatrixError("M_FORBIDDEN", "You are not joined to this room");
			}
			return c.json({ aliases: await aliasesOfRoom(c.env.DB, roomId) });
		},
	},
];
