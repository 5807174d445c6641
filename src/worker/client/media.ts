// The content repository's routes: upload (direct and asynchronous via create), the media config, URL previews, and
// download/thumbnail, both authenticated (/_matrix/client/v1/media) and the deprecated unauthenticated
// /_matrix/media/v3 ones, which serve only media from before the freeze (protocol/media/freeze.ts).
// Spec: https://spec.matrix.org/latest/client-server-api/#content-repository

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import { normaliseContentType } from "../../protocol/media/content-disposition";
import { servedUnauthenticated } from "../../protocol/media/freeze";
import { mxcUri, parseMediaLocation } from "../../protocol/media/media-id";
import { parseThumbnailQuery } from "../../protocol/media/thumbnail-request";
import { readBodyBytes } from "../http/body";
import type { AppEnv } from "../http/context";
import type { Endpoint, RateLimit } from "../http/endpoint";
import { findLocalMedia, type FoundMedia, parseTimeoutMs } from "../media/find-media";
import type { MediaRecord } from "../media/media-db";
import { mediaResponse } from "../media/serve";
import { thumbnailResponse } from "../media/thumbnail";
import { fillReservation, reserveUpload, storeUpload, type UploadInput } from "../media/upload";
import { previewTarget, previewUrl } from "../media/url-preview";

const UPLOAD_LIMIT: RateLimit = { perSecond: 2, burst: 20 };
/** A timeline full of images asks for many thumbnails at once. */
const DOWNLOAD_LIMIT: RateLimit = { perSecond: 50, burst: 200 };
const CONFIG_LIMIT: RateLimit = { perSecond: 5, burst: 20 };
/** Each preview may fetch a page and an image from the internet on our behalf. */
const PREVIEW_LIMIT: RateLimit = { perSecond: 1, burst: 10 };
/** Upload names are echoed in Content-Disposition; longer ones are refused rather than cut. */
const MAX_FILE_NAME_LENGTH = 255;

async function uploadInput(c: Context<AppEnv>): Promise<UploadInput> {
	const fileName = c.req.query("filename") ?? null;
	if (fileName !== null && fileName.length > MAX_FILE_NAME_LENGTH) throw new MatrixError("M_INVALID_PARAM", "filename is too long");
	// Over the limit → 413 M_TOO_LARGE, by Content-Length before reading or while streaming.
	const bytes = await readBodyBytes(c.req, c.get("config").maxUploadBytes);
	return { bytes, contentType: normaliseContentType(c.req.header("Content-Type")), fileName };
}

/** The path's server name and media ID, whitelisted; only our own media is served (remote media comes with federation). */
function localMediaId(c: Context<AppEnv>): string {
	const location = parseMediaLocation(c.req.param("serverName") ?? "", c.req.param("mediaId") ?? "");
	if (location === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid server name or media ID");
	if (location.serverName !== c.get("config").serverName) throw new MatrixError("M_NOT_FOUND", "Media not found");
	return location.mediaId;
}

async function find(c: Context<AppEnv>, legacy: boolean): Promise<FoundMedia> {
	const mediaId = localMediaId(c);
	// Legacy endpoints: media uploaded at or after the freeze (or not uploaded yet) is 404 there.
	const accept = legacy ? (r: MediaRecord) => r.uploaded_ts !== null && servedUnauthenticated(r.uploaded_ts) : undefined;
	return findLocalMedia(c.env, mediaId, parseTimeoutMs(c.req.query("timeout_ms")), accept);
}

function download(legacy: boolean) {
	return async (c: Context<AppEnv>): Promise<Response> => {
		const { record, object } = await find(c, legacy);
		// A name in the path wins ("A filename to give in the Content-Disposition header"), else the upload's.
		const fileName = c.req.param("fileName") ?? record.upload_name;
		return mediaResponse(object.body, record.content_type, fileName, object.size);
	};
}

function thumbnail(legacy: boolean) {
	return async (c: Context<AppEnv>): Promise<Response> => {
		const requested = parseThumbnailQuery(c.req.query());
		return thumbnailResponse(c.env, await find(c, legacy), requested);
	};
}

function config(c: Context<AppEnv>): Response {
	return c.json({ "m.upload.size": c.get("config").maxUploadBytes });
}

/** GET preview_url (authenticated, and the deprecated media paths). Spec: #get_matrixclientv1mediapreview_url */
async function preview(c: Context<AppEnv>): Promise<Response> {
	const config = c.get("config");
	if (!config.urlPreviews) throw new MatrixError("M_UNRECOGNIZED", "URL previews are turned off on this server", { status: 404 });
	const target = previewTarget(c.req.query("url"));
	return c.json(await previewUrl(c.env, config, target, c.get("user"), Date.now()));
}

const AUTHED = "/_matrix/client/v1/media";
const LEGACY = "/_matrix/media/v3";

/** Upload and the deprecated media paths; old clients (matrix-nio) still use the r0 prefix for them. */
function mediaPaths(prefix: string): Endpoint[] {
	return [
		{
			method: "POST",
			path: `${prefix}/upload`,
			auth: "user",
			rateLimit: UPLOAD_LIMIT,
			handler: async (c) => {
				const mediaId = await storeUpload(c.env, c.get("user"), await uploadInput(c), Date.now());
				return c.json({ content_uri: mxcUri(c.get("config").serverName, mediaId) });
			},
		},
		{ method: "GET", path: `${prefix}/config`, auth: "user", rateLimit: CONFIG_LIMIT, handler: config },
		{ method: "GET", path: `${prefix}/preview_url`, auth: "user", rateLimit: PREVIEW_LIMIT, handler: preview },
		{ method: "GET", path: `${prefix}/download/:serverName/:mediaId`, auth: "none", rateLimit: DOWNLOAD_LIMIT, handler: download(true) },
		{ method: "GET", path: `${prefix}/download/:serverName/:mediaId/:fileName`, auth: "none", rateLimit: DOWNLOAD_LIMIT, handler: download(true) },
		{ method: "GET", path: `${prefix}/thumbnail/:serverName/:mediaId`, auth: "none", rateLimit: DOWNLOAD_LIMIT, handler: thumbnail(true) },
	];
}

export const mediaEndpoints: Endpoint[] = [
	...mediaPaths(LEGACY),
	...mediaPaths("/_matrix/media/r0"),
	{
		method: "PUT",
		path: `${LEGACY}/upload/:serverName/:mediaId`,
		auth: "user",
		rateLimit: UPLOAD_LIMIT,
		handler: async (c) => {
			const mediaId = localMediaId(c);
			await fillReservation(c.env, c.get("user"), mediaId, await uploadInput(c), Date.now());
			return c.json({});
		},
	},
	{
		method: "POST",
		path: "/_matrix/media/v1/create",
		auth: "user",
		rateLimit: UPLOAD_LIMIT,
		handler: async (c) => {
			const { mediaId, expiresTs } = await reserveUpload(c.env, c.get("user"), Date.now());
			return c.json({ content_uri: mxcUri(c.get("config").serverName, mediaId), unused_expires_at: expiresTs });
		},
	},
	{ method: "GET", path: `${AUTHED}/config`, auth: "user", rateLimit: CONFIG_LIMIT, handler: config },
	{ method: "GET", path: `${AUTHED}/preview_url`, auth: "user", rateLimit: PREVIEW_LIMIT, handler: preview },
	{ method: "GET", path: `${AUTHED}/download/:serverName/:mediaId`, auth: "user", rateLimit: DOWNLOAD_LIMIT, handler: download(false) },
	{ method: "GET", path: `${AUTHED}/download/:serverName/:mediaId/:fileName`, auth: "user", rateLimit: DOWNLOAD_LIMIT, handler: download(false) },
	{ method: "GET", path: `${AUTHED}/thumbnail/:serverName/:mediaId`, auth: "user", rateLimit: DOWNLOAD_LIMIT, handler: thumbnail(false) },
];
