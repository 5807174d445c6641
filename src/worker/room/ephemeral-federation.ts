// Outbound m.typing and m.receipt: a local member's typing change or public read receipt becomes one EDU
// for every other server with a joined member in the room. Remote users' typing and receipts arrive as
// EDUs from their own servers and are never relayed (a server speaks only for its own users).
// Spec: https://spec.matrix.org/latest/server-server-api/#typing-notifications,
// https://spec.matrix.org/latest/server-server-api/#receipts

import { serverNameOf } from "../../protocol/ids/server-name-of";
import type { OutboundEdu } from "../../platform/edu-fan-out";

/** The remote servers with a joined member, sorted; our own server is left out. */
export function remoteServersOf(joinedMembers: readonly string[], ourServer: string): string[] {
	const servers = new Set<string>();
	for (const userId of joinedMembers) {
		const server = serverNameOf(userId);
		if (server !== undefined && server !== ourServer) servers.add(server);
	}
	return [...servers].sort();
}

/** m.typing carries no timeout: the receiver applies its own, and we send `typing: false` on stop and expiry. */
export function typingEdu(roomId: string, userId: string, typing: boolean): OutboundEdu {
	return { edu_type: "m.typing", content: { room_id: roomId, user_id: userId, typing } };
}

/** One user's m.read receipt; `thread_id` only for a threaded receipt. */
export function receiptEdu(roomId: string, userId: string, eventId: string, ts: number, threadId: string | null): OutboundEdu {
	const data: Record<string, unknown> = threadId === null ? { ts } : { ts, thread_id: threadId };
	return { edu_type: "m.receipt", content: { [roomId]: { "m.read": { [userId]: { event_ids: [eventId], data } } } } };
}
