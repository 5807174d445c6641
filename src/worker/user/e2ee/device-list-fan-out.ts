// Tells every local user who shares a room with `userId` (and the user's own devices) that userId's
// device list changed: one RPC per UserDO, which appends to its stream and wakes its /sync.
// Call after device keys or cross-signing keys change, and after a device with keys is deleted.
// Spec: https://spec.matrix.org/latest/client-server-api/#tracking-the-device-list-for-a-user

import type { UserId } from "../../../protocol/ids/user-id";
import { usersSharingRoomWith } from "../../d1/shared-rooms";
import { e2eeUser } from "./api";
import type { E2eeFederationPort } from "./federation-port";

export async function fanOutDeviceListChange(
	env: Pick<Env, "DB" | "USER">,
	userId: UserId,
	federation: E2eeFederationPort,
	options: { includeSelf: boolean },
): Promise<void> {
	const users = new Set(await usersSharingRoomWith(env.DB, userId));
	if (options.includeSelf) users.add(userId);
	else users.delete(userId);
	await Promise.all([...users].map((u) => e2eeUser(env, u).noteDeviceListChange(u, userId, "changed")));
	await federation.deviceListChanged(userId);
}
