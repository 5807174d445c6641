// Presence of other users: a presence change (PUT /presence or /sync's set_presence) reaches the /sync
// `presence` section of every local user who shares a room, but not strangers; GET /presence/{userId}/status
// answers room mates and refuses strangers with 403 M_FORBIDDEN.
// Spec: https://spec.matrix.org/latest/client-server-api/#presence
import { beforeAll, describe, expect, it } from "vitest";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";
import { type SyncBody, sleep, sync, syncUntil } from "./sync-helpers";

let carol: TestUser;
let dave: TestUser;
let eve: TestUser;
let daveToken: string;
let eveToken: string;

const statusPath = (u: TestUser) => `/_matrix/client/v3/presence/${enc(u.user_id)}/status`;
const presenceOf = (body: SyncBody, sender: string) => body.presence.events.filter((e) => e.sender === sender);

beforeAll(async () => {
	carol = await makeUser("pres-carol");
	dave = await makeUser("pres-dave");
	eve = await makeUser("pres-eve");
	const roomId = await createRoom(carol, { preset: "private_chat", invite: [dave.user_id] });
	expect((await api(dave, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/join`, {})).status).toBe(200);
	daveToken = (await syncUntil(dave, (b) => b.rooms.join[roomId] !== undefined)).body.next_batch;
	eveToken = (await sync(eve)).body.next_batch;
});

describe("presence of room mates", () => {
	it("PUT /presence reaches a room mate's /sync once, and not a stranger's", async () => {
		expect((await api(carol, "PUT", statusPath(carol), { presence: "online", status_msg: "coffee" })).status).toBe(200);
		const seen = await syncUntil(dave, (b) => presenceOf(b, carol.user_id).length > 0, daveToken);
		expect(presenceOf(seen.body, carol.user_id)).toEqual([
			{ type: "m.presence", sender: carol.user_id, content: expect.objectContaining({ presence: "online", status_msg: "coffee" }) },
		]);
		daveToken = seen.body.next_batch;
		const again = await sync(dave, { since: daveToken, timeout: 300 });
		expect(presenceOf(again.body, carol.user_id)).toEqual([]);
		await sleep(200);
		const stranger = await sync(eve, { since: eveToken, timeout: 300 });
		expect(presenceOf(stranger.body, carol.user_id)).toEqual([]);
	});

	it("set_presence on /sync reaches room mates too, and an initial sync shows the latest state", async () => {
		await sync(carol, { set_presence: "unavailable" });
		const seen = await syncUntil(dave, (b) => presenceOf(b, carol.user_id).length > 0, daveToken);
		expect(presenceOf(seen.body, carol.user_id)[0]?.content).toMatchObject({ presence: "unavailable", status_msg: "coffee" });
		daveToken = seen.body.next_batch;
		expect(presenceOf((await sync(dave)).body, carol.user_id)[0]?.content).toMatchObject({ presence: "unavailable" });
		expect(presenceOf((await sync(eve)).body, carol.user_id)).toEqual([]);
	});

	it("GET status: a room mate may read it, a stranger gets 403 M_FORBIDDEN", async () => {
		expect((await api(dave, "GET", statusPath(carol))).body).toMatchObject({ presence: "unavailable", status_msg: "coffee" });
		const refused = await api(eve, "GET", statusPath(carol));
		expect(refused.status).toBe(403);
		expect(refused.body.errcode).toBe("M_FORBIDDEN");
		expect((await api(carol, "GET", statusPath(carol))).status).toBe(200);
	});
});
