// Sending a user notice: a plain m.server_notice message from the `@server:<name>` notices user, in one
// server-notices room per user (created on first use, the user invited). The room is deliberately not
// encrypted: the server writes the notice. Design: /work/shared/LAWFUL_ACCESS.md#lifecycle ("User notification");
// server notices: https://spec.matrix.org/latest/client-server-api/#server-notices

import { buildSignedEvent } from "../../protocol/events/build-event";
import { createRoomEvents } from "../../protocol/rooms/create-room-events";
import { parseCreateRoomRequest } from "../../protocol/rooms/create-room-request";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import { getConfig } from "../../platform/config";
import { getServerKeys } from "../../platform/signing-key/server-key";
import { getNoticeRoom, putNoticeRoom } from "../store/notices";

type Bindings = Pick<Env, "DB" | "ROOM"> & Env;

export function noticesUser(serverName: string): string {
	return `@server:${serverName}`;
}

const ROOM_ID_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function randomRoomId(serverName: string): string {
	const bytes = crypto.getRandomValues(new Uint8Array(18));
	return `!${Array.from(bytes, (b) => ROOM_ID_LETTERS[b % 52]).join("")}:${serverName}`;
}

async function createNoticeRoom(env: Bindings, userId: string, now: number): Promise<string> {
	const config = getConfig(env);
	const rules = roomVersionRules(config.defaultRoomVersion);
	if (rules === undefined) throw new Error("the default room version has no rules");
	const sender = noticesUser(config.serverName);
	const request = parseCreateRoomRequest({ preset: "private_chat", name: "Server notices", invite: [userId], is_direct: true });
	const plan = createRoomEvents({ rules, creator: sender, request, encrypt: false });
	const keys = await getServerKeys(env.DB, config, now);
	const create = await buildSignedEvent(
		rules,
		{ ...plan.create, room_id: rules.auth.roomIdIsCreateEventId ? undefined : randomRoomId(config.serverName), origin_server_ts: now, prev_events: [], auth_events: [], depth: 1 },
		config.serverName,
		keys.current,
	);
	const roomId = create.event.room_id;
	const result = await env.ROOM.getByName(roomId).createRoom({ room_version: rules.id, create_pdu: create.pdu_json, events: plan.rest, origin_server_ts: now });
	if (!result.ok) throw new Error(`notice room creation failed: ${result.errcode}`);
	await putNoticeRoom(env.DB, userId, roomId);
	// Another job run may have created one concurrently; the stored one wins so notices stay in one room.
	return (await getNoticeRoom(env.DB, userId)) ?? roomId;
}

/** Sends `body` to `userId`'s server-notices room; returns the room ID. */
export async function sendServerNotice(env: Bindings, userId: string, body: string, now: number): Promise<string> {
	const roomId = (await getNoticeRoom(env.DB, userId)) ?? (await createNoticeRoom(env, userId, now));
	const sender = noticesUser(getConfig(env).serverName);
	const result = await env.ROOM.getByName(roomId).sendLocalEvent({
		sender,
		type: "m.room.message",
		content: { msgtype: "m.server_notice", server_notice_type: "m.server_notice.lawful_access", body },
		origin_server_ts: now,
	});
	if (!result.ok) throw new Error(`server notice failed: ${result.errcode}`);
	return roomId;
}
