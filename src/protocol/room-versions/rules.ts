// Room-version rules as composed data: code branches on these flags, never on version strings.
// Spec: https://spec.matrix.org/latest/rooms/ (one page per version, v1..v12).

/** Which keys the redaction algorithm keeps, per room version (spec "Redactions" of each version). */
export interface RedactionRules {
	/** v1–v10 keep top-level `origin`, `membership` and `prev_state`; v11 drops them. */
	keepOriginMembershipPrevState: boolean;
	/** v1–v5 keep `aliases` in `m.room.aliases` content; v6 removes the special case. */
	keepRoomAliasesAliases: boolean;
	/** v8+ keep `allow` in `m.room.join_rules`. */
	keepJoinRulesAllow: boolean;
	/** v9+ keep `join_authorised_via_users_server` in `m.room.member`. */
	keepMemberJoinAuthorisedViaUsersServer: boolean;
	/** v11+ keep all of `m.room.create` content (v1–v10 keep only `creator`). */
	keepAllCreateContent: boolean;
	/** v11+ keep `invite` in `m.room.power_levels`. */
	keepPowerLevelsInvite: boolean;
	/** v11+ keep `signed` inside `third_party_invite` of `m.room.member`. */
	keepMemberThirdPartyInviteSigned: boolean;
	/** v11+ keep `redacts` in `m.room.redaction` content. */
	keepRedactionRedacts: boolean;
}

/** Flags for the authorization rules (spec "Authorization rules" of each version). */
export interface AuthRules {
	/** v1–v2: `m.room.redaction` has its own rule (redact level, or same event ID domain). */
	specialCaseRoomRedaction: boolean;
	/** v1–v5: `m.room.aliases` has its own rule (sender domain must match state key). */
	specialCaseRoomAliases: boolean;
	/** v6+: the `notifications` key of power levels is checked like the other keys. */
	limitNotificationsPowerLevels: boolean;
	/** v7+: `knock` join rule and membership. */
	knocking: boolean;
	/** v8+: `restricted` join rule with `join_authorised_via_users_server`. */
	restrictedJoinRule: boolean;
	/** v10+: `knock_restricted` join rule. */
	knockRestrictedJoinRule: boolean;
	/** v10+: power-level values must be integers (no numeric strings). */
	integerPowerLevels: boolean;
	/** v11+: the room creator is the create event's `sender`, not `content.creator`. */
	creatorFromSender: boolean;
	/** v11+: `redacts` lives in the content of `m.room.redaction`. */
	redactsInContent: boolean;
	/** v12+: the room ID is derived from the create event, which is not listed in `auth_events`. */
	roomIdIsCreateEventId: boolean;
	/** v12+: creators (sender + `additional_creators`) have infinite power and are absent from `users`. */
	privilegedCreators: boolean;
}

export type EventFormat = 1 | 2;
/** v1–v2: chosen by the origin server; v3: `$` + standard base64 reference hash; v4+: URL-safe. */
export type EventIdFormat = "server-generated" | "reference-hash-base64" | "reference-hash-base64url";
export type StateResVersion = "v1" | "v2" | "v2.1";

export interface RoomVersionRules {
	id: string;
	/** Stable versions may be advertised as such in `/capabilities`. */
	stable: boolean;
	/** 1: `event_id` in the event and `[id, hashes]` pairs in prev/auth events; 2: IDs only. */
	eventFormat: EventFormat;
	eventIdFormat: EventIdFormat;
	stateRes: StateResVersion;
	/** v5+: signing keys must be valid (`valid_until_ts`) at the event's `origin_server_ts`. */
	enforceKeyValidity: boolean;
	/** v6+: integers outside ±(2^53−1) and non-canonical JSON are rejected. */
	strictCanonicalJson: boolean;
	redaction: RedactionRules;
	auth: AuthRules;
}

const REDACTION_V1: RedactionRules = {
	keepOriginMembershipPrevState: true,
	keepRoomAliasesAliases: true,
	keepJoinRulesAllow: false,
	keepMemberJoinAuthorisedViaUsersServer: false,
	keepAllCreateContent: false,
	keepPowerLevelsInvite: false,
	keepMemberThirdPartyInviteSigned: false,
	keepRedactionRedacts: false,
};
const REDACTION_V6: RedactionRules = { ...REDACTION_V1, keepRoomAliasesAliases: false };
const REDACTION_V8: RedactionRules = { ...REDACTION_V6, keepJoinRulesAllow: true };
const REDACTION_V9: RedactionRules = { ...REDACTION_V8, keepMemberJoinAuthorisedViaUsersServer: true };
const REDACTION_V11: RedactionRules = {
	...REDACTION_V9,
	keepOriginMembershipPrevState: false,
	keepAllCreateContent: true,
	keepPowerLevelsInvite: true,
	keepMemberThirdPartyInviteSigned: true,
	keepRedactionRedacts: true,
};

const AUTH_V1: AuthRules = {
	specialCaseRoomRedaction: true,
	specialCaseRoomAliases: true,
	limitNotificationsPowerLevels: false,
	knocking: false,
	restrictedJoinRule: false,
	knockRestrictedJoinRule: false,
	integerPowerLevels: false,
	creatorFromSender: false,
	redactsInContent: false,
	roomIdIsCreateEventId: false,
	privilegedCreators: false,
};

export const ROOM_V1: RoomVersionRules = {
	id: "1",
	stable: true,
	eventFormat: 1,
	eventIdFormat: "server-generated",
	stateRes: "v1",
	enforceKeyValidity: false,
	strictCanonicalJson: false,
	redaction: REDACTION_V1,
	auth: AUTH_V1,
};
export const ROOM_V2: RoomVersionRules = { ...ROOM_V1, id: "2", stateRes: "v2" };
export const ROOM_V3: RoomVersionRules = {
	...ROOM_V2,
	id: "3",
	eventFormat: 2,
	eventIdFormat: "reference-hash-base64",
	auth: { ...ROOM_V2.auth, specialCaseRoomRedaction: false },
};
export const ROOM_V4: RoomVersionRules = { ...ROOM_V3, id: "4", eventIdFormat: "reference-hash-base64url" };
export const ROOM_V5: RoomVersionRules = { ...ROOM_V4, id: "5", enforceKeyValidity: true };
export const ROOM_V6: RoomVersionRules = {
	...ROOM_V5,
	id: "6",
	strictCanonicalJson: true,
	redaction: REDACTION_V6,
	auth: { ...ROOM_V5.auth, specialCaseRoomAliases: false, limitNotificationsPowerLevels: true },
};
export const ROOM_V7: RoomVersionRules = { ...ROOM_V6, id: "7", auth: { ...ROOM_V6.auth, knocking: true } };
export const ROOM_V8: RoomVersionRules = {
	...ROOM_V7,
	id: "8",
	redaction: REDACTION_V8,
	auth: { ...ROOM_V7.auth, restrictedJoinRule: true },
};
export const ROOM_V9: RoomVersionRules = { ...ROOM_V8, id: "9", redaction: REDACTION_V9 };
export const ROOM_V10: RoomVersionRules = {
	...ROOM_V9,
	id: "10",
	auth: { ...ROOM_V9.auth, knockRestrictedJoinRule: true, integerPowerLevels: true },
};
export const ROOM_V11: RoomVersionRules = {
	...ROOM_V10,
	id: "11",
	redaction: REDACTION_V11,
	auth: { ...ROOM_V10.auth, creatorFromSender: true, redactsInContent: true },
};
export const ROOM_V12: RoomVersionRules = {
	...ROOM_V11,
	id: "12",
	stateRes: "v2.1",
	auth: { ...ROOM_V11.auth, roomIdIsCreateEventId: true, privilegedCreators: true },
};

export const ROOM_VERSIONS: Readonly<Record<string, RoomVersionRules>> = Object.freeze(
	Object.fromEntries(
		[ROOM_V1, ROOM_V2, ROOM_V3, ROOM_V4, ROOM_V5, ROOM_V6, ROOM_V7, ROOM_V8, ROOM_V9, ROOM_V10, ROOM_V11, ROOM_V12].map(
			(r) => [r.id, r],
		),
	),
);

/** The rules for a room version string, or undefined if we do not know it (→ M_UNSUPPORTED_ROOM_VERSION). */
export function roomVersionRules(id: string): RoomVersionRules | undefined {
	return Object.hasOwn(ROOM_VERSIONS, id) ? ROOM_VERSIONS[id] : undefined;
}
