// POST /register with UIA (closed, open and token-authenticated), /register/available and token validity.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getAccount } from "../../src/worker/d1/accounts";
import { createRegistrationToken, getRegistrationToken } from "../../src/worker/d1/registration-tokens";
import { call, login, registerUser, SERVER_NAME } from "./accounts-helpers";

async function accountCount(): Promise<number> {
	return (await env.DB.prepare("SELECT COUNT(*) AS n FROM accounts").first<{ n: number }>())!.n;
}

describe("closed registration (the default)", () => {
	it("answers 401 with exactly the token flow, params, a session and no completed stages", async () => {
		const res = await call("/v3/register", { body: { username: "carol", password: "pw" } });
		expect(res.status).toBe(401);
		expect(Object.keys(res.body).sort()).toEqual(["completed", "flows", "params", "session"]);
		expect(res.body).toEqual({ flows: [{ stages: ["m.login.registration_token"] }], params: {}, session: expect.any(String), completed: [] });
	});

	it("refuses m.login.dummy with 401 M_FORBIDDEN and the same session, creating nothing", async () => {
		const before = await accountCount();
		const first = await call("/v3/register", { body: { username: "carol", password: "pw" } });
		const res = await call("/v3/register", { body: { username: "carol", password: "pw", auth: { type: "m.login.dummy", session: first.body.session } } });
		expect(res.status).toBe(401);
		expect(res.body).toMatchObject({ errcode: "M_FORBIDDEN", session: first.body.session, completed: [], flows: [{ stages: ["m.login.registration_token"] }] });
		expect(await accountCount()).toBe(before);
	});

	it("registers with a registration token, counting its use, and refuses the token once used up", async () => {
		await createRegistrationToken(env.DB, { token: "one-use_token", uses_allowed: 1, expiry_ts: null, created_ts: Date.now() });
		expect((await call("/v1/register/m.login.registration_token/validity?token=one-use_token")).body).toEqual({ valid: true });

		const first = await call("/v3/register", { body: { username: "tokenuser", password: "secret-1" } });
		const res = await call("/v3/register", {
			body: { username: "tokenuser", password: "secret-1", initial_device_display_name: "Phone", auth: { type: "m.login.registration_token", token: "one-use_token", session: first.body.session } },
		});
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ user_id: `@tokenuser:${SERVER_NAME}`, access_token: expect.stringMatching(/^mxt_/), device_id: expect.any(String) });
		expect(await getRegistrationToken(env.DB, "one-use_token")).toMatchObject({ pending: 0, completed: 1 });
		expect((await call("/v1/register/m.login.registration_token/validity?token=one-use_token")).body).toEqual({ valid: false });

		const whoami = await call("/v3/account/whoami", { token: res.body.access_token as string });
		expect(whoami.body).toMatchObject({ user_id: `@tokenuser:${SERVER_NAME}`, device_id: res.body.device_id });
		const devices = await env.USER.getByName(`@tokenuser:${SERVER_NAME}`).listDevices();
		expect(devices.map((d) => d.display_name)).toEqual(["Phone"]);

		const again = await call("/v3/register", { body: { username: "tokenuser2", password: "pw", auth: { type: "m.login.registration_token", token: "one-use_token" } } });
		expect(again.status).toBe(401);
		expect(again.body).toMatchObject({ errcode: "M_FORBIDDEN", completed: [] });
		expect(await getAccount(env.DB, `@tokenuser2:${SERVER_NAME}`)).toBeNull();
	});

	it("refuses an unknown or expired token, and a malformed one in the validity check", async () => {
		await createRegistrationToken(env.DB, { token: "expired", uses_allowed: null, expiry_ts: Date.now() - 1, created_ts: Date.now() - 10 });
		for (const token of ["nope", "expired"]) {
			const res = await call("/v3/register", { body: { username: "x1", password: "pw", auth: { type: "m.login.registration_token", token } } });
			expect(res.status).toBe(401);
			expect(res.body.errcode).toBe("M_FORBIDDEN");
		}
		expect((await call("/v1/register/m.login.registration_token/validity?token=expired")).body).toEqual({ valid: false });
		const bad = await call("/v1/register/m.login.registration_token/validity?token=has%20space");
		expect([bad.status, bad.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
		const missing = await call("/v1/register/m.login.registration_token/validity");
		expect([missing.status, missing.body.errcode]).toEqual([400, "M_MISSING_PARAM"]);
	});
});

describe("open registration (ENABLE_REGISTRATION=true)", () => {
	it("offers m.login.dummy and the token flow, then registers and logs in", async () => {
		const first = await call("/v3/register", { body: { username: "Dave", password: "pw-dave" }, open: true });
		expect(first.status).toBe(401);
		expect(first.body).toEqual({
			flows: [{ stages: ["m.login.dummy"] }, { stages: ["m.login.registration_token"] }],
			params: {},
			session: expect.any(String),
			completed: [],
		});
		const done = await call("/v3/register", { body: { username: "Dave", password: "pw-dave", auth: { type: "m.login.dummy", session: first.body.session } }, open: true });
		expect(done.status).toBe(200);
		// Usernames are lower-cased into the localpart.
		expect(done.body.user_id).toBe(`@dave:${SERVER_NAME}`);
		expect((await login("dave", "pw-dave")).status).toBe(200);
		// A completed session authorises one request only.
		const replay = await call("/v3/register", { body: { username: "dave2", password: "pw", auth: { type: "m.login.dummy", session: first.body.session } }, open: true });
		expect([replay.status, replay.body.errcode]).toEqual([400, "M_UNKNOWN"]);
	});

	it("accepts a first stage without a session, honours inhibit_login and generates a localpart when none is given", async () => {
		const res = await call("/v3/register", { body: { password: "pw", inhibit_login: true, auth: { type: "m.login.dummy" } }, open: true });
		expect(res.status).toBe(200);
		expect(Object.keys(res.body)).toEqual(["user_id"]);
		expect(res.body.user_id).toMatch(new RegExp(`^@[a-z0-9]{12}:${SERVER_NAME}$`));
	});

	it("issues a refresh token and uses the requested device ID", async () => {
		const user = await registerUser("erin", "pw-erin", { device_id: "ERINPHONE", refresh_token: true });
		expect(user).toMatchObject({ device_id: "ERINPHONE", refresh_token: expect.any(String), expires_in_ms: expect.any(Number) });
	});

	it("refuses taken and invalid usernames before UIA, and guests", async () => {
		await registerUser("frank", "pw");
		const taken = await call("/v3/register", { body: { username: "FRANK", password: "pw" }, open: true });
		expect([taken.status, taken.body.errcode]).toEqual([400, "M_USER_IN_USE"]);
		for (const username of ["bad:name", "sp ace", "ünï", ""]) {
			const res = await call("/v3/register", { body: { username, password: "pw" }, open: true });
			expect([res.status, res.body.errcode]).toEqual([400, "M_INVALID_USERNAME"]);
		}
		const guest = await call("/v3/register?kind=guest", { body: {}, open: true });
		expect([guest.status, guest.body.errcode]).toEqual([403, "M_GUEST_ACCESS_FORBIDDEN"]);
	});

	it("answers M_BAD_JSON for wrong types and M_MISSING_PARAM for a stage without a password, creating nothing", async () => {
		const before = await accountCount();
		for (const body of [{ username: 5 }, { password: ["x"] }, { inhibit_login: "yes" }, { device_id: 3 }, { refresh_token: "true" }, { auth: "x" }, { auth: { type: 7 } }]) {
			const res = await call("/v3/register", { body, open: true });
			expect([res.status, res.body.errcode], JSON.stringify(body)).toEqual([400, "M_BAD_JSON"]);
		}
		const nojson = await call("/v3/register", { body: "{not json", open: true });
		expect([nojson.status, nojson.body.errcode]).toEqual([400, "M_NOT_JSON"]);
		const nopw = await call("/v3/register", { body: { username: "gina", auth: { type: "m.login.dummy" } }, open: true });
		expect([nopw.status, nopw.body.errcode]).toEqual([400, "M_MISSING_PARAM"]);
		expect(await accountCount()).toBe(before);
	});
});

describe("GET /register/available", () => {
	it("says available, taken (M_USER_IN_USE) or invalid (M_INVALID_USERNAME)", async () => {
		await registerUser("henry", "pw");
		expect((await call("/v3/register/available?username=newname")).body).toEqual({ available: true });
		const taken = await call("/v3/register/available?username=Henry");
		expect([taken.status, taken.body.errcode]).toEqual([400, "M_USER_IN_USE"]);
		const bad = await call("/v3/register/available?username=no%3Acolon");
		expect([bad.status, bad.body.errcode]).toEqual([400, "M_INVALID_USERNAME"]);
		const missing = await call("/v3/register/available");
		expect([missing.status, missing.body.errcode]).toEqual([400, "M_MISSING_PARAM"]);
	});
});
