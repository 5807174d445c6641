// Unread notification counts: which events after a user's read receipt notify or highlight them, per
// their push rules, split into the main timeline and threads when the client asks for thread counts.
// Encrypted events are judged the way Synapse judges them: only their type (and the cleartext
// `m.relates_to`) is visible to the rules, so `.m.rule.encrypted*` decide; the ciphertext is never read.
// Spec: https://spec.matrix.org/latest/client-server-api/#receiving-notifications and
// https://spec.matrix.org/latest/client-server-api/#threaded-read-receipts

import type { JsonObject, JsonValue } from "../events/pdu";
import { evaluatePushRules, notificationOf, type PushContext, type PushEvent } from "./evaluate";
import { type PushRule, RULE_KINDS, type Ruleset } from "./types";

export interface UnreadCounts {
	notification_count: number;
	highlight_count: number;
}

/** One timeline event as the counter needs it. */
export interface CountedEvent {
	event_id: string;
	stream_ordering: number;
	type: string;
	sender: string;
	state_key: string | null;
	/** The content clients are served (after redaction). */
	content: JsonObject;
}

/** The spec's thread ID of the main timeline in threaded receipts. */
export const MAIN_THREAD = "main";

/** The thread an event belongs to: its root for an `m.thread` relation, else the main timeline. */
export function threadOf(content: JsonObject): string {
	const rel = content["m.relates_to"];
	if (typeof rel !== "object" || rel === null || Array.isArray(rel)) return MAIN_THREAD;
	return rel.rel_type === "m.thread" && typeof rel.event_id === "string" ? rel.event_id : MAIN_THREAD;
}

/** What the rules may see of an event: for m.room.encrypted only its type and cleartext relation. */
function visibleContent(e: CountedEvent): JsonObject {
	if (e.type !== "m.room.encrypted") return e.content;
	const rel = e.content["m.relates_to"];
	return rel === undefined ? {} : { "m.relates_to": rel };
}

export function pushViewOf(e: CountedEvent): PushEvent {
	const content = visibleContent(e);
	const view: Record<string, JsonValue | undefined> & PushEvent = { type: e.type, sender: e.sender, content, event_id: e.event_id };
	if (e.state_key !== null) view.state_key = e.state_key;
	return view;
}

/** The notify/highlight verdict for one event (null: it does not notify). */
export function verdictOf(ruleset: Ruleset, e: CountedEvent, ctx: PushContext): { highlight: boolean; actions: JsonValue[] } | null {
	const match = evaluatePushRules(ruleset, pushViewOf(e), ctx);
	if (match === null) return null;
	const { notify, highlight } = notificationOf(match.actions);
	return notify ? { highlight, actions: match.actions } : null;
}

/** What one event adds to the counts once it is unread: its thread and whether it notifies or highlights. */
export interface Judgement {
	stream_ordering: number;
	thread: string;
	notify: boolean;
	highlight: boolean;
}

export function judge(ruleset: Ruleset, e: CountedEvent, ctx: PushContext): Judgement {
	const verdict = verdictOf(ruleset, e, ctx);
	return { stream_ordering: e.stream_ordering, thread: threadOf(visibleContent(e)), notify: verdict !== null, highlight: verdict?.highlight === true };
}

/**
 * The counts over judged events (any order; a room keeps judgements between requests). `readUpTo(thread)`
 * is the stream position the user has read in that thread (their unthreaded receipt or the thread's own,
 * whichever is later). With `threads` the main timeline and each thread are counted apart (spec:
 * unread_notifications then covers the main timeline); threads with nothing unread are left out.
 */
export function tallyUnread(
	judged: readonly Judgement[],
	readUpTo: (thread: string) => number,
	threads: boolean,
): { main: UnreadCounts; threads: Record<string, UnreadCounts> } {
	const main: UnreadCounts = { notification_count: 0, highlight_count: 0 };
	const byThread: Record<string, UnreadCounts> = {};
	for (const j of judged) {
		if (!j.notify || j.stream_ordering <= readUpTo(j.thread)) continue;
		const target = !threads || j.thread === MAIN_THREAD ? main : (byThread[j.thread] ??= { notification_count: 0, highlight_count: 0 });
		target.notification_count++;
		if (j.highlight) target.highlight_count++;
	}
	return { main, threads: byThread };
}

/**
 * The rules worth sending to a room for counting: enabled ones only (a disabled rule never matches),
 * as JSON text. Null when the user has no ruleset.
 */
export function rulesDigest(pushRulesContent: JsonObject | null): string | null {
	const global = pushRulesContent?.global;
	if (typeof global !== "object" || global === null || Array.isArray(global)) return null;
	const out: Record<string, JsonValue> = {};
	for (const kind of RULE_KINDS) {
		const list = global[kind];
		out[kind] = Array.isArray(list) ? list.filter((r) => typeof r === "object" && r !== null && !Array.isArray(r) && r.enabled === true) : [];
	}
	return JSON.stringify(out);
}

/** Reads a digest back; a malformed one yields no rules (nothing notifies) rather than an error. */
export function parseRulesDigest(text: string): Ruleset {
	const empty: Ruleset = { override: [], content: [], room: [], sender: [], underride: [] };
	try {
		const parsed = JSON.parse(text) as Partial<Record<string, PushRule[]>>;
		for (const kind of RULE_KINDS) {
			const list = parsed[kind];
			if (Array.isArray(list)) empty[kind] = list.filter((r) => typeof r?.rule_id === "string" && Array.isArray(r.actions));
		}
	} catch {
		// Fall through: no rules.
	}
	return empty;
}
