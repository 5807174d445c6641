// appendAudit: how every part of the export writes to the audit log, before it answers.
// Design: LAWFUL_ACCESS.md "Lifecycle" → "Audit log"; docs/lawful-access.md "Shared decisions" → "Audit".

import { AUDIT_LOG_NAME } from "./audit-log-do";
import type { AuditInput } from "./entry";
import type { ChainHead } from "./store";

export type { AuditAction, AuditInput, AuditScope, AuditType } from "./entry";

/**
 * Appends one entry (time = `now`, default the wall clock) and returns its seq and hash. Throws when the log
 * refuses it, so a caller never answers an authority or operator about something that was not logged.
 */
export async function appendAudit(env: Pick<Env, "AUDIT_LOG">, entry: AuditInput, now: number = Date.now()): Promise<ChainHead> {
	const result = await env.AUDIT_LOG.getByName(AUDIT_LOG_NAME).append(entry, now);
	if (!result.ok) throw new Error(`audit log refused the entry: ${result.error}`);
	return result.value;
}
