// GET /_matrix/client/v1/media/preview_url: OpenGraph from a page, the preview image kept as local media,
// redirects followed with each hop checked, private addresses refused, one fetch per URL (cached).
// The "internet" is a stand-in website answering the worker's global fetch (not one of our components);
// DNS-over-HTTPS answers come from it too, so the SSRF guard runs for real.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1mediapreview_url
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getConfig } from "../../src/platform/config";
import { api, enc, makeUser, type TestUser } from "./rooms-helpers";

/** A 1×1 PNG. */
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="), (ch) => ch.charCodeAt(0));

const PAGE = `<!doctype html><html><head>
<title>Fallback &amp; title</title>
<meta property="og:title" content="Sealbridge &amp; friends">
<meta property="og:description" content="A homeserver on Workers">
<meta property="og:image" content="/img/logo.png">
<meta property="og:image:width" content="1">
<meta name="description" content="not used: og:description wins">
</head><body>hello</body></html>`;

let alice: TestUser;
let fetched: string[] = [];
/** Host → address the stand-in DNS gives. */
const dns: Record<string, string> = { "site.example": "93.184.215.14", "inside.example": "10.1.2.3" };

function website(url: URL): Response {
	fetched.push(url.toString());
	switch (`${url.host}${url.pathname}`) {
		case "site.example/article":
			return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
		case "site.example/img/logo.png":
		case "site.example/photo.png":
			return new Response(PNG, { headers: { "content-type": "image/png" } });
		case "site.example/plain":
			return new Response("<html><head><title>Only a title</title><meta name='description' content='described'></head></html>", { headers: { "content-type": "text/html" } });
		case "site.example/moved":
			return new Response(null, { status: 301, headers: { location: "/article" } });
		case "site.example/to-inside":
			return new Response(null, { status: 302, headers: { location: "http://inside.example/secret" } });
		case "site.example/file.bin":
			return new Response("binary", { headers: { "content-type": "application/octet-stream" } });
		default:
			return new Response("not found", { status: 404 });
	}
}

beforeAll(async () => {
	alice = await makeUser("preview-alice");
});

beforeEach(() => {
	fetched = [];
	const doh = getConfig(env).federationDohUrl.split("?")[0]!;
	vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
		const url = new URL(new Request(input, init).url);
		if (url.href.startsWith(doh)) {
			const name = url.searchParams.get("name") ?? "";
			const address = url.searchParams.get("type") === "A" ? dns[name] : undefined;
			return Response.json({ Status: 0, Answer: address === undefined ? [] : [{ name, type: 1, TTL: 300, data: address }] });
		}
		if (url.host === "site.example" || url.host === "inside.example") return website(url);
		throw new TypeError("network unreachable");
	});
});

afterEach(() => {
	vi.restoreAllMocks();
});

const preview = (url: string, user: TestUser | null = alice) => api(user, "GET", `/_matrix/client/v1/media/preview_url?url=${enc(url)}`);

describe("GET preview_url", () => {
	it("reads OpenGraph tags and keeps the image as local media", async () => {
		const res = await preview("https://site.example/article#section");
		expect(res.status).toBe(200);
		expect(res.body["og:title"]).toBe("Sealbridge & friends");
		expect(res.body["og:description"]).toBe("A homeserver on Workers");
		expect(res.body["og:image:width"]).toBe(1);
		expect(res.body["og:image:type"]).toBe("image/png");
		expect(res.body["matrix:image:size"]).toBe(PNG.length);
		const mxc = res.body["og:image"] as string;
		expect(mxc).toMatch(new RegExp(`^mxc://${getConfig(env).serverName.replace(/[.:]/g, "\\$&")}/`));
		// The image is served by us, byte for byte.
		const download = await exports.default.fetch(`http://localhost/_matrix/client/v1/media/download/${mxc.slice(6)}`, { headers: { authorization: `Bearer ${alice.token}` } });
		expect(download.status).toBe(200);
		expect(new Uint8Array(await download.arrayBuffer())).toEqual(PNG);
	});

	it("is cached: the same URL is fetched once", async () => {
		const first = await preview("https://site.example/plain");
		expect(first.body).toEqual({ "og:title": "Only a title", "og:description": "described" });
		const again = await preview("https://site.example/plain");
		expect(again.body).toEqual(first.body);
		expect(fetched.filter((u) => u.endsWith("/plain"))).toHaveLength(1);
	});

	it("follows redirects, previews an image URL as an image, and answers {} for other types", async () => {
		expect((await preview("https://site.example/moved")).body["og:title"]).toBe("Sealbridge & friends");
		const image = await preview("https://site.example/photo.png");
		expect(image.body["og:image:type"]).toBe("image/png");
		expect((await preview("https://site.example/file.bin")).body).toEqual({});
	});

	it("refuses private and loopback addresses, also behind a redirect or a DNS name", async () => {
		for (const url of ["http://127.0.0.1:8787/_matrix/client/versions", "http://10.0.0.1/", "http://[::1]/", "http://localhost/", "http://inside.example/secret", "https://site.example/to-inside"]) {
			const res = await preview(url);
			expect(res.status, url).toBe(403);
			expect(res.body.errcode).toBe("M_FORBIDDEN");
		}
		expect(fetched.some((u) => u.includes("inside.example"))).toBe(false);
	});

	it("answers bad input with the spec's errors", async () => {
		const missing = await api(alice, "GET", "/_matrix/client/v1/media/preview_url");
		expect([missing.status, missing.body.errcode]).toEqual([400, "M_MISSING_PARAM"]);
		for (const url of ["not a url", "ftp://site.example/x", "https://user:pw@site.example/article", "javascript:alert(1)"]) {
			const res = await preview(url);
			expect([res.status, res.body.errcode], url).toEqual([400, "M_INVALID_PARAM"]);
		}
		const gone = await preview("https://site.example/missing");
		expect(gone.status).toBe(502);
		expect(gone.body.errcode).toBe("M_UNKNOWN");
		const anon = await preview("https://site.example/article", null);
		expect(anon.status).toBe(401);
	});

	it("is also served on the deprecated media path", async () => {
		const res = await api(alice, "GET", `/_matrix/media/v3/preview_url?url=${enc("https://site.example/article")}`);
		expect(res.status).toBe(200);
		expect(res.body["og:title"]).toBe("Sealbridge & friends");
	});
});
