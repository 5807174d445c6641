// Before the room checks a PDU, the bridge fetches what the room lacks: missing prev events through
// get_missing_events (they enter the timeline before the PDU), and missing auth events through event_auth
// (stored as outliers). Every fetched event goes through checks 1–3 like the PDU itself. Bounded in count
// and time: a remote server must not make us walk its whole room.
// Spec: https://spec.matrix.org/latest/server-server-api/#checks-performed-on-receipt-of-a-pdu
// ("the server should try to fetch" missing prev and auth events), and #backfilling-and-retrieving-missing-events

import type { RoomEvent } from "../../protocol/events/pdu";
import type { RoomVersionRules } from "../../protocol/room-versions/rules";
import type { RemoteSource } from "./remote-source";
import { checkFormat } from "./step-1-format";
import { checkSignatures, type KeySource } from "./step-2-signatures";
import { copyToStore } from "./step-3-content-hash";

/** Events one PDU may cause us to fetch, and how long it may take. */
export const MAX_FETCHED_EVENTS = 100;
export const MISSING_EVENTS_LIMIT = 20;

export interface CheckedEvent {
	event: RoomEvent;
	pdu_json: string;
}

export interface RoomGaps {
	/** Which of these IDs the room lacks altogether, and which it holds without state. */
	missing(ids: string[]): Promise<{ missing: string[]; without_state: string[] }>;
	forward_extremities: string[];
}

/** Checks 1–3 on fetched events; events that fail are left out (as a dropped PDU would be). At most `max` are looked at. */
export async function checkFetched(raws: readonly unknown[], rules: RoomVersionRules, roomId: string, keys: KeySource, max = MAX_FETCHED_EVENTS): Promise<CheckedEvent[]> {
	const out: CheckedEvent[] = [];
	for (const raw of raws.slice(0, max)) {
		const format = await checkFormat(raw, rules, roomId);
		if (!format.ok) continue;
		const verdict = await checkSignatures(format.pdu, rules, keys);
		if (verdict.verdict === "drop") continue;
		out.push({ event: format.event, pdu_json: copyToStore(format.pdu, verdict).pdu_json });
	}
	return out;
}

export interface Prerequisites {
	outliers: CheckedEvent[];
	prevs: CheckedEvent[];
}

/**
 * What to hand the room before `event`: its missing auth chain (as outliers, oldest first) and its missing
 * prev events (oldest first). Gaps that remain are left for the room to report: it never guesses state.
 */
export async function fetchPrerequisites(
	event: RoomEvent,
	rules: RoomVersionRules,
	room: RoomGaps,
	remote: RemoteSource,
	keys: KeySource,
	deadline: number,
): Promise<Prerequisites> {
	const result: Prerequisites = { outliers: [], prevs: [] };
	const gaps = await room.missing([...event.prev_events]);
	if (gaps.missing.length > 0 && Date.now() < deadline) {
		const raws = await remote.getMissingEvents(event.room_id, {
			earliest_events: room.forward_extremities,
			latest_events: [event.event_id],
			limit: MISSING_EVENTS_LIMIT,
			min_depth: 0,
		});
		result.prevs = (await checkFetched(raws, rules, event.room_id, keys)).sort((a, b) => a.event.depth - b.event.depth);
	}
	const needAuth = [event, ...result.prevs.map((p) => p.event)].flatMap((e) => e.auth_events);
	const authGaps = await room.missing(needAuth.filter((id) => !result.prevs.some((p) => p.event.event_id === id)));
	if (authGaps.missing.length > 0 && Date.now() < deadline) {
		const chain = await checkFetched(await remote.eventAuth(event.room_id, event.event_id), rules, event.room_id, keys);
		const lacking = new Set((await room.missing(chain.map((c) => c.event.event_id))).missing);
		result.outliers = chain.filter((c) => lacking.has(c.event.event_id)).sort((a, b) => a.event.depth - b.event.depth);
	}
	return result;
}
