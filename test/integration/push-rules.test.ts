import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { requireUserId } from "../../src/protocol/ids/user-id";
import { createAccount } from "../../src/worker/d1/accounts";

const USER_ID = requireUserId(`@pushy:${env.SERVER_NAME}`);
const BASE = "http://localhost/_matrix/client/v3/pushrules";
let token = "";

beforeAll(async () => {
	await createAccount(env.DB, { user_id: USER_ID, localpart: "pushy", password_hash: null, created_ts: Date.now() });
	const stub = env.USER.getByName(USER_ID);
	const device = await stub.createDevice(USER_ID);
	if (!device.ok) throw new Error(device.error);
	const issued = await stub.issueAccessToken(USER_ID, device.value.device_id);
	if (!issued.ok) throw new Error(issued.error);
	token = issued.value;
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
	const init: RequestInit = { method, headers: { Authorization: `Bearer ${token}` } };
	if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
	const res = await exports.default.fetch(`${BASE}${path}`, init);
	return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

type Rule = { rule_id: string; enabled: boolean; default: boolean; actions: unknown[] };

async function ids(kind: string): Promise<string[]> {
	const { json } = await call("GET", "/global/");
	return (json[kind] as Rule[]).map((r) => r.rule_id);
}

describe("push rules API", () => {
	it("serves the predefined rules under global, master first and disabled", async () => {
		const { status, json } = await call("GET", "/");
		expect(status).toBe(200);
		const global = json.global as Record<string, Rule[]>;
		expect(Object.keys(global).sort()).toEqual(["content", "override", "room", "sender", "underride"]);
		expect(global.override?.[0]).toMatchObject({ rule_id: ".m.rule.master", enabled: false, default: true });
		expect(global.underride?.map((r) => r.rule_id)).toContain(".m.rule.encrypted_room_one_to_one");
		const invite = global.override?.find((r) => r.rule_id === ".m.rule.invite_for_me") as unknown as { conditions: unknown[] };
		expect(invite.conditions).toContainEqual({ kind: "event_match", key: "state_key", pattern: USER_ID });
	});

	it("requires an access token", async () => {
		const res = await exports.default.fetch(`${BASE}/`);
		expect(res.status).toBe(401);
	});

	it("creates, reads, orders and deletes user rules", async () => {
		expect((await call("PUT", "/global/content/cake", { pattern: "cake", actions: ["notify"] })).status).toBe(200);
		expect((await call("PUT", "/global/content/lie?before=cake", { pattern: "cake*lie", actions: [] })).status).toBe(200);
		expect((await call("PUT", "/global/content/tea?after=cake", { pattern: "tea", actions: ["dont_notify"] })).status).toBe(200);
		expect(await ids("content")).toEqual(["lie", "cake", "tea"]);

		const got = await call("GET", "/global/content/tea");
		expect(got.json).toEqual({ rule_id: "tea", default: false, enabled: true, pattern: "tea", actions: [] });

		// Updating without before/after keeps the place; a new rule without them goes first.
		expect((await call("PUT", "/global/content/cake", { pattern: "cakes", actions: [] })).status).toBe(200);
		expect((await call("PUT", "/global/content/scone", { pattern: "scone", actions: [] })).status).toBe(200);
		expect(await ids("content")).toEqual(["scone", "lie", "cake", "tea"]);

		expect((await call("DELETE", "/global/content/cake")).status).toBe(200);
		expect(await ids("content")).toEqual(["scone", "lie", "tea"]);
		expect(await call("GET", "/global/content/cake")).toMatchObject({ status: 404, json: { errcode: "M_NOT_FOUND" } });
		expect(await call("DELETE", "/global/content/cake")).toMatchObject({ status: 404, json: { errcode: "M_NOT_FOUND" } });
	});

	it("places user override rules after master but before the other defaults", async () => {
		const put = await call("PUT", "/global/override/quiet-bots", {
			conditions: [{ kind: "event_match", key: "sender", pattern: "@bot*" }],
			actions: [],
		});
		expect(put.status).toBe(200);
		expect((await ids("override")).slice(0, 3)).toEqual([".m.rule.master", "quiet-bots", ".m.rule.suppress_notices"]);
		const room = "!abc:example.org";
		expect((await call("PUT", `/global/room/${encodeURIComponent(room)}`, { actions: [] })).status).toBe(200);
		expect(await ids("room")).toEqual([room]);
	});

	it("enables, disables and changes actions of default and user rules", async () => {
		expect(await call("GET", "/global/override/.m.rule.master/enabled")).toEqual({ status: 200, json: { enabled: false } });
		expect((await call("PUT", "/global/override/.m.rule.master/enabled", { enabled: true })).status).toBe(200);
		expect(await call("GET", "/global/override/.m.rule.master/enabled")).toEqual({ status: 200, json: { enabled: true } });

		const actions = ["notify", { set_tweak: "sound", value: "bing" }];
		expect((await call("PUT", "/global/underride/.m.rule.message/actions", { actions })).status).toBe(200);
		expect(await call("GET", "/global/underride/.m.rule.message/actions")).toEqual({ status: 200, json: { actions } });
		// Changing actions keeps the enabled flag, and vice versa.
		expect((await call("PUT", "/global/override/.m.rule.master/actions", { actions: [] })).status).toBe(200);
		expect((await call("GET", "/global/override/.m.rule.master")).json).toMatchObject({ enabled: true, default: true, conditions: [] });

		expect((await call("PUT", "/global/content/scone/enabled", { enabled: false })).status).toBe(200);
		expect((await call("PUT", "/global/content/scone/actions", { actions: ["notify"] })).status).toBe(200);
		expect((await call("GET", "/global/content/scone")).json).toEqual({ rule_id: "scone", default: false, enabled: false, pattern: "scone", actions: ["notify"] });
	});

	it("answers the spec's errors and changes nothing on bad input", async () => {
		const before = await call("GET", "/global/");
		const cases: [string, string, unknown, number, string][] = [
			["PUT", "/global/override/.m.rule.mine", { actions: [] }, 400, "M_INVALID_PARAM"],
			["PUT", "/global/content/nopattern", { actions: [] }, 400, "M_MISSING_PARAM"],
			["PUT", "/global/content/x", { pattern: "x" }, 400, "M_BAD_JSON"],
			["PUT", "/global/content/x", "{not json", 400, "M_NOT_JSON"],
			["PUT", "/global/content/x?before=nope", { pattern: "x", actions: [] }, 400, "M_UNKNOWN"],
			["PUT", "/global/content/x?after=.m.rule.master", { pattern: "x", actions: [] }, 400, "M_UNKNOWN"],
			["PUT", "/global/sender/not-a-user", { actions: [] }, 400, "M_INVALID_PARAM"],
			["PUT", "/global/bogus/x", { actions: [] }, 400, "M_INVALID_PARAM"],
			["GET", "/global/override/.m.rule.nonexistent", undefined, 404, "M_NOT_FOUND"],
			["DELETE", "/global/override/.m.rule.master", undefined, 400, "M_INVALID_PARAM"],
			["PUT", "/global/override/nope/enabled", { enabled: true }, 404, "M_NOT_FOUND"],
			["PUT", "/global/override/.m.rule.master/enabled", { enabled: "yes" }, 400, "M_BAD_JSON"],
			["PUT", "/global/override/.m.rule.master/enabled", {}, 400, "M_MISSING_PARAM"],
			["PUT", "/global/override/nope/actions", { actions: [] }, 404, "M_NOT_FOUND"],
			["PUT", "/global/override/.m.rule.master/actions", { actions: [42] }, 400, "M_BAD_JSON"],
		];
		for (const [method, path, body, status, errcode] of cases) {
			const res = await call(method, path, body);
			expect({ path, status: res.status, errcode: res.json.errcode }).toEqual({ path, status, errcode });
		}
		expect(await call("GET", "/global/")).toEqual(before);
	});
});
