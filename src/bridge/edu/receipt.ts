// Inbound m.receipt: read receipts of the origin's users, per room. Only m.read crosses servers
// (m.read.private never leaves its server). RoomDO.setReceipt refuses users not joined to the room.
// Spec: https://spec.matrix.org/latest/server-server-api/#receipts

import { type EduContext, fromOrigin, isRecord } from "./context";

export async function handleReceipt(ctx: EduContext, content: unknown): Promise<void> {
	if (!isRecord(content)) return;
	for (const [roomId, byType] of Object.entries(content)) {
		if (!isRecord(byType) || !isRecord(byType["m.read"])) continue;
		const room = ctx.env.ROOM.getByName(roomId);
		for (const [userId, receipt] of Object.entries(byType["m.read"])) {
			if (!fromOrigin(userId, ctx.origin) || !isRecord(receipt) || !Array.isArray(receipt.event_ids)) continue;
			const data = isRecord(receipt.data) ? receipt.data : {};
			const ts = typeof data.ts === "number" && Number.isSafeInteger(data.ts) ? data.ts : ctx.now();
			const threadId = typeof data.thread_id === "string" ? data.thread_id : null;
			// "event_ids: the extremity event IDs the user has read up to"; the room keeps one per user and thread.
			for (const eventId of receipt.event_ids) {
				if (typeof eventId === "string") await room.setReceipt(userId, "m.read", eventId, threadId, ts);
			}
		}
	}
}
