// `unsigned.age` of client events served again from a cache: the time since `origin_server_ts` at the
// moment of this answer, as a fresh read would give.
// Spec: https://spec.matrix.org/latest/client-server-api/#room-event-format (unsigned.age)

/**
 * Sets `unsigned.age` to `now - origin_server_ts` on every client event inside `value` (a sync slice's
 * timeline and state, and the events nested in them: redacted_because, bundled relations). Event content
 * is the sender's and is never touched.
 */
export function refreshAges(value: unknown, now: number): void {
	if (Array.isArray(value)) {
		for (const v of value) refreshAges(v, now);
		return;
	}
	if (typeof value !== "object" || value === null) return;
	const o = value as Record<string, unknown>;
	const unsigned = o.unsigned;
	if (typeof o.origin_server_ts === "number" && typeof unsigned === "object" && unsigned !== null && typeof (unsigned as { age?: unknown }).age === "number") {
		(unsigned as { age: number }).age = Math.max(0, now - o.origin_server_ts);
	}
	for (const k in o) {
		const v = o[k];
		if (k !== "content" && k !== "prev_content" && typeof v === "object" && v !== null) refreshAges(v, now);
	}
}
