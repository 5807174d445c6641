// POST /createRoom in room versions 10, 11 and 12: the stored, signed events and the spec's refusals.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { toRoomEvent } from "../../src/protocol/events/event-id";
import type { Pdu } from "../../src/protocol/events/pdu";
import { ROOM_V12 } from "../../src/protocol/room-versions/rules";
import { app } from "../../src/worker/app";
import { api, createRoom, makeUser, stateEvent, type TestUser } from "./rooms-helpers";

let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
	alice = await makeUser("create-alice");
	bob = await makeUser("create-bob");
});

async function stateTypes(roomId: string): Promise<string[]> {
	return (await env.ROOM.getByName(roomId).getCurrentStateIds()).map((e) => `${e.type}|${e.state_key}`);
}

describe("POST /createRoom", () => {
	it("creates a v11 room by default with the spec's state, encrypted, creator at 100", async () => {
		const roomId = await createRoom(alice, { name: "Tea", topic: "Green" });
		expect(roomId).toMatch(new RegExp(`^![A-Za-z]{18}:${env.SERVER_NAME.replace(".", "\\.")}$`));
		const info = await env.ROOM.getByName(roomId).getRoomInfo();
		expect(info?.room_version).toBe("11");
		const create = await stateEvent(roomId, "m.room.create");
		expect(create).toMatchObject({ sender: alice.user_id, room_id: roomId, content: { room_version: "11" } });
		expect((create?.content as Record<string, unknown>).creator).toBeUndefined();
		expect(await stateEvent(roomId, "m.room.encryption")).toMatchObject({ content: { algorithm: "m.megolm.v1.aes-sha2" } });
		expect(await stateEvent(roomId, "m.room.power_levels")).toMatchObject({ content: { users: { [alice.user_id]: 100 }, invite: 0 } });
		expect(await stateEvent(roomId, "m.room.join_rules")).toMatchObject({ content: { join_rule: "invite" } });
		expect(await stateEvent(roomId, "m.room.name")).toMatchObject({ content: { name: "Tea" } });
		expect(await stateEvent(roomId, "m.room.topic")).toMatchObject({ content: { topic: "Green" } });
		expect(await stateEvent(roomId, "m.room.member", alice.user_id)).toMatchObject({ content: { membership: "join" } });
		// Every event is signed by us and chained: create(1) → member(2) → power levels(3) → ...
		const member = await stateEvent(roomId, "m.room.member", alice.user_id);
		expect(member?.depth).toBe(2);
		expect(Object.keys((member?.signatures as Record<string, unknown>) ?? {})).toEqual([env.SERVER_NAME]);
	});

	it("creates a v10 room whose create event names the creator", async () => {
		const roomId = await createRoom(alice, { room_version: "10" });
		expect(await stateEvent(roomId, "m.room.create")).toMatchObject({ content: { room_version: "10", creator: alice.user_id } });
		expect((await env.ROOM.getByName(roomId).getRoomInfo())?.room_version).toBe("10");
	});

	it("creates a v12 room whose ID is the create event's reference hash and whose creator is not in users", async () => {
		const roomId = await createRoom(alice, { room_version: "12", preset: "trusted_private_chat", invite: [bob.user_id] });
		expect(roomId).toMatch(/^![A-Za-z0-9_-]{43}$/);
		const create = await stateEvent(roomId, "m.room.create");
		expect(create?.room_id).toBeUndefined();
		const createEvent = await toRoomEvent(create as unknown as Pdu, ROOM_V12);
		expect(createEvent.event_id).toBe(`$${roomId.slice(1)}`);
		expect(create?.content).toMatchObject({ room_version: "12", additional_creators: [bob.user_id] });
		const power = (await stateEvent(roomId, "m.room.power_levels"))?.content as Record<string, Record<string, number>>;
		expect(power.users?.[alice.user_id]).toBeUndefined();
		expect(power.events?.["m.room.tombstone"]).toBe(150);
		// v12 events do not cite the create event: the room ID names it.
		const member = await stateEvent(roomId, "m.room.member", alice.user_id);
		expect(member?.auth_events).not.toContain(createEvent.event_id);
		expect(await stateEvent(roomId, "m.room.member", bob.user_id)).toMatchObject({ content: { membership: "invite" } });
	});

	it("applies presets, initial_state, overrides, invites with is_direct, and publishes public rooms", async () => {
		const roomId = await createRoom(alice, {
			visibility: "public",
			initial_state: [
				{ type: "m.room.history_visibility", content: { history_visibility: "joined" } },
				{ type: "org.example.custom", state_key: "k", content: { a: 1 } },
			],
			power_level_content_override: { events_default: 10 },
			invite: [bob.user_id],
			is_direct: true,
		});
		expect(await stateEvent(roomId, "m.room.join_rules")).toMatchObject({ content: { join_rule: "public" } });
		expect(await stateEvent(roomId, "m.room.guest_access")).toMatchObject({ content: { guest_access: "forbidden" } });
		expect(await stateEvent(roomId, "m.room.history_visibility")).toMatchObject({ content: { history_visibility: "joined" } });
		expect(await stateEvent(roomId, "org.example.custom", "k")).toMatchObject({ content: { a: 1 } });
		expect(await stateEvent(roomId, "m.room.power_levels")).toMatchObject({ content: { events_default: 10, invite: 50 } });
		expect(await stateEvent(roomId, "m.room.member", bob.user_id)).toMatchObject({ content: { membership: "invite", is_direct: true } });
		const dir = await env.DB.prepare("SELECT visibility FROM room_directory WHERE room_id = ?").bind(roomId).first();
		expect(dir).toEqual({ visibility: "public" });
	});

	it("creates no m.room.encryption when ENCRYPT_NEW_ROOMS is false", async () => {
		const res = await app.fetch(
			new Request("http://localhost/_matrix/client/v3/createRoom", {
				method: "POST",
				headers: { Authorization: `Bearer ${alice.token}`, "Content-Type": "application/json" },
				body: "{}",
			}),
			{ ...env, ENCRYPT_NEW_ROOMS: "false" },
		);
		expect(res.status).toBe(200);
		const { room_id } = (await res.json()) as { room_id: string };
		expect(await stateEvent(room_id, "m.room.encryption")).toBeUndefined();
		expect(await stateTypes(room_id)).toContain("m.room.join_rules|");
	});

	it("creates the alias and refuses a taken one with M_ROOM_IN_USE", async () => {
		const roomId = await createRoom(alice, { room_alias_name: "tea-room" });
		const alias = `#tea-room:${env.SERVER_NAME}`;
		expect(await stateEvent(roomId, "m.room.canonical_alias")).toMatchObject({ content: { alias } });
		const row = await env.DB.prepare("SELECT room_id FROM room_aliases WHERE alias = ?").bind(alias).first();
		expect(row).toEqual({ room_id: roomId });
		const again = await api(alice, "POST", "/_matrix/client/v3/createRoom", { room_alias_name: "tea-room" });
		expect(again.status).toBe(400);
		expect(again.body.errcode).toBe("M_ROOM_IN_USE");
	});

	it("refuses unknown room versions, bad bodies and invalid initial state, creating nothing", async () => {
		for (const [body, status, errcode] of [
			[{ room_version: "9" }, 400, "M_UNSUPPORTED_ROOM_VERSION"],
			[{ room_version: "99" }, 400, "M_UNSUPPORTED_ROOM_VERSION"],
			[{ preset: "party" }, 400, "M_BAD_JSON"],
			[{ invite: "bob" }, 400, "M_BAD_JSON"],
			[{ invite: ["not-a-user"] }, 400, "M_INVALID_PARAM"],
			[{ name: 5 }, 400, "M_BAD_JSON"],
			// The creator at 0 cannot then send the join rules (state_default 50).
			[{ power_level_content_override: { users: { [alice.user_id]: 0 } } }, 400, "M_INVALID_ROOM_STATE"],
			["[]", 400, "M_BAD_JSON"],
			["{", 400, "M_NOT_JSON"],
		] as const) {
			const res = await api(alice, "POST", "/_matrix/client/v3/createRoom", body);
			expect(res.status, JSON.stringify(body)).toBe(status);
			expect(res.body.errcode, JSON.stringify(body)).toBe(errcode);
		}
	});

	it("indexes the creator's membership in D1 when the outbox alarm runs", async () => {
		const roomId = await createRoom(alice);
		const stub = env.ROOM.getByName(roomId);
		await runDurableObjectAlarm(stub);
		const rows = await env.DB.prepare("SELECT membership FROM room_memberships WHERE user_id = ? AND room_id = ?").bind(alice.user_id, roomId).first();
		expect(rows).toEqual({ membership: "join" });
		const joined = await api(alice, "GET", "/_matrix/client/v3/joined_rooms");
		expect(joined.body.joined_rooms).toContain(roomId);
	});
});

describe("GET /capabilities", () => {
	it("advertises room versions 10, 11 and 12 with 11 as the default", async () => {
		const res = await api(alice, "GET", "/_matrix/client/v3/capabilities");
		expect(res.status).toBe(200);
		expect(res.body.capabilities).toMatchObject({
			"m.room_versions": { default: "11", available: { "10": "stable", "11": "stable", "12": "stable" } },
			"m.change_password": { enabled: true },
		});
	});
});
