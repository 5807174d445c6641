// POST /createRoom: checks the request, signs the create event here (a v12 room ID is its hash, so the
// RoomDO to address is known only then), reserves the alias, and has the RoomDO store the rest.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3createroom

import type { Context } from "hono";
import { buildSignedEvent } from "../../protocol/events/build-event";
import { MatrixError, unwrapRpc } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { parseRoomAlias } from "../../protocol/ids/room-alias";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { type CreateRoomPlan, createRoomEvents } from "../../protocol/rooms/create-room-events";
import { parseCreateRoomRequest } from "../../protocol/rooms/create-room-request";
import { roomVersionRules, type RoomVersionRules } from "../../protocol/room-versions/rules";
import { type Config, CREATABLE_ROOM_VERSIONS } from "../../platform/config";
import { log } from "../../platform/log";
import { getServerKeys } from "../../platform/signing-key/server-key";
import { getAccount } from "../d1/accounts";
import { deleteAlias, insertAliasIfFree, publishRoom } from "../d1/memberships";
import { getProfile } from "../d1/profiles";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";

const ROOM_ID_LENGTH = 18;
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `!<18 random letters>:<server>` for room versions that name a server in the room ID (v1–v11). */
function randomRoomId(serverName: string): string {
	let out = "";
	while (out.length < ROOM_ID_LENGTH) {
		for (const b of crypto.getRandomValues(new Uint8Array(ROOM_ID_LENGTH))) {
			// 208 = 4 × 52: dropping larger bytes keeps every letter equally likely.
			if (b < 208 && out.length < ROOM_ID_LENGTH) out += LETTERS[b % 52];
		}
	}
	return `!${out}:${serverName}`;
}

/** The rules of a version we create rooms in (10, 11, 12), or M_UNSUPPORTED_ROOM_VERSION. */
export function creatableRules(version: string): RoomVersionRules {
	const rules = (CREATABLE_ROOM_VERSIONS as readonly string[]).includes(version) ? roomVersionRules(version) : undefined;
	if (!rules) throw new MatrixError("M_UNSUPPORTED_ROOM_VERSION", `This server cannot create rooms of version ${JSON.stringify(version)}`);
	return rules;
}

async function createRoom(c: Context<AppEnv>): Promise<Response> {
	const config = c.get("config");
	const creator = c.get("user");
	const request = parseCreateRoomRequest(await readJsonBody(c));
	const rules = creatableRules(request.room_version ?? config.defaultRoomVersion);
	if (request.invite_3pid_count > 0) throw new MatrixError("M_UNRECOGNIZED", "Third-party invites are not supported", { status: 400 });
	// Users on other servers are invited over federation once the room exists (invite v2, as POST /invite does).
	const remoteInvitees = request.invite.filter((u) => serverNameOf(u) !== config.serverName);
	for (const invitee of request.invite) {
		if (remoteInvitees.includes(invitee)) continue;
		const account = await getAccount(c.env.DB, invitee);
		if (account === null || account.deactivated) throw new MatrixError("M_NOT_FOUND", `Unknown user ${invitee}`);
	}
	let alias: string | undefined;
	if (request.room_alias_name !== undefined) {
		alias = parseRoomAlias(`#${request.room_alias_name}:${config.serverName}`);
		if (alias === undefined) throw new MatrixError("M_INVALID_PARAM", "room_alias_name does not make a valid alias");
	}

	const profile = await getProfile(c.env.DB, creator);
	const creatorProfile: { displayname?: string; avatar_url?: string } = {};
	if (typeof profile.displayname === "string") creatorProfile.displayname = profile.displayname;
	if (typeof profile.avatar_url === "string") creatorProfile.avatar_url = profile.avatar_url;
	const plan = createRoomEvents({
		rules,
		creator,
		request,
		creator_profile: creatorProfile,
		encrypt: config.encryptNewRooms,
		...(alias === undefined ? {} : { canonical_alias: alias }),
	});
	const local = { ...plan, rest: plan.rest.filter((e) => !(e.type === "m.room.member" && remoteInvitees.includes(e.state_key ?? ""))) };
	const roomId = await storeNewRoom(c.env, config, rules, local, alias);
	if (request.visibility === "public") await publishRoom(c.env.DB, roomId, "public");
	await inviteRemote(c, roomId, creator, remoteInvitees, request.is_direct);
	return c.json({ room_id: roomId });
}

/**
 * Invites each remote invitee in turn. The room exists by now, so one server that refuses or cannot be
 * reached does not fail the request (the creator can retry with POST /invite); it is logged instead.
 */
async function inviteRemote(c: Context<AppEnv>, roomId: string, creator: string, invitees: readonly string[], isDirect: boolean): Promise<void> {
	const content: JsonObject = isDirect ? { membership: "invite", is_direct: true } : { membership: "invite" };
	for (const invitee of invitees) {
		const invited = await c.get("roomFederation").inviteRemote(roomId, creator, invitee, content);
		if (!invited.ok) log.warn("create_room_remote_invite_failed", { room_id: roomId, destination: serverNameOf(invitee), errcode: invited.errcode });
	}
}

/**
 * Signs the plan's create event (which fixes the room ID), reserves `alias` for it, and has the new
 * room's RoomDO store every event. Throws the RoomDO's error (the alias is released again).
 */
export async function storeNewRoom(env: Env, config: Config, rules: RoomVersionRules, plan: CreateRoomPlan, alias?: string): Promise<string> {
	const now = Date.now();
	const keys = await getServerKeys(env.DB, config, now);
	const create = await buildSignedEvent(
		rules,
		{
			...plan.create,
			room_id: rules.auth.roomIdIsCreateEventId ? undefined : randomRoomId(config.serverName),
			origin_server_ts: now,
			prev_events: [],
			auth_events: [],
			depth: 1,
		},
		config.serverName,
		keys.current,
	);
	const roomId = create.event.room_id;
	// The alias is reserved before the room exists, so two creators cannot both get it.
	if (alias !== undefined && !(await insertAliasIfFree(env.DB, alias, roomId, plan.create.sender, now))) {
		throw new MatrixError("M_ROOM_IN_USE", "Room alias already taken");
	}
	const result = await env.ROOM.getByName(roomId).createRoom({
		room_version: rules.id,
		create_pdu: create.pdu_json,
		events: plan.rest,
		origin_server_ts: now,
	});
	if (!result.ok && alias !== undefined) await deleteAlias(env.DB, alias);
	unwrapRpc(result);
	return roomId;
}

export const createRoomEndpoints: Endpoint[] = [
	{
		method: "POST",
		path: "/_matrix/client/v3/createRoom",
		auth: "user",
		// Each room is a new Durable Object and a burst of signed events; a person creates few.
		rateLimit: { perSecond: 1, burst: 20 },
		handler: createRoom,
	},
];
