// Content hashes and reference hashes of events.
// Spec: https://spec.matrix.org/latest/server-server-api/#calculating-the-content-hash-for-an-event
// and https://spec.matrix.org/latest/server-server-api/#calculating-the-reference-hash-for-an-event

import { sha256 } from "../crypto/sha256";
import { decodeBase64, encodeBase64 } from "../json/base64";
import { canonicalJsonBytes } from "../json/canonical";
import type { RoomVersionRules } from "../room-versions/rules";
import type { EventJson } from "./pdu";
import { redactEvent } from "./redaction";

/**
 * The value for `hashes.sha256`: unpadded standard base64 of the SHA-256 of the event's canonical
 * JSON without `unsigned`, `signatures` and `hashes`. It covers the full, unredacted event, which
 * is how a receiver tells a redacted copy (signature fine, hash wrong) from a forged one.
 */
export async function computeContentHash(event: EventJson): Promise<string> {
	return encodeBase64(await contentHashBytes(event));
}

function contentHashBytes(event: EventJson): Promise<Uint8Array> {
	const { unsigned: _u, signatures: _s, hashes: _h, ...rest } = event;
	return sha256(canonicalJsonBytes(rest));
}

/**
 * The raw 32-byte reference hash: SHA-256 of the canonical JSON of the redacted event without
 * `signatures` and `unsigned`. Returned as bytes because its encoding depends on the use: standard
 * base64 for v3 event IDs, URL-safe for v4+ event IDs and v12 room IDs.
 */
export async function computeReferenceHash(event: EventJson, rules: RoomVersionRules): Promise<Uint8Array> {
	const { signatures: _s, unsigned: _u, ...rest } = redactEvent(event, rules);
	return sha256(canonicalJsonBytes(rest));
}

/**
 * Whether `hashes.sha256` matches the event. The claimed hash is base64-decoded and compared as bytes,
 * as the spec says, so padded or URL-safe encodings of the right digest still match. A missing or
 * undecodable hash does not match.
 */
export async function checkContentHash(event: EventJson): Promise<boolean> {
	const hashes = event.hashes;
	if (typeof hashes !== "object" || hashes === null || Array.isArray(hashes)) return false;
	const claimed = typeof hashes.sha256 === "string" ? decodeBase64(hashes.sha256) : undefined;
	if (!claimed) return false;
	const actual = await contentHashBytes(event);
	return claimed.length === actual.length && claimed.every((byte, i) => byte === actual[i]);
}
