// Inbound m.presence: the origin's users' presence, each entry pushed to the local users joined to a room
// with that user (UserDO.receivePresence), so it shows in their /sync `presence` like a local user's.
// A busy server sends many entries at once, so the shared-room index is read once per EDU, not once per entry.
// Spec: https://spec.matrix.org/latest/server-server-api/#presence

import { localUsersSharingRoomWith } from "../../platform/servers-sharing-rooms";
import { type EduContext, fromOrigin, isRecord } from "./context";

/** Entries handled per EDU. */
const MAX_PUSH = 100;
const STATES: readonly string[] = ["online", "offline", "unavailable"];

interface PresenceEntry {
	user_id: string;
	presence: string;
	status_msg: string | null;
	last_active_ts: number;
}

function entriesOf(ctx: EduContext, content: unknown): PresenceEntry[] {
	if (!isRecord(content) || !Array.isArray(content.push)) return [];
	return content.push.slice(0, MAX_PUSH).flatMap((entry): PresenceEntry[] => {
		if (!isRecord(entry) || !fromOrigin(entry.user_id, ctx.origin) || typeof entry.presence !== "string" || !STATES.includes(entry.presence)) return [];
		// "last_active_ago: The number of milliseconds that have elapsed since the user last did something."
		const ago = entry.last_active_ago;
		const elapsed = typeof ago === "number" && Number.isSafeInteger(ago) && ago >= 0 ? ago : 0;
		const statusMsg = typeof entry.status_msg === "string" ? entry.status_msg : null;
		return [{ user_id: entry.user_id, presence: entry.presence, status_msg: statusMsg, last_active_ts: ctx.now() - elapsed }];
	});
}

export async function handlePresence(ctx: EduContext, content: unknown): Promise<void> {
	const entries = entriesOf(ctx, content);
	if (entries.length === 0) return;
	const mates = await localUsersSharingRoomWith(ctx.env, [...new Set(entries.map((e) => e.user_id))]);
	await Promise.all(
		entries.flatMap((e) => [...(mates.get(e.user_id) ?? [])].map((local) => ctx.env.USER.getByName(local).receivePresence(e.user_id, e.presence, e.status_msg, e.last_active_ts))),
	);
}
