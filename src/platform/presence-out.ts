// Outbound m.presence: a local user's presence change becomes one EDU queued on the DestinationDO of every
// remote server that shares a room with them (the UserDO calls this when what others see changed).
// Presence is ephemeral: a server we cannot queue for misses this update and sees the next one.
// Spec: https://spec.matrix.org/latest/server-server-api/#presence

import { enqueueEduFor } from "./edu-fan-out";
import { serversSharingRoomWith } from "./servers-sharing-rooms";

/** One entry of the EDU's `push` list. */
export interface PresencePush {
	user_id: string;
	presence: string;
	last_active_ago: number;
	status_msg?: string;
	currently_active?: boolean;
}

export async function sendPresenceToServers(env: Pick<Env, "DB" | "DESTINATION">, ourServer: string, push: PresencePush, lastActiveTs: number): Promise<void> {
	const servers = await serversSharingRoomWith(env, push.user_id, ourServer);
	const content = { push: [{ ...push }] };
	// One key per change: a retried hand-off of the same change is queued once.
	const key = `m.presence ${push.user_id} ${lastActiveTs} ${push.presence}`;
	await enqueueEduFor(env, servers, { edu_type: "m.presence", content }, key);
}
