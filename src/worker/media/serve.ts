// The response headers of served media: type, disposition (inline only for safe types), the spec's
// Content-Security-Policy sandbox and cross-origin resource policy.
// Spec: https://spec.matrix.org/latest/client-server-api/#content-repository

import { contentDisposition, DEFAULT_CONTENT_TYPE, MEDIA_CSP } from "../../protocol/media/content-disposition";

/** Media under an mxc:// URI never changes, so caches may keep it; `private` because the endpoints need a token. */
const CACHE_CONTROL = "private, max-age=31536000, immutable";

export function mediaResponse(body: ReadableStream | Uint8Array, contentType: string | null, fileName: string | null, size: number): Response {
	const type = contentType ?? DEFAULT_CONTENT_TYPE;
	return new Response(body, {
		status: 200,
		headers: {
			"Content-Type": type,
			"Content-Disposition": contentDisposition(type, fileName),
			"Content-Length": String(size),
			"Content-Security-Policy": MEDIA_CSP,
			"Cross-Origin-Resource-Policy": "cross-origin",
			"X-Content-Type-Options": "nosniff",
			"Cache-Control": CACHE_CONTROL,
		},
	});
}
