// Inbound m.direct_to_device: opaque (usually Olm-encrypted) messages from a remote user to local devices,
// queued in each recipient's UserDO inbox. Idempotent by (sender, message_id): the inbox ignores a
// message ID it already holds for a device, so a retried transaction delivers nothing twice.
// Spec: https://spec.matrix.org/latest/server-server-api/#send-to-device-messaging

import type { JsonObject } from "../../protocol/events/pdu";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { type EduContext, fromOrigin, isRecord } from "./context";

export async function handleDirectToDevice(ctx: EduContext, content: unknown, ourServer: string): Promise<void> {
	if (!isRecord(content)) return;
	const { sender, type, message_id: messageId, messages } = content;
	if (!fromOrigin(sender, ctx.origin) || typeof type !== "string" || typeof messageId !== "string" || !isRecord(messages)) return;
	for (const [userId, devices] of Object.entries(messages)) {
		if (serverNameOf(userId) !== ourServer || !isRecord(devices)) continue;
		// Only accounts that exist: a message for a made-up user must not create a UserDO.
		if ((await ctx.env.DB.prepare("SELECT 1 FROM accounts WHERE user_id = ?1").bind(userId).first()) === null) continue;
		const byDevice: Record<string, JsonObject> = {};
		for (const [deviceId, body] of Object.entries(devices)) if (isRecord(body)) byDevice[deviceId] = body as JsonObject;
		// The sender's server is part of the ID, so two servers' message IDs never collide.
		await ctx.env.USER.getByName(userId).receiveToDevice(userId, { sender, type, messageId: `fed ${sender} ${messageId}`, messages: byDevice });
	}
}
