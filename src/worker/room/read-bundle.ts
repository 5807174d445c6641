// Server-side aggregation of relations: the `unsigned["m.relations"]` bundle served with a parent event,
// for the relation types the spec names (m.thread, m.replace, m.reference). Only related events the
// reader may see count. Spec: https://spec.matrix.org/latest/client-server-api/#aggregations-of-child-events

import { clientEventAsJson } from "../../protocol/events/client-event";
import type { JsonObject } from "../../protocol/events/pdu";
import type { ReadSession } from "./read-session";
import type { EventRow } from "./read-store";

/** Relations are never bundled into relations: a child's own bundle is left out (spec: no recursion needed). */
export function bundledRelations(session: ReadSession, parent: EventRow): JsonObject | null {
	// State events are not relation targets in practice, and full-state syncs serve many of them: skip the
	// lookups. A redacted parent loses its bundle along with its content.
	if (parent.state_key !== null || session.read.redactionOf(parent.event_id) !== null) return null;
	const out: JsonObject = {};
	const visible = (relType: string) => session.read.relatedBy(parent.event_id, relType).filter((r) => session.canSee(r));

	const thread = visible("m.thread");
	const latest = thread.at(-1);
	if (latest !== undefined) {
		const me = session.reader.user_id;
		out["m.thread"] = {
			latest_event: clientEventAsJson(session.formatter.format(latest, true)),
			count: thread.length,
			current_user_participated: parent.sender === me || thread.some((r) => r.sender === me),
		};
	}

	// Spec: only replacements by the original sender, of the same type, count; the most recent (by
	// origin_server_ts, then event ID) is bundled in full. The server no longer applies it to the content.
	const edits = visible("m.replace").filter((r) => r.sender === parent.sender && r.type === parent.type && r.state_key === null);
	const newest = edits.reduce<EventRow | undefined>(
		(best, r) => (best === undefined || r.origin_server_ts > best.origin_server_ts || (r.origin_server_ts === best.origin_server_ts && r.event_id > best.event_id) ? r : best),
		undefined,
	);
	if (newest !== undefined && parent.state_key === null) out["m.replace"] = clientEventAsJson(session.formatter.format(newest, true));

	const refs = visible("m.reference");
	if (refs.length > 0) out["m.reference"] = { chunk: refs.map((r) => ({ event_id: r.event_id })) };

	return Object.keys(out).length === 0 ? null : out;
}
