// The key ring: remote servers' verify keys, found through isolate memo → D1 → the server itself.
// Spec: https://spec.matrix.org/latest/server-server-api/#retrieving-server-keys

import { keyValidUntil, type ServerVerifyKey } from "../../protocol/federation/server-keys";
import { type Config, loopbackScheme } from "../../platform/config";
import { type FetchedServerKeys, fetchServerKeys } from "./fetch-server-keys";
import { type CachedKeyResponse, lastFetchTs, memoKey, memoResponse, rememberFetch, rememberKeys, rememberResponse } from "./key-memo";
import { loadKeyResponse, loadRemoteKey, storeKeyResponse, storeRemoteKeys } from "./remote-key-store";

export interface KeyRingOptions {
	db: D1Database;
	/** KV for discovery's `.well-known` cache. */
	cache: KVNamespace;
	/** From config: FEDERATION_DOH_URL. */
	dohUrl: string;
	/** From config: FEDERATION_INSECURE_LOOPBACK. */
	allowInsecureLoopback: boolean;
	loopbackScheme?: "http" | "https";
	now?: () => number;
	fetcher?: typeof fetch;
	timeoutMs?: number;
}

/**
 * After a fetch (successful or not), the same server is not fetched again for this long.
 * Anyone can make us look up keys (a signed request names its own origin and key ID; the notary
 * takes any server name), so this bounds the outbound traffic one isolate can be made to send.
 */
export const MIN_REFETCH_INTERVAL_MS = 30_000;

export class KeyRing {
	private readonly now: () => number;

	constructor(private readonly options: KeyRingOptions) {
		this.now = options.now ?? (() => Date.now());
	}

	/**
	 * A key of `serverName` that may verify signatures made up to `minimumValidUntilTs`
	 * (for a request: now; for an event in room versions 5+: its `origin_server_ts`).
	 * Undefined when no such key can be found or fetched.
	 */
	async getServerVerifyKey(serverName: string, keyId: string, minimumValidUntilTs: number): Promise<ServerVerifyKey | undefined> {
		const usable = (key: ServerVerifyKey | undefined) => key !== undefined && keyValidUntil(key) >= minimumValidUntilTs;
		const memo = memoKey(serverName, keyId);
		if (usable(memo)) return memo;
		const stored = await loadRemoteKey(this.options.db, serverName, keyId);
		if (stored) rememberKeys([stored]);
		if (usable(stored)) return stored;
		// Not known, or known but stale: ask the server. A stale key may have been re-published
		// with a later valid_until_ts; an old key never becomes valid again, but refetching is cheap.
		const fetched = await this.refresh(serverName);
		if (!fetched.ok) return undefined;
		const fresh = fetched.keys.find((k) => k.keyId === keyId);
		return usable(fresh) ? fresh : undefined;
	}

	/**
	 * The server's own signed key response, for the notary: cached if it satisfies
	 * `minimumValidUntilTs` and names every key in `keyIds`, otherwise fetched again; if the server
	 * cannot be reached, any cached response is still returned, as the spec allows notaries to do.
	 */
	async getServerKeyResponse(serverName: string, minimumValidUntilTs: number, keyIds: string[] = []): Promise<CachedKeyResponse | undefined> {
		const satisfies = (r: CachedKeyResponse | undefined): boolean =>
			r !== undefined && r.validUntilTs >= minimumValidUntilTs && keyIds.every((id) => r.keyIds.includes(id));
		let cached = memoResponse(serverName);
		if (satisfies(cached)) return cached;
		const stored = await loadKeyResponse(this.options.db, serverName);
		if (stored && (!cached || stored.fetchedTs > cached.fetchedTs)) {
			rememberResponse(serverName, stored);
			cached = stored;
		}
		if (satisfies(cached)) return cached;
		const fetched = await this.refresh(serverName);
		if (fetched.ok) return memoResponse(serverName);
		return cached;
	}

	/** Fetches, verifies and stores the server's keys, at most once per MIN_REFETCH_INTERVAL_MS. */
	private async refresh(serverName: string): Promise<FetchedServerKeys> {
		const last = lastFetchTs(serverName);
		if (last !== undefined && this.now() - last < MIN_REFETCH_INTERVAL_MS) return { ok: false, reason: "fetched recently" };
		// Concurrent first lookups may each fetch: promises are not shared across requests in
		// Workers, and a duplicate fetch is harmless.
		const fetched = await fetchServerKeys(serverName, {
			cache: this.options.cache,
			dohUrl: this.options.dohUrl,
			allowInsecureLoopback: this.options.allowInsecureLoopback,
			...(this.options.loopbackScheme ? { loopbackScheme: this.options.loopbackScheme } : {}),
			now: this.now,
			...(this.options.fetcher ? { fetcher: this.options.fetcher } : {}),
			...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
		});
		rememberFetch(serverName, this.now());
		if (!fetched.ok) return fetched;
		await storeRemoteKeys(this.options.db, fetched.keys, fetched.fetchedTs);
		rememberKeys(fetched.keys);
		const response: CachedKeyResponse = {
			response: fetched.response,
			validUntilTs: fetched.validUntilTs,
			fetchedTs: fetched.fetchedTs,
			keyIds: fetched.keys.map((k) => k.keyId),
		};
		await storeKeyResponse(this.options.db, serverName, response);
		rememberResponse(serverName, response);
		return fetched;
	}
}

/** The key ring a request handler uses: D1 and KV from the bindings, discovery's settings from config. */
export function keyRingFor(env: { DB: D1Database; CACHE: KVNamespace }, config: Pick<Config, "federationInsecureLoopback" | "federationCaFile" | "federationDohUrl">): KeyRing {
	return new KeyRing({ db: env.DB, cache: env.CACHE, dohUrl: config.federationDohUrl, allowInsecureLoopback: config.federationInsecureLoopback, loopbackScheme: loopbackScheme(config) });
}
