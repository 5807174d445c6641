// Golden tests: every LA_* code of order validation (LAWFUL_ACCESS.md "Validation", steps 1-12), each from a
// real signed order through the real POST /_lawful/v1/orders, plus acceptance (step 13), two-signature
// orders, replay and resubmission, and the existence-oracle rule.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LA_ERROR_STATUS, type LaCode } from "../../src/export/order/la-errors";
import { exportJWK, generateKeyPair } from "jose";
import type { Order, RecipientKey } from "../../src/export/order/types";
import { authority, baseOrder, envWithTrust, keyEntry, makeSigner, SERVER_NAME, signCompact, signGeneral, submit, TYP, type Signer } from "./lawful-orders-helpers";

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const b64 = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

const ed = await makeSigner("fbi-ed-1");
const es = await makeSigner("fbi-es-1", "ES256");
const revoked = await makeSigner("fbi-revoked");
const old = await makeSigner("fbi-old");
const court = await makeSigner("court-1");
const doj = await makeSigner("doj-1");
const stranger = await makeSigner("fbi-ed-1"); // same kid as `ed`, different key: a forgery

const E = envWithTrust({
	authorities: [
		authority("us-fbi", [keyEntry(ed), keyEntry(es), keyEntry(revoked, { status: "revoked" }), keyEntry(old, { notBefore: iso(Date.now() - 400 * DAY), notAfter: iso(Date.now() - 200 * DAY) })]),
		authority("us-doj", [keyEntry(doj)], { requiresValidatingAuthority: true, validatingAuthorities: ["us-court"] }),
		authority("us-court", [keyEntry(court)], { role: "validating" }),
	],
});

function order(edit: (o: Order) => void = () => {}, sender = "us-fbi"): Order {
	const o = baseOrder(sender);
	edit(o);
	return o;
}

async function expectCode(body: string, code: LaCode, pointer?: string) {
	const res = await submit(E, body);
	expect(res.json.code, res.text).toBe(code);
	expect(res.status).toBe(LA_ERROR_STATUS[code]);
	expect(typeof res.json.detail).toBe("string");
	if (pointer !== undefined) expect(res.json.pointer).toBe(pointer);
	return res;
}

const sign = (o: Order, s: Signer = ed) => signCompact(o, s);

describe("order validation golden codes", () => {
	it("step 1: LA_MALFORMED for a body that is not a JWS, and for one over 1 MiB", async () => {
		await expectCode("this is not a JWS", "LA_MALFORMED");
		const big = await signCompact(order((o) => void (o.authorisation.authorisationReference = "x".repeat(1024 * 1024))), ed);
		await expectCode(big, "LA_MALFORMED");
	});

	it("step 1: LA_MALFORMED for a wrong typ and for a non-canonical payload", async () => {
		const o = order();
		await expectCode(await signCompact(o, ed, { typ: "JWT" }), "LA_MALFORMED");
		const pretty = new TextEncoder().encode(JSON.stringify(o, null, 2));
		await expectCode(await signCompact(o, ed, {}, pretty), "LA_MALFORMED");
	});

	it("step 1: LA_ALG_NOT_ALLOWED for RS256 and for none", async () => {
		const payload = b64(JSON.stringify(order()));
		await expectCode(`${b64(JSON.stringify({ alg: "RS256", kid: ed.kid, typ: TYP }))}.${payload}.${b64("sig")}`, "LA_ALG_NOT_ALLOWED");
		await expectCode(`${b64(JSON.stringify({ alg: "none", kid: ed.kid, typ: TYP }))}.${payload}.${b64("sig")}`, "LA_ALG_NOT_ALLOWED");
	});

	it("step 1: LA_KEY_UNKNOWN for a kid that is not pinned", async () => {
		await expectCode(await sign(order(), await makeSigner("who-knows")), "LA_KEY_UNKNOWN");
	});

	it("step 2: LA_SIG_INVALID for a signature by another key under a pinned kid", async () => {
		await expectCode(await sign(order(), stranger), "LA_SIG_INVALID");
	});

	it("step 2: LA_KEY_REVOKED and LA_KEY_NOT_VALID_AT_TIME", async () => {
		await expectCode(await sign(order(), revoked), "LA_KEY_REVOKED");
		await expectCode(await sign(order(), old), "LA_KEY_NOT_VALID_AT_TIME", "/header/timestamp");
	});

	it("step 3: LA_SCHEMA with the pointer of the first error", async () => {
		await expectCode(await sign(order((o) => void (o.header.transactionIdentifier = "not-a-uuid"))), "LA_SCHEMA", "/header/transactionIdentifier");
		await expectCode(await sign(order((o) => Object.assign(o.authorisation, { surprise: true }))), "LA_SCHEMA", "/authorisation/surprise");
		// delivery.recipientKey: a public encryption key only (package/encrypt.ts), never a private or signing-only key.
		const x25519 = await exportJWK((await generateKeyPair("ECDH-ES", { crv: "X25519", extractable: true })).privateKey);
		await expectCode(await sign(order((o) => void (o.delivery = { recipientKey: x25519 as RecipientKey }))), "LA_SCHEMA", "/delivery/recipientKey");
		const ed25519 = (await makeSigner("not-for-encryption")).publicJwk;
		await expectCode(await sign(order((o) => void (o.delivery = { recipientKey: ed25519 as RecipientKey }))), "LA_SCHEMA", "/delivery/recipientKey");
	});

	it("step 4: LA_WRONG_RECIPIENT", async () => {
		await expectCode(await sign(order((o) => void (o.header.receiverIdentifier.uniqueIdentifier = "matrix.other.example"))), "LA_WRONG_RECIPIENT", "/header/receiverIdentifier/uniqueIdentifier");
	});

	it("step 5: LA_STALE, LA_NOT_YET_VALID, LA_EXPIRED", async () => {
		await expectCode(await sign(order((o) => void (o.header.timestamp = iso(Date.now() - 10 * 60_000)))), "LA_STALE", "/header/timestamp");
		await expectCode(await sign(order((o) => void (o.authorisation.timespan.startTime = iso(Date.now() + DAY)))), "LA_NOT_YET_VALID");
		await expectCode(await sign(order((o) => void (o.authorisation.timespan = { startTime: iso(Date.now() - 2 * DAY), endTime: iso(Date.now() - 60_000) }))), "LA_EXPIRED");
	});

	it("step 5: LA_REPLAY for another order with a used transaction ID; identical bytes get the existing status", async () => {
		const first = order();
		const jws = await sign(first);
		const accepted = await submit(E, jws);
		expect(accepted.status).toBe(202);
		const again = await submit(E, jws);
		expect(again.status).toBe(200);
		expect(again.json).toEqual(accepted.json);
		const other = order((o) => {
			o.header.transactionIdentifier = first.header.transactionIdentifier;
			o.authorisation.authorisationReference = "CASE-OTHER";
		});
		await expectCode(await sign(other), "LA_REPLAY", "/header/transactionIdentifier");
	});

	it("step 6: LA_AUTHORITY_NOT_ALLOWED for a validating-only authority as sender", async () => {
		await expectCode(await sign(order(undefined, "us-court"), court), "LA_AUTHORITY_NOT_ALLOWED");
	});

	it("step 6: LA_AUTHORITY_NOT_ALLOWED when the signer is not the sender", async () => {
		await expectCode(await sign(order(undefined, "us-doj"), ed), "LA_AUTHORITY_NOT_ALLOWED");
	});

	it("step 6: LA_LEGAL_BASIS_NOT_ALLOWED for a basis outside the authority's regimes", async () => {
		await expectCode(await sign(order((o) => void (o.authorisation.legalBasis = "UK-IPA-s61"))), "LA_LEGAL_BASIS_NOT_ALLOWED", "/authorisation/legalBasis");
	});

	it("step 7: LA_APPROVAL_MISSING and LA_VALIDATING_SIGNATURE_MISSING", async () => {
		await expectCode(await sign(order((o) => void (o.authorisation.approvalDetails = []))), "LA_APPROVAL_MISSING");
		await expectCode(await sign(order(undefined, "us-doj"), doj), "LA_VALIDATING_SIGNATURE_MISSING");
	});

	it("step 8: LA_CATEGORY_NOT_PERMITTED for traffic data under a subpoena", async () => {
		await expectCode(await sign(order((o) => void (o.authorisation.legalBasis = "US-18USC2703c2"))), "LA_CATEGORY_NOT_PERMITTED", "/tasks/0/requestDetails/type");
	});

	it("step 8: LA_CONTENT_NOT_PROVIDED for stored content, even under a warrant", async () => {
		await expectCode(
			await sign(order((o) => {
				o.authorisation.legalBasis = "US-18USC2703a";
				o.tasks[0]!.requestDetails.type = "StoredContentData";
			})),
			"LA_CONTENT_NOT_PROVIDED",
			"/tasks/0/requestDetails/type",
		);
	});

	it("step 9: LA_TARGET_NOT_SPECIFIC, LA_TOO_MANY_TARGETS, LA_TARGET_FORMAT", async () => {
		await expectCode(await sign(order((o) => void (o.tasks[0]!.requestDetails.requestValues[0]!.value = `@*:${SERVER_NAME}`))), "LA_TARGET_NOT_SPECIFIC");
		await expectCode(await sign(order((o) => void o.tasks[0]!.requestDetails.requestValues.push({ formatType: "ServiceAccessIdentifier", value: `@bob:${SERVER_NAME}` }))), "LA_TARGET_NOT_SPECIFIC");
		await expectCode(
			await sign(order((o) => {
				const t = o.tasks[0]!;
				o.tasks = ["a", "b", "c", "d"].map((n, i) => ({ ...t, reference: `LDID-${i}`, requestDetails: { ...t.requestDetails, requestValues: [{ formatType: "ServiceAccessIdentifier", value: `@${n}:${SERVER_NAME}` }] } }));
			})),
			"LA_TOO_MANY_TARGETS",
		);
		await expectCode(await sign(order((o) => void (o.tasks[0]!.requestDetails.requestValues[0]!.value = "alice"))), "LA_TARGET_FORMAT", "/tasks/0/requestDetails/requestValues/0");
	});

	it("step 10: LA_TARGET_NOT_LOCAL for an account on another server", async () => {
		await expectCode(await sign(order((o) => void (o.tasks[0]!.requestDetails.requestValues[0]!.value = "@alice:matrix.org"))), "LA_TARGET_NOT_LOCAL");
	});

	it("step 11: LA_WINDOW_REQUIRED, LA_WINDOW_INVALID, LA_WINDOW_TOO_LARGE", async () => {
		await expectCode(await sign(order((o) => void delete o.tasks[0]!.requestDetails.startTime)), "LA_WINDOW_REQUIRED", "/tasks/0/requestDetails/startTime");
		await expectCode(await sign(order((o) => void (o.tasks[0]!.requestDetails.startTime = iso(Date.now() - 0.5 * DAY)))), "LA_WINDOW_INVALID");
		await expectCode(await sign(order((o) => void (o.tasks[0]!.requestDetails.startTime = iso(Date.now() - 365 * DAY)))), "LA_WINDOW_TOO_LARGE");
	});

	it("step 12: LA_NDO_INVALID for a non-disclosure period that ended, or lacks its provision", async () => {
		await expectCode(await sign(order((o) => void (o.authorisation.nonDisclosure = { until: iso(Date.now() - DAY), legalProvision: "18 U.S.C. 2705(b)" }))), "LA_NDO_INVALID", "/authorisation/nonDisclosure/until");
		await expectCode(await sign(order((o) => void (o.authorisation.nonDisclosure = { until: iso(Date.now() + 90 * DAY), legalProvision: " " }))), "LA_NDO_INVALID");
	});

	it("covers every validation code of the design", () => {
		const validation = Object.keys(LA_ERROR_STATUS).slice(0, Object.keys(LA_ERROR_STATUS).indexOf("LA_NDO_INVALID") + 1);
		expect(validation).toHaveLength(26);
	});
});

describe("accepted orders", () => {
	it("step 13: 202 {orderId, status AwaitingApproval, ldids} for EdDSA and ES256 compact orders, stored verbatim", async () => {
		for (const signer of [ed, es]) {
			const jws = await sign(order(), signer);
			const res = await submit(E, jws);
			expect(res.status, res.text).toBe(202);
			expect(res.json).toEqual({ orderId: expect.any(String), status: "AwaitingApproval", ldids: ["LDID-1"] });
			const row = await env.DB.prepare("SELECT jws, status FROM lawful_orders WHERE order_id = ?").bind(res.json.orderId).first<{ jws: string; status: string }>();
			expect(row).toEqual({ jws, status: "AwaitingApproval" });
		}
	});

	it("accepts a JSON General order co-signed by the validating authority", async () => {
		const res = await submit(E, await signGeneral(order(undefined, "us-doj"), [doj, court]));
		expect(res.status, res.text).toBe(202);
	});

	it("refuses a co-signed order when one of the two signatures is bad", async () => {
		await expectCode(await signGeneral(order(undefined, "us-doj"), [doj, await makeSigner("court-1")]), "LA_SIG_INVALID");
	});
});

describe("existence oracle", () => {
	it("answers identically for a known and an unknown local account", async () => {
		const known = `@known:${SERVER_NAME}`;
		await env.DB.prepare("INSERT INTO accounts (user_id, localpart, password_hash, is_admin, is_operator, is_guest, deactivated, created_ts) VALUES (?, 'known', 'x', 0, 0, 0, 0, 1)").bind(known).run();
		const unknown = `@never-registered:${SERVER_NAME}`;
		const shape = (json: Record<string, unknown>) => ({ ...json, orderId: typeof json.orderId });
		const a = await submit(E, await sign(baseOrder("us-fbi", Date.now(), known)));
		const b = await submit(E, await sign(baseOrder("us-fbi", Date.now(), unknown)));
		expect([a.status, shape(a.json)]).toEqual([b.status, shape(b.json)]);
		expect(a.status).toBe(202);
		// And a refused one: byte-identical bodies.
		const bad = (target: string) => sign(order((o) => {
			o.tasks[0]!.requestDetails.requestValues[0]!.value = target;
			delete o.tasks[0]!.requestDetails.endTime;
		}));
		const c = await submit(E, await bad(known));
		const d = await submit(E, await bad(unknown));
		expect([c.status, c.text]).toEqual([d.status, d.text]);
	});
});
