// What the RoomDO answers remote servers: events, state at an event, auth chains, backfill, missing events
// and timestamp lookups, with server ACLs, the "origin is in the room" rule and history visibility applied.
// Spec: https://spec.matrix.org/latest/server-server-api/#retrieving-events,
// https://spec.matrix.org/latest/server-server-api/#backfilling-and-retrieving-missing-events,
// https://spec.matrix.org/latest/client-server-api/#history-visibility (servers see what their users could)

import type { RpcResult } from "../../protocol/errors";
import type { JsonObject, Pdu } from "../../protocol/events/pdu";
import { redactEvent } from "../../protocol/events/redaction";
import { serverAllowedByAcl } from "../../protocol/federation/server-acl";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import { historyVisibilityOf, membershipOf } from "../../protocol/visibility";
import type { FederationStore } from "./federation-store";
import { type RoomStore, type StateMap, stateKeyOf } from "./store";

/** Bounds on what one request may walk: a remote server must not make us read the whole room. */
export const MAX_AUTH_CHAIN = 10_000;
export const MAX_BACKFILL = 100;
export const MAX_MISSING = 20;

type Result<T> = RpcResult<T>;
const forbidden = (error: string): Result<never> => ({ ok: false, errcode: "M_FORBIDDEN", error });
const notFound = (error: string): Result<never> => ({ ok: false, errcode: "M_NOT_FOUND", error });

export class FederationServe {
	constructor(
		private readonly store: RoomStore,
		private readonly fed: FederationStore,
	) {}

	private content(state: StateMap, type: string, stateKey: string): JsonObject | null {
		const id = state.get(stateKeyOf(type, stateKey));
		const text = id === undefined ? null : this.store.getPdu(id);
		return text === null ? null : (JSON.parse(text) as Pdu).content;
	}

	private current(): StateMap {
		return new Map(this.store.getCurrentStateIds().map((e) => [stateKeyOf(e.type, e.state_key), e.event_id]));
	}

	/** ACLs, then "the origin is in the room (a user of it is joined) or the room is world-readable". */
	gate(origin: string): Result<null> {
		if (this.store.getRoomInfo() === null) return notFound("Unknown room");
		const current = this.current();
		if (!serverAllowedByAcl(this.content(current, "m.room.server_acl", ""), origin)) return forbidden("Server is banned by the room's server ACL");
		if (this.fed.serverHasJoinedMember(origin)) return { ok: true, value: null };
		if (historyVisibilityOf(this.content(current, "m.room.history_visibility", "")) === "world_readable") return { ok: true, value: null };
		return forbidden("Server is not in the room");
	}

	/** Whether the origin's users could see the event, from the state before it (as Synapse's filter_events_for_server). */
	private visibleTo(origin: string, eventId: string): boolean {
		const at = this.store.getEventState(eventId);
		if (at === null) return true; // outliers are auth-chain events: state, which every member server needs
		const state = this.store.getStateGroup(at.state_before);
		const visibility = historyVisibilityOf(this.content(state, "m.room.history_visibility", ""));
		if (visibility === "world_readable" || visibility === "shared") return true;
		// The membership that counts is the one after the event: a server sees its own user's join (or invite).
		const text = this.store.getPdu(eventId);
		const own = text === null ? null : (JSON.parse(text) as Pdu);
		if (own?.type === "m.room.member" && typeof own.state_key === "string" && serverNameOf(own.state_key) === origin) {
			const membership = membershipOf(own.content);
			if (membership === "join" || (visibility === "invited" && membership === "invite")) return true;
		}
		for (const [key, id] of state) {
			if (!key.startsWith("m.room.member\u0000") || serverNameOf(key.slice("m.room.member\u0000".length)) !== origin) continue;
			const text = this.store.getPdu(id);
			const membership = text === null ? null : membershipOf((JSON.parse(text) as Pdu).content);
			if (membership === "join" || (visibility === "invited" && membership === "invite")) return true;
		}
		return false;
	}

	/** The PDU as stored, or its redacted copy when the origin may not see its content. */
	pduFor(origin: string, eventId: string): Pdu | null {
		const text = this.store.getPdu(eventId);
		const info = this.store.getRoomInfo();
		const flags = this.fed.flags(eventId);
		if (text === null || info === null || flags?.rejected) return null;
		const pdu = JSON.parse(text) as Pdu;
		const rules = roomVersionRules(info.room_version);
		return this.visibleTo(origin, eventId) || !rules ? pdu : redactEvent(pdu, rules);
	}

	/**
	 * GET /event: the event as stored, only if the origin's users could see it. Unlike the bulk answers
	 * (state, backfill), a single event the origin may not see is refused (403), not handed over redacted.
	 */
	event(origin: string, eventId: string): Result<Pdu> {
		const pdu = this.pduFor(origin, eventId);
		if (pdu === null) return notFound("Unknown event");
		if (!this.visibleTo(origin, eventId)) return forbidden("The server's users may not see this event");
		return { ok: true, value: pdu };
	}

	/** The auth chain of `ids`: every auth event reachable through auth_events, not including `ids` themselves. */
	authChain(ids: Iterable<string>): string[] {
		const seen = new Set<string>();
		const queue = [...ids];
		while (queue.length > 0 && seen.size < MAX_AUTH_CHAIN) {
			for (const next of this.store.getEdges(queue.pop()!, "auth")) {
				if (!seen.has(next) && this.store.hasEvent(next)) {
					seen.add(next);
					queue.push(next);
				}
			}
		}
		return [...seen];
	}

	/** The room state before `eventId` ("the state at the event") and its auth chain, as IDs. */
	stateIds(eventId: string): Result<{ pdu_ids: string[]; auth_chain_ids: string[] }> {
		const at = this.store.getEventState(eventId);
		if (at === null) return notFound("No state known at that event");
		const pduIds = [...this.store.getStateGroup(at.state_before).values()];
		return { ok: true, value: { pdu_ids: pduIds, auth_chain_ids: this.authChain(pduIds) } };
	}

	pdus(origin: string, ids: readonly string[]): Pdu[] {
		return ids.flatMap((id) => this.pduFor(origin, id) ?? []);
	}

	/** Events before and including `from`, newest first by depth, through prev_events (spec: backfill). */
	backfill(origin: string, from: readonly string[], limit: number): Pdu[] {
		const out: string[] = [];
		const seen = new Set<string>(from);
		let frontier = from.filter((id) => this.store.hasEvent(id));
		while (frontier.length > 0 && out.length < limit) {
			frontier.sort((a, b) => (this.fed.flags(b)?.depth ?? 0) - (this.fed.flags(a)?.depth ?? 0));
			const id = frontier.shift()!;
			out.push(id);
			for (const prev of this.store.getEdges(id, "prev")) {
				if (!seen.has(prev) && this.store.hasEvent(prev)) {
					seen.add(prev);
					frontier.push(prev);
				}
			}
		}
		return this.pdus(origin, out);
	}

	/**
	 * "Retrieves previous events that the sender is missing": walks back from `latest` (exclusive) through
	 * prev_events, never past `earliest`, nor below `minDepth`, at most `limit` events, oldest first.
	 */
	missingEvents(origin: string, earliest: readonly string[], latest: readonly string[], limit: number, minDepth: number): Pdu[] {
		const stop = new Set(earliest);
		const seen = new Set<string>([...latest, ...earliest]);
		const found: string[] = [];
		let frontier = latest.flatMap((id) => this.store.getEdges(id, "prev"));
		while (frontier.length > 0 && found.length < limit) {
			const next: string[] = [];
			for (const id of frontier) {
				if (seen.has(id) || stop.has(id) || found.length >= limit) continue;
				seen.add(id);
				const flags = this.fed.flags(id);
				if (flags === null || flags.depth < minDepth) continue;
				found.push(id);
				next.push(...this.store.getEdges(id, "prev"));
			}
			frontier = next;
		}
		found.sort((a, b) => (this.fed.flags(a)?.depth ?? 0) - (this.fed.flags(b)?.depth ?? 0));
		return this.pdus(origin, found);
	}

	timestampToEvent(origin: string, ts: number, dir: "f" | "b"): Result<{ event_id: string; origin_server_ts: number }> {
		const hit = this.fed.closestByTimestamp(ts, dir);
		if (hit === null || this.pduFor(origin, hit.event_id) === null) return notFound("No event found");
		return { ok: true, value: hit };
	}
}
