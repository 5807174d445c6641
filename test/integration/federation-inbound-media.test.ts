// Authenticated federation media through the real routes, signed by a remote server: download and
// thumbnail answer multipart/mixed (JSON metadata `{}`, then the media with its headers); unknown media,
// bad parameters and unsigned requests get the spec's errors.
// Spec: https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1mediadownloadmediaid,
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1mediathumbnailmediaid
import { PhotonImage } from "@cf-wasm/photon";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { signRequest } from "../../src/protocol/federation/x-matrix";
import { readImageSize } from "../../src/protocol/media/image-size";
import { ME, remoteServer, type RemoteServer, seedKeys } from "./federation-inbound-helpers";
import { makeUser, type TestUser } from "./rooms-helpers";

const SERVER = env.SERVER_NAME;
let remote: RemoteServer;
let alice: TestUser;

async function signedGet(uri: string): Promise<Response> {
	const authorization = await signRequest(remote.key, { method: "GET", uri, origin: remote.name, destination: ME });
	return exports.default.fetch(`http://localhost${uri}`, { headers: { authorization } });
}

async function upload(bytes: Uint8Array | string, contentType: string, fileName?: string): Promise<string> {
	const query = fileName === undefined ? "" : `?filename=${encodeURIComponent(fileName)}`;
	const res = await exports.default.fetch(`http://localhost/_matrix/media/v3/upload${query}`, {
		method: "POST",
		body: bytes,
		headers: { Authorization: `Bearer ${alice.token}`, "Content-Type": contentType },
	});
	expect(res.status).toBe(200);
	return ((await res.json()) as { content_uri: string }).content_uri.slice(`mxc://${SERVER}/`.length);
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
	outer: for (let i = from; i <= haystack.length - needle.length; i++) {
		for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
		return i;
	}
	return -1;
}

interface Part {
	headers: Record<string, string>;
	body: Uint8Array;
}

/** A strict reading of a multipart/mixed body: exactly the parts between the boundaries, CRLF line ends. */
async function parts(res: Response): Promise<Part[]> {
	const type = res.headers.get("content-type") ?? "";
	const m = /^multipart\/mixed; boundary=([A-Za-z0-9'()+_,\-./:=?]{1,70})$/.exec(type);
	expect(m, type).not.toBeNull();
	const bytes = new Uint8Array(await res.arrayBuffer());
	const enc = new TextEncoder();
	const delimiter = enc.encode(`--${m![1]}`);
	expect(indexOf(bytes, delimiter, 0)).toBe(0);
	const out: Part[] = [];
	let at = delimiter.length;
	for (;;) {
		const rest = new TextDecoder().decode(bytes.slice(at, at + 2));
		if (rest === "--") break;
		expect(rest).toBe("\r\n");
		const headerEnd = indexOf(bytes, enc.encode("\r\n\r\n"), at + 2);
		const headerText = headerEnd === at + 2 ? "" : new TextDecoder().decode(bytes.slice(at + 2, headerEnd));
		const headers = Object.fromEntries(headerText.split("\r\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
		const next = indexOf(bytes, enc.encode(`\r\n--${m![1]}`), headerEnd + 4);
		expect(next).toBeGreaterThan(0);
		out.push({ headers, body: bytes.slice(headerEnd + 4, next) });
		at = next + 2 + delimiter.length;
	}
	return out;
}

function png(width: number, height: number): Uint8Array {
	const pixels = new Uint8Array(width * height * 4).fill(200);
	const img = new PhotonImage(pixels, width, height);
	try {
		return img.get_bytes();
	} finally {
		img.free();
	}
}

beforeAll(async () => {
	remote = await remoteServer("media.example", 41);
	await seedKeys([remote]);
	alice = await makeUser("fedmediaalice");
});

describe("federation media", () => {
	it("download answers multipart/mixed: {} metadata, then the bytes with type and disposition", async () => {
		const id = await upload("plain text, shared across servers", "text/plain", "notes.txt");
		const res = await signedGet(`/_matrix/federation/v1/media/download/${id}`);
		expect(res.status).toBe(200);
		const [meta, media, ...more] = await parts(res);
		expect(more).toEqual([]);
		expect(meta!.headers["content-type"]).toBe("application/json");
		expect(JSON.parse(new TextDecoder().decode(meta!.body))).toEqual({});
		expect(media!.headers["content-type"]).toMatch(/^text\/plain/);
		expect(media!.headers["content-disposition"]).toContain("notes.txt");
		expect(new TextDecoder().decode(media!.body)).toBe("plain text, shared across servers");
	});

	it("carries binary media byte for byte", async () => {
		const bytes = png(64, 48);
		const id = await upload(bytes, "image/png");
		const [, media] = await parts(await signedGet(`/_matrix/federation/v1/media/download/${id}`));
		expect(media!.body).toEqual(bytes);
	});

	it("thumbnail answers multipart/mixed with a scaled image", async () => {
		const id = await upload(png(400, 300), "image/png");
		const res = await signedGet(`/_matrix/federation/v1/media/thumbnail/${id}?width=64&height=64&method=scale`);
		expect(res.status).toBe(200);
		const [meta, media] = await parts(res);
		expect(new TextDecoder().decode(meta!.body)).toBe("{}");
		expect(media!.headers["content-type"]).toBe("image/png");
		const size = readImageSize(media!.body)!;
		expect(size.width).toBeLessThan(400);
		expect(size.width).toBeGreaterThanOrEqual(64);
	});

	it("refuses unknown media, bad parameters and unsigned requests", async () => {
		const unknown = await signedGet(`/_matrix/federation/v1/media/download/${"A".repeat(24)}`);
		expect(unknown.status).toBe(404);
		expect(((await unknown.json()) as { errcode: string }).errcode).toBe("M_NOT_FOUND");
		const id = await upload("x", "text/plain");
		const noSize = await signedGet(`/_matrix/federation/v1/media/thumbnail/${id}`);
		expect(noSize.status).toBe(400);
		const badTimeout = await signedGet(`/_matrix/federation/v1/media/download/${id}?timeout_ms=soon`);
		expect(badTimeout.status).toBe(400);
		const notImage = await signedGet(`/_matrix/federation/v1/media/thumbnail/${id}?width=32&height=32`);
		expect(notImage.status).toBe(400);
		const unsigned = await exports.default.fetch(`http://localhost/_matrix/federation/v1/media/download/${id}`);
		expect(unsigned.status).toBe(401);
	});
});
