// Deciding what thumbnail to make: which size (the spec's standard sizes first), how to resize and crop,
// and when to return the original instead (never upscale).
// Spec: https://spec.matrix.org/latest/client-server-api/#thumbnails

export type ThumbnailMethod = "crop" | "scale";

export interface ThumbnailSize {
	width: number;
	height: number;
	method: ThumbnailMethod;
}

/** "Servers SHOULD produce thumbnails with the following dimensions and methods". */
export const STANDARD_THUMBNAIL_SIZES: readonly ThumbnailSize[] = [
	{ width: 32, height: 32, method: "crop" },
	{ width: 96, height: 96, method: "crop" },
	{ width: 320, height: 240, method: "scale" },
	{ width: 640, height: 480, method: "scale" },
	{ width: 800, height: 600, method: "scale" },
];

/** Largest width or height a client may ask for; larger requests are answered from this bound. */
export const MAX_THUMBNAIL_DIMENSION = 4096;

export type ThumbnailPlan =
	/** The content is not larger than what was asked: serve it as it is. */
	| { kind: "original" }
	/** Resize to (width, height), then keep the crop rectangle (the whole image for scale). */
	| { kind: "resize"; width: number; height: number; crop: { x: number; y: number; width: number; height: number }; target: ThumbnailSize };

/**
 * The target size for a request: the smallest standard size of the same method that is at least as
 * large as requested, or the requested size itself when no standard size is large enough (so the server
 * never returns less than asked for while the original allows more).
 */
export function chooseThumbnailSize(requested: ThumbnailSize): ThumbnailSize {
	const fits = STANDARD_THUMBNAIL_SIZES.filter(
		(s) => s.method === requested.method && s.width >= requested.width && s.height >= requested.height,
	).sort((a, b) => a.width * a.height - b.width * b.height);
	return fits[0] ?? requested;
}

/**
 * How to make the thumbnail of a `width`×`height` image.
 * - scale: the largest size with the original's aspect ratio that fits the target box; if the original
 *   already fits, the original.
 * - crop: scale so the image covers the target box, then cut the centred box; if the original is smaller
 *   than the box in either direction it cannot be cropped to it without upscaling, so the original.
 */
export function planThumbnail(width: number, height: number, requested: ThumbnailSize): ThumbnailPlan {
	const target = chooseThumbnailSize(requested);
	if (target.method === "scale") {
		if (width <= target.width && height <= target.height) return { kind: "original" };
		const factor = Math.min(target.width / width, target.height / height);
		const w = Math.max(1, Math.round(width * factor));
		const h = Math.max(1, Math.round(height * factor));
		return { kind: "resize", width: w, height: h, crop: { x: 0, y: 0, width: w, height: h }, target };
	}
	if (width < target.width || height < target.height) return { kind: "original" };
	if (width === target.width && height === target.height) return { kind: "original" };
	const factor = Math.max(target.width / width, target.height / height);
	const w = Math.max(target.width, Math.ceil(width * factor));
	const h = Math.max(target.height, Math.ceil(height * factor));
	const crop = { x: Math.floor((w - target.width) / 2), y: Math.floor((h - target.height) / 2), width: target.width, height: target.height };
	return { kind: "resize", width: w, height: h, crop, target };
}

/** PNG keeps transparency (PNG, GIF, WebP sources); photographs (JPEG) stay JPEG. */
export function thumbnailContentType(sourceFormat: "png" | "gif" | "jpeg" | "webp"): "image/png" | "image/jpeg" {
	return sourceFormat === "jpeg" ? "image/jpeg" : "image/png";
}
