// Walking the timeline for one reader: visible events (and those a filter accepts) in stream order,
// in batches, stopping at a limit, a bound, or a scan budget so one request never reads the whole room.
// Positions and tokens: read-token.ts.

import type { Direction, EventRow } from "./read-store";
import type { ReadSession } from "./read-session";

export interface ScanRequest {
	/** The gap to start at: "b" reads positions <= from, "f" reads positions > from. */
	from: number;
	dir: Direction;
	/** The other end: "b" stops above it, "f" stops at it (inclusive). */
	bound: number;
	limit: number;
	accept?: (row: EventRow) => boolean;
	/** Events looked at (visible or not) before giving up for this request. */
	budget?: number;
}

export interface ScanResult {
	rows: EventRow[];
	/** The gap where a following scan in the same direction continues. */
	next: number;
	/** True when the scan reached `bound`: nothing is left in that direction. */
	exhausted: boolean;
}

const BATCH = 100;
const DEFAULT_BUDGET = 2000;

export function scanVisible(session: ReadSession, req: ScanRequest): ScanResult {
	const rows: EventRow[] = [];
	let next = req.from;
	let seen = 0;
	const budget = req.budget ?? DEFAULT_BUDGET;
	for (;;) {
		const [low, high] = req.dir === "b" ? [req.bound, next] : [next, req.bound];
		if (high <= low) return { rows, next, exhausted: true };
		const batch = session.read.range(low, high, req.dir, BATCH);
		session.prefetch(batch);
		for (const row of batch) {
			seen++;
			next = req.dir === "b" ? row.stream_ordering - 1 : row.stream_ordering;
			// The filter first: it is cheap, while a visibility check reads the event's state.
			if ((req.accept === undefined || req.accept(row)) && session.canSee(row)) {
				rows.push(row);
				if (rows.length >= req.limit) return { rows, next, exhausted: false };
			}
			if (seen >= budget) return { rows, next, exhausted: false };
		}
		if (batch.length < BATCH) return { rows, next: req.bound, exhausted: true };
	}
}
