// Storing uploads: bytes to R2 (MEDIA), metadata to D1, for POST /upload, POST /media/v1/create and
// PUT /upload/{serverName}/{mediaId}. Metadata never points at bytes that are not stored.
// Spec: https://spec.matrix.org/latest/client-server-api/#post_matrixmediav3upload and
// https://spec.matrix.org/latest/client-server-api/#put_matrixmediav3uploadservernamemediaid

import { MatrixError } from "../../protocol/errors";
import { mediaIdFromRandom } from "../../protocol/media/media-id";
import { claimPending, countPending, deleteMedia, getMedia, insertPending, insertUploaded, releaseClaim, type UploadMeta } from "./media-db";
import { originalKey } from "./keys";

import { PENDING_UPLOAD_TTL_MS } from "../../platform/media-retention";

export { PENDING_UPLOAD_TTL_MS };
/** Pending reservations a user may hold at once (spec: limit them, answering 429 M_LIMIT_EXCEEDED). */
export const MAX_PENDING_UPLOADS = 10;

export interface UploadInput {
	bytes: Uint8Array;
	contentType: string;
	fileName: string | null;
}

export function newMediaId(): string {
	for (;;) {
		const id = mediaIdFromRandom(crypto.getRandomValues(new Uint8Array(48)));
		if (id !== undefined) return id;
	}
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
	return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function metaOf(input: UploadInput): Promise<UploadMeta> {
	return { content_type: input.contentType, upload_name: input.fileName, size_bytes: input.bytes.length, sha256: await sha256Hex(input.bytes) };
}

async function putBytes(bucket: R2Bucket, mediaId: string, bytes: Uint8Array): Promise<void> {
	await bucket.put(originalKey(mediaId), bytes);
}

/** A complete upload: bytes first, then the metadata row that makes them downloadable. Returns the media ID. */
export async function storeUpload(env: Env, uploader: string, input: UploadInput, nowTs: number): Promise<string> {
	const mediaId = newMediaId();
	const meta = await metaOf(input);
	await putBytes(env.MEDIA, mediaId, input.bytes);
	try {
		await insertUploaded(env.DB, mediaId, uploader, meta, nowTs);
	} catch (e) {
		await env.MEDIA.delete(originalKey(mediaId));
		await deleteMedia(env.DB, mediaId);
		throw e;
	}
	return mediaId;
}

/** Reserves an mxc:// URI for a later PUT; at most MAX_PENDING_UPLOADS unexpired reservations per user. */
export async function reserveUpload(env: Env, uploader: string, nowTs: number): Promise<{ mediaId: string; expiresTs: number }> {
	if ((await countPending(env.DB, uploader, nowTs - PENDING_UPLOAD_TTL_MS)) >= MAX_PENDING_UPLOADS) {
		throw new MatrixError("M_LIMIT_EXCEEDED", "Too many pending media uploads", { extra: { retry_after_ms: 60_000 } });
	}
	const mediaId = newMediaId();
	await insertPending(env.DB, mediaId, uploader, nowTs);
	return { mediaId, expiresTs: nowTs + PENDING_UPLOAD_TTL_MS };
}

/**
 * Fills a reservation. Errors per spec: unknown or expired ID → 404 M_NOT_FOUND, another user's ID →
 * 403 M_FORBIDDEN, already uploaded → 409 M_CANNOT_OVERWRITE_MEDIA. The claim is one conditional UPDATE;
 * if the bytes then fail to store, the claim is released so the client can retry.
 */
export async function fillReservation(env: Env, uploader: string, mediaId: string, input: UploadInput, nowTs: number): Promise<void> {
	const createdAfter = nowTs - PENDING_UPLOAD_TTL_MS;
	const record = await getMedia(env.DB, mediaId);
	if (record === null) throw new MatrixError("M_NOT_FOUND", "Unknown media ID");
	if (record.uploader !== uploader) throw new MatrixError("M_FORBIDDEN", "This media ID was created by another user");
	if (record.uploaded_ts !== null) throw new MatrixError("M_CANNOT_OVERWRITE_MEDIA", "Media already uploaded");
	if (record.created_ts <= createdAfter) throw new MatrixError("M_NOT_FOUND", "This media ID has expired");
	if (!(await claimPending(env.DB, mediaId, uploader, createdAfter, await metaOf(input), nowTs))) {
		// Lost a race with a concurrent PUT of the same ID.
		throw new MatrixError("M_CANNOT_OVERWRITE_MEDIA", "Media already uploaded");
	}
	try {
		await putBytes(env.MEDIA, mediaId, input.bytes);
	} catch (e) {
		await releaseClaim(env.DB, mediaId);
		throw e;
	}
}
