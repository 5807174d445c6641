// The bridge's implementation of the membership routes' RoomFederationPort (worker/client/room-federation-port.ts).
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms

import type { Config } from "../../platform/config";
import type { RoomFederationPort } from "../../worker/client/room-federation-port";
import { joinRemoteRoom } from "./remote-join";

export function roomFederationFor(env: Env, config: Config): RoomFederationPort {
	return {
		joinRemote: (userId, roomId, servers, content) => joinRemoteRoom(env, config, userId, roomId, servers, content),
	};
}
