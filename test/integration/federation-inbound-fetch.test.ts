// The bridge's missing-event fetching against a REMOTE-server double, and the server ACL matcher.
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu,
// https://spec.matrix.org/latest/client-server-api/#server-access-control-lists-acls-for-rooms
import { describe, expect, it } from "vitest";
import { fetchPrerequisites } from "../../src/bridge/inbound/fetch-missing";
import type { RemoteSource } from "../../src/bridge/inbound/remote-source";
import type { KeySource } from "../../src/bridge/inbound/step-2-signatures";
import { signingKeyFromSeed } from "../../src/protocol/crypto/ed25519";
import { toRoomEvent } from "../../src/protocol/events/event-id";
import type { Pdu } from "../../src/protocol/events/pdu";
import { signEvent } from "../../src/protocol/events/sign-event";
import { serverAllowedByAcl } from "../../src/protocol/federation/server-acl";
import { ROOM_V10 } from "../../src/protocol/room-versions/rules";

const ROOM = "!room:remote.example";

async function chain() {
	const key = await signingKeyFromSeed("ed25519:k", new Uint8Array(32).fill(3));
	const keys: KeySource = {
		getServerVerifyKey: async (server, keyId) =>
			server === "remote.example" && keyId === key.keyId ? { serverName: server, keyId, publicKey: key.publicKeyBase64, validUntilTs: Number.MAX_SAFE_INTEGER, expiredTs: null } : undefined,
	};
	const make = async (depth: number, prev: string[]) => {
		const pdu = await signEvent(
			{ type: "m.room.message", room_id: ROOM, sender: "@a:remote.example", content: { body: `${depth}` }, origin_server_ts: depth, depth, prev_events: prev, auth_events: [] },
			"remote.example",
			key,
			ROOM_V10,
		);
		return { pdu, event: await toRoomEvent(pdu, ROOM_V10) };
	};
	const a = await make(1, []);
	const b = await make(2, [a.event.event_id]);
	const c = await make(3, [b.event.event_id]);
	return { keys, a, b, c };
}

describe("fetchPrerequisites", () => {
	it("fetches missing prev events through get_missing_events, checks them, and orders them oldest first", async () => {
		const { keys, a, b, c } = await chain();
		const asked: unknown[] = [];
		const forged: Pdu = { ...b.pdu, content: { body: "x" }, signatures: {} };
		const remote: RemoteSource = {
			getMissingEvents: async (_room, body) => {
				asked.push(body);
				return [b.pdu, forged, a.pdu];
			},
			eventAuth: async () => [],
		};
		const have = new Set<string>();
		const room = { forward_extremities: ["$ours"], missing: async (ids: string[]) => ({ missing: ids.filter((id) => !have.has(id)), without_state: [] }) };
		const pre = await fetchPrerequisites(c.event, ROOM_V10, room, remote, keys, Date.now() + 10_000);
		expect(asked).toEqual([{ earliest_events: ["$ours"], latest_events: [c.event.event_id], limit: 20, min_depth: 0 }]);
		// The unsigned copy is dropped as a PDU failing check 2 would be.
		expect(pre.prevs.map((p) => p.event.event_id)).toEqual([a.event.event_id, b.event.event_id]);
		expect(pre.outliers).toEqual([]);
	});

	it("does not fetch after the deadline", async () => {
		const { keys, c } = await chain();
		let calls = 0;
		const remote: RemoteSource = { getMissingEvents: async () => (calls++, []), eventAuth: async () => (calls++, []) };
		const room = { forward_extremities: [], missing: async (ids: string[]) => ({ missing: ids, without_state: [] }) };
		const pre = await fetchPrerequisites(c.event, ROOM_V10, room, remote, keys, Date.now() - 1);
		expect(calls).toBe(0);
		expect(pre).toEqual({ outliers: [], prevs: [] });
	});
});

describe("serverAllowedByAcl", () => {
	it("follows the spec's order: IP literals, deny, then allow", () => {
		const acl = { allow: ["*.example", "good.org"], deny: ["bad.example"], allow_ip_literals: false };
		expect(serverAllowedByAcl(acl, "ok.example:8448")).toBe(true);
		expect(serverAllowedByAcl(acl, "bad.example")).toBe(false);
		expect(serverAllowedByAcl(acl, "GOOD.org")).toBe(true);
		expect(serverAllowedByAcl(acl, "other.net")).toBe(false);
		expect(serverAllowedByAcl(acl, "1.2.3.4:8448")).toBe(false);
		expect(serverAllowedByAcl(acl, "[::1]:8448")).toBe(false);
		expect(serverAllowedByAcl(null, "anyone.net")).toBe(true);
		expect(serverAllowedByAcl({ deny: [] }, "anyone.net")).toBe(false);
	});
});
