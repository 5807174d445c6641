// PUT /sendToDevice: delivery into each recipient device's inbox, `*`, txn idempotency, and the /sync section.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { toDevicePosition, toDeviceSection } from "../../src/worker/user/e2ee/sync-sections";
import type { UserDO } from "../../src/worker/user/user-do";
import { call, device, type TestDevice } from "./e2ee-helpers";

let alice: TestDevice;
let bobPhone: TestDevice;
let bobLaptop: TestDevice;

beforeAll(async () => {
	alice = await device("talice", "ALICE1");
	bobPhone = await device("tbob", "BOBPHONE");
	bobLaptop = await device("tbob", "BOBLAPTOP");
});

/** Reads (and, past `since`, acknowledges) a device's to-device section as /sync would. */
async function inbox(d: TestDevice, since = 0) {
	return runInDurableObject(env.USER.getByName(d.userId), (_i: UserDO, state) => {
		const sql = state.storage.sql;
		return toDeviceSection(sql, d.deviceId, since, toDevicePosition(sql));
	});
}

const ciphertext = (n: number) => ({ algorithm: "m.olm.v1.curve25519-aes-sha2", sender_key: "sk", ciphertext: { k: { type: 0, body: `opaque-${n}` } } });

describe("PUT /sendToDevice/{eventType}/{txnId}", () => {
	it("queues the content, unread and unchanged, for the addressed device only", async () => {
		const res = await call(alice, "PUT", "/v3/sendToDevice/m.room.encrypted/txn1", { messages: { [bobPhone.userId]: { BOBPHONE: ciphertext(1) } } });
		expect(res).toEqual({ status: 200, body: {} });
		expect((await inbox(bobPhone)).events).toEqual([{ sender: alice.userId, type: "m.room.encrypted", content: ciphertext(1) }]);
		expect((await inbox(bobLaptop)).events).toEqual([]);
	});

	it("sends to every device with `*`, and a retried txn delivers nothing new", async () => {
		const body = { messages: { [bobPhone.userId]: { "*": ciphertext(2) } } };
		await call(alice, "PUT", "/v3/sendToDevice/m.room.encrypted/txn2", body);
		const laptop = await inbox(bobLaptop);
		expect(laptop.events.map((e) => e.content)).toEqual([ciphertext(2)]);
		expect((await call(alice, "PUT", "/v3/sendToDevice/m.room.encrypted/txn2", body)).status).toBe(200);
		expect((await inbox(bobLaptop)).events).toHaveLength(1);
		// The same txn ID from another device of the sender is a different request.
		const aliceOther = await device("talice", "ALICE2");
		await call(aliceOther, "PUT", "/v3/sendToDevice/m.room.encrypted/txn2", body);
		expect((await inbox(bobLaptop)).events).toHaveLength(2);
	});

	it("deletes delivered messages once the device syncs past them, and pages with the limit", async () => {
		const before = await inbox(bobPhone);
		expect(before.events.length).toBeGreaterThan(0);
		const after = await inbox(bobPhone, before.position);
		expect(after.events).toEqual([]);
		const rows = await runInDurableObject(env.USER.getByName(bobPhone.userId), (_i: UserDO, state) =>
			state.storage.sql.exec("SELECT COUNT(*) AS n FROM to_device_inbox WHERE device_id = 'BOBPHONE'").one().n,
		);
		expect(rows).toBe(0);
		for (let i = 0; i < 3; i++) await call(alice, "PUT", `/v3/sendToDevice/m.x/page${i}`, { messages: { [bobPhone.userId]: { BOBPHONE: { n: i } } } });
		const page = await runInDurableObject(env.USER.getByName(bobPhone.userId), (_i: UserDO, state) =>
			toDeviceSection(state.storage.sql, "BOBPHONE", after.position, toDevicePosition(state.storage.sql), 2),
		);
		expect(page.events.map((e) => e.content)).toEqual([{ n: 0 }, { n: 1 }]);
		const rest = await inbox(bobPhone, page.position);
		expect(rest.events.map((e) => e.content)).toEqual([{ n: 2 }]);
	});

	it("accepts remote and unknown recipients without failing, and refuses a bad body", async () => {
		const res = await call(alice, "PUT", "/v3/sendToDevice/m.x/remote", { messages: { "@bob:elsewhere.example": { D: { a: 1 } }, [`@ghost:${env.SERVER_NAME}`]: { D: {} } } });
		expect(res).toEqual({ status: 200, body: {} });
		expect((await call(alice, "PUT", "/v3/sendToDevice/m.x/bad1", {})).body.errcode).toBe("M_MISSING_PARAM");
		expect((await call(alice, "PUT", "/v3/sendToDevice/m.x/bad2", { messages: { [bobPhone.userId]: { BOBPHONE: "text" } } })).body.errcode).toBe("M_BAD_JSON");
		expect((await call(alice, "PUT", "/v3/sendToDevice/m.x/bad3", { messages: { "not a user": { D: {} } } })).body.errcode).toBe("M_INVALID_PARAM");
		// A refused request records no txn: the same txn ID with a good body is delivered.
		await call(alice, "PUT", "/v3/sendToDevice/m.x/bad2", { messages: { [bobPhone.userId]: { BOBPHONE: { fixed: true } } } });
		expect((await inbox(bobPhone)).events.map((e) => e.content)).toContainEqual({ fixed: true });
	});
});
