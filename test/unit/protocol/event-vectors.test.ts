// Every Synapse 1.67 event vector (11 events × room versions 1–10) and the spec appendix event signing vectors:
// content hash, redacted form, reference hash, event ID and the signed event, each exactly.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { signingKeyFromSeed, type SigningKey } from "../../../src/protocol/crypto/ed25519";
import { computeEventId } from "../../../src/protocol/events/event-id";
import { checkContentHash, computeContentHash, computeReferenceHash } from "../../../src/protocol/events/hashes";
import type { Pdu, PduDraft } from "../../../src/protocol/events/pdu";
import { redactEvent } from "../../../src/protocol/events/redaction";
import { signEvent, verifyEvent, type KeyLookup } from "../../../src/protocol/events/sign-event";
import { decodeBase64, encodeBase64 } from "../../../src/protocol/json/base64";
import { canonicalJson } from "../../../src/protocol/json/canonical";
import { ROOM_V1, ROOM_V10, ROOM_V11, ROOM_V3, roomVersionRules } from "../../../src/protocol/room-versions/rules";

const vectors = (name: string): unknown =>
	JSON.parse(readFileSync(new URL(`../../../../shared/vectors/${name}`, import.meta.url), "utf8"));

interface SynapseVector {
	room_version: string;
	name: string;
	input: PduDraft;
	content_hash_sha256: string;
	redacted: Pdu;
	reference_hash_sha256: string;
	event_id: string;
	signed: Pdu;
}
interface SynapseFile {
	source: { signing_key: { seed_base64: string; server_name: string; key_id: string } };
	vectors: SynapseVector[];
}
interface AppendixFile {
	signing_key: { seed_base64: string; server_name: string; key_id: string; derived_public_key_base64: string };
	event_signing: { vectors: { input: PduDraft; expected_signed: Pdu }[] };
}
const synapse = vectors("event-vectors-synapse-1.67.json") as SynapseFile;
const appendix = vectors("spec-appendix-vectors.json") as AppendixFile;
const { seed_base64, server_name, key_id } = appendix.signing_key;

let key: SigningKey;
let keyLookup: KeyLookup;
beforeAll(async () => {
	// The Synapse vectors were made with the spec's key; check that rather than assume it.
	expect(synapse.source.signing_key).toEqual({ seed_base64, server_name, key_id });
	key = await signingKeyFromSeed(key_id, decodeBase64(seed_base64)!);
	keyLookup = (server, id) =>
		server === server_name && id === key_id ? { key: key.publicKeyBase64, valid_until_ts: Number.MAX_SAFE_INTEGER } : undefined;
});

describe("Synapse 1.67 event vectors", () => {
	it("has 110 vectors", () => expect(synapse.vectors).toHaveLength(110));

	it.each(synapse.vectors)("v$room_version $name", async (v) => {
		const rules = roomVersionRules(v.room_version)!;
		expect(rules).toBeDefined();

		expect(await computeContentHash(v.input)).toBe(v.content_hash_sha256);
		expect(redactEvent(v.signed, rules)).toEqual(v.redacted);
		expect(encodeBase64(await computeReferenceHash(v.signed, rules))).toBe(v.reference_hash_sha256);
		expect(await computeEventId(v.signed, rules)).toBe(v.event_id);

		const signed = await signEvent(v.input, server_name, key, rules);
		expect(signed).toEqual(v.signed);
		expect(canonicalJson(signed)).toBe(canonicalJson(v.signed));

		// The reference hash ignores `unsigned` and signatures, and the vector's event verifies.
		expect(encodeBase64(await computeReferenceHash(v.redacted, rules))).toBe(v.reference_hash_sha256);
		expect(await checkContentHash(v.signed)).toBe(true);
		expect(await verifyEvent(v.signed, rules, keyLookup)).toEqual({ verdict: "ok" });
	});
});

describe("spec appendix event signing vectors", () => {
	const cases = appendix.event_signing.vectors.flatMap((v, i) =>
		[ROOM_V1, ROOM_V3, ROOM_V10].map((rules) => ({ ...v, i, rules, version: rules.id })),
	);
	it.each(cases)("vector $i signs exactly under room v$version", async ({ input, expected_signed, rules }) => {
		const signed = await signEvent(input, server_name, key, rules);
		expect(signed).toEqual(expected_signed);
		// Vector 0 has no event_id, which v1/v2 events need before anyone can verify them.
		const valid = rules.eventIdFormat !== "server-generated" || typeof signed.event_id === "string";
		expect(await verifyEvent(signed, rules, keyLookup)).toEqual(
			valid ? { verdict: "ok" } : { verdict: "drop", reason: "malformed", error: "event_id has no valid server name" },
		);
	});

	it.each(appendix.event_signing.vectors.map((v, i) => ({ ...v, i })))(
		"vector $i signs differently under room v11, which no longer protects `origin`",
		async ({ input, expected_signed }) => {
			const signed = await signEvent(input, server_name, key, ROOM_V11);
			expect(signed.hashes).toEqual(expected_signed.hashes);
			expect(signed.signatures).not.toEqual(expected_signed.signatures);
			expect(await verifyEvent(signed, ROOM_V11, keyLookup)).toEqual({ verdict: "ok" });
		},
	);
});
