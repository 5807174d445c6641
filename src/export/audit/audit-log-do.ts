// AuditLogDO: the single, append-only, hash-chained lawful-access audit log (one object for the server).
// Every order is written here before any data is read. See ARCHITECTURE.md "The export path".

import { DurableObject } from "cloudflare:workers";
import type { JsonObject } from "../../protocol/events/pdu";
import { canonicalJson } from "../../protocol/json/canonical";
import type { RpcResult } from "../../protocol/errors";
import { migrateOnStart } from "../../platform/sqlite-migrations";
import { checkLink, computeEntryHash, GENESIS_HASH } from "./hash-chain";
import { AUDIT_MIGRATIONS } from "./schema";
import { AuditStore, type ChainHead } from "./store";

/** The name of the one AuditLogDO: `env.AUDIT_LOG.getByName(AUDIT_LOG_NAME)`. */
export const AUDIT_LOG_NAME = "audit-log";
const VERIFY_PAGE = 500;

export type ChainVerification = { ok: true; length: number; head: string } | { ok: false; seq: number; reason: string };

export class AuditLogDO extends DurableObject<Env> {
	private readonly store: AuditStore;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new AuditStore(ctx.storage.sql);
		migrateOnStart(ctx, AUDIT_MIGRATIONS);
	}

	/** Appends an entry and returns its seq and hash. Bodies must be canonical-JSON encodable (integers only). */
	async append(kind: string, body: JsonObject, ts: number): Promise<RpcResult<ChainHead>> {
		let canonicalBody: string;
		try {
			canonicalBody = canonicalJson(body);
		} catch (e) {
			return { ok: false, errcode: "M_BAD_JSON", error: e instanceof Error ? e.message : "body is not canonical JSON" };
		}
		// Hashing awaits, and another append must not read the same head meanwhile: hold every other
		// request until this entry is written, so seq and prev_hash always follow the true head.
		const appended = await this.ctx.blockConcurrencyWhile(async () => {
			const prev = this.store.head() ?? { seq: 0, entry_hash: GENESIS_HASH };
			const seq = prev.seq + 1;
			const entryHash = await computeEntryHash(prev.entry_hash, { seq, ts, kind, body });
			this.store.append({ seq, prev_hash: prev.entry_hash, entry_hash: entryHash, ts, kind, body: canonicalBody });
			return { seq, entry_hash: entryHash };
		});
		return { ok: true, value: appended };
	}

	/** The newest entry's seq and hash; seq 0 and the genesis hash for an empty log. */
	head(): ChainHead {
		return this.store.head() ?? { seq: 0, entry_hash: GENESIS_HASH };
	}

	/** Recomputes the whole chain from genesis and checks every checkpoint against it. */
	async verifyChain(): Promise<ChainVerification> {
		let prevHash = GENESIS_HASH;
		let seq = 0;
		for (;;) {
			const page = this.store.page(seq, VERIFY_PAGE);
			for (const row of page) {
				const problem = await checkLink(prevHash, seq + 1, row);
				if (problem !== null) return { ok: false, seq: seq + 1, reason: problem };
				prevHash = row.entry_hash;
				seq = row.seq;
			}
			if (page.length < VERIFY_PAGE) break;
		}
		const badCheckpoint = this.store.mismatchedCheckpoints()[0];
		if (badCheckpoint !== undefined) return { ok: false, seq: badCheckpoint, reason: "checkpoint does not match the log" };
		return { ok: true, length: seq, head: prevHash };
	}
}
