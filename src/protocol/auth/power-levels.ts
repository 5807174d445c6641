// Power levels: parsing `m.room.power_levels` content per room version, and the levels the rules compare.
// Spec: https://spec.matrix.org/latest/client-server-api/#mroompower_levels, and per version
// https://spec.matrix.org/latest/rooms/v1/#mroompower_levels-events-accept-values-as-strings (v1–v9),
// https://spec.matrix.org/latest/rooms/v10/ (integers only), https://spec.matrix.org/latest/rooms/v12/ (creators).

import type { JsonObject, JsonValue } from "../events/pdu";
import type { AuthRules } from "../room-versions/rules";
import { CREATE, isObject, POWER_LEVELS, roomCreators } from "./content";
import type { StateLookup } from "./result";

/** The integer fields of power levels content, with their defaults when the field (or the event) is absent. */
export const POWER_LEVEL_FIELDS = {
	users_default: 0,
	events_default: 0,
	state_default: 50,
	ban: 50,
	redact: 50,
	kick: 50,
	invite: 0,
} as const;
export type PowerLevelField = keyof typeof POWER_LEVEL_FIELDS;
export const POWER_LEVEL_FIELD_NAMES = Object.keys(POWER_LEVEL_FIELDS) as PowerLevelField[];

/** "If the room contains no m.room.power_levels event, the room's creator has a power level of 100" (v1–v11). */
export const CREATOR_DEFAULT_LEVEL = 100;
/** v12: "The power level of room creators is infinitely high." */
export const CREATOR_LEVEL = Number.POSITIVE_INFINITY;

// v1–v9: "a single base 10 integer ... optionally with any number of leading zeroes", "optionally prefixed
// with a single - or +", "optionally with any number of leading or trailing whitespace characters".
const INTEGER_STRING = /^\s*[+-]?\d+\s*$/;

/**
 * One power level value as the room version reads it, or undefined if it is not one.
 * v10+: integers only. v1–v9: integers or integer strings; floats are truncated (they can only
 * occur in v1–v5, whose JSON is not canonical).
 */
export function parsePowerLevelValue(flags: AuthRules, v: JsonValue | undefined): number | undefined {
	if (typeof v === "number") {
		if (flags.integerPowerLevels) return Number.isSafeInteger(v) ? v : undefined;
		return Number.isFinite(v) ? Math.trunc(v) + 0 : undefined;
	}
	if (typeof v === "string" && !flags.integerPowerLevels && INTEGER_STRING.test(v)) return Number(v.trim()) + 0;
	return undefined;
}

/** Power levels content with only the values it states explicitly; absent keys fall back to defaults when read. */
export interface PowerLevels {
	fields: Partial<Record<PowerLevelField, number>>;
	users: Map<string, number>;
	events: Map<string, number>;
	notifications: Map<string, number>;
}

function parseMap(flags: AuthRules, v: JsonValue | undefined): Map<string, number> | undefined {
	const out = new Map<string, number>();
	if (v === undefined) return out;
	if (!isObject(v)) return undefined;
	for (const [k, raw] of Object.entries(v)) {
		const level = parsePowerLevelValue(flags, raw);
		if (level === undefined) return undefined;
		out.set(k, level);
	}
	return out;
}

/** Why content failed strict parsing: the offending key (`users`, `events`, `notifications` or a field). */
export type PowerLevelsProblem = { key: string };

/** Parses content strictly: every present value that is not a level is a problem. Used for a new power levels event. */
export function parsePowerLevelsStrict(flags: AuthRules, content: JsonObject): PowerLevels | PowerLevelsProblem {
	const fields: PowerLevels["fields"] = {};
	for (const name of POWER_LEVEL_FIELD_NAMES) {
		if (content[name] === undefined) continue;
		const level = parsePowerLevelValue(flags, content[name]);
		if (level === undefined) return { key: name };
		fields[name] = level;
	}
	const users = parseMap(flags, content.users);
	if (!users) return { key: "users" };
	const events = parseMap(flags, content.events);
	if (!events) return { key: "events" };
	const notifications = parseMap(flags, content.notifications);
	if (!notifications) return { key: "notifications" };
	return { fields, users, events, notifications };
}

/**
 * Parses content leniently, skipping values that are not levels. Power levels in room state passed
 * the strict parse when they were accepted, so this only matters for events accepted by older rules.
 */
export function parsePowerLevelsLenient(flags: AuthRules, content: JsonObject): PowerLevels {
	const fields: PowerLevels["fields"] = {};
	for (const name of POWER_LEVEL_FIELD_NAMES) {
		const level = parsePowerLevelValue(flags, content[name]);
		if (level !== undefined) fields[name] = level;
	}
	const lenientMap = (v: JsonValue | undefined) => {
		const out = new Map<string, number>();
		if (isObject(v)) {
			for (const [k, raw] of Object.entries(v)) {
				const level = parsePowerLevelValue(flags, raw);
				if (level !== undefined) out.set(k, level);
			}
		}
		return out;
	};
	return { fields, users: lenientMap(content.users), events: lenientMap(content.events), notifications: lenientMap(content.notifications) };
}

/** The power-level view of a room state that the rules need: creators and the current power levels, if any. */
export interface RoomPower {
	flags: AuthRules;
	/** v1–v10 `content.creator`, v11 the create sender, v12 the sender and `additional_creators`. */
	creators: string[];
	levels: PowerLevels | undefined;
}

export function roomPower(flags: AuthRules, state: StateLookup): RoomPower {
	const create = state(CREATE, "");
	const pl = state(POWER_LEVELS, "");
	return {
		flags,
		creators: create ? roomCreators(flags, create) : [],
		levels: pl ? parsePowerLevelsLenient(flags, pl.content) : undefined,
	};
}

/** A named level (`ban`, `invite`, …): the stated value, else the default. */
export function namedLevel(power: RoomPower, field: PowerLevelField): number {
	return power.levels?.fields[field] ?? POWER_LEVEL_FIELDS[field];
}

/** A user's power level in the room. */
export function userPowerLevel(power: RoomPower, userId: string): number {
	// v12: "Room creators include the sender of the m.room.create event and any additional_creators" — infinite power.
	if (power.flags.privilegedCreators && power.creators.includes(userId)) return CREATOR_LEVEL;
	if (power.levels) return power.levels.users.get(userId) ?? namedLevel(power, "users_default");
	// No power levels event: v1–v11 give the creator 100; everyone else (v12: every non-creator) has 0.
	if (!power.flags.privilegedCreators && power.creators.includes(userId)) return CREATOR_DEFAULT_LEVEL;
	return 0;
}

/** The event type's *required power level*: `events[type]`, else `state_default` or `events_default`. */
export function requiredEventLevel(power: RoomPower, type: string, stateKey: string | undefined): number {
	const explicit = power.levels?.events.get(type);
	if (explicit !== undefined) return explicit;
	return stateKey !== undefined ? namedLevel(power, "state_default") : namedLevel(power, "events_default");
}

/** Convenience for callers outside the rules (e.g. clients' power checks): a user's level in a room state. */
export function userPowerLevelInState(flags: AuthRules, state: StateLookup, userId: string): number {
	return userPowerLevel(roomPower(flags, state), userId);
}
