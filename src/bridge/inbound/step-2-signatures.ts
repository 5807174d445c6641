// Receipt check 2: "Passes signature checks, otherwise it is dropped." The bridge fetches every key the
// event names through the key ring first, then calls the pure verifyEvent with the keys in hand
// (STYLE.md point 4: the bridge fetches keys before it calls verify).
// Spec: https://spec.matrix.org/latest/server-server-api/#validating-hashes-and-signatures-on-received-events

import type { Pdu } from "../../protocol/events/pdu";
import { requiredServerSignatures, type ServerVerifyKey, verifyEvent, type VerifyEventResult } from "../../protocol/events/sign-event";
import { keyValidUntil } from "../../protocol/federation/server-keys";
import type { RoomVersionRules } from "../../protocol/room-versions/rules";
import type { KeyRing } from "../keys/key-ring";

/** Fetches keys for at most this many (server, key ID) pairs per event: a PDU must not make us fetch without end. */
const MAX_KEYS_PER_EVENT = 8;

export type KeySource = Pick<KeyRing, "getServerVerifyKey">;

/** `extraServers` must sign as well as those the spec requires of every copy (see verifyEvent). */
export async function checkSignatures(pdu: Pdu, rules: RoomVersionRules, keys: KeySource, extraServers: readonly string[] = []): Promise<VerifyEventResult> {
	let servers: string[];
	try {
		servers = [...new Set([...requiredServerSignatures(pdu, rules), ...extraServers])];
	} catch {
		return { verdict: "drop", reason: "malformed", error: "cannot tell which servers must sign" };
	}
	const found = new Map<string, ServerVerifyKey>();
	// v5+: the key must have been valid when the event was sent; earlier versions accept any known key.
	const minValid = rules.enforceKeyValidity ? pdu.origin_server_ts : 0;
	let budget = MAX_KEYS_PER_EVENT;
	for (const server of servers) {
		const signatures = pdu.signatures?.[server];
		if (typeof signatures !== "object" || signatures === null) continue;
		for (const keyId of Object.keys(signatures)) {
			if (!keyId.startsWith("ed25519:") || budget-- <= 0) continue;
			const key = await keys.getServerVerifyKey(server, keyId, minValid);
			if (key) found.set(`${server} ${keyId}`, { key: key.publicKey, valid_until_ts: keyValidUntil(key) });
		}
	}
	return verifyEvent(pdu, rules, (server, keyId) => found.get(`${server} ${keyId}`), extraServers);
}
