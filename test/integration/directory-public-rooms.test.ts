import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";

const SERVER = env.SERVER_NAME;
let alice: TestUser;
let bob: TestUser;
let big = "";
let small = "";
let hidden = "";

type Chunk = Record<string, unknown> & { room_id: string };

beforeAll(async () => {
	alice = await makeUser("pub_alice");
	bob = await makeUser("pub_bob");
	big = await createRoom(alice, {
		preset: "public_chat",
		visibility: "public",
		name: "Tea Lovers",
		topic: "Oolong and more",
		room_alias_name: "tea-lovers",
		initial_state: [{ type: "m.room.guest_access", state_key: "", content: { guest_access: "can_join" } }],
	});
	expect((await api(bob, "POST", `/_matrix/client/v3/join/${enc(big)}`, {})).status).toBe(200);
	small = await createRoom(alice, { preset: "public_chat", visibility: "public", name: "Coffee", creation_content: { type: "m.space" } });
	hidden = await createRoom(alice, { preset: "private_chat", name: "Secret tea" });
	for (const id of [big, small, hidden]) await runDurableObjectAlarm(env.ROOM.getByName(id));
});

async function list(query = ""): Promise<{ chunk: Chunk[]; next_batch?: string; prev_batch?: string; total_room_count_estimate: number }> {
	const res = await api(null, "GET", `/_matrix/client/v3/publicRooms${query}`);
	expect(res.status).toBe(200);
	return res.body as never;
}

describe("public room directory", () => {
	it("lists published rooms with their summary from current state, largest first", async () => {
		const page = await list();
		expect(page.chunk.map((r) => r.room_id)).toEqual([big, small]);
		expect(page.chunk[0]).toEqual({
			room_id: big,
			name: "Tea Lovers",
			topic: "Oolong and more",
			canonical_alias: `#tea-lovers:${SERVER}`,
			num_joined_members: 2,
			world_readable: false,
			guest_can_join: true,
			join_rule: "public",
		});
		expect(page.chunk[1]).toMatchObject({ room_id: small, room_type: "m.space", num_joined_members: 1 });
		expect(page.total_room_count_estimate).toBe(2);
	});

	it("pages with limit and since tokens", async () => {
		const first = await list("?limit=1");
		expect(first.chunk.map((r) => r.room_id)).toEqual([big]);
		expect(first.next_batch).toBeDefined();
		const second = await list(`?limit=1&since=${first.next_batch}`);
		expect(second.chunk.map((r) => r.room_id)).toEqual([small]);
		expect(second.next_batch).toBeUndefined();
		expect(second.prev_batch).toBeDefined();
		expect((await api(null, "GET", "/_matrix/client/v3/publicRooms?since=garbage")).status).toBe(400);
		expect((await api(null, "GET", "/_matrix/client/v3/publicRooms?limit=-1")).status).toBe(400);
	});

	it("searches with POST filter.generic_search_term and room_types", async () => {
		const search = async (body: unknown) => {
			const res = await api(alice, "POST", "/_matrix/client/v3/publicRooms", body);
			expect(res.status).toBe(200);
			return (res.body.chunk as Chunk[]).map((r) => r.room_id);
		};
		expect(await search({ filter: { generic_search_term: "oolong" } })).toEqual([big]);
		expect(await search({ filter: { generic_search_term: "COFFEE" } })).toEqual([small]);
		expect(await search({ filter: { generic_search_term: "secret" } })).toEqual([]);
		expect(await search({ filter: { room_types: ["m.space"] } })).toEqual([small]);
		expect(await search({ filter: { room_types: [null] } })).toEqual([big]);
		expect(await search({ limit: 1 })).toEqual([big]);
		expect(await api(alice, "POST", "/_matrix/client/v3/publicRooms", { filter: { generic_search_term: 3 } })).toMatchObject({ status: 400, body: { errcode: "M_BAD_JSON" } });
		expect((await api(null, "POST", "/_matrix/client/v3/publicRooms", {})).status).toBe(401);
	});

	it("publishes and unpublishes via /directory/list/room for room admins only", async () => {
		const listPath = `/_matrix/client/v3/directory/list/room/${enc(hidden)}`;
		expect(await api(null, "GET", listPath)).toEqual({ status: 200, body: { visibility: "private" } });
		expect(await api(bob, "PUT", listPath, { visibility: "public" })).toMatchObject({ status: 403, body: { errcode: "M_FORBIDDEN" } });
		expect(await api(alice, "PUT", listPath, { visibility: "sideways" })).toMatchObject({ status: 400, body: { errcode: "M_BAD_JSON" } });
		expect(await api(null, "GET", listPath)).toEqual({ status: 200, body: { visibility: "private" } });
		expect(await api(alice, "PUT", listPath, {})).toEqual({ status: 200, body: {} });
		expect(await api(null, "GET", listPath)).toEqual({ status: 200, body: { visibility: "public" } });
		expect((await list()).chunk.map((r) => r.room_id)).toContain(hidden);
		expect(await api(alice, "PUT", listPath, { visibility: "private" })).toEqual({ status: 200, body: {} });
		expect((await list()).chunk.map((r) => r.room_id)).not.toContain(hidden);
		const unknown = `/_matrix/client/v3/directory/list/room/${enc(`!unknown:${SERVER}`)}`;
		expect(await api(null, "GET", unknown)).toMatchObject({ status: 404, body: { errcode: "M_NOT_FOUND" } });
		expect(await api(alice, "PUT", unknown, { visibility: "public" })).toMatchObject({ status: 404, body: { errcode: "M_NOT_FOUND" } });
	});
});
