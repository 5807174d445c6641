// Device management through the real app: list/get/rename, and deletion behind UIA (m.login.password).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { UserDO } from "../../src/worker/user/user-do";
import { call, login, registerUser, SERVER_NAME } from "./accounts-helpers";

const BOB = `@bob:${SERVER_NAME}`;
let token = "";
let deviceId = "";

beforeAll(async () => {
	const bob = await registerUser("bob", "bob-password", { initial_device_display_name: "Bob's phone" });
	token = bob.access_token;
	deviceId = bob.device_id;
});

const passwordAuth = (session: unknown, password = "bob-password", user = "bob") => ({
	type: "m.login.password",
	identifier: { type: "m.id.user", user },
	password,
	session,
});

describe("listing and renaming devices", () => {
	it("GET /devices lists the devices with display name and last seen", async () => {
		await call("/v3/account/whoami", { token });
		const res = await call("/v3/devices", { token });
		expect(res.status).toBe(200);
		expect(res.body.devices).toEqual([{ device_id: deviceId, display_name: "Bob's phone", last_seen_ts: expect.any(Number) }]);
	});

	it("GET/PUT /devices/{deviceId} read and rename; unknown devices are 404 M_NOT_FOUND", async () => {
		expect((await call(`/v3/devices/${deviceId}`, { token })).body).toMatchObject({ device_id: deviceId, display_name: "Bob's phone" });
		expect((await call(`/v3/devices/${deviceId}`, { method: "PUT", body: { display_name: "Renamed" }, token })).status).toBe(200);
		expect((await call(`/v3/devices/${deviceId}`, { token })).body.display_name).toBe("Renamed");
		expect((await call("/v3/devices/NOPE", { token })).body.errcode).toBe("M_NOT_FOUND");
		const put = await call("/v3/devices/NOPE", { method: "PUT", body: { display_name: "x" }, token });
		expect([put.status, put.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
		const bad = await call(`/v3/devices/${deviceId}`, { method: "PUT", body: { display_name: 42 }, token });
		expect([bad.status, bad.body.errcode]).toEqual([400, "M_BAD_JSON"]);
		expect((await call(`/v3/devices/${deviceId}`, { token })).body.display_name).toBe("Renamed");
	});
});

describe("DELETE /devices/{deviceId}", () => {
	it("asks for m.login.password, refuses a wrong password, then deletes the device and its token", async () => {
		const other = await login("bob", "bob-password", { device_id: "TABLET" });
		const first = await call("/v3/devices/TABLET", { method: "DELETE", token });
		expect(first.status).toBe(401);
		expect(first.body).toEqual({ flows: [{ stages: ["m.login.password"] }], params: {}, session: expect.any(String), completed: [] });

		const wrong = await call("/v3/devices/TABLET", { method: "DELETE", body: { auth: passwordAuth(first.body.session, "nope") }, token });
		expect(wrong.status).toBe(401);
		expect(wrong.body).toMatchObject({ errcode: "M_FORBIDDEN", session: first.body.session, completed: [] });
		expect((await call("/v3/account/whoami", { token: other.body.access_token as string })).status).toBe(200);

		const done = await call("/v3/devices/TABLET", { method: "DELETE", body: { auth: passwordAuth(first.body.session) }, token });
		expect(done).toEqual({ status: 200, body: {} });
		expect((await call("/v3/account/whoami", { token: other.body.access_token as string })).status).toBe(401);
		expect((await call("/v3/devices/TABLET", { token })).status).toBe(404);
	});

	it("refuses a session started for another device, and another user's password", async () => {
		await login("bob", "bob-password", { device_id: "KEEPME" });
		await login("bob", "bob-password", { device_id: "OTHER" });
		await registerUser("mallory", "mallory-password");
		const started = await call("/v3/devices/OTHER", { method: "DELETE", body: {}, token });
		const reused = await call("/v3/devices/KEEPME", { method: "DELETE", body: { auth: passwordAuth(started.body.session) }, token });
		expect([reused.status, reused.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
		const foreign = await call("/v3/devices/KEEPME", { method: "DELETE", body: { auth: passwordAuth(undefined, "mallory-password", "mallory") }, token });
		expect([foreign.status, foreign.body.errcode]).toEqual([401, "M_FORBIDDEN"]);
		expect((await call("/v3/devices/KEEPME", { token })).status).toBe(200);
	});

	it("deletes the device's E2EE keys with it", async () => {
		await login("bob", "bob-password", { device_id: "KEYED" });
		await runInDurableObject(env.USER.getByName(BOB), (_: UserDO, state) => {
			state.storage.sql.exec("INSERT INTO device_keys (device_id, key_json, updated_ts) VALUES ('KEYED', '{}', 1)");
		});
		const res = await call("/v3/devices/KEYED", { method: "DELETE", body: { auth: passwordAuth(undefined) }, token });
		expect(res.status).toBe(200);
		await runInDurableObject(env.USER.getByName(BOB), (_: UserDO, state) => {
			expect(state.storage.sql.exec("SELECT * FROM device_keys WHERE device_id = 'KEYED'").toArray()).toEqual([]);
		});
	});

	it("answers 404 for an unknown device before any UIA", async () => {
		const res = await call("/v3/devices/GHOST", { method: "DELETE", token });
		expect([res.status, res.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
	});
});

describe("POST /delete_devices", () => {
	it("deletes the listed devices after UIA and ignores unknown IDs", async () => {
		const a = await login("bob", "bob-password", { device_id: "BULK1" });
		await login("bob", "bob-password", { device_id: "BULK2" });
		const first = await call("/v3/delete_devices", { body: { devices: ["BULK1", "BULK2", "UNKNOWN"] }, token });
		expect(first.status).toBe(401);
		// The session covers exactly that list.
		const changed = await call("/v3/delete_devices", { body: { devices: [deviceId], auth: passwordAuth(first.body.session) }, token });
		expect([changed.status, changed.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
		const done = await call("/v3/delete_devices", { body: { devices: ["BULK1", "BULK2", "UNKNOWN"], auth: passwordAuth(first.body.session) }, token });
		expect(done).toEqual({ status: 200, body: {} });
		expect((await call("/v3/account/whoami", { token: a.body.access_token as string })).status).toBe(401);
		const ids = ((await call("/v3/devices", { token })).body.devices as { device_id: string }[]).map((d) => d.device_id);
		expect(ids).not.toContain("BULK1");
		expect(ids).not.toContain("BULK2");
		expect(ids).toContain(deviceId);
	});

	it("answers M_MISSING_PARAM / M_BAD_JSON for a missing or malformed list", async () => {
		expect((await call("/v3/delete_devices", { body: {}, token })).body.errcode).toBe("M_MISSING_PARAM");
		expect((await call("/v3/delete_devices", { body: { devices: "BULK1" }, token })).body.errcode).toBe("M_BAD_JSON");
		expect((await call("/v3/delete_devices", { body: { devices: [1] }, token })).body.errcode).toBe("M_BAD_JSON");
		expect((await call("/v3/delete_devices", { body: { devices: [], auth: { type: 3 } }, token })).body.errcode).toBe("M_BAD_JSON");
	});
});
