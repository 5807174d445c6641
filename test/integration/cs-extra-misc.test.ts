// TURN credentials, third-party lookups, support discovery, OpenID tokens, user reports and mutual rooms.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { lookupOpenIdToken } from "../../src/worker/d1/openid";
import { countUserReports } from "../../src/worker/d1/user-reports";
import { turnCredentials } from "../../src/worker/client/voip";
import { request } from "./cs-extra-helpers";
import { api, createRoom, enc, makeUser, type TestUser } from "./rooms-helpers";

const SERVER = env.SERVER_NAME;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
	alice = await makeUser("extra_alice");
	bob = await makeUser("extra_bob");
});

describe("GET /voip/turnServer", () => {
	it("answers {} when no TURN server is configured", async () => {
		const res = await request(alice, "GET", "/_matrix/client/v3/voip/turnServer");
		expect(res).toEqual({ status: 200, body: {} });
	});

	it("mints coturn REST credentials from the shared secret", async () => {
		const settings = { TURN_URIS: "turn:turn.example.org:3478?transport=udp, turns:turn.example.org:443", TURN_SHARED_SECRET: "s3cret", TURN_TTL_SECONDS: "600" };
		const before = Math.floor(Date.now() / 1000);
		const res = await request(alice, "GET", "/_matrix/client/v3/voip/turnServer", undefined, settings);
		expect(res.status).toBe(200);
		expect(res.body.uris).toEqual(["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:443"]);
		expect(res.body.ttl).toBe(600);
		const [expiry, user] = String(res.body.username).split(/:(.*)/s);
		expect(user).toBe(alice.user_id);
		expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600);
		// coturn recomputes base64(HMAC-SHA1(secret, username)); the same inputs give the same password.
		const again = await turnCredentials("s3cret", alice.user_id, (Number(expiry) - 600) * 1000, 600);
		expect(res.body.password).toBe(again.password);
	});

	it("a known HMAC-SHA1 vector (RFC 2202 case 2)", async () => {
		const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("Jefe"), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
		const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("what do ya want for nothing?")));
		expect([...mac].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	});

	it("needs an access token", async () => {
		expect((await request(null, "GET", "/_matrix/client/v3/voip/turnServer")).status).toBe(401);
	});
});

describe("third-party networks (no bridges)", () => {
	it("lists no protocols and knows none", async () => {
		expect(await request(alice, "GET", "/_matrix/client/v3/thirdparty/protocols")).toEqual({ status: 200, body: {} });
		for (const path of ["protocol/irc", "location/irc", "user/irc"]) {
			const res = await request(alice, "GET", `/_matrix/client/v3/thirdparty/${path}`);
			expect(res.status).toBe(404);
			expect(res.body.errcode).toBe("M_NOT_FOUND");
		}
	});

	it("reverse lookups find nothing; missing or bad parameters are 400", async () => {
		expect(await request(alice, "GET", `/_matrix/client/v3/thirdparty/location?alias=${enc(`#a:${SERVER}`)}`)).toEqual({ status: 200, body: [] });
		expect(await request(alice, "GET", `/_matrix/client/v3/thirdparty/user?userid=${enc(bob.user_id)}`)).toEqual({ status: 200, body: [] });
		expect((await request(alice, "GET", "/_matrix/client/v3/thirdparty/location")).body.errcode).toBe("M_MISSING_PARAM");
		expect((await request(alice, "GET", "/_matrix/client/v3/thirdparty/user?userid=nope")).body.errcode).toBe("M_INVALID_PARAM");
	});
});

describe("GET /.well-known/matrix/support", () => {
	it("is 404 when nothing is configured", async () => {
		expect((await request(null, "GET", "/.well-known/matrix/support")).status).toBe(404);
	});

	it("publishes the configured contact and page", async () => {
		const res = await request(null, "GET", "/.well-known/matrix/support", undefined, { SUPPORT_CONTACT_EMAIL: "admin@example.org", SUPPORT_PAGE: "https://example.org/help" });
		expect(res).toEqual({
			status: 200,
			body: { contacts: [{ email_address: "admin@example.org", role: "m.role.admin" }], support_page: "https://example.org/help" },
		});
		const pageOnly = await request(null, "GET", "/.well-known/matrix/support", undefined, { SUPPORT_PAGE: "https://example.org/help" });
		expect(pageOnly.body).toEqual({ support_page: "https://example.org/help" });
	});
});

describe("POST /user/{userId}/openid/request_token", () => {
	it("issues a token that the federation lookup resolves, until it expires", async () => {
		const res = await request(alice, "POST", `/_matrix/client/v3/user/${enc(alice.user_id)}/openid/request_token`, {});
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({ token_type: "Bearer", matrix_server_name: SERVER, expires_in: 3600 });
		const token = String(res.body.access_token);
		expect(await lookupOpenIdToken(env.DB, token, Date.now())).toBe(alice.user_id);
		expect(await lookupOpenIdToken(env.DB, token, Date.now() + 3601_000)).toBeNull();
		expect(await lookupOpenIdToken(env.DB, "unknown", Date.now())).toBeNull();
		// Only the hash is stored.
		const rows = await env.DB.prepare("SELECT token_hash FROM openid_tokens").all<{ token_hash: string }>();
		expect(rows.results.map((r) => r.token_hash)).not.toContain(token);
	});

	it("refuses other users, bad IDs and non-object bodies", async () => {
		expect((await request(alice, "POST", `/_matrix/client/v3/user/${enc(bob.user_id)}/openid/request_token`, {})).body.errcode).toBe("M_FORBIDDEN");
		expect((await request(alice, "POST", "/_matrix/client/v3/user/nope/openid/request_token", {})).body.errcode).toBe("M_INVALID_PARAM");
		expect((await request(alice, "POST", `/_matrix/client/v3/user/${enc(alice.user_id)}/openid/request_token`, "[]")).body.errcode).toBe("M_BAD_JSON");
	});
});

describe("POST /users/{userId}/report", () => {
	it("records a report of a local user", async () => {
		const res = await request(alice, "POST", `/_matrix/client/v3/users/${enc(bob.user_id)}/report`, { reason: "spam" });
		expect(res).toEqual({ status: 200, body: {} });
		expect(await countUserReports(env.DB, bob.user_id)).toBe(1);
	});

	it("404 for unknown users; bad input changes nothing", async () => {
		expect((await request(alice, "POST", `/_matrix/client/v3/users/${enc(`@ghost:${SERVER}`)}/report`, { reason: "" })).status).toBe(404);
		expect((await request(alice, "POST", `/_matrix/client/v3/users/${enc("@x:elsewhere.example")}/report`, { reason: "" })).status).toBe(404);
		expect((await request(alice, "POST", `/_matrix/client/v3/users/${enc(bob.user_id)}/report`, {})).body.errcode).toBe("M_MISSING_PARAM");
		expect((await request(alice, "POST", `/_matrix/client/v3/users/${enc(bob.user_id)}/report`, { reason: 5 })).body.errcode).toBe("M_BAD_JSON");
		expect((await request(alice, "POST", "/_matrix/client/v3/users/bad/report", { reason: "" })).body.errcode).toBe("M_INVALID_PARAM");
		expect(await countUserReports(env.DB, bob.user_id)).toBe(1);
	});
});

describe("GET /mutual_rooms", () => {
	it("lists rooms where both are joined, not those with only an invite", async () => {
		const shared = await createRoom(alice, { preset: "public_chat" });
		const invited = await createRoom(alice, { preset: "private_chat", invite: [bob.user_id] });
		await createRoom(alice, {});
		expect((await api(bob, "POST", `/_matrix/client/v3/join/${enc(shared)}`, {})).status).toBe(200);
		for (const id of [shared, invited]) await runDurableObjectAlarm(env.ROOM.getByName(id));
		const res = await request(alice, "GET", `/_matrix/client/v1/mutual_rooms?user_id=${enc(bob.user_id)}`);
		expect(res).toEqual({ status: 200, body: { joined: [shared], count: 1 } });
		const unknown = await request(alice, "GET", `/_matrix/client/v1/mutual_rooms?user_id=${enc(`@ghost:${SERVER}`)}`);
		expect(unknown.body).toEqual({ joined: [], count: 0 });
	});

	it("400 for a missing, malformed or own user ID and a bad token", async () => {
		expect((await request(alice, "GET", "/_matrix/client/v1/mutual_rooms")).body.errcode).toBe("M_MISSING_PARAM");
		expect((await request(alice, "GET", "/_matrix/client/v1/mutual_rooms?user_id=nope")).body.errcode).toBe("M_INVALID_PARAM");
		expect((await request(alice, "GET", `/_matrix/client/v1/mutual_rooms?user_id=${enc(alice.user_id)}`)).status).toBe(400);
		expect((await request(alice, "GET", `/_matrix/client/v1/mutual_rooms?user_id=${enc(bob.user_id)}&from=zzz`)).status).toBe(400);
	});
});
