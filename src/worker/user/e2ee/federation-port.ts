// The E2EE routes' door to other servers: remote key queries and claims, remote to-device messages and
// device-list updates. Federation is a later issue; until the bridge implements this interface, the local
// implementation reports every remote server as a failure (queries, claims) and drops nothing silently
// that a client could wait for: to-device sends to remote users are accepted and not delivered.
// Spec: https://spec.matrix.org/latest/server-server-api/#end-to-end-encryption

import type { JsonObject, JsonValue } from "../../../protocol/events/pdu";

export interface E2eeFederationPort {
	/** POST /_matrix/federation/v1/user/keys/query to one server: user → device IDs (empty = all). */
	queryKeys(server: string, deviceKeys: Record<string, string[]>, timeoutMs: number): Promise<JsonObject | null>;
	/** POST /_matrix/federation/v1/user/keys/claim to one server: user → device → algorithm. */
	claimKeys(server: string, request: Record<string, Record<string, string>>, timeoutMs: number): Promise<JsonObject | null>;
	/** Queues an m.direct_to_device EDU for one server. */
	sendToDevice(server: string, sender: string, type: string, messageId: string, messages: Record<string, Record<string, JsonValue>>): Promise<void>;
	/** Queues m.device_list_update / m.signing_key_update EDUs for the servers sharing a room with the user. */
	deviceListChanged(userId: string): Promise<void>;
	/** Queues `deleted: true` m.device_list_update EDUs for the user's deleted devices, likewise. */
	devicesDeleted(userId: string, deviceIds: readonly string[]): Promise<void>;
}

/** No federation yet: every remote server is unreachable ("failures"), and outbound EDUs have nowhere to go. */
export const localOnlyFederation: E2eeFederationPort = {
	queryKeys: async () => null,
	claimKeys: async () => null,
	sendToDevice: async () => {},
	deviceListChanged: async () => {},
	devicesDeleted: async () => {},
};
