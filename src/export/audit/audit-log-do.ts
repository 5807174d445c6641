// AuditLogDO: the single, append-only, hash-chained lawful-access audit log (one object for the server) and
// its signed checkpoints. Every order outcome is written here before the response is sent.
// Design: LAWFUL_ACCESS.md "Lifecycle" → "Audit log"; ARCHITECTURE.md "The export path".

import { DurableObject } from "cloudflare:workers";
import type { RpcResult } from "../../protocol/errors";
import { migrateOnStart } from "../../platform/sqlite-migrations";
import { type AuditEntry, type AuditInput, buildEntryBody, computeEntryHash, GENESIS_HASH, jcs } from "./entry";
import { checkLink, rowToEntry } from "./hash-chain";
import { AUDIT_MIGRATIONS } from "./schema";
import { AuditStore, type ChainHead, type StoredCheckpoint } from "./store";

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

	/** Appends an entry at time `ts` and returns its seq and hash. */
	async append(input: AuditInput, ts: number): Promise<RpcResult<ChainHead>> {
		if (!Number.isSafeInteger(ts)) return { ok: false, errcode: "M_BAD_JSON", error: "ts must be an integer" };
		// Check the entry encodes before entering the critical section: a throw inside blockConcurrencyWhile
		// resets the whole object.
		try {
			jcs(buildEntryBody(input, 0, ts, GENESIS_HASH));
		} catch (e) {
			return { ok: false, errcode: "M_BAD_JSON", error: e instanceof Error ? e.message : "entry is not JSON" };
		}
		// Hashing awaits, and another append must not read the same head meanwhile: hold every other
		// request until this entry is written, so seq and prevHash always follow the true head.
		const appended = await this.ctx.blockConcurrencyWhile(async () => {
			const prev = this.head();
			const body = buildEntryBody(input, prev.seq + 1, ts, prev.entry_hash);
			const entryHash = await computeEntryHash(body);
			this.store.append({ seq: body.seq, prev_hash: body.prevHash, entry_hash: entryHash, ts, kind: body.type, body: jcs(body) });
			return { seq: body.seq, entry_hash: entryHash };
		});
		return { ok: true, value: appended };
	}

	/** The newest entry's seq and hash; seq 0 and the genesis hash for an empty log. */
	head(): ChainHead {
		return this.store.head() ?? { seq: 0, entry_hash: GENESIS_HASH };
	}

	/** Up to `limit` (≤ 1000) entries after `afterSeq`, in order, for export and the transparency report. */
	entries(afterSeq: number, limit: number): AuditEntry[] {
		return this.store.page(afterSeq, Math.min(Math.max(limit, 1), 1000)).map(rowToEntry);
	}

	/** Entries with afterTs ≤ ts < beforeTs, in order (the transparency report's half-year). */
	entriesBetween(afterTs: number, beforeTs: number, afterSeq: number, limit: number): AuditEntry[] {
		return this.store.pageByTime(afterTs, beforeTs, afterSeq, Math.min(Math.max(limit, 1), 1000)).map(rowToEntry);
	}

	/** Stores a signed checkpoint (a compact JWS over {size, headHash, ...}) that names an existing entry. */
	saveCheckpoint(checkpoint: StoredCheckpoint): RpcResult<null> {
		if (!this.store.has(checkpoint.seq, checkpoint.entry_hash)) {
			return { ok: false, errcode: "M_INVALID_PARAM", error: "checkpoint does not name an entry of the log" };
		}
		this.store.saveCheckpoint(checkpoint);
		return { ok: true, value: null };
	}

	/** Every stored checkpoint, oldest first. */
	checkpoints(): StoredCheckpoint[] {
		return this.store.checkpoints();
	}

	/** Recomputes the whole chain from genesis and checks that every checkpoint names a hash of the chain. */
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
