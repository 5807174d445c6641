// The spec numbers its authorization rules per room version; this derives each rule's number from the flags.
// Spec: https://spec.matrix.org/latest/rooms/ (section "Authorization rules" of v1, v3, v6, v7, v8, v10, v11, v12)
//
// Top level, by version: v1–v2 have the m.room.aliases rule (4) and the m.room.redaction rule (11);
// v3–v5 drop the redaction rule; v6 drops the aliases rule; v12 inserts "2. room_id is the create event"
// and drops "no m.room.create in auth_events". Inside m.room.member, v7 adds knock, v8 adds
// `join_authorised_via_users_server` (4.2) and the restricted join rule. Inside m.room.power_levels,
// v10 adds two integer checks and v12 adds the creators check. Comments next to each check quote the
// rule with its v12 number unless the rule only exists in older versions.
//
// Numbers are the ones the rendered spec shows. Markdown renumbers lists, so v12's auth_events rule
// written "3.5" in the spec source is shown (and reported here) as 3.4, and the last power-levels rule
// written "10." is 10.11.

import type { AuthRules } from "../room-versions/rules";

export interface RuleNumbers {
	create: { prevEvents: string; roomId: string; roomVersion: string; creator?: string; additionalCreators?: string };
	/** v12 only. */
	roomIdIsCreateEvent?: string;
	authEvents: { section: string; duplicate: string; unexpected: string; rejected: string; noCreate?: string; wrongRoom: string };
	federate: string;
	aliases?: { noStateKey: string; wrongDomain: string };
	member: {
		malformed: string;
		authorisedViaSignature?: string;
		join: { creator: string; notSelf: string; banned: string; invited: string; restricted?: { joinedOrInvited: string; authoriser: string; allow: string }; public: string; otherwise: string };
		invite: {
			thirdParty: { banned: string; noSigned: string; noMxidToken: string; mxidMismatch: string; noInviteEvent: string; senderMismatch: string; signature: string; otherwise: string };
			senderNotJoined: string;
			targetJoinedOrBanned: string;
			power: string;
			otherwise: string;
		};
		leave: { self: string; senderNotJoined: string; unban: string; kick: string; otherwise: string };
		ban: { senderNotJoined: string; power: string; otherwise: string };
		knock?: { joinRule: string; notSelf: string; allow: string; otherwise: string };
		unknown: string;
	};
	senderNotJoined: string;
	thirdPartyInvite: string;
	requiredPower: string;
	stateKeyUser: string;
	powerLevels: {
		section: string;
		integers?: string;
		maps?: string;
		users: string;
		creatorsInUsers?: string;
		noPrevious: string;
		fields: { current: string; new: string };
		mapsCurrent: string;
		mapsNew: string;
		usersCurrent: string;
		usersNew: string;
	};
	/** v1–v2 only. */
	redaction?: { redactLevel: string; sameDomain: string; otherwise: string };
}

function build(f: AuthRules): RuleNumbers {
	let top = 0;
	const next = () => String(++top);
	const sub = (prefix: string) => {
		let n = 0;
		return () => `${prefix}.${++n}`;
	};

	const create = sub(next());
	const createRules: RuleNumbers["create"] = { prevEvents: create(), roomId: create(), roomVersion: create() };
	if (!f.creatorFromSender) createRules.creator = create();
	if (f.privilegedCreators) createRules.additionalCreators = create();

	const roomIdIsCreateEvent = f.roomIdIsCreateEventId ? next() : undefined;

	const authSection = next();
	const auth = sub(authSection);
	const authEvents: RuleNumbers["authEvents"] = { section: authSection, duplicate: auth(), unexpected: auth(), rejected: auth(), wrongRoom: "" };
	if (!f.roomIdIsCreateEventId) authEvents.noCreate = auth();
	authEvents.wrongRoom = auth();

	const federate = next();

	let aliases: RuleNumbers["aliases"];
	if (f.specialCaseRoomAliases) {
		const a = sub(next());
		aliases = { noStateKey: a(), wrongDomain: a() };
	}

	const m = sub(next());
	const malformed = m();
	const authorisedViaSignature = f.restrictedJoinRule ? m() : undefined;
	const j = sub(m());
	const join: RuleNumbers["member"]["join"] = { creator: j(), notSelf: j(), banned: j(), invited: j(), public: "", otherwise: "" };
	if (f.restrictedJoinRule) {
		const r = sub(j());
		join.restricted = { joinedOrInvited: r(), authoriser: r(), allow: r() };
	}
	join.public = j();
	join.otherwise = j();
	const i = sub(m());
	const tp = sub(i());
	const thirdParty = {
		banned: tp(),
		noSigned: tp(),
		noMxidToken: tp(),
		mxidMismatch: tp(),
		noInviteEvent: tp(),
		senderMismatch: tp(),
		signature: tp(),
		otherwise: tp(),
	};
	const invite = { thirdParty, senderNotJoined: i(), targetJoinedOrBanned: i(), power: i(), otherwise: i() };
	const l = sub(m());
	const leave = { self: l(), senderNotJoined: l(), unban: l(), kick: l(), otherwise: l() };
	const b = sub(m());
	const ban = { senderNotJoined: b(), power: b(), otherwise: b() };
	let knock: RuleNumbers["member"]["knock"];
	if (f.knocking) {
		const k = sub(m());
		knock = { joinRule: k(), notSelf: k(), allow: k(), otherwise: k() };
	}
	const member: RuleNumbers["member"] = { malformed, join, invite, leave, ban, unknown: m() };
	if (authorisedViaSignature) member.authorisedViaSignature = authorisedViaSignature;
	if (knock) member.knock = knock;

	const senderNotJoined = next();
	const thirdPartyInvite = next();
	const requiredPower = next();
	const stateKeyUser = next();

	const plSection = next();
	const p = sub(plSection);
	const integers = f.integerPowerLevels ? p() : undefined;
	const maps = f.integerPowerLevels ? p() : undefined;
	const users = p();
	const creatorsInUsers = f.privilegedCreators ? p() : undefined;
	const noPrevious = p();
	const fieldsSection = p();
	const powerLevels: RuleNumbers["powerLevels"] = {
		section: plSection,
		users,
		noPrevious,
		fields: { current: `${fieldsSection}.1`, new: `${fieldsSection}.2` },
		mapsCurrent: `${p()}.1`,
		mapsNew: `${p()}.1`,
		usersCurrent: `${p()}.1`,
		usersNew: `${p()}.1`,
	};
	if (integers) powerLevels.integers = integers;
	if (maps) powerLevels.maps = maps;
	if (creatorsInUsers) powerLevels.creatorsInUsers = creatorsInUsers;

	let redaction: RuleNumbers["redaction"];
	if (f.specialCaseRoomRedaction) {
		const r = sub(next());
		redaction = { redactLevel: r(), sameDomain: r(), otherwise: r() };
	}

	const numbers: RuleNumbers = {
		create: createRules,
		authEvents,
		federate,
		member,
		senderNotJoined,
		thirdPartyInvite,
		requiredPower,
		stateKeyUser,
		powerLevels,
	};
	if (roomIdIsCreateEvent) numbers.roomIdIsCreateEvent = roomIdIsCreateEvent;
	if (aliases) numbers.aliases = aliases;
	if (redaction) numbers.redaction = redaction;
	return numbers;
}

const cache = new WeakMap<AuthRules, RuleNumbers>();

/** The rule numbers of the room version whose auth flags these are. */
export function ruleNumbers(flags: AuthRules): RuleNumbers {
	let numbers = cache.get(flags);
	if (!numbers) {
		numbers = build(flags);
		cache.set(flags, numbers);
	}
	return numbers;
}
