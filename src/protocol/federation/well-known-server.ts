// `/.well-known/matrix/server` delegation: parsing the body and how long a result may be cached.
// Pure: the shell fetches and stores. Spec: https://spec.matrix.org/latest/server-server-api/#getwell-knownmatrixserver
// and https://spec.matrix.org/latest/server-server-api/#resolving-server-names (step 3)

import { type ServerNameParts, parseServerName } from "./server-name";

/** A valid delegation: `<delegated_hostname>[:<delegated_port>]`. */
export type WellKnownResult = { ok: true; delegated: ServerNameParts & { name: string } } | { ok: false; reason: string };

/** The spec's recommended default when the response has no cache headers. */
export const WELL_KNOWN_DEFAULT_TTL_MS = 24 * 3_600_000;
/** "Servers should additionally impose a maximum cache time for responses: 48 hours is recommended." */
export const WELL_KNOWN_MAX_TTL_MS = 48 * 3_600_000;
/** "Errors are recommended to be cached for up to an hour." */
export const WELL_KNOWN_MAX_ERROR_TTL_MS = 3_600_000;
/** The first error is cached this long; repeated failures double it ("exponentially back off"). */
export const WELL_KNOWN_FIRST_ERROR_TTL_MS = 2 * 60_000;

/**
 * Parses a 200 response body. "If the response is invalid (bad JSON, missing properties, non-200
 * response, etc), skip to step 4": every failure is `ok: false`, and the caller moves on to SRV.
 */
export function parseWellKnownServer(body: string): WellKnownResult {
	let json: unknown;
	try {
		json = JSON.parse(body);
	} catch {
		return { ok: false, reason: "not JSON" };
	}
	if (typeof json !== "object" || json === null || Array.isArray(json)) return { ok: false, reason: "not an object" };
	const server: unknown = (json as Record<string, unknown>)["m.server"];
	if (typeof server !== "string") return { ok: false, reason: "m.server missing" };
	const parts = parseServerName(server);
	if (!parts) return { ok: false, reason: "m.server is not a server name" };
	return { ok: true, delegated: { ...parts, name: server } };
}

/**
 * How long a valid response may be cached: "Servers should respect the cache control headers present
 * on the response, or use a sensible default when headers are not present", capped at 48 hours.
 * `no-store` / `no-cache` / `max-age=0` mean 0 (do not cache).
 */
export function wellKnownTtlMs(cacheControl: string | null): number {
	if (cacheControl === null) return WELL_KNOWN_DEFAULT_TTL_MS;
	const directives = cacheControl.split(",").map((d) => d.trim().toLowerCase());
	if (directives.some((d) => d === "no-store" || d === "no-cache")) return 0;
	for (const d of directives) {
		const m = /^max-age\s*=\s*"?(\d+)"?$/.exec(d);
		if (m) return Math.min(Number(m[1]) * 1000, WELL_KNOWN_MAX_TTL_MS);
	}
	// Cache-Control present but without a lifetime (e.g. `public`): the default applies.
	return WELL_KNOWN_DEFAULT_TTL_MS;
}

/** How long the `failures`-th consecutive error (1-based) is cached: doubling, at most an hour. */
export function wellKnownErrorTtlMs(failures: number): number {
	const n = Math.max(1, Math.min(failures, 20));
	return Math.min(WELL_KNOWN_FIRST_ERROR_TTL_MS * 2 ** (n - 1), WELL_KNOWN_MAX_ERROR_TTL_MS);
}
