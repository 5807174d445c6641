#!/usr/bin/env node
// `npm test`: the three test layers (unit, workerd integration, end to end), each in its own vitest process,
// side by side, each watched for a stall. The workerd test pool now and then stops mid-run with no test
// running, no CPU and no output (cloudflare/workers-sdk#15498, open upstream; every stall in our CI logs came
// right after federation-create-room-invite, which restored its fetch mock while a DestinationDO transaction
// was still in flight: it now waits for the destination, test/integration/federation-outbound-helpers.ts
// destinationIdle, and the guard stays for any other cause); a layer that prints nothing
// for its quiet limit is stopped (its whole process group) and run again, up to five starts in all. A layer whose
// tests fail is not re-run: failures are real. The last line is "N passed, N failed" over all layers,
// from the summary reporter's counts (scripts/summary-reporter.ts), which CI reads.
// With arguments (`npm test -- test/unit/x.test.ts`) it is plain `vitest run` with them: no guard.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const HELP = `Usage: npm test [-- <vitest args>]

Without arguments: runs the unit, integration (workerd) and e2e (real servers and clients) layers side by
side, re-runs a layer that prints nothing for its quiet limit (a stalled test pool; up to five starts), and ends
with one line "N passed, N failed" over all layers. With arguments: runs \`vitest run <args>\` as is.`;

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
	console.log(HELP);
	process.exit(0);
}
const VITEST = join(import.meta.dirname, "..", "node_modules", "vitest", "vitest.mjs");
if (args.length > 0) {
	const child = spawn(process.execPath, [VITEST, "run", ...args], { stdio: "inherit" });
	child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
	// Quiet limits: some unit or integration file finishes (and prints) every few seconds, and no single one
	// takes a minute even on a loaded 2-CPU machine; the slowest e2e file (servers restarted, hundreds of
	// messages) takes about five minutes.
	const LAYERS = [
		{ project: "unit", quietMs: 180_000 },
		{ project: "integration", quietMs: 180_000 },
		{ project: "e2e", quietMs: 900_000 },
	];
	// Stalls are independent from run to run (two in a row were seen once): five starts make a red run from
	// stalls alone unlikely, and fit CI's time (a stalled integration start costs its quiet limit plus part of a run).
	const MAX_ATTEMPTS = 5;
	const dir = mkdtempSync(join(tmpdir(), "sealbridge-test-"));
	const results = await Promise.all(LAYERS.map((layer) => runLayer(layer)));
	rmSync(dir, { recursive: true, force: true });
	let passed = 0;
	let failed = 0;
	let skipped = 0;
	for (const r of results) {
		passed += r.passed;
		failed += r.failed;
		skipped += r.skipped;
	}
	console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
	process.exit(failed === 0 && results.every((r) => r.ok) ? 0 : 1);

	/** Runs one layer until it ends on its own (at most MAX_ATTEMPTS starts); its counts, or one failure if none. */
	async function runLayer({ project, quietMs }) {
		for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
			const summaryFile = join(dir, `${project}-${attempt}.json`);
			const outcome = await runOnce(project, quietMs, summaryFile);
			if (outcome === "stalled") {
				console.log(`\n[${project}] printed nothing for ${quietMs / 1000} s: stopped${attempt < MAX_ATTEMPTS ? ", running it again" : ""}`);
				continue;
			}
			try {
				const counts = JSON.parse(readFileSync(summaryFile, "utf8"));
				return { ...counts, ok: outcome === 0 };
			} catch {
				console.log(`\n[${project}] ended (exit ${outcome}) without a summary`);
				return { passed: 0, failed: 1, skipped: 0, ok: false };
			}
		}
		return { passed: 0, failed: 1, skipped: 0, ok: false };
	}

	/** One vitest process in its own process group: its exit code, or "stalled" once it was quiet too long. */
	function runOnce(project, quietMs, summaryFile) {
		return new Promise((resolve) => {
			const child = spawn(process.execPath, [VITEST, "run", "--project", project], {
				detached: true,
				stdio: ["ignore", "pipe", "pipe"],
				env: { ...process.env, SUMMARY_FILE: summaryFile },
			});
			let last = Date.now();
			let stalled = false;
			const forward = (to) => (chunk) => {
				last = Date.now();
				to.write(chunk);
			};
			child.stdout.on("data", forward(process.stdout));
			child.stderr.on("data", forward(process.stderr));
			const timer = setInterval(() => {
				if (Date.now() - last < quietMs || stalled) return;
				stalled = true;
				killGroup(child.pid, "SIGTERM");
				setTimeout(() => killGroup(child.pid, "SIGKILL"), 20_000).unref();
			}, 5_000);
			child.on("close", (code, signal) => {
				clearInterval(timer);
				// The group may still hold workerd processes the stopped vitest left behind.
				if (stalled) killGroup(child.pid, "SIGKILL");
				resolve(stalled ? "stalled" : (code ?? (signal ? 1 : 0)));
			});
		});
	}

	function killGroup(pid, signal) {
		try {
			process.kill(-pid, signal);
		} catch {
			// Already gone.
		}
	}
}
