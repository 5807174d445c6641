// Strict canonical JSON for events in room versions 6+: numbers must be integers in ±(2^53−1).
// Spec: https://spec.matrix.org/latest/rooms/v6/#canonical-json and
// https://spec.matrix.org/latest/appendices/#canonical-json

import { MatrixError } from "../errors";
import { MAX_SAFE } from "../json/canonical";
import type { RoomVersionRules } from "../room-versions/rules";
import type { EventJson, JsonValue } from "./pdu";

/**
 * In rooms with `strictCanonicalJson` (v6+), throws M_BAD_JSON naming the first number that is not an
 * integer in [-(2^53)+1, (2^53)-1]: such events are invalid (a 400 on client APIs, dropped over
 * federation). Earlier versions accept them by the spec, but canonicalJson cannot encode them either,
 * so they fail later, at hashing.
 *
 * Limit: this sees numbers after JSON.parse, so `1.0` and `1e2` in the raw text pass as integers, and
 * an out-of-range integer is caught only because it parses to a double beyond 2^53−1 (it always does).
 */
export function checkCanonicalJsonValues(event: EventJson, rules: RoomVersionRules): void {
	if (!rules.strictCanonicalJson) return;
	for (const [key, value] of Object.entries(event)) {
		const bad = value === undefined ? undefined : findNonCanonicalNumber(value, key);
		if (bad !== undefined) throw new MatrixError("M_BAD_JSON", `${bad.path} is not an integer in the canonical JSON range: ${bad.value}`);
	}
}

function findNonCanonicalNumber(value: JsonValue, path: string): { path: string; value: number } | undefined {
	if (typeof value === "number") {
		return Number.isInteger(value) && Math.abs(value) <= MAX_SAFE ? undefined : { path, value };
	}
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) {
			const bad = findNonCanonicalNumber(value[i]!, `${path}[${i}]`);
			if (bad) return bad;
		}
		return undefined;
	}
	if (typeof value === "object" && value !== null) {
		for (const [key, child] of Object.entries(value)) {
			const bad = findNonCanonicalNumber(child, `${path}.${key}`);
			if (bad) return bad;
		}
	}
	return undefined;
}
