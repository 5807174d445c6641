// The Content-Type and Content-Disposition of served media: `inline` only for the types the spec calls
// safe, `attachment` for everything else, and the uploaded file name carried over exactly.
// Spec: https://spec.matrix.org/latest/client-server-api/#serving-inline-content and
// https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1mediadownloadservernamemediaid

/** The spec's list of types that are safe to serve inline. */
export const INLINE_SAFE_TYPES: ReadonlySet<string> = new Set([
	"text/css",
	"text/plain",
	"text/csv",
	"application/json",
	"application/ld+json",
	"image/jpeg",
	"image/gif",
	"image/png",
	"image/apng",
	"image/webp",
	"image/avif",
	"video/mp4",
	"video/webm",
	"video/ogg",
	"video/quicktime",
	"audio/mp4",
	"audio/webm",
	"audio/aac",
	"audio/mpeg",
	"audio/ogg",
	"audio/wave",
	"audio/wav",
	"audio/x-wav",
	"audio/x-pn-wav",
	"audio/flac",
	"audio/x-flac",
]);

export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** "Content-Security-Policy ... The recommended policy". */
export const MEDIA_CSP =
	"sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; object-src 'self';";

/** The bare media type (`image/png` of `image/png; charset=x`), lower-cased. */
export function essenceOf(contentType: string): string {
	return contentType.split(";")[0]!.trim().toLowerCase();
}

/** A Content-Type we store: a plausible `type/subtype[; params]` without control characters, else the default. */
export function normaliseContentType(header: string | undefined): string {
	if (header === undefined) return DEFAULT_CONTENT_TYPE;
	const value = header.trim();
	if (value.length > 255 || /[\u0000-\u001f\u007f]/.test(value)) return DEFAULT_CONTENT_TYPE;
	return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;.*)?$/.test(value) ? value : DEFAULT_CONTENT_TYPE;
}

/** `inline` for the spec's safe types, `attachment` otherwise. */
export function dispositionType(contentType: string): "inline" | "attachment" {
	return INLINE_SAFE_TYPES.has(essenceOf(contentType)) ? "inline" : "attachment";
}

/** RFC 5987 value-chars: what may stand unescaped in `filename*=utf-8''...`. */
function encodeRfc5987(s: string): string {
	return encodeURIComponent(s).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The full header. A printable-ASCII name without quotes or backslashes goes into `filename="..."`;
 * anything else into RFC 6266's `filename*=utf-8''...` so the name survives exactly.
 */
export function contentDisposition(contentType: string, fileName: string | null): string {
	const type = dispositionType(contentType);
	if (fileName === null || fileName === "") return type;
	if (/^[\u0020-\u007e]+$/.test(fileName) && !/["\\]/.test(fileName)) return `${type}; filename="${fileName}"`;
	return `${type}; filename*=utf-8''${encodeRfc5987(fileName)}`;
}
