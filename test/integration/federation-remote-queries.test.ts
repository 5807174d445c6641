// Another server's aliases and profiles through the real CS routes and bridge, against a stand-in for that
// server: GET /directory/room/{alias} and GET /profile/{userId}[/{field}] ask it (federation query/directory,
// query/profile), and POST /join/{alias} joins through the room and servers its answer names. Its 404 is
// M_NOT_FOUND; a failing server is a 502, never a remote's own words.
// Found interop-testing with Synapse 1.67 (its aliases and users' profiles were "not found" here).
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1querydirectory,
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1queryprofile,
// https://spec.matrix.org/latest/server-server-api/#post_matrixfederationv1publicrooms
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { enc, remoteServer, type RemoteServer, seedKeys } from "./federation-inbound-helpers";
import { installReceiver } from "./federation-outbound-helpers";
import { api, makeUser, type TestUser } from "./rooms-helpers";

const REMOTE = "queries-remote.example";
const ROOM = `!abcdefgh:${REMOTE}`;
let remote: RemoteServer;
let alice: TestUser;
const asked: { path: string; query: Record<string, string> }[] = [];

/** The alias's and user's server. */
function aliasServer(app: Hono): void {
	app.get("/_matrix/federation/v1/query/directory", (c) => {
		asked.push({ path: "directory", query: c.req.query() });
		const alias = c.req.query("room_alias");
		if (alias === `#lobby:${REMOTE}`) return c.json({ room_id: ROOM, servers: [REMOTE, "other.example", "not a server!"] });
		if (alias === `#junk:${REMOTE}`) return c.json({ room_id: "not-a-room" });
		if (alias === `#down:${REMOTE}`) return c.json({ errcode: "M_UNKNOWN", error: "remote secret detail" }, 500);
		return c.json({ errcode: "M_NOT_FOUND", error: "remote secret detail" }, 404);
	});
	app.get("/_matrix/federation/v1/query/profile", (c) => {
		asked.push({ path: "profile", query: c.req.query() });
		if (c.req.query("user_id") !== `@sam:${REMOTE}`) return c.json({ errcode: "M_NOT_FOUND", error: "remote secret detail" }, 404);
		const all = { displayname: "Sam", avatar_url: null };
		const field = c.req.query("field");
		return c.json(field === undefined ? all : { [field]: (all as Record<string, unknown>)[field] ?? null });
	});
	app.post("/_matrix/federation/v1/publicRooms", async (c) => {
		const body = (await c.req.json()) as Record<string, unknown>;
		asked.push({ path: "publicRooms", query: body as Record<string, string> });
		if (body.since === "closed") return c.json({ errcode: "M_FORBIDDEN", error: "remote secret detail" }, 403);
		const good = { room_id: ROOM, num_joined_members: 3, world_readable: false, guest_can_join: false, name: "Lobby" };
		return c.json({ chunk: [good, { room_id: "junk" }, "junk"], next_batch: "remote-token-1", total_room_count_estimate: 2 });
	});
	app.get("/_matrix/federation/v1/make_join/:roomId/:userId", (c) => {
		asked.push({ path: "make_join", query: { room_id: c.req.param("roomId"), user_id: c.req.param("userId") } });
		return c.json({ errcode: "M_FORBIDDEN", error: "no" }, 403);
	});
}

beforeAll(async () => {
	remote = await remoteServer(REMOTE, 81);
	await seedKeys([remote]);
	installReceiver({}, aliasServer);
	alice = await makeUser("queryalice");
});

afterAll(() => {
	vi.restoreAllMocks();
});

describe("remote room aliases", () => {
	it("resolves through the alias's server, keeping only valid server names", async () => {
		const res = await api(alice, "GET", `/_matrix/client/v3/directory/room/${enc(`#lobby:${REMOTE}`)}`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body).toEqual({ room_id: ROOM, servers: [REMOTE, "other.example"] });
		expect(asked.at(-1)).toEqual({ path: "directory", query: { room_alias: `#lobby:${REMOTE}` } });
	});

	it("answers M_NOT_FOUND for an alias its server does not know, and 502 for a malformed answer", async () => {
		const missing = await api(alice, "GET", `/_matrix/client/v3/directory/room/${enc(`#nope:${REMOTE}`)}`);
		expect(missing.status).toBe(404);
		expect(missing.body).toMatchObject({ errcode: "M_NOT_FOUND" });
		expect(JSON.stringify(missing.body)).not.toContain("secret");
		const junk = await api(alice, "GET", `/_matrix/client/v3/directory/room/${enc(`#junk:${REMOTE}`)}`);
		expect(junk.status, JSON.stringify(junk.body)).toBe(502);
		const down = await api(alice, "GET", `/_matrix/client/v3/directory/room/${enc(`#down:${REMOTE}`)}`);
		expect(down.status, JSON.stringify(down.body)).toBe(502);
		expect(down.body).toMatchObject({ errcode: "M_UNKNOWN" });
		expect(JSON.stringify(down.body)).not.toContain("secret");
	});

	it("POST /join/{alias} joins the room the alias's server names, through its servers", async () => {
		asked.length = 0;
		const res = await api(alice, "POST", `/_matrix/client/v3/join/${enc(`#lobby:${REMOTE}`)}`, {});
		// The stand-in refuses the join itself; what matters is which room and servers were asked.
		expect(res.status).not.toBe(200);
		// other.example is the same stand-in here, so it is asked too.
		expect(asked.map((a) => a.path)).toEqual(["directory", "make_join", "make_join"]);
		expect(asked[1]!.query).toEqual({ room_id: ROOM, user_id: alice.user_id });
	});
});

describe("remote profiles", () => {
	it("reads the whole profile or one field from the user's server, leaving out null fields", async () => {
		const all = await api(alice, "GET", `/_matrix/client/v3/profile/${enc(`@sam:${REMOTE}`)}`);
		expect(all.status).toBe(200);
		expect(all.body).toEqual({ displayname: "Sam" });
		const one = await api(alice, "GET", `/_matrix/client/v3/profile/${enc(`@sam:${REMOTE}`)}/displayname`);
		expect(one.status).toBe(200);
		expect(one.body).toEqual({ displayname: "Sam" });
		expect(asked.at(-1)).toEqual({ path: "profile", query: { user_id: `@sam:${REMOTE}`, field: "displayname" } });
		const unset = await api(alice, "GET", `/_matrix/client/v3/profile/${enc(`@sam:${REMOTE}`)}/avatar_url`);
		expect(unset.status).toBe(404);
	});

	it("answers M_NOT_FOUND for a user the server does not know", async () => {
		const res = await api(alice, "GET", `/_matrix/client/v3/profile/${enc(`@nobody:${REMOTE}`)}`);
		expect(res.status).toBe(404);
		expect(res.body).toMatchObject({ errcode: "M_NOT_FOUND" });
	});
});

describe("remote public room directories", () => {
	it("GET /publicRooms?server= pages the remote's directory with its own token, keeping well-formed rooms", async () => {
		const res = await api(alice, "GET", `/_matrix/client/v3/publicRooms?server=${enc(REMOTE)}&limit=5&since=remote-token-0`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body).toEqual({
			chunk: [{ room_id: ROOM, num_joined_members: 3, world_readable: false, guest_can_join: false, name: "Lobby" }],
			next_batch: "remote-token-1",
			total_room_count_estimate: 2,
		});
		expect(asked.at(-1)).toEqual({ path: "publicRooms", query: { limit: 5, since: "remote-token-0" } });
	});

	it("POST /publicRooms?server= passes the client's filter on", async () => {
		const body = { limit: 10, filter: { generic_search_term: "lob" }, include_all_networks: false };
		const res = await api(alice, "POST", `/_matrix/client/v3/publicRooms?server=${enc(REMOTE)}`, body);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(asked.at(-1)).toEqual({ path: "publicRooms", query: body });
		const bad = await api(alice, "POST", `/_matrix/client/v3/publicRooms?server=${enc(REMOTE)}`, { limit: "ten" });
		expect(bad.status).toBe(400);
		// A server that does not share its directory over federation (Synapse's default).
		const closed = await api(alice, "POST", `/_matrix/client/v3/publicRooms?server=${enc(REMOTE)}`, { since: "closed" });
		expect([closed.status, closed.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
		expect(JSON.stringify(closed.body)).not.toContain("secret");
	});
});
