// TokenCache: what an isolate may answer without asking the UserDO, and when it must ask again.
import { describe, expect, it } from "vitest";
import type { DeviceId } from "../../src/protocol/ids/device-id";
import { requireUserId } from "../../src/protocol/ids/user-id";
import { TokenCache } from "../../src/worker/user/token-cache";

const ALICE = { user_id: requireUserId("@alice:example.org"), device_id: "ADEVICE" as DeviceId };
const BOB = { user_id: requireUserId("@bob:example.org"), device_id: "BDEVICE" as DeviceId };
const IP = "192.0.2.1";
const UA = "Client/1";

describe("TokenCache", () => {
	it("answers a remembered check until it lapses, and forgets it then", () => {
		const cache = new TokenCache();
		cache.remember("h1", ALICE, IP, UA, 1_000, cache.generation, 0);
		expect(cache.lookup("h1", IP, UA, 999)).toEqual(ALICE);
		expect(cache.lookup("h1", IP, UA, 1_000)).toBeUndefined();
		expect(cache.size).toBe(0);
		expect(cache.lookup("h2", IP, UA, 0)).toBeUndefined();
	});

	it("misses for another IP or user agent, so the UserDO records that session", () => {
		const cache = new TokenCache();
		cache.remember("h1", ALICE, IP, UA, 1_000, cache.generation, 0);
		expect(cache.lookup("h1", "192.0.2.2", UA, 1)).toBeUndefined();
		expect(cache.lookup("h1", IP, "Client/2", 1)).toBeUndefined();
		// The new check replaces the old one: one entry per token.
		cache.remember("h1", ALICE, "192.0.2.2", UA, 1_000, cache.generation, 1);
		expect(cache.lookup("h1", "192.0.2.2", UA, 2)).toEqual(ALICE);
		expect(cache.lookup("h1", IP, UA, 2)).toBeUndefined();
		expect(cache.size).toBe(1);
	});

	it("forgets everything when a token is revoked", () => {
		const cache = new TokenCache();
		cache.remember("h1", ALICE, IP, UA, 1_000, cache.generation, 0);
		cache.remember("h2", BOB, IP, UA, 1_000, cache.generation, 0);
		cache.forgetAll();
		expect(cache.lookup("h1", IP, UA, 1)).toBeUndefined();
		expect(cache.lookup("h2", IP, UA, 1)).toBeUndefined();
	});

	it("does not remember a check that was in flight across a revocation", () => {
		const cache = new TokenCache();
		const before = cache.generation;
		// The UserDO answered, then a logout ran, then the answer arrived.
		cache.forgetAll();
		cache.remember("h1", ALICE, IP, UA, 1_000, before, 0);
		expect(cache.lookup("h1", IP, UA, 1)).toBeUndefined();
		cache.remember("h1", ALICE, IP, UA, 1_000, cache.generation, 0);
		expect(cache.lookup("h1", IP, UA, 1)).toEqual(ALICE);
	});

	it("does not remember a check whose time is already up (TOKEN_CACHE_MS=0, or an expired token)", () => {
		const cache = new TokenCache();
		cache.remember("h1", ALICE, IP, UA, 500, cache.generation, 500);
		expect(cache.size).toBe(0);
	});

	it("keeps at most its bound, dropping the least recently used", () => {
		const cache = new TokenCache(2);
		cache.remember("h1", ALICE, IP, UA, 1_000, cache.generation, 0);
		cache.remember("h2", BOB, IP, UA, 1_000, cache.generation, 0);
		expect(cache.lookup("h1", IP, UA, 1)).toEqual(ALICE);
		cache.remember("h3", BOB, IP, UA, 1_000, cache.generation, 0);
		expect(cache.size).toBe(2);
		expect(cache.lookup("h2", IP, UA, 1)).toBeUndefined();
		expect(cache.lookup("h1", IP, UA, 1)).toEqual(ALICE);
		expect(cache.lookup("h3", IP, UA, 1)).toEqual(BOB);
	});

	it("keeps its own copy of the device, not the caller's object", () => {
		const cache = new TokenCache();
		const device = { ...ALICE };
		cache.remember("h1", device, IP, UA, 1_000, cache.generation, 0);
		device.device_id = "OTHER" as DeviceId;
		expect(cache.lookup("h1", IP, UA, 1)).toEqual(ALICE);
	});
});
