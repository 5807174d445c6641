import { PhotonImage } from "@cf-wasm/photon";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { requireUserId } from "../../src/protocol/ids/user-id";
import { readImageSize } from "../../src/protocol/media/image-size";
import { createAccount } from "../../src/worker/d1/accounts";

const SERVER = env.SERVER_NAME;
let token = "";

beforeAll(async () => {
	const userId = requireUserId(`@thumbs:${SERVER}`);
	await createAccount(env.DB, { user_id: userId, localpart: "thumbs", password_hash: null, created_ts: Date.now() });
	const stub = env.USER.getByName(userId);
	const device = await stub.createDevice(userId);
	if (!device.ok) throw new Error(device.error);
	const issued = await stub.issueAccessToken(userId, device.value.device_id);
	if (!issued.ok) throw new Error(issued.error);
	token = issued.value;
});

type Rgb = [number, number, number];

/** A real image: vertical bands of colour, encoded by Photon as PNG or JPEG. */
function image(width: number, height: number, bands: Rgb[], format: "png" | "jpeg"): Uint8Array {
	const pixels = new Uint8Array(width * height * 4);
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const [r, g, b] = bands[Math.min(bands.length - 1, Math.floor((x * bands.length) / width))]!;
			pixels.set([r, g, b, 255], (y * width + x) * 4);
		}
	}
	const img = new PhotonImage(pixels, width, height);
	try {
		return format === "png" ? img.get_bytes() : img.get_bytes_jpeg(90);
	} finally {
		img.free();
	}
}

async function upload(bytes: Uint8Array | string, contentType: string): Promise<string> {
	const res = await exports.default.fetch("http://localhost/_matrix/media/v3/upload", {
		method: "POST",
		body: bytes,
		headers: { Authorization: `Bearer ${token}`, "Content-Type": contentType },
	});
	expect(res.status).toBe(200);
	return ((await res.json()) as { content_uri: string }).content_uri.slice(`mxc://${SERVER}/`.length);
}

function thumbnail(id: string, query: string): Promise<Response> {
	return exports.default.fetch(`http://localhost/_matrix/client/v1/media/thumbnail/${SERVER}/${id}?${query}`, {
		headers: { Authorization: `Bearer ${token}` },
	});
}

/** Decodes a response with Photon (a real decoder) and reads its header with our parser; both must agree. */
async function decoded(res: Response): Promise<{ width: number; height: number; pixel: (x: number, y: number) => Rgb; bytes: Uint8Array }> {
	expect(res.status).toBe(200);
	const bytes = new Uint8Array(await res.arrayBuffer());
	const img = PhotonImage.new_from_byteslice(bytes);
	const width = img.get_width();
	const height = img.get_height();
	const raw = img.get_raw_pixels();
	img.free();
	expect(readImageSize(bytes)).toMatchObject({ width, height });
	return { width, height, bytes, pixel: (x, y) => [raw[(y * width + x) * 4]!, raw[(y * width + x) * 4 + 1]!, raw[(y * width + x) * 4 + 2]!] };
}

const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];

describe("thumbnails made with a WASM image library", () => {
	let png = "";
	let jpeg = "";
	let pngBytes: Uint8Array = new Uint8Array();

	beforeAll(async () => {
		pngBytes = image(400, 300, [RED, GREEN, BLUE], "png");
		png = await upload(pngBytes, "image/png");
		jpeg = await upload(image(1000, 500, [RED, BLUE], "jpeg"), "image/jpeg");
	});

	it("crops a PNG to exactly 96x96 around the centre", async () => {
		const res = await thumbnail(png, "width=96&height=96&method=crop");
		expect(res.headers.get("Content-Type")).toBe("image/png");
		expect(res.headers.get("Content-Disposition")).toBe('inline; filename="thumbnail.png"');
		const t = await decoded(res);
		expect([t.width, t.height]).toEqual([96, 96]);
		// The middle band is green; a crop keeps the centre (400x300 → 128x96, then x 16..112).
		expect(t.pixel(48, 48)).toEqual(GREEN);
		expect(t.pixel(2, 48)[0]).toBeGreaterThan(200);
	});

	it("picks the next standard crop size (32x32) for a smaller request", async () => {
		const t = await decoded(await thumbnail(png, "width=20&height=20&method=crop"));
		expect([t.width, t.height]).toEqual([32, 32]);
	});

	it("scales a PNG into the 320x240 box keeping its aspect ratio", async () => {
		const t = await decoded(await thumbnail(png, "width=100&height=100&method=scale"));
		expect([t.width, t.height]).toEqual([320, 240]);
	});

	it("scales a JPEG to JPEG within 640x480 (2:1 → 640x320)", async () => {
		const res = await thumbnail(jpeg, "width=640&height=480");
		expect(res.headers.get("Content-Type")).toBe("image/jpeg");
		const t = await decoded(res);
		expect([t.width, t.height]).toEqual([640, 320]);
		const [r, , b] = t.pixel(600, 160);
		expect(b).toBeGreaterThan(200);
		expect(r).toBeLessThan(60);
	});

	it("answers a request larger than the original with the original (never upscales)", async () => {
		const t = await decoded(await thumbnail(png, "width=800&height=600&method=scale"));
		expect(t.bytes).toEqual(pngBytes);
		const crop = await decoded(await thumbnail(png, "width=500&height=500&method=crop"));
		expect([crop.width, crop.height]).toEqual([400, 300]);
		// The original is labelled by its real format, whatever the uploader claimed.
		const mislabelled = await upload(pngBytes, "application/octet-stream");
		const res = await thumbnail(mislabelled, "width=800&height=600");
		expect([res.headers.get("Content-Type"), res.headers.get("Content-Disposition")]).toEqual(["image/png", "inline"]);
	});

	it("keeps the rendered thumbnail in R2 and serves it again", async () => {
		const first = new Uint8Array(await (await thumbnail(png, "width=96&height=96&method=crop")).arrayBuffer());
		const stored = await env.MEDIA.get(`thumbnails/${png}/96x96-crop`);
		expect(stored).not.toBeNull();
		expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(first);
		const again = new Uint8Array(await (await thumbnail(png, "width=90&height=90&method=crop")).arrayBuffer());
		expect(again).toEqual(first);
	});

	it("treats animated=true as false for still images", async () => {
		const t = await decoded(await thumbnail(png, "width=32&height=32&method=crop&animated=true"));
		expect([t.width, t.height]).toEqual([32, 32]);
	});

	it("answers the spec's errors for bad parameters, non-images and oversized images", async () => {
		const cases: [string, string, number, string][] = [
			[png, "height=32", 400, "M_MISSING_PARAM"],
			[png, "width=32", 400, "M_MISSING_PARAM"],
			[png, "width=0&height=32", 400, "M_INVALID_PARAM"],
			[png, "width=abc&height=32", 400, "M_INVALID_PARAM"],
			[png, "width=32&height=32&method=fit", 400, "M_INVALID_PARAM"],
			[png, "width=32&height=32&animated=maybe", 400, "M_INVALID_PARAM"],
			[await upload("just some text", "text/plain"), "width=32&height=32", 400, "M_UNKNOWN"],
		];
		// A PNG whose header claims 20000x20000 pixels: refused before any decoding.
		const bomb = image(4, 4, [RED], "png");
		new DataView(bomb.buffer, bomb.byteOffset).setUint32(16, 20_000);
		new DataView(bomb.buffer, bomb.byteOffset).setUint32(20, 20_000);
		cases.push([await upload(bomb, "image/png"), "width=32&height=32", 413, "M_TOO_LARGE"]);
		for (const [id, query, status, errcode] of cases) {
			const res = await thumbnail(id, query);
			expect({ query, status: res.status, errcode: ((await res.json()) as { errcode: string }).errcode }).toEqual({ query, status, errcode });
		}
	});
});
