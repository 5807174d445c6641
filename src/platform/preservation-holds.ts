// Whether a lawful-access preservation hold names a user (LAWFUL_ACCESS.md "Preservation"): a hold
// suspends purges and deactivation erasure of that user's metadata. Shared because the export code
// creates holds and the worker's deactivation must respect them. A hold is one row of lawful_holds per LP
// task (expiry, renewal, release); the accounts it names are rows of lawful_hold_accounts
// (migrations/0019_lawful_hold_accounts.sql): one for an MXID target, every matched account for an IP or
// e-mail/phone target.

/**
 * The accounts an active hold names at `nowParam` (a bound parameter such as "?2"), as a subquery for the
 * purges' `NOT IN (...)`: every purge and erasure that a hold suspends asks this one rule.
 */
export function heldUsersSql(nowParam: string): string {
	return `SELECT a.user_id FROM lawful_hold_accounts a JOIN lawful_holds h ON h.order_id = a.order_id AND h.ldid = a.ldid
		WHERE h.released_ts IS NULL AND h.expires_ts > ${nowParam}`;
}
