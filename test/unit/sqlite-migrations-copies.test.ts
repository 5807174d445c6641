// The schema runner exists three times because worker, bridge and export may share only types.
// This keeps the copies from drifting: everything below each file's header comment must match.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

function body(path: string): string {
	const text = readFileSync(path, "utf8");
	return text.slice(text.search(/^\/\/ Docs:/m));
}

it("bridge and export copies of the migration runner match the worker's", () => {
	const original = body("src/worker/durable/migrations.ts");
	expect(original.length).toBeGreaterThan(500);
	expect(body("src/bridge/outbound/sqlite-migrations.ts")).toBe(original);
	expect(body("src/export/audit/sqlite-migrations.ts")).toBe(original);
});
