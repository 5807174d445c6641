// Authenticated federation media: GET /_matrix/federation/v1/media/download/{mediaId} and
// /thumbnail/{mediaId}, for remote servers fetching our users' media. The same lookup (with timeout_ms
// for asynchronous uploads), R2 bytes and WASM thumbnails as the client API's media routes, answered as
// multipart/mixed (media/multipart.ts).
// Spec: https://spec.matrix.org/latest/server-server-api/#content-repository

import type { Context } from "hono";
import { MatrixError } from "../../protocol/errors";
import { parseMediaLocation } from "../../protocol/media/media-id";
import { parseThumbnailQuery } from "../../protocol/media/thumbnail-request";
import type { AppEnv } from "../http/context";
import type { Endpoint, RateLimit } from "../http/endpoint";
import { findLocalMedia, type FoundMedia, parseTimeoutMs } from "../media/find-media";
import { multipartMedia } from "../media/multipart";
import { mediaResponse } from "../media/serve";
import { thumbnailResponse } from "../media/thumbnail";

/** A remote server fetches on behalf of many users at once. */
const FEDERATION_MEDIA_LIMIT: RateLimit = { perSecond: 50, burst: 200 };

/** Only our own media: the path's media ID is one of ours (the server name is implied). */
function find(c: Context<AppEnv>): Promise<FoundMedia> {
	const location = parseMediaLocation(c.get("config").serverName, c.req.param("mediaId") ?? "");
	if (location === undefined) throw new MatrixError("M_INVALID_PARAM", "Invalid media ID");
	return findLocalMedia(c.env, location.mediaId, parseTimeoutMs(c.req.query("timeout_ms")));
}

export const federationMediaEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/federation/v1/media/download/:mediaId",
		auth: "server",
		rateLimit: FEDERATION_MEDIA_LIMIT,
		handler: async (c) => {
			const { record, object } = await find(c);
			return multipartMedia(mediaResponse(object.body, record.content_type, record.upload_name, object.size));
		},
	},
	{
		method: "GET",
		path: "/_matrix/federation/v1/media/thumbnail/:mediaId",
		auth: "server",
		rateLimit: FEDERATION_MEDIA_LIMIT,
		handler: async (c) => {
			const requested = parseThumbnailQuery(c.req.query());
			return multipartMedia(await thumbnailResponse(c.env, await find(c), requested));
		},
	},
];
