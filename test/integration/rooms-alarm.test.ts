// The RoomDO's outbox safety-net alarm: armed by the first commit, not re-armed by every later one while
// it is still due within the safety net, and armed again by the first commit after it has fired.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { RoomDO } from "../../src/worker/room/room-do";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";

const alarmOf = (roomId: string) => runInDurableObject(env.ROOM.getByName(roomId), (_i: RoomDO, state) => state.storage.getAlarm());

describe("RoomDO safety-net alarm", () => {
	let alice: TestUser;
	beforeAll(async () => {
		alice = await makeUser("alarm-alice");
	});

	it("stays armed across sends and is armed again after it fired", async () => {
		const roomId = await createRoom(alice);
		const first = await alarmOf(roomId);
		expect(first).not.toBeNull();
		const sent = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/a1`, { msgtype: "m.text", body: "one" });
		expect(sent.status).toBe(200);
		// Still due within the safety net: the send did not move it.
		expect(await alarmOf(roomId)).toBe(first);

		expect(await runDurableObjectAlarm(env.ROOM.getByName(roomId))).toBe(true);
		expect(await alarmOf(roomId)).toBeNull();
		const again = await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/a2`, { msgtype: "m.text", body: "two" });
		expect(again.status).toBe(200);
		// The fired alarm no longer covers this commit's outbox rows: a new one is armed.
		expect(await alarmOf(roomId)).not.toBeNull();
		// The direct drain (started just after the reply) delivers without the alarm; its delivered row is
		// deleted by the room's next commit or by the alarm (room/room-drain.ts), which then has nothing left.
		expect(await runDurableObjectAlarm(env.ROOM.getByName(roomId))).toBe(true);
		const outboxRows = await runInDurableObject(env.ROOM.getByName(roomId), (_i: RoomDO, state) => state.storage.sql.exec("SELECT id FROM outbox").toArray());
		expect(outboxRows).toEqual([]);
		expect(await alarmOf(roomId)).toBeNull();
	});
});
