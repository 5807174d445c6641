// The /sync `since`/`next_batch` token: the positions of each stream one UserDO owns, like Dendrite's
// StreamingToken. `user` orders room pokes, account data, receipt/typing wake-ups and presence; the E2EE
// streams (to-device inbox, device-list changes) keep their own sequences. Opaque to clients.
// Spec: https://spec.matrix.org/latest/client-server-api/#syncing

export interface SyncToken {
	user: number;
	to_device: number;
	device_lists: number;
}

const TOKEN = /^s(\d{1,15})_(\d{1,15})_(\d{1,15})$/;

export function formatSyncToken(t: SyncToken): string {
	return `s${t.user}_${t.to_device}_${t.device_lists}`;
}

/** Undefined for anything we did not issue. */
export function parseSyncToken(s: string): SyncToken | undefined {
	const m = TOKEN.exec(s);
	if (m === null) return undefined;
	return { user: Number(m[1]), to_device: Number(m[2]), device_lists: Number(m[3]) };
}
