// Inbound m.device_list_update and m.signing_key_update: a remote user's devices or cross-signing keys
// changed, so every local user who shares a room with them sees the user in /sync device_lists.changed
// and re-queries (through /keys/query → /user/keys/query on the origin).
// We keep no cache of remote devices: every /keys/query for a remote user asks its server. So a `prev_id`
// gap needs no /user/devices resync here; there is no stale copy to repair.
// Spec: https://spec.matrix.org/latest/server-server-api/#device-management,
// https://spec.matrix.org/latest/server-server-api/#cross-signing

import { localUsersSharingRoomWith } from "../../platform/servers-sharing-rooms";
import { type EduContext, fromOrigin, isRecord } from "./context";

export async function handleDeviceListUpdate(ctx: EduContext, content: unknown): Promise<void> {
	if (!isRecord(content)) return;
	const userId = content.user_id;
	if (!fromOrigin(userId, ctx.origin)) return;
	const locals = (await localUsersSharingRoomWith(ctx.env, [userId])).get(userId) ?? [];
	await Promise.all(locals.map((u) => ctx.env.USER.getByName(u).noteDeviceListChange(u, userId, "changed")));
}
