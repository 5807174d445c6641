// Operator-managed 3PIDs (D1 user_threepids, migrations/0017_user_threepids.sql): read by the client API
// (GET /account/3pid) and by the lawful export (SubscriberData; e-mail and phone targets). Written only by
// `npm run admin -- add-threepid|remove-threepid` (scripts/admin.mjs, which canonicalises the same way);
// removed when the account is deactivated, unless a preservation hold names it.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3account3pid
// Design: /work/shared/LAWFUL_ACCESS.md ("email/phone 3PIDs with added/validated times | SubscriberData").

import { heldUsersSql } from "./preservation-holds";

export type ThreepidMedium = "email" | "msisdn";

export interface ThreepidRow {
	medium: ThreepidMedium;
	address: string;
	user_id: string;
	added_ts: number;
	validated_ts: number;
}

/**
 * The stored form of an address: e-mail trimmed and lower-cased (as Synapse canonicalises it; the local part
 * is case-insensitive in practice), a phone number as its E.164 digits without "+" (Matrix's msisdn form).
 */
export function canonicalThreepid(medium: ThreepidMedium, address: string): string {
	const trimmed = address.trim();
	return medium === "email" ? trimmed.toLowerCase() : trimmed.replace(/^\+/, "");
}

/** The account's 3PIDs, e-mail first, then by address. */
export async function threepidsOf(db: D1Database, userId: string): Promise<ThreepidRow[]> {
	const { results } = await db
		.prepare("SELECT medium, address, user_id, added_ts, validated_ts FROM user_threepids WHERE user_id = ?1 ORDER BY medium, address")
		.bind(userId)
		.all<ThreepidRow>();
	return results;
}

/** The account a 3PID belongs to, if any. */
export async function threepidOwner(db: D1Database, medium: ThreepidMedium, address: string): Promise<ThreepidRow | null> {
	return db
		.prepare("SELECT medium, address, user_id, added_ts, validated_ts FROM user_threepids WHERE medium = ?1 AND address = ?2")
		.bind(medium, canonicalThreepid(medium, address))
		.first<ThreepidRow>();
}

/**
 * Deactivation erasure of 3PIDs: a deactivated account's 3PIDs are removed (as Synapse removes them on
 * deactivation), except while a preservation hold names the account — a hold suspends deactivation erasure
 * (LAWFUL_ACCESS.md "Preservation (LP)"), and an e-mail/phone target must still resolve to the account. The
 * deactivation asks for its own account (`userId`); the hourly lifecycle job asks for all (null), which removes
 * the 3PIDs a hold kept once it has ended. The hold check and the delete are one statement, so a hold created
 * meanwhile is never overtaken. Returns the rows removed.
 */
export async function removeDeactivatedThreepids(db: D1Database, userId: string | null, now: number): Promise<number> {
	const r = await db
		.prepare(
			`DELETE FROM user_threepids WHERE (?1 IS NULL OR user_id = ?1)
				AND EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = user_threepids.user_id AND a.deactivated = 1)
				AND user_id NOT IN (${heldUsersSql("?2")})`,
		)
		.bind(userId, now)
		.run();
	return r.meta.changes;
}
