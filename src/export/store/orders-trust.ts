// D1 access for trust-store versions (operator edits): append a snapshot, read the latest, and every kid
// ever revoked. Table: lawful_trust_versions (migrations/0009_lawful_orders.sql).
// Design: LAWFUL_ACCESS.md "Trust store" (operator-managed, versioned).

export interface TrustVersionRow {
	version: number;
	store_json: string;
	store_sha256: string;
	env_sha256: string;
	actor: string;
	reason: string;
	created_ts: number;
}

export async function latestTrustVersion(db: D1Database): Promise<TrustVersionRow | null> {
	return db.prepare("SELECT * FROM lawful_trust_versions ORDER BY version DESC LIMIT 1").first<TrustVersionRow>();
}

export async function appendTrustVersion(db: D1Database, v: Omit<TrustVersionRow, "version">): Promise<number> {
	const row = await db
		.prepare("INSERT INTO lawful_trust_versions (store_json, store_sha256, env_sha256, actor, reason, created_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING version")
		.bind(v.store_json, v.store_sha256, v.env_sha256, v.actor, v.reason, v.created_ts)
		.first<{ version: number }>();
	if (!row) throw new Error("trust version insert returned nothing");
	return row.version;
}

/** Every kid that was revoked in any version: revocation is final, whatever a later snapshot says. */
export async function everRevokedKids(db: D1Database): Promise<Set<string>> {
	const { results } = await db
		.prepare(
			"SELECT DISTINCT json_extract(k.value, '$.kid') AS kid FROM lawful_trust_versions v, json_each(v.store_json, '$.authorities') a, json_each(a.value, '$.keys') k WHERE json_extract(k.value, '$.status') = 'revoked'",
		)
		.all<{ kid: string }>();
	return new Set(results.map((r) => r.kid));
}
