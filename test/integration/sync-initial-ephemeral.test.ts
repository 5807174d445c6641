// An initial /sync fetches each room's slice and its typing and receipts in one round trip: the ephemeral
// part is still there for joined rooms, still filtered per reader, and absent for rooms only invited to.
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { sync, syncUntil } from "./sync-helpers";

let alice: TestUser;
let bob: TestUser;
let roomId: string;
const room = (path: string) => `/_matrix/client/v3/rooms/${enc(roomId)}${path}`;

beforeAll(async () => {
	alice = await makeUser("sie-alice");
	bob = await makeUser("sie-bob");
	roomId = await createRoom(alice, { preset: "private_chat", invite: [bob.user_id] });
});

describe("initial /sync ephemeral events", () => {
	it("an invited user's initial sync has the invite and no ephemeral section", async () => {
		const first = await syncUntil(bob, (b) => b.rooms.invite[roomId] !== undefined);
		expect(first.body.rooms.join[roomId]).toBeUndefined();
	});

	it("a joined member's initial sync carries typing and receipts, private receipts only for their owner", async () => {
		expect((await api(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {})).status).toBe(200);
		const sent = await api(alice, "PUT", room("/send/m.room.message/sie-1"), { msgtype: "m.text", body: "hi" });
		const eventId = sent.body.event_id as string;
		expect((await api(bob, "POST", room(`/receipt/m.read/${enc(eventId)}`), {})).status).toBe(200);
		expect((await api(bob, "POST", room(`/receipt/m.read.private/${enc(eventId)}`), {})).status).toBe(200);
		expect((await api(alice, "PUT", room(`/typing/${enc(alice.user_id)}`), { typing: true, timeout: 30_000 })).status).toBe(200);

		const ephemeralOf = (body: Awaited<ReturnType<typeof sync>>["body"]) =>
			(body.rooms.join[roomId]?.ephemeral?.events ?? []) as { type: string; content: Record<string, Record<string, Record<string, unknown>>> }[];
		const forAlice = ephemeralOf((await syncUntil(alice, (b) => b.rooms.join[roomId] !== undefined)).body);
		expect(forAlice).toContainEqual({ type: "m.typing", content: { user_ids: [alice.user_id] } });
		const receipt = forAlice.find((e) => e.type === "m.receipt");
		expect(receipt?.content[eventId]?.["m.read"]?.[bob.user_id]).toBeDefined();
		expect(JSON.stringify(receipt?.content)).not.toContain("m.read.private");

		const forBob = ephemeralOf((await syncUntil(bob, (b) => b.rooms.join[roomId] !== undefined)).body);
		expect(forBob.find((e) => e.type === "m.receipt")?.content[eventId]?.["m.read.private"]?.[bob.user_id]).toBeDefined();
	});
});
