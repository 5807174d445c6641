// The plaintext scan of the E2EE end-to-end tests: every message body sent is a unique canary, and after
// the run no file of a server's persisted state (STATE_DIR, stopped so SQLite WAL files are flushed) may
// hold one. The scan also reports what it read, so a test can show it looked at real data.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

export function filesUnder(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? filesUnder(path) : [path];
	});
}

/** Unique message bodies, remembered for the scan. */
export class Canaries {
	readonly all: string[] = [];

	next(label: string): string {
		const text = `${label} canary ${crypto.randomUUID()}`;
		this.all.push(text);
		return text;
	}
}

/** Expects no canary in any file under `stateDir`; returns the files read and their total size. */
export function expectNoPlaintext(stateDir: string, canaries: Canaries): { files: string[]; scannedBytes: number } {
	const files = filesUnder(stateDir);
	let scannedBytes = 0;
	for (const file of files) {
		const bytes = readFileSync(file);
		scannedBytes += bytes.length;
		for (const text of canaries.all) expect(bytes.includes(Buffer.from(text)), `${text} found in ${file}`).toBe(false);
	}
	return { files, scannedBytes };
}
