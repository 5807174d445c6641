// Preservation, purges, notices and delivery through the real stores, DOs and the hourly job:
// a hold stops the session-IP purge, an NDO delays the notice until the job sends it, a package is
// retrieved once (a second attempt is refused and logged), and expiry deletes it.
import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/worker/app";
import { issueRetrievalToken, packageReady, retrievePackage } from "../../src/export/lifecycle/delivery";
import { runLawfulHousekeeping } from "../../src/export/lifecycle/housekeeping";
import { transition } from "../../src/export/lifecycle/state-machine";
import { accountsOfHold } from "../../src/export/store/holds";
import type { Order } from "../../src/export/order/types";
import { registerUser } from "./accounts-helpers";
import { auditActions, DAY, iso, lawful, operator, SERVER_NAME, signedUpdate, statusOf, world, type World } from "./lawful-lifecycle-helpers";

let w: World;
let op1: { token: string };
let op2: { token: string };
const REASON = "preservation request matches the case file";

beforeAll(async () => {
	w = await world();
	op1 = await operator("la_ret_op1");
	op2 = await operator("la_ret_op2");
});

/** A client request as a real client makes it, so the UserDO records a session (device, IP, user agent). */
async function useToken(token: string, ip: string): Promise<void> {
	const res = await app.fetch(
		new Request("http://localhost:8787/_matrix/client/v3/account/whoami", { headers: { authorization: `Bearer ${token}`, "CF-Connecting-IP": ip, "User-Agent": "test" } }),
		env,
		createExecutionContext(),
	);
	expect(res.status).toBe(200);
}

async function sessionCount(userId: string): Promise<number> {
	return runInDurableObject(env.USER.getByName(userId), (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sessions").one().n);
}

function preserve(target: string, ndoUntil?: number, days = 89) {
	return (o: Order) => {
		const now = Date.now();
		o.tasks = [{ kind: "LP", reference: "LP-1", requestDetails: { type: "SubscriberData", requestValues: [{ formatType: "ServiceAccessIdentifier", value: target }] }, desiredPreservationExpiration: iso(now + days * DAY) }];
		o.authorisation.legalBasis = "US-18USC2703f";
		if (ndoUntil !== undefined) o.authorisation.nonDisclosure = { until: iso(ndoUntil), legalProvision: "18 U.S.C. 2705(b)" };
	};
}

async function approveTwice(id: string): Promise<void> {
	expect((await lawful(w.env, `/_lawful/v1/admin/orders/${id}/approve`, op1.token, { reason: REASON })).status).toBe(200);
	expect((await lawful(w.env, `/_lawful/v1/admin/orders/${id}/approve`, op2.token, { reason: REASON })).status).toBe(200);
}

describe("preservation and the purge", () => {
	it("the hourly purge deletes old session IPs, except for a held account until its hold ends", async () => {
		const held = await registerUser("la_held", "correct horse battery staple");
		const free = await registerUser("la_free", "correct horse battery staple");
		await useToken(held.access_token, "198.51.100.7");
		await useToken(free.access_token, "198.51.100.8");
		expect(await sessionCount(held.user_id)).toBeGreaterThan(0);
		const id = await w.submitOrder(preserve(held.user_id));
		await approveTwice(id);
		expect(await statusOf(id)).toBe("Approved");
		const hold = await env.DB.prepare("SELECT expires_ts FROM lawful_holds WHERE order_id = ?1").bind(id).first<{ expires_ts: number }>();
		expect(await accountsOfHold(env.DB, id, "LP-1")).toEqual([held.user_id]);

		// 60 days on: past the 28-day retention, inside the 90-day hold.
		await runLawfulHousekeeping(w.env, Date.now() + 60 * DAY);
		expect(await sessionCount(free.user_id)).toBe(0);
		expect(await sessionCount(held.user_id)).toBeGreaterThan(0);

		// After the hold expires it is released (the preservation-only order closes) and the purge proceeds.
		await runLawfulHousekeeping(w.env, hold!.expires_ts + DAY);
		expect(await sessionCount(held.user_id)).toBe(0);
		expect(await statusOf(id)).toBe("Closed");
		expect(await auditActions(id)).toEqual(expect.arrayContaining(["hold-created", "hold-released", "closed"]));
	});
});

describe("renewing a preservation", () => {
	async function holdOf(id: string) {
		return env.DB.prepare("SELECT expires_ts, renewals, released_ts FROM lawful_holds WHERE order_id = ?1").bind(id).first<{ expires_ts: number; renewals: number; released_ts: number | null }>();
	}

	it("a signed renewal extends the hold once; the purge still skips past the first end; the renewed end releases it", async () => {
		const held = await registerUser("la_renewed", "correct horse battery staple");
		await useToken(held.access_token, "198.51.100.9");
		const id = await w.submitOrder(preserve(held.user_id, undefined, 10));
		await approveTwice(id);
		const first = await holdOf(id);
		expect(first?.expires_ts).toBeLessThan(Date.now() + 11 * DAY);

		const renewedTo = Date.now() + 80 * DAY;
		const renewed = await signedUpdate(w, id, { action: "renew-preservation", desiredPreservationExpiration: iso(renewedTo), reason: "2703(f) renewal" });
		expect(renewed.status).toBe(200);
		const second = await holdOf(id);
		expect(second).toMatchObject({ renewals: 1, released_ts: null });
		expect(Math.abs(second!.expires_ts - renewedTo)).toBeLessThan(1000);
		// The design allows one renewal: a second is refused and the hold keeps the renewed end.
		const again = await signedUpdate(w, id, { action: "renew-preservation", desiredPreservationExpiration: iso(Date.now() + 85 * DAY), reason: "once more" });
		expect(again.status).toBe(409);
		expect(await again.json()).toMatchObject({ code: "LA_INVALID_STATE" });
		expect((await holdOf(id))?.expires_ts).toBe(second!.expires_ts);

		// 60 days on: past the first end (10 days) and the 28-day retention, inside the renewal.
		await runLawfulHousekeeping(w.env, Date.now() + 60 * DAY);
		expect(await sessionCount(held.user_id)).toBeGreaterThan(0);
		expect((await holdOf(id))?.released_ts).toBeNull();
		expect(await statusOf(id)).toBe("Approved");

		// Past the renewed end: released, the purge proceeds, the preservation-only order closes.
		await runLawfulHousekeeping(w.env, second!.expires_ts + DAY);
		expect(await sessionCount(held.user_id)).toBe(0);
		expect((await holdOf(id))?.released_ts).not.toBeNull();
		expect(await statusOf(id)).toBe("Closed");
		expect(await auditActions(id)).toEqual(expect.arrayContaining(["hold-created", "hold-renewed", "updated", "hold-released", "closed"]));
	});

	it("a renewal can ask for at most 90 days from now", async () => {
		const held = await registerUser("la_renew_cap", "correct horse battery staple");
		const id = await w.submitOrder(preserve(held.user_id, undefined, 10));
		await approveTwice(id);
		const before = Date.now();
		expect((await signedUpdate(w, id, { action: "renew-preservation", desiredPreservationExpiration: iso(before + 400 * DAY), reason: "too long" })).status).toBe(200);
		const hold = await holdOf(id);
		expect(hold!.expires_ts).toBeLessThanOrEqual(Date.now() + 90 * DAY);
		expect(hold!.expires_ts).toBeGreaterThanOrEqual(before + 90 * DAY);
	});
});

describe("user notices", () => {
	it("an NDO delays the notice; the job sends it once the NDO ends", async () => {
		const target = await registerUser("la_notified", "correct horse battery staple");
		const until = Date.now() + 10 * DAY;
		const id = await w.submitOrder(preserve(target.user_id, until));
		await approveTwice(id);
		const notice = () => env.DB.prepare("SELECT due_ts, sent_ts, room_id FROM lawful_notices WHERE order_id = ?1").bind(id).first<{ due_ts: number; sent_ts: number | null; room_id: string | null }>();
		expect((await notice())?.due_ts).toBe(Date.parse(iso(until)));
		await runLawfulHousekeeping(w.env, Date.now() + DAY);
		expect((await notice())?.sent_ts).toBeNull();
		await runLawfulHousekeeping(w.env, until + 3600_000);
		const sent = await notice();
		expect(sent?.sent_ts).not.toBeNull();
		// The notice is a real event in a real room that the target is invited to, from the notices user.
		expect(await env.ROOM.getByName(sent!.room_id!).getMembership(target.user_id)).toBe("invite");
		expect(await env.ROOM.getByName(sent!.room_id!).getMembership(`@server:${SERVER_NAME}`)).toBe("join");
		expect(await auditActions(id)).toEqual(expect.arrayContaining(["delayed", "sent"]));
	});
});

describe("one-time delivery", () => {
	async function producedOrder(): Promise<{ id: string; key: string; bytes: Uint8Array }> {
		const id = await w.submitOrder();
		const now = Date.now();
		await transition(env, id, ["AwaitingApproval"], "Approved", { type: "approval", action: "approved", actor: "system:test", reason: "delivery test" }, now);
		await transition(env, id, ["Approved"], "Producing", { type: "production", action: "started", actor: "system:test", reason: null }, now);
		const bytes = crypto.getRandomValues(new Uint8Array(2048));
		const key = `packages/${id}/test.zip`;
		await env.EVIDENCE.put(key, bytes);
		await packageReady(w.env, id, key, "ab".repeat(32), now);
		expect(await statusOf(id)).toBe("AwaitingDisclosure");
		return { id, key, bytes };
	}

	it("hands the package over once; a second attempt is refused and logged; the bytes are deleted", async () => {
		const { id, key, bytes } = await producedOrder();
		const issued = await issueRetrievalToken(env.DB, id, Date.now());
		expect(issued!.token.length).toBeGreaterThanOrEqual(22); // ≥128 bits in base64url
		const stored = await env.DB.prepare("SELECT token_hash FROM lawful_deliveries WHERE order_id = ?1").bind(id).first<{ token_hash: string }>();
		expect(stored!.token_hash).not.toContain(issued!.token);
		await expect(retrievePackage(env, issued!.token, "some-other-authority", "authority:x", Date.now())).rejects.toMatchObject({ code: "LA_NOT_FOUND" });
		const got = await retrievePackage(env, issued!.token, "us-fbi", "authority:us-fbi/k", Date.now());
		expect(new Uint8Array(got.bytes)).toEqual(bytes);
		expect(await statusOf(id)).toBe("Disclosed");
		expect(await env.EVIDENCE.get(key)).toBeNull();
		await expect(retrievePackage(env, issued!.token, "us-fbi", "authority:us-fbi/k", Date.now())).rejects.toMatchObject({ code: "LA_GONE" });
		expect(await auditActions(id)).toEqual(expect.arrayContaining(["ready", "retrieved", "deleted", "retrieval-refused:LA_GONE"]));
		// A fresh token cannot be minted for a delivered package.
		expect(await issueRetrievalToken(env.DB, id, Date.now())).toBeNull();
		// The target's disclosure notice goes out (no NDO), then the order has nothing left to do and closes.
		await runLawfulHousekeeping(w.env, Date.now());
		expect(await statusOf(id)).toBe("Closed");
	});

	it("at the TTL the job deletes the unretrieved package and the order expires", async () => {
		const { id, key } = await producedOrder();
		const issued = await issueRetrievalToken(env.DB, id, Date.now());
		await runLawfulHousekeeping(w.env, Date.now() + 8 * DAY);
		expect(await env.EVIDENCE.get(key)).toBeNull();
		expect(await statusOf(id)).toBe("Expired");
		await expect(retrievePackage(env, issued!.token, "us-fbi", "authority:us-fbi/k", Date.now() + 8 * DAY)).rejects.toMatchObject({ code: "LA_GONE" });
		expect(await auditActions(id)).toEqual(expect.arrayContaining(["deleted", "expired"]));
	});
});
