// Runs a production job forward from wherever it stands: collection steps (one page each) until the plan is
// exhausted, then assembly of the package. Safe to call again after any crash, and by two runners at once:
// every step commits with a compare-and-set, and assembly rebuilds the same bag from the committed parts.
// Design: /work/shared/LAWFUL_ACCESS.md#package; issue 5 "queued job ... survives a restart mid-way".

import { assemblePackage } from "./assemble";
import { commitPrepared, partPrefix, preparePage } from "./collect-step";
import { isSealedKey, SealRefused, sealPackage } from "./seal";
import { getJob, inputOf, listParts, markDone, markFailed, setState } from "./store";
import type { ProducedPackage, ProductionProgress } from "./types";

export interface RunOptions {
	/** The clock (the shell passes Date.now). */
	now: () => number;
	/** A fresh random token per call (part keys, the package's object ID). */
	random: () => string;
	/** Stop after this many collection steps (the queue consumer's slice of work). */
	maxSteps?: number;
	/** Records per page (default PAGE_RECORDS); tests use small pages to cross many page boundaries. */
	pageRecords?: number;
}

export type RunOutcome =
	| { state: "collecting" }
	| { state: "done"; pkg: ProducedPackage; assembledNow: boolean }
	| { state: "failed"; error: string }
	| { state: "missing" };

export async function runJob(env: Env, orderId: string, opts: RunOptions): Promise<RunOutcome> {
	let steps = 0;
	for (;;) {
		const job = await getJob(env.DB, orderId);
		if (job === null) return { state: "missing" };
		if (job.state === "failed") return { state: "failed", error: job.error ?? "failed" };
		if (job.state === "done" && job.package_key !== null && job.package_sha256 !== null && job.package_bytes !== null) {
			return { state: "done", pkg: { key: job.package_key, sha256: job.package_sha256, bytes: job.package_bytes }, assembledNow: false };
		}
		if (job.state === "assembling") return assemble(env, orderId, opts);
		if (opts.maxSteps !== undefined && steps >= opts.maxSteps) return { state: "collecting" };
		let prepared;
		try {
			prepared = await preparePage(env, job, opts.random(), opts.pageRecords);
		} catch (e) {
			// A record failing its schema is a collector bug: stop rather than produce a package without it.
			const error = e instanceof Error ? e.message : String(e);
			await markFailed(env.DB, orderId, error, opts.now());
			return { state: "failed", error };
		}
		if (prepared === null) {
			await setState(env.DB, orderId, "collecting", "assembling", opts.now());
			continue;
		}
		await commitPrepared(env, orderId, prepared, opts.now());
		steps++;
	}
}

async function assemble(env: Env, orderId: string, opts: RunOptions): Promise<RunOutcome> {
	const job = await getJob(env.DB, orderId);
	if (job === null) return { state: "missing" };
	const input = inputOf(job);
	let pkg: ProducedPackage;
	try {
		pkg = await sealPackage(env, input, await assemblePackage(env, input, opts.now(), opts.random()), opts.random());
	} catch (e) {
		if (!(e instanceof SealRefused)) throw e;
		await markFailed(env.DB, orderId, e.message, opts.now());
		return { state: "failed", error: e.message };
	}
	if (!(await markDone(env.DB, orderId, pkg, opts.now()))) {
		// Another runner finished first; its package stands (a sealed one under its own key: ours goes).
		if (isSealedKey(pkg.key)) await env.EVIDENCE.delete(pkg.key);
		return runJob(env, orderId, { ...opts, maxSteps: 0 });
	}
	await deleteParts(env, orderId);
	return { state: "done", pkg, assembledNow: true };
}

/** The part objects are only a staging area: once the package holds them they go, with any orphans. */
async function deleteParts(env: Env, orderId: string): Promise<void> {
	let cursor: string | undefined;
	do {
		const listed = await env.EVIDENCE.list({ prefix: partPrefix(orderId), ...(cursor === undefined ? {} : { cursor }) });
		if (listed.objects.length > 0) await env.EVIDENCE.delete(listed.objects.map((o) => o.key));
		cursor = listed.truncated ? listed.cursor : undefined;
	} while (cursor !== undefined);
}

/** Progress for the order status: counts only. */
export async function productionProgress(env: Pick<Env, "DB">, orderId: string): Promise<ProductionProgress | null> {
	const job = await getJob(env.DB, orderId);
	if (job === null) return null;
	const parts = await listParts(env.DB, orderId);
	return {
		state: job.state,
		unitsDone: Math.min(job.unit, job.units_total),
		unitsTotal: job.units_total,
		records: job.records,
		parts: parts.length,
		packageSha256: job.package_sha256,
		packageBytes: job.package_bytes,
		error: job.error,
	};
}
