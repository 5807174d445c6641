// Inbound m.presence: the origin's users' presence, each entry pushed to the local users joined to a room
// with that user (UserDO.receivePresence), so it shows in their /sync `presence` like a local user's.
// Spec: https://spec.matrix.org/latest/server-server-api/#presence

import { localUsersSharingRoomWithRemote } from "../e2ee/remote-servers";
import { type EduContext, fromOrigin, isRecord } from "./context";

/** Entries handled per EDU: each costs a look across our rooms. */
const MAX_PUSH = 100;
const STATES: readonly string[] = ["online", "offline", "unavailable"];

export async function handlePresence(ctx: EduContext, content: unknown): Promise<void> {
	if (!isRecord(content) || !Array.isArray(content.push)) return;
	for (const entry of content.push.slice(0, MAX_PUSH)) {
		if (!isRecord(entry) || !fromOrigin(entry.user_id, ctx.origin) || typeof entry.presence !== "string" || !STATES.includes(entry.presence)) continue;
		const userId = entry.user_id;
		const ago = entry.last_active_ago;
		// "last_active_ago: The number of milliseconds that have elapsed since the user last did something."
		const lastActiveTs = ctx.now() - (typeof ago === "number" && Number.isSafeInteger(ago) && ago >= 0 ? ago : 0);
		const statusMsg = typeof entry.status_msg === "string" ? entry.status_msg : null;
		const locals = await localUsersSharingRoomWithRemote(ctx.env, userId);
		await Promise.all(locals.map((u) => ctx.env.USER.getByName(u).receivePresence(userId, entry.presence as string, statusMsg, lastActiveTs)));
	}
}
