// A small room built and signed by a fake remote server, for tests of rooms that live elsewhere: joins
// into it (RoomDO.joinRemoteRoom) and invites from it. Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms
import { env } from "cloudflare:workers";
import { getConfig } from "../../src/platform/config";
import { getServerKeys } from "../../src/platform/signing-key/server-key";
import { toRoomEvent } from "../../src/protocol/events/event-id";
import type { JsonObject, Pdu, PduDraft } from "../../src/protocol/events/pdu";
import { signEvent } from "../../src/protocol/events/sign-event";
import { roomVersionRules } from "../../src/protocol/room-versions/rules";
import { draftEvent, type RemoteServer, signAs } from "./federation-inbound-helpers";

export const VERSION = "10";

export interface RemoteRoom {
	room_id: string;
	creator: string;
	/** Each state event as signed, keyed `type|state_key`. */
	state: Map<string, { pdu: Pdu; event_id: string }>;
	depth: number;
	last: string;
}

/** create, the creator's join, power levels, public join rules, a name and encryption. */
export async function buildRemoteRoom(server: RemoteServer, tag: string): Promise<RemoteRoom> {
	const room_id = `!${tag}${Date.now()}:${server.name}`;
	const creator = `@carol:${server.name}`;
	const room: RemoteRoom = { room_id, creator, state: new Map(), depth: 0, last: "" };
	const add = async (type: string, content: JsonObject, stateKey: string, auth: string[]) => {
		room.depth += 1;
		const draft = draftEvent(room_id, creator, type, content, room.last ? [room.last] : [], auth, room.depth, stateKey);
		const signed = await signAs(server, VERSION, draft);
		room.state.set(`${type}|${stateKey}`, signed);
		room.last = signed.event_id;
		return signed.event_id;
	};
	const create = await add("m.room.create", { creator, room_version: VERSION }, "", []);
	const member = await add("m.room.member", { membership: "join" }, creator, [create]);
	const power = await add("m.room.power_levels", { users: { [creator]: 100 }, invite: 0 }, "", [create, member]);
	await add("m.room.join_rules", { join_rule: "public" }, "", [create, member, power]);
	await add("m.room.name", { name: `Remote ${tag}` }, "", [create, member, power]);
	await add("m.room.encryption", { algorithm: "m.megolm.v1.aes-sha2" }, "", [create, member, power]);
	return room;
}

export const idOf = (room: RemoteRoom, key: string): string => room.state.get(key)!.event_id;

/** A local user's event in the remote room, signed by this server (as make_join's template would be). */
export async function signedByUs(room: RemoteRoom, draft: PduDraft): Promise<{ pdu: Pdu; event_id: string }> {
	const config = getConfig(env);
	const rules = roomVersionRules(VERSION)!;
	const keys = await getServerKeys(env.DB, config);
	const pdu = await signEvent(draft, config.serverName, keys.current, rules);
	return { pdu, event_id: (await toRoomEvent(pdu, rules)).event_id };
}

/** The local user's join after the room's last event, with the auth events the rules name. */
export async function localJoin(room: RemoteRoom, userId: string): Promise<{ pdu: Pdu; event_id: string }> {
	const auth = [idOf(room, "m.room.create|"), idOf(room, "m.room.power_levels|"), idOf(room, "m.room.join_rules|")];
	return signedByUs(room, draftEvent(room.room_id, userId, "m.room.member", { membership: "join" }, [room.last], auth, room.depth + 1, userId));
}
