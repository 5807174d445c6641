// Operator-managed 3PIDs (D1 user_threepids, migrations/0017_user_threepids.sql): read by the client API
// (GET /account/3pid) and by the lawful export (SubscriberData; e-mail and phone targets). Written only by
// `npm run admin -- add-threepid|remove-threepid` (scripts/admin.mjs, which canonicalises the same way).
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3account3pid
// Design: /work/shared/LAWFUL_ACCESS.md ("email/phone 3PIDs with added/validated times | SubscriberData").

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
