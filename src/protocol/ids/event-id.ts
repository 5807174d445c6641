// Event IDs: `$opaque_id:domain` in room versions 1–2, `$` + the reference hash in v3 (base64) and v4+ (URL-safe).
// Spec: https://spec.matrix.org/latest/appendices/#event-ids and the "Event IDs" section of each room version.

import type { RoomVersionRules } from "../room-versions/rules";
import { invalidId, isOpaqueLocalpart, MAX_ID_BYTES, splitSigilId, STANDARD_HASH, URL_SAFE_HASH, utf8Length } from "./common";
import { parseServerName } from "./server-name";

export type EventId = string & { readonly __brand: "EventId" };

function isServerEventId(s: string): boolean {
	const parts = splitSigilId(s, "$");
	return parts !== undefined && parts.localpart !== "" && isOpaqueLocalpart(parts.localpart) && parseServerName(parts.domain) !== undefined;
}

/** Parses an event ID of any room version's form. */
export function parseEventId(s: unknown): EventId | undefined {
	if (typeof s !== "string" || utf8Length(s) > MAX_ID_BYTES || !s.startsWith("$")) return undefined;
	const hash = s.slice(1);
	return URL_SAFE_HASH.test(hash) || STANDARD_HASH.test(hash) || isServerEventId(s) ? (s as EventId) : undefined;
}

/** Parses an event ID in the form its room version uses. */
export function parseEventIdForVersion(rules: RoomVersionRules, s: unknown): EventId | undefined {
	if (typeof s !== "string" || utf8Length(s) > MAX_ID_BYTES || !s.startsWith("$")) return undefined;
	switch (rules.eventIdFormat) {
		case "server-generated":
			return isServerEventId(s) ? (s as EventId) : undefined;
		case "reference-hash-base64":
			return STANDARD_HASH.test(s.slice(1)) ? (s as EventId) : undefined;
		case "reference-hash-base64url":
			return URL_SAFE_HASH.test(s.slice(1)) ? (s as EventId) : undefined;
	}
}

/** Like `parseEventId`, but throws `M_INVALID_PARAM`. */
export function requireEventId(s: unknown, what = "event ID"): EventId {
	return parseEventId(s) ?? invalidId(what, s);
}
