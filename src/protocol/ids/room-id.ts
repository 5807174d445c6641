// Room IDs: `!opaque_id:domain` in room versions 1–11, `!<create event reference hash>` from v12.
// Spec: https://spec.matrix.org/latest/appendices/#room-ids

import type { RoomVersionRules } from "../room-versions/rules";
import { invalidId, isOpaqueLocalpart, MAX_ID_BYTES, splitSigilId, URL_SAFE_HASH, utf8Length } from "./common";
import type { EventId } from "./event-id";
import { parseServerName } from "./server-name";

export type RoomId = string & { readonly __brand: "RoomId" };

function isDomainRoomId(s: string): boolean {
	const parts = splitSigilId(s, "!");
	// The opaque part is a localpart: every non-surrogate code point but `:` and NUL is allowed. We require one character.
	return parts !== undefined && parts.localpart !== "" && isOpaqueLocalpart(parts.localpart) && parseServerName(parts.domain) !== undefined;
}

/** v12: "room IDs are simply the event ID of the m.room.create event using `!` as the sigil instead of `$`". */
function isHashRoomId(s: string): boolean {
	return s.startsWith("!") && URL_SAFE_HASH.test(s.slice(1));
}

/** Parses a room ID of either form (with a domain, or a v12 create-event hash). */
export function parseRoomId(s: unknown): RoomId | undefined {
	if (typeof s !== "string" || utf8Length(s) > MAX_ID_BYTES) return undefined;
	return isHashRoomId(s) || isDomainRoomId(s) ? (s as RoomId) : undefined;
}

/** Parses a room ID in the form its room version requires. */
export function parseRoomIdForVersion(rules: RoomVersionRules, s: unknown): RoomId | undefined {
	if (typeof s !== "string" || utf8Length(s) > MAX_ID_BYTES) return undefined;
	const ok = rules.auth.roomIdIsCreateEventId ? isHashRoomId(s) : isDomainRoomId(s);
	return ok ? (s as RoomId) : undefined;
}

/** Like `parseRoomId`, but throws `M_INVALID_PARAM`. */
export function requireRoomId(s: unknown, what = "room ID"): RoomId {
	return parseRoomId(s) ?? invalidId(what, s);
}

/** v12: the room ID of a room whose create event has this ID (`$x` → `!x`). */
export function roomIdFromCreateEventId(createEventId: EventId): RoomId {
	return `!${createEventId.slice(1)}` as RoomId;
}

/** v12: the create event ID a hash room ID names (`!x` → `$x`); undefined for room IDs with a domain. */
export function createEventIdOfRoomId(roomId: string): EventId | undefined {
	return isHashRoomId(roomId) ? (`$${roomId.slice(1)}` as EventId) : undefined;
}
