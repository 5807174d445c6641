// E2EE relay EDUs: inbound m.direct_to_device lands in a local device's inbox (once per message_id, only
// from the sender's own server); a device-list update about a user sharing no room changes nothing; an
// outbound /sendToDevice to a remote user queues an m.direct_to_device EDU on that server's DestinationDO.
// Spec: https://spec.matrix.org/latest/server-server-api/#send-to-device-messaging
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { deviceListPosition, toDevicePosition, toDeviceSection } from "../../src/worker/user/e2ee/sync-sections";
import type { UserDO } from "../../src/worker/user/user-do";
import { call, device, type TestDevice } from "./e2ee-helpers";
import { fed, type RemoteServer, remoteServer, seedKeys } from "./federation-inbound-helpers";

let remote: RemoteServer;
let other: RemoteServer;
let bob: TestDevice;

beforeAll(async () => {
	remote = await remoteServer("edu-remote.example", 41);
	other = await remoteServer("edu-other.example", 42);
	await seedKeys([remote, other]);
	bob = await device("edubob", "BOBDEV");
});

async function inbox(d: TestDevice) {
	return runInDurableObject(env.USER.getByName(d.userId), (_i: UserDO, state) => toDeviceSection(state.storage.sql, d.deviceId, 0, toDevicePosition(state.storage.sql)));
}

const toDevice = (sender: string, messageId: string) => ({
	edu_type: "m.direct_to_device",
	content: { sender, type: "m.room.encrypted", message_id: messageId, messages: { [bob.userId]: { BOBDEV: { ciphertext: "opaque" } } } },
});

describe("inbound EDUs", () => {
	it("m.direct_to_device reaches the local device once, and only from the sender's own server", async () => {
		const alice = "@alice:edu-remote.example";
		expect((await fed(remote, "PUT", "/_matrix/federation/v1/send/t1", { origin: remote.name, origin_server_ts: Date.now(), pdus: [], edus: [toDevice(alice, "m1")] })).status).toBe(200);
		// The same message in a new transaction (a resend) is not delivered twice.
		await fed(remote, "PUT", "/_matrix/federation/v1/send/t2", { origin: remote.name, origin_server_ts: Date.now(), pdus: [], edus: [toDevice(alice, "m1")] });
		// Another server may not speak for alice.
		await fed(other, "PUT", "/_matrix/federation/v1/send/t3", { origin: other.name, origin_server_ts: Date.now(), pdus: [], edus: [toDevice(alice, "m2")] });
		expect((await inbox(bob)).events).toEqual([{ sender: alice, type: "m.room.encrypted", content: { ciphertext: "opaque" } }]);
	});

	it("m.device_list_update about a user who shares no room with local users changes no device list", async () => {
		const before = await runInDurableObject(env.USER.getByName(bob.userId), (_i: UserDO, state) => deviceListPosition(state.storage.sql));
		const edu = { edu_type: "m.device_list_update", content: { user_id: "@alice:edu-remote.example", device_id: "D", stream_id: 5, prev_id: [4], deleted: false } };
		expect((await fed(remote, "PUT", "/_matrix/federation/v1/send/t4", { origin: remote.name, origin_server_ts: Date.now(), pdus: [], edus: [edu] })).status).toBe(200);
		const after = await runInDurableObject(env.USER.getByName(bob.userId), (_i: UserDO, state) => deviceListPosition(state.storage.sql));
		expect(after).toBe(before);
	});
});

describe("outbound to-device", () => {
	it("a /sendToDevice to a remote user queues one m.direct_to_device EDU on that server's DestinationDO", async () => {
		const res = await call(bob, "PUT", "/v3/sendToDevice/m.room.encrypted/out1", { messages: { "@carol:edu-dest.example": { CDEV: { ciphertext: "x" } } } });
		expect(res.status).toBe(200);
		const status = await env.DESTINATION.getByName("edu-dest.example").status();
		expect(status.queued_edus + (status.in_flight_txn_id === null ? 0 : 1)).toBe(1);
	});
});
