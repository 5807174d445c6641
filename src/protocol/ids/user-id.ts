// User IDs: `@localpart:server_name`, at most 255 bytes; historical localparts accepted from other servers.
// Spec: https://spec.matrix.org/latest/appendices/#user-identifiers

import { MatrixError } from "../errors";
import { invalidId, isOpaqueLocalpart, MAX_ID_BYTES, splitSigilId, utf8Length } from "./common";
import { parseServerName, type ServerName } from "./server-name";

export type UserId = string & { readonly __brand: "UserId" };

// user_id_localpart = 1*user_id_char ; user_id_char = DIGIT / %x61-7A / "-" / "." / "=" / "_" / "/" / "+"
const LOCALPART = /^[a-z0-9._=\-/+]+$/;
// "localparts containing characters outside the range U+0021 to U+007E, or with an empty localpart, are considered non-compliant"
const COMPLIANT = /^[\u0021-\u007e]+$/;

/** The current grammar, required for every user ID we allocate. */
export function isValidLocalpart(localpart: string): boolean {
	return LOCALPART.test(localpart);
}

/**
 * Parses any user ID the spec says servers MUST accept: the localpart may be historical ("any legal
 * non-surrogate Unicode code points except for `:` and `NUL`", even empty), the domain must be a
 * server name, and the whole ID at most 255 bytes.
 */
export function parseUserId(s: unknown): UserId | undefined {
	if (typeof s !== "string" || utf8Length(s) > MAX_ID_BYTES) return undefined;
	const parts = splitSigilId(s, "@");
	if (!parts || !isOpaqueLocalpart(parts.localpart) || !parseServerName(parts.domain)) return undefined;
	return s as UserId;
}

/** Like `parseUserId`, but throws `M_INVALID_PARAM`. */
export function requireUserId(s: unknown, what = "user ID"): UserId {
	return parseUserId(s) ?? invalidId(what, s);
}

/** True if the localpart is non-empty and printable ASCII: IDs we may forward to clients outside events. */
export function isCompliantUserId(userId: UserId): boolean {
	return COMPLIANT.test(localpartOf(userId));
}

/** True if the user ID follows the current grammar (`[a-z0-9._=\-/+]` localpart). */
export function isStrictUserId(userId: UserId): boolean {
	return isValidLocalpart(localpartOf(userId));
}

/**
 * Builds the user ID for a new local account. The localpart must follow the current grammar (callers
 * downcase usernames first) and the whole ID must fit in 255 bytes; otherwise `M_INVALID_USERNAME`.
 */
export function requireNewUserId(localpart: string, serverName: ServerName): UserId {
	if (!isValidLocalpart(localpart)) {
		throw new MatrixError("M_INVALID_USERNAME", "User ID localparts may only contain a-z, 0-9, '.', '_', '=', '-', '/' and '+'");
	}
	const userId = `@${localpart}:${serverName}`;
	if (utf8Length(userId) > MAX_ID_BYTES) {
		throw new MatrixError("M_INVALID_USERNAME", "User ID may not be longer than 255 bytes");
	}
	return userId as UserId;
}

/** The part between `@` and the first `:`. */
export function localpartOf(userId: UserId): string {
	return userId.slice(1, userId.indexOf(":"));
}
