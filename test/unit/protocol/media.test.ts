import { describe, expect, it } from "vitest";
import { contentDisposition, normaliseContentType } from "../../../src/protocol/media/content-disposition";
import { servedUnauthenticated } from "../../../src/protocol/media/freeze";
import { readImageSize } from "../../../src/protocol/media/image-size";
import { isValidMediaId, mediaIdFromRandom, parseMediaLocation } from "../../../src/protocol/media/media-id";
import { chooseThumbnailSize, planThumbnail } from "../../../src/protocol/media/thumbnail-plan";
import { parseThumbnailQuery } from "../../../src/protocol/media/thumbnail-request";
import { errcodeOf } from "../helpers/errcode";

describe("media IDs", () => {
	it("allows only A-Za-z0-9, _ and - (no traversal)", () => {
		expect(isValidMediaId("AQwafuaFswefuhsfAFAgsw_-9")).toBe(true);
		for (const bad of ["", "../etc", "a/b", "a.b", "a%2F", "é"]) expect(isValidMediaId(bad)).toBe(false);
		expect(parseMediaLocation("127.0.0.1/..", "abc")).toBeUndefined();
		expect(parseMediaLocation("example.org:8448", "abc")).toEqual({ serverName: "example.org:8448", mediaId: "abc" });
	});

	it("makes 24-character IDs from random bytes, skipping biased bytes", () => {
		const id = mediaIdFromRandom(new Uint8Array(48).map((_, i) => i * 5));
		expect(id).toMatch(/^[A-Za-z0-9]{24}$/);
		expect(mediaIdFromRandom(new Uint8Array(48).fill(250))).toBeUndefined();
		expect(mediaIdFromRandom(new Uint8Array(24).fill(62))).toBe("A".repeat(24));
	});
});

describe("Content-Type and Content-Disposition", () => {
	it("is inline only for the spec's safe types", () => {
		expect(contentDisposition("image/png", null)).toBe("inline");
		expect(contentDisposition("Text/Plain; charset=utf-8", "a.txt")).toBe('inline; filename="a.txt"');
		expect(contentDisposition("text/html", "x.html")).toBe('attachment; filename="x.html"');
		expect(contentDisposition("image/svg+xml", null)).toBe("attachment");
		expect(contentDisposition("application/octet-stream", "")).toBe("attachment");
	});

	it("keeps non-ASCII and quoted names exactly, RFC 6266 style", () => {
		expect(contentDisposition("image/jpeg", "ünï \"q\".jpg")).toBe("inline; filename*=utf-8''%C3%BCn%C3%AF%20%22q%22.jpg");
	});

	it("replaces a missing or malformed type with application/octet-stream", () => {
		expect(normaliseContentType(undefined)).toBe("application/octet-stream");
		expect(normaliseContentType("not a type")).toBe("application/octet-stream");
		expect(normaliseContentType("text/plain\r\nX: y")).toBe("application/octet-stream");
		expect(normaliseContentType("image/png")).toBe("image/png");
	});
});

describe("the freeze", () => {
	it("serves unauthenticated only what was uploaded before it", () => {
		expect(servedUnauthenticated(999, 1000)).toBe(true);
		expect(servedUnauthenticated(1000, 1000)).toBe(false);
		expect(servedUnauthenticated(Date.UTC(2026, 0, 1))).toBe(false);
		expect(servedUnauthenticated(Date.UTC(2023, 0, 1))).toBe(true);
	});
});

describe("image headers", () => {
	it("reads PNG, GIF, JPEG and WebP sizes", () => {
		const png = new Uint8Array(24);
		png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0x90, 0, 0, 1, 0x2c]);
		expect(readImageSize(png)).toEqual({ width: 400, height: 300, format: "png" });

		const gif = new TextEncoder().encode("GIF89a\x20\x03\x58\x02");
		expect(readImageSize(gif)).toEqual({ width: 800, height: 600, format: "gif" });

		// SOI, an APP0 segment of 16 bytes, then SOF0 with height 480, width 640.
		const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, ...new Array<number>(14).fill(0), 0xff, 0xc0, 0, 17, 8, 0x01, 0xe0, 0x02, 0x80, 3]);
		expect(readImageSize(jpeg)).toEqual({ width: 640, height: 480, format: "jpeg" });

		const vp8x = new Uint8Array(30);
		vp8x.set(new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8X"));
		vp8x.set([99, 0, 0, 49, 0, 0], 24);
		expect(readImageSize(vp8x)).toEqual({ width: 100, height: 50, format: "webp" });
	});

	it("returns undefined for anything else", () => {
		expect(readImageSize(new TextEncoder().encode("just text, not an image at all"))).toBeUndefined();
		expect(readImageSize(new Uint8Array([0xff, 0xd8]))).toBeUndefined();
	});
});

describe("thumbnail planning", () => {
	it("prefers the smallest standard size of the method that covers the request", () => {
		expect(chooseThumbnailSize({ width: 50, height: 50, method: "crop" })).toEqual({ width: 96, height: 96, method: "crop" });
		expect(chooseThumbnailSize({ width: 330, height: 100, method: "scale" })).toEqual({ width: 640, height: 480, method: "scale" });
		expect(chooseThumbnailSize({ width: 1000, height: 1000, method: "scale" })).toEqual({ width: 1000, height: 1000, method: "scale" });
	});

	it("scales into the box keeping the aspect ratio", () => {
		expect(planThumbnail(1000, 500, { width: 640, height: 480, method: "scale" })).toMatchObject({ kind: "resize", width: 640, height: 320, crop: { x: 0, y: 0, width: 640, height: 320 } });
		expect(planThumbnail(300, 1200, { width: 320, height: 240, method: "scale" })).toMatchObject({ kind: "resize", width: 60, height: 240 });
	});

	it("covers then centre-crops to exactly the box", () => {
		expect(planThumbnail(400, 100, { width: 96, height: 96, method: "crop" })).toMatchObject({
			kind: "resize",
			width: 384,
			height: 96,
			crop: { x: 144, y: 0, width: 96, height: 96 },
		});
	});

	it("never upscales: a small original is returned as it is", () => {
		expect(planThumbnail(300, 200, { width: 320, height: 240, method: "scale" })).toEqual({ kind: "original" });
		expect(planThumbnail(90, 500, { width: 96, height: 96, method: "crop" })).toEqual({ kind: "original" });
		expect(planThumbnail(96, 96, { width: 96, height: 96, method: "crop" })).toEqual({ kind: "original" });
	});
});

describe("thumbnail query", () => {
	it("defaults method to scale and bounds the size", () => {
		expect(parseThumbnailQuery({ width: "64", height: "64" })).toEqual({ width: 64, height: 64, method: "scale" });
		expect(parseThumbnailQuery({ width: "99999", height: "1", method: "crop" })).toEqual({ width: 4096, height: 1, method: "crop" });
	});

	it("refuses missing and malformed parameters", () => {
		expect(errcodeOf(() => parseThumbnailQuery({ width: "1" }))).toBe("M_MISSING_PARAM");
		expect(errcodeOf(() => parseThumbnailQuery({ width: "-1", height: "1" }))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => parseThumbnailQuery({ width: "1.5", height: "1" }))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => parseThumbnailQuery({ width: "1", height: "1", method: "zoom" }))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => parseThumbnailQuery({ width: "1", height: "1", animated: "1" }))).toBe("M_INVALID_PARAM");
	});
});
