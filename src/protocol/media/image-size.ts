// Reading an image's pixel dimensions from its header, without decoding it: so a thumbnail request for
// a decompression bomb is refused (413 M_TOO_LARGE) before any pixel buffer is allocated.
// Spec: https://spec.matrix.org/latest/client-server-api/#content-repo-security-considerations
// ("Homeservers should not attempt to generate thumbnails for images that are too large").
// Formats: PNG (IHDR), GIF (logical screen), JPEG (SOFn), WebP (VP8 / VP8L / VP8X).

export interface ImageSize {
	width: number;
	height: number;
	format: "png" | "gif" | "jpeg" | "webp";
}

function u16be(b: Uint8Array, i: number): number {
	return (b[i]! << 8) | b[i + 1]!;
}
function u16le(b: Uint8Array, i: number): number {
	return b[i]! | (b[i + 1]! << 8);
}
function u24le(b: Uint8Array, i: number): number {
	return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
}
function u32be(b: Uint8Array, i: number): number {
	return ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
}
function ascii(b: Uint8Array, i: number, n: number): string {
	return String.fromCharCode(...b.subarray(i, i + n));
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function png(b: Uint8Array): ImageSize | undefined {
	if (b.length < 24 || !PNG_SIGNATURE.every((v, i) => b[i] === v) || ascii(b, 12, 4) !== "IHDR") return undefined;
	return { width: u32be(b, 16), height: u32be(b, 20), format: "png" };
}

function gif(b: Uint8Array): ImageSize | undefined {
	if (b.length < 10 || !/^GIF8[79]a$/.test(ascii(b, 0, 6))) return undefined;
	return { width: u16le(b, 6), height: u16le(b, 8), format: "gif" };
}

/** Walks the JPEG segments to the first start-of-frame (SOF0–SOF15 except DHT C4, JPG C8, DAC CC). */
function jpeg(b: Uint8Array): ImageSize | undefined {
	if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined;
	let i = 2;
	while (i + 9 < b.length) {
		if (b[i] !== 0xff) return undefined;
		const marker = b[i + 1]!;
		if (marker === 0xff) {
			i++; // fill byte
			continue;
		}
		const length = u16be(b, i + 2);
		if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
			return { height: u16be(b, i + 5), width: u16be(b, i + 7), format: "jpeg" };
		}
		if (length < 2) return undefined;
		i += 2 + length;
	}
	return undefined;
}

function webp(b: Uint8Array): ImageSize | undefined {
	if (b.length < 30 || ascii(b, 0, 4) !== "RIFF" || ascii(b, 8, 4) !== "WEBP") return undefined;
	const chunk = ascii(b, 12, 4);
	if (chunk === "VP8X") return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1, format: "webp" };
	if (chunk === "VP8 ") return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff, format: "webp" };
	if (chunk === "VP8L" && b[20] === 0x2f) {
		const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
		return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, format: "webp" };
	}
	return undefined;
}

/** The image's size and format from its first bytes, or undefined if it is none of the formats we thumbnail. */
export function readImageSize(bytes: Uint8Array): ImageSize | undefined {
	return png(bytes) ?? jpeg(bytes) ?? gif(bytes) ?? webp(bytes);
}
