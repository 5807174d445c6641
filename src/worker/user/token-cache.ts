// Access-token checks remembered by the isolate for TOKEN_CACHE_MS, so a client's burst of requests asks its
// UserDO once. Each check is a Durable Object call: on workerd's one thread about 0.5-0.8 ms of every
// authenticated request (GET /account/whoami ran at 74% of hello-world's rate with it on every request).
//
// Only token hashes are kept, in memory as in storage. An entry also holds the IP and user agent it was
// checked with: a request from a new address or client is a miss, so the UserDO still records every session
// (its own writes are throttled to one a minute, far longer than an entry lives).
//
// Revocation: every statement that deletes an access token (user/store.ts, user/account/account-store.ts)
// calls forgetCachedTokens, which empties this isolate's cache and starts a new generation; a check that
// was in flight across the delete (answered before it, arriving after) is then not remembered. Locally one
// isolate runs the worker and every object, so a logout, a device deletion or a password change holds at
// once. On Cloudflare, an isolate that did not run the delete may honour the token for at most
// TOKEN_CACHE_MS more: the bound the account-status cache (http/account-status.ts) already puts on locks.
// TOKEN_CACHE_MS=0 asks the UserDO on every request.

import { MemoryLru } from "../../platform/memory-lru";
import type { DeviceId } from "../../protocol/ids/device-id";
import type { UserId } from "../../protocol/ids/user-id";

export interface CachedDevice {
	user_id: UserId;
	device_id: DeviceId;
}

interface Entry {
	device: CachedDevice;
	ip: string;
	userAgent: string;
	until: number;
}

/** Beyond this many tokens the least recently checked go, so many clients cannot grow memory without bound. */
const MAX_ENTRIES = 10_000;

export class TokenCache {
	/** Every entry weighs 1, so the bound is a count. */
	private readonly entries: MemoryLru<Entry>;
	private gen = 0;

	constructor(maxEntries = MAX_ENTRIES) {
		this.entries = new MemoryLru<Entry>(maxEntries, maxEntries);
	}

	/** Changes whenever a token may have been revoked; `remember` takes the value read before the check. */
	get generation(): number {
		return this.gen;
	}

	get size(): number {
		return this.entries.size;
	}

	/** The device `tokenHash` was checked for, if that check stands and was made from this IP and user agent. */
	lookup(tokenHash: string, ip: string, userAgent: string, now: number): CachedDevice | undefined {
		const entry = this.entries.get(tokenHash);
		if (entry === undefined) return undefined;
		if (entry.until <= now) {
			this.entries.delete(tokenHash);
			return undefined;
		}
		return entry.ip === ip && entry.userAgent === userAgent ? entry.device : undefined;
	}

	/**
	 * Keeps a successful check until `until`, unless a token was revoked since `generation` was read (the
	 * answer may predate the revocation) or `until` has passed.
	 */
	remember(tokenHash: string, device: CachedDevice, ip: string, userAgent: string, until: number, generation: number, now: number): void {
		if (generation !== this.gen || until <= now) return;
		this.entries.set(tokenHash, { device: { user_id: device.user_id, device_id: device.device_id }, ip, userAgent, until }, 1, 1);
	}

	/** A token was revoked somewhere in this isolate: nothing remembered may be used again. */
	forgetAll(): void {
		this.entries.clear();
		this.gen += 1;
	}
}

/** The isolate's cache: the worker reads it (http/auth-user.ts), the UserDO's token deletes empty it. */
export const tokenCache = new TokenCache();

/** Called by every statement that deletes access tokens, before the delete: see the top of this file. */
export function forgetCachedTokens(): void {
	tokenCache.forgetAll();
}
