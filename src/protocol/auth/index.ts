// The authorization rules of room versions 1–12, as pure functions over events and state lookups.
// Spec: https://spec.matrix.org/latest/rooms/ ("Authorization rules" of each version) and
// https://spec.matrix.org/latest/server-server-api/#authorization-rules

export { authTypesForEvent, type StateKey, stateKeyString } from "./auth-types";
export { checkAuthAgainstAuthEvents, stateFromAuthEvents } from "./check-auth";
export { roomCreators } from "./content";
export type { AuthOptions } from "./options";
export {
	CREATOR_DEFAULT_LEVEL,
	CREATOR_LEVEL,
	namedLevel,
	parsePowerLevelsLenient,
	parsePowerLevelsStrict,
	parsePowerLevelValue,
	POWER_LEVEL_FIELDS,
	type PowerLevelField,
	type PowerLevels,
	requiredEventLevel,
	type RoomPower,
	roomPower,
	userPowerLevel,
	userPowerLevelInState,
} from "./power-levels";
export { type AuthEventEntry, type AuthEventLookup, type AuthResult, MissingAuthEventError, type StateLookup } from "./result";
export { type RuleNumbers, ruleNumbers } from "./rule-numbers";
export { checkStateDependentAuthRules } from "./state-dependent";
export { checkStateIndependentAuthRules } from "./state-independent";
export { thirdPartyInvitePublicKeys, verifyThirdPartyInviteSigned } from "./third-party-invite";
