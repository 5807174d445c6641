// The user's own presence: PUT/GET /presence/{userId}/status, /sync's set_presence, and the m.presence
// event /sync shows. Presence of other users (fan-out to those sharing a room): others-presence.ts.
// Spec: https://spec.matrix.org/latest/client-server-api/#presence

import type { PresenceRow, SyncStore } from "./stream-store";
import type { PresenceEvent, PresenceState } from "./types";

export const PRESENCE_STATES: readonly PresenceState[] = ["online", "offline", "unavailable"];

/** Spec: a user active within this long counts as `currently_active`. */
const CURRENTLY_ACTIVE_MS = 60_000;

export function isPresenceState(v: unknown): v is PresenceState {
	return typeof v === "string" && (PRESENCE_STATES as readonly string[]).includes(v);
}

/**
 * Records a presence state; `statusMsg` undefined keeps the current message. Returns true when what
 * others see changed (state or message), which is what takes a stream position and wakes /sync.
 */
export function setPresence(store: SyncStore, state: PresenceState, statusMsg: string | null | undefined, nowTs: number): boolean {
	const current = store.getPresence();
	const msg = statusMsg === undefined ? (current?.status_msg ?? null) : statusMsg;
	if (current !== null && current.state === state && current.status_msg === msg) return false;
	store.putPresence(state, msg, nowTs);
	return true;
}

export interface PresenceStatus {
	presence: PresenceState;
	last_active_ago?: number;
	status_msg?: string;
	currently_active?: boolean;
}

/** A user we have no record of is offline. */
export function presenceStatus(row: PresenceRow | null, nowTs: number): PresenceStatus {
	if (row === null || !isPresenceState(row.state)) return { presence: "offline" };
	const ago = Math.max(0, nowTs - row.last_active_ts);
	const status: PresenceStatus = { presence: row.state, last_active_ago: ago, currently_active: row.state === "online" && ago < CURRENTLY_ACTIVE_MS };
	if (row.status_msg !== null) status.status_msg = row.status_msg;
	return status;
}

export function presenceEvent(userId: string, row: PresenceRow, nowTs: number): PresenceEvent {
	const { presence, last_active_ago, status_msg, currently_active } = presenceStatus(row, nowTs);
	const content: PresenceEvent["content"] = { presence };
	if (last_active_ago !== undefined) content.last_active_ago = last_active_ago;
	if (status_msg !== undefined) content.status_msg = status_msg;
	if (currently_active !== undefined) content.currently_active = currently_active;
	return { type: "m.presence", sender: userId, content };
}
