// The session-IP purge that preservation holds stop: every local account's session records older than
// config `sessionIpRetentionDays` are purged in its UserDO, and so are the rows of the IP → account index
// (D1 session_ip_index), except for accounts an active hold names.
// Design: /work/shared/LAWFUL_ACCESS.md#lifecycle ("Preservation (LP): a per-target hold that suspends purges").

import { getConfig } from "../../platform/config";
import { appendAudit } from "../audit/append";
import { purgeSessionIpIndex } from "../../platform/session-ip-index";
import { heldUsers } from "../store/holds";

export const DAY_MS = 86_400_000;
const PAGE = 200;

export interface PurgeRun {
	purgedUsers: number;
	sessions: number;
	/** Held users whose old records were kept. */
	suspended: number;
	/** Rows of the IP → account index (session_ip_index) deleted, and old rows kept for held accounts. */
	indexRows: number;
	indexRowsHeld: number;
}

export async function purgeSessionIps(env: Env, now: number): Promise<PurgeRun> {
	const before = now - getConfig(env).sessionIpRetentionDays * DAY_MS;
	const held = await heldUsers(env.DB, now);
	const run: PurgeRun = { purgedUsers: 0, sessions: 0, suspended: 0, indexRows: 0, indexRowsHeld: 0 };
	let after = "";
	for (;;) {
		const { results } = await env.DB.prepare("SELECT user_id FROM accounts WHERE user_id > ?1 ORDER BY user_id LIMIT ?2").bind(after, PAGE).all<{ user_id: string }>();
		for (const { user_id: userId } of results) {
			const user = env.USER.getByName(userId);
			if (held.has(userId)) {
				// Only a purge that would have removed something is worth an audit entry.
				const wouldPurge = await user.purgeSessionIps(before, true);
				if (wouldPurge.sessions + wouldPurge.devices > 0) run.suspended++;
				continue;
			}
			const purged = await user.purgeSessionIps(before);
			if (purged.sessions + purged.devices > 0) {
				run.purgedUsers++;
				run.sessions += purged.sessions;
			}
		}
		if (results.length < PAGE) break;
		after = results[results.length - 1]!.user_id;
	}
	// The IP index holds the same facts as the session records, so it follows the same age and the same holds.
	const index = await purgeSessionIpIndex(env.DB, before, now);
	run.indexRows = index.deleted;
	run.indexRowsHeld = index.held;
	if (run.suspended > 0) {
		await appendAudit(
			env,
			{ type: "preservation", action: "purge-suspended", orderId: null, orderSha256: null, actor: "system:retention", reason: `session-IP purge skipped for ${run.suspended} held account(s)`, legalProvision: null, issuer: null, result: "ok" },
			now,
		);
	}
	return run;
}
