// Structured logs: one JSON object per line, with secret-bearing fields redacted before they are written.
// ARCHITECTURE.md: logs never contain content, tokens, search terms or member lists; never log request
// bodies or Authorization headers. Workers Logs indexes JSON lines: https://developers.cloudflare.com/workers/observability/logs/

export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Record<string, unknown>;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Field names whose values are dropped wherever they appear, at any depth. A guard, not a licence:
 * callers still pass only IDs, counts and codes.
 */
const REDACTED = new Set(["token", "access_token", "refresh_token", "password", "content", "body", "authorization", "seed", "signing_key"]);
const MAX_DEPTH = 6;

let threshold = ORDER.info;

/** Sets the level for this isolate; the config middleware calls it with LOG_LEVEL. */
export function configureLogging(level: LogLevel): void {
	threshold = ORDER[level];
}

/** Copies `value` with redacted fields replaced, and errors reduced to their name. */
export function redact(value: unknown, depth = 0): unknown {
	if (value === null || typeof value !== "object") return value;
	if (depth >= MAX_DEPTH) return "[deep]";
	if (value instanceof Error) return { name: value.name };
	if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
	const out: LogFields = {};
	for (const [k, v] of Object.entries(value)) out[k] = REDACTED.has(k.toLowerCase()) ? "[redacted]" : redact(v, depth + 1);
	return out;
}

function write(level: LogLevel, event: string, fields: LogFields): void {
	if (ORDER[level] < threshold) return;
	const line = JSON.stringify({ ...(redact(fields) as LogFields), level, event, ts: new Date().toISOString() });
	if (level === "error") console.error(line);
	else if (level === "warn") console.warn(line);
	else console.log(line);
}

/** `log.info("key_rotated", { key_id })`: `event` is a stable snake_case name, fields are IDs, counts and codes. */
export const log = {
	debug: (event: string, fields: LogFields = {}) => write("debug", event, fields),
	info: (event: string, fields: LogFields = {}) => write("info", event, fields),
	warn: (event: string, fields: LogFields = {}) => write("warn", event, fields),
	error: (event: string, fields: LogFields = {}) => write("error", event, fields),
};
