// Reading a small JSON request body for /_lawful operator and update routes; failures are LA_BAD_REQUEST,
// never Matrix errors (docs/lawful-access.md "Errors").

import type { Context } from "hono";
import type { AppEnv } from "../../worker/http/context";
import { LaError } from "../order/la-errors";

const MAX_BYTES = 64 * 1024;

export async function readLaJson(c: Context<AppEnv>): Promise<Record<string, unknown>> {
	const bytes = new Uint8Array(await c.req.arrayBuffer());
	if (bytes.length > MAX_BYTES) throw new LaError("LA_BAD_REQUEST", `the body is larger than ${MAX_BYTES} bytes`);
	let parsed: unknown;
	try {
		parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
	} catch {
		throw new LaError("LA_BAD_REQUEST", "the body is not JSON");
	}
	if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new LaError("LA_BAD_REQUEST", "the body must be a JSON object");
	return parsed as Record<string, unknown>;
}

function isoToMs(value: unknown, pointer: string): number {
	const t = typeof value === "string" ? Date.parse(value) : Number.NaN;
	if (Number.isNaN(t)) throw new LaError("LA_BAD_REQUEST", "expected an RFC 3339 time", pointer);
	return t;
}

/** `{tasks: [{ldid, subtypes?, startTime?, endTime?}]}` → NarrowRequest (times as epoch ms; both or neither). */
export function parseNarrowTasks(body: Record<string, unknown>): { ldid: string; subtypes?: string[]; window?: { start: number; end: number } }[] {
	if (!Array.isArray(body.tasks)) throw new LaError("LA_BAD_REQUEST", "tasks must be an array", "/tasks");
	return body.tasks.map((raw: unknown, i) => {
		const at = `/tasks/${i}`;
		if (typeof raw !== "object" || raw === null) throw new LaError("LA_BAD_REQUEST", "a task must be an object", at);
		const t = raw as Record<string, unknown>;
		if (typeof t.ldid !== "string") throw new LaError("LA_BAD_REQUEST", "ldid must be a string", `${at}/ldid`);
		const out: { ldid: string; subtypes?: string[]; window?: { start: number; end: number } } = { ldid: t.ldid };
		if (t.subtypes !== undefined) {
			if (!Array.isArray(t.subtypes) || !t.subtypes.every((s): s is string => typeof s === "string")) throw new LaError("LA_BAD_REQUEST", "subtypes must be strings", `${at}/subtypes`);
			out.subtypes = t.subtypes;
		}
		if (t.startTime !== undefined || t.endTime !== undefined) {
			out.window = { start: isoToMs(t.startTime, `${at}/startTime`), end: isoToMs(t.endTime, `${at}/endTime`) };
		}
		return out;
	});
}
