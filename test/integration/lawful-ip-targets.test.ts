// IP targets (IPV4Address/IPV6Address with observedTime): the throttled session touch writes the D1 IP →
// account index; an approved order finds the account that used the address around observedTime (±5 minutes)
// and not one that used it at another time or another address; the order's answer is the same whether or
// not anyone used the address; the hourly purge removes old index rows except for held accounts.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { IP_MATCH_TOLERANCE_MS } from "../../src/export/collect/resolve-targets";
import { getJob } from "../../src/export/job/store";
import { issueRetrievalToken, packageReady, retrievePackage } from "../../src/export/lifecycle/delivery";
import { runLawfulHousekeeping } from "../../src/export/lifecycle/housekeeping";
import type { Order } from "../../src/export/order/types";
import { canonicalIp } from "../../src/platform/session-ip-index";
import { DAY, iso, lawful, world, type World } from "./lawful-lifecycle-helpers";
import { signCompact, submit, baseOrder } from "./lawful-orders-helpers";
import { approveAndProduce, operators, type Operators, packageText, recordsOf, type SessionUser, sessionUser, useFrom, withTask } from "./lawful-targets-helpers";

let w: World;
let ops: Operators;
const T = Date.now() - 3 * DAY;
const MIN = 60_000;

function ipTask(formatType: "IPV4Address" | "IPV6Address", value: string, observed: number) {
	return withTask({ reference: "LD-IP", requestDetails: { type: "SubscriberData", observedTime: iso(observed), requestValues: [{ formatType, value }] } });
}

async function indexRows(userId: string): Promise<{ ip: string; device_id: string; first_seen_ts: number; last_seen_ts: number }[]> {
	const { results } = await env.DB.prepare("SELECT ip, device_id, first_seen_ts, last_seen_ts FROM session_ip_index WHERE user_id = ?1 ORDER BY ip").bind(userId).all<{ ip: string; device_id: string; first_seen_ts: number; last_seen_ts: number }>();
	return results;
}

beforeAll(async () => {
	w = await world();
	ops = await operators("la_ip");
});

describe("the IP → account index", () => {
	it("is written by the throttled session touch: once per minute per session, spanning first to last use", async () => {
		const a = await sessionUser("la_ip_touch");
		await useFrom(a, "192.0.2.10", T);
		await useFrom(a, "192.0.2.10", T + 30_000); // inside the throttle: no write
		expect((await indexRows(a.userId)).map((r) => [r.first_seen_ts, r.last_seen_ts])).toEqual([[T, T]]);
		await useFrom(a, "192.0.2.10", T + 2 * MIN);
		await useFrom(a, "2001:DB8:0:0::7", T + 3 * MIN);
		const rows = await indexRows(a.userId);
		expect(rows.map((r) => [r.ip, r.first_seen_ts, r.last_seen_ts])).toEqual([
			["192.0.2.10", T, T + 2 * MIN],
			["2001:db8::7", T + 3 * MIN, T + 3 * MIN],
		]);
		expect(canonicalIp("2001:0db8::0:7")).toBe("2001:db8::7");
	});
});

describe("IP targets", () => {
	let a: SessionUser;
	let later: SessionUser;
	let elsewhere: SessionUser;

	beforeAll(async () => {
		a = await sessionUser("la_ip_a");
		later = await sessionUser("la_ip_later");
		elsewhere = await sessionUser("la_ip_elsewhere");
		// a used 203.0.113.50 from T to T+10 min; `later` used the same address two hours later; `elsewhere`
		// used another address at the same time.
		await useFrom(a, "203.0.113.50", T);
		await useFrom(a, "203.0.113.50", T + 10 * MIN);
		await useFrom(later, "203.0.113.50", T + 120 * MIN);
		await useFrom(elsewhere, "203.0.113.51", T + 5 * MIN);
		await useFrom(a, "2001:db8:0:0:0:0:0:a1", T + 20 * MIN);
	});

	it("finds the account that used the address around observedTime, and only it", async () => {
		const id = await w.submitOrder(ipTask("IPV4Address", "203.0.113.50", T + 5 * MIN));
		const files = await approveAndProduce(w, ops, id);
		const matches = recordsOf(files, "target-matches");
		expect(matches).toEqual([
			{ record_type: "urn:sealbridge:lawful:record:target-match:1", ldid: "LD-IP", identifier_format: "IPV4Address", identifier: "203.0.113.50", user_id: a.userId, device_id: expect.any(String), first_seen: iso(T), last_seen: iso(T + 10 * MIN) },
		]);
		// Collected as for an MXID target: the account's subscriber record and its sessions.
		expect(recordsOf(files, "subscriber").map((r) => r.user_id)).toEqual([a.userId]);
		expect(recordsOf(files, "sessions").every((r) => r.user_id === a.userId)).toBe(true);
		const all = packageText(files);
		for (const other of [later.userId, elsewhere.userId, "203.0.113.51"]) expect(all).not.toContain(other);
	});

	it("after retrieval, the holder of the account an IP target resolved to is notified, nobody else", async () => {
		const id = await w.submitOrder(ipTask("IPV4Address", "203.0.113.50", T + 5 * MIN));
		await approveAndProduce(w, ops, id);
		const job = await getJob(env.DB, id);
		await packageReady(w.env, id, job!.package_key!, job!.package_sha256!, Date.now());
		const issued = await issueRetrievalToken(env.DB, id, Date.now());
		await retrievePackage(w.env, issued!.token, "us-fbi", "authority:us-fbi/k", Date.now());
		const { results } = await env.DB.prepare("SELECT target_user, reason FROM lawful_notices WHERE order_id = ?1").bind(id).all<{ target_user: string; reason: string }>();
		expect(results).toEqual([{ target_user: a.userId, reason: "disclosure" }]);
	});

	it("applies the tolerance: a use ending 4 minutes before observedTime matches, one 6 minutes after does not", async () => {
		expect(IP_MATCH_TOLERANCE_MS).toBe(5 * MIN);
		const near = await approveAndProduce(w, ops, await w.submitOrder(ipTask("IPV4Address", "203.0.113.50", T + 14 * MIN)));
		expect(recordsOf(near, "target-matches").map((r) => r.user_id)).toEqual([a.userId]);
		// At T+126 min the nearest use (`later`, last seen T+120) is 6 minutes away: nobody matches.
		const far = await approveAndProduce(w, ops, await w.submitOrder(ipTask("IPV4Address", "203.0.113.50", T + 126 * MIN)));
		expect(recordsOf(far, "target-matches")).toEqual([]);
		expect(new TextDecoder().decode(far["data/readme.txt"])).toContain("LD-IP: no records");
		const second = await approveAndProduce(w, ops, await w.submitOrder(ipTask("IPV4Address", "203.0.113.50", T + 121 * MIN)));
		expect(recordsOf(second, "target-matches").map((r) => r.user_id)).toEqual([later.userId]);
		expect(packageText(second)).not.toContain(a.userId);
	});

	it("resolves an IPv6 target whatever its spelling", async () => {
		const files = await approveAndProduce(w, ops, await w.submitOrder(ipTask("IPV6Address", "2001:DB8::A1", T + 20 * MIN)));
		expect(recordsOf(files, "target-matches").map((r) => [r.user_id, r.identifier])).toEqual([[a.userId, "2001:db8::a1"]]);
	});

	it("answers the same for an address nobody used as for one in use (existence-oracle rule)", async () => {
		const answer = async (value: string) => {
			const order: Order = baseOrder("us-fbi");
			ipTask("IPV4Address", value, T + 5 * MIN)(order);
			const res = await submit(w.env, await signCompact(order, w.signer));
			const { orderId: _id, ...rest } = res.json;
			return { status: res.status, rest, keys: Object.keys(res.json).sort() };
		};
		expect(await answer("203.0.113.50")).toEqual(await answer("203.0.113.99"));
	});
});

describe("retention of the IP index", () => {
	it("the hourly purge deletes index rows past the retention age, except a held account's, until its hold ends", async () => {
		const held = await sessionUser("la_ip_held");
		const free = await sessionUser("la_ip_free");
		await useFrom(held, "198.51.100.70", Date.now());
		await useFrom(free, "198.51.100.71", Date.now());
		const id = await w.submitOrder((o: Order) => {
			o.authorisation.legalBasis = "US-18USC2703f";
			o.tasks = [{ kind: "LP", reference: "LP-1", requestDetails: { type: "SubscriberData", requestValues: [{ formatType: "ServiceAccessIdentifier", value: held.userId }] }, desiredPreservationExpiration: iso(Date.now() + 89 * DAY) }];
		});
		for (const op of [ops.op1, ops.op2]) expect((await lawful(w.env, `/_lawful/v1/admin/orders/${id}/approve`, op.token, { reason: "preserve" })).status).toBe(200);

		// 27 days on nothing is old enough; 60 days on (past 28, inside the 90-day hold) only the free row goes.
		await runLawfulHousekeeping(w.env, Date.now() + 27 * DAY);
		expect(await indexRows(free.userId)).toHaveLength(1);
		await runLawfulHousekeeping(w.env, Date.now() + 60 * DAY);
		expect(await indexRows(free.userId)).toEqual([]);
		expect((await indexRows(held.userId)).map((r) => r.ip)).toEqual(["198.51.100.70"]);

		const hold = await env.DB.prepare("SELECT expires_ts FROM lawful_holds WHERE order_id = ?1").bind(id).first<{ expires_ts: number }>();
		await runLawfulHousekeeping(w.env, hold!.expires_ts + DAY);
		expect(await indexRows(held.userId)).toEqual([]);
	});
});
