// appendAudit: how every part of the export writes to the audit log, before it answers; each append is
// followed by a signed checkpoint of the new head.
// Design: LAWFUL_ACCESS.md "Lifecycle" → "Audit log"; docs/lawful-access.md "Shared decisions" → "Audit".

import { getConfig } from "../../platform/config";
import { log } from "../../platform/log";
import { signWithProviderKey } from "../keys/sign";
import { AUDIT_LOG_NAME } from "./audit-log-do";
import { CHECKPOINT_TYP, checkpointPayload } from "./checkpoint";
import type { AuditInput } from "./entry";
import type { ChainHead } from "./store";

export type { AuditAction, AuditInput, AuditScope, AuditType } from "./entry";

/** What appending needs: the log, and D1 plus config for the provider key that signs checkpoints. */
export type AuditEnv = Pick<Env, "AUDIT_LOG" | "DB"> & Parameters<typeof getConfig>[0];

/**
 * Appends one entry (time = `now`, default the wall clock) and returns its seq and hash. Throws when the log
 * refuses it, so a caller never answers an authority or operator about something that was not logged.
 */
export async function appendAudit(env: Pick<Env, "AUDIT_LOG"> | AuditEnv, entry: AuditInput, now: number = Date.now()): Promise<ChainHead> {
	const stub = env.AUDIT_LOG.getByName(AUDIT_LOG_NAME);
	const result = await stub.append(entry, now);
	if (!result.ok) throw new Error(`audit log refused the entry: ${result.error}`);
	// The entry is durable already; a checkpoint that fails (D1 briefly away) is made at the next append.
	// Callers that pass only the log binding get no checkpoint (the next full-env append covers the head).
	if (!hasKeyAccess(env)) return result.value;
	try {
		await checkpointAudit(env, result.value, now);
	} catch (e) {
		log.warn("audit_checkpoint_failed", { seq: result.value.seq, error: e instanceof Error ? e.message : String(e) });
	}
	return result.value;
}

function hasKeyAccess(env: Pick<Env, "AUDIT_LOG"> | AuditEnv): env is AuditEnv {
	return "DB" in env && env.DB !== undefined;
}

/** Signs `head` with the provider key and stores the checkpoint in the log's object. */
export async function checkpointAudit(env: AuditEnv, head: ChainHead, now: number = Date.now()): Promise<string> {
	const config = getConfig(env);
	const payload = checkpointPayload(config.serverName, head.seq, head.entry_hash, now);
	const { jws } = await signWithProviderKey(env, payload, { typ: CHECKPOINT_TYP, now });
	const saved = await env.AUDIT_LOG.getByName(AUDIT_LOG_NAME).saveCheckpoint({ seq: head.seq, entry_hash: head.entry_hash, signed_json: jws, created_ts: now });
	if (!saved.ok) throw new Error(saved.error);
	return jws;
}
