// Canonical JSON against the spec appendix examples and canonical-json-extra.json (python-canonicaljson, Synapse's library).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CanonicalJsonError, canonicalJson, canonicalJsonBytes, compareCodePoints } from "../../../src/protocol/json/canonical";

const vectors = (name: string): unknown =>
	JSON.parse(readFileSync(new URL(`../../../../shared/vectors/${name}`, import.meta.url), "utf8"));

interface AppendixVector {
	input_json_text: string;
	expected_canonical: string;
}
interface ExtraVector {
	name: string;
	input: unknown;
	expected_canonical: string;
	expected_utf8_hex: string;
}
const appendix = (vectors("spec-appendix-vectors.json") as { canonical_json: { vectors: AppendixVector[] } }).canonical_json.vectors;
const extra = (vectors("canonical-json-extra.json") as { vectors: ExtraVector[] }).vectors;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("canonical JSON (spec appendix examples)", () => {
	it.each(appendix.map((v, i) => ({ ...v, i })))("example $i gives $expected_canonical", ({ input_json_text, expected_canonical }) => {
		expect(canonicalJson(JSON.parse(input_json_text))).toBe(expected_canonical);
	});
});

describe("canonical JSON (canonical-json-extra.json)", () => {
	it("has all 13 vectors", () => expect(extra).toHaveLength(13));
	it.each(extra)("$name", ({ input, expected_canonical, expected_utf8_hex }) => {
		expect(canonicalJson(input)).toBe(expected_canonical);
		expect(hex(canonicalJsonBytes(input))).toBe(expected_utf8_hex);
	});
});

describe("canonical JSON rejects what it cannot encode", () => {
	it.each([
		["a float", { a: 1.5 }],
		["a negative float", [-0.25]],
		["2^53", { a: 2 ** 53 }],
		["-(2^53)", { a: -(2 ** 53) }],
		["a large integer", { a: 1e20 }],
		["Infinity", { a: Number.POSITIVE_INFINITY }],
		["NaN", { a: Number.NaN }],
		["a bigint", { a: 1n }],
		["a function", { a: () => 1 }],
		["undefined at the top", undefined],
	])("rejects %s", (_name, value) => {
		expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
	});
	it("reports M_BAD_JSON", () => {
		expect(() => canonicalJson({ a: 0.5 })).toThrow(expect.objectContaining({ errcode: "M_BAD_JSON" }));
	});
	it("accepts the range limits ±(2^53−1) and writes -0 as 0", () => {
		expect(canonicalJson([2 ** 53 - 1, -(2 ** 53 - 1), -0])).toBe("[9007199254740991,-9007199254740991,0]");
	});
});

describe("compareCodePoints", () => {
	it("orders astral characters after the top of the BMP, unlike UTF-16 sort", () => {
		expect(compareCodePoints("\u{1F600}", "\uFFFF")).toBeGreaterThan(0);
		expect(["\u{1F600}", "\uFFFF"].sort()).toEqual(["\u{1F600}", "\uFFFF"]);
	});
	it("orders prefixes first", () => {
		expect(compareCodePoints("a", "aa")).toBeLessThan(0);
		expect(compareCodePoints("ab", "ab")).toBe(0);
	});
	it("compares code points after a shared prefix, astral, private-use and lone surrogates alike", () => {
		// Sorted by code point: U+0041 < U+D800 (lone) < U+E000 < U+1F600.
		const sorted = ["k\u0041", "k\uD800", "k\uE000", "k\u{1F600}"];
		for (let i = 0; i < sorted.length; i++) {
			for (let j = 0; j < sorted.length; j++) expect(Math.sign(compareCodePoints(sorted[i]!, sorted[j]!))).toBe(Math.sign(i - j));
		}
		expect(canonicalJson({ "k\u{1F600}": 1, "k\uE000": 2, kA: 3 })).toBe('{"kA":3,"k\uE000":2,"k\u{1F600}":1}');
	});
});
