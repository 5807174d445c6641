// Fetching `https://<hostname>/.well-known/matrix/server` with the spec's caching rules, in KV `CACHE`
// (stale-tolerant data only, per ARCHITECTURE.md). Spec: https://spec.matrix.org/latest/server-server-api/#resolving-server-names (step 3)

import {
	parseWellKnownServer,
	type WellKnownResult,
	wellKnownErrorTtlMs,
	wellKnownTtlMs,
} from "../../protocol/federation/well-known-server";
import { readLimited } from "../client/read-limited";

export interface WellKnownOptions {
	cache: KVNamespace;
	now: () => number;
	/** Whether a redirect hop's host may be contacted (the SSRF guard). */
	isAllowedHost: (host: string) => Promise<boolean>;
	fetcher?: typeof fetch;
	timeoutMs?: number;
}

/** What KV holds per hostname: the delegation or the error, with our own expiry (KV's TTL floor is 60 s). */
type CacheEntry = { server: string; expires_ts: number } | { error: string; failures: number; expires_ts: number };

const MAX_BODY_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;
/** "30x redirects should be followed, however redirection loops should be avoided." */
const MAX_REDIRECTS = 5;
/** KV refuses expirationTtl below 60 seconds. */
const KV_MIN_TTL_S = 60;

export const wellKnownCacheKey = (hostname: string) => `fed:well-known:${hostname.toLowerCase()}`;

/** The delegation for `hostname`, from the cache while fresh, else fetched and cached (errors too). */
export async function fetchWellKnown(hostname: string, options: WellKnownOptions): Promise<WellKnownResult> {
	const key = wellKnownCacheKey(hostname);
	const cached = await options.cache.get<CacheEntry>(key, "json");
	const now = options.now();
	if (cached && cached.expires_ts > now) {
		return "server" in cached ? parseWellKnownServer(JSON.stringify({ "m.server": cached.server })) : { ok: false, reason: cached.error };
	}
	const fetched = await fetchOnce(hostname, options);
	let entry: CacheEntry | undefined;
	if (fetched.result.ok) {
		const ttl = wellKnownTtlMs(fetched.cacheControl);
		if (ttl > 0) entry = { server: fetched.result.delegated.name, expires_ts: now + ttl };
	} else {
		// "Errors are recommended to be cached for up to an hour, and servers are encouraged to
		// exponentially back off for repeated failures": the failure count survives in the entry.
		const failures = (cached && "error" in cached ? cached.failures : 0) + 1;
		entry = { error: fetched.result.reason, failures, expires_ts: now + wellKnownErrorTtlMs(failures) };
	}
	if (entry) {
		// KV keeps an error entry longer than its expiry so the next failure can double the wait.
		const keepMs = "error" in entry ? 2 * 3_600_000 : entry.expires_ts - now;
		await options.cache.put(key, JSON.stringify(entry), { expirationTtl: Math.max(KV_MIN_TTL_S, Math.ceil(keepMs / 1000)) });
	}
	return fetched.result;
}

async function fetchOnce(hostname: string, options: WellKnownOptions): Promise<{ result: WellKnownResult; cacheControl: string | null }> {
	let url = new URL(`https://${hostname}/.well-known/matrix/server`);
	const seen = new Set<string>();
	const fetcher = options.fetcher ?? globalThis.fetch;
	const signal = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
	try {
		for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
			seen.add(url.toString());
			const res = await fetcher(url.toString(), { headers: { accept: "application/json" }, redirect: "manual", signal });
			if (res.status >= 300 && res.status < 400) {
				await res.body?.cancel();
				const location = res.headers.get("location");
				if (location === null) return fail("redirect without Location");
				const next = new URL(location, url);
				// Each hop is checked like the first: https only, never an internal address, never a loop.
				if (next.protocol !== "https:" || seen.has(next.toString()) || !(await options.isAllowedHost(next.host))) return fail("redirect refused");
				url = next;
				continue;
			}
			if (res.status !== 200) {
				await res.body?.cancel();
				return fail(`HTTP ${res.status}`);
			}
			const text = await readLimited(res, MAX_BODY_BYTES);
			if (text === undefined) return fail("too large");
			return { result: parseWellKnownServer(text), cacheControl: res.headers.get("cache-control") };
		}
		return fail("too many redirects");
	} catch {
		return fail("unreachable");
	}
}

function fail(reason: string): { result: WellKnownResult; cacheControl: null } {
	return { result: { ok: false, reason }, cacheControl: null };
}
