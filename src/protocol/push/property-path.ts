// Dot-separated property paths and glob patterns, as push rule conditions use them.
// Spec: https://spec.matrix.org/latest/appendices/#dot-separated-property-paths and
// https://spec.matrix.org/latest/appendices/#glob-style-matching

import type { JsonValue } from "../events/pdu";

/** Splits `content.m\.relates_to.rel_type` on unescaped dots; `\.` is a dot, `\\` a backslash. */
export function splitPropertyPath(path: string): string[] {
	const parts: string[] = [];
	let current = "";
	for (let i = 0; i < path.length; i++) {
		const ch = path[i]!;
		if (ch === "\\" && (path[i + 1] === "." || path[i + 1] === "\\")) {
			current += path[i + 1];
			i++;
		} else if (ch === ".") {
			parts.push(current);
			current = "";
		} else {
			current += ch;
		}
	}
	parts.push(current);
	return parts;
}

/** The value at a path inside an event, or undefined when any step is missing or not an object. */
export function valueAtPath(event: Readonly<Record<string, JsonValue | undefined>>, path: string): JsonValue | undefined {
	let value: JsonValue | undefined = event as unknown as JsonValue;
	for (const part of splitPropertyPath(path)) {
		if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
		value = value[part];
	}
	return value;
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** A glob (`*` any run, `?` one character) as the source of a regular expression. */
export function globSource(glob: string): string {
	let out = "";
	for (const ch of glob) {
		if (ch === "*") out += "[\\s\\S]*";
		else if (ch === "?") out += "[\\s\\S]";
		else out += escapeRegExp(ch);
	}
	return out;
}

/** The whole value matches the glob, case-insensitively. */
export function globMatchesWhole(glob: string, value: string): boolean {
	return new RegExp(`^${globSource(glob)}$`, "iu").test(value);
}

/**
 * The glob matches a substring of `value` that starts and ends at word boundaries: "the start or end of
 * the value, or any character not in the sets [A-Z], [a-z], [0-9] or _".
 */
export function globMatchesWords(glob: string, value: string): boolean {
	return wordsMatch(globSource(glob), value);
}

/** Literal text (a display name) at word boundaries, case-insensitively. */
export function textMatchesWords(text: string, value: string): boolean {
	return wordsMatch(escapeRegExp(text), value);
}

function wordsMatch(source: string, value: string): boolean {
	return new RegExp(`(?:^|[^A-Za-z0-9_])${source}(?:[^A-Za-z0-9_]|$)`, "iu").test(value);
}
