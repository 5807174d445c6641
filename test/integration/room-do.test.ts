import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { applyMigrations, schemaVersion } from "../../src/platform/sqlite-migrations";
import type { RoomDO } from "../../src/worker/room/room-do";
import { ROOM_MIGRATIONS } from "../../src/worker/room/schema";
import { type NewEvent, RoomStore, stateKeyOf } from "../../src/worker/room/store";

const ROOM = "!abc:example.org";

function event(id: string, overrides: Partial<NewEvent> = {}): NewEvent {
	return {
		event_id: id,
		type: "m.room.message",
		state_key: undefined,
		sender: "@alice:example.org",
		origin_server_ts: 1_700_000_000_000,
		depth: 1,
		pdu: JSON.stringify({ event_id: id }),
		prev_events: [],
		auth_events: [],
		outlier: false,
		rejection_reason: null,
		soft_failed: false,
		received_ts: 1_700_000_000_001,
		...overrides,
	};
}

describe("RoomDO", () => {
	it("answers null and empty for a room it does not hold", async () => {
		const stub = env.ROOM.getByName("!empty:example.org");
		expect(await stub.getRoomInfo()).toBeNull();
		expect(await stub.getPdu("$nope")).toBeNull();
		expect(await stub.getCurrentStateIds()).toEqual([]);
	});

	it("runs its schema migration once in the constructor", async () => {
		const stub = env.ROOM.getByName("!schema:example.org");
		await runInDurableObject(stub, (_instance: RoomDO, state) => {
			expect(schemaVersion(state.storage)).toBe(ROOM_MIGRATIONS.length);
			const tables = state.storage.sql
				.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
				.toArray()
				.map((r) => r.name);
			for (const t of ["room_meta", "events", "event_edges", "state_groups", "state_group_entries", "event_state",
				"current_state", "forward_extremities", "local_txns", "receipts", "outbox"]) {
				expect(tables).toContain(t);
			}
			// Re-running is a no-op: no second schema_version row, no "table exists" error.
			expect(applyMigrations(state.storage, ROOM_MIGRATIONS, 0)).toBe(ROOM_MIGRATIONS.length);
			expect(state.storage.sql.exec("SELECT * FROM schema_version").toArray()).toHaveLength(ROOM_MIGRATIONS.length);
		});
	});

	it("serves the exact PDU text, room info and current state written through the store", async () => {
		const stub = env.ROOM.getByName(ROOM);
		// Odd key order and spacing: what comes back must be these bytes, not a re-serialisation.
		const createPdu = '{"type":"m.room.create",  "content":{"room_version":"11","creator":"@alice:example.org"},"state_key":""}';
		await runInDurableObject(stub, (_instance: RoomDO, state) => {
			const store = new RoomStore(state.storage);
			state.storage.transactionSync(() => {
				store.initRoom(ROOM, "11", 1);
				const ordering = store.insertEvent(event("$create", { type: "m.room.create", state_key: "", pdu: createPdu }));
				expect(ordering).toBe(1);
				const group = store.createStateGroup(null, new Map([[stateKeyOf("m.room.create", ""), "$create"]]));
				store.setEventState("$create", group, group);
				store.updateCurrentState(new Map([[stateKeyOf("m.room.create", ""), "$create"]]));
				store.replaceForwardExtremities([], ["$create"]);
			});
			state.storage.transactionSync(() => {
				store.insertEvent(event("$msg", { depth: 2, prev_events: ["$create"], auth_events: ["$create"] }));
				store.replaceForwardExtremities(["$create"], ["$msg"]);
			});
			expect(store.getEdges("$msg", "prev")).toEqual(["$create"]);
			expect(store.getForwardExtremities()).toEqual(["$msg"]);
		});
		expect(await stub.getRoomInfo()).toEqual({ room_id: ROOM, room_version: "11", stream_position: 2 });
		expect(await stub.getPdu("$create")).toBe(createPdu);
		expect(await stub.getCurrentStateIds()).toEqual([{ type: "m.room.create", state_key: "", event_id: "$create" }]);
	});

	it("replaces forward extremities the same whether the one it replaces is one, is not one, or the new one already is", async () => {
		await runInDurableObject(env.ROOM.getByName("!extremities:example.org"), (_instance: RoomDO, state) => {
			const store = new RoomStore(state.storage);
			store.initRoom("!extremities:example.org", "11", 1);
			for (const id of ["$a", "$b", "$c", "$d", "$e"]) store.insertEvent(event(id));
			store.replaceForwardExtremities([], ["$a", "$b"]);
			store.replaceForwardExtremities(["$a"], ["$c"]); // an extremity replaced
			expect(store.getForwardExtremities()).toEqual(["$b", "$c"]);
			store.replaceForwardExtremities(["$a"], ["$d"]); // $a is no longer one: $d is added
			expect(store.getForwardExtremities()).toEqual(["$b", "$c", "$d"]);
			store.replaceForwardExtremities(["$b"], ["$c"]); // $c already is one: $b goes
			expect(store.getForwardExtremities()).toEqual(["$c", "$d"]);
			store.replaceForwardExtremities(["$c", "$d"], ["$e"]); // several prev events
			expect(store.getForwardExtremities()).toEqual(["$e"]);
			expect(store.getForwardExtremitiesAndDepth()).toEqual({ event_ids: ["$e"], max_depth: 1 });
		});
	});

	it("gives outliers no stream ordering and refuses a room initialised twice", async () => {
		const stub = env.ROOM.getByName(ROOM);
		await runInDurableObject(stub, (_instance: RoomDO, state) => {
			const store = new RoomStore(state.storage);
			expect(store.insertEvent(event("$outlier", { outlier: true }))).toBeNull();
			expect(store.getRoomInfo()?.stream_position).toBe(2);
			expect(() => store.initRoom(ROOM, "11", 2)).toThrow();
		});
	});

	it("keeps a rejected event with its reason and refuses rejection without one", async () => {
		const stub = env.ROOM.getByName(ROOM);
		await runInDurableObject(stub, (_instance: RoomDO, state) => {
			const store = new RoomStore(state.storage);
			store.insertEvent(event("$rejected", { rejection_reason: "auth_error" }));
			const row = state.storage.sql
				.exec<{ rejected: number; rejection_reason: string }>("SELECT rejected, rejection_reason FROM events WHERE event_id = '$rejected'")
				.one();
			expect(row).toEqual({ rejected: 1, rejection_reason: "auth_error" });
			expect(() =>
				state.storage.sql.exec("UPDATE events SET rejection_reason = NULL WHERE event_id = '$rejected'"),
			).toThrow(/CHECK/);
		});
	});

	it("rolls a failed event write back whole, stream position included", async () => {
		const stub = env.ROOM.getByName(ROOM);
		await runInDurableObject(stub, (_instance: RoomDO, state) => {
			const store = new RoomStore(state.storage);
			const before = store.getRoomInfo()?.stream_position;
			expect(() =>
				state.storage.transactionSync(() => {
					store.insertEvent(event("$half"));
					store.updateCurrentState(new Map([[stateKeyOf("m.room.name", ""), "$missing"]])); // FK violation
				}),
			).toThrow();
			expect(store.hasEvent("$half")).toBe(false);
			expect(store.getRoomInfo()?.stream_position).toBe(before);
		});
	});

	it("stores state groups as deltas, with removals, and snapshots long chains", async () => {
		const stub = env.ROOM.getByName("!state:example.org");
		await runInDurableObject(stub, (_instance: RoomDO, state) => {
			const store = new RoomStore(state.storage);
			const a = stateKeyOf("m.room.member", "@a:x");
			const b = stateKeyOf("m.room.member", "@b:x");
			const g1 = store.createStateGroup(null, new Map([[a, "$a1"], [b, "$b1"]]));
			const g2 = store.createStateGroup(g1, new Map([[a, "$a2"]]));
			const g3 = store.createStateGroup(g2, new Map([[b, null]]));
			expect(store.getStateGroup(g1)).toEqual(new Map([[a, "$a1"], [b, "$b1"]]));
			expect(store.getStateGroup(g2)).toEqual(new Map([[a, "$a2"], [b, "$b1"]]));
			expect(store.getStateGroup(g3)).toEqual(new Map([[a, "$a2"]]));
			const rows = (g: number) => state.storage.sql.exec("SELECT 1 FROM state_group_entries WHERE group_id = ?", g).toArray().length;
			expect(rows(g2)).toBe(1);

			let g = g3;
			for (let i = 0; i < 60; i++) g = store.createStateGroup(g, new Map([[a, `$a${i + 3}`]]));
			const depth = state.storage.sql.exec<{ d: number }>("SELECT MAX(delta_depth) AS d FROM state_groups").one().d;
			expect(depth).toBeLessThanOrEqual(50);
			expect(store.getStateGroup(g)).toEqual(new Map([[a, "$a62"]]));
		});
	});
});

describe("schema migration runner", () => {
	it("applies a failing step not at all and refuses a schema newer than the code", async () => {
		const stub = env.ROOM.getByName("!migrations:example.org");
		await runInDurableObject(stub, (_instance: RoomDO, state) => {
			const bad = [...ROOM_MIGRATIONS, { name: "broken", sql: "CREATE TABLE half_done (x); SELECT * FROM no_such_table;" }];
			expect(() => applyMigrations(state.storage, bad, 0)).toThrow();
			expect(schemaVersion(state.storage)).toBe(ROOM_MIGRATIONS.length);
			expect(state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'half_done'").toArray()).toEqual([]);

			const next = [...ROOM_MIGRATIONS, { name: "extra", sql: "CREATE TABLE extra (x)" }];
			expect(applyMigrations(state.storage, next, 0)).toBe(next.length);
			expect(() => applyMigrations(state.storage, ROOM_MIGRATIONS, 0)).toThrow(/newer than this code/);
		});
	});
});
