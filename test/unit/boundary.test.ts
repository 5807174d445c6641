// The layering rules of ARCHITECTURE.md, checked on the source text:
// - src/protocol imports nothing of ours outside itself, no platform modules, and uses no clock or randomness;
// - src/platform (shared Workers infrastructure: DO schema runner, logging, body reading) imports only
//   protocol code and packages, never a shell;
// - worker, bridge and export import each other only as types, except in the composition root;
// - the export code never names the media bucket (collectors get only DB, ROOM and USER by type: collect/types.ts).
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { sourceFiles } from "./source-files";

const SRC = resolve("src");
/** Files that wire the parts together and may import any part's values. */
const COMPOSITION_ROOT = new Set(["worker/index.ts", "worker/app.ts", "worker/endpoints.ts"]);

interface ImportRef {
	spec: string;
	typeOnly: boolean;
}

/** Static imports, re-exports and dynamic imports, with whether each is type-only. */
export function importsOf(text: string): ImportRef[] {
	const refs: ImportRef[] = [];
	const stat = /^\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*["']([^"']+)["']/gm;
	for (const m of text.matchAll(stat)) {
		const clause = m[3] ?? "";
		// `import { type A, type B } from` is type-only too.
		const inlineTypesOnly = /^\{[^}]*\}$/.test(clause.trim()) && clause.replace(/[{}\s]/g, "").split(",").filter(Boolean).every((s) => s.startsWith("type"));
		refs.push({ spec: m[4]!, typeOnly: Boolean(m[2]) || inlineTypesOnly });
	}
	for (const m of text.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) refs.push({ spec: m[1]!, typeOnly: false });
	for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) refs.push({ spec: m[1]!, typeOnly: false });
	return refs;
}

function partOf(file: string): string {
	return relative(SRC, file).split("/")[0]!;
}

function stripComments(text: string): string {
	return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

const files = sourceFiles(SRC);

describe("src/protocol is pure", () => {
	const protocol = files.filter((f) => partOf(f) === "protocol");
	it("has source files to check", () => expect(protocol.length).toBeGreaterThan(5));
	it.each(protocol.map((f) => relative(SRC, f)))("%s imports only protocol code", (rel) => {
		const file = join(SRC, rel);
		for (const { spec } of importsOf(readFileSync(file, "utf8"))) {
			expect(spec.startsWith("."), `${rel} imports package ${spec}`).toBe(true);
			expect(partOf(resolve(dirname(file), spec)), `${rel} imports ${spec}`).toBe("protocol");
		}
	});
	it.each(protocol.map((f) => relative(SRC, f)))("%s uses no clock, randomness, fetch or platform globals", (rel) => {
		const code = stripComments(readFileSync(join(SRC, rel), "utf8"));
		for (const banned of [/Date\.now\(/, /new Date\(/, /Math\.random\(/, /getRandomValues\(/, /randomUUID\(/, /(^|[^.\w])fetch\(/, /\bprocess\./, /\bBuffer\./, /\bperformance\.now\(/]) {
			expect(code, `${rel} matches ${banned}`).not.toMatch(banned);
		}
	});
});

describe("src/platform depends on no shell", () => {
	const platform = files.filter((f) => partOf(f) === "platform");
	it.each(platform.map((f) => relative(SRC, f)))("%s", (rel) => {
		const file = join(SRC, rel);
		for (const { spec } of importsOf(readFileSync(file, "utf8"))) {
			if (!spec.startsWith(".")) continue;
			expect(["platform", "protocol"], `${rel} imports ${spec}`).toContain(partOf(resolve(dirname(file), spec)));
		}
	});
});

describe("worker, bridge and export import each other only as types", () => {
	const shells = files.filter((f) => ["worker", "bridge", "export"].includes(partOf(f)));
	it.each(shells.map((f) => relative(SRC, f)).filter((r) => !COMPOSITION_ROOT.has(r)))("%s", (rel) => {
		const file = join(SRC, rel);
		const own = partOf(file);
		for (const { spec, typeOnly } of importsOf(readFileSync(file, "utf8"))) {
			if (!spec.startsWith(".")) continue;
			const target = partOf(resolve(dirname(file), spec));
			if (target === own || target === "protocol" || target === "platform") continue;
			expect(typeOnly, `${rel} imports a value from ${spec} (${target})`).toBe(true);
		}
	});
});

describe("the export code has no binding to media bytes (LAWFUL_ACCESS.md \"What may be exported\")", () => {
	const files = sourceFiles(join(SRC, "export"));
	it("never names the MEDIA bucket binding", () => {
		expect(files.length).toBeGreaterThan(50);
		expect(files.filter((f) => /\bMEDIA\b/.test(readFileSync(f, "utf8"))).map((f) => relative(SRC, f))).toEqual([]);
	});
});

describe("the import scanner itself", () => {
	it("sees value, type and dynamic imports", () => {
		const refs = importsOf(`import { a } from "./x";\nimport type { B } from "../y";\nimport { type C } from "./z";\nexport { d } from "./w";\nconst m = await import("./v");`);
		expect(refs).toEqual([
			{ spec: "./x", typeOnly: false },
			{ spec: "../y", typeOnly: true },
			{ spec: "./z", typeOnly: true },
			{ spec: "./w", typeOnly: false },
			{ spec: "./v", typeOnly: false },
		]);
	});
});
