// GET /_matrix/client/versions: the spec versions and unstable features we claim.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientversions

import type { Endpoint } from "../http/endpoint";

/**
 * The Client-Server API versions we implement against. v1.12 is our target (the v1.11 authenticated
 * media endpoints included); the range starts at v1.5 because matrix-js-sdk refuses a server that does
 * not list its MINIMUM_MATRIX_VERSION ("v1.5"), and v1.5–v1.12 only added to what clients use from us.
 * Raise the top only when a later version's changes are implemented and tested.
 */
export const SUPPORTED_SPEC_VERSIONS = ["v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11", "v1.12"] as const;

/** Unstable features (MSCs) we implement. None yet: an entry here is a promise to clients. */
export const UNSTABLE_FEATURES: Readonly<Record<string, boolean>> = {};

export const versionsEndpoints: Endpoint[] = [
	{
		method: "GET",
		path: "/_matrix/client/versions",
		// The spec (v1.10+) allows an optional access token; we answer everyone alike, so none is needed.
		auth: "none",
		rateLimit: null,
		handler: (c) => c.json({ versions: SUPPORTED_SPEC_VERSIONS, unstable_features: UNSTABLE_FEATURES }),
	},
];
