// Rule 5 (v12 numbering; 4 in v6–v11, 5 in v1–v5): m.room.member events — join, invite, leave, ban, knock.
// Spec: https://spec.matrix.org/latest/rooms/v12/#authorization-rules, https://spec.matrix.org/latest/rooms/v8/#authorization-rules

import type { RoomEvent } from "../events/pdu";
import { serverNameOf } from "../ids/server-name-of";
import type { RoomVersionRules } from "../room-versions/rules";
import { currentJoinRule, currentMembership, stringField } from "./content";
import { type AuthOptions, defaultVerifyEd25519, signedByDefault } from "./options";
import { namedLevel, type RoomPower, userPowerLevel } from "./power-levels";
import { ALLOW, type AuthResult, reject, type StateLookup } from "./result";
import { type RuleNumbers, ruleNumbers } from "./rule-numbers";
import { checkThirdPartyInvite } from "./third-party-invite";

interface MemberContext {
	rules: RoomVersionRules;
	event: RoomEvent;
	target: string;
	state: StateLookup;
	power: RoomPower;
	create: RoomEvent;
}

export async function checkMemberEvent(
	rules: RoomVersionRules,
	event: RoomEvent,
	state: StateLookup,
	power: RoomPower,
	create: RoomEvent,
	options: AuthOptions,
): Promise<AuthResult> {
	const n = ruleNumbers(rules.auth).member;
	// 5.1 "If there is no state_key property, or no membership property in content, reject."
	const membership = stringField(event.content, "membership");
	if (event.state_key === undefined || membership === undefined) return reject(n.malformed, "no state_key or no membership");
	const ctx: MemberContext = { rules, event, target: event.state_key, state, power, create };

	// 5.2 (v8+) "If content has a join_authorised_via_users_server key:"
	// 5.2.1 "If the event is not validly signed by the homeserver of the user ID denoted by the key, reject."
	if (n.authorisedViaSignature !== undefined && "join_authorised_via_users_server" in event.content) {
		const authoriser = event.content.join_authorised_via_users_server;
		const server = typeof authoriser === "string" ? serverNameOf(authoriser) : undefined;
		const isSignedBy = options.isSignedBy ?? signedByDefault;
		if (server === undefined || !isSignedBy(event, server)) {
			return reject(`${n.authorisedViaSignature}.1`, "not signed by the server of join_authorised_via_users_server");
		}
	}

	switch (membership) {
		case "join":
			return checkJoin(ctx);
		case "invite":
			return checkInvite(ctx, options);
		case "leave":
			return checkLeave(ctx);
		case "ban":
			return checkBan(ctx);
		case "knock":
			if (n.knock) return checkKnock(ctx, n.knock);
	}
	// 5.8 "Otherwise, the membership is unknown. Reject."
	return reject(n.unknown, `unknown membership ${JSON.stringify(membership)}`);
}

function checkJoin({ rules, event, target, state, power, create }: MemberContext): AuthResult {
	const n = ruleNumbers(rules.auth).member.join;
	// 5.3.1 "If the only previous event is an m.room.create and the state_key is the sender of the
	// m.room.create, allow." (v1–v10: "the state_key is the creator")
	const creator = rules.auth.creatorFromSender ? create.sender : stringField(create.content, "creator");
	if (event.prev_events.length === 1 && event.prev_events[0] === create.event_id && target === creator) return ALLOW;
	// 5.3.2 "If the sender does not match state_key, reject."
	if (event.sender !== target) return reject(n.notSelf, "cannot join another user");
	// 5.3.3 "If the sender is banned, reject."
	const membership = currentMembership(state, event.sender);
	if (membership === "ban") return reject(n.banned, "the sender is banned");
	const joinedOrInvited = membership === "join" || membership === "invite";
	const joinRule = currentJoinRule(state);
	// 5.3.4 "If the join_rule is invite or knock then allow if membership state is invite or join." (v1–v6: invite)
	if ((joinRule === "invite" || (rules.auth.knocking && joinRule === "knock")) && joinedOrInvited) return ALLOW;
	// 5.3.5 (v8+) "If the join_rule is restricted or knock_restricted:" (v8–v9: restricted)
	if (n.restricted && (joinRule === "restricted" || (rules.auth.knockRestrictedJoinRule && joinRule === "knock_restricted"))) {
		// 5.3.5.1 "If membership state is join or invite, allow."
		if (joinedOrInvited) return ALLOW;
		// 5.3.5.2 "If the join_authorised_via_users_server key in content is not a user with sufficient
		// permission to invite other users or is not a joined member of the room, reject."
		const authoriser = stringField(event.content, "join_authorised_via_users_server");
		if (authoriser === undefined || currentMembership(state, authoriser) !== "join") {
			return reject(n.restricted.authoriser, "join_authorised_via_users_server is not a joined member");
		}
		if (userPowerLevel(power, authoriser) < namedLevel(power, "invite")) {
			return reject(n.restricted.authoriser, "join_authorised_via_users_server may not invite");
		}
		// 5.3.5.3 "Otherwise, allow."
		return ALLOW;
	}
	// 5.3.6 "If the join_rule is public, allow."
	if (joinRule === "public") return ALLOW;
	// 5.3.7 "Otherwise, reject."
	return reject(n.otherwise, `cannot join a room whose join rule is ${JSON.stringify(joinRule)} without an invite`);
}

async function checkInvite({ rules, event, target, state, power }: MemberContext, options: AuthOptions): Promise<AuthResult> {
	const n = ruleNumbers(rules.auth).member.invite;
	// 5.4.1 "If content has a third_party_invite property:"
	if ("third_party_invite" in event.content) {
		return checkThirdPartyInvite(n.thirdParty, event, target, state, options.verifyEd25519 ?? defaultVerifyEd25519);
	}
	// 5.4.2 "If the sender's current membership state is not join, reject."
	if (currentMembership(state, event.sender) !== "join") return reject(n.senderNotJoined, "the sender is not joined");
	// 5.4.3 "If target user's current membership state is join or ban, reject."
	const targetMembership = currentMembership(state, target);
	if (targetMembership === "join" || targetMembership === "ban") return reject(n.targetJoinedOrBanned, `the target is ${targetMembership}`);
	// 5.4.4 "If the sender's power level is greater than or equal to the invite level, allow."
	if (userPowerLevel(power, event.sender) >= namedLevel(power, "invite")) return ALLOW;
	// 5.4.5 "Otherwise, reject."
	return reject(n.otherwise, "the sender may not invite");
}

function checkLeave({ rules, event, target, state, power }: MemberContext): AuthResult {
	const n = ruleNumbers(rules.auth).member.leave;
	const senderMembership = currentMembership(state, event.sender);
	// 5.5.1 "If the sender matches state_key, allow if and only if that user's current membership state is
	// invite, join, or knock." (v1–v6: invite or join)
	if (event.sender === target) {
		const ok = senderMembership === "invite" || senderMembership === "join" || (rules.auth.knocking && senderMembership === "knock");
		return ok ? ALLOW : reject(n.self, `cannot leave from membership ${JSON.stringify(senderMembership ?? "none")}`);
	}
	// 5.5.2 "If the sender's current membership state is not join, reject."
	if (senderMembership !== "join") return reject(n.senderNotJoined, "the sender is not joined");
	const senderLevel = userPowerLevel(power, event.sender);
	// 5.5.3 "If the target user's current membership state is ban, and the sender's power level is less than the ban level, reject."
	if (currentMembership(state, target) === "ban" && senderLevel < namedLevel(power, "ban")) return reject(n.unban, "the sender may not unban");
	// 5.5.4 "If the sender's power level is greater than or equal to the kick level, and the target user's
	// power level is less than the sender's power level, allow."
	if (senderLevel >= namedLevel(power, "kick") && userPowerLevel(power, target) < senderLevel) return ALLOW;
	// 5.5.5 "Otherwise, reject."
	return reject(n.otherwise, "the sender may not kick the target");
}

function checkBan({ rules, event, target, state, power }: MemberContext): AuthResult {
	const n = ruleNumbers(rules.auth).member.ban;
	// 5.6.1 "If the sender's current membership state is not join, reject."
	if (currentMembership(state, event.sender) !== "join") return reject(n.senderNotJoined, "the sender is not joined");
	// 5.6.2 "If the sender's power level is greater than or equal to the ban level, and the target user's
	// power level is less than the sender's power level, allow."
	const senderLevel = userPowerLevel(power, event.sender);
	if (senderLevel >= namedLevel(power, "ban") && userPowerLevel(power, target) < senderLevel) return ALLOW;
	// 5.6.3 "Otherwise, reject."
	return reject(n.otherwise, "the sender may not ban the target");
}

function checkKnock({ rules, event, target, state }: MemberContext, n: NonNullable<RuleNumbers["member"]["knock"]>): AuthResult {
	const joinRule = currentJoinRule(state);
	// 5.7.1 "If the join_rule is anything other than knock or knock_restricted, reject." (v7–v9: knock)
	if (joinRule !== "knock" && !(rules.auth.knockRestrictedJoinRule && joinRule === "knock_restricted")) {
		return reject(n.joinRule, `cannot knock when the join rule is ${JSON.stringify(joinRule)}`);
	}
	// 5.7.2 "If sender does not match state_key, reject."
	if (event.sender !== target) return reject(n.notSelf, "cannot knock for another user");
	// 5.7.3 "If the sender's current membership is not ban, invite, or join, allow."
	const membership = currentMembership(state, event.sender);
	if (membership !== "ban" && membership !== "invite" && membership !== "join") return ALLOW;
	// 5.7.4 "Otherwise, reject."
	return reject(n.otherwise, `cannot knock from membership ${membership}`);
}
