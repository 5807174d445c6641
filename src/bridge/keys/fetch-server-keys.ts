// Fetching a server's own key response from `/_matrix/key/v2/server`, bounded in time and size,
// and verifying it before anything in it is used.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixkeyv2server

import { type ServerVerifyKey, verifyServerKeysResponse } from "../../protocol/federation/server-keys";
import { sendToTarget } from "../client/destination-transport";
import { readLimited } from "../client/read-limited";
import { discoverDestination } from "../discovery/discover-destination";

export interface FetchServerKeysOptions {
	/** KV for the `.well-known` cache. */
	cache: KVNamespace;
	/** FEDERATION_DOH_URL: SRV records and the SSRF guard's address lookups. */
	dohUrl: string;
	allowInsecureLoopback: boolean;
	loopbackScheme?: "http" | "https";
	now: () => number;
	/** Defaults to 10 s: a remote server cannot hold our request handler for long. */
	timeoutMs?: number;
	/** The key request itself (not discovery's lookups); defaults to the global fetch, looked up at call time so tests can stub it. */
	fetcher?: typeof fetch;
}

export type FetchedServerKeys =
	| { ok: true; response: Record<string, unknown>; keys: ServerVerifyKey[]; validUntilTs: number; fetchedTs: number }
	| { ok: false; reason: string };

/** Key responses are a few hundred bytes; anything far larger is not one. */
export const MAX_KEY_RESPONSE_BYTES = 64 * 1024;
export const DEFAULT_KEY_FETCH_TIMEOUT_MS = 10_000;

export async function fetchServerKeys(serverName: string, options: FetchServerKeysOptions): Promise<FetchedServerKeys> {
	// The same discovery as every other federation request: well-known, SRV, the SSRF guard.
	const target = await discoverDestination(serverName, {
		cache: options.cache,
		dohUrl: options.dohUrl,
		allowInsecureLoopback: options.allowInsecureLoopback,
		...(options.loopbackScheme ? { loopbackScheme: options.loopbackScheme } : {}),
		now: options.now,
	});
	if (!target.ok) return { ok: false, reason: target.reason };
	const signal = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_KEY_FETCH_TIMEOUT_MS);
	const isTimeout = (err: unknown) => err instanceof Error && err.name === "TimeoutError";
	let res: Response | undefined;
	for (const baseUrl of target.value.baseUrls) {
		try {
			// A redirect is not followed: it could lead anywhere, including addresses discovery refuses.
			res = await sendToTarget(target.value, baseUrl, "/_matrix/key/v2/server", { method: "GET", headers: { accept: "application/json" }, signal }, options.fetcher ?? globalThis.fetch);
			break;
		} catch (err) {
			if (isTimeout(err)) return { ok: false, reason: "timeout" };
			// A connection failure: the next SRV target (if any) may answer.
		}
	}
	if (res === undefined) return { ok: false, reason: "unreachable" };
	let text: string | undefined;
	try {
		if (res.status !== 200) {
			await res.body?.cancel();
			return { ok: false, reason: `HTTP ${res.status}` };
		}
		text = await readLimited(res, MAX_KEY_RESPONSE_BYTES);
	} catch (err) {
		return { ok: false, reason: isTimeout(err) ? "timeout" : "unreachable" };
	}
	if (text === undefined) return { ok: false, reason: "response too large" };
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		return { ok: false, reason: "not JSON" };
	}
	const fetchedTs = options.now();
	const verified = await verifyServerKeysResponse(json, serverName, fetchedTs);
	if (!verified.ok) return verified;
	// verifyServerKeysResponse accepted it, so it is an object.
	return { ok: true, response: json as Record<string, unknown>, keys: verified.keys, validUntilTs: verified.validUntilTs, fetchedTs };
}
