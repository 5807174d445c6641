import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { requireUserId } from "../../src/protocol/ids/user-id";
import { createAccount } from "../../src/worker/d1/accounts";
import { deleteAllPushers, deletePushersOfDevice, listPushers } from "../../src/worker/d1/pushers";

let token = "";
let other = "";

async function login(localpart: string): Promise<string> {
	const userId = requireUserId(`@${localpart}:${env.SERVER_NAME}`);
	await createAccount(env.DB, { user_id: userId, localpart, password_hash: null, created_ts: Date.now() });
	const stub = env.USER.getByName(userId);
	const device = await stub.createDevice(userId);
	if (!device.ok) throw new Error(device.error);
	const issued = await stub.issueAccessToken(userId, device.value.device_id);
	if (!issued.ok) throw new Error(issued.error);
	return issued.value;
}

beforeAll(async () => {
	token = await login("pusher");
	other = await login("pusher_two");
});

describe("pushers", () => {
	const pusher = {
		kind: "http",
		app_id: "org.example.app",
		pushkey: "key-1",
		app_display_name: "Example",
		device_display_name: "Phone",
		lang: "en",
		data: { url: "https://push.example.org/_matrix/push/v1/notify" },
	};

	async function pushers(method: string, path: string, body?: unknown, as = token) {
		const init: RequestInit = { method, headers: { Authorization: `Bearer ${as}` } };
		if (body !== undefined) init.body = JSON.stringify(body);
		const res = await exports.default.fetch(`http://localhost/_matrix/client/v3${path}`, init);
		return { status: res.status, json: (await res.json()) as Record<string, unknown> };
	}

	it("stores, updates, lists and deletes pushers", async () => {
		expect(await pushers("GET", "/pushers")).toEqual({ status: 200, json: { pushers: [] } });
		expect((await pushers("POST", "/pushers/set", pusher)).status).toBe(200);
		expect((await pushers("POST", "/pushers/set", { ...pusher, lang: "de", profile_tag: "t" })).status).toBe(200);
		expect((await pushers("POST", "/pushers/set", { ...pusher, pushkey: "key-2" })).status).toBe(200);
		const listed = await pushers("GET", "/pushers");
		expect(listed.json.pushers).toEqual([{ ...pusher, lang: "de", profile_tag: "t" }, { ...pusher, pushkey: "key-2" }]);
		expect((await pushers("POST", "/pushers/set", { kind: null, app_id: pusher.app_id, pushkey: "key-1" })).status).toBe(200);
		expect((await pushers("GET", "/pushers")).json.pushers).toEqual([{ ...pusher, pushkey: "key-2" }]);
	});

	it("refuses bad pushers without storing them", async () => {
		const before = await pushers("GET", "/pushers");
		expect(await pushers("POST", "/pushers/set", { ...pusher, pushkey: "k3", lang: undefined })).toMatchObject({ status: 400, json: { errcode: "M_MISSING_PARAM" } });
		expect(await pushers("POST", "/pushers/set", { ...pusher, pushkey: "k3", data: { url: "ftp://x" } })).toMatchObject({ status: 400, json: { errcode: "M_INVALID_PARAM" } });
		expect(await pushers("GET", "/pushers")).toEqual(before);
	});

	it("moves a (app_id, pushkey) to the user who set it last, unless append is true", async () => {
		const shared = { ...pusher, pushkey: "shared-key" };
		expect((await pushers("POST", "/pushers/set", shared)).status).toBe(200);
		expect((await pushers("POST", "/pushers/set", { ...shared, append: true }, other)).status).toBe(200);
		const mine = async (as: string) => ((await pushers("GET", "/pushers", undefined, as)).json.pushers as { pushkey: string }[]).map((p) => p.pushkey);
		expect(await mine(token)).toContain("shared-key");
		expect(await mine(other)).toEqual(["shared-key"]);
		// Without append, the other user's copy of the same app_id + pushkey goes.
		expect((await pushers("POST", "/pushers/set", shared, other)).status).toBe(200);
		expect(await mine(token)).not.toContain("shared-key");
		expect(await mine(other)).toEqual(["shared-key"]);
	});

	it("drops a device's pushers when asked (logout) and all of a user's (deactivation)", async () => {
		const user = requireUserId(`@pusher:${env.SERVER_NAME}`);
		const [row] = (await env.DB.prepare("SELECT device_id FROM pushers WHERE user_id = ? LIMIT 1").bind(user).all<{ device_id: string }>()).results;
		expect(row).toBeDefined();
		await deletePushersOfDevice(env.DB, user, "SOMEOTHERDEVICE");
		expect((await listPushers(env.DB, user)).length).toBeGreaterThan(0);
		await deletePushersOfDevice(env.DB, user, row!.device_id);
		expect(await listPushers(env.DB, user)).toEqual([]);
		const two = requireUserId(`@pusher_two:${env.SERVER_NAME}`);
		expect((await listPushers(env.DB, two)).length).toBeGreaterThan(0);
		await deleteAllPushers(env.DB, two);
		expect(await listPushers(env.DB, two)).toEqual([]);
	});

	it("logging out through the API removes that device's pushers", async () => {
		const third = await login("pusher_three");
		expect((await pushers("POST", "/pushers/set", { ...pusher, pushkey: "logout-key" }, third)).status).toBe(200);
		const user = requireUserId(`@pusher_three:${env.SERVER_NAME}`);
		expect((await listPushers(env.DB, user)).map((p) => p.pushkey)).toEqual(["logout-key"]);
		expect((await pushers("POST", "/logout", {}, third)).status).toBe(200);
		expect(await listPushers(env.DB, user)).toEqual([]);
	});
});
