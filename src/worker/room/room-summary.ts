// What room summaries and the space hierarchy ask of one room: its public chunk plus encryption, version,
// the restricted join rule's allowed rooms, its m.space.child events (stripped, with origin_server_ts) and
// one user's membership. The caller decides visibility (client/room-access.ts); this only reads state.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1room_summaryroomidoralias and
// https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1roomsroomidhierarchy

import type { PublicRoomChunk } from "../../protocol/directory/public-room";
import type { JsonObject } from "../../protocol/events/pdu";
import { PublicSummary } from "./public-summary";

export interface SpaceChildState {
	type: "m.space.child";
	state_key: string;
	content: JsonObject;
	sender: string;
	origin_server_ts: number;
}

export interface RoomSummaryView {
	summary: PublicRoomChunk & { room_version: string; encryption?: string; allowed_room_ids?: string[] };
	/** Valid m.space.child events (a non-empty `via`), in the spec's order. */
	children_state: SpaceChildState[];
	/** The asking user's membership in current state, or null (also for an anonymous caller). */
	membership: string | null;
}

/** A room has at most this many children read; spaces larger than this are cut, not walked whole. */
const MAX_CHILDREN = 500;

type Row = { state_key: string; sender: string; pdu: string };

function object(v: unknown): JsonObject | undefined {
	return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

/** "order" is a string of at most 50 printable ASCII characters (0x20–0x7E); anything else counts as absent. */
function orderOf(content: JsonObject): string | undefined {
	const o = content.order;
	return typeof o === "string" && o.length <= 50 && /^[\x20-\x7E]*$/.test(o) ? o : undefined;
}

/**
 * Spec (m.space.child ordering): children with a valid `order` first, by `order` lexicographically, then the
 * rest; ties by the event's origin_server_ts, then by room ID.
 */
function compareChildren(a: SpaceChildState, b: SpaceChildState): number {
	const oa = orderOf(a.content);
	const ob = orderOf(b.content);
	if (oa !== ob) {
		if (oa === undefined) return 1;
		if (ob === undefined) return -1;
		return oa < ob ? -1 : 1;
	}
	if (a.origin_server_ts !== b.origin_server_ts) return a.origin_server_ts - b.origin_server_ts;
	return a.state_key < b.state_key ? -1 : a.state_key > b.state_key ? 1 : 0;
}

export function roomSummaryView(sql: SqlStorage, userId: string | null): RoomSummaryView | null {
	const chunk = new PublicSummary(sql).chunk();
	if (chunk === null) return null;
	const meta = sql.exec<{ room_version: string }>("SELECT room_version FROM room_meta WHERE singleton = 1").one();
	const stateContent = (type: string): JsonObject | undefined => {
		const row = sql
			.exec<{ pdu: string }>("SELECT e.pdu FROM current_state cs JOIN events e ON e.event_id = cs.event_id WHERE cs.type = ? AND cs.state_key = ''", type)
			.toArray()[0];
		return row === undefined ? undefined : object((JSON.parse(row.pdu) as JsonObject).content);
	};
	const summary: RoomSummaryView["summary"] = { ...chunk, room_version: meta.room_version };
	const algorithm = stateContent("m.room.encryption")?.algorithm;
	if (typeof algorithm === "string") summary.encryption = algorithm;
	const joinRules = stateContent("m.room.join_rules");
	if (joinRules?.join_rule === "restricted" || joinRules?.join_rule === "knock_restricted") {
		const allow = Array.isArray(joinRules.allow) ? joinRules.allow : [];
		summary.allowed_room_ids = allow.flatMap((a) => {
			const entry = object(a);
			return entry?.type === "m.room_membership" && typeof entry.room_id === "string" ? [entry.room_id] : [];
		});
	}
	const rows = sql
		.exec<Row>(
			`SELECT cs.state_key AS state_key, e.sender AS sender, e.pdu AS pdu FROM current_state cs JOIN events e ON e.event_id = cs.event_id
			WHERE cs.type = 'm.space.child' LIMIT ?`,
			MAX_CHILDREN,
		)
		.toArray();
	const children: SpaceChildState[] = [];
	for (const row of rows) {
		const pdu = JSON.parse(row.pdu) as JsonObject;
		const content = object(pdu.content) ?? {};
		// "Children where via is not present or is not an array with at least one item are invalid": a removed child.
		if (!Array.isArray(content.via) || content.via.length === 0) continue;
		const ts = typeof pdu.origin_server_ts === "number" ? pdu.origin_server_ts : 0;
		children.push({ type: "m.space.child", state_key: row.state_key, content, sender: row.sender, origin_server_ts: ts });
	}
	children.sort(compareChildren);
	const membership =
		userId === null ? null : (sql.exec<{ membership: string }>("SELECT membership FROM room_members WHERE user_id = ?", userId).toArray()[0]?.membership ?? null);
	return { summary, children_state: children, membership };
}
