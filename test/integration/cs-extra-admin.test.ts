// Server administration: whois, account locking and suspension, through the real auth chain of app.ts
// (http/account-status.ts runs after user auth).
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/worker/app";
import { request } from "./cs-extra-helpers";
import { createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";

const SERVER = env.SERVER_NAME;
let admin: TestUser;
let admin2: TestUser;
let carol: TestUser;
let dave: TestUser;

function call(user: TestUser | null, method: string, path: string, body?: unknown, headers?: Record<string, string>) {
	return request(user, method, path, body, undefined, { app, ...(headers === undefined ? {} : { headers }) });
}

beforeAll(async () => {
	admin = await makeUser("adm_root");
	admin2 = await makeUser("adm_other");
	carol = await makeUser("adm_carol");
	dave = await makeUser("adm_dave");
	for (const u of [admin, admin2]) await env.DB.prepare("UPDATE accounts SET is_admin = 1 WHERE user_id = ?1").bind(u.user_id).run();
});

describe("GET /admin/whois/{userId}", () => {
	it("shows devices with their connections, to the user and to admins", async () => {
		await call(carol, "GET", "/_matrix/client/v3/account/whoami", undefined, { "CF-Connecting-IP": "192.0.2.7", "User-Agent": "probe/1.0" });
		for (const caller of [carol, admin]) {
			const res = await call(caller, "GET", `/_matrix/client/v3/admin/whois/${enc(carol.user_id)}`);
			expect(res.status).toBe(200);
			expect(res.body.user_id).toBe(carol.user_id);
			const devices = res.body.devices as Record<string, { sessions: { connections: { ip: string; user_agent: string; last_seen: number }[] }[] }>;
			const connections = devices[carol.device_id]!.sessions[0]!.connections;
			expect(connections).toContainEqual({ ip: "192.0.2.7", user_agent: "probe/1.0", last_seen: expect.any(Number) });
		}
	});

	it("refuses other non-admin callers; unknown users are 404 for admins", async () => {
		expect((await call(dave, "GET", `/_matrix/client/v3/admin/whois/${enc(carol.user_id)}`)).body.errcode).toBe("M_FORBIDDEN");
		expect((await call(admin, "GET", `/_matrix/client/v3/admin/whois/${enc(`@nobody:${SERVER}`)}`)).status).toBe(404);
		expect((await call(admin, "GET", "/_matrix/client/v3/admin/whois/nope")).body.errcode).toBe("M_INVALID_PARAM");
	});
});

describe("account locking", () => {
	const lock = (u: TestUser) => `/_matrix/client/v1/admin/lock/${enc(u.user_id)}`;

	it("only admins; checked before any lookup; admins and remote users cannot be locked", async () => {
		expect((await call(dave, "GET", `/_matrix/client/v1/admin/lock/${enc(`@nobody:${SERVER}`)}`)).body.errcode).toBe("M_FORBIDDEN");
		expect((await call(dave, "PUT", lock(carol), { locked: true })).body.errcode).toBe("M_FORBIDDEN");
		expect((await call(admin, "PUT", lock(admin2), { locked: true })).body.errcode).toBe("M_FORBIDDEN");
		expect((await call(admin, "PUT", lock(admin), { locked: true })).body.errcode).toBe("M_FORBIDDEN");
		expect((await call(admin, "GET", `/_matrix/client/v1/admin/lock/${enc("@x:elsewhere.example")}`)).body.errcode).toBe("M_INVALID_PARAM");
		expect((await call(admin, "GET", `/_matrix/client/v1/admin/lock/${enc(`@nobody:${SERVER}`)}`)).status).toBe(404);
		expect((await call(admin, "PUT", lock(carol), {})).body.errcode).toBe("M_MISSING_PARAM");
		expect((await call(admin, "PUT", lock(carol), { locked: "yes" })).body.errcode).toBe("M_BAD_JSON");
		expect((await call(admin, "GET", lock(carol))).body).toEqual({ locked: false });
	});

	it("a locked user gets 401 M_USER_LOCKED with soft_logout everywhere but logout; unlocking restores access", async () => {
		expect(await call(admin, "PUT", lock(dave), { locked: true })).toEqual({ status: 200, body: { locked: true } });
		expect((await call(admin, "GET", lock(dave))).body).toEqual({ locked: true });
		const res = await call(dave, "GET", "/_matrix/client/v3/account/whoami");
		expect(res).toEqual({ status: 401, body: { errcode: "M_USER_LOCKED", error: "This account has been locked", soft_logout: true } });
		expect((await call(dave, "GET", "/_matrix/client/r0/account/whoami")).body.errcode).toBe("M_USER_LOCKED");
		expect(await call(admin, "PUT", lock(dave), { locked: false })).toEqual({ status: 200, body: { locked: false } });
		expect((await call(dave, "GET", "/_matrix/client/v3/account/whoami")).status).toBe(200);
	});

	it("logout still works while locked", async () => {
		const eve = await makeUser("adm_eve");
		await call(admin, "PUT", lock(eve), { locked: true });
		expect((await call(eve, "POST", "/_matrix/client/v3/logout", {})).status).toBe(200);
	});
});

describe("account suspension", () => {
	const suspend = (u: TestUser) => `/_matrix/client/v1/admin/suspend/${enc(u.user_id)}`;

	it("blocks joins, messages and profile changes with 403 M_USER_SUSPENDED; reads, redactions and leaving still work", async () => {
		const room = await createRoom(carol, { preset: "public_chat" });
		const other = await createRoom(admin, { preset: "public_chat" });
		expect(await call(admin, "PUT", suspend(carol), { suspended: true })).toEqual({ status: 200, body: { suspended: true } });
		expect((await call(admin, "GET", suspend(carol))).body).toEqual({ suspended: true });
		const send = await call(carol, "PUT", `/_matrix/client/v3/rooms/${enc(room)}/send/m.room.message/t1`, { msgtype: "m.text", body: "hi" });
		expect(send).toEqual({ status: 403, body: { errcode: "M_USER_SUSPENDED", error: "You cannot perform this action while suspended" } });
		expect((await call(carol, "POST", `/_matrix/client/v3/join/${enc(other)}`, {})).body.errcode).toBe("M_USER_SUSPENDED");
		expect((await call(carol, "PUT", `/_matrix/client/v3/profile/${enc(carol.user_id)}/displayname`, { displayname: "x" })).body.errcode).toBe("M_USER_SUSPENDED");
		expect((await call(carol, "POST", "/_matrix/client/v3/createRoom", {})).body.errcode).toBe("M_USER_SUSPENDED");
		expect((await call(carol, "GET", `/_matrix/client/v3/rooms/${enc(room)}/messages?dir=b`)).status).toBe(200);
		expect((await call(carol, "POST", `/_matrix/client/v3/rooms/${enc(room)}/leave`, {})).status).toBe(200);
		expect(await call(admin, "PUT", suspend(carol), { suspended: false })).toEqual({ status: 200, body: { suspended: false } });
		expect((await call(carol, "POST", `/_matrix/client/v3/join/${enc(other)}`, {})).status).toBe(200);
	});

	it("only admins may suspend, and never other admins", async () => {
		expect((await call(dave, "PUT", suspend(carol), { suspended: true })).body.errcode).toBe("M_FORBIDDEN");
		expect((await call(admin, "PUT", suspend(admin2), { suspended: true })).body.errcode).toBe("M_FORBIDDEN");
		expect((await call(admin, "GET", suspend(carol))).body).toEqual({ suspended: false });
	});
});
