// Joining rooms held elsewhere, one per room version we offer in make_join's `ver` (3–12): a resident server
// (federation-resident-helpers.ts) creates the room in that version's event format, a local user joins from
// the CS API through make_join/send_join, and the resident takes our join only if its ID, signature, content
// hash and auth are right for the version. Then a message and a state event go both ways. Per version:
// v3 event IDs are standard base64 (a `/` in the ID must survive URLs), v4+ URL-safe; numbers outside
// canonical JSON are refused (v6's strict rule); v7 knocking (knock, invite, then join); v8 restricted joins
// (join_authorised_via_users_server); v9 the same under the redaction rules that keep that key, so our
// signature must cover it; v12 room IDs are the create event's hash, which no auth_events list.
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms, https://spec.matrix.org/latest/rooms/
import { env } from "cloudflare:workers";
import type { Context, Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { JsonObject, Pdu } from "../../src/protocol/events/pdu";
import { enc, fed, ME, type RemoteServer, remoteServer, seedKeys } from "./federation-inbound-helpers";
import { destinationIdle, installReceiver, type Receiver } from "./federation-outbound-helpers";
import { Resident } from "./federation-resident-helpers";
import { api, makeUser, type TestUser } from "./rooms-helpers";

const VERSIONS = ["3", "4", "5", "6", "7", "8", "9", "10", "11", "12"];
const RESTRICTED = new Set(["8", "9"]);

let resident: RemoteServer;
let receiver: Receiver;
const rooms = new Map<string, Resident>();
/** The `ver` list of each make_join, by room. */
const askedVersions = new Map<string, string[]>();
let txn = 0;

/** v3: `$` + 43 characters of standard base64; v4+: URL-safe base64. */
const idPattern = (version: string) => (version === "3" ? /^\$[A-Za-z0-9+/]{43}$/ : /^\$[A-Za-z0-9_-]{43}$/);
/** The characters only one of the two alphabets has. */
const alphabetMark = (version: string) => (version === "3" ? /[+/]/ : /[-_]/);

function refuse(c: Context, err: unknown) {
	return c.json({ errcode: "M_FORBIDDEN", error: String(err) }, 403);
}

/** What a resident answers: make_join / make_knock templates, send_join / send_knock after its checks. */
function residentRoutes(app: Hono): void {
	app.get("/_matrix/federation/v1/make_:kind{join|knock}/:roomId/:userId", (c) => {
		const room = rooms.get(c.req.param("roomId"))!;
		const kind = c.req.param("kind") as "join" | "knock";
		const userId = c.req.param("userId");
		if (kind === "join") askedVersions.set(room.room_id, c.req.queries("ver") ?? []);
		const content: JsonObject = { membership: kind };
		if (kind === "join" && RESTRICTED.has(room.version)) content.join_authorised_via_users_server = room.creator;
		return c.json({ room_version: room.version, event: room.draft("m.room.member", userId, content, userId) });
	});
	app.put("/_matrix/federation/v2/send_join/:roomId/:eventId", async (c) => {
		const room = rooms.get(c.req.param("roomId"))!;
		const join = (await c.req.json()) as Pdu;
		// "The resolved current room state prior to the join event", and its auth chain.
		const state = room.statePdus();
		const authChain = room.authChain();
		// A restricted join carries the authorising resident's signature too.
		const event = RESTRICTED.has(room.version) ? await room.sign(join) : join;
		try {
			await room.take(event, c.req.param("eventId"));
		} catch (err) {
			return refuse(c, err);
		}
		return c.json({ origin: resident.name, event, state, auth_chain: authChain, members_omitted: false });
	});
	app.put("/_matrix/federation/v1/send_knock/:roomId/:eventId", async (c) => {
		const room = rooms.get(c.req.param("roomId"))!;
		try {
			await room.take((await c.req.json()) as Pdu, c.req.param("eventId"));
		} catch (err) {
			return refuse(c, err);
		}
		const stripped = ["m.room.create", "m.room.join_rules"].map((t) => {
			const pdu = room.statePdus().find((p) => p.type === t)!;
			return { type: pdu.type, state_key: pdu.state_key, sender: pdu.sender, content: pdu.content };
		});
		return c.json({ knock_room_state: stripped });
	});
}

/** The PDU of ours the resident received over /send whose content matches, waited for (bounded). */
async function receivedPdu(roomId: string, match: (p: Pdu) => boolean): Promise<Pdu> {
	let found: Pdu | undefined;
	await vi.waitFor(
		() => {
			found = receiver.received.flatMap((t) => t.body.pdus as unknown as Pdu[]).find((p) => p.room_id === roomId && match(p));
			expect(found).toBeDefined();
		},
		{ timeout: 10_000, interval: 50 },
	);
	return found!;
}

async function sendToUs(pdus: Pdu[]): Promise<Record<string, unknown>> {
	const res = await fed(resident, "PUT", `/_matrix/federation/v1/send/versions-${++txn}`, { origin: resident.name, origin_server_ts: Date.now(), pdus, edus: [] });
	expect(res.status).toBe(200);
	return res.body.pdus as Record<string, unknown>;
}

beforeAll(async () => {
	resident = await remoteServer("versioned-resident.example", 71);
	await seedKeys([resident]);
	receiver = installReceiver({}, residentRoutes);
});

afterAll(async () => {
	// Rooms may still be sending to these servers: the mocked network must outlive those sends
	// (federation-outbound-helpers.ts destinationIdle says why).
	await destinationIdle(resident.name);
	vi.restoreAllMocks();
});

describe.each(VERSIONS)("a remote room of version %s", (version) => {
	let room: Resident;
	let user: TestUser;

	beforeAll(async () => {
		user = await makeUser(`versionjoiner${version}`);
		const joinRule: JsonObject = version === "7" ? { join_rule: "knock" } : RESTRICTED.has(version) ? { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: `!space:${resident.name}` }] } : { join_rule: "public" };
		// The local user may send state (power 50), so its state event can go out.
		room = await Resident.create(resident, version, "vers", joinRule, { [user.user_id]: 50 });
		await room.send("m.room.name", { name: `Room v${version}` }, "");
		rooms.set(room.room_id, room);
	});

	if (version === "7") {
		it("knocks, and is invited in by the resident", async () => {
			const knocked = await api(user, "POST", `/_matrix/client/v3/knock/${enc(room.room_id)}?via=${resident.name}`, {});
			expect(knocked.status, JSON.stringify(knocked.body)).toBe(200);
			expect(room.events.get(room.id("m.room.member", user.user_id))!.event.content.membership).toBe("knock");
			const invite = await room.sign(room.draft("m.room.member", room.creator, { membership: "invite" }, user.user_id));
			const id = await room.eventId(invite);
			const res = await fed(resident, "PUT", `/_matrix/federation/v2/invite/${enc(room.room_id)}/${enc(id)}`, { event: invite, room_version: version, invite_room_state: [] });
			expect(res.status, JSON.stringify(res.body)).toBe(200);
			// The invitee's server countersigned it.
			await room.take(res.body.event as Pdu, id, [ME]);
		});
	}

	it("joins through make_join and send_join with a join valid for the version", async () => {
		const res = await api(user, "POST", `/_matrix/client/v3/join/${enc(room.room_id)}?via=${resident.name}`, {});
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(askedVersions.get(room.room_id)).toContain(version);
		// The resident took it (send_join refuses otherwise): ID, signatures, hash and auth as the version has them.
		const joinId = room.id("m.room.member", user.user_id);
		expect(res.body.room_id).toBe(room.room_id);
		expect(joinId).toMatch(idPattern(version));
		const join = room.events.get(joinId)!.pdu;
		expect(join).not.toHaveProperty("event_id");
		expect(join.content.membership).toBe("join");
		if (RESTRICTED.has(version)) expect(join.content.join_authorised_via_users_server).toBe(room.creator);
		expect(await env.ROOM.getByName(room.room_id).getMembership(user.user_id)).toBe("join");
		const stored = (await env.ROOM.getByName(room.room_id).getRoomInfo())!;
		expect(stored.room_version).toBe(version);
	});

	it("a message goes both ways", async () => {
		// An event ID with the characters only this version's alphabet has (a `/` in v3), through every URL.
		let msg: { pdu: Pdu; event_id: string } | undefined;
		for (let i = 0; i < 200 && !msg; i++) {
			const pdu = await room.sign(room.draft("m.room.message", room.creator, { msgtype: "m.text", body: `hello v${version} #${i}` }));
			const id = await room.eventId(pdu);
			if (alphabetMark(version).test(id)) msg = { pdu, event_id: await room.take(pdu) };
		}
		expect(msg!.event_id).toMatch(idPattern(version));
		expect(await sendToUs([msg!.pdu])).toEqual({ [msg!.event_id]: {} });
		const seen = await api(user, "GET", `/_matrix/client/v3/rooms/${enc(room.room_id)}/event/${enc(msg!.event_id)}`);
		expect(seen.status, JSON.stringify(seen.body)).toBe(200);
		expect(seen.body.content).toEqual(msg!.pdu.content);

		const reply = await api(user, "PUT", `/_matrix/client/v3/rooms/${enc(room.room_id)}/send/m.room.message/v${version}`, { msgtype: "m.text", body: `reply v${version}` });
		expect(reply.status).toBe(200);
		const replyId = reply.body.event_id as string;
		expect(replyId).toMatch(idPattern(version));
		const pdu = await receivedPdu(room.room_id, (p) => p.content.body === `reply v${version}`);
		expect(pdu).not.toHaveProperty("event_id");
		expect(pdu.prev_events).toEqual([msg!.event_id]);
		await room.take(pdu, replyId);
	});

	it("a state event goes both ways", async () => {
		const topic = await room.send("m.room.topic", { topic: `topic v${version}` }, "");
		expect(await sendToUs([topic.pdu])).toEqual({ [topic.event_id]: {} });
		const read = await api(user, "GET", `/_matrix/client/v3/rooms/${enc(room.room_id)}/state/m.room.topic/`);
		expect(read.body).toEqual({ topic: `topic v${version}` });

		const named = await api(user, "PUT", `/_matrix/client/v3/rooms/${enc(room.room_id)}/state/m.room.name/`, { name: `renamed v${version}` });
		expect(named.status, JSON.stringify(named.body)).toBe(200);
		const pdu = await receivedPdu(room.room_id, (p) => p.type === "m.room.name" && p.content.name === `renamed v${version}`);
		expect(pdu.prev_events).toEqual([topic.event_id]);
		await room.take(pdu, named.body.event_id as string);
		expect(room.id("m.room.name")).toBe(named.body.event_id);
	});

	it("refuses a local event with a number outside canonical JSON, and sends nothing", async () => {
		const sent = receiver.received.length;
		const res = await api(user, "PUT", `/_matrix/client/v3/rooms/${enc(room.room_id)}/send/m.room.message/float${version}`, { msgtype: "m.text", body: "n", n: 1.5 });
		// v6+: strict canonical JSON makes such an event invalid; before, it has no canonical form to hash.
		expect(res.status).toBe(400);
		expect(res.body.errcode).toBe("M_BAD_JSON");
		expect(receiver.received.length).toBe(sent);
	});
});
