// Federation /publicRooms (GET and POST) and /hierarchy through the real routes, signed by a remote server:
// the same directory and space summaries the client API serves, the remote server in place of a user, and
// each room's server ACL applied.
// Spec: https://spec.matrix.org/latest/server-server-api/#public-room-directory,
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1hierarchyroomid
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, makeUser, type TestUser } from "./rooms-helpers";
import { enc, fed, remoteServer, type RemoteServer, seedKeys } from "./federation-inbound-helpers";

const SERVER = env.SERVER_NAME;
let remote: RemoteServer;
let alice: TestUser;
let coffee = "";
let tea = "";
let space = "";
let general = "";
let secret = "";
let fenced = "";
let closedSpace = "";

type Chunk = { room_id: string; name?: string; children_state?: { state_key: string }[] };

async function addChild(parent: string, child: string, content: Record<string, unknown> = { via: [SERVER] }): Promise<void> {
	expect((await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(parent)}/state/m.space.child/${enc(child)}`, content)).status).toBe(200);
}

beforeAll(async () => {
	remote = await remoteServer("dir.example", 31);
	await seedKeys([remote]);
	alice = await makeUser("feddiralice");
	coffee = await createRoom(alice, { preset: "public_chat", visibility: "public", name: "FedDir Coffee", topic: "beans" });
	tea = await createRoom(alice, { preset: "public_chat", visibility: "public", name: "FedDir Tea" });
	space = await createRoom(alice, { preset: "public_chat", name: "FedDir Space", creation_content: { type: "m.space" } });
	general = await createRoom(alice, { preset: "public_chat", name: "FedDir General" });
	secret = await createRoom(alice, { preset: "private_chat", name: "FedDir Secret" });
	fenced = await createRoom(alice, { preset: "public_chat", name: "FedDir Fenced" });
	expect((await api(alice, "PUT", `/_matrix/client/v3/rooms/${enc(fenced)}/state/m.room.server_acl/`, { allow: ["*"], deny: ["dir.example"] })).status).toBe(200);
	closedSpace = await createRoom(alice, { preset: "private_chat", name: "FedDir Closed", creation_content: { type: "m.space" } });
	await addChild(space, general, { via: [SERVER], order: "a", suggested: true });
	await addChild(space, secret, { via: [SERVER], order: "b" });
	await addChild(space, fenced, { via: [SERVER], order: "c" });
	await addChild(space, "!unknown:elsewhere.example", { via: ["elsewhere.example"], order: "d" });
});

describe("federation /publicRooms", () => {
	it("GET lists the published rooms and pages with limit and since", async () => {
		const all = await fed(remote, "GET", "/_matrix/federation/v1/publicRooms");
		expect(all.status).toBe(200);
		const ids = (all.body.chunk as Chunk[]).map((r) => r.room_id);
		expect(ids).toEqual(expect.arrayContaining([coffee, tea]));
		expect(ids).not.toContain(space);
		expect(all.body.total_room_count_estimate).toBe(ids.length);
		const first = await fed(remote, "GET", "/_matrix/federation/v1/publicRooms?limit=1&include_all_networks=false");
		expect((first.body.chunk as Chunk[]).length).toBe(1);
		const second = await fed(remote, "GET", `/_matrix/federation/v1/publicRooms?limit=1&since=${enc(first.body.next_batch as string)}`);
		expect(second.status).toBe(200);
		expect((second.body.chunk as Chunk[])[0]!.room_id).not.toBe((first.body.chunk as Chunk[])[0]!.room_id);
		expect(second.body.prev_batch).toBeDefined();
	});

	it("POST searches with filter.generic_search_term", async () => {
		const res = await fed(remote, "POST", "/_matrix/federation/v1/publicRooms", { filter: { generic_search_term: "beans" }, limit: 10, include_all_networks: false });
		expect(res.status).toBe(200);
		expect((res.body.chunk as Chunk[]).map((r) => r.room_id)).toEqual([coffee]);
	});

	it("has no third-party networks: an instance ID lists nothing", async () => {
		const get = await fed(remote, "GET", "/_matrix/federation/v1/publicRooms?third_party_instance_id=irc");
		expect(get.status).toBe(200);
		expect(get.body.chunk).toEqual([]);
		const post = await fed(remote, "POST", "/_matrix/federation/v1/publicRooms", { third_party_instance_id: "irc" });
		expect(post.body.chunk).toEqual([]);
	});

	it("refuses bad parameters with the spec's errors", async () => {
		const both = await fed(remote, "GET", "/_matrix/federation/v1/publicRooms?include_all_networks=true&third_party_instance_id=irc");
		expect([both.status, both.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
		const flag = await fed(remote, "GET", "/_matrix/federation/v1/publicRooms?include_all_networks=yes");
		expect([flag.status, flag.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
		const since = await fed(remote, "GET", "/_matrix/federation/v1/publicRooms?since=bogus");
		expect(since.status).toBe(400);
		const body = await fed(remote, "POST", "/_matrix/federation/v1/publicRooms", { limit: "ten" });
		expect([body.status, body.body.errcode]).toEqual([400, "M_BAD_JSON"]);
	});

	it("requires X-Matrix auth", async () => {
		const res = await exports.default.fetch("http://localhost/_matrix/federation/v1/publicRooms");
		expect(res.status).toBe(401);
	});
});

describe("federation /hierarchy", () => {
	it("answers the space, its accessible children, and the IDs of those the server cannot peek or join", async () => {
		const res = await fed(remote, "GET", `/_matrix/federation/v1/hierarchy/${enc(space)}`);
		expect(res.status).toBe(200);
		const room = res.body.room as Chunk;
		expect(room).toMatchObject({ room_id: space, name: "FedDir Space", room_type: "m.space", join_rule: "public", room_version: expect.any(String) });
		expect(room.children_state!.map((c) => c.state_key)).toEqual([general, secret, fenced, "!unknown:elsewhere.example"]);
		expect((res.body.children as Chunk[]).map((c) => c.room_id)).toEqual([general]);
		expect((res.body.children as Chunk[])[0]).toMatchObject({ name: "FedDir General", num_joined_members: 1 });
		// The private room and the one whose ACL denies the server; the unknown room is left out entirely.
		expect(res.body.inaccessible_children).toEqual([secret, fenced]);
	});

	it("suggested_only=true keeps only suggested children", async () => {
		const res = await fed(remote, "GET", `/_matrix/federation/v1/hierarchy/${enc(space)}?suggested_only=true`);
		expect(res.status).toBe(200);
		expect((res.body.room as Chunk).children_state!.map((c) => c.state_key)).toEqual([general]);
		expect(res.body.inaccessible_children).toEqual([]);
	});

	it("404 for an unknown room or one the server cannot peek or join, 403 when the room's ACL denies it", async () => {
		const unknown = await fed(remote, "GET", `/_matrix/federation/v1/hierarchy/${enc(`!nope:${SERVER}`)}`);
		expect([unknown.status, unknown.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
		const closed = await fed(remote, "GET", `/_matrix/federation/v1/hierarchy/${enc(closedSpace)}`);
		expect([closed.status, closed.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
		const acl = await fed(remote, "GET", `/_matrix/federation/v1/hierarchy/${enc(fenced)}`);
		expect([acl.status, acl.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
		const bad = await fed(remote, "GET", `/_matrix/federation/v1/hierarchy/${enc(space)}?suggested_only=maybe`);
		expect(bad.status).toBe(400);
	});
});
