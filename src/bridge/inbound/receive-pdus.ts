// The PDUs of one inbound transaction: checks 1–3 here, missing events fetched, then checks 4–6 and the
// write in the room (RoomDO.ingestRemoteEvents). Answers one result per PDU: `{}` or `{error}`.
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu,
// https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv1sendtxnid

import { roomVersionRules } from "../../protocol/room-versions/rules";
import type { IngestOutcome } from "../../worker/room/federation-ingest";
import type { RoomDO } from "../../worker/room/room-do";
import { fetchPrerequisites } from "./fetch-missing";
import type { RemoteSource } from "./remote-source";
import { checkFormat, roomIdOfPdu } from "./step-1-format";
import { checkSignatures, type KeySource } from "./step-2-signatures";
import { copyToStore } from "./step-3-content-hash";
import { endHeldInvite } from "./withdrawn-invite";

/** How often a PDU for a room we are joining re-checks whether the room exists yet. */
const JOIN_WAIT_STEP_MS = 100;

export type PduResult = Record<string, never> | { error: string };

export interface ReceiveDeps {
	origin: string;
	room: (roomId: string) => DurableObjectStub<RoomDO>;
	keys: KeySource;
	remote: RemoteSource;
	/** When fetching must stop: the whole transaction shares one deadline. */
	deadline: number;
	now: () => number;
}

/** Results keyed by event ID. A PDU whose event ID cannot be computed gets no entry (nothing to key it by). */
export async function receivePdus(pdus: readonly unknown[], deps: ReceiveDeps): Promise<Record<string, PduResult>> {
	const results: Record<string, PduResult> = {};
	// The spec asks that PDUs of one room be processed in the order sent; rooms are independent.
	const byRoom = new Map<string, unknown[]>();
	for (const raw of pdus) {
		const roomId = roomIdOfPdu(raw);
		if (roomId !== undefined) byRoom.set(roomId, [...(byRoom.get(roomId) ?? []), raw]);
	}
	for (const [roomId, raws] of byRoom) {
		const fast = await receiveExtending(roomId, raws, deps);
		if (fast !== null) Object.assign(results, fast);
		else for (const raw of raws) await receiveEach(raw, deps, results);
	}
	return results;
}

async function receiveEach(raw: unknown, deps: ReceiveDeps, results: Record<string, PduResult>): Promise<void> {
	const out = await receiveOne(raw, deps);
	if (out) results[out.eventId] = out.result;
}

/**
 * Room ID -> room version. A room's version never changes (an upgrade makes a new room), so the bridge
 * learns it once per isolate from the send gate and the common case below then costs one room call.
 */
const roomVersions = new Map<string, string>();
/** A cache, not a record: past this many rooms the oldest entry goes. */
const MAX_REMEMBERED_VERSIONS = 10_000;

function rememberVersion(roomId: string, version: string): void {
	roomVersions.set(roomId, version);
	if (roomVersions.size > MAX_REMEMBERED_VERSIONS) {
		const oldest = roomVersions.keys().next();
		if (!oldest.done) roomVersions.delete(oldest.value);
	}
}

/**
 * The common case in one room call: every event the room's PDUs name (prev and auth events) is either held
 * by the room or an earlier PDU of the same transaction, so nothing needs fetching; checks 1–3 run here, and
 * the send gate (server ACL), checks 4–6 and the writes of all of them, in order, in one RoomDO call. Null
 * when that does not hold (the room is unknown or closed to the origin, something must be fetched, or a PDU
 * changes the server ACL, which the gate checks per PDU): then each PDU goes its own way. A PDU the room
 * could not process (status "error") is retried on its own, where missing events are fetched.
 */
async function receiveExtending(roomId: string, raws: readonly unknown[], deps: ReceiveDeps): Promise<Record<string, PduResult> | null> {
	const stub = deps.room(roomId);
	let version = roomVersions.get(roomId);
	if (version === undefined) {
		const gate = await stub.federationSendGate(deps.origin);
		if (!gate.ok) return null;
		version = gate.value.room_version;
		rememberVersion(roomId, version);
	}
	const rules = roomVersionRules(version);
	if (!rules) return null;
	const results: Record<string, PduResult> = {};
	const checked: { raw: unknown; eventId: string; pdu_json: string }[] = [];
	const earlier = new Set<string>();
	const named = new Set<string>();
	for (const raw of raws) {
		const format = await checkFormat(raw, rules, roomId);
		if (!format.ok) continue;
		const event = format.event;
		if (event.type === "m.room.server_acl") return null;
		const verdict = await checkSignatures(format.pdu, rules, deps.keys);
		if (verdict.verdict === "drop") {
			results[event.event_id] = { error: `Signature check failed: ${verdict.error}` };
			continue;
		}
		for (const id of [...event.prev_events, ...event.auth_events]) if (!earlier.has(id)) named.add(id);
		earlier.add(event.event_id);
		checked.push({ raw, eventId: event.event_id, pdu_json: copyToStore(format.pdu, verdict).pdu_json });
	}
	if (checked.length === 0) return results;
	const ingested = await stub.ingestRemoteEventsFrom(
		deps.origin,
		checked.map((c) => ({ pdu_json: c.pdu_json, outlier: false })),
		[...named],
		deps.now(),
	);
	// The gate said no (or the room is gone), or something must be fetched: the per-PDU path answers each
	// PDU, fetching what is missing (and waiting for a join under way).
	if (!ingested.ok || ingested.value === null) return null;
	const outcomes = new Map(ingested.value.map((o) => [o.event_id, o]));
	for (const c of checked) {
		const mine = outcomes.get(c.eventId);
		if (mine === undefined || mine.status === "error") await receiveEach(c.raw, deps, results);
		else results[c.eventId] = resultOf(mine);
	}
	return results;
}

async function receiveOne(raw: unknown, deps: ReceiveDeps): Promise<{ eventId: string; result: PduResult } | null> {
	const roomId = roomIdOfPdu(raw);
	if (roomId === undefined) return null;
	const stub = deps.room(roomId);
	let gate = await stub.federationSendGate(deps.origin);
	// Our remote join of this room may still be storing the send_join answer while the resident already
	// sends us the room's next events: wait for the room (within the transaction's budget) rather than
	// answer "unknown room", since the sender does not resend a PDU that got a per-PDU error.
	while (!gate.ok && deps.now() < deps.deadline && (await stub.remoteJoinPending())) {
		await new Promise((resolve) => setTimeout(resolve, JOIN_WAIT_STEP_MS));
		gate = await stub.federationSendGate(deps.origin);
	}
	if (!gate.ok) {
		const ended = await endHeldInvite(raw, roomId, deps.origin, stub, deps.keys);
		if (ended) return ended;
		const id = raw !== null && typeof raw === "object" && "event_id" in raw && typeof raw.event_id === "string" ? raw.event_id : null;
		return id === null ? null : { eventId: id, result: { error: gate.error } };
	}
	const rules = roomVersionRules(gate.value.room_version);
	if (!rules) return null;
	// 1. Format and size: dropped when invalid.
	const format = await checkFormat(raw, rules, roomId);
	if (!format.ok) return null;
	const eventId = format.event.event_id;
	// 2. Signatures: dropped on failure.
	const verdict = await checkSignatures(format.pdu, rules, deps.keys);
	if (verdict.verdict === "drop") return { eventId, result: { error: `Signature check failed: ${verdict.error}` } };
	// 3. Content hash: redacted on mismatch, then processed further.
	const copy = copyToStore(format.pdu, verdict);

	const pre = await fetchPrerequisites(
		format.event,
		rules,
		{ missing: (ids) => stub.federationMissing(ids), forward_extremities: gate.value.forward_extremities },
		deps.remote,
		deps.keys,
		deps.deadline,
	);
	const inputs = [
		...pre.outliers.map((e) => ({ pdu_json: e.pdu_json, outlier: true })),
		...pre.prevs.map((e) => ({ pdu_json: e.pdu_json, outlier: false })),
		{ pdu_json: copy.pdu_json, outlier: false },
	];
	// 4–6 in the room.
	const ingested = await stub.ingestRemoteEvents(inputs, deps.now());
	if (!ingested.ok) return { eventId, result: { error: ingested.error } };
	const mine = ingested.value.find((o) => o.event_id === eventId);
	return { eventId, result: mine ? resultOf(mine) : { error: "not processed" } };
}

function resultOf(outcome: IngestOutcome): PduResult {
	switch (outcome.status) {
		case "accepted":
		case "known":
		case "soft_failed": // accepted into the DAG; soft failure is not reported to the sender
			return {};
		case "rejected":
			return { error: `Event rejected: ${outcome.reason ?? "auth check failed"}` };
		case "error":
			return { error: outcome.reason ?? "could not process event" };
	}
}
