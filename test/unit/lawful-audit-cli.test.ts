// The CLI's `audit verify` (scripts/lawful/audit.mjs) recomputes the chain with its own code: it must agree
// with src/export/audit (entries built there verify here) and must refuse a tampered entry.

import { describe, expect, it } from "vitest";
import { type AuditEntry, type AuditInput, buildEntryBody, computeEntryHash, GENESIS_HASH } from "../../src/export/audit/entry";
// @ts-expect-error: a plain .mjs CLI module without type declarations
import { verifyChain } from "../../scripts/lawful/audit.mjs";

const input: AuditInput = { type: "approval", action: "approved", orderId: "o1", orderSha256: null, actor: "operator:@a:x", reason: "ok by me", legalProvision: null, issuer: "us-fbi", result: "ok" };

async function chain(n: number): Promise<AuditEntry[]> {
	const out: AuditEntry[] = [];
	let prev = GENESIS_HASH;
	for (let i = 1; i <= n; i++) {
		const body = buildEntryBody({ ...input, reason: `reason ${i}`, packageSha256: i === 2 ? "ab".repeat(32) : undefined }, i, 1000 + i, prev);
		const entryHash = await computeEntryHash(body);
		out.push({ ...body, entryHash });
		prev = entryHash;
	}
	return out;
}

describe("lawful CLI audit verify", () => {
	it("accepts a chain built by the server code", async () => {
		const hashes: Record<number, string> = {};
		expect(verifyChain(await chain(4), hashes)).toBeNull();
		expect(Object.keys(hashes)).toHaveLength(4);
	});

	it("names the first tampered entry", async () => {
		const entries = await chain(4);
		entries[2] = { ...(entries[2] as AuditEntry), actor: "operator:@mallory:x" };
		expect(verifyChain(entries, {})).toBe("entry 3: entryHash does not match the entry");
	});
});
