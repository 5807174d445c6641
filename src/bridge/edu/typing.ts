// Inbound m.typing: a remote user starts or stops typing in a room. The RoomDO's setTyping applies it only
// if that user is joined there, so a server with no joined user in the room changes nothing.
// Spec: https://spec.matrix.org/latest/server-server-api/#typing-notifications

import { type EduContext, fromOrigin, isRecord } from "./context";

/** Remote typing lasts the spec's default 30 s unless renewed (the EDU carries no timeout). */
const REMOTE_TYPING_TIMEOUT_MS = 30_000;

export async function handleTyping(ctx: EduContext, content: unknown): Promise<void> {
	if (!isRecord(content)) return;
	const { room_id: roomId, user_id: userId, typing } = content;
	if (typeof roomId !== "string" || typeof typing !== "boolean" || !fromOrigin(userId, ctx.origin)) return;
	// A refusal (unknown room, user not joined) is the spec's "ignore".
	await ctx.env.ROOM.getByName(roomId).setTyping(userId, typing, REMOTE_TYPING_TIMEOUT_MS);
}
