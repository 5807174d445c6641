// Profile fields: which keys exist, what their values must be, and the 64 KiB limit on a whole profile.
// Spec: https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3profileuseridkeyname

import type { JsonObject, JsonValue } from "../events/pdu";
import { MatrixError } from "../errors";
import { utf8Length } from "../ids/common";

/** `avatar_url`, `displayname`, `m.tz`, or a custom field in the Common Namespaced Identifier Grammar. */
const KEY_NAME = /^(avatar_url|displayname|m\.tz|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/;
const MAX_KEY_BYTES = 255;
/** "the total profile MUST be under 64 KiB" */
export const MAX_PROFILE_BYTES = 64 * 1024;

/** The fields a room's m.room.member event mirrors: changing them updates the user's member events. */
export const MEMBER_EVENT_FIELDS: readonly string[] = ["displayname", "avatar_url"];

/** A key from the path: over 255 bytes → M_KEY_TOO_LARGE; outside the grammar → M_INVALID_PARAM. */
export function checkProfileKey(key: string): void {
	if (utf8Length(key) > MAX_KEY_BYTES) throw new MatrixError("M_KEY_TOO_LARGE", "Profile keys may be at most 255 bytes");
	if (!KEY_NAME.test(key)) throw new MatrixError("M_INVALID_PARAM", "Invalid profile key");
}

/** `mxc://<server>/<media id>`; the empty string clears an avatar, as clients have long sent. */
function isAvatarUrl(v: string): boolean {
	return v === "" || /^mxc:\/\/[^/]+\/[A-Za-z0-9_-]+$/.test(v);
}

/**
 * The value of `key` in a PUT body: it must be present (M_MISSING_PARAM); displayname and m.tz are
 * strings, avatar_url an MXC URI (M_INVALID_PARAM otherwise); custom keys take any JSON value.
 */
export function profileValueFromBody(key: string, body: JsonObject): JsonValue {
	if (!(key in body)) throw new MatrixError("M_MISSING_PARAM", `Missing key '${key}'`);
	const value = body[key]!;
	if (key === "displayname" || key === "m.tz") {
		if (typeof value !== "string") throw new MatrixError("M_INVALID_PARAM", `${key} must be a string`);
	} else if (key === "avatar_url") {
		if (typeof value !== "string" || !isAvatarUrl(value)) throw new MatrixError("M_INVALID_PARAM", "avatar_url must be an MXC URI");
	}
	return value;
}

/** The profile after setting `key`, refused with M_PROFILE_TOO_LARGE if it would reach 64 KiB. */
export function checkProfileSize(profile: Readonly<Record<string, JsonValue>>, key: string, value: JsonValue): void {
	const next = { ...profile, [key]: value };
	if (utf8Length(JSON.stringify(next)) >= MAX_PROFILE_BYTES) {
		throw new MatrixError("M_PROFILE_TOO_LARGE", "The profile would exceed 64 KiB");
	}
}

/**
 * The content of a member event carrying the new profile: the current content with displayname and
 * avatar_url replaced (removed when unset or empty). `join_authorised_via_users_server` is dropped: it
 * named the server that authorised the original join, and a profile change is not a join.
 */
export function memberContentWithProfile(current: JsonObject, profile: Readonly<Record<string, JsonValue>>): JsonObject {
	const { join_authorised_via_users_server: _dropped, displayname: _d, avatar_url: _a, ...rest } = current;
	const content: JsonObject = { ...rest, membership: "join" };
	for (const field of MEMBER_EVENT_FIELDS) {
		const v = profile[field];
		if (typeof v === "string" && v !== "") content[field] = v;
	}
	return content;
}
