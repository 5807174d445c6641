// The judgements behind a joined member's unread counts (unread-counts.ts), kept between requests. Every
// woken /sync asks the room for the reader's counts, and judging the newest MAX_COUNTED unread events by
// the reader's push rules anew each time cost more than the rest of the slice. A kept list stands while the
// reader's rules and read position are unchanged; a later request then judges only the events that came
// since. Anything that could change an older event's judgement forces a fresh scan: a state event (member
// count, display name, power levels and history visibility are all state) or a redaction among the new
// events. Backfilled history lands below the reader's join, where nothing counts.
// Spec: https://spec.matrix.org/latest/client-server-api/#receiving-notifications

import { MemoryLru } from "../../platform/memory-lru";
import type { PushContext } from "../../protocol/push/evaluate";
import type { Ruleset } from "../../protocol/push/types";
import { type CountedEvent, judge, type Judgement, parseRulesDigest } from "../../protocol/push/unread";
import type { EventRow } from "./read-store";
import type { ReadSession } from "./read-session";
import { scanVisible } from "./read-scan";

/** Events judged per room and request, newest first (clients show "99+" anyway). */
export const MAX_COUNTED = 100;
/** More new events than this since the kept list: scan afresh (a bounded scan beats a long walk). */
const MAX_EXTEND = MAX_COUNTED;
/** Readers kept per room, and the weight (rules text plus judgements) they may hold in all. */
const MAX_READERS = 64;
const MAX_WEIGHT = 512_000;
const JUDGEMENT_WEIGHT = 64;

interface Kept {
	/** The rules digest the judgements were made with. */
	rules: string;
	/** The reader's read position (receipt or join) the list starts after. */
	readFrom: number;
	/** The room position the list reaches. */
	position: number;
	/** The newest MAX_COUNTED visible events by others after `readFrom`, oldest first. */
	judged: Judgement[];
	/** The rules parsed, and the room's push context once built: both stand as long as the list does. */
	ruleset?: Ruleset;
	context?: (sender: string) => PushContext;
}

/** Per room: each RoomDO's storage has its own SQL handle, so the memory follows the object. */
const kept = new WeakMap<SqlStorage, MemoryLru<Kept>>();

export interface JudgeDeps {
	sql: SqlStorage;
	session: ReadSession;
	rulesText: string;
	/** The reader's unthreaded read position: nothing at or before it counts. */
	readFrom: number;
	counted(row: EventRow): CountedEvent;
	/** Builds the room's push context (several state reads: done only when an event is to be judged). */
	context(): (sender: string) => PushContext;
}

/** The judgements of the newest MAX_COUNTED visible events by others after `readFrom`, oldest first. */
export function judgedUnread(deps: JudgeDeps): Judgement[] {
	const { session, rulesText, readFrom } = deps;
	const userId = session.reader.user_id;
	const position = session.info.stream_position;
	let lru = kept.get(deps.sql);
	if (lru === undefined) kept.set(deps.sql, (lru = new MemoryLru<Kept>(MAX_READERS, MAX_WEIGHT)));
	const prior = lru.get(userId);
	const usable = prior !== undefined && prior.rules === rulesText && prior.readFrom === readFrom && prior.position <= position ? prior : undefined;
	// What the judging needs, from the kept list while it stands (nothing it depends on has changed).
	const made: Pick<Kept, "ruleset" | "context"> = { ...(usable?.ruleset === undefined ? {} : { ruleset: usable.ruleset }), ...(usable?.context === undefined ? {} : { context: usable.context }) };
	const judgeRow = (row: EventRow) => judge((made.ruleset ??= parseRulesDigest(rulesText)), deps.counted(row), (made.context ??= deps.context())(row.sender));

	const extended = usable === undefined ? null : extend(session, usable, position, judgeRow);
	if (extended !== null) {
		if (extended !== usable!.judged) remember(lru, userId, { ...usable!, ...made, position, judged: extended });
		return extended;
	}
	// A fresh scan: the state may have changed, so the context is built anew.
	delete made.context;
	const scan = scanVisible(session, { from: position, dir: "b", bound: readFrom, limit: MAX_COUNTED, accept: (row) => row.sender !== userId });
	const judged = scan.rows.reverse().map(judgeRow);
	// A scan that ran out of budget before its limit or bound is not the whole window: keep nothing.
	if (scan.exhausted || scan.rows.length >= MAX_COUNTED) remember(lru, userId, { rules: rulesText, readFrom, position, judged, ...made });
	else lru.delete(userId);
	return judged;
}

function remember(lru: MemoryLru<Kept>, userId: string, value: Kept): void {
	lru.set(userId, value, value.rules.length + value.judged.length * JUDGEMENT_WEIGHT);
}

/** The kept list moved on to `position`, or null if only a fresh scan can tell. */
function extend(session: ReadSession, prior: Kept, position: number, judgeRow: (row: EventRow) => Judgement): Judgement[] | null {
	if (prior.position === position) return prior.judged;
	const rows = session.read.range(prior.position, position, "f", MAX_EXTEND + 1);
	if (rows.length > MAX_EXTEND || rows.some((r) => r.state_key !== null || r.type === "m.room.redaction")) return null;
	const others = rows.filter((r) => r.sender !== session.reader.user_id);
	session.prefetch(others);
	const added = others.filter((r) => session.canSee(r)).map(judgeRow);
	return [...prior.judged, ...added].slice(-MAX_COUNTED);
}
