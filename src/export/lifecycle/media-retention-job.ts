// The media-metadata purge that preservation holds stop (LAWFUL_ACCESS.md "Preservation (LP): ... suspends
// purges of that target's metadata (session IPs, media metadata, ...)"). The `media` table keeps, beside each
// R2 object, who uploaded what when (uploader, created/uploaded times, type, name, size, SHA-256). Rows whose
// media no longer exists are kept config `mediaMetadataRetentionDays` (default 28) and then deleted, except
// rows of uploaders a hold names. Media with no bytes today: an asynchronous upload's reservation that expired
// unfilled (POST /media/v1/create, 24 hours). sealbridge deletes no stored media bytes itself, so those are
// the rows this job finds; media whose bytes are stored is never touched.

import { DAY_MS } from "./retention-job";
import { getConfig } from "../../platform/config";
import { PENDING_UPLOAD_TTL_MS } from "../../platform/media-retention";
import { heldUsersSql } from "../../platform/preservation-holds";
import { appendAudit } from "../audit/append";

/** Rows per statement and statements per run: bounded work per hourly run; the rest waits for the next one. */
const BATCH = 500;
const MAX_BATCHES = 200;

export interface MediaPurgeRun {
	/** Metadata rows deleted. */
	deleted: number;
	/** Rows past the retention kept because a preservation hold names their uploader. */
	held: number;
}

const HELD = heldUsersSql("?2");
/** A reservation that expired unfilled, longer ago than the retention (?1 = its latest creation time). */
const EXPIRED = "uploaded_ts IS NULL AND created_ts < ?1";

export async function purgeMediaMetadata(env: Env, now: number): Promise<MediaPurgeRun> {
	const createdBefore = now - PENDING_UPLOAD_TTL_MS - getConfig(env).mediaMetadataRetentionDays * DAY_MS;
	const run: MediaPurgeRun = { deleted: 0, held: 0 };
	for (let i = 0; i < MAX_BATCHES; i++) {
		const r = await env.DB.prepare(`DELETE FROM media WHERE media_id IN (SELECT media_id FROM media WHERE ${EXPIRED} AND uploader NOT IN (${HELD}) LIMIT ?3)`)
			.bind(createdBefore, now, BATCH)
			.run();
		run.deleted += r.meta.changes;
		if (r.meta.changes < BATCH) break;
	}
	const kept = await env.DB.prepare(`SELECT COUNT(DISTINCT uploader) AS users, COUNT(*) AS n FROM media WHERE ${EXPIRED} AND uploader IN (${HELD})`)
		.bind(createdBefore, now)
		.first<{ users: number; n: number }>();
	run.held = kept?.n ?? 0;
	if (run.held > 0) {
		await appendAudit(
			env,
			{ type: "preservation", action: "purge-suspended", orderId: null, orderSha256: null, actor: "system:retention", reason: `media-metadata purge skipped for ${kept?.users ?? 0} held account(s)`, legalProvision: null, issuer: null, result: "ok" },
			now,
		);
	}
	return run;
}
