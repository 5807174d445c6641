// Fetching a server's own key response from `/_matrix/key/v2/server`, bounded in time and size,
// and verifying it before anything in it is used.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixkeyv2server

import { type ServerVerifyKey, verifyServerKeysResponse } from "../../protocol/federation/server-keys";
import { resolveServer } from "../discovery/resolve-server";
import { readLimited } from "../client/read-limited";

export interface FetchServerKeysOptions {
	allowInsecureLoopback: boolean;
	loopbackScheme?: "http" | "https";
	now: () => number;
	/** Defaults to 10 s: a remote server cannot hold our request handler for long. */
	timeoutMs?: number;
	/** Defaults to the global fetch, looked up at call time so tests can stub it. */
	fetcher?: typeof fetch;
}

export type FetchedServerKeys =
	| { ok: true; response: Record<string, unknown>; keys: ServerVerifyKey[]; validUntilTs: number; fetchedTs: number }
	| { ok: false; reason: string };

/** Key responses are a few hundred bytes; anything far larger is not one. */
export const MAX_KEY_RESPONSE_BYTES = 64 * 1024;
export const DEFAULT_KEY_FETCH_TIMEOUT_MS = 10_000;

export async function fetchServerKeys(serverName: string, options: FetchServerKeysOptions): Promise<FetchedServerKeys> {
	const target = resolveServer(serverName, { allowInsecureLoopback: options.allowInsecureLoopback, ...(options.loopbackScheme ? { loopbackScheme: options.loopbackScheme } : {}) });
	if (!target.ok) return { ok: false, reason: target.reason };
	const fetcher = options.fetcher ?? globalThis.fetch;
	let text: string;
	try {
		const res = await fetcher(`${target.baseUrl}/_matrix/key/v2/server`, {
			method: "GET",
			headers: { accept: "application/json" },
			// A redirect could lead anywhere, including addresses resolveServer refuses.
			redirect: "manual",
			signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_KEY_FETCH_TIMEOUT_MS),
		});
		if (res.status !== 200) {
			await res.body?.cancel();
			return { ok: false, reason: `HTTP ${res.status}` };
		}
		const body = await readLimited(res, MAX_KEY_RESPONSE_BYTES);
		if (body === undefined) return { ok: false, reason: "response too large" };
		text = body;
	} catch (err) {
		return { ok: false, reason: err instanceof Error && err.name === "TimeoutError" ? "timeout" : "unreachable" };
	}
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
