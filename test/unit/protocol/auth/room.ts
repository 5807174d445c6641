// Small hand-built rooms for the auth-rule tests: events as RoomEvent objects with made-up IDs.
import { expect } from "vitest";
import {
	type AuthOptions,
	type AuthResult,
	authTypesForEvent,
	checkAuthAgainstAuthEvents,
	checkStateDependentAuthRules,
	checkStateIndependentAuthRules,
	stateKeyString,
} from "../../../../src/protocol/auth";
import type { JsonObject, PduV3, RoomEvent } from "../../../../src/protocol/events/pdu";
import { serverNameOf } from "../../../../src/protocol/ids";
import {
	ROOM_V1,
	ROOM_V2,
	ROOM_V3,
	ROOM_V4,
	ROOM_V5,
	ROOM_V6,
	ROOM_V7,
	ROOM_V8,
	ROOM_V9,
	ROOM_V10,
	ROOM_V11,
	ROOM_V12,
	type RoomVersionRules,
} from "../../../../src/protocol/room-versions/rules";

export const ALL_VERSIONS = [ROOM_V1, ROOM_V2, ROOM_V3, ROOM_V4, ROOM_V5, ROOM_V6, ROOM_V7, ROOM_V8, ROOM_V9, ROOM_V10, ROOM_V11, ROOM_V12];
export const versionsFrom = (min: number, max = 12) => ALL_VERSIONS.filter((v) => Number(v.id) >= min && Number(v.id) <= max);

export const ALICE = "@alice:a.example";
export const BOB = "@bob:b.example";
export const CAROL = "@carol:c.example";
export const DAVE = "@dave:d.example";

export const CREATE = "m.room.create";
export const MEMBER = "m.room.member";
export const PL = "m.room.power_levels";
export const JOIN_RULES = "m.room.join_rules";
export const TPI = "m.room.third_party_invite";

/**
 * Picks the rule number that applies to a room version from `{ firstVersion: number }` entries,
 * e.g. `{ 1: "5.2.2", 6: "4.2.2", 8: "4.3.2", 12: "5.3.2" }`.
 */
export function pick(rules: RoomVersionRules, byVersion: Record<number, string>): string {
	const v = Number(rules.id);
	const from = Object.keys(byVersion)
		.map(Number)
		.filter((k) => k <= v)
		.sort((a, b) => b - a)[0];
	if (from === undefined) throw new Error(`no rule number for v${v}`);
	return byVersion[from]!;
}

export function expectAllowed(result: AuthResult): void {
	expect(result).toEqual({ ok: true });
}

export function expectRejected(result: AuthResult, rule: string): void {
	expect(result.ok ? "allowed" : result.rule, result.ok ? "" : result.reason).toBe(rule);
}

export interface EventFields {
	type: string;
	sender: string;
	state_key?: string;
	content?: JsonObject;
	prev_events?: string[];
	auth_events?: string[];
	redacts?: string;
	event_id?: string;
	room_id?: string;
	signatures?: Record<string, Record<string, string>>;
}

/** A room with a create event by `creator`; `send` checks each event against the current state before adding it. */
export class TestRoom {
	readonly rules: RoomVersionRules;
	readonly roomId: string;
	readonly create: RoomEvent;
	readonly events = new Map<string, { event: RoomEvent; rejected: boolean }>();
	readonly state = new Map<string, RoomEvent>();
	private counter = 0;
	private last: string[] = [];

	constructor(rules: RoomVersionRules, creator = ALICE, createContent: JsonObject = {}) {
		this.rules = rules;
		const content: JsonObject = { room_version: rules.id, ...createContent };
		if (!rules.auth.creatorFromSender && !("creator" in createContent)) content.creator = creator;
		const createId = this.nextId(creator, "create");
		this.roomId = rules.auth.roomIdIsCreateEventId ? `!${createId.slice(1)}` : `!room:${serverNameOf(creator)}`;
		this.create = this.build({ type: CREATE, sender: creator, state_key: "", content, event_id: createId, prev_events: [], auth_events: [] });
		this.force(this.create);
	}

	private nextId(sender: string, hint = "ev"): string {
		const n = ++this.counter;
		if (this.rules.eventIdFormat === "server-generated") return `$${hint}${n}:${serverNameOf(sender) ?? "x.example"}`;
		return `$${`${hint}${n}`.padEnd(43, "A")}`;
	}

	readonly stateLookup = (type: string, stateKey: string): RoomEvent | undefined => this.state.get(stateKeyString(type, stateKey));
	readonly lookup = (id: string) => this.events.get(id);

	/** Builds an event on the current state: auth events by the selection algorithm, prev_events the last event. */
	build(f: EventFields): RoomEvent {
		const content = f.content ?? {};
		const authEvents =
			f.auth_events ??
			authTypesForEvent(this.rules, f.type, f.sender, f.state_key, content).flatMap(([t, k]) => {
				const e = this.stateLookup(t, k);
				return e ? [e.event_id] : [];
			});
		const prevEvents = f.prev_events ?? this.last;
		const isV12Create = f.type === CREATE && this.rules.auth.roomIdIsCreateEventId;
		const eventId = f.event_id ?? this.nextId(f.sender);
		const roomId = f.room_id ?? this.roomId;
		const server = serverNameOf(f.sender) ?? "x.example";
		const pdu: PduV3 = {
			type: f.type,
			sender: f.sender,
			origin_server_ts: 1_700_000_000_000 + this.counter,
			content,
			depth: this.counter,
			hashes: { sha256: "" },
			signatures: f.signatures ?? { [server]: { "ed25519:1": "sig" } },
			prev_events: prevEvents,
			auth_events: authEvents,
		};
		if (!isV12Create) pdu.room_id = roomId;
		if (f.state_key !== undefined) pdu.state_key = f.state_key;
		if (f.redacts !== undefined) pdu.redacts = f.redacts;
		const event: RoomEvent = {
			event_id: eventId,
			room_id: roomId,
			type: f.type,
			sender: f.sender,
			origin_server_ts: pdu.origin_server_ts,
			content,
			depth: pdu.depth,
			prev_events: prevEvents,
			auth_events: authEvents,
			pdu,
		};
		if (f.state_key !== undefined) event.state_key = f.state_key;
		if (f.redacts !== undefined) event.redacts = f.redacts;
		return event;
	}

	/** Adds an event (to the state, if it is a state event) without checking it. */
	force(event: RoomEvent, rejected = false): RoomEvent {
		this.events.set(event.event_id, { event, rejected });
		if (!rejected) {
			if (event.state_key !== undefined) this.state.set(stateKeyString(event.type, event.state_key), event);
			this.last = [event.event_id];
		}
		return event;
	}

	/** Builds an event, requires every auth check to pass (against its auth events and the state), and adds it. */
	async send(f: EventFields): Promise<RoomEvent> {
		const event = this.build(f);
		expectAllowed(checkStateIndependentAuthRules(this.rules, event, this.lookup));
		expectAllowed(await this.check(event));
		expectAllowed(await checkAuthAgainstAuthEvents(this.rules, event, this.lookup));
		return this.force(event);
	}

	check(event: RoomEvent, options?: AuthOptions): Promise<AuthResult> {
		return checkStateDependentAuthRules(this.rules, event, this.stateLookup, options);
	}

	checkIndependent(event: RoomEvent): AuthResult {
		return checkStateIndependentAuthRules(this.rules, event, this.lookup);
	}

	/** Shorthand: a member event. */
	member(sender: string, target: string, membership: string, extra: JsonObject = {}): EventFields {
		return { type: MEMBER, sender, state_key: target, content: { membership, ...extra } };
	}

	/** Shorthand: checks a member event built on the current state. */
	checkMember(sender: string, target: string, membership: string, extra: JsonObject = {}, options?: AuthOptions): Promise<AuthResult> {
		return this.check(this.build(this.member(sender, target, membership, extra)), options);
	}
}

/** The power levels users map giving `admin` 100: empty in v12, where the creator may not be listed. */
export function adminUsers(rules: RoomVersionRules, admin = ALICE): JsonObject {
	return rules.auth.privilegedCreators ? {} : { [admin]: 100 };
}

/**
 * A room created by Alice: she joins, sets power levels (Alice 100 or creator; `users` merged in) and
 * the join rule. Everyone else gets there through real events.
 */
export async function standardRoom(
	rules: RoomVersionRules,
	opts: { joinRule?: string; powerLevels?: JsonObject; users?: JsonObject; createContent?: JsonObject } = {},
): Promise<TestRoom> {
	const room = new TestRoom(rules, ALICE, opts.createContent);
	await room.send(room.member(ALICE, ALICE, "join"));
	await room.send({ type: PL, sender: ALICE, state_key: "", content: { users: { ...adminUsers(rules), ...(opts.users ?? {}) }, ...(opts.powerLevels ?? {}) } });
	await room.send({ type: JOIN_RULES, sender: ALICE, state_key: "", content: { join_rule: opts.joinRule ?? "public" } });
	return room;
}

/** Joins `user` to a public room (or any room where a self-join passes). */
export async function join(room: TestRoom, user: string): Promise<void> {
	await room.send(room.member(user, user, "join"));
}
