// Signed checkpoints of the audit log: a JWS by the provider key stating "the log had `size` entries and
// its head hash was `headHash`". Published outside the log (the checkpoints route, the transparency report),
// they make a rewrite of the whole chain detectable, which the chain alone cannot.
// Design: LAWFUL_ACCESS.md "Lifecycle" → "Audit log" ("Signed checkpoints record size and head hash").

import { jcs } from "./entry";
import type { ProviderJwks } from "../keys/jwks";
import { verifyProviderJws } from "../keys/jwks";

export const CHECKPOINT_TYP = "lawful-checkpoint+jws";

export interface CheckpointPayload {
	type: "sealbridge-audit-checkpoint";
	/** The Matrix server name whose log this is. */
	server: string;
	/** Number of entries (= the head's seq). */
	size: number;
	/** entryHash of entry `size`. */
	headHash: string;
	/** When it was signed, ISO 8601. */
	signedAt: string;
}

export function checkpointPayload(server: string, size: number, headHash: string, now: number): string {
	const payload: CheckpointPayload = { type: "sealbridge-audit-checkpoint", server, size, headHash, signedAt: new Date(now).toISOString() };
	return jcs(payload);
}

export type CheckpointCheck = { ok: true; payload: CheckpointPayload; kid: string } | { ok: false; reason: string };

/**
 * Checks a checkpoint JWS against the provider JWKS and against the chain: `hashAt(size)` is the verifier's
 * own recomputed entryHash at that seq (undefined when the log is shorter: entries were removed).
 */
export async function verifyCheckpoint(jws: string, jwks: ProviderJwks, hashAt: (seq: number) => string | undefined): Promise<CheckpointCheck> {
	const signed = await verifyProviderJws(jws, jwks, CHECKPOINT_TYP);
	if (!signed.ok) return signed;
	let payload: CheckpointPayload;
	try {
		payload = JSON.parse(new TextDecoder().decode(signed.payload)) as CheckpointPayload;
	} catch {
		return { ok: false, reason: "checkpoint payload is not JSON" };
	}
	if (payload.type !== "sealbridge-audit-checkpoint" || !Number.isSafeInteger(payload.size)) return { ok: false, reason: "not an audit checkpoint" };
	const actual = hashAt(payload.size);
	if (actual === undefined) return { ok: false, reason: `checkpoint names entry ${payload.size}, which the log no longer has` };
	if (actual !== payload.headHash) return { ok: false, reason: `checkpoint head hash differs from entry ${payload.size}` };
	return { ok: true, payload, kid: signed.kid };
}
