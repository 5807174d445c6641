// Parsing the `auth` dictionary of a UIA request and the user identifier that m.login.password (both in
// UIA and in POST /login) carries. Pure; the shell checks passwords and sessions.
// Spec: https://spec.matrix.org/latest/client-server-api/#authentication-types
// Spec: https://spec.matrix.org/latest/client-server-api/#identifier-types

import { MatrixError } from "../errors";

/** What a client sent as `auth`: nothing yet, or a stage attempt (type) and/or a session to continue. */
export interface AuthDict {
	type: string | undefined;
	session: string | undefined;
	/** The whole dictionary, for the stage's own fields (password, identifier, token...). */
	fields: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `undefined` when the request carries no auth; M_BAD_JSON when `auth`, `type` or `session` has the wrong type. */
export function parseAuthDict(auth: unknown): AuthDict | undefined {
	if (auth === undefined || auth === null) return undefined;
	if (!isRecord(auth)) throw new MatrixError("M_BAD_JSON", "auth must be an object");
	const { type, session } = auth;
	if (type !== undefined && typeof type !== "string") throw new MatrixError("M_BAD_JSON", "auth.type must be a string");
	if (session !== undefined && typeof session !== "string") throw new MatrixError("M_BAD_JSON", "auth.session must be a string");
	return { type, session, fields: auth };
}

/** Who a password login names. Only `m.id.user` can name a local account here: we hold no third-party IDs. */
export type UserIdentifier =
	| { type: "m.id.user"; user: string }
	| { type: "m.id.thirdparty"; medium: string; address: string }
	| { type: "m.id.phone"; country: string; phone: string };

/**
 * The identifier of a password login or UIA stage: `identifier`, or the deprecated top-level `user`
 * (still sent by old clients). Missing both → M_MISSING_PARAM; malformed → M_BAD_JSON; an identifier type
 * the spec does not define → M_UNKNOWN ("unknown identifier type").
 */
export function parseUserIdentifier(fields: Record<string, unknown>): UserIdentifier {
	const { identifier, user } = fields;
	if (identifier === undefined) {
		if (user === undefined) throw new MatrixError("M_MISSING_PARAM", "Missing identifier");
		if (typeof user !== "string") throw new MatrixError("M_BAD_JSON", "user must be a string");
		return { type: "m.id.user", user };
	}
	if (!isRecord(identifier)) throw new MatrixError("M_BAD_JSON", "identifier must be an object");
	const str = (key: string): string => {
		const value = identifier[key];
		if (value === undefined) throw new MatrixError("M_MISSING_PARAM", `identifier.${key} is required`);
		if (typeof value !== "string") throw new MatrixError("M_BAD_JSON", `identifier.${key} must be a string`);
		return value;
	};
	switch (identifier.type) {
		case "m.id.user":
			return { type: "m.id.user", user: str("user") };
		case "m.id.thirdparty":
			return { type: "m.id.thirdparty", medium: str("medium"), address: str("address") };
		case "m.id.phone":
			return { type: "m.id.phone", country: str("country"), phone: str("phone") };
		case undefined:
			throw new MatrixError("M_MISSING_PARAM", "identifier.type is required");
		default:
			if (typeof identifier.type !== "string") throw new MatrixError("M_BAD_JSON", "identifier.type must be a string");
			throw new MatrixError("M_UNKNOWN", "Unknown identifier type");
	}
}

/**
 * The local user an `m.id.user` value names: a full user ID or a bare localpart. Synapse and Dendrite
 * lower-case the localpart, since every account we create has a lower-case one. Undefined if it names
 * another server or is not a possible ID, so the caller can answer exactly as for a wrong password.
 */
export function localpartOfIdentifier(user: string, serverName: string): string | undefined {
	let localpart = user;
	if (user.startsWith("@")) {
		const colon = user.indexOf(":");
		if (colon < 0 || user.slice(colon + 1) !== serverName) return undefined;
		localpart = user.slice(1, colon);
	}
	localpart = localpart.toLowerCase();
	return localpart === "" || localpart.includes(":") ? undefined : localpart;
}
