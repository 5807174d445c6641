// The PDUs of one inbound transaction: checks 1–3 here, missing events fetched, then checks 4–6 and the
// write in the room (RoomDO.ingestRemoteEvents). Answers one result per PDU: `{}` or `{error}`.
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu,
// https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv1sendtxnid

import { roomVersionRules } from "../../protocol/room-versions/rules";
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
	// In order, one at a time: the spec asks that PDUs of one room be processed in the order sent.
	for (const raw of pdus) {
		const out = await receiveOne(raw, deps);
		if (out) results[out.eventId] = out.result;
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
	if (!mine) return { eventId, result: { error: "not processed" } };
	switch (mine.status) {
		case "accepted":
		case "known":
		case "soft_failed": // accepted into the DAG; soft failure is not reported to the sender
			return { eventId, result: {} };
		case "rejected":
			return { eventId, result: { error: `Event rejected: ${mine.reason ?? "auth check failed"}` } };
		case "error":
			return { eventId, result: { error: mine.reason ?? "could not process event" } };
	}
}
