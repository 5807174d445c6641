// The invite rules for `content.third_party_invite`: a signed token from an identity server stands in for joined membership.
// Spec: https://spec.matrix.org/latest/rooms/v12/#authorization-rules (rule 5.4.1)

import { signingBytes } from "../crypto/sign-json";
import type { JsonObject, RoomEvent } from "../events/pdu";
import { currentMembership, isObject, stringField, THIRD_PARTY_INVITE } from "./content";
import { ALLOW, type AuthResult, reject, type StateLookup } from "./result";
import type { RuleNumbers } from "./rule-numbers";

type Verify = (publicKeyBase64: string, signatureBase64: string, message: Uint8Array) => Promise<boolean>;

/** "The public keys are in content of m.room.third_party_invite as: a single public key in the public_key
 * property; a list of public keys in the public_keys property." */
export function thirdPartyInvitePublicKeys(content: JsonObject): string[] {
	const keys: string[] = [];
	const single = stringField(content, "public_key");
	if (single !== undefined) keys.push(single);
	const list = content.public_keys;
	if (Array.isArray(list)) {
		for (const entry of list) {
			if (isObject(entry)) {
				const key = stringField(entry, "public_key");
				if (key !== undefined) keys.push(key);
			}
		}
	}
	return keys;
}

/** True if any Ed25519 signature in `signed.signatures` verifies under any of the public keys. */
export async function verifyThirdPartyInviteSigned(signed: JsonObject, publicKeys: string[], verify: Verify): Promise<boolean> {
	const signatures = signed.signatures;
	if (!isObject(signatures) || publicKeys.length === 0) return false;
	let message: Uint8Array;
	try {
		message = signingBytes(signed);
	} catch {
		return false; // not canonical-JSON encodable, so nothing can have signed it
	}
	for (const byServer of Object.values(signatures)) {
		if (!isObject(byServer)) continue;
		for (const [keyId, signature] of Object.entries(byServer)) {
			if (!keyId.startsWith("ed25519:") || typeof signature !== "string") continue;
			for (const key of publicKeys) {
				if (await verify(key, signature, message)) return true;
			}
		}
	}
	return false;
}

/** Rule 5.4.1 and its sub-rules, for an invite whose content has a `third_party_invite` property. */
export async function checkThirdPartyInvite(
	n: RuleNumbers["member"]["invite"]["thirdParty"],
	event: RoomEvent,
	target: string,
	state: StateLookup,
	verify: Verify,
): Promise<AuthResult> {
	// 5.4.1.1 "If target user is banned, reject."
	if (currentMembership(state, target) === "ban") return reject(n.banned, "the invited user is banned");
	// 5.4.1.2 "If content.third_party_invite does not have a signed property, reject."
	const tpi = event.content.third_party_invite;
	const signed = isObject(tpi) ? tpi.signed : undefined;
	if (!isObject(signed)) return reject(n.noSigned, "third_party_invite has no signed object");
	// 5.4.1.3 "If signed does not have mxid and token properties, reject."
	const mxid = stringField(signed, "mxid");
	const token = stringField(signed, "token");
	if (mxid === undefined || token === undefined) return reject(n.noMxidToken, "signed has no mxid and token");
	// 5.4.1.4 "If mxid does not match state_key, reject."
	if (mxid !== target) return reject(n.mxidMismatch, "signed.mxid is not the state_key");
	// 5.4.1.5 "If there is no m.room.third_party_invite event in the current room state with state_key matching token, reject."
	const invite = state(THIRD_PARTY_INVITE, token);
	if (!invite) return reject(n.noInviteEvent, "no m.room.third_party_invite for this token");
	// 5.4.1.6 "If sender does not match sender of the m.room.third_party_invite, reject."
	if (invite.sender !== event.sender) return reject(n.senderMismatch, "the sender did not send the third-party invite");
	// 5.4.1.7 "If any signature in signed matches any public key in the m.room.third_party_invite event, allow."
	if (await verifyThirdPartyInviteSigned(signed, thirdPartyInvitePublicKeys(invite.content), verify)) return ALLOW;
	// 5.4.1.8 "Otherwise, reject."
	return reject(n.otherwise, "no signature in signed matches a public key of the third-party invite");
}
