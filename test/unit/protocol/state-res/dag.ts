// Tiny hand-written auth DAGs for the step tests: events by short name, with `auth` edges.
import type { JsonObject, RoomEvent } from "../../../../src/protocol/events/pdu";
import { EventSource } from "../../../../src/protocol/state-res";
import { EventStore, roomEventOf } from "./vectors";

export const ROOM = "!room:example.com";
export const ALICE = "@alice:example.com";
export const BOB = "@bob:example.com";
export const CAROL = "@carol:example.com";

export interface Spec {
	type: string;
	stateKey?: string;
	sender?: string;
	content?: JsonObject;
	auth?: string[];
	ts?: number;
	room?: string;
	depth?: number;
}

/** `$name` event IDs, so the tests read like the spec's diagrams. */
export const id = (name: string) => `$${name}`;

export function dag(specs: Record<string, Spec>): { store: EventStore; source: EventSource; event: (name: string) => RoomEvent } {
	const store = new EventStore();
	let ts = 0;
	for (const [name, s] of Object.entries(specs)) {
		store.add(
			roomEventOf(
				{
					event_id: id(name),
					type: s.type,
					state_key: s.stateKey,
					sender: s.sender ?? ALICE,
					content: s.content ?? {},
					auth_events: (s.auth ?? []).map(id),
					prev_events: [],
					origin_server_ts: s.ts ?? ts++,
					depth: s.depth,
				},
				s.room ?? ROOM,
			),
		);
	}
	const event = (name: string) => {
		const e = store.get(id(name));
		if (!e) throw new Error(`no event ${name}`);
		return e;
	};
	return { store, source: new EventSource(store.get), event };
}

/** The usual start of a v1–v11 room: create, alice's join, power levels (alice 100), public join rules. */
export const ROOM_START: Record<string, Spec> = {
	CREATE: { type: "m.room.create", stateKey: "", content: { creator: ALICE } },
	IMA: { type: "m.room.member", stateKey: ALICE, content: { membership: "join" }, auth: ["CREATE"] },
	IPOWER: { type: "m.room.power_levels", stateKey: "", content: { users: { [ALICE]: 100 } }, auth: ["CREATE", "IMA"] },
	IJR: { type: "m.room.join_rules", stateKey: "", content: { join_rule: "public" }, auth: ["CREATE", "IMA", "IPOWER"] },
	IMB: { type: "m.room.member", stateKey: BOB, sender: BOB, content: { membership: "join" }, auth: ["CREATE", "IJR", "IPOWER"] },
};
