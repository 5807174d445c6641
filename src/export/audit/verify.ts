// `audit verify`: recompute the chain from genesis and check every signed checkpoint against the provider
// JWKS and the recomputed hashes. Shared by the operator route and (mirrored in .mjs) the CLI.
// Pure: entries, checkpoints and the JWKS are arguments. Design: LAWFUL_ACCESS.md "Audit log".

import type { ProviderJwks } from "../keys/jwks";
import { verifyCheckpoint } from "./checkpoint";
import type { AuditEntry } from "./entry";
import { verifyEntries } from "./hash-chain";

export interface AuditVerification {
	ok: boolean;
	/** Entries that chain correctly from genesis (all of them when ok). */
	length: number;
	head: string | null;
	checkpointsVerified: number;
	/** The newest verified checkpoint's size: entries up to here are vouched for by a provider signature. */
	lastCheckpoint: number | null;
	problems: string[];
}

export async function verifyAuditLog(entries: readonly AuditEntry[], checkpoints: readonly string[], jwks: ProviderJwks): Promise<AuditVerification> {
	const problems: string[] = [];
	const chain = await verifyEntries(entries);
	if (!chain.ok) problems.push(`entry ${chain.seq}: ${chain.reason}`);
	const goodLength = chain.ok ? chain.length : chain.seq - 1;
	// Hashes only of entries that chain: a checkpoint over a tampered entry must not verify.
	const hashAt = (seq: number) => (seq >= 1 && seq <= goodLength ? entries[seq - 1]?.entryHash : undefined);
	let verified = 0;
	let last: number | null = null;
	for (const jws of checkpoints) {
		const check = await verifyCheckpoint(jws, jwks, hashAt);
		if (!check.ok) {
			problems.push(`checkpoint: ${check.reason}`);
			continue;
		}
		verified++;
		last = Math.max(last ?? 0, check.payload.size);
	}
	return { ok: problems.length === 0, length: goodLength, head: chain.ok ? chain.head : null, checkpointsVerified: verified, lastCheckpoint: last, problems };
}
