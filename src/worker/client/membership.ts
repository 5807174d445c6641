// Room membership: join (by ID or local alias), invite, leave, forget, kick, ban, unban, knock.
// Each is an m.room.member event the room builds and authorises (the protocol core's auth rules).
// Spec: https://spec.matrix.org/latest/client-server-api/#room-membership

import type { Context } from "hono";
import type { JsonObject } from "../../protocol/events/pdu";
import { type Errcode, MatrixError, unwrapRpc } from "../../protocol/errors";
import { parseRoomAlias } from "../../protocol/ids/room-alias";
import { parseRoomId, type RoomId } from "../../protocol/ids/room-id";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { parseUserId } from "../../protocol/ids/user-id";
import { getAccount } from "../d1/accounts";
import { getMembership as indexedMembership, markForgotten, resolveLocalAlias } from "../d1/memberships";
import { getProfile } from "../d1/profiles";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint, RateLimit } from "../http/endpoint";
import type { Membership } from "../room/api";
import { roomIdParam, sendToRoom } from "../room/client-send";

const ROOM = "/_matrix/client/v3/rooms/:roomId";
const LIMIT: RateLimit = { perSecond: 5, burst: 50 };

/** `reason` must be a string when present; it goes into the member event's content. */
function withReason(body: JsonObject, content: JsonObject): JsonObject {
	if (body.reason === undefined) return content;
	if (typeof body.reason !== "string") throw new MatrixError("M_BAD_JSON", "reason must be a string");
	return { ...content, reason: body.reason };
}

/** The `user_id` a kick, ban, unban or invite names. */
function targetUser(body: JsonObject): string {
	if (body.user_id === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing user_id");
	const userId = parseUserId(body.user_id);
	if (userId === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid user_id");
	return userId;
}

async function setMembership(c: Context<AppEnv>, roomId: RoomId, target: string, content: JsonObject, unknownRoom: "M_FORBIDDEN" | "M_NOT_FOUND") {
	return sendToRoom(
		c.env,
		roomId,
		{ sender: c.get("user"), type: "m.room.member", state_key: target, content, origin_server_ts: Date.now() },
		unknownRoom,
	);
}

async function currentMembership(c: Context<AppEnv>, roomId: RoomId, userId: string): Promise<Membership | null> {
	return c.env.ROOM.getByName(roomId).getMembership(userId);
}

/**
 * A room ID, a local alias resolved through D1, or another server's alias resolved by asking that server
 * (federation query/directory). `servers`: the servers the alias's answer names, to join or knock through.
 */
async function resolveRoom(c: Context<AppEnv>, idOrAlias: string | undefined): Promise<{ roomId: RoomId; servers: string[] }> {
	const roomId = parseRoomId(idOrAlias);
	if (roomId !== undefined) return { roomId, servers: [] };
	const alias = parseRoomAlias(idOrAlias);
	if (alias === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid room ID or alias");
	if (serverNameOf(alias) !== c.get("config").serverName) {
		const answer = unwrapRpc(await c.get("queryFederation").queryDirectory(alias));
		return { roomId: answer.room_id as RoomId, servers: answer.servers };
	}
	const resolved = parseRoomId(await resolveLocalAlias(c.env.DB, alias));
	if (resolved === undefined) throw new MatrixError("M_NOT_FOUND", "Room alias not found");
	return { roomId: resolved, servers: [] };
}

/** The member event content clients show: the user's display name and avatar copied in, as Synapse does. */
export async function memberContent(db: D1Database, userId: string, membership: "join" | "knock"): Promise<JsonObject> {
	const profile = await getProfile(db, userId);
	const content: JsonObject = { membership };
	if (typeof profile.displayname === "string") content.displayname = profile.displayname;
	if (typeof profile.avatar_url === "string") content.avatar_url = profile.avatar_url;
	return content;
}

type RemoteInviteRef = { event_id: string; origin: string; membership: Membership };

/**
 * The servers to reach a room we do not hold through: those the client named, then the server whose
 * invite (or our knock) we hold ("the invite's origin"), then the room ID's own domain. Empty when the room
 * lives here.
 */
async function remoteServersFor(c: Context<AppEnv>, roomId: RoomId, via: readonly string[]): Promise<{ servers: string[]; invite: RemoteInviteRef | null } | null> {
	const room = c.env.ROOM.getByName(roomId);
	if ((await room.getRoomInfo()) !== null) return null;
	const invite = await room.remoteInviteOf(c.get("user"));
	const ours = c.get("config").serverName;
	const fromInvite = invite !== null && invite.membership !== "leave" ? [invite.origin] : [];
	const servers = [...via, ...fromInvite, serverNameOf(roomId)].filter((s): s is string => s !== undefined && s !== ours);
	return { servers: [...new Set(servers)], invite };
}

/** A failed federation step as the client's error. */
function federationError(result: { errcode: Errcode; error: string; status?: number }): MatrixError {
	return new MatrixError(result.errcode, result.error, result.status === undefined ? {} : { status: result.status });
}

/**
 * Joins locally when the room lives here; otherwise through the servers the client named (`via`, the
 * deprecated `server_name`), the server that invited us and the room ID's own domain, over federation
 * (make_join/send_join).
 */
async function join(c: Context<AppEnv>, roomId: RoomId, via: readonly string[] = []): Promise<Response> {
	const body = await readJsonBody(c);
	const content = withReason(body, await memberContent(c.env.DB, c.get("user"), "join"));
	const remote = await remoteServersFor(c, roomId, via);
	if (remote !== null && remote.servers.length > 0) {
		const joined = await c.get("roomFederation").joinRemote(c.get("user"), roomId, remote.servers, content);
		if (!joined.ok) throw federationError(joined);
		return c.json({ room_id: roomId });
	}
	await setMembership(c, roomId, c.get("user"), content, "M_NOT_FOUND");
	return c.json({ room_id: roomId });
}

/** The candidate servers of POST /join/{roomIdOrAlias}: `via`, then the deprecated `server_name`. */
function viaServers(c: Context<AppEnv>): string[] {
	return [...(c.req.queries("via") ?? []), ...(c.req.queries("server_name") ?? [])];
}

async function knock(c: Context<AppEnv>): Promise<Response> {
	const { roomId, servers } = await resolveRoom(c, c.req.param("roomIdOrAlias"));
	const body = await readJsonBody(c);
	const content = withReason(body, await memberContent(c.env.DB, c.get("user"), "knock"));
	const remote = await remoteServersFor(c, roomId, [...viaServers(c), ...servers]);
	if (remote !== null && remote.servers.length > 0) {
		const knocked = await c.get("roomFederation").knockRemote(c.get("user"), roomId, remote.servers, content);
		if (!knocked.ok) throw federationError(knocked);
		return c.json({ room_id: roomId });
	}
	await setMembership(c, roomId, c.get("user"), content, "M_NOT_FOUND");
	return c.json({ room_id: roomId });
}

async function invite(c: Context<AppEnv>): Promise<Response> {
	const roomId = roomIdParam(c.req.param("roomId"));
	const body = await readJsonBody(c);
	if (body.user_id === undefined && (body.medium !== undefined || body.address !== undefined)) {
		throw new MatrixError("M_UNRECOGNIZED", "Third-party invites are not supported", { status: 400 });
	}
	const target = targetUser(body);
	if (serverNameOf(target) !== c.get("config").serverName) {
		// Invite v2 to the target's server first; the room stores the invite once it came back countersigned.
		const invited = await c.get("roomFederation").inviteRemote(roomId, c.get("user"), target, withReason(body, { membership: "invite" }));
		if (!invited.ok && invited.errcode === "M_NOT_FOUND" && invited.error === "Unknown room") throw new MatrixError("M_FORBIDDEN", "You are not in this room");
		if (!invited.ok) throw federationError(invited);
		return c.json({});
	}
	const account = await getAccount(c.env.DB, target);
	if (account === null || account.deactivated) throw new MatrixError("M_NOT_FOUND", "Unknown user");
	await setMembership(c, roomId, target, withReason(body, { membership: "invite" }), "M_FORBIDDEN");
	return c.json({});
}

async function leave(c: Context<AppEnv>): Promise<Response> {
	const roomId = roomIdParam(c.req.param("roomId"));
	const body = await readJsonBody(c);
	// Rejecting an invite (or retracting a knock) for a room held elsewhere: through the inviting server.
	const remote = await remoteServersFor(c, roomId, []);
	if (remote !== null && remote.invite !== null && remote.invite.membership !== "leave") {
		const left = await c.get("roomFederation").leaveRemote(c.get("user"), roomId, remote.servers, withReason(body, { membership: "leave" }));
		if (!left.ok) throw federationError(left);
		return c.json({});
	}
	await setMembership(c, roomId, c.get("user"), withReason(body, { membership: "leave" }), "M_FORBIDDEN");
	return c.json({});
}

/** Kick, ban and unban: `expect` lists the target memberships the action applies to (null: whatever it is). */
async function moderate(
	c: Context<AppEnv>,
	membership: "leave" | "ban",
	expect: { memberships: readonly Membership[]; refusal: string } | null,
): Promise<Response> {
	const roomId = roomIdParam(c.req.param("roomId"));
	const body = await readJsonBody(c);
	const target = targetUser(body);
	if (expect !== null) {
		const current = await currentMembership(c, roomId, target);
		if (current === null || !expect.memberships.includes(current)) throw new MatrixError("M_FORBIDDEN", expect.refusal);
	}
	await setMembership(c, roomId, target, withReason(body, { membership }), "M_FORBIDDEN");
	return c.json({});
}

async function forget(c: Context<AppEnv>): Promise<Response> {
	const roomId = roomIdParam(c.req.param("roomId"));
	await readJsonBody(c).catch(() => ({}));
	const user = c.get("user");
	const current = await currentMembership(c, roomId, user);
	// "The user must have left the room (or been kicked/banned) first."
	if (current === "join" || current === "invite" || current === "knock") {
		throw new MatrixError("M_UNKNOWN", "You must leave the room before forgetting it");
	}
	if (current === null && (await indexedMembership(c.env.DB, user, roomId)) === null) {
		throw new MatrixError("M_NOT_FOUND", "You have never been in this room");
	}
	await markForgotten(c.env.DB, user, roomId);
	return c.json({});
}

export const membershipEndpoints: Endpoint[] = [
	{ method: "POST", path: `${ROOM}/join`, auth: "user", rateLimit: LIMIT, handler: (c) => join(c, roomIdParam(c.req.param("roomId"))) },
	{ method: "POST", path: "/_matrix/client/v3/join/:roomIdOrAlias", auth: "user", rateLimit: LIMIT, handler: async (c) => {
			const { roomId, servers } = await resolveRoom(c, c.req.param("roomIdOrAlias"));
			return join(c, roomId, [...viaServers(c), ...servers]);
		},
	},
	{ method: "POST", path: "/_matrix/client/v3/knock/:roomIdOrAlias", auth: "user", rateLimit: LIMIT, handler: knock },
	{ method: "POST", path: `${ROOM}/invite`, auth: "user", rateLimit: LIMIT, handler: invite },
	{ method: "POST", path: `${ROOM}/leave`, auth: "user", rateLimit: LIMIT, handler: leave },
	{ method: "POST", path: `${ROOM}/forget`, auth: "user", rateLimit: LIMIT, handler: forget },
	{ method: "POST", path: `${ROOM}/kick`, auth: "user", rateLimit: LIMIT, handler: (c) => moderate(c, "leave", { memberships: ["join", "invite", "knock"], refusal: "The user is not in the room" }) },
	{ method: "POST", path: `${ROOM}/ban`, auth: "user", rateLimit: LIMIT, handler: (c) => moderate(c, "ban", null) },
	{ method: "POST", path: `${ROOM}/unban`, auth: "user", rateLimit: LIMIT, handler: (c) => moderate(c, "leave", { memberships: ["ban"], refusal: "The user is not banned" }) },
];
