// GET/POST /login, POST /refresh, /logout and /logout/all through the real app and UserDO.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, login, registerUser, SERVER_NAME } from "./accounts-helpers";

const ALICE = `@alice:${SERVER_NAME}`;

beforeAll(async () => {
	await registerUser("alice", "alice-password");
});

async function whoamiStatus(token: string): Promise<number> {
	return (await call("/v3/account/whoami", { token })).status;
}

describe("GET /login", () => {
	it("offers m.login.password only", async () => {
		expect(await call("/v3/login")).toEqual({ status: 200, body: { flows: [{ type: "m.login.password" }] } });
	});
});

describe("POST /login", () => {
	it("logs in by localpart, by full user ID and by the deprecated top-level user", async () => {
		for (const body of [
			{ identifier: { type: "m.id.user", user: "alice" } },
			{ identifier: { type: "m.id.user", user: ALICE } },
			{ identifier: { type: "m.id.user", user: "ALICE" } },
			{ user: "alice" },
		]) {
			const res = await call("/v3/login", { body: { type: "m.login.password", password: "alice-password", ...body } });
			expect(res.status, JSON.stringify(body)).toBe(200);
			expect(res.body).toEqual({
				user_id: ALICE,
				access_token: expect.stringMatching(/^mxt_/),
				device_id: expect.stringMatching(/^[A-Z]{10}$/),
				well_known: { "m.homeserver": { base_url: `http://${SERVER_NAME}` } },
			});
			expect(await whoamiStatus(res.body.access_token as string)).toBe(200);
		}
	});

	it("gives the same 403 M_FORBIDDEN for a wrong password, an unknown user, another server and a third-party ID", async () => {
		const answers = await Promise.all([
			login("alice", "wrong"),
			login("nobody", "alice-password"),
			login("@alice:elsewhere.example", "alice-password"),
			call("/v3/login", { body: { type: "m.login.password", identifier: { type: "m.id.thirdparty", medium: "email", address: "a@example.org" }, password: "x" } }),
		]);
		for (const res of answers) expect(res).toEqual({ status: 403, body: { errcode: "M_FORBIDDEN", error: "Invalid username or password" } });
	});

	it("refuses other login types with 400 M_UNKNOWN, so nothing logs in without a password", async () => {
		for (const type of ["m.login.token", "m.login.dummy", "m.login.sso", "org.example.custom"]) {
			const res = await call("/v3/login", { body: { type, identifier: { type: "m.id.user", user: "alice" }, token: "x" } });
			expect([res.status, res.body.errcode], type).toEqual([400, "M_UNKNOWN"]);
		}
	});

	it("answers M_BAD_JSON / M_MISSING_PARAM / M_UNKNOWN for malformed requests", async () => {
		const cases: [unknown, string][] = [
			[{}, "M_MISSING_PARAM"],
			[{ type: 1 }, "M_BAD_JSON"],
			[{ type: "m.login.password", password: "x" }, "M_MISSING_PARAM"],
			[{ type: "m.login.password", identifier: { type: "m.id.user", user: "alice" } }, "M_MISSING_PARAM"],
			[{ type: "m.login.password", identifier: { type: "m.id.user", user: "alice" }, password: 5 }, "M_BAD_JSON"],
			[{ type: "m.login.password", identifier: "alice", password: "x" }, "M_BAD_JSON"],
			[{ type: "m.login.password", identifier: { type: "m.id.unknown" }, password: "x" }, "M_UNKNOWN"],
			[{ type: "m.login.password", user: "alice", password: "alice-password", device_id: 7 }, "M_BAD_JSON"],
			[{ type: "m.login.password", user: "alice", password: "alice-password", refresh_token: "yes" }, "M_BAD_JSON"],
			[[1, 2], "M_BAD_JSON"],
		];
		for (const [body, errcode] of cases) {
			const res = await call("/v3/login", { body });
			expect([res.status, res.body.errcode], JSON.stringify(body)).toEqual([400, errcode]);
		}
	});

	it("reuses a known device_id and revokes that device's older token", async () => {
		const first = await login("alice", "alice-password", { device_id: "LAPTOP", initial_device_display_name: "Laptop" });
		const second = await login("alice", "alice-password", { device_id: "LAPTOP", initial_device_display_name: "Ignored" });
		expect([first.body.device_id, second.body.device_id]).toEqual(["LAPTOP", "LAPTOP"]);
		expect(await whoamiStatus(first.body.access_token as string)).toBe(401);
		expect(await whoamiStatus(second.body.access_token as string)).toBe(200);
		const device = await env.USER.getByName(ALICE).getDevice("LAPTOP");
		expect(device?.display_name).toBe("Laptop");
	});
});

describe("POST /refresh", () => {
	it("returns a new pair, revokes the old access token and retires the old refresh token once the new one is used", async () => {
		const start = await login("alice", "alice-password", { refresh_token: true });
		expect(start.body).toMatchObject({ refresh_token: expect.any(String), expires_in_ms: 15 * 60 * 1000 });
		const r1 = await call("/v3/refresh", { body: { refresh_token: start.body.refresh_token } });
		expect(r1.status).toBe(200);
		expect(r1.body).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), expires_in_ms: 15 * 60 * 1000 });
		expect(await whoamiStatus(start.body.access_token as string)).toBe(401);
		expect((await call("/v3/account/whoami", { token: r1.body.access_token as string })).body).toMatchObject({ device_id: start.body.device_id });

		// The old refresh token still works while its successor is unused (a lost response can be retried)...
		const retry = await call("/v3/refresh", { body: { refresh_token: start.body.refresh_token } });
		expect(retry.status).toBe(200);
		expect(await whoamiStatus(r1.body.access_token as string)).toBe(401);
		// ...and is revoked once the successor is used.
		const r2 = await call("/v3/refresh", { body: { refresh_token: retry.body.refresh_token } });
		expect(r2.status).toBe(200);
		const stale = await call("/v3/refresh", { body: { refresh_token: start.body.refresh_token } });
		expect([stale.status, stale.body.errcode]).toEqual([401, "M_UNKNOWN_TOKEN"]);
	});

	it("refuses unknown, malformed and missing refresh tokens", async () => {
		const plain = await login("alice", "alice-password");
		expect((await call("/v3/refresh", { body: { refresh_token: plain.body.access_token } })).body.errcode).toBe("M_UNKNOWN_TOKEN");
		expect((await call("/v3/refresh", { body: { refresh_token: "garbage" } })).status).toBe(401);
		expect((await call("/v3/refresh", { body: {} })).body.errcode).toBe("M_MISSING_PARAM");
		expect((await call("/v3/refresh", { body: { refresh_token: 1 } })).body.errcode).toBe("M_BAD_JSON");
	});
});

describe("logout", () => {
	it("POST /logout revokes the token and deletes its device", async () => {
		const session = await login("alice", "alice-password", { device_id: "SHORTLIVED" });
		expect((await call("/v3/logout", { body: {}, token: session.body.access_token as string })).status).toBe(200);
		expect(await whoamiStatus(session.body.access_token as string)).toBe(401);
		expect(await env.USER.getByName(ALICE).getDevice("SHORTLIVED")).toBeNull();
	});

	it("POST /logout/all revokes every token and deletes every device", async () => {
		const a = await login("alice", "alice-password");
		const b = await login("alice", "alice-password", { refresh_token: true });
		expect((await call("/v3/logout/all", { body: {}, token: a.body.access_token as string })).status).toBe(200);
		expect(await whoamiStatus(a.body.access_token as string)).toBe(401);
		expect(await whoamiStatus(b.body.access_token as string)).toBe(401);
		expect((await call("/v3/refresh", { body: { refresh_token: b.body.refresh_token } })).status).toBe(401);
		expect(await env.USER.getByName(ALICE).listDevices()).toEqual([]);
	});

	it("requires a valid access token", async () => {
		expect((await call("/v3/logout", { body: {} })).body.errcode).toBe("M_MISSING_TOKEN");
	});
});
