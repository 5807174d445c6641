// Shared by the federation-inbound-*.test.ts files: a REMOTE server double that signs requests and events
// with a key pre-seeded in D1, and calls the real worker's federation routes.
// Spec: https://spec.matrix.org/latest/server-server-api/#request-authentication
import { env, exports } from "cloudflare:workers";
import { clearKeyMemo } from "../../src/bridge/keys/key-memo";
import { type SigningKey, signingKeyFromSeed } from "../../src/protocol/crypto/ed25519";
import { toRoomEvent } from "../../src/protocol/events/event-id";
import type { JsonObject, Pdu, PduDraft } from "../../src/protocol/events/pdu";
import { signEvent } from "../../src/protocol/events/sign-event";
import { signRequest } from "../../src/protocol/federation/x-matrix";
import { roomVersionRules } from "../../src/protocol/room-versions/rules";
import { getConfig } from "../../src/platform/config";

export const ME = getConfig(env).serverName;

export interface RemoteServer {
	name: string;
	key: SigningKey;
}

export async function remoteServer(name: string, seed: number): Promise<RemoteServer> {
	return { name, key: await signingKeyFromSeed("ed25519:rk1", new Uint8Array(32).fill(seed)) };
}

/** Puts the servers' keys in D1, as a completed key fetch would have. */
export async function seedKeys(servers: readonly RemoteServer[]): Promise<void> {
	clearKeyMemo();
	await env.DB.prepare("DELETE FROM remote_server_keys").run();
	for (const s of servers) {
		await env.DB.prepare(
			"INSERT INTO remote_server_keys (server_name, key_id, public_key, valid_until_ts, expired_ts, fetched_ts) VALUES (?1, ?2, ?3, ?4, NULL, ?5)",
		)
			.bind(s.name, s.key.keyId, s.key.publicKeyBase64, Date.now() + 3_600_000, Date.now())
			.run();
	}
}

export interface FedResponse {
	status: number;
	body: Record<string, unknown>;
}

/** A federation request signed by `from` (optionally for another destination, or with a body other than the one signed). */
export async function fed(
	from: RemoteServer,
	method: "GET" | "PUT" | "POST",
	uri: string,
	body?: unknown,
	opts: { destination?: string; sendBody?: unknown } = {},
): Promise<FedResponse> {
	const authorization = await signRequest(from.key, {
		method,
		uri,
		origin: from.name,
		destination: opts.destination ?? ME,
		...(body === undefined ? {} : { content: body }),
	});
	const sent = opts.sendBody ?? body;
	const res = await exports.default.fetch(`http://localhost${uri}`, {
		method,
		headers: { authorization, "content-type": "application/json" },
		...(sent === undefined ? {} : { body: JSON.stringify(sent) }),
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Signs a draft as `server` and returns the PDU with its event ID. */
export async function signAs(server: RemoteServer, roomVersion: string, draft: PduDraft): Promise<{ pdu: Pdu; event_id: string }> {
	const rules = roomVersionRules(roomVersion)!;
	const pdu = await signEvent(draft, server.name, server.key, rules);
	return { pdu, event_id: (await toRoomEvent(pdu, rules)).event_id };
}

/** A remote user's event placed after `prev`, citing `auth`. */
export function draftEvent(roomId: string, sender: string, type: string, content: JsonObject, prev: string[], auth: string[], depth: number, stateKey?: string): PduDraft {
	return {
		type,
		room_id: roomId,
		sender,
		content,
		origin_server_ts: Date.now(),
		depth,
		prev_events: prev,
		auth_events: auth,
		...(stateKey === undefined ? {} : { state_key: stateKey }),
	};
}

export const enc = encodeURIComponent;

export async function currentState(roomId: string): Promise<Map<string, string>> {
	const entries = await env.ROOM.getByName(roomId).getCurrentStateIds();
	return new Map(entries.map((e) => [`${e.type}|${e.state_key}`, e.event_id]));
}
