// The grey-data policy switch (LAWFUL_GREY_DATA): room names and topics (from the RoomDO's export projection),
// profile display name and avatar, the DM map and device display names. Off (the default): an order that asks
// for them gets none — not a byte of them in the package — and the package says they were withheld by policy.
// On: an order that asks gets them as typed records; an order that does not ask still gets none.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Order } from "../../src/export/order/types";
import { call, device, type TestDevice } from "./e2ee-helpers";
import { waitIndexed } from "./lawful-collect-fixture";
import { DAY, iso, world, type World } from "./lawful-lifecycle-helpers";
import { baseOrder, signCompact, submit } from "./lawful-orders-helpers";
import { approveAndProduce, operators, type Operators, packageText, recordsOf } from "./lawful-targets-helpers";

const GREY = { displayname: "GREY-DISPLAYNAME-41c7", avatar: "mxc://example.org/GREYAVATAR93d1", room: "GREY-ROOM-NAME-e28a", topic: "GREY-ROOM-TOPIC-5b06", device: "GREY-DEVICE-NAME-7d3f" };
const MESSAGE = "GREY-MESSAGE-BODY-never-0a9e";

let w: World;
let ops: Operators;
let target: TestDevice;
let peer: TestDevice;
let roomId: string;

/** An order with a SubscriberData task and a TrafficData task for the target, naming the grey subtypes or not. */
function order(grey: boolean) {
	return (o: Order) => {
		const value = [{ formatType: "ServiceAccessIdentifier", value: target.userId }];
		o.tasks = [
			{ kind: "LD", reference: "LD-SUB", requestDetails: { type: "SubscriberData", ...(grey ? { subtypes: ["ProfileDetails"] } : {}), requestValues: value } },
			{
				kind: "LD",
				reference: "LD-TRAFFIC",
				requestDetails: { type: "TrafficData", subtypes: grey ? ["Memberships", "RoomDetails", "DirectMessageMap"] : ["Memberships"], startTime: iso(Date.now() - DAY), endTime: o.header.timestamp, requestValues: value },
			},
		];
	};
}

beforeAll(async () => {
	w = await world();
	ops = await operators("la_grey");
	target = await device("la_grey_target", "GREYDEV");
	peer = await device("la_grey_peer", "PEERDEV");
	const put = async (path: string, body: unknown) => expect((await call(target, "PUT", path, body)).status).toBe(200);
	await put(`/v3/profile/${encodeURIComponent(target.userId)}/displayname`, { displayname: GREY.displayname });
	await put(`/v3/profile/${encodeURIComponent(target.userId)}/avatar_url`, { avatar_url: GREY.avatar });
	await put(`/v3/devices/${target.deviceId}`, { display_name: GREY.device });
	const created = await call(target, "POST", "/v3/createRoom", { preset: "private_chat", name: GREY.room, topic: GREY.topic, invite: [peer.userId], is_direct: true });
	expect(created.status).toBe(200);
	roomId = created.body.room_id as string;
	await put(`/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/grey1`, { msgtype: "m.text", body: MESSAGE });
	await put(`/v3/user/${encodeURIComponent(target.userId)}/account_data/m.direct`, { [peer.userId]: [roomId], "not-a-user": ["!x:y"], [`@odd:${env.SERVER_NAME}`]: [{ not: "a room" }] });
	await waitIndexed(target.userId, roomId);
});

describe("grey data, policy off (the default)", () => {
	it("an order that asks for it gets not a byte of it; the package says it was withheld by policy", async () => {
		const files = await approveAndProduce(w, ops, await w.submitOrder(order(true)));
		const all = packageText(files);
		for (const marker of [...Object.values(GREY), MESSAGE]) expect(all).not.toContain(marker);
		for (const set of ["profile", "device-names", "room-details", "direct-rooms"]) expect(files[`data/records/${set}.ndjson`]).toBeUndefined();
		// The rest of the order is produced.
		expect(recordsOf(files, "memberships").some((r) => r.room_id === roomId)).toBe(true);
		const delivery = JSON.parse(new TextDecoder().decode(files["delivery.json"])) as { categoriesNotAvailable: { ldid: string; category: string; reason: string }[] };
		const withheld = delivery.categoriesNotAvailable.filter((c) => c.reason.startsWith("Withheld by the provider's policy"));
		expect(withheld.map((c) => [c.ldid, c.category])).toEqual([
			["LD-SUB", "SubscriberData/ProfileDetails"],
			["LD-TRAFFIC", "TrafficData/RoomDetails+DirectMessageMap"],
		]);
		expect(new TextDecoder().decode(files["data/readme.txt"])).toContain("LD-SUB SubscriberData/ProfileDetails: Withheld by the provider's policy");
	});
});

describe("grey data in orders", () => {
	it("an emergency order may not ask for it (emergencies are limited to subscriber data and sessions)", async () => {
		const o = baseOrder("us-fbi");
		o.authorisation.flags = ["IsEmergency"];
		o.tasks = [{ kind: "LD", reference: "LD-SUB", requestDetails: { type: "SubscriberData", subtypes: ["ProfileDetails"], requestValues: [{ formatType: "ServiceAccessIdentifier", value: target.userId }] } }];
		const res = await submit(w.env, await signCompact(o, w.signer));
		expect([res.status, res.json.code, res.json.pointer]).toEqual([403, "LA_CATEGORY_NOT_PERMITTED", "/tasks/0/requestDetails/subtypes/0"]);
	});
});

describe("grey data, policy on", () => {
	let greyWorld: World;
	beforeAll(() => {
		greyWorld = { ...w, env: Object.assign({}, w.env, { LAWFUL_GREY_DATA: "true" }) };
	});

	it("an order that asks gets typed records of exactly the grey fields, and still no content", async () => {
		const files = await approveAndProduce(greyWorld, ops, await w.submitOrder(order(true)));
		expect(recordsOf(files, "profile")).toEqual([{ record_type: "urn:sealbridge:lawful:record:profile:1", ldid: "LD-SUB", user_id: target.userId, displayname: GREY.displayname, avatar_url: GREY.avatar }]);
		expect(recordsOf(files, "device-names")).toEqual([{ record_type: "urn:sealbridge:lawful:record:device-name:1", ldid: "LD-SUB", user_id: target.userId, device_id: target.deviceId, display_name: GREY.device }]);
		const details = recordsOf(files, "room-details").filter((r) => r.room_id === roomId);
		expect(details.map((r) => [r.field, r.value])).toEqual([["name", GREY.room], ["topic", GREY.topic]]);
		for (const r of details) expect(Object.keys(r).sort()).toEqual(["event_id", "field", "ldid", "record_type", "room_id", "time", "value"]);
		// Only well-formed entries of the DM map: a user ID key and room ID values.
		expect(recordsOf(files, "direct-rooms")).toEqual([{ record_type: "urn:sealbridge:lawful:record:direct-room:1", ldid: "LD-TRAFFIC", user_id: target.userId, counterpart: peer.userId, room_id: roomId }]);
		expect(packageText(files)).not.toContain(MESSAGE);
		const delivery = new TextDecoder().decode(files["delivery.json"]);
		expect(delivery).not.toContain("Withheld by the provider's policy");
	});

	it("an order that does not ask gets none", async () => {
		const files = await approveAndProduce(greyWorld, ops, await w.submitOrder(order(false)));
		for (const marker of [...Object.values(GREY), MESSAGE]) expect(packageText(files)).not.toContain(marker);
	});
});

describe("RoomDetails within the window", () => {
	it("gives the name in force at the window's start and the changes inside it, not older or later ones", async () => {
		const created = await call(target, "POST", "/v3/createRoom", { preset: "private_chat", name: "WINDOW-NAME-1" });
		expect(created.status).toBe(200);
		const room = created.body.room_id as string;
		const path = (type: string) => `/v3/rooms/${encodeURIComponent(room)}/state/${type}/`;
		/** Sets a state event and returns its event ID and origin_server_ts, as the room stored it. */
		const set = async (type: string, content: Record<string, string>) => {
			const res = await call(target, "PUT", path(type), content);
			expect(res.status).toBe(200);
			const eventId = res.body.event_id as string;
			const event = await call(target, "GET", `/v3/rooms/${encodeURIComponent(room)}/event/${encodeURIComponent(eventId)}`);
			await new Promise((r) => setTimeout(r, 5));
			return { eventId, ts: event.body.origin_server_ts as number };
		};
		const topic = await set("m.room.topic", { topic: "WINDOW-TOPIC-1" });
		const before = await set("m.room.name", { name: "WINDOW-NAME-2" });
		const inside = await set("m.room.name", { name: "WINDOW-NAME-3" });
		const after = await set("m.room.name", { name: "WINDOW-NAME-4" });
		expect(before.ts < inside.ts && inside.ts < after.ts).toBe(true);

		const window = { start: inside.ts - 1, end: after.ts };
		const details = await env.ROOM.getByName(room).exportRoomDetails(window, Number.MIN_SAFE_INTEGER, 100);
		expect(details.map((d) => [d.event_id, d.field, d.value])).toEqual([
			[topic.eventId, "topic", "WINDOW-TOPIC-1"],
			[before.eventId, "name", "WINDOW-NAME-2"],
			[inside.eventId, "name", "WINDOW-NAME-3"],
		]);
		// Paged one row at a time, the same rows (the one in force at the start is chosen before the cursor applies).
		const paged: string[] = [];
		let cursor = Number.MIN_SAFE_INTEGER;
		for (let i = 0; i < 5; i++) {
			const [row] = await env.ROOM.getByName(room).exportRoomDetails(window, cursor, 1);
			if (row === undefined) break;
			paged.push(row.event_id);
			cursor = row.stream_ordering;
		}
		expect(paged).toEqual(details.map((d) => d.event_id));
		// A removed name (content without a string) is not in force: no older name stands in for it.
		const removed = await set("m.room.name", {});
		const later = await env.ROOM.getByName(room).exportRoomDetails({ start: removed.ts + 1, end: removed.ts + 2 }, Number.MIN_SAFE_INTEGER, 100);
		expect(later.map((d) => d.value)).toEqual(["WINDOW-TOPIC-1"]);
	});
});
