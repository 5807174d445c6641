// RoomDO.sendLocalEvents (room/local-batch.ts): several local events in one call, each through the ordinary
// write path: in order, chained in the DAG, authorised one by one, deduplicated by txn ID, and bounded.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { LocalEventInput } from "../../src/worker/room/api";
import { MAX_LOCAL_BATCH } from "../../src/worker/room/local-batch";
import { createRoom, makeUser } from "./rooms-helpers";

function message(sender: string, body: string, txnId?: string): LocalEventInput {
	return { sender, type: "m.room.message", content: { msgtype: "m.text", body }, origin_server_ts: Date.now(), ...(txnId === undefined ? {} : { txn: { device_id: "DEV", txn_id: txnId } }) };
}

describe("RoomDO.sendLocalEvents", () => {
	it("stores each event in order, chained, refusing a non-member's and deduplicating a repeated txn", async () => {
		const alice = await makeUser("batch-alice");
		const mallory = await makeUser("batch-mallory");
		const room = env.ROOM.getByName(await createRoom(alice));
		const result = await room.sendLocalEvents([
			message(alice.user_id, "one"),
			message(mallory.user_id, "not a member"),
			message(alice.user_id, "two", "t1"),
			message(alice.user_id, "two again", "t1"),
			message(alice.user_id, "three"),
		]);
		if (!result.ok) throw new Error(result.error);
		const [one, refused, two, again, three] = result.value;
		expect(refused).toMatchObject({ ok: false, errcode: "M_FORBIDDEN" });
		if (!one?.ok || !two?.ok || !again?.ok || !three?.ok) throw new Error("a member's event was refused");
		expect(again.value).toEqual(two.value);
		expect(one.value.stream_position).toBeLessThan(two.value.stream_position);
		expect(two.value.stream_position).toBeLessThan(three.value.stream_position);
		// Real signed PDUs, each following the previous one.
		const pdu = JSON.parse((await room.getPdu(three.value.event_id))!) as { prev_events: string[]; signatures: Record<string, unknown>; content: { body: string } };
		expect(pdu.prev_events).toEqual([two.value.event_id]);
		expect(pdu.content.body).toBe("three");
		expect(Object.keys(pdu.signatures)).toEqual([env.SERVER_NAME]);
		expect(await room.getForwardExtremities()).toEqual([three.value.event_id]);
	});

	it("refuses a batch over the limit and input that is not a list, storing nothing", async () => {
		const alice = await makeUser("batch-limit");
		const room = env.ROOM.getByName(await createRoom(alice));
		const before = await room.getForwardExtremities();
		const tooMany = Array.from({ length: MAX_LOCAL_BATCH + 1 }, (_, i) => message(alice.user_id, `m${i}`));
		expect(await room.sendLocalEvents(tooMany)).toMatchObject({ ok: false, errcode: "M_TOO_LARGE" });
		expect(await room.sendLocalEvents("nope" as unknown as LocalEventInput[])).toMatchObject({ ok: false, errcode: "M_BAD_JSON" });
		expect(await room.getForwardExtremities()).toEqual(before);
	});
});
