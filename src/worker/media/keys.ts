// Where media lives in R2 (MEDIA): originals by media ID, thumbnails beside them per size and method.
// Media IDs are whitelisted (protocol/media/media-id.ts) before they reach a key, so no key can escape.

import type { ThumbnailSize } from "../../protocol/media/thumbnail-plan";

export function originalKey(mediaId: string): string {
	return `local/${mediaId}`;
}

export function thumbnailKey(mediaId: string, size: ThumbnailSize): string {
	return `thumbnails/${mediaId}/${size.width}x${size.height}-${size.method}`;
}
