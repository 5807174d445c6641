// Password change and deactivation (both behind UIA), and the 3PID endpoints of a server without 3PIDs.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { insertHold } from "../../src/export/store/holds";
import { getAccount } from "../../src/worker/d1/accounts";
import { getProfile, setProfileField } from "../../src/worker/d1/profiles";
import { call, login, registerUser, SERVER_NAME } from "./accounts-helpers";

const auth = (user: string, password: string, session?: unknown) => ({ type: "m.login.password", identifier: { type: "m.id.user", user }, password, session });

describe("POST /account/password", () => {
	it("changes the password after UIA and logs out the other devices, keeping the current one", async () => {
		const me = await registerUser("ivan", "old-password");
		const other = await login("ivan", "old-password");
		const first = await call("/v3/account/password", { body: { new_password: "new-password" }, token: me.access_token });
		expect(first.status).toBe(401);
		expect(first.body).toEqual({ flows: [{ stages: ["m.login.password"] }], params: {}, session: expect.any(String), completed: [] });
		const done = await call("/v3/account/password", { body: { new_password: "new-password", auth: auth("ivan", "old-password", first.body.session) }, token: me.access_token });
		expect(done).toEqual({ status: 200, body: {} });
		expect((await call("/v3/account/whoami", { token: me.access_token })).status).toBe(200);
		expect((await call("/v3/account/whoami", { token: other.body.access_token as string })).status).toBe(401);
		expect((await login("ivan", "old-password")).status).toBe(403);
		expect((await login("ivan", "new-password")).status).toBe(200);
	});

	it("keeps the other devices with logout_devices: false", async () => {
		const me = await registerUser("judy", "pw-1");
		const other = await login("judy", "pw-1");
		const done = await call("/v3/account/password", { body: { new_password: "pw-2", logout_devices: false, auth: auth("judy", "pw-1") }, token: me.access_token });
		expect(done.status).toBe(200);
		expect((await call("/v3/account/whoami", { token: other.body.access_token as string })).status).toBe(200);
	});

	it("refuses a wrong current password and bad input, changing nothing", async () => {
		const me = await registerUser("kim", "kim-pw");
		const wrong = await call("/v3/account/password", { body: { new_password: "x1", auth: auth("kim", "nope") }, token: me.access_token });
		expect([wrong.status, wrong.body.errcode]).toEqual([401, "M_FORBIDDEN"]);
		for (const [body, errcode] of [
			[{ new_password: 5 }, "M_BAD_JSON"],
			[{ new_password: "x", logout_devices: "no" }, "M_BAD_JSON"],
			[{ auth: auth("kim", "kim-pw") }, "M_MISSING_PARAM"],
		] as const) {
			const res = await call("/v3/account/password", { body, token: me.access_token });
			expect([res.status, res.body.errcode], JSON.stringify(body)).toEqual([400, errcode]);
		}
		expect((await login("kim", "kim-pw")).status).toBe(200);
	});
});

describe("POST /account/deactivate", () => {
	it("deactivates after UIA: every token is revoked, login answers M_USER_DEACTIVATED, the name stays taken", async () => {
		const me = await registerUser("leo", "leo-pw");
		const other = await login("leo", "leo-pw");
		const first = await call("/v3/account/deactivate", { body: {}, token: me.access_token });
		expect(first.status).toBe(401);
		const done = await call("/v3/account/deactivate", { body: { auth: auth("leo", "leo-pw", first.body.session), erase: false }, token: me.access_token });
		expect(done).toEqual({ status: 200, body: { id_server_unbind_result: "success" } });
		expect((await getAccount(env.DB, `@leo:${SERVER_NAME}`))?.deactivated).toBe(true);
		for (const t of [me.access_token, other.body.access_token as string]) expect((await call("/v3/account/whoami", { token: t })).status).toBe(401);
		const again = await login("leo", "leo-pw");
		expect([again.status, again.body.errcode]).toEqual([403, "M_USER_DEACTIVATED"]);
		// A wrong password still gets the generic answer: deactivation is not revealed to strangers.
		expect((await login("leo", "wrong")).body.errcode).toBe("M_FORBIDDEN");
		expect((await call("/v3/register/available?username=leo")).body.errcode).toBe("M_USER_IN_USE");
	});

	it("erase drops the profile, unless a preservation hold names the user (then the erasure is pending)", async () => {
		for (const [name, held] of [["nora", false], ["otis", true]] as const) {
			const me = await registerUser(name, `${name}-pw`);
			const userId = `@${name}:${SERVER_NAME}`;
			await setProfileField(env.DB, userId, "displayname", `${name} display`, Date.now());
			if (held) {
				expect(await insertHold(env.DB, { order_id: "o1", ldid: "LP-1", created_ts: Date.now(), expires_ts: Date.now() + 86_400_000 }, [userId])).toBe(true);
			}
			const done = await call("/v3/account/deactivate", { body: { auth: auth(name, `${name}-pw`), erase: true }, token: me.access_token });
			expect(done.status).toBe(200);
			expect((await getProfile(env.DB, userId)).displayname).toBe(held ? `${name} display` : undefined);
			// The held request is recorded for the hourly job, which carries it out once the hold has ended.
			const pending = await env.DB.prepare("SELECT 1 AS ok FROM pending_erasures WHERE user_id = ?1").bind(userId).first();
			expect(pending !== null).toBe(held);
		}
	});

	it("refuses a wrong password and a malformed body, leaving the account active", async () => {
		const me = await registerUser("mia", "mia-pw");
		expect((await call("/v3/account/deactivate", { body: { auth: auth("mia", "bad") }, token: me.access_token })).status).toBe(401);
		expect((await call("/v3/account/deactivate", { body: { erase: "yes", auth: auth("mia", "mia-pw") }, token: me.access_token })).body.errcode).toBe("M_BAD_JSON");
		expect((await getAccount(env.DB, `@mia:${SERVER_NAME}`))?.deactivated).toBe(false);
		expect((await call("/v3/account/whoami", { token: me.access_token })).status).toBe(200);
	});
});

describe("third-party identifiers (managed by operators)", () => {
	it("lists none, denies adding and requesting tokens, and has nothing to unbind", async () => {
		const me = await registerUser("ned", "ned-pw");
		expect((await call("/v3/account/3pid", { token: me.access_token })).body).toEqual({ threepids: [] });
		const add = await call("/v3/account/3pid/add", { body: {}, token: me.access_token });
		expect([add.status, add.body.errcode]).toEqual([403, "M_THREEPID_DENIED"]);
		const reg = await call("/v3/register/email/requestToken", { body: { client_secret: "s", email: "a@b.c", send_attempt: 1 } });
		expect([reg.status, reg.body.errcode]).toEqual([403, "M_THREEPID_DENIED"]);
		const reset = await call("/v3/account/password/email/requestToken", { body: { client_secret: "s", email: "a@b.c", send_attempt: 1 } });
		expect([reset.status, reset.body.errcode]).toEqual([400, "M_THREEPID_NOT_FOUND"]);
		expect((await call("/v3/account/3pid/delete", { body: { medium: "email", address: "a@b.c" }, token: me.access_token })).body).toEqual({ id_server_unbind_result: "no-support" });
	});
});
