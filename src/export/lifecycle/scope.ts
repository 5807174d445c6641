// Narrowing an order's scope: operators may take away targets, subtypes or time, never add any.
// Pure: no storage, no clock. Design: /work/shared/LAWFUL_ACCESS.md#lifecycle ("They may narrow the scope
// and never widen it"). The scope type is the validated one from order/types.ts.

import type { ScopeTask, TimeWindow } from "../order/types";

/** What an operator asks to keep: tasks left out are dropped; omitted fields stay as they are. Times are epoch ms. */
export interface NarrowRequest {
	tasks: { ldid: string; subtypes?: string[]; window?: TimeWindow }[];
}

export type NarrowResult = { ok: true; tasks: ScopeTask[] } | { ok: false; detail: string; pointer: string };

/** The narrowed tasks, or why the request would widen the scope (or is no scope at all). */
export function narrowScope(current: readonly ScopeTask[], request: NarrowRequest): NarrowResult {
	if (request.tasks.length === 0) return { ok: false, detail: "narrowing to nothing is a rejection, not a narrowing", pointer: "/tasks" };
	const seen = new Set<string>();
	const tasks: ScopeTask[] = [];
	for (const [i, asked] of request.tasks.entries()) {
		const at = `/tasks/${i}`;
		const task = current.find((t) => t.ldid === asked.ldid);
		if (task === undefined) return { ok: false, detail: `task ${asked.ldid} is not in the current scope`, pointer: `${at}/ldid` };
		if (seen.has(asked.ldid)) return { ok: false, detail: `task ${asked.ldid} is listed twice`, pointer: `${at}/ldid` };
		seen.add(asked.ldid);
		const next: ScopeTask = { ...task, subtypes: [...task.subtypes] };
		if (asked.subtypes !== undefined) {
			const extra = asked.subtypes.find((s) => !task.subtypes.includes(s));
			if (extra !== undefined) return { ok: false, detail: `subtype ${extra} is not authorised for ${task.ldid}`, pointer: `${at}/subtypes` };
			// For TrafficData an empty list means "the defaults", which may be more than what is authorised now.
			if (asked.subtypes.length === 0 && task.subtypes.length > 0 && task.requestType === "TrafficData") {
				return { ok: false, detail: "an empty subtype list would mean the defaults; drop the task instead", pointer: `${at}/subtypes` };
			}
			next.subtypes = [...new Set(asked.subtypes)];
		}
		if (asked.window !== undefined) {
			const { start, end } = asked.window;
			// A task without a window covers the whole history; a window on it narrows, so it is allowed.
			const old = task.window ?? { start: Number.NEGATIVE_INFINITY, end: Number.POSITIVE_INFINITY };
			if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) return { ok: false, detail: "the window must start before it ends", pointer: `${at}/window` };
			if (start < old.start) return { ok: false, detail: "the window may not start earlier than authorised", pointer: `${at}/window/start` };
			if (end > old.end) return { ok: false, detail: "the window may not end later than authorised", pointer: `${at}/window/end` };
			next.window = { start, end };
		}
		tasks.push(next);
	}
	return { ok: true, tasks };
}

/** A stable text of a scope, so every approval names exactly the scope it approved. */
export function scopeKey(tasks: readonly ScopeTask[]): string {
	const rows = [...tasks]
		.sort((a, b) => (a.ldid < b.ldid ? -1 : a.ldid > b.ldid ? 1 : 0))
		.map((t) => [t.ldid, t.kind, t.requestType, [...t.subtypes].sort(), t.target, t.window, t.preservationExpiresAt]);
	return JSON.stringify(rows);
}
