// commitOrReset on a real Durable Object: the writes of a block that returns are all kept; a block that
// throws part-way keeps none of them, the caller gets an error, and the object starts again with fresh memory.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { commitOrReset } from "../../src/platform/commit-or-reset";
import type { RoomDO } from "../../src/worker/room/room-do";

const TABLE = "CREATE TABLE IF NOT EXISTS commit_probe (n INTEGER NOT NULL)";

describe("commitOrReset", () => {
	it("keeps every write of a block that returns, and returns its value", async () => {
		const stub = env.ROOM.getByName("!commit-kept:example.org");
		const value = await runInDurableObject(stub, (_i: RoomDO, state) => {
			state.storage.sql.exec(TABLE);
			return commitOrReset(state, () => {
				state.storage.sql.exec("INSERT INTO commit_probe (n) VALUES (1)");
				state.storage.sql.exec("INSERT INTO commit_probe (n) VALUES (2)");
				return "done";
			});
		});
		expect(value).toBe("done");
		const rows = await runInDurableObject(stub, (_i: RoomDO, state) => state.storage.sql.exec<{ n: number }>("SELECT n FROM commit_probe ORDER BY n").toArray());
		expect(rows).toEqual([{ n: 1 }, { n: 2 }]);
	});

	it("keeps none of a block that throws part-way, and the object starts again", async () => {
		const stub = env.ROOM.getByName("!commit-reset:example.org");
		const before = await runInDurableObject(stub, (instance: RoomDO, state) => {
			state.storage.sql.exec(TABLE);
			state.storage.sql.exec("INSERT INTO commit_probe (n) VALUES (0)");
			return instance;
		});
		await expect(
			runInDurableObject(stub, (_i: RoomDO, state) =>
				commitOrReset(state, () => {
					state.storage.sql.exec("INSERT INTO commit_probe (n) VALUES (1)");
					throw new Error("part-way");
				}),
			),
		).rejects.toThrow();
		// A stub that saw its object reset stays broken; a new one reaches the object's next life.
		const after = await runInDurableObject(env.ROOM.getByName("!commit-reset:example.org"), (instance: RoomDO, state) => ({
			fresh: instance !== before,
			rows: state.storage.sql.exec<{ n: number }>("SELECT n FROM commit_probe ORDER BY n").toArray(),
		}));
		// The row written before the block stays; the block's own row is gone with the reset.
		expect(after.rows).toEqual([{ n: 0 }]);
		expect(after.fresh).toBe(true);
	});
});
