// Invites with content.third_party_invite (rule 5.3.1 in v1–v5, 4.3.1 in v6–v7, 4.4.1 in v8–v11, 5.4.1 in v12),
// with real Ed25519 signatures over the `signed` block.
import { beforeAll, describe, expect, it } from "vitest";
import { thirdPartyInvitePublicKeys, verifyThirdPartyInviteSigned } from "../../../../src/protocol/auth";
import { signingKeyFromSeed, type SigningKey } from "../../../../src/protocol/crypto/ed25519";
import { signJson } from "../../../../src/protocol/crypto/sign-json";
import type { JsonObject } from "../../../../src/protocol/events/pdu";
import type { RoomVersionRules } from "../../../../src/protocol/room-versions/rules";
import { ALICE, ALL_VERSIONS, BOB, CAROL, expectAllowed, expectRejected, join, pick, standardRoom, TestRoom, TPI } from "./room";

const TP = (r: RoomVersionRules) => pick(r, { 1: "5.3.1", 6: "4.3.1", 8: "4.4.1", 12: "5.4.1" });
const TOKEN = "abc123";

let idKey: SigningKey;
let otherKey: SigningKey;
beforeAll(async () => {
	idKey = await signingKeyFromSeed("ed25519:0", new Uint8Array(32).fill(7));
	otherKey = await signingKeyFromSeed("ed25519:0", new Uint8Array(32).fill(9));
});

async function signed(mxid = BOB, token = TOKEN, key = idKey): Promise<JsonObject> {
	return (await signJson({ mxid, token, sender: ALICE }, "id.example", key)) as JsonObject;
}

/** A room where Alice (joined, can invite) has sent an m.room.third_party_invite for TOKEN. */
async function roomWithInvite(rules: RoomVersionRules, inviteContent: (key: SigningKey) => JsonObject = (k) => ({ public_key: k.publicKeyBase64 })) {
	const room = await standardRoom(rules);
	await room.send({ type: TPI, sender: ALICE, state_key: TOKEN, content: { display_name: "b…@example.com", key_validity_url: "https://id.example/isvalid", ...inviteContent(idKey) } });
	return room;
}

function invite(room: TestRoom, sender: string, target: string, thirdPartyInvite: JsonObject) {
	return room.build(room.member(sender, target, "invite", { third_party_invite: thirdPartyInvite }));
}

describe.each(ALL_VERSIONS.map((rules) => [rules.id, rules] as const))("room version %s: third-party invites", (_id, rules) => {
	it("allows an invite whose signed block verifies under the invite's public_key (x.7, x.7.1)", async () => {
		const room = await roomWithInvite(rules);
		const event = invite(room, ALICE, BOB, { display_name: "b…", signed: await signed() });
		expect(event.auth_events).toContain(room.stateLookup(TPI, TOKEN)?.event_id);
		expectAllowed(await room.check(event));
		// Through every check (its auth events too), after which Bob holds an ordinary invite.
		await room.send(room.member(ALICE, BOB, "invite", { third_party_invite: { signed: await signed() } }));
		expect(room.stateLookup("m.room.member", BOB)?.content.membership).toBe("invite");
	});

	it("finds keys in public_keys too (x.7.2)", async () => {
		const room = await roomWithInvite(rules, (k) => ({ public_key: otherKey.publicKeyBase64, public_keys: [{ public_key: "bm90IGEga2V5" }, { public_key: k.publicKeyBase64 }] }));
		expectAllowed(await room.check(invite(room, ALICE, BOB, { signed: await signed() })));
	});

	it("rejects a banned target (x.1)", async () => {
		const room = await roomWithInvite(rules);
		await room.send(room.member(ALICE, BOB, "ban"));
		expectRejected(await room.check(invite(room, ALICE, BOB, { signed: await signed() })), `${TP(rules)}.1`);
	});

	it("rejects a third_party_invite without signed (x.2)", async () => {
		const room = await roomWithInvite(rules);
		expectRejected(await room.check(invite(room, ALICE, BOB, { display_name: "b" })), `${TP(rules)}.2`);
		const notObject = room.build(room.member(ALICE, BOB, "invite", { third_party_invite: "x" }));
		expectRejected(await room.check(notObject), `${TP(rules)}.2`);
	});

	it("rejects signed without mxid and token (x.3)", async () => {
		const room = await roomWithInvite(rules);
		const full = await signed();
		const { token: _t, ...noToken } = full;
		const { mxid: _m, ...noMxid } = full;
		expectRejected(await room.check(invite(room, ALICE, BOB, { signed: noToken })), `${TP(rules)}.3`);
		expectRejected(await room.check(invite(room, ALICE, BOB, { signed: noMxid })), `${TP(rules)}.3`);
	});

	it("rejects an mxid that is not the state_key (x.4)", async () => {
		const room = await roomWithInvite(rules);
		expectRejected(await room.check(invite(room, ALICE, BOB, { signed: await signed(CAROL) })), `${TP(rules)}.4`);
	});

	it("rejects a token with no m.room.third_party_invite in the state (x.5)", async () => {
		const room = await roomWithInvite(rules);
		expectRejected(await room.check(invite(room, ALICE, BOB, { signed: await signed(BOB, "other-token") })), `${TP(rules)}.5`);
	});

	it("rejects a sender other than the third-party invite's sender (x.6)", async () => {
		const room = await roomWithInvite(rules);
		await join(room, CAROL);
		expectRejected(await room.check(invite(room, CAROL, BOB, { signed: await signed() })), `${TP(rules)}.6`);
	});

	it("rejects when no signature matches a public key (x.8)", async () => {
		const room = await roomWithInvite(rules);
		expectRejected(await room.check(invite(room, ALICE, BOB, { signed: await signed(BOB, TOKEN, otherKey) })), `${TP(rules)}.8`);
		const tampered = { ...(await signed()), extra: "field" };
		expectRejected(await room.check(invite(room, ALICE, BOB, { signed: tampered })), `${TP(rules)}.8`);
		const { signatures: _s, ...unsigned } = await signed();
		expectRejected(await room.check(invite(room, ALICE, BOB, { signed: unsigned })), `${TP(rules)}.8`);
	});
});

describe("signature verification of the signed block", () => {
	it("takes only ed25519 key IDs and uses the injected verifier", async () => {
		const block = await signed();
		const keys = [idKey.publicKeyBase64];
		expect(await verifyThirdPartyInviteSigned(block, keys, async () => true)).toBe(true);
		expect(await verifyThirdPartyInviteSigned(block, keys, async () => false)).toBe(false);
		const curve = { ...block, signatures: { "id.example": { "curve25519:0": "x" } } };
		expect(await verifyThirdPartyInviteSigned(curve, keys, async () => true)).toBe(false);
		expect(await verifyThirdPartyInviteSigned(block, [], async () => true)).toBe(false);
	});

	it("lists public_key then public_keys", () => {
		expect(thirdPartyInvitePublicKeys({ public_key: "a", public_keys: [{ public_key: "b" }, { nope: 1 }, "c"] })).toEqual(["a", "b"]);
		expect(thirdPartyInvitePublicKeys({})).toEqual([]);
	});

	it("the invite rule passes the verifier option through", async () => {
		const room = await roomWithInvite(ALL_VERSIONS[11]!);
		const event = invite(room, ALICE, BOB, { signed: await signed() });
		expectRejected(await room.check(event, { verifyEd25519: async () => false }), "5.4.1.8");
	});
});
