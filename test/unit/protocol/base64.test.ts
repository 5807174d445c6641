// Unpadded base64 against the spec appendix vectors, plus decoding of the variants the spec asks us to accept.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeBase64, encodeBase64, encodeBase64Url } from "../../../src/protocol/json/base64";

interface Base64Vector {
	input_utf8: string;
	expected: string;
}
const appendix = JSON.parse(readFileSync(new URL("../../../../shared/vectors/spec-appendix-vectors.json", import.meta.url), "utf8")) as {
	unpadded_base64: { vectors: Base64Vector[] };
};
const utf8 = (s: string) => new TextEncoder().encode(s);

describe("unpadded base64 (spec appendix)", () => {
	it.each(appendix.unpadded_base64.vectors)("encodes $input_utf8 as $expected", ({ input_utf8, expected }) => {
		expect(encodeBase64(utf8(input_utf8))).toBe(expected);
	});
	it.each(appendix.unpadded_base64.vectors)("decodes $expected back to $input_utf8", ({ input_utf8, expected }) => {
		expect(decodeBase64(expected)).toEqual(utf8(input_utf8));
	});
});

describe("base64 variants", () => {
	const bytes = new Uint8Array([0xfb, 0xff, 0xbf, 0xfe]);
	it("uses + and / in the standard alphabet and - and _ in the URL-safe one", () => {
		expect(encodeBase64(bytes)).toBe("+/+//g");
		expect(encodeBase64Url(bytes)).toBe("-_-__g");
	});
	it("decodes padded, unpadded and URL-safe input alike", () => {
		expect(decodeBase64("+/+//g==")).toEqual(bytes);
		expect(decodeBase64("+/+//g")).toEqual(bytes);
		expect(decodeBase64("-_-__g")).toEqual(bytes);
		expect(decodeBase64("Zm9vYg==")).toEqual(utf8("foob"));
	});
	it("rejects bad characters and impossible lengths", () => {
		expect(decodeBase64("Zm9v!")).toBeUndefined();
		expect(decodeBase64("Z")).toBeUndefined();
		expect(decodeBase64("Zm9vY===")).toBeUndefined();
		expect(decodeBase64("Zg=")).toBeUndefined();
		expect(decodeBase64("Zm9v\u00e9")).toBeUndefined();
	});
});
