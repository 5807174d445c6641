import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { DeviceId } from "../../src/protocol/ids/device-id";
import { requireUserId } from "../../src/protocol/ids/user-id";
import { createAccount } from "../../src/worker/d1/accounts";
import { hashToken, mintAccessToken } from "../../src/worker/user/access-token";
import type { UserDO } from "../../src/worker/user/user-do";

const WHOAMI = "http://localhost/_matrix/client/v3/account/whoami";
const USER_ID = requireUserId(`@alice:${env.SERVER_NAME}`);

let token = "";
let deviceId: DeviceId;

function whoami(init: RequestInit = {}, query = ""): Promise<Response> {
	return exports.default.fetch(`${WHOAMI}${query}`, init);
}

beforeAll(async () => {
	await createAccount(env.DB, { user_id: USER_ID, localpart: "alice", password_hash: null, created_ts: Date.now() });
	const stub = env.USER.getByName(USER_ID);
	const device = await stub.createDevice(USER_ID, undefined, "Test client");
	if (!device.ok) throw new Error(device.error);
	deviceId = device.value.device_id;
	const issued = await stub.issueAccessToken(USER_ID, deviceId);
	if (!issued.ok) throw new Error(issued.error);
	token = issued.value;
});

describe("user authentication on GET /account/whoami", () => {
	it("answers the token's owner and device for a Bearer token", async () => {
		const res = await whoami({ headers: { Authorization: `Bearer ${token}`, "CF-Connecting-IP": "192.0.2.44", "User-Agent": "TestClient/2" } });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ user_id: USER_ID, device_id: deviceId, is_guest: false });
	});

	it("records the session's IP and user agent in the UserDO", async () => {
		await runInDurableObject(env.USER.getByName(USER_ID), (_instance: UserDO, state) => {
			const rows = state.storage.sql.exec("SELECT device_id, ip, user_agent FROM sessions").toArray();
			expect(rows).toContainEqual({ device_id: deviceId, ip: "192.0.2.44", user_agent: "TestClient/2" });
		});
	});

	it("accepts the deprecated access_token query parameter", async () => {
		const res = await whoami({}, `?access_token=${encodeURIComponent(token)}`);
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ user_id: USER_ID });
	});

	it("answers 401 M_MISSING_TOKEN without a token, with a non-Bearer header, or with both forms", async () => {
		for (const [init, query] of [
			[{}, ""],
			[{ headers: { Authorization: `Basic ${btoa("alice:pw")}` } }, ""],
			[{ headers: { Authorization: `Bearer ${token}` } }, `?access_token=${encodeURIComponent(token)}`],
		] as const) {
			const res = await whoami(init, query);
			expect(res.status).toBe(401);
			expect(await res.json()).toMatchObject({ errcode: "M_MISSING_TOKEN" });
		}
	});

	it("answers 401 M_UNKNOWN_TOKEN for a malformed, mistyped or impossible token without waking any UserDO", async () => {
		const before = (await listDurableObjectIds(env.USER)).length;
		const good = mintAccessToken("eve", new Uint8Array(20));
		const forged = good.slice(0, -1) + (good.endsWith("0") ? "1" : "0"); // wrong CRC
		const colon = mintAccessToken("eve:evil.example", new Uint8Array(20)); // cannot form a user ID
		for (const bad of ["garbage", forged, colon]) {
			const res = await whoami({ headers: { Authorization: `Bearer ${bad}` } });
			expect(res.status).toBe(401);
			expect(await res.json()).toEqual({ errcode: "M_UNKNOWN_TOKEN", error: "Unknown access token", soft_logout: false });
		}
		expect((await listDurableObjectIds(env.USER)).length).toBe(before);
	});

	it("answers 401 M_UNKNOWN_TOKEN for a well-formed token naming a user who does not exist, without waking a UserDO", async () => {
		const before = (await listDurableObjectIds(env.USER)).length;
		// A valid CRC and a possible user ID: only the accounts table knows there is no such user.
		for (const localpart of ["nobody-here", "ghost-1", "ghost-2"]) {
			const res = await whoami({ headers: { Authorization: `Bearer ${mintAccessToken(localpart, new Uint8Array(20).fill(7))}` } });
			expect(res.status).toBe(401);
			expect(await res.json()).toEqual({ errcode: "M_UNKNOWN_TOKEN", error: "Unknown access token", soft_logout: false });
		}
		expect((await listDurableObjectIds(env.USER)).length).toBe(before);
	});

	it("answers 401 M_UNKNOWN_TOKEN for a well-formed token that was never issued", async () => {
		const res = await whoami({ headers: { Authorization: `Bearer ${mintAccessToken("alice", new Uint8Array(20).fill(3))}` } });
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({ errcode: "M_UNKNOWN_TOKEN", soft_logout: false });
	});

	it("answers 401 M_UNKNOWN_TOKEN once the token is revoked", async () => {
		expect(await env.USER.getByName(USER_ID).revokeToken(await hashToken(token))).toBe(true);
		const res = await whoami({ headers: { Authorization: `Bearer ${token}` } });
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({ errcode: "M_UNKNOWN_TOKEN", soft_logout: false });
	});

	it("answers soft_logout: true for an expired (refreshable) token, so the client refreshes", async () => {
		const stub = env.USER.getByName(USER_ID);
		const expired = await stub.issueAccessToken(USER_ID, deviceId, Date.now() - 1);
		if (!expired.ok) throw new Error(expired.error);
		const res = await whoami({ headers: { Authorization: `Bearer ${expired.value}` } });
		expect(res.status).toBe(401);
		expect(await res.json()).toEqual({ errcode: "M_UNKNOWN_TOKEN", error: "Access token has expired", soft_logout: true });
	});
});

describe("the isolate's token cache (TOKEN_CACHE_MS)", () => {
	async function freshToken(): Promise<{ token: string; hash: string }> {
		const issued = await env.USER.getByName(USER_ID).issueAccessToken(USER_ID, deviceId);
		if (!issued.ok) throw new Error(issued.error);
		return { token: issued.value, hash: await hashToken(issued.value) };
	}
	const from = (t: string, ip: string) => whoami({ headers: { Authorization: `Bearer ${t}`, "CF-Connecting-IP": ip } });

	it("answers a checked token without asking the UserDO again, but asks for a request from a new address", async () => {
		const { token: t, hash } = await freshToken();
		expect((await from(t, "192.0.2.60")).status).toBe(200);
		// Gone behind the cache's back: not through the UserDO's own statements, which would empty it.
		await runInDurableObject(env.USER.getByName(USER_ID), (_instance: UserDO, state) => {
			state.storage.sql.exec("DELETE FROM access_tokens WHERE token_hash = ?", hash);
		});
		expect((await from(t, "192.0.2.60")).status).toBe(200);
		const elsewhere = await from(t, "192.0.2.61");
		expect(elsewhere.status).toBe(401);
		expect(await elsewhere.json()).toMatchObject({ errcode: "M_UNKNOWN_TOKEN" });
	});

	it("a token revoked through the UserDO fails at once, though it was cached a moment before", async () => {
		const { token: t, hash } = await freshToken();
		expect((await from(t, "192.0.2.62")).status).toBe(200);
		expect((await from(t, "192.0.2.62")).status).toBe(200);
		expect(await env.USER.getByName(USER_ID).revokeToken(hash)).toBe(true);
		const res = await from(t, "192.0.2.62");
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({ errcode: "M_UNKNOWN_TOKEN", soft_logout: false });
	});
});
