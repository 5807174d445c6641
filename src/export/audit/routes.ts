// Audit routes: operators export the log and run `audit verify` on the server; anyone may fetch the newest
// signed checkpoint (sizes and hashes only) to witness the log from outside.
// Design: LAWFUL_ACCESS.md "Lifecycle" → "Audit log".

import type { Context } from "hono";
import type { AppEnv } from "../../worker/http/context";
import type { Endpoint } from "../../worker/http/endpoint";
import { buildJwks } from "../keys/jwks";
import { listProviderKeys } from "../keys/provider-key";
import { LaError } from "../order/la-errors";
import { laHandler } from "../order/la-handler";
import { AUDIT_LOG_NAME } from "./audit-log-do";
import type { AuditEntry } from "./entry";
import { verifyAuditLog } from "./verify";

const PAGE = 1000;

function intParam(c: Context<AppEnv>, name: string, fallback: number, max: number): number {
	const raw = c.req.query(name);
	if (raw === undefined) return fallback;
	const n = Number(raw);
	if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new LaError("LA_BAD_REQUEST", `${name} must be an integer from 0 to ${max}`);
	return n;
}

async function allEntries(c: Context<AppEnv>): Promise<AuditEntry[]> {
	const stub = c.env.AUDIT_LOG.getByName(AUDIT_LOG_NAME);
	const entries: AuditEntry[] = [];
	for (;;) {
		const page = await stub.entries(entries.length === 0 ? 0 : (entries[entries.length - 1]?.seq ?? 0), PAGE);
		entries.push(...page);
		if (page.length < PAGE) return entries;
	}
}

export const auditEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_lawful/v1/admin/audit/entries",
		auth: "operator",
		rateLimit: { perSecond: 2, burst: 10 },
		handler: laHandler(async (c) => {
			const after = intParam(c, "after", 0, Number.MAX_SAFE_INTEGER);
			const limit = intParam(c, "limit", PAGE, PAGE);
			const stub = c.env.AUDIT_LOG.getByName(AUDIT_LOG_NAME);
			const entries = await stub.entries(after, Math.max(limit, 1));
			const checkpoints = (await stub.checkpoints()).map((cp) => cp.signed_json);
			return c.json({ entries, checkpoints });
		}),
	},
	{
		method: "GET",
		path: "/_lawful/v1/admin/audit/verify",
		auth: "operator",
		rateLimit: { perSecond: 0.2, burst: 3 },
		handler: laHandler(async (c) => {
			const entries = await allEntries(c);
			const checkpoints = (await c.env.AUDIT_LOG.getByName(AUDIT_LOG_NAME).checkpoints()).map((cp) => cp.signed_json);
			const jwks = buildJwks(await listProviderKeys(c.env.DB, c.get("config"), Date.now()));
			return c.json(await verifyAuditLog(entries, checkpoints, jwks));
		}),
	},
	{
		method: "GET",
		path: "/_lawful/v1/audit/checkpoint",
		auth: "none",
		rateLimit: { perSecond: 2, burst: 10 },
		handler: laHandler(async (c) => {
			const checkpoints = await c.env.AUDIT_LOG.getByName(AUDIT_LOG_NAME).checkpoints();
			const newest = checkpoints[checkpoints.length - 1];
			if (!newest) throw new LaError("LA_NOT_FOUND", "the audit log has no checkpoint yet");
			return c.json({ size: newest.seq, headHash: newest.entry_hash, jws: newest.signed_json });
		}),
	},
];
