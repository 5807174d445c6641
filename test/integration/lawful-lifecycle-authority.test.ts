// The issuing authority's signed requests (RFC 9421) through the real app: status with a one-time
// retrieval URL, the single download (a second is refused and logged), replayed nonces refused, another
// authority's requests answered like unknown ones, and signed updates (cancel, NDO extension).
import { env } from "cloudflare:workers";
import { CompactSign } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { packageReady } from "../../src/export/lifecycle/delivery";
import { transition } from "../../src/export/lifecycle/state-machine";
import { auditActions, DAY, iso, signedFetch, signedUpdate, statusOf, world, type World } from "./lawful-lifecycle-helpers";

let w: World;
let other: World;

beforeAll(async () => {
	w = await world();
	other = await world("us-dea");
});

async function ready(): Promise<{ id: string; bytes: Uint8Array; key: string }> {
	const id = await w.submitOrder();
	const now = Date.now();
	await transition(env, id, ["AwaitingApproval"], "Approved", { type: "approval", action: "approved", actor: "system:test", reason: "authority route test" }, now);
	await transition(env, id, ["Approved"], "Producing", { type: "production", action: "started", actor: "system:test", reason: null }, now);
	const bytes = crypto.getRandomValues(new Uint8Array(4096));
	const key = `packages/${id}/authority-test.zip`;
	await env.EVIDENCE.put(key, bytes);
	await packageReady(w.env, id, key, "cd".repeat(32), now);
	return { id, bytes, key };
}

describe("status and one-time retrieval", () => {
	it("gives the issuer a one-time URL; the package downloads once; the second attempt is refused and logged", async () => {
		const { id, bytes, key } = await ready();
		const res = await signedFetch(w, "GET", `/_lawful/v1/orders/${id}`);
		expect(res.status).toBe(200);
		const body = (await res.json()) as { status: string; delivery: { url: string } };
		expect(body.status).toBe("AwaitingDisclosure");
		const path = new URL(body.delivery.url).pathname;
		const first = await signedFetch(w, "GET", path);
		expect(first.status).toBe(200);
		expect(new Uint8Array(await first.arrayBuffer())).toEqual(bytes);
		expect(await env.EVIDENCE.get(key)).toBeNull();
		const second = await signedFetch(w, "GET", path);
		expect(second.status).toBe(410);
		expect(await second.json()).toMatchObject({ code: "LA_GONE" });
		expect(await statusOf(id)).toBe("Disclosed");
		expect(await auditActions(id)).toEqual(expect.arrayContaining(["status-read", "retrieved", "deleted", "retrieval-refused:LA_GONE"]));
	});

	it("refuses a replayed retrieval nonce", async () => {
		const { id } = await ready();
		const body = (await (await signedFetch(w, "GET", `/_lawful/v1/orders/${id}`)).json()) as { delivery: { url: string } };
		const path = new URL(body.delivery.url).pathname;
		const nonce = crypto.randomUUID().replaceAll("-", "");
		expect((await signedFetch(w, "GET", path, { nonce })).status).toBe(200);
		const replay = await signedFetch(w, "GET", path, { nonce });
		expect(replay.status).toBe(409);
		expect(await replay.json()).toMatchObject({ code: "LA_NONCE_REPLAY" });
	});

	it("another authority sees neither the order nor its delivery", async () => {
		const { id } = await ready();
		const theirs = await signedFetch(other, "GET", `/_lawful/v1/orders/${id}`);
		const unknown = await signedFetch(other, "GET", `/_lawful/v1/orders/${crypto.randomUUID()}`);
		expect(theirs.status).toBe(404);
		expect(await theirs.text()).toBe(await unknown.text());
		const body = (await (await signedFetch(w, "GET", `/_lawful/v1/orders/${id}`)).json()) as { delivery: { url: string } };
		expect((await signedFetch(other, "GET", new URL(body.delivery.url).pathname)).status).toBe(404);
		expect(await statusOf(id)).toBe("AwaitingDisclosure");
	});

	it("an unsigned request is refused", async () => {
		const { app } = await import("../../src/worker/app");
		const { createExecutionContext } = await import("cloudflare:test");
		const res = await app.fetch(new Request(`http://localhost:8787/_lawful/v1/orders/${crypto.randomUUID()}`), w.env, createExecutionContext());
		expect(res.status).toBe(401);
	});
});

describe("signed updates", () => {
	const update = (id: string, payload: Record<string, unknown>) => signedUpdate(w, id, payload);

	it("cancel deletes the waiting package and ends the order", async () => {
		const { id, key } = await ready();
		const res = await update(id, { action: "cancel", reason: "case closed" });
		expect(res.status).toBe(200);
		expect(await statusOf(id)).toBe("Cancelled");
		expect(await env.EVIDENCE.get(key)).toBeNull();
		expect(await auditActions(id)).toEqual(expect.arrayContaining(["cancelled", "deleted"]));
	});

	it("an NDO extension is recorded; a stale or foreign-signed update is refused", async () => {
		const id = await w.submitOrder();
		expect((await update(id, { action: "extend-ndo", until: iso(Date.now() + 30 * DAY), reason: "investigation ongoing" })).status).toBe(200);
		const row = await env.DB.prepare("SELECT until_ts FROM lawful_ndo_extensions WHERE order_id = ?1").bind(id).first<{ until_ts: number }>();
		expect(row?.until_ts).toBeGreaterThan(Date.now() + 29 * DAY);
		const stale = await update(id, { action: "cancel", timestamp: iso(Date.now() - 3600_000) });
		expect(await stale.json()).toMatchObject({ code: "LA_STALE" });
		const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify({ orderId: id, timestamp: iso(Date.now()), action: "cancel" })))
			.setProtectedHeader({ alg: other.signer.alg, kid: other.signer.kid, typ: "lawful-update+jws" })
			.sign(other.signer.privateKey);
		const res = await signedFetch(w, "POST", `/_lawful/v1/orders/${id}/updates`, { body: forged });
		expect(await res.json()).toMatchObject({ code: "LA_KEY_UNKNOWN" });
		expect(await statusOf(id)).toBe("AwaitingApproval");
	});
});
