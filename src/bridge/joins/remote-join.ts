// Joining a room on another server for a local user: make_join (room-version negotiation) against each
// candidate server in turn, our join signed with our key, send_join v2, then checks 1–3 (format,
// signatures through the key ring, content hashes) on the returned state and auth chain before the
// RoomDO checks auth and creates the room from them, then the history before our join (bridge/backfill/).
// The RoomDO never makes a network call.
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms

import type { Config } from "../../platform/config";
import type { RpcResult } from "../../protocol/errors";
import { toRoomEvent } from "../../protocol/events/event-id";
import type { JsonObject, Pdu } from "../../protocol/events/pdu";
import { roomVersionRules } from "../../protocol/room-versions/rules";
import { federationRequest, type FederationClientEnv } from "../client/federation-client";
import { backfillAfterJoin } from "../backfill/room-backfill";
import { RawJson } from "../client/federation-port";
import { checkFormat } from "../inbound/step-1-format";
import { checkSignatures } from "../inbound/step-2-signatures";
import { copyToStore } from "../inbound/step-3-content-hash";
import { keysWithOurOwn } from "../keys/own-key-source";
import { isObject, makeMembershipEvent } from "./make-membership-event";

/** Longer than one make_join + send_join attempt (send_join may take 60 s) plus the room's creation. */
const JOIN_PENDING_MS = 90_000;

export type RemoteJoinEnv = FederationClientEnv & Pick<Env, "ROOM">;

const enc = encodeURIComponent;

/**
 * Checks 1–3 on each PDU of the answer; a PDU that fails format or signatures fails the whole join. The state
 * and auth chain may hold our own events (a knock or an invite we countersigned before this join, an earlier
 * membership of ours), so our own keys verify too.
 */
async function verifyAll(raws: unknown[], roomVersion: string, roomId: string, env: RemoteJoinEnv, config: Config): Promise<string[] | string> {
	const rules = roomVersionRules(roomVersion)!;
	const keys = keysWithOurOwn(env, config);
	const out: string[] = [];
	for (const raw of raws) {
		const format = await checkFormat(raw, rules, roomId);
		if (!format.ok) return format.error;
		const verdict = await checkSignatures(format.pdu, rules, keys);
		if (verdict.verdict === "drop") return `bad signature on ${format.event.event_id}: ${verdict.error}`;
		// A content-hash mismatch keeps the redacted copy, as the receipt checks do.
		out.push(copyToStore(format.pdu, verdict).pdu_json);
	}
	return out;
}

/** One attempt against one resident server; a string explains why it failed. */
async function joinVia(env: RemoteJoinEnv, config: Config, server: string, userId: string, roomId: string, content: JsonObject): Promise<RpcResult<{ event_id: string }> | string> {
	const made = await makeMembershipEvent(env, config, server, "join", userId, roomId, content);
	if (typeof made === "string" || !("pdu" in made)) return made;
	const { room_version: version, rules, event_id: eventId } = made;
	let joinJson = JSON.stringify(made.pdu);

	const sent = await federationRequest(env, config, server, "PUT", `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(eventId)}`, new RawJson(joinJson), { timeoutMs: 60_000 });
	if (!sent.ok) return `send_join: ${sent.kind} ${sent.status ?? ""}`;
	const answer = sent.body;
	if (!isObject(answer) || !Array.isArray(answer.state) || !Array.isArray(answer.auth_chain)) return "send_join: malformed answer";
	// Restricted joins: "event: ... signed by the resident server"; it must still be our event, and the
	// authorising server's signature must verify (the auth rules require it).
	if (isObject(answer.event)) {
		const returned = await toRoomEvent(answer.event as Pdu, rules).catch(() => null);
		if (returned?.event_id === eventId) {
			const verdict = await checkSignatures(answer.event as Pdu, rules, keysWithOurOwn(env, config));
			if (verdict.verdict === "drop") return `send_join: the returned event's signatures do not verify (${verdict.error})`;
			joinJson = JSON.stringify(answer.event);
		}
	}
	const state = await verifyAll(answer.state, version, roomId, env, config);
	if (typeof state === "string") return `send_join state: ${state}`;
	const authChain = await verifyAll(answer.auth_chain, version, roomId, env, config);
	if (typeof authChain === "string") return `send_join auth_chain: ${authChain}`;
	const stored = await env.ROOM.getByName(roomId).joinRemoteRoom({ room_id: roomId, room_version: version, join_pdu: joinJson, state, auth_chain: authChain, via: server }, Date.now());
	if (!stored.ok) return stored;
	// The recent history before our join, before the client first pages back (bounded; failure leaves less).
	await backfillAfterJoin(env, config, server, roomId, version, (await toRoomEvent(made.pdu, rules)).prev_events);
	return { ok: true, value: { event_id: stored.value.event_id } };
}

/** Tries each candidate resident server in order until one lets us join. */
export async function joinRemoteRoom(env: RemoteJoinEnv, config: Config, userId: string, roomId: string, servers: readonly string[], content: JsonObject): Promise<RpcResult<{ event_id: string }>> {
	const reasons: string[] = [];
	// Lets inbound /send wait for the room while we join (worker/room/room-do.ts noteRemoteJoin).
	const room = env.ROOM.getByName(roomId);
	await room.noteRemoteJoin(Date.now() + JOIN_PENDING_MS);
	try {
		for (const server of [...new Set(servers)].filter((s) => s !== config.serverName)) {
			const attempt = await joinVia(env, config, server, userId, roomId, content);
			if (typeof attempt !== "string") return attempt;
			reasons.push(`${server}: ${attempt}`);
		}
	} finally {
		await room.noteRemoteJoin(0);
	}
	return { ok: false, errcode: "M_UNKNOWN", error: reasons.length === 0 ? "No server to join through" : `Could not join through any server (${reasons.join("; ")})` };
}
