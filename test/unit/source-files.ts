// The TypeScript sources under a directory, for the tests that check rules on the source text.
import { readdirSync } from "node:fs";
import { join } from "node:path";

export function sourceFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
		const p = join(dir, e.name);
		if (e.isDirectory()) return sourceFiles(p);
		return /\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
	});
}
