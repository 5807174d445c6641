// The /sync `since`/`next_batch` token: the positions of each stream one UserDO owns, like Dendrite's
// StreamingToken. `user` orders room pokes, account data, receipt/typing wake-ups and presence; the E2EE
// streams (to-device inbox, device-list changes) keep their own sequences. Opaque to clients.
// `ahead` names room positions the response showed before the user stream logged them (a poke that woke
// the sync is logged after its answer has left: user/sync/pending-pokes.ts). Each names its room by a
// number the UserDO can map back (the room's first seq), so a token stays short.
// Spec: https://spec.matrix.org/latest/client-server-api/#syncing

export type AheadKind = "timeline" | "ephemeral";

export interface AheadPosition {
	/** The room's reference: the seq of its first row in the user stream. */
	room: number;
	kind: AheadKind;
	position: number;
}

export interface SyncToken {
	user: number;
	to_device: number;
	device_lists: number;
	/** Absent or empty when the user stream at `user` covers everything the token has seen. */
	ahead?: AheadPosition[];
}

/** A token carries at most this many ahead positions; a response with more logs them instead. */
export const MAX_AHEAD = 8;

const TOKEN = new RegExp(`^s(\\d{1,15})_(\\d{1,15})_(\\d{1,15})((?:_[te]\\d{1,15}\\.\\d{1,15}){0,${MAX_AHEAD}})$`);
const AHEAD = /_([te])(\d{1,15})\.(\d{1,15})/g;

export function formatSyncToken(t: SyncToken): string {
	const ahead = (t.ahead ?? []).map((a) => `_${a.kind === "timeline" ? "t" : "e"}${a.room}.${a.position}`).join("");
	return `s${t.user}_${t.to_device}_${t.device_lists}${ahead}`;
}

/** Undefined for anything we did not issue. */
export function parseSyncToken(s: string): SyncToken | undefined {
	const m = TOKEN.exec(s);
	if (m === null) return undefined;
	const token: SyncToken = { user: Number(m[1]), to_device: Number(m[2]), device_lists: Number(m[3]) };
	const ahead = [...m[4]!.matchAll(AHEAD)].map((a): AheadPosition => ({ room: Number(a[2]), kind: a[1] === "t" ? "timeline" : "ephemeral", position: Number(a[3]) }));
	if (ahead.length > 0) token.ahead = ahead;
	return token;
}
