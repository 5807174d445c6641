import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { requireDeviceId } from "../../src/protocol/ids/device-id";
import { requireUserId, type UserId } from "../../src/protocol/ids/user-id";
import { hashToken, parseAccessToken } from "../../src/worker/user/access-token";
import type { UserDO } from "../../src/worker/user/user-do";
import { SESSION_WRITE_INTERVAL_MS } from "../../src/worker/user/user-do";

const ALICE = requireUserId("@alice:example.org");
const dev = (id: string) => requireDeviceId(id);
const T0 = 1_800_000_000_000;

async function issue(userId: UserId, deviceId?: string, expiresTs: number | null = null) {
	const stub = env.USER.getByName(userId);
	const device = await stub.createDevice(userId, deviceId === undefined ? undefined : dev(deviceId), "Phone");
	if (!device.ok) throw new Error(device.error);
	const token = await stub.issueAccessToken(userId, device.value.device_id, expiresTs);
	if (!token.ok) throw new Error(token.error);
	return { stub, deviceId: device.value.device_id, token: token.value, hash: await hashToken(token.value) };
}

describe("UserDO devices", () => {
	it("creates devices with a random ID or the given one, and reuses an existing ID", async () => {
		const stub = env.USER.getByName(ALICE);
		const random = await stub.createDevice(ALICE);
		expect(random.ok && random.value.device_id).toMatch(/^[A-Z]{10}$/);
		expect(await stub.createDevice(ALICE, dev("LAPTOP"), "Laptop")).toEqual({ ok: true, value: { device_id: "LAPTOP", created: true } });
		expect(await stub.createDevice(ALICE, dev("LAPTOP"), "Other name")).toEqual({ ok: true, value: { device_id: "LAPTOP", created: false } });
		const devices = await stub.listDevices();
		expect(devices.map((d) => d.device_id)).toContain("LAPTOP");
		expect(devices.find((d) => d.device_id === "LAPTOP")?.display_name).toBe("Laptop");
	});

	it("refuses to act for a different user than the one it belongs to", async () => {
		const stub = env.USER.getByName(ALICE);
		const result = await stub.createDevice(requireUserId("@mallory:example.org"), dev("X"));
		expect(result).toMatchObject({ ok: false, errcode: "M_UNKNOWN", status: 500 });
	});

	it("refuses malformed user and device IDs (RPC arguments are not type-checked at runtime)", async () => {
		const fresh = env.USER.getByName("not-a-user-id");
		expect(await fresh.createDevice("not-a-user-id" as UserId)).toMatchObject({ ok: false, errcode: "M_INVALID_PARAM" });
		expect(await fresh.issueAccessToken("not-a-user-id" as UserId, dev("X"))).toMatchObject({ ok: false, errcode: "M_INVALID_PARAM" });
		expect(await env.USER.getByName(ALICE).createDevice(ALICE, "bad\u0001id" as ReturnType<typeof dev>)).toMatchObject({
			ok: false,
			errcode: "M_INVALID_PARAM",
		});
	});

	it("refuses a token for an unknown device", async () => {
		const stub = env.USER.getByName(ALICE);
		expect(await stub.issueAccessToken(ALICE, dev("NOPE"))).toMatchObject({ ok: false, errcode: "M_NOT_FOUND" });
	});
});

describe("UserDO access tokens", () => {
	it("issues an owner-naming token and stores only its SHA-256", async () => {
		const { stub, token, hash, deviceId } = await issue(ALICE, "TOKENDEV");
		expect(parseAccessToken(token)).toEqual({ localpart: "alice" });
		await runInDurableObject(stub, (_instance: UserDO, state) => {
			const rows = state.storage.sql.exec<{ token_hash: string; device_id: string }>("SELECT token_hash, device_id FROM access_tokens").toArray();
			expect(rows).toContainEqual({ token_hash: hash, device_id: deviceId });
			// The token itself appears nowhere in the database.
			for (const row of state.storage.sql.exec("SELECT * FROM access_tokens")) {
				expect(Object.values(row)).not.toContain(token);
			}
		});
	});

	it("authenticates and records the session's IP and user agent, throttling rewrites", async () => {
		const { stub, hash, deviceId } = await issue(ALICE, "SESSDEV");
		expect(await stub.authenticate(hash, "192.0.2.1", "Element/1.0", T0)).toEqual({
			ok: true,
			value: { user_id: ALICE, device_id: deviceId, expires_ts: null },
		});
		// Within the interval: no write, last_seen unchanged (on the session and on the device).
		await stub.authenticate(hash, "192.0.2.1", "Element/1.0", T0 + 1_000);
		expect((await stub.listDevices()).find((d) => d.device_id === deviceId)?.last_seen_ts).toBe(T0);
		// A second IP is a second session at once.
		await stub.authenticate(hash, "198.51.100.7", "Element/1.0", T0 + 2_000);
		// After the interval: last_seen moves on. (Had the T0+1s call written, this one would be under
		// the interval and the final value would be T0+1s.)
		await stub.authenticate(hash, "192.0.2.1", "Element/1.0", T0 + SESSION_WRITE_INTERVAL_MS + 5);
		await runInDurableObject(stub, (_instance: UserDO, state) => {
			const sessions = state.storage.sql
				.exec("SELECT ip, user_agent, first_seen_ts, last_seen_ts FROM sessions WHERE device_id = ? ORDER BY ip", deviceId)
				.toArray();
			expect(sessions).toEqual([
				{ ip: "192.0.2.1", user_agent: "Element/1.0", first_seen_ts: T0, last_seen_ts: T0 + SESSION_WRITE_INTERVAL_MS + 5 },
				{ ip: "198.51.100.7", user_agent: "Element/1.0", first_seen_ts: T0 + 2_000, last_seen_ts: T0 + 2_000 },
			]);
		});
		const device = (await stub.listDevices()).find((d) => d.device_id === deviceId);
		expect(device).toMatchObject({ last_seen_ts: T0 + SESSION_WRITE_INTERVAL_MS + 5, last_seen_ip: "192.0.2.1", last_seen_user_agent: "Element/1.0" });
	});

	it("answers M_UNKNOWN_TOKEN for an unknown hash, on a user object that holds nothing too", async () => {
		expect(await env.USER.getByName(ALICE).authenticate(await hashToken("nope"), "", "", T0)).toMatchObject({
			ok: false,
			errcode: "M_UNKNOWN_TOKEN",
		});
		expect(await env.USER.getByName(requireUserId("@nobody:example.org")).authenticate("x", "", "", T0)).toMatchObject({
			ok: false,
			errcode: "M_UNKNOWN_TOKEN",
		});
	});

	it("revokes a token at once", async () => {
		const { stub, hash } = await issue(ALICE, "REVOKEDEV");
		expect((await stub.authenticate(hash, "", "", T0)).ok).toBe(true);
		expect(await stub.revokeToken(hash)).toBe(true);
		expect(await stub.authenticate(hash, "", "", T0)).toMatchObject({ ok: false, errcode: "M_UNKNOWN_TOKEN" });
		expect(await stub.revokeToken(hash)).toBe(false);
	});

	it("refuses an expired token and forgets it", async () => {
		const { stub, hash } = await issue(ALICE, "EXPIRYDEV", T0 + 1_000);
		// The expiry comes with the answer: the worker's token cache keeps the check no longer.
		expect(await stub.authenticate(hash, "", "", T0)).toMatchObject({ ok: true, value: { expires_ts: T0 + 1_000 } });
		expect(await stub.authenticate(hash, "", "", T0 + 1_000)).toMatchObject({ ok: false, errcode: "M_UNKNOWN_TOKEN" });
		await runInDurableObject(stub, (_instance: UserDO, state) => {
			expect(state.storage.sql.exec("SELECT 1 FROM access_tokens WHERE token_hash = ?", hash).toArray()).toEqual([]);
		});
	});

	it("drops a device's tokens with the device but keeps its session records", async () => {
		const { stub, hash, deviceId } = await issue(ALICE, "GONEDEV");
		await stub.authenticate(hash, "203.0.113.9", "curl", T0);
		await runInDurableObject(stub, (_instance: UserDO, state) => {
			state.storage.sql.exec("DELETE FROM devices WHERE device_id = ?", deviceId);
			expect(state.storage.sql.exec("SELECT 1 FROM access_tokens WHERE device_id = ?", deviceId).toArray()).toEqual([]);
			expect(state.storage.sql.exec("SELECT ip FROM sessions WHERE device_id = ?", deviceId).toArray()).toEqual([{ ip: "203.0.113.9" }]);
		});
	});
});
