// Finding local media to serve, waiting (up to the client's timeout_ms) for an asynchronous upload.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1mediadownloadservernamemediaid
// (timeout_ms; 504 M_NOT_YET_UPLOADED) and #post_matrixmediav1create (expired IDs are gone).

import { MatrixError } from "../../protocol/errors";
import { getMedia, type MediaRecord } from "./media-db";
import { originalKey } from "./keys";
import { PENDING_UPLOAD_TTL_MS } from "./upload";

/** "The default value is 20000 (20 seconds). The content repository SHOULD impose a maximum value." */
export const DEFAULT_TIMEOUT_MS = 20_000;
export const MAX_TIMEOUT_MS = 60_000;
const POLL_MS = 200;

export interface FoundMedia {
	record: MediaRecord & { uploaded_ts: number };
	object: R2ObjectBody;
}

/** `timeout_ms` as given: a non-negative integer, capped at MAX_TIMEOUT_MS. */
export function parseTimeoutMs(value: string | undefined): number {
	if (value === undefined) return DEFAULT_TIMEOUT_MS;
	if (!/^\d+$/.test(value)) throw new MatrixError("M_INVALID_PARAM", "timeout_ms must be a non-negative integer");
	return Math.min(Number(value), MAX_TIMEOUT_MS);
}

function notFound(): MatrixError {
	return new MatrixError("M_NOT_FOUND", "Media not found");
}

/**
 * The media's metadata and bytes. Unknown or expired → 404 M_NOT_FOUND; still waiting for its bytes when
 * the timeout ends → 504 M_NOT_YET_UPLOADED. `accept` may refuse a record (the legacy freeze) with 404.
 */
export async function findLocalMedia(env: Env, mediaId: string, timeoutMs: number, accept: (r: MediaRecord) => boolean = () => true): Promise<FoundMedia> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const record = await getMedia(env.DB, mediaId);
		if (record === null || !accept(record)) throw notFound();
		if (record.uploaded_ts === null && record.created_ts <= Date.now() - PENDING_UPLOAD_TTL_MS) throw notFound();
		if (record.uploaded_ts !== null) {
			// A claimed reservation may be a moment ahead of its bytes (upload.ts stores them after the claim).
			const object = await env.MEDIA.get(originalKey(mediaId));
			if (object !== null) return { record: { ...record, uploaded_ts: record.uploaded_ts }, object };
		}
		if (Date.now() + POLL_MS > deadline) throw new MatrixError("M_NOT_YET_UPLOADED", "Content has not yet been uploaded");
		await new Promise((resolve) => setTimeout(resolve, POLL_MS));
	}
}
