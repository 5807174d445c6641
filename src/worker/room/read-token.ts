// Room pagination tokens: `/messages` from/to, `prev_batch`, `/context` start/end, relations batches.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3roomsroomidmessages (tokens are opaque)
//
// A token names a gap in the room's stream: `t<N>` sits just after stream position N. Paging backwards
// from `t<N>` returns events at N and below; paging forwards returns events above N. So the `end` of one
// page is exactly where the next starts, and no event is served twice or skipped. Backfilled history
// takes positions below every earlier event (zero and negative: `t-41`), so tokens already handed out
// keep naming the same gap when history arrives beneath them.

const TOKEN = /^t(-?\d{1,15})$/;

export function formatRoomToken(position: number): string {
	return `t${position}`;
}

/** The position a token names, or undefined for anything we did not issue. */
export function parseRoomToken(token: string): number | undefined {
	const m = TOKEN.exec(token);
	return m === null ? undefined : Number(m[1]);
}
