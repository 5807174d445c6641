// Signing events we create and verifying the hashes and signatures of events we receive.
// Spec: https://spec.matrix.org/latest/server-server-api/#signing-events and
// https://spec.matrix.org/latest/server-server-api/#validating-hashes-and-signatures-on-received-events

import { ed25519Verify, type SigningKey } from "../crypto/ed25519";
import { signingBytes, signJsonBytes } from "../crypto/sign-json";
import { MatrixError } from "../errors";
import { serverNameOf } from "../ids/server-name-of";
import type { RoomVersionRules } from "../room-versions/rules";
import { checkContentHash, computeContentHash } from "./hashes";
import type { EventJson, JsonValue, Pdu, PduDraft } from "./pdu";
import { redactEvent } from "./redaction";

/**
 * Adds the content hash, then signs the redacted form (so the signature survives redaction) and copies
 * the signature back. Returns the full event with `hashes` and `signatures`; other hashes and other
 * servers' signatures already present are kept. v1/v2 drafts must already carry their `event_id`.
 */
export async function signEvent(draft: PduDraft, serverName: string, key: SigningKey, rules: RoomVersionRules): Promise<Pdu> {
	return (await signEventKeepingBytes(draft, serverName, key, rules)).pdu;
}

/**
 * signEvent, also returning the bytes it signed: the canonical JSON of the redacted event without
 * `signatures` and `unsigned`. That is exactly what the reference hash covers (redaction keeps `hashes`
 * and `signatures`, and both drop the same two keys), so an event builder hashes these bytes for the
 * event ID instead of redacting and encoding the event a second time.
 */
export async function signEventKeepingBytes(
	draft: PduDraft,
	serverName: string,
	key: SigningKey,
	rules: RoomVersionRules,
): Promise<{ pdu: Pdu; signed_bytes: Uint8Array }> {
	const sha256 = await computeContentHash(draft);
	const hashed = { ...draft, hashes: { ...draft.hashes, sha256 } };
	const redacted = redactEvent(hashed, rules);
	const bytes = signingBytes(redacted);
	const signed = await signJsonBytes(redacted, bytes, serverName, key);
	return { pdu: { ...hashed, signatures: signed.signatures } as Pdu, signed_bytes: bytes };
}

/**
 * The servers whose signatures an event needs (spec "The signatures expected on an event are"):
 * - the `sender`'s server, unless the event is an invite made from a third-party invite (the sender
 *   must match the 3pid invite, but the server sending the event may be another);
 * - in rooms whose event IDs are server-generated (v1, v2), the server that created the `event_id`;
 * - from v8 (`restrictedJoinRule`), for an `m.room.member` event whose content has
 *   `join_authorised_via_users_server`, that user's server, which vouched for a restricted join.
 *   This is the v8 auth rule "If content has a join_authorised_via_users_server property: if the event
 *   is not validly signed by the homeserver of the user ID denoted by the key, reject", which names no
 *   membership; ruma checks it here for the same reason. (Synapse's signature step checks it for joins
 *   only and its auth step the signature's presence for any membership.) The auth rules can rely on it.
 * Throws M_BAD_JSON when an ID it needs is malformed.
 */
export function requiredServerSignatures(event: EventJson, rules: RoomVersionRules): string[] {
	const servers = new Set<string>();
	const content = objectOrUndefined(event.content);
	const membership = content?.membership;
	const isMember = event.type === "m.room.member";

	const isThirdPartyInvite = isMember && membership === "invite" && objectOrUndefined(content?.third_party_invite) !== undefined;
	if (!isThirdPartyInvite) servers.add(requireServerName(event.sender, "sender"));

	if (rules.eventIdFormat === "server-generated") servers.add(requireServerName(event.event_id, "event_id"));

	const authoriser = content?.join_authorised_via_users_server;
	if (rules.auth.restrictedJoinRule && isMember && authoriser !== undefined) {
		servers.add(requireServerName(authoriser, "join_authorised_via_users_server"));
	}
	return [...servers];
}

/** A server's public key as the key ring knows it. */
export interface ServerVerifyKey {
	/** Unpadded base64 of the Ed25519 public key, as in `verify_keys[keyId].key`. */
	key: string;
	/** When the key stops being valid (ms). For keys from `old_verify_keys`, pass their `expired_ts`. */
	valid_until_ts: number;
}

/** Gives the key for (server, key ID), or undefined if the key ring has none. The bridge fetches keys before verifying. */
export type KeyLookup = (
	serverName: string,
	keyId: string,
) => ServerVerifyKey | undefined | Promise<ServerVerifyKey | undefined>;

/** Why an event must be dropped: it fails the signature check, or is too malformed to check. */
export type DropReason = "malformed" | "missing_signature" | "no_usable_key" | "bad_signature";

/**
 * The outcome of the spec's checks on receipt of a PDU, steps 2 and 3:
 * - `ok`: required signatures and content hash are valid;
 * - `redact`: signatures valid, content hash wrong: keep only `redacted` (spec: "the receiving server
 *   should use the redacted copy it calculated rather than the full copy it received");
 * - `drop`: a required signature is missing or invalid, or the event cannot be checked at all.
 */
export type VerifyEventResult =
	| { verdict: "ok" }
	| { verdict: "redact"; redacted: Pdu }
	| { verdict: "drop"; reason: DropReason; error: string; server?: string; keyId?: string };

/**
 * Checks an event's signatures from every required server, then its content hash. For each required
 * server, every ed25519 signature whose key we know (and, in v5+, whose key was valid at the event's
 * `origin_server_ts`) must verify, and at least one must exist. Signatures are checked on the redacted
 * form, so a copy that was redacted in transit still passes. `extraServers` must sign too (the invitee's
 * server on an invite it countersigned: "checks the returned event carries the invitee server's signature").
 */
export async function verifyEvent(pdu: Pdu, rules: RoomVersionRules, keyLookup: KeyLookup, extraServers: readonly string[] = []): Promise<VerifyEventResult> {
	let servers: string[];
	let redacted: Pdu;
	let signed: Uint8Array;
	try {
		if (typeof pdu.hashes?.sha256 !== "string") return malformed("hashes.sha256 is missing");
		if (objectOrUndefined(pdu.signatures) === undefined) return malformed("signatures is missing");
		if (rules.enforceKeyValidity && !Number.isSafeInteger(pdu.origin_server_ts)) return malformed("origin_server_ts is missing");
		servers = [...new Set([...requiredServerSignatures(pdu, rules), ...extraServers])];
		redacted = redactEvent(pdu, rules);
		signed = signingBytes(redacted);
	} catch (err) {
		// MatrixError covers malformed IDs and content, and values canonical JSON cannot encode.
		if (err instanceof MatrixError) return malformed(err.message);
		throw err;
	}

	for (const server of servers) {
		const failure = await verifyServerSignatures(pdu, server, signed, rules, keyLookup);
		if (failure) return failure;
	}
	try {
		return (await checkContentHash(pdu)) ? { verdict: "ok" } : { verdict: "redact", redacted };
	} catch (err) {
		// The full event holds a value canonical JSON cannot encode (a float, an integer beyond 2^53).
		if (err instanceof MatrixError) return malformed(err.message);
		throw err;
	}
}

async function verifyServerSignatures(
	pdu: Pdu,
	server: string,
	signed: Uint8Array,
	rules: RoomVersionRules,
	keyLookup: KeyLookup,
): Promise<VerifyEventResult | undefined> {
	const entry = objectOrUndefined(pdu.signatures[server]);
	if (!entry) return { verdict: "drop", reason: "missing_signature", error: `no signatures from ${server}`, server };

	let verified = 0;
	for (const [keyId, signature] of Object.entries(entry)) {
		// Spec appendix "Checking for a signature", step 2: ignore algorithms we do not understand.
		if (!keyId.startsWith("ed25519:")) continue;
		const key = await keyLookup(server, keyId);
		if (!key) continue;
		// Room v5+: "servers MUST enforce the valid_until_ts property from a key request is at least as
		// large as the origin_server_ts for the event being validated". A key expired then is no key.
		if (rules.enforceKeyValidity && key.valid_until_ts < pdu.origin_server_ts) continue;
		if (typeof signature !== "string" || !(await ed25519Verify(key.key, signature, signed))) {
			return { verdict: "drop", reason: "bad_signature", error: `bad signature from ${server} ${keyId}`, server, keyId };
		}
		verified++;
	}
	if (verified === 0) {
		return { verdict: "drop", reason: "no_usable_key", error: `no known valid key for the signatures of ${server}`, server };
	}
	return undefined;
}

function malformed(error: string): VerifyEventResult {
	return { verdict: "drop", reason: "malformed", error };
}

/** The server name of a user ID or v1/v2 event ID, which must have a valid one. */
function requireServerName(id: JsonValue | undefined, field: string): string {
	const server = typeof id === "string" ? serverNameOf(id) : undefined;
	if (server === undefined) throw new MatrixError("M_BAD_JSON", `${field} has no valid server name`);
	return server;
}

function objectOrUndefined(value: JsonValue | undefined): { [key: string]: JsonValue } | undefined {
	return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
}
