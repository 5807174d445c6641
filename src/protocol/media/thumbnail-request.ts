// The query of a thumbnail request: width and height (required), method and animated.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1mediathumbnailservernamemediaid

import { MatrixError } from "../errors";
import { MAX_THUMBNAIL_DIMENSION, type ThumbnailMethod, type ThumbnailSize } from "./thumbnail-plan";

export interface ThumbnailQuery {
	width?: string;
	height?: string;
	method?: string;
	animated?: string;
}

function dimension(name: string, value: string | undefined): number {
	if (value === undefined) throw new MatrixError("M_MISSING_PARAM", `Missing ${name}`);
	if (!/^\d+$/.test(value) || Number(value) < 1) throw new MatrixError("M_INVALID_PARAM", `${name} must be a positive integer`);
	// Larger requests can only be answered with the original or the largest size we make anyway.
	return Math.min(Number(value), MAX_THUMBNAIL_DIMENSION);
}

/**
 * The requested size and method (default `scale`). `animated` is validated but only ever answered as
 * false: the spec lets a server that cannot animate "behave as though animated is false".
 */
export function parseThumbnailQuery(q: ThumbnailQuery): ThumbnailSize {
	const width = dimension("width", q.width);
	const height = dimension("height", q.height);
	const method: ThumbnailMethod | undefined = q.method === undefined || q.method === "scale" ? "scale" : q.method === "crop" ? "crop" : undefined;
	if (method === undefined) throw new MatrixError("M_INVALID_PARAM", "method must be crop or scale");
	if (q.animated !== undefined && q.animated !== "true" && q.animated !== "false") {
		throw new MatrixError("M_INVALID_PARAM", "animated must be true or false");
	}
	return { width, height, method };
}
