import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { requireUserId, type UserId } from "../../src/protocol/ids/user-id";
import { MEDIA_FREEZE_TS } from "../../src/protocol/media/freeze";
import { createAccount } from "../../src/worker/d1/accounts";
import { MAX_PENDING_UPLOADS, PENDING_UPLOAD_TTL_MS } from "../../src/worker/media/upload";

const SERVER = env.SERVER_NAME;
const ORIGIN = "http://localhost";
let alice = "";
let bob = "";

async function login(localpart: string): Promise<string> {
	const userId: UserId = requireUserId(`@${localpart}:${SERVER}`);
	await createAccount(env.DB, { user_id: userId, localpart, password_hash: null, created_ts: Date.now() });
	const stub = env.USER.getByName(userId);
	const device = await stub.createDevice(userId);
	if (!device.ok) throw new Error(device.error);
	const issued = await stub.issueAccessToken(userId, device.value.device_id);
	if (!issued.ok) throw new Error(issued.error);
	return issued.value;
}

beforeAll(async () => {
	alice = await login("media_alice");
	bob = await login("media_bob");
});

function req(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
	const headers = new Headers(init.headers);
	if (init.token !== undefined) headers.set("Authorization", `Bearer ${init.token}`);
	return exports.default.fetch(`${ORIGIN}${path}`, { ...init, headers });
}

async function upload(body: BodyInit, contentType: string | null, query = "", token = alice): Promise<string> {
	const headers: Record<string, string> = contentType === null ? {} : { "Content-Type": contentType };
	const res = await req(`/_matrix/media/v3/upload${query}`, { method: "POST", body, headers, token });
	expect(res.status).toBe(200);
	const { content_uri } = (await res.json()) as { content_uri: string };
	expect(content_uri).toMatch(new RegExp(`^mxc://${SERVER.replace(/\./g, "\\.")}/[A-Za-z0-9_-]+$`));
	return content_uri.slice(`mxc://${SERVER}/`.length);
}

async function errcode(res: Response): Promise<[number, unknown]> {
	return [res.status, ((await res.json()) as { errcode?: string }).errcode];
}

describe("upload and authenticated download", () => {
	it("round-trips bytes with type, inline disposition, file name and sandbox headers", async () => {
		const bytes = new Uint8Array([1, 2, 3, 250, 251]);
		const id = await upload(bytes, "image/png", "?filename=cat%20pic.png");
		const res = await req(`/_matrix/client/v1/media/download/${SERVER}/${id}`, { token: bob });
		expect(res.status).toBe(200);
		expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
		expect(res.headers.get("Content-Type")).toBe("image/png");
		expect(res.headers.get("Content-Disposition")).toBe('inline; filename="cat pic.png"');
		expect(res.headers.get("Content-Security-Policy")).toContain("sandbox");
		expect(res.headers.get("Cross-Origin-Resource-Policy")).toBe("cross-origin");
		const row = await env.DB.prepare("SELECT uploader, size_bytes FROM media WHERE media_id = ?").bind(id).first();
		expect(row).toEqual({ uploader: `@media_alice:${SERVER}`, size_bytes: 5 });
	});

	it("serves unsafe types as attachments, defaults the type, and takes a file name from the path", async () => {
		const html = await upload("<script>alert(1)</script>", "text/html");
		const res = await req(`/_matrix/client/v1/media/download/${SERVER}/${html}/page.html`, { token: alice });
		expect(res.headers.get("Content-Type")).toBe("text/html");
		expect(res.headers.get("Content-Disposition")).toBe('attachment; filename="page.html"');

		const raw = await upload(new Uint8Array([120]), null);
		const plain = await req(`/_matrix/client/v1/media/download/${SERVER}/${raw}`, { token: alice });
		expect(plain.headers.get("Content-Type")).toBe("application/octet-stream");
		expect(plain.headers.get("Content-Disposition")).toBe("attachment");

		const unicode = await upload("y", "text/plain", `?filename=${encodeURIComponent("résumé \"v2\".txt")}`);
		const named = await req(`/_matrix/client/v1/media/download/${SERVER}/${unicode}`, { token: alice });
		expect(named.headers.get("Content-Disposition")).toBe("inline; filename*=utf-8''r%C3%A9sum%C3%A9%20%22v2%22.txt");
	});

	it("requires a token on the authenticated endpoints", async () => {
		const id = await upload("z", "text/plain");
		expect(await errcode(await req(`/_matrix/client/v1/media/download/${SERVER}/${id}`))).toEqual([401, "M_MISSING_TOKEN"]);
		expect(await errcode(await req("/_matrix/media/v3/upload", { method: "POST", body: "x" }))).toEqual([401, "M_MISSING_TOKEN"]);
	});

	it("answers 404 for unknown or remote media and 400 for IDs outside the whitelist", async () => {
		expect(await errcode(await req(`/_matrix/client/v1/media/download/${SERVER}/nosuchmedia`, { token: alice }))).toEqual([404, "M_NOT_FOUND"]);
		expect(await errcode(await req("/_matrix/client/v1/media/download/other.example/abc", { token: alice }))).toEqual([404, "M_NOT_FOUND"]);
		expect(await errcode(await req(`/_matrix/client/v1/media/download/${SERVER}/a.b`, { token: alice }))).toEqual([400, "M_INVALID_PARAM"]);
		expect(await errcode(await req(`/_matrix/client/v1/media/download/${encodeURIComponent("bad server!")}/abc`, { token: alice }))).toEqual([400, "M_INVALID_PARAM"]);
	});

	it("refuses uploads over the configured limit with 413 M_TOO_LARGE and stores nothing", async () => {
		const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM media").first<{ n: number }>();
		const tooBig = new Uint8Array(50 * 1024 * 1024 + 1);
		expect(await errcode(await req("/_matrix/media/v3/upload", { method: "POST", body: tooBig, token: alice }))).toEqual([413, "M_TOO_LARGE"]);
		const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM media").first<{ n: number }>();
		expect(after).toEqual(before);
	});

	it("serves the config with the upload limit", async () => {
		for (const path of ["/_matrix/client/v1/media/config", "/_matrix/media/v3/config"]) {
			const res = await req(path, { token: alice });
			expect(await res.json()).toEqual({ "m.upload.size": 50 * 1024 * 1024 });
		}
	});
});

describe("asynchronous upload (create, then PUT)", () => {
	async function create(token = alice): Promise<{ id: string; expires: number }> {
		const res = await req("/_matrix/media/v1/create", { method: "POST", token });
		expect(res.status).toBe(200);
		const body = (await res.json()) as { content_uri: string; unused_expires_at: number };
		return { id: body.content_uri.slice(`mxc://${SERVER}/`.length), expires: body.unused_expires_at };
	}

	it("reserves an ID that expires in 24 hours, fills it once, and refuses overwrite and other users", async () => {
		const started = Date.now();
		const { id, expires } = await create();
		expect(expires).toBeGreaterThanOrEqual(started + PENDING_UPLOAD_TTL_MS);
		const put = (token: string, body: string) =>
			req(`/_matrix/media/v3/upload/${SERVER}/${id}`, { method: "PUT", body, token, headers: { "Content-Type": "text/plain" } });
		expect(await errcode(await put(bob, "mine"))).toEqual([403, "M_FORBIDDEN"]);
		const ok = await put(alice, "hello");
		expect([ok.status, await ok.json()]).toEqual([200, {}]);
		expect(await errcode(await put(alice, "again"))).toEqual([409, "M_CANNOT_OVERWRITE_MEDIA"]);
		const res = await req(`/_matrix/client/v1/media/download/${SERVER}/${id}`, { token: bob });
		expect(await res.text()).toBe("hello");
	});

	it("answers 504 M_NOT_YET_UPLOADED after timeout_ms, and the download waits for a PUT that arrives", async () => {
		const { id } = await create();
		const t0 = Date.now();
		expect(await errcode(await req(`/_matrix/client/v1/media/download/${SERVER}/${id}?timeout_ms=300`, { token: alice }))).toEqual([504, "M_NOT_YET_UPLOADED"]);
		expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
		const waiting = req(`/_matrix/client/v1/media/download/${SERVER}/${id}?timeout_ms=5000`, { token: alice });
		await new Promise((r) => setTimeout(r, 300));
		await req(`/_matrix/media/v3/upload/${SERVER}/${id}`, { method: "PUT", body: "late", token: alice });
		const res = await waiting;
		expect([res.status, await res.text()]).toEqual([200, "late"]);
	});

	it("answers 404 for an unknown or expired reservation", async () => {
		expect(await errcode(await req(`/_matrix/media/v3/upload/${SERVER}/neverCreated`, { method: "PUT", body: "x", token: alice }))).toEqual([404, "M_NOT_FOUND"]);
		await env.DB.prepare("INSERT INTO media (media_id, uploader, created_ts) VALUES ('expiredOne', ?, ?)")
			.bind(`@media_alice:${SERVER}`, Date.now() - PENDING_UPLOAD_TTL_MS - 1)
			.run();
		expect(await errcode(await req(`/_matrix/media/v3/upload/${SERVER}/expiredOne`, { method: "PUT", body: "x", token: alice }))).toEqual([404, "M_NOT_FOUND"]);
		expect(await errcode(await req(`/_matrix/client/v1/media/download/${SERVER}/expiredOne`, { token: alice }))).toEqual([404, "M_NOT_FOUND"]);
	});

	it("limits pending reservations per user with 429 M_LIMIT_EXCEEDED", async () => {
		const carol = await login("media_carol");
		for (let i = 0; i < MAX_PENDING_UPLOADS; i++) await create(carol);
		const res = await req("/_matrix/media/v1/create", { method: "POST", token: carol });
		const body = (await res.json()) as { errcode: string; retry_after_ms: number };
		expect([res.status, body.errcode]).toEqual([429, "M_LIMIT_EXCEEDED"]);
		expect(body.retry_after_ms).toBeGreaterThan(0);
	});
});

describe("deprecated unauthenticated endpoints and the freeze", () => {
	it("hides media uploaded after the freeze from /_matrix/media/v3/download and /thumbnail", async () => {
		const id = await upload("fresh", "text/plain");
		for (const path of [`/_matrix/media/v3/download/${SERVER}/${id}`, `/_matrix/media/r0/download/${SERVER}/${id}/f.txt`, `/_matrix/media/v3/thumbnail/${SERVER}/${id}?width=32&height=32`]) {
			expect(await errcode(await req(path))).toEqual([404, "M_NOT_FOUND"]);
		}
	});

	it("still serves media uploaded before the freeze without a token", async () => {
		const old = MEDIA_FREEZE_TS - 86_400_000;
		await env.MEDIA.put("local/preFreezeMedia", "old bytes");
		await env.DB.prepare("INSERT INTO media (media_id, uploader, content_type, upload_name, size_bytes, created_ts, uploaded_ts) VALUES ('preFreezeMedia', ?, 'text/plain', 'old.txt', 9, ?, ?)")
			.bind(`@media_alice:${SERVER}`, old, old)
			.run();
		const res = await req(`/_matrix/media/v3/download/${SERVER}/preFreezeMedia`);
		expect([res.status, await res.text()]).toEqual([200, "old bytes"]);
		expect(res.headers.get("Content-Disposition")).toBe('inline; filename="old.txt"');
	});
});
