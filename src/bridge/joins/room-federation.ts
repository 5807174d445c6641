// The bridge's implementation of the membership routes' RoomFederationPort (worker/client/room-federation-port.ts).
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms

import type { Config } from "../../platform/config";
import type { RoomFederationPort } from "../../worker/client/room-federation-port";
import { backfillForReader } from "../backfill/room-backfill";
import { inviteRemoteUser } from "./remote-invite";
import { joinRemoteRoom } from "./remote-join";
import { knockRemoteRoom } from "./remote-knock";
import { leaveRemoteRoom } from "./remote-leave";

export function roomFederationFor(env: Env, config: Config): RoomFederationPort {
	return {
		joinRemote: (userId, roomId, servers, content) => joinRemoteRoom(env, config, userId, roomId, servers, content),
		inviteRemote: (roomId, sender, target, content) => inviteRemoteUser(env, config, roomId, sender, target, content),
		leaveRemote: (userId, roomId, servers, content) => leaveRemoteRoom(env, config, userId, roomId, servers, content),
		knockRemote: (userId, roomId, servers, content) => knockRemoteRoom(env, config, userId, roomId, servers, content),
		backfill: (roomId) => backfillForReader(env, config, roomId),
	};
}
