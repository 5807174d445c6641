// D1 access for the provider's lawful-access signing keys (lawful_provider_keys, migrations/0010).
// Design: LAWFUL_ACCESS.md "API" → provider-keys; docs/lawful-access.md "keys/".

export type ProviderKeyRow = {
	kid: string;
	/** JSON text of the public JWK. */
	public_jwk: string;
	/** JSON text of the private JWK for a locally generated key; null for a key held in a secret. */
	private_jwk: string | null;
	not_before: number;
	not_after: number | null;
};

const COLUMNS = "kid, public_jwk, private_jwk, not_before, not_after";

export async function selectProviderKeys(db: D1Database): Promise<ProviderKeyRow[]> {
	const { results } = await db.prepare(`SELECT ${COLUMNS} FROM lawful_provider_keys ORDER BY not_before, kid`).all<ProviderKeyRow>();
	return results;
}

/** Inserts `key` as current unless a current key exists; returns whichever current key won the race. */
export async function insertCurrentIfNone(db: D1Database, key: Omit<ProviderKeyRow, "not_after">): Promise<ProviderKeyRow> {
	const [, selected] = await db.batch<ProviderKeyRow>([
		db
			.prepare("INSERT INTO lawful_provider_keys (kid, public_jwk, private_jwk, not_before, not_after) VALUES (?1, ?2, ?3, ?4, NULL) ON CONFLICT DO NOTHING")
			.bind(key.kid, key.public_jwk, key.private_jwk, key.not_before),
		db.prepare(`SELECT ${COLUMNS} FROM lawful_provider_keys WHERE not_after IS NULL`),
	]);
	const current = selected?.results[0];
	if (!current) throw new Error("no current provider key after insert");
	return current;
}

/** Retires the current key at `now` and makes `next` current, in one transaction. A kid seen before becomes
 * current again (a secret rolled back) without losing its first not_before. */
export async function replaceCurrent(db: D1Database, next: Omit<ProviderKeyRow, "not_after">, now: number): Promise<void> {
	await db.batch([
		db.prepare("UPDATE lawful_provider_keys SET not_after = ?1 WHERE not_after IS NULL").bind(now),
		db
			.prepare(
				"INSERT INTO lawful_provider_keys (kid, public_jwk, private_jwk, not_before, not_after) VALUES (?1, ?2, ?3, ?4, NULL) ON CONFLICT (kid) DO UPDATE SET not_after = NULL",
			)
			.bind(next.kid, next.public_jwk, next.private_jwk, next.not_before),
	]);
}
