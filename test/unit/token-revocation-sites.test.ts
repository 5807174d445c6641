// The token cache's one rule (src/worker/user/token-cache.ts), checked on the source text: every method whose
// SQL deletes access tokens, directly or through the devices they cascade from, first empties the cache.
// A method that forgot would leave a revoked token working in its isolate for TOKEN_CACHE_MS.
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { sourceFiles } from "./source-files";

const SRC = resolve("src");
const DELETES_TOKENS = /DELETE FROM (access_tokens|devices)\b/g;

/** The text from the start of the class method or function around `index` up to `index`. */
export function enclosingBodyUpTo(text: string, index: number): string {
	const before = text.slice(0, index);
	// A method (one tab in) or a top-level function: the last such signature line before the statement.
	const starts = [...before.matchAll(/^(\t[A-Za-z_][\w]*\s*\(|(export )?(async )?function )/gm)];
	const start = starts.length === 0 ? 0 : starts[starts.length - 1]!.index;
	return before.slice(start);
}

describe("access-token deletes empty the token cache", () => {
	const sites = sourceFiles(SRC).flatMap((file) => {
		const text = readFileSync(file, "utf8");
		return [...text.matchAll(DELETES_TOKENS)].map((m) => ({ where: `${relative(SRC, file)}:${text.slice(0, m.index).split("\n").length}`, body: enclosingBodyUpTo(text, m.index) }));
	});

	it("finds the deletes (so the check below checks something)", () => {
		expect(sites.length).toBeGreaterThanOrEqual(4);
	});

	it("calls forgetCachedTokens() before each", () => {
		expect(sites.filter((s) => !s.body.includes("forgetCachedTokens()")).map((s) => s.where)).toEqual([]);
	});

	it("sees a method that does not", () => {
		const text = "class S {\n\tok(): void {\n\t\tforgetCachedTokens();\n\t}\n\n\tbad(): void {\n\t\tsql.exec('DELETE FROM access_tokens');\n\t}\n}\n";
		const index = text.indexOf("DELETE FROM");
		expect(enclosingBodyUpTo(text, index)).not.toContain("forgetCachedTokens()");
		expect(enclosingBodyUpTo(text, index).startsWith("\tbad(")).toBe(true);
	});
});
