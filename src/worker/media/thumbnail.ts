// Serving a thumbnail of local media: limits first (413 M_TOO_LARGE before decoding a huge image), then
// the plan (original when not larger than asked), then a cached or freshly rendered image from R2.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1mediathumbnailservernamemediaid

import { MatrixError } from "../../protocol/errors";
import { readImageSize } from "../../protocol/media/image-size";
import { planThumbnail, thumbnailContentType, type ThumbnailSize } from "../../protocol/media/thumbnail-plan";
import type { FoundMedia } from "./find-media";
import { thumbnailKey } from "./keys";
import { renderThumbnail } from "./render-thumbnail";
import { mediaResponse } from "./serve";

/** Originals larger than this are not thumbnailed (spec: "should not attempt to generate thumbnails for images that are too large"). */
export const MAX_THUMBNAIL_SOURCE_BYTES = 20 * 1024 * 1024;
/** Decoded RGBA costs 4 bytes a pixel; 4096² is 64 MiB, half an isolate's memory. */
export const MAX_THUMBNAIL_SOURCE_PIXELS = 4096 * 4096;

function tooLarge(): MatrixError {
	return new MatrixError("M_TOO_LARGE", "The content is too large to thumbnail");
}

export async function thumbnailResponse(env: Env, found: FoundMedia, requested: ThumbnailSize): Promise<Response> {
	const { record, object } = found;
	if (object.size > MAX_THUMBNAIL_SOURCE_BYTES) {
		await object.body.cancel();
		throw tooLarge();
	}
	const bytes = new Uint8Array(await object.arrayBuffer());
	const size = readImageSize(bytes);
	if (size === undefined) throw new MatrixError("M_UNKNOWN", "Cannot generate thumbnails for the requested content");
	if (size.width * size.height > MAX_THUMBNAIL_SOURCE_PIXELS) throw tooLarge();

	const plan = planThumbnail(size.width, size.height, requested);
	// "When the content is smaller than the requested dimensions, servers should return the original content."
	// The type is the sniffed format's, not the uploader's claim: these bytes are known to be that image.
	if (plan.kind === "original" || size.width === 0 || size.height === 0) return mediaResponse(bytes, `image/${size.format}`, null, bytes.length);

	const contentType = thumbnailContentType(size.format);
	const fileName = contentType === "image/png" ? "thumbnail.png" : "thumbnail.jpg";
	const key = thumbnailKey(record.media_id, plan.target);
	const cached = await env.MEDIA.get(key);
	if (cached !== null) return mediaResponse(cached.body, contentType, fileName, cached.size);

	let thumbnail: Uint8Array;
	try {
		thumbnail = renderThumbnail(bytes, plan, contentType);
	} catch {
		// A header that parses but pixel data the decoder rejects (truncated or corrupt files).
		throw new MatrixError("M_UNKNOWN", "Cannot generate thumbnails for the requested content");
	}
	await env.MEDIA.put(key, thumbnail, { httpMetadata: { contentType } });
	return mediaResponse(thumbnail, contentType, fileName, thumbnail.length);
}
