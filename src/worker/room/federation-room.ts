// The RoomDO's federation surface in one place, so room-do.ts only delegates: inbound PDUs, what the
// bridge must fetch first, the serving endpoints and inbound joins/leaves. Results with PDUs cross RPC as
// JSON text (RPC's mapping of recursive JSON types is too deep to type-check).
// Spec: https://spec.matrix.org/latest/server-server-api/

import type { RpcResult } from "../../protocol/errors";
import type { Pdu } from "../../protocol/events/pdu";
import { serverAllowedByAcl } from "../../protocol/federation/server-acl";
import { type BackfillInput, storeBackfill } from "./federation-backfill";
import { FederationIngest, type IngestDeps, type IngestOutcome, type RemoteEventInput } from "./federation-ingest";
import { FederationMembership, type MakeMembershipRequest, type MembershipKind } from "./federation-membership";
import { FederationServe, MAX_BACKFILL, MAX_MISSING } from "./federation-serve";

/** The serving endpoints' questions, each answered as the spec's response body. */
export type FederationReadRequest =
	| { kind: "event"; event_id: string }
	| { kind: "state" | "state_ids"; event_id: string }
	| { kind: "event_auth"; event_id: string }
	| { kind: "backfill"; from: string[]; limit: number }
	| { kind: "missing"; earliest: string[]; latest: string[]; limit: number; min_depth: number }
	| { kind: "timestamp"; ts: number; dir: "f" | "b" };

function json<T>(result: RpcResult<T>): RpcResult<string> {
	return result.ok ? { ok: true, value: JSON.stringify(result.value) } : result;
}

export class FederationRoom {
	private readonly ingestor: FederationIngest;
	private readonly serve: FederationServe;
	private readonly membership: FederationMembership;

	constructor(private readonly deps: IngestDeps) {
		this.ingestor = new FederationIngest(deps);
		this.serve = new FederationServe(deps.store, deps.fed);
		this.membership = new FederationMembership({ ...deps, ingest: this.ingestor, serve: this.serve });
	}

	ingest(events: readonly RemoteEventInput[], now: number): Promise<RpcResult<IngestOutcome[]>> {
		return this.ingestor.ingest(events, now);
	}

	/** Events fetched through /backfill, stored as history (room/federation-backfill.ts), in the ingest queue. */
	backfill(input: BackfillInput, now: number): Promise<RpcResult<{ stored: number }>> {
		return this.ingestor.exclusive(() => storeBackfill(this.deps, input, now));
	}

	/**
	 * The bridge's common case in one call: the send gate, then, when the room holds every event in `named`
	 * (the prev and auth events the PDUs cite, less those among the PDUs themselves), ingest. Null, with
	 * nothing stored, when one is missing: the bridge then takes each PDU its own way and fetches it.
	 */
	ingestFrom(origin: string, events: readonly RemoteEventInput[], named: readonly string[], now: number): Promise<RpcResult<IngestOutcome[] | null>> {
		const gate = this.sendGate(origin);
		if (!gate.ok) return Promise.resolve(gate);
		if (named.length > 0 && this.deps.fed.missing(named).length > 0) return Promise.resolve({ ok: true, value: null });
		return this.ingestor.ingest(events, now);
	}

	/** For /send: the room version, or a refusal when the room is unknown or the origin is ACL-banned. */
	sendGate(origin: string): RpcResult<{ room_version: string; forward_extremities: string[] }> {
		const info = this.deps.store.getRoomInfo();
		if (info === null) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown room" };
		const id = this.deps.writes.getCurrentStateEventId("m.room.server_acl", "");
		const text = id === null ? null : this.deps.store.getPdu(id);
		if (!serverAllowedByAcl(text === null ? null : (JSON.parse(text) as Pdu).content, origin)) {
			return { ok: false, errcode: "M_FORBIDDEN", error: "Server is banned by the room's server ACL" };
		}
		return { ok: true, value: { room_version: info.room_version, forward_extremities: this.deps.store.getForwardExtremities() } };
	}

	/** For answers built outside the room (space hierarchy): whether the ACL admits `origin`, and whether a user of it is joined. */
	serverAccess(origin: string): { acl_allowed: boolean; joined: boolean } | null {
		const gate = this.sendGate(origin);
		if (!gate.ok && gate.errcode === "M_NOT_FOUND") return null;
		return { acl_allowed: gate.ok, joined: this.deps.fed.serverHasJoinedMember(origin) };
	}

	/** Which of `ids` the room lacks, and which it holds only as outliers (no state known at them). */
	missing(ids: readonly string[]): { missing: string[]; without_state: string[] } {
		const missing = this.deps.fed.missing(ids);
		const withoutState = ids.filter((id) => !missing.includes(id) && this.deps.store.getEventState(id) === null);
		return { missing, without_state: withoutState };
	}

	read(origin: string, req: FederationReadRequest): RpcResult<string> {
		const gate = this.serve.gate(origin);
		if (!gate.ok) return gate;
		const s = this.serve;
		const origin_server_ts = Date.now();
		const me = this.deps.server_name();
		switch (req.kind) {
			case "event": {
				const pdu = s.event(origin, req.event_id);
				return json(pdu.ok ? { ok: true, value: { origin: me, origin_server_ts, pdus: [pdu.value] } } : pdu);
			}
			case "state_ids":
				return json(s.stateIds(req.event_id));
			case "state": {
				const ids = s.stateIds(req.event_id);
				if (!ids.ok) return ids;
				return json({ ok: true, value: { pdus: s.pdus(origin, ids.value.pdu_ids), auth_chain: s.pdus(origin, ids.value.auth_chain_ids) } });
			}
			case "event_auth":
				if (s.pduFor(origin, req.event_id) === null) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown event" };
				return json({ ok: true, value: { auth_chain: s.pdus(origin, s.authChain([req.event_id])) } });
			case "backfill":
				return json({ ok: true, value: { origin: me, origin_server_ts, pdus: s.backfill(origin, req.from, Math.min(req.limit, MAX_BACKFILL)) } });
			case "missing":
				return json({ ok: true, value: { events: s.missingEvents(origin, req.earliest, req.latest, Math.min(req.limit, MAX_MISSING), req.min_depth) } });
			case "timestamp":
				return json(s.timestampToEvent(origin, req.ts, req.dir));
		}
	}

	async makeMembership(req: MakeMembershipRequest): Promise<RpcResult<string>> {
		return json(await this.membership.make(req));
	}

	restrictedAllowRooms(userId: string): Promise<string[] | null> {
		return this.membership.restrictedAllowRooms(userId);
	}

	async sendMembership(origin: string, kind: MembershipKind, eventId: string, pduJson: string, now: number): Promise<RpcResult<string>> {
		return json(await this.membership.send(origin, kind, eventId, pduJson, now));
	}
}
