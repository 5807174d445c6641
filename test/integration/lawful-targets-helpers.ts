// Helpers of the target-resolution and policy tests (IP, e-mail and phone targets, grey data): orders signed
// and submitted through the real app, approved by two real operators, produced by the real job, and the
// package read back from R2 as the ZIP an authority retrieves.
import { env } from "cloudflare:workers";
import { unzipSync } from "fflate";
import { expect } from "vitest";
import { runJob } from "../../src/export/job/run";
import { getJob } from "../../src/export/job/store";
import type { Order, OrderTask } from "../../src/export/order/types";
import { hashToken } from "../../src/worker/user/access-token";
import { registerUser } from "./accounts-helpers";
import { lawful, operator, type World } from "./lawful-lifecycle-helpers";

const text = new TextDecoder();
let counter = 0;

export interface Operators {
	op1: { token: string };
	op2: { token: string };
}

export async function operators(prefix: string): Promise<Operators> {
	return { op1: await operator(`${prefix}_op1`), op2: await operator(`${prefix}_op2`) };
}

/** An order whose only task is `task` (an LD task unless it says otherwise). */
export function withTask(task: Omit<OrderTask, "kind"> & { kind?: OrderTask["kind"] }): (o: Order) => void {
	return (o) => {
		o.tasks = [{ kind: "LD", ...task }];
	};
}

/** Two approvals, then the production job run to the end (as the queue consumer runs it); the package's files. */
export async function approveAndProduce(w: World, ops: Operators, id: string): Promise<Record<string, Uint8Array>> {
	for (const op of [ops.op1, ops.op2]) {
		const res = await lawful(w.env, `/_lawful/v1/admin/orders/${id}/approve`, op.token, { reason: "scope matches the court order" });
		expect(res.status, JSON.stringify(res.json)).toBe(200);
	}
	const outcome = await runJob(w.env, id, { now: Date.now, random: () => `t${++counter}` });
	expect(outcome.state).toBe("done");
	const job = await getJob(env.DB, id);
	const object = await env.EVIDENCE.get(job!.package_key!);
	return unzipSync(new Uint8Array(await object!.arrayBuffer()));
}

/** The records of one set in a package (data/records/<set>.ndjson), parsed. */
export function recordsOf(files: Record<string, Uint8Array>, set: string): Record<string, unknown>[] {
	const bytes = files[`data/records/${set}.ndjson`];
	if (bytes === undefined) return [];
	return text.decode(bytes).split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Every byte of the package as text, for "does not contain" checks. */
export function packageText(files: Record<string, Uint8Array>): string {
	return Object.entries(files).map(([path, bytes]) => `${path}\n${text.decode(bytes)}`).join("\n");
}

/** A registered account and its access token. */
export interface SessionUser {
	userId: string;
	token: string;
}

export async function sessionUser(name: string): Promise<SessionUser> {
	const r = await registerUser(name, "correct horse battery staple");
	return { userId: r.user_id, token: r.access_token };
}

/** A request with the user's token from `ip` at time `at`, as the auth middleware reports it to the UserDO. */
export async function useFrom(user: SessionUser, ip: string, at: number, userAgent = "Client/1"): Promise<void> {
	const r = await env.USER.getByName(user.userId).authenticate(await hashToken(user.token), ip, userAgent, at);
	expect(r.ok).toBe(true);
}
