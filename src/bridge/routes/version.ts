// GET /_matrix/federation/v1/version: our implementation name and version.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1version

import type { Endpoint } from "../../worker/http/endpoint";

/** `version` is package.json's, passed in by the composition root (the only place that reads package.json). */
export function federationVersionEndpoints(version: string): Endpoint[] {
	return [
		{
			method: "GET",
			path: "/_matrix/federation/v1/version",
			// The spec lets anyone ask (no authentication). Our rule is stricter: every /_matrix/federation/*
			// route requires X-Matrix, and router-walk.test.ts checks it, so a federating server can still ask
			// while an anonymous scanner learns nothing.
			auth: "server",
			rateLimit: { perSecond: 1, burst: 10 },
			handler: (c) => c.json({ server: { name: "sealbridge", version } }),
		},
	];
}
