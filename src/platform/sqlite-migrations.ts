// The versioned SQLite schema runner of every Durable Object (RoomDO, UserDO, DestinationDO, AuditLogDO).
// Docs: https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
//
// Each DO declares an ordered list of steps; step N (1-based) moves the schema from version N-1 to N.
// Steps are append-only: once shipped, a step is never edited, because objects already past it
// would silently disagree with new ones. A schema change is a new step at the end.

/** One schema step: a name for `schema_version` and the DDL/DML it runs (several statements allowed). */
export interface MigrationStep {
	name: string;
	sql: string;
}

const CREATE_VERSION_TABLE = `CREATE TABLE IF NOT EXISTS schema_version (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_ts INTEGER NOT NULL
)`;

/** The schema version this storage is at: 0 for a fresh object. */
export function schemaVersion(storage: DurableObjectStorage): number {
	storage.sql.exec(CREATE_VERSION_TABLE);
	const row = storage.sql.exec<{ v: number | null }>("SELECT MAX(version) AS v FROM schema_version").one();
	return row.v ?? 0;
}

/**
 * Brings the storage up to the last step. Each step runs in its own transaction together with its
 * `schema_version` row, so a failing step leaves the schema at the previous version, never half-applied.
 * Returns the version reached. Throws if the storage is newer than the code (a rollback after a
 * migration), since running old code on a new schema would corrupt data.
 */
export function applyMigrations(storage: DurableObjectStorage, steps: readonly MigrationStep[], nowTs: number): number {
	const current = schemaVersion(storage);
	if (current > steps.length) {
		throw new Error(`schema version ${current} is newer than this code (${steps.length} steps)`);
	}
	for (let version = current + 1; version <= steps.length; version++) {
		const step = steps[version - 1]!;
		storage.transactionSync(() => {
			storage.sql.exec(step.sql);
			storage.sql.exec(
				"INSERT INTO schema_version (version, name, applied_ts) VALUES (?, ?, ?)",
				version,
				step.name,
				nowTs,
			);
		});
	}
	return steps.length;
}

/**
 * Runs the migrations from a DO constructor. `blockConcurrencyWhile` holds back every RPC and alarm
 * until the schema is current; if a step throws, the object is reset and the next request retries.
 */
export function migrateOnStart(ctx: DurableObjectState, steps: readonly MigrationStep[]): void {
	void ctx.blockConcurrencyWhile(async () => {
		applyMigrations(ctx.storage, steps, Date.now());
	});
}
