// D1 queries on `media`: metadata of locally uploaded media (the bytes live in R2 MEDIA).
// uploaded_ts NULL marks an mxc:// URI reserved by POST /media/v1/create whose bytes have not arrived.
// Spec: https://spec.matrix.org/latest/client-server-api/#content-repository

export interface MediaRecord {
	media_id: string;
	uploader: string;
	content_type: string | null;
	upload_name: string | null;
	size_bytes: number | null;
	sha256: string | null;
	created_ts: number;
	uploaded_ts: number | null;
}

/** What an upload records about the bytes. */
export interface UploadMeta {
	content_type: string;
	upload_name: string | null;
	size_bytes: number;
	sha256: string;
}

const COLUMNS = "media_id, uploader, content_type, upload_name, size_bytes, sha256, created_ts, uploaded_ts";

export async function getMedia(db: D1Database, mediaId: string): Promise<MediaRecord | null> {
	return db.prepare(`SELECT ${COLUMNS} FROM media WHERE media_id = ?1`).bind(mediaId).first<MediaRecord>();
}

/** A complete upload (POST /upload): created and uploaded at once. */
export async function insertUploaded(db: D1Database, mediaId: string, uploader: string, meta: UploadMeta, nowTs: number): Promise<void> {
	await db
		.prepare(`INSERT INTO media (${COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)`)
		.bind(mediaId, uploader, meta.content_type, meta.upload_name, meta.size_bytes, meta.sha256, nowTs)
		.run();
}

/** Reserves a media ID for an asynchronous upload (POST /media/v1/create). */
export async function insertPending(db: D1Database, mediaId: string, uploader: string, nowTs: number): Promise<void> {
	await db.prepare("INSERT INTO media (media_id, uploader, created_ts) VALUES (?1, ?2, ?3)").bind(mediaId, uploader, nowTs).run();
}

/** The user's reservations still waiting for bytes and not yet expired (created after `sinceTs`). */
export async function countPending(db: D1Database, uploader: string, sinceTs: number): Promise<number> {
	const row = await db
		.prepare("SELECT COUNT(*) AS n FROM media WHERE uploader = ?1 AND uploaded_ts IS NULL AND created_ts > ?2")
		.bind(uploader, sinceTs)
		.first<{ n: number }>();
	return row?.n ?? 0;
}

/**
 * Claims a reservation for its bytes: succeeds only for the uploader, before expiry, and only once, in a
 * single conditional UPDATE, so two racing PUTs cannot both write.
 */
export async function claimPending(db: D1Database, mediaId: string, uploader: string, createdAfterTs: number, meta: UploadMeta, nowTs: number): Promise<boolean> {
	const result = await db
		.prepare(
			`UPDATE media SET content_type = ?3, upload_name = ?4, size_bytes = ?5, sha256 = ?6, uploaded_ts = ?7
			WHERE media_id = ?1 AND uploader = ?2 AND uploaded_ts IS NULL AND created_ts > ?8`,
		)
		.bind(mediaId, uploader, meta.content_type, meta.upload_name, meta.size_bytes, meta.sha256, nowTs, createdAfterTs)
		.run();
	return result.meta.changes > 0;
}

/** Undoes a claim whose bytes could not be stored, so the client may retry the PUT. */
export async function releaseClaim(db: D1Database, mediaId: string): Promise<void> {
	await db
		.prepare("UPDATE media SET content_type = NULL, upload_name = NULL, size_bytes = NULL, sha256 = NULL, uploaded_ts = NULL WHERE media_id = ?1")
		.bind(mediaId)
		.run();
}

/** Removes metadata whose bytes never reached R2 (a failed POST /upload). */
export async function deleteMedia(db: D1Database, mediaId: string): Promise<void> {
	await db.prepare("DELETE FROM media WHERE media_id = ?1").bind(mediaId).run();
}
