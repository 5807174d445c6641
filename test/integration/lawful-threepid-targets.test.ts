// E-mail and phone targets resolve through the operator-managed 3PIDs (D1 user_threepids, the rows
// `npm run admin -- add-threepid` writes): e-mail case-insensitively, a phone number by its E.164 digits.
// SubscriberData includes the account's 3PIDs with added/validated times; GET /account/3pid lists them; a
// user cannot delete one; an address nobody has gives the same order answer and a package with no records.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Order } from "../../src/export/order/types";
import { call, registerUser } from "./accounts-helpers";
import { iso, world, type World } from "./lawful-lifecycle-helpers";
import { baseOrder, signCompact, submit } from "./lawful-orders-helpers";
import { approveAndProduce, operators, type Operators, packageText, recordsOf, withTask } from "./lawful-targets-helpers";

let w: World;
let ops: Operators;
let owner: { user_id: string; access_token: string };
let other: { user_id: string; access_token: string };
const ADDED = Date.UTC(2025, 4, 1, 12, 0, 0);
const VALIDATED = Date.UTC(2025, 4, 1, 12, 5, 0);

/** The row add-threepid writes (canonical address). */
async function addThreepid(userId: string, medium: "email" | "msisdn", address: string): Promise<void> {
	await env.DB.prepare("INSERT INTO user_threepids (medium, address, user_id, added_ts, validated_ts) VALUES (?1, ?2, ?3, ?4, ?5)").bind(medium, address, userId, ADDED, VALIDATED).run();
}

function target(formatType: "InternationalizedEmailAddress" | "InternationalE164", value: string) {
	return withTask({ reference: "LD-3PID", requestDetails: { type: "SubscriberData", requestValues: [{ formatType, value }] } });
}

beforeAll(async () => {
	w = await world();
	ops = await operators("la_3pid");
	owner = await registerUser("la_3pid_owner", "correct horse battery staple");
	other = await registerUser("la_3pid_other", "correct horse battery staple");
	await addThreepid(owner.user_id, "email", "owner.name@example.org");
	await addThreepid(owner.user_id, "msisdn", "447700900123");
	await addThreepid(other.user_id, "email", "other@example.org");
});

describe("operator-managed 3PIDs in the client API", () => {
	it("GET /account/3pid lists the account's 3PIDs with their times", async () => {
		const res = await call("/v3/account/3pid", { token: owner.access_token });
		expect(res).toEqual({
			status: 200,
			body: {
				threepids: [
					{ medium: "email", address: "owner.name@example.org", added_at: ADDED, validated_at: VALIDATED },
					{ medium: "msisdn", address: "447700900123", added_at: ADDED, validated_at: VALIDATED },
				],
			},
		});
	});

	it("a user cannot delete an operator-managed 3PID; one they do not have is nothing to delete", async () => {
		const own = await call("/v3/account/3pid/delete", { body: { medium: "email", address: "Owner.Name@example.org" }, token: owner.access_token });
		expect([own.status, own.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
		const theirs = await call("/v3/account/3pid/delete", { body: { medium: "email", address: "other@example.org" }, token: owner.access_token });
		expect(theirs).toEqual({ status: 200, body: { id_server_unbind_result: "no-support" } });
		expect((await call("/v3/account/3pid", { token: other.access_token })).body.threepids).toHaveLength(1);
	});
});

describe("e-mail and phone targets", () => {
	it("an e-mail target finds the account whatever the case; its subscriber record carries the 3PIDs", async () => {
		const files = await approveAndProduce(w, ops, await w.submitOrder(target("InternationalizedEmailAddress", "Owner.Name@EXAMPLE.org")));
		expect(recordsOf(files, "target-matches")).toEqual([
			{ record_type: "urn:sealbridge:lawful:record:target-match:1", ldid: "LD-3PID", identifier_format: "InternationalizedEmailAddress", identifier: "owner.name@example.org", user_id: owner.user_id, device_id: null, first_seen: null, last_seen: null },
		]);
		const [subscriber] = recordsOf(files, "subscriber");
		expect(subscriber).toMatchObject({
			user_id: owner.user_id,
			threepids: [
				{ medium: "email", address: "owner.name@example.org", added: iso(ADDED), validated: iso(VALIDATED) },
				{ medium: "msisdn", address: "447700900123", added: iso(ADDED), validated: iso(VALIDATED) },
			],
		});
		expect(recordsOf(files, "sessions").length).toBeGreaterThan(0);
		expect(packageText(files)).not.toContain(other.user_id);
		expect(packageText(files)).not.toContain("other@example.org");
	});

	it("an E.164 target finds the account by its msisdn", async () => {
		const files = await approveAndProduce(w, ops, await w.submitOrder(target("InternationalE164", "+447700900123")));
		expect(recordsOf(files, "target-matches").map((r) => [r.user_id, r.identifier])).toEqual([[owner.user_id, "447700900123"]]);
		expect(recordsOf(files, "subscriber").map((r) => r.user_id)).toEqual([owner.user_id]);
	});

	it("an address nobody has: the same order answer, and a package that says no records", async () => {
		const answer = async (value: string) => {
			const order: Order = baseOrder("us-fbi");
			target("InternationalizedEmailAddress", value)(order);
			const res = await submit(w.env, await signCompact(order, w.signer));
			const { orderId: _id, ...rest } = res.json;
			return { status: res.status, rest };
		};
		expect(await answer("nobody@example.org")).toEqual(await answer("owner.name@example.org"));
		const files = await approveAndProduce(w, ops, await w.submitOrder(target("InternationalE164", "+15555550100")));
		expect(Object.keys(files).filter((f) => f.startsWith("data/records/"))).toEqual([]);
		expect(new TextDecoder().decode(files["data/readme.txt"])).toContain("LD-3PID: no records");
	});
});
