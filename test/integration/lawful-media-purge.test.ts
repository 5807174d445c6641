// The media-metadata purge of the hourly lifecycle job: metadata of media that no longer exists (an upload
// reservation that expired unfilled) goes MEDIA_METADATA_RETENTION_DAYS (28) after the media ended, except an
// uploader's under a preservation hold, until the hold ends. Stored media's metadata is never touched.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { runLawfulHousekeeping } from "../../src/export/lifecycle/housekeeping";
import type { Order } from "../../src/export/order/types";
import { app } from "../../src/worker/app";
import { registerUser } from "./accounts-helpers";
import { auditActions, DAY, iso, lawful, world, type World } from "./lawful-lifecycle-helpers";
import { operators, type Operators } from "./lawful-targets-helpers";

let w: World;
let ops: Operators;

async function media(path: string, token: string, body?: string): Promise<string> {
	const init: RequestInit = { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" } };
	if (body !== undefined) init.body = body;
	const res = await app.fetch(new Request(`http://localhost:8787${path}`, init), env, createExecutionContext());
	expect(res.status).toBe(200);
	return ((await res.json()) as { content_uri: string }).content_uri.split("/").pop()!;
}

async function rowExists(mediaId: string): Promise<boolean> {
	return (await env.DB.prepare("SELECT 1 AS ok FROM media WHERE media_id = ?1").bind(mediaId).first()) !== null;
}

beforeAll(async () => {
	w = await world();
	ops = await operators("la_media");
});

describe("media-metadata purge", () => {
	it("deletes expired reservations' metadata after the retention, keeps a held uploader's until the hold ends, never touches stored media", async () => {
		const held = await registerUser("la_media_held", "correct horse battery staple");
		const free = await registerUser("la_media_free", "correct horse battery staple");
		const heldReservation = await media("/_matrix/media/v1/create", held.access_token);
		const freeReservation = await media("/_matrix/media/v1/create", free.access_token);
		const stored = await media("/_matrix/media/v3/upload", free.access_token, "stored bytes");

		const id = await w.submitOrder((o: Order) => {
			o.authorisation.legalBasis = "US-18USC2703f";
			o.tasks = [{ kind: "LP", reference: "LP-1", requestDetails: { type: "SubscriberData", requestValues: [{ formatType: "ServiceAccessIdentifier", value: held.user_id }] }, desiredPreservationExpiration: iso(Date.now() + 89 * DAY) }];
		});
		for (const op of [ops.op1, ops.op2]) expect((await lawful(w.env, `/_lawful/v1/admin/orders/${id}/approve`, op.token, { reason: "preserve" })).status).toBe(200);

		// The reservations expire after a day; 27 days after that they are still inside the retention.
		await runLawfulHousekeeping(w.env, Date.now() + (1 + 27) * DAY);
		expect([await rowExists(heldReservation), await rowExists(freeReservation), await rowExists(stored)]).toEqual([true, true, true]);

		// 30 days after expiry: the free uploader's reservation goes, the held one stays, stored media stays.
		await runLawfulHousekeeping(w.env, Date.now() + (1 + 30) * DAY);
		expect([await rowExists(heldReservation), await rowExists(freeReservation), await rowExists(stored)]).toEqual([true, false, true]);
		expect((await env.MEDIA.list()).objects.some((o) => o.key.includes(stored))).toBe(true);

		// When the hold ends, the next run purges it too.
		const hold = await env.DB.prepare("SELECT expires_ts FROM lawful_holds WHERE order_id = ?1").bind(id).first<{ expires_ts: number }>();
		await runLawfulHousekeeping(w.env, hold!.expires_ts + DAY);
		expect([await rowExists(heldReservation), await rowExists(stored)]).toEqual([false, true]);
		expect(await auditActions(id)).toEqual(expect.arrayContaining(["hold-created", "hold-released"]));
	});

	it("without a hold, the same reservation is purged on schedule", async () => {
		const user = await registerUser("la_media_plain", "correct horse battery staple");
		const reservation = await media("/_matrix/media/v1/create", user.access_token);
		await runLawfulHousekeeping(w.env, Date.now() + (1 + 29) * DAY);
		expect(await rowExists(reservation)).toBe(false);
	});
});
