// Collectors per category, against real data made through the API, with windows that include and exclude.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { collectPage } from "../../src/export/collect/registry";
import type { CollectWindow } from "../../src/export/collect/types";
import type { RecordSetName } from "../../src/export/package/records-schema";
import type { RoomDO } from "../../src/worker/room/room-do";
import { buildFixture, type Fixture, MARKERS, MEDIA_BYTES } from "./lawful-collect-fixture";

let fx: Fixture;
const ALL: CollectWindow = { start: 0, end: Date.now() + 3_600_000 };
const YEAR_2020: CollectWindow = { start: Date.UTC(2019, 11, 1), end: Date.UTC(2020, 1, 1) };
const FUTURE: CollectWindow = { start: Date.now() + 3_600_000, end: Date.now() + 7_200_000 };

async function collectAll(set: RecordSetName, window: CollectWindow, limit = 3, userId: string = fx.target.userId, deviceId: string | null = null) {
	const ctx = { env, ldid: "LD-1", userId, window };
	const out = [];
	let cursor: string | null = null;
	for (let i = 0; i < 1000; i++) {
		const page = await collectPage(set, ctx, deviceId, cursor, limit);
		out.push(...page.records);
		if (page.next === null) return out;
		cursor = page.next;
	}
	throw new Error("collector never finished");
}

beforeAll(async () => {
	fx = await buildFixture("coll", 4);
});

describe("collectors", () => {
	it("subscriber: the account row, allow-listed", async () => {
		const records = await collectAll("subscriber", ALL);
		expect(records).toEqual([
			{ record_type: "urn:sealbridge:lawful:record:subscriber:1", ldid: "LD-1", user_id: fx.target.userId, created: expect.any(String), deactivated: false, admin: false, guest: false, threepids: [] },
		]);
		expect(await collectAll("subscriber", ALL, 3, `@nobody:${env.SERVER_NAME}`)).toEqual([]);
	});

	it("sessions: only those overlapping the window", async () => {
		const all = await collectAll("sessions", ALL, 1);
		// The API calls of the fixture were sessions too (with no client IP inside the test runner).
		expect(all.map((r) => "ip" in r && r.ip).filter((ip) => ip !== "").sort()).toEqual(["198.51.100.20", "203.0.113.7"]);
		const old = await collectAll("sessions", YEAR_2020, 1);
		expect(old).toEqual([
			{ record_type: "urn:sealbridge:lawful:record:session:1", ldid: "LD-1", user_id: fx.target.userId, device_id: "TARGETDEV", ip: "198.51.100.20", user_agent: "OldClient/1", first_seen: "2020-01-01T00:00:00.000Z", last_seen: "2020-01-01T00:00:00.000Z" },
		]);
	});

	it("devices and cross-signing keys: public Ed25519 keys only, never Curve25519 or display names", async () => {
		const devices = await collectAll("devices", ALL);
		expect(devices).toHaveLength(1);
		expect(devices[0]).toMatchObject({ device_id: "TARGETDEV", algorithms: ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"] });
		expect(JSON.stringify(devices)).not.toContain("curve-TARGETDEV");
		expect(JSON.stringify(devices)).not.toContain("display");
		const cross = await collectAll("cross-signing-keys", ALL);
		expect(cross).toEqual([expect.objectContaining({ usage: "master", ed25519_key: expect.stringMatching(/^[A-Za-z0-9+/]{43}$/) })]);
		expect(await collectAll("devices", YEAR_2020)).toEqual([]);
	});

	it("pushers: app id, push key, gateway URL", async () => {
		expect(await collectAll("pushers", ALL)).toEqual([
			{ record_type: "urn:sealbridge:lawful:record:pusher:1", ldid: "LD-1", user_id: fx.target.userId, kind: "http", app_id: "org.example.app", push_key: "push-key-1", gateway_url: "https://push.example.org/_matrix/push/v1/notify", created: expect.any(String) },
		]);
		expect(await collectAll("pushers", YEAR_2020)).toEqual([]);
	});

	it("memberships: the target's member events in every room", async () => {
		const records = await collectAll("memberships", ALL, 1);
		expect(new Set(records.map((r) => "room_id" in r && r.room_id))).toEqual(new Set(fx.rooms));
		expect(records.every((r) => "membership" in r && r.membership === "join")).toBe(true);
		expect(await collectAll("memberships", FUTURE)).toEqual([]);
	});

	it("event envelopes: every event the target sent, across page and room boundaries, without content", async () => {
		const records = await collectAll("event-envelopes", ALL, 2);
		const ids = records.map((r) => "event_id" in r && r.event_id);
		expect(new Set(ids).size).toBe(ids.length);
		const encrypted = records.filter((r) => "type" in r && r.type === "m.room.encrypted");
		expect(encrypted).toHaveLength(8);
		expect(encrypted.every((r) => "byte_length" in r && r.byte_length > 100)).toBe(true);
		const text = JSON.stringify(records);
		for (const marker of Object.values(MARKERS)) expect(text).not.toContain(marker);
		expect(await collectAll("event-envelopes", FUTURE)).toEqual([]);
	});

	it("event envelopes: one large page runs on through the rooms, as an index range scan in each", async () => {
		const one = await collectPage("event-envelopes", { env, ldid: "LD-1", userId: fx.target.userId, window: ALL }, null, null, 10_000);
		expect(one.next).toBeNull();
		const rooms = new Set(one.records.map((r) => "room_id" in r && r.room_id));
		expect(rooms).toEqual(new Set(fx.rooms));
		const paged = await collectAll("event-envelopes", ALL, 2);
		expect(one.records).toEqual(paged);
		// Odd page sizes end pages inside rooms and at their ends.
		expect(await collectAll("event-envelopes", ALL, 3)).toEqual(paged);
		expect(await collectAll("event-envelopes", ALL, 7)).toEqual(paged);
		// The scan for one sender is a range of events_export_by_sender, not a pass over every event.
		await runInDurableObject(env.ROOM.getByName(fx.rooms[0]!), (_room: RoomDO, state) => {
			const plan = state.storage.sql
				.exec<{ detail: string }>(
					`EXPLAIN QUERY PLAN SELECT event_id FROM events WHERE sender = ?1 AND stream_ordering IS NOT NULL AND stream_ordering > ?2
					AND rejected = 0 AND origin_server_ts >= ?3 AND origin_server_ts < ?4 ORDER BY stream_ordering LIMIT ?5`,
					fx.target.userId, 0, 0, 1, 10,
				)
				.toArray()
				.map((r) => r.detail)
				.join("; ");
			expect(plan).toContain("USING INDEX events_export_by_sender (sender=? AND stream_ordering>?)");
			expect(plan).not.toContain("TEMP B-TREE");
		});
	});

	it("counterparties: co-members of the target's rooms", async () => {
		const records = await collectAll("counterparties", ALL, 1);
		expect(records.map((r) => "user_id" in r && r.user_id)).toEqual([fx.peer.userId, fx.peer.userId]);
		expect(await collectAll("counterparties", YEAR_2020)).toEqual([]);
	});

	it("media: ID, time, length, type and SHA-256, never bytes", async () => {
		const records = await collectAll("media", ALL);
		const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(MEDIA_BYTES)))].map((b) => b.toString(16).padStart(2, "0")).join("");
		expect(records).toEqual([
			{ record_type: "urn:sealbridge:lawful:record:media:1", ldid: "LD-1", uploader: fx.target.userId, media_id: fx.mediaId, uploaded: expect.any(String), byte_length: MEDIA_BYTES.length, content_type: "text/plain", sha256: digest },
		]);
		expect(JSON.stringify(records)).not.toContain(MEDIA_BYTES);
		expect(await collectAll("media", FUTURE)).toEqual([]);
	});

	it("a device target keeps only that device's sessions and devices", async () => {
		expect(await collectAll("sessions", ALL, 5, fx.target.userId, "OTHERDEV")).toEqual([]);
		const mine = await collectAll("sessions", ALL, 5, fx.target.userId, "TARGETDEV");
		expect(mine.length).toBeGreaterThanOrEqual(2);
		expect(mine.every((r) => "device_id" in r && r.device_id === "TARGETDEV")).toBe(true);
	});
});
