import { describe, expect, it } from "vitest";
import { hashToken, mintAccessToken, parseAccessToken } from "../../src/worker/user/access-token";
import { crc32 } from "../../src/worker/user/crc32";

const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);

describe("crc32", () => {
	it("matches the IEEE check value", () => {
		expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
	});
});

describe("access tokens", () => {
	it("round-trips the localpart and has the mxt_ shape", () => {
		const token = mintAccessToken("alice", bytes(20));
		expect(token).toMatch(/^mxt_YWxpY2U_[0-9A-Za-z]{27}_[0-9A-Za-z]{6}$/);
		expect(parseAccessToken(token)).toEqual({ localpart: "alice" });
	});

	it("is deterministic in its random input and differs when it differs", () => {
		expect(mintAccessToken("bob", bytes(20))).toBe(mintAccessToken("bob", bytes(20)));
		expect(mintAccessToken("bob", bytes(20, 1))).not.toBe(mintAccessToken("bob", bytes(20, 2)));
	});

	it("keeps a fixed random width even when the bytes are zero", () => {
		const token = mintAccessToken("bob", bytes(20, 0));
		expect(token.split("_")[2]).toBe("0".repeat(27));
		expect(parseAccessToken(token)).toEqual({ localpart: "bob" });
	});

	it("handles localparts whose url-safe base64 contains '_' and '-', and non-ASCII", () => {
		// "?>?" encodes as "Pz4_" in url-safe base64: the separator character appears inside the localpart.
		for (const localpart of ["?>?", "~~~", "ünïcødé", "a.b=c/d", "x", "\uFEFFbom"]) {
			const token = mintAccessToken(localpart, crypto.getRandomValues(new Uint8Array(20)));
			expect(parseAccessToken(token)).toEqual({ localpart });
		}
		expect(mintAccessToken("?>?", bytes(20))).toContain("mxt_Pz4__");
	});

	it("rejects a changed character anywhere (CRC) without needing storage", () => {
		const token = mintAccessToken("alice", bytes(20, 9));
		for (let i = 4; i < token.length; i++) {
			if (token[i] === "_") continue;
			const swapped = token[i] === "A" ? "B" : "A";
			expect(parseAccessToken(token.slice(0, i) + swapped + token.slice(i + 1))).toBeUndefined();
		}
	});

	it("rejects other shapes", () => {
		const good = mintAccessToken("alice", bytes(20));
		for (const bad of [
			"",
			"syt_YWxpY2U_abc_def",
			good.replace("mxt_", "MXT_"),
			good.slice(0, -1),
			`${good}x`,
			`${good}\n`,
			"mxt__aaaaaaaaaaaaaaaaaaaaaaaaaaa_000000",
			`mxt_${"A".repeat(600)}_aaaaaaaaaaaaaaaaaaaa_000000`,
		]) {
			expect(parseAccessToken(bad)).toBeUndefined();
		}
	});

	it("refuses too little randomness and empty localparts when minting", () => {
		expect(() => mintAccessToken("alice", bytes(15))).toThrow();
		expect(() => mintAccessToken("", bytes(20))).toThrow();
	});

	it("hashes with SHA-256 into unpadded standard base64", async () => {
		// SHA-256("abc") = ba7816bf...15ad
		expect(await hashToken("abc")).toBe("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0");
		const token = mintAccessToken("alice", bytes(20));
		expect(await hashToken(token)).not.toContain(token);
	});
});
