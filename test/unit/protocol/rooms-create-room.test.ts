// createRoom as pure data: the request parser and the ordered initial events per preset and room version.
import { describe, expect, it } from "vitest";
import type { EventTemplate } from "../../../src/protocol/events/build-event";
import type { JsonObject } from "../../../src/protocol/events/pdu";
import { createRoomEvents, type CreateRoomOptions } from "../../../src/protocol/rooms/create-room-events";
import { parseCreateRoomRequest } from "../../../src/protocol/rooms/create-room-request";
import { ROOM_V10, ROOM_V11, ROOM_V12 } from "../../../src/protocol/room-versions/rules";

const A = "@a:x.example";
const B = "@b:x.example";
const opts = (body: JsonObject, extra: Partial<CreateRoomOptions> = {}): CreateRoomOptions => ({
	rules: ROOM_V11,
	creator: A,
	request: parseCreateRoomRequest(body),
	encrypt: true,
	...extra,
});
const keys = (events: EventTemplate[]) => events.map((e) => `${e.type}|${e.state_key}`);

describe("parseCreateRoomRequest", () => {
	it("defaults the preset from visibility", () => {
		expect(parseCreateRoomRequest({}).preset).toBe("private_chat");
		expect(parseCreateRoomRequest({ visibility: "public" }).preset).toBe("public_chat");
		expect(parseCreateRoomRequest({ visibility: "public", preset: "private_chat" }).preset).toBe("private_chat");
	});

	it("refuses wrong types with M_BAD_JSON and bad user IDs with M_INVALID_PARAM", () => {
		const bodies: JsonObject[] = [{ visibility: "secret" }, { initial_state: [{ type: "x" }] }, { is_direct: "yes" }, { creation_content: [] }, { topic: null }];
		for (const body of bodies) {
			expect(() => parseCreateRoomRequest(body), JSON.stringify(body)).toThrow(expect.objectContaining({ errcode: "M_BAD_JSON" }));
		}
		expect(() => parseCreateRoomRequest({ invite: ["@"] })).toThrow(expect.objectContaining({ errcode: "M_INVALID_PARAM" }));
	});
});

describe("createRoomEvents", () => {
	it("orders events as the spec's Creation steps", () => {
		const plan = createRoomEvents(
			opts(
				{ name: "N", topic: "T", invite: [B], initial_state: [{ type: "org.x", state_key: "k", content: {} }] },
				{ canonical_alias: "#a:x.example" },
			),
		);
		expect(plan.create).toMatchObject({ type: "m.room.create", state_key: "", sender: A, content: { room_version: "11" } });
		expect(keys(plan.rest)).toEqual([
			`m.room.member|${A}`,
			"m.room.power_levels|",
			"m.room.canonical_alias|",
			"m.room.join_rules|",
			"m.room.history_visibility|",
			"m.room.guest_access|",
			"org.x|k",
			"m.room.encryption|",
			"m.room.name|",
			"m.room.topic|",
			`m.room.member|${B}`,
		]);
	});

	it("lets initial_state replace preset events and our encryption default; the last duplicate wins; name overrides it", () => {
		const plan = createRoomEvents(
			opts({
				name: "From name",
				initial_state: [
					{ type: "m.room.join_rules", content: { join_rule: "knock" } },
					{ type: "m.room.encryption", content: { algorithm: "m.megolm.v1.aes-sha2", rotation_period_ms: 1 } },
					{ type: "m.room.join_rules", content: { join_rule: "public" } },
					{ type: "m.room.name", content: { name: "From state" } },
				],
			}),
		);
		const joinRules = plan.rest.filter((e) => e.type === "m.room.join_rules");
		expect(joinRules.map((e) => e.content)).toEqual([{ join_rule: "public" }]);
		expect(plan.rest.filter((e) => e.type === "m.room.encryption").map((e) => e.content)).toEqual([{ algorithm: "m.megolm.v1.aes-sha2", rotation_period_ms: 1 }]);
		expect(plan.rest.filter((e) => e.type === "m.room.name").map((e) => e.content)).toEqual([{ name: "From name" }]);
	});

	it("adds no encryption when encryption is off", () => {
		expect(keys(createRoomEvents(opts({}, { encrypt: false })).rest)).not.toContain("m.room.encryption|");
	});

	it("v10 names the creator in content; v11 does not", () => {
		expect(createRoomEvents(opts({ creation_content: { creator: B } }, { rules: ROOM_V10 })).create.content.creator).toBe(A);
		expect(createRoomEvents(opts({ creation_content: { creator: B, "m.federate": false } })).create.content).toEqual({ room_version: "11", "m.federate": false });
	});

	it("power levels: creator at 100 (and trusted invitees) before v12, merged override, invite 50 in public rooms", () => {
		const trusted = createRoomEvents(opts({ preset: "trusted_private_chat", invite: [B], power_level_content_override: { ban: 80 } }));
		const power = trusted.rest.find((e) => e.type === "m.room.power_levels")!.content;
		expect(power).toMatchObject({ users: { [A]: 100, [B]: 100 }, ban: 80, invite: 0, state_default: 50 });
		const pub = createRoomEvents(opts({ preset: "public_chat" })).rest.find((e) => e.type === "m.room.power_levels")!.content;
		expect(pub.invite).toBe(50);
	});

	it("v12: creator absent from users, trusted invitees become additional_creators, tombstone above state_default", () => {
		const plan = createRoomEvents(opts({ preset: "trusted_private_chat", invite: [B] }, { rules: ROOM_V12 }));
		expect(plan.create.content).toEqual({ room_version: "12", additional_creators: [B] });
		const power = plan.rest.find((e) => e.type === "m.room.power_levels")!.content as { users: object; events: Record<string, number> };
		expect(power.users).toEqual({});
		expect(power.events["m.room.tombstone"]).toBe(150);
	});

	it("marks invites direct when is_direct is set", () => {
		const plan = createRoomEvents(opts({ invite: [B], is_direct: true }));
		expect(plan.rest.at(-1)).toEqual({ type: "m.room.member", state_key: B, sender: A, content: { membership: "invite", is_direct: true } });
	});
});
