// The isolate-wide memo in front of D1 for remote server keys: verified keys, the raw self-signed
// responses the notary relays, and when each server was last fetched (to bound refetches).
// Spec: https://spec.matrix.org/latest/server-server-api/#retrieving-server-keys

import type { ServerVerifyKey } from "../../protocol/federation/server-keys";

/** A verified `/_matrix/key/v2/server` response exactly as the server signed it. */
export interface CachedKeyResponse {
	response: Record<string, unknown>;
	/** Capped at 7 days after `fetchedTs`. */
	validUntilTs: number;
	fetchedTs: number;
	keyIds: string[];
}

/** Beyond this many servers the oldest entries go: the memo is a cache, D1 holds the truth. */
const MAX_SERVERS = 1024;

const keys = new Map<string, Map<string, ServerVerifyKey>>();
const responses = new Map<string, CachedKeyResponse>();
const lastFetch = new Map<string, number>();

function bounded<V>(map: Map<string, V>, key: string, value: V): void {
	map.delete(key); // re-insert at the end, so insertion order approximates recency
	map.set(key, value);
	if (map.size > MAX_SERVERS) {
		const oldest = map.keys().next();
		if (!oldest.done) map.delete(oldest.value);
	}
}

export function memoKey(serverName: string, keyId: string): ServerVerifyKey | undefined {
	return keys.get(serverName)?.get(keyId);
}

export function rememberKeys(list: ServerVerifyKey[]): void {
	for (const key of list) {
		const own = keys.get(key.serverName) ?? new Map<string, ServerVerifyKey>();
		own.set(key.keyId, key);
		bounded(keys, key.serverName, own);
	}
}

export function memoResponse(serverName: string): CachedKeyResponse | undefined {
	return responses.get(serverName);
}

export function rememberResponse(serverName: string, cached: CachedKeyResponse): void {
	bounded(responses, serverName, cached);
}

export function lastFetchTs(serverName: string): number | undefined {
	return lastFetch.get(serverName);
}

export function rememberFetch(serverName: string, ts: number): void {
	bounded(lastFetch, serverName, ts);
}

/** For tests: forget everything this isolate learnt. */
export function clearKeyMemo(): void {
	keys.clear();
	responses.clear();
	lastFetch.clear();
}
