// Room aliases: `#room_alias:domain`, at most 255 bytes.
// Spec: https://spec.matrix.org/latest/appendices/#room-aliases

import { invalidId, isOpaqueLocalpart, MAX_ID_BYTES, splitSigilId, utf8Length } from "./common";
import { parseServerName } from "./server-name";

export type RoomAlias = string & { readonly __brand: "RoomAlias" };

/** "The localpart of a room alias may contain any valid non-surrogate Unicode codepoints except `:` and `NUL`." */
export function parseRoomAlias(s: unknown): RoomAlias | undefined {
	if (typeof s !== "string" || utf8Length(s) > MAX_ID_BYTES) return undefined;
	const parts = splitSigilId(s, "#");
	if (!parts || parts.localpart === "" || !isOpaqueLocalpart(parts.localpart) || !parseServerName(parts.domain)) return undefined;
	return s as RoomAlias;
}

/** Like `parseRoomAlias`, but throws `M_INVALID_PARAM`. */
export function requireRoomAlias(s: unknown, what = "room alias"): RoomAlias {
	return parseRoomAlias(s) ?? invalidId(what, s);
}

/** The part between `#` and the first `:`. */
export function aliasLocalpartOf(alias: RoomAlias): string {
	return alias.slice(1, alias.indexOf(":"));
}
