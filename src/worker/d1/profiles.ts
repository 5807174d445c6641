// Typed queries on D1 `profile_fields` (0008) and the profile columns of `user_directory`, which mirror
// displayname and avatar_url so the directory can search them. Deactivation erasure of both is
// platform/deactivation-erasure.ts (a preservation hold can defer it to the hourly job).
// Spec: https://spec.matrix.org/latest/client-server-api/#profiles

import type { JsonValue } from "../../protocol/events/pdu";

/** The user_directory column that mirrors a profile field, if any. */
const DIRECTORY_COLUMN: Readonly<Record<string, "display_name" | "avatar_url">> = { displayname: "display_name", avatar_url: "avatar_url" };

/** A user's profile fields as one object (empty when none are set). */
export async function getProfile(db: D1Database, userId: string): Promise<Record<string, JsonValue>> {
	const { results } = await db
		.prepare("SELECT field, value_json FROM profile_fields WHERE user_id = ?1 ORDER BY field")
		.bind(userId)
		.all<{ field: string; value_json: string }>();
	return Object.fromEntries(results.map((r) => [r.field, JSON.parse(r.value_json) as JsonValue]));
}

function mirror(db: D1Database, userId: string, field: string, value: string | null): D1PreparedStatement | null {
	const column = DIRECTORY_COLUMN[field];
	if (column === undefined) return null;
	return db
		.prepare(`INSERT INTO user_directory (user_id, ${column}) VALUES (?1, ?2) ON CONFLICT (user_id) DO UPDATE SET ${column} = excluded.${column}`)
		.bind(userId, value);
}

/** Sets one field (and its directory mirror) in one batch, so both change together. */
export async function setProfileField(db: D1Database, userId: string, field: string, value: JsonValue, nowTs: number): Promise<void> {
	const statements = [
		db
			.prepare(
				`INSERT INTO profile_fields (user_id, field, value_json, updated_ts) VALUES (?1, ?2, ?3, ?4)
				ON CONFLICT (user_id, field) DO UPDATE SET value_json = excluded.value_json, updated_ts = excluded.updated_ts`,
			)
			.bind(userId, field, JSON.stringify(value), nowTs),
	];
	const m = mirror(db, userId, field, typeof value === "string" && value !== "" ? value : null);
	if (m !== null) statements.push(m);
	await db.batch(statements);
}

/** Removes one field (and clears its directory mirror). */
export async function deleteProfileField(db: D1Database, userId: string, field: string): Promise<void> {
	const statements = [db.prepare("DELETE FROM profile_fields WHERE user_id = ?1 AND field = ?2").bind(userId, field)];
	const m = mirror(db, userId, field, null);
	if (m !== null) statements.push(m);
	await db.batch(statements);
}
