// The real E2eeFederationPort: remote key queries and claims over signed federation requests (bounded by
// the client's timeout; any failure becomes that server's entry in `failures`), and outbound
// m.direct_to_device, m.device_list_update and m.signing_key_update EDUs queued on each DestinationDO.
// Spec: https://spec.matrix.org/latest/server-server-api/#end-to-end-encryption,
// https://spec.matrix.org/latest/server-server-api/#send-to-device-messaging,
// https://spec.matrix.org/latest/server-server-api/#device-management

import type { Config } from "../../platform/config";
import type { JsonObject, JsonValue } from "../../protocol/events/pdu";
import type { E2eeFederationPort } from "../../worker/user/e2ee/federation-port";
import { federationRequest, type FederationClientEnv } from "../client/federation-client";
import type { Edu } from "../outbound/destination-do";
import { serversSharingRoomWith } from "../../platform/servers-sharing-rooms";

export type E2eeFederationEnv = FederationClientEnv & Pick<Env, "DESTINATION" | "USER" | "ROOM">;

function isObject(v: unknown): v is JsonObject {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Queues one EDU on a server's DestinationDO; the dedupe key makes a retried hand-off a no-op. */
async function enqueue(env: Pick<Env, "DESTINATION">, server: string, edu: Edu, dedupeKey: string): Promise<void> {
	// Sent at once: a room-key share or device change is what the remote user's next decryption waits on.
	const result = await env.DESTINATION.getByName(server).enqueueEdu(edu, dedupeKey, true);
	if (!result.ok) throw new Error(`enqueueEdu to ${server} failed: ${result.errcode}`);
}

/**
 * The stream ID of a device-list update: milliseconds, so each update of a user orders after the last
 * without a counter. We send no `prev_id`, so receivers never wait on an update they missed from us;
 * they resync through /user/devices whenever they lack state.
 */
function streamId(): number {
	return Date.now();
}

export function e2eeFederationFor(env: E2eeFederationEnv, config: Config): E2eeFederationPort {
	async function post(server: string, path: string, body: JsonObject, timeoutMs: number): Promise<JsonObject | null> {
		// A zero timeout still deserves one fast attempt; the spec's default wait is 10 s.
		const result = await federationRequest(env, config, server, "POST", path, body, { timeoutMs: Math.max(timeoutMs, 1000) });
		return result.ok && isObject(result.body) ? result.body : null;
	}

	return {
		queryKeys: (server, deviceKeys, timeoutMs) => post(server, "/_matrix/federation/v1/user/keys/query", { device_keys: deviceKeys }, timeoutMs),
		claimKeys: (server, request, timeoutMs) => post(server, "/_matrix/federation/v1/user/keys/claim", { one_time_keys: request }, timeoutMs),

		async sendToDevice(server, sender, type, messageId, messages) {
			const content: Record<string, JsonValue> = { sender, type, message_id: messageId, messages };
			await enqueue(env, server, { edu_type: "m.direct_to_device", content }, `m.direct_to_device ${sender} ${messageId}`);
		},

		async deviceListChanged(userId) {
			const servers = await serversSharingRoomWith(env, userId, config.serverName);
			if (servers.length === 0) return;
			// What a remote /user/keys/query would see: device keys (with display names) and the public
			// cross-signing keys; never the user-signing key.
			const keys = JSON.parse(await env.USER.getByName(userId).queryKeysJson(userId, [], "")) as {
				device_keys: Record<string, JsonObject>;
				master_key?: JsonObject;
				self_signing_key?: JsonObject;
			};
			const id = streamId();
			const edus: { edu: Edu; key: string }[] = [];
			for (const [deviceId, deviceKeys] of Object.entries(keys.device_keys)) {
				const unsigned = isObject(deviceKeys.unsigned) ? deviceKeys.unsigned : {};
				const name = unsigned.device_display_name;
				const content: Record<string, JsonValue> = { user_id: userId, device_id: deviceId, stream_id: id, prev_id: [], deleted: false, keys: deviceKeys };
				if (typeof name === "string") content.device_display_name = name;
				edus.push({ edu: { edu_type: "m.device_list_update", content }, key: `m.device_list_update ${userId} ${deviceId} ${id}` });
			}
			if (keys.master_key !== undefined) {
				const content: Record<string, JsonValue> = { user_id: userId, master_key: keys.master_key };
				if (keys.self_signing_key !== undefined) content.self_signing_key = keys.self_signing_key;
				edus.push({ edu: { edu_type: "m.signing_key_update", content }, key: `m.signing_key_update ${userId} ${id}` });
			}
			await Promise.all(servers.flatMap((s) => edus.map((e) => enqueue(env, s, e.edu, e.key))));
		},

		async devicesDeleted(userId, deviceIds) {
			if (deviceIds.length === 0) return;
			const servers = await serversSharingRoomWith(env, userId, config.serverName);
			const id = streamId();
			// A server that caches our devices (Synapse does) drops one only on `deleted: true`.
			const edus = deviceIds.map((deviceId) => ({
				edu: { edu_type: "m.device_list_update", content: { user_id: userId, device_id: deviceId, stream_id: id, prev_id: [], deleted: true } },
				key: `m.device_list_update ${userId} ${deviceId} ${id} deleted`,
			}));
			await Promise.all(servers.flatMap((s) => edus.map((e) => enqueue(env, s, e.edu, e.key))));
		},
	};
}
