// POST /rooms/{roomId}/upgrade: a replacement room in the new version with the old room's settings, then
// a tombstone in the old room and power levels there that silence ordinary members.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixclientv3roomsroomidupgrade

import type { Context } from "hono";
import { requiredEventLevel, roomPower, userPowerLevel } from "../../protocol/auth";
import { toRoomEvent } from "../../protocol/events/event-id";
import type { JsonObject, Pdu, RoomEvent } from "../../protocol/events/pdu";
import { MatrixError } from "../../protocol/errors";
import { parseUserId } from "../../protocol/ids/user-id";
import { restrictedPowerLevels, upgradeRoomEvents } from "../../protocol/rooms/upgrade-room";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint } from "../http/endpoint";
import { roomIdParam, sendToRoom } from "../room/client-send";
import { creatableRules, storeNewRoom } from "./create-room";
import { moveDirectoryEntries } from "../d1/directory";

interface UpgradeBody {
	new_version: string;
	additional_creators: string[];
}

function upgradeBody(body: JsonObject): UpgradeBody {
	if (body.new_version === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing new_version");
	if (typeof body.new_version !== "string") throw new MatrixError("M_BAD_JSON", "new_version must be a string");
	const extra = body.additional_creators ?? [];
	if (!Array.isArray(extra) || !extra.every((u) => parseUserId(u) !== undefined)) {
		throw new MatrixError("M_BAD_JSON", "additional_creators must be an array of user IDs");
	}
	return { new_version: body.new_version, additional_creators: extra as string[] };
}

async function upgrade(c: Context<AppEnv>): Promise<Response> {
	const oldRoomId = roomIdParam(c.req.param("roomId"));
	const body = await readJsonBody(c, upgradeBody);
	const newRules = creatableRules(body.new_version);
	const user = c.get("user");
	const config = c.get("config");

	const stub = c.env.ROOM.getByName(oldRoomId);
	const info = await stub.getRoomInfo();
	const oldRules = info && roomVersionRules(info.room_version);
	if (!info || !oldRules) throw new MatrixError("M_FORBIDDEN", "You are not in this room");
	const oldState: RoomEvent[] = [];
	for (const entry of await stub.getCurrentStateIds()) {
		const pdu = await stub.getPdu(entry.event_id);
		if (pdu !== null) oldState.push(await toRoomEvent(JSON.parse(pdu) as Pdu, oldRules));
	}
	const lookup = (type: string, stateKey: string) => oldState.find((e) => e.type === type && e.state_key === stateKey);
	if (lookup("m.room.member", user)?.content.membership !== "join") throw new MatrixError("M_FORBIDDEN", "You are not in this room");
	// "403: The user is not permitted to upgrade the room": they must be able to send the tombstone.
	const power = roomPower(oldRules.auth, lookup);
	if (userPowerLevel(power, user) < requiredEventLevel(power, "m.room.tombstone", "")) {
		throw new MatrixError("M_FORBIDDEN", "You may not upgrade this room");
	}

	const [lastEventId] = await stub.getForwardExtremities();
	const plan = upgradeRoomEvents({
		rules: newRules,
		upgrader: user,
		old_room_id: oldRoomId,
		last_event_id: lastEventId ?? "",
		old_state: oldState,
		additional_creators: body.additional_creators,
	});
	const newRoomId = await storeNewRoom(c.env, config, newRules, plan);

	const now = Date.now();
	await sendToRoom(
		c.env,
		oldRoomId,
		{
			sender: user,
			type: "m.room.tombstone",
			state_key: "",
			content: { body: "This room has been replaced", replacement_room: newRoomId },
			origin_server_ts: now,
		},
		"M_FORBIDDEN",
	);
	const oldPower = lookup("m.room.power_levels", "");
	if (oldPower) {
		// Best effort: the upgrade has happened even if the user may not change power levels.
		await c.env.ROOM.getByName(oldRoomId).sendLocalEvent({
			sender: user,
			type: "m.room.power_levels",
			state_key: "",
			content: restrictedPowerLevels(oldPower.content),
			origin_server_ts: now,
		});
	}
	// "Moves any local aliases to the new room" (and its place in the public directory).
	await moveDirectoryEntries(c.env.DB, oldRoomId, newRoomId);
	return c.json({ replacement_room: newRoomId });
}

export const upgradeEndpoints: Endpoint[] = [
	{ method: "POST", path: "/_matrix/client/v3/rooms/:roomId/upgrade", auth: "user", rateLimit: { perSecond: 1, burst: 5 }, handler: upgrade },
];
