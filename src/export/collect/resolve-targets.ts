// Resolving targets that are not accounts to the local accounts they identify, when production starts (LD
// tasks) or when a preservation hold is created (LP tasks, lifecycle/holds.ts):
// an IP address with its observedTime through the IP → account index (platform/session-ip-index.ts), an
// e-mail address or E.164 phone number through the operator-managed 3PIDs (platform/threepids.ts; e-mail
// compared case-insensitively, a phone number as its E.164 digits).
// Validation never does this (existence-oracle rule: an order's answer is the same whether or not anyone
// matches); only the approved order's package says what was found, or "no records".
// Design: /work/shared/LAWFUL_ACCESS.md ("Order format": identifier formats; "Validation" oracle rule).

import { sessionIpUses } from "../../platform/session-ip-index";
import { threepidOwner } from "../../platform/threepids";
import type { ScopeTask, Target } from "../order/types";

/**
 * How far around observedTime a recorded use of the address still counts: ±5 minutes. Session uses are
 * recorded at most once a minute per (device, IP, user agent) (worker/user/user-do.ts
 * SESSION_WRITE_INTERVAL_MS), so last_seen can trail the real last use by up to a minute; the rest allows
 * for clock skew between the authority's source (a log at a third party) and this server.
 */
export const IP_MATCH_TOLERANCE_MS = 5 * 60_000;

/** At most this many (account, device) uses per target: more means the address is shared (CGNAT, a proxy). */
export const MAX_MATCHES_PER_TARGET = 100;

/** One local account (and, for an IP, the device) a target identifies. Times are epoch ms or null. */
export interface TargetMatch {
	format: Exclude<Target, { userId: string }>["format"];
	/** The identifier as it was looked up (canonical form). */
	identifier: string;
	userId: string;
	deviceId: string | null;
	firstSeen: number | null;
	lastSeen: number | null;
}

export type ResolvedTargets = Record<string, TargetMatch[]>;

/** Whether a target names an account directly (no resolution needed). */
export function isAccountTarget(target: Target): target is Extract<Target, { userId: string }> {
	return target.format === "ServiceAccessIdentifier" || target.format === "MatrixDeviceId";
}

async function resolveOne(db: D1Database, target: Exclude<Target, { userId: string }>): Promise<TargetMatch[]> {
	switch (target.format) {
		case "IPV4Address":
		case "IPV6Address": {
			const from = target.observedTime - IP_MATCH_TOLERANCE_MS;
			const to = target.observedTime + IP_MATCH_TOLERANCE_MS;
			const rows = await sessionIpUses(db, target.address, from, to, MAX_MATCHES_PER_TARGET);
			return rows.map((r) => ({ format: target.format, identifier: r.ip, userId: r.user_id, deviceId: r.device_id, firstSeen: r.first_seen_ts, lastSeen: r.last_seen_ts }));
		}
		case "InternationalizedEmailAddress":
		case "InternationalE164": {
			const [medium, address] = target.format === "InternationalE164" ? (["msisdn", target.msisdn] as const) : (["email", target.address] as const);
			const row = await threepidOwner(db, medium, address);
			return row === null ? [] : [{ format: target.format, identifier: row.address, userId: row.user_id, deviceId: null, firstSeen: null, lastSeen: null }];
		}
	}
}

/**
 * The local accounts a target identifies now: the account an MXID/device target names (whether or not it
 * exists, so a hold's outcome never depends on it), or the distinct accounts an IP/e-mail/phone target
 * resolves to, as the LD collection resolves it.
 */
export async function accountsOfTarget(db: D1Database, target: Target): Promise<string[]> {
	if (isAccountTarget(target)) return [target.userId];
	return [...new Set((await resolveOne(db, target)).map((m) => m.userId))];
}

/** The matches of every LD task whose target is not an account, keyed by LDID (plain data: the job stores it). */
export async function resolveTargets(db: D1Database, tasks: readonly ScopeTask[]): Promise<ResolvedTargets> {
	const resolved: ResolvedTargets = {};
	for (const task of tasks) {
		if (task.kind !== "LD" || isAccountTarget(task.target)) continue;
		resolved[task.ldid] = await resolveOne(db, task.target);
	}
	return resolved;
}
