// Preservation (LP) tasks whose target is not an account: an IP address (with observedTime) or an e-mail/phone
// 3PID is resolved, when the hold is created, to the accounts it identifies (the LD collection's resolution),
// and each is held: the hourly purge keeps their session IPs (and IP-index rows) and not anyone else's. The
// resolution is a snapshot: a later user of the address or owner of the 3PID is not held. A hold that matched
// nobody still exists, renews and closes like one that did (existence-oracle rule). Deactivation removes the
// account's 3PIDs unless a hold names it; then the hourly job removes them once the hold has ended. So with
// deactivation erasure (`erase: true`): a held account keeps its profile and a pending erasure, which the hourly
// job carries out once the hold has ended.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { runLawfulHousekeeping } from "../../src/export/lifecycle/housekeeping";
import type { Order } from "../../src/export/order/types";
import { accountsOfHold } from "../../src/export/store/holds";
import { AUDIT_LOG_NAME } from "../../src/export/audit/audit-log-do";
import { threepidsOf } from "../../src/platform/threepids";
import { getProfile, setProfileField } from "../../src/worker/d1/profiles";
import { call } from "./accounts-helpers";
import { DAY, iso, lawful, signedUpdate, statusOf, world, type World } from "./lawful-lifecycle-helpers";
import { operators, type Operators, type SessionUser, sessionUser, useFrom } from "./lawful-targets-helpers";

let w: World;
let ops: Operators;
const MIN = 60_000;
const T = Date.now() - 3 * 3_600_000;

type Format = "IPV4Address" | "InternationalizedEmailAddress" | "InternationalE164";

/** A preservation-only order: one LP task for `value` (observedTime for an IP target), held for `days`. */
function preserve(formatType: Format, value: string, observed?: number, days = 89) {
	return (o: Order) => {
		o.authorisation.legalBasis = "US-18USC2703f";
		o.tasks = [
			{
				kind: "LP",
				reference: "LP-1",
				requestDetails: { type: "SubscriberData", ...(observed === undefined ? {} : { observedTime: iso(observed) }), requestValues: [{ formatType, value }] },
				desiredPreservationExpiration: iso(Date.now() + days * DAY),
			},
		];
	};
}

/** Two approvals; the answers (order ID left out), for comparing orders. */
async function approve(id: string): Promise<unknown[]> {
	const answers: unknown[] = [];
	for (const op of [ops.op1, ops.op2]) {
		const res = await lawful(w.env, `/_lawful/v1/admin/orders/${id}/approve`, op.token, { reason: "preservation request matches the case file" });
		expect(res.status, JSON.stringify(res.json)).toBe(200);
		const { orderId: _id, ...rest } = res.json;
		answers.push([res.status, rest]);
	}
	return answers;
}

async function holdExpiry(id: string): Promise<number> {
	const row = await env.DB.prepare("SELECT expires_ts FROM lawful_holds WHERE order_id = ?1").bind(id).first<{ expires_ts: number }>();
	return row!.expires_ts;
}

/** What the purge may remove of a user: session records in the UserDO and rows of the D1 IP index. */
async function sessionIps(u: SessionUser): Promise<{ sessions: number; indexRows: number }> {
	const sessions = await runInDurableObject(env.USER.getByName(u.userId), (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sessions").one().n);
	const index = await env.DB.prepare("SELECT COUNT(*) AS n FROM session_ip_index WHERE user_id = ?1").bind(u.userId).first<{ n: number }>();
	return { sessions, indexRows: index!.n };
}

async function addThreepid(userId: string, medium: "email" | "msisdn", address: string): Promise<void> {
	await env.DB.prepare("INSERT INTO user_threepids (medium, address, user_id, added_ts, validated_ts) VALUES (?1, ?2, ?3, ?4, ?4)").bind(medium, address, userId, Date.now()).run();
}

async function deactivate(u: SessionUser, erase = false): Promise<void> {
	const user = u.userId.slice(1, u.userId.indexOf(":"));
	const auth = { type: "m.login.password", identifier: { type: "m.id.user", user }, password: "correct horse battery staple" };
	expect(await call("/v3/account/deactivate", { body: { auth, erase }, token: u.token })).toEqual({ status: 200, body: { id_server_unbind_result: "success" } });
}

beforeAll(async () => {
	w = await world();
	ops = await operators("la_lpt");
});

describe("an LP task with an IP target", () => {
	it("holds the accounts that used the address around observedTime: their session IPs outlive the purge, nobody else's", async () => {
		const a = await sessionUser("la_lpt_ip_a");
		const later = await sessionUser("la_lpt_ip_later");
		const elsewhere = await sessionUser("la_lpt_ip_elsewhere");
		await useFrom(a, "203.0.113.80", T);
		await useFrom(a, "203.0.113.80", T + 10 * MIN);
		await useFrom(later, "203.0.113.80", T + 120 * MIN);
		await useFrom(elsewhere, "203.0.113.81", T + 5 * MIN);

		const id = await w.submitOrder(preserve("IPV4Address", "203.0.113.80", T + 5 * MIN));
		await approve(id);
		expect(await statusOf(id)).toBe("Approved");
		expect(await accountsOfHold(env.DB, id, "LP-1")).toEqual([a.userId]);
		// The holder is told of the preservation as a named target would be.
		const { results } = await env.DB.prepare("SELECT target_user, reason FROM lawful_notices WHERE order_id = ?1").bind(id).all();
		expect(results).toEqual([{ target_user: a.userId, reason: "preservation" }]);

		// A snapshot: a use of the address at observedTime that is recorded after the hold was created is not held.
		const late = await sessionUser("la_lpt_ip_late");
		await useFrom(late, "203.0.113.80", T + 5 * MIN);

		// 60 days on: past the 28-day retention, inside the 89-day hold.
		await runLawfulHousekeeping(w.env, Date.now() + 60 * DAY);
		expect(await sessionIps(a)).toEqual({ sessions: 1, indexRows: 1 });
		for (const u of [later, elsewhere, late]) expect(await sessionIps(u)).toEqual({ sessions: 0, indexRows: 0 });

		// The hold ends: the purge proceeds and the preservation-only order closes.
		await runLawfulHousekeeping(w.env, (await holdExpiry(id)) + DAY);
		expect(await sessionIps(a)).toEqual({ sessions: 0, indexRows: 0 });
		expect(await statusOf(id)).toBe("Closed");
	});

	it("answers, renews and closes the same whether or not anyone used the address (existence-oracle rule)", async () => {
		const used = await sessionUser("la_lpt_ip_used");
		await useFrom(used, "203.0.113.90", T);
		const lifecycle = async (address: string) => {
			const id = await w.submitOrder(preserve("IPV4Address", address, T, 10));
			const approvals = await approve(id);
			const status = await statusOf(id);
			const renewal = await signedUpdate(w, id, { action: "renew-preservation", desiredPreservationExpiration: iso(Date.now() + 80 * DAY), reason: "2703(f) renewal" });
			const { orderId: _id, ...renewed } = (await renewal.json()) as Record<string, unknown>;
			await runLawfulHousekeeping(w.env, (await holdExpiry(id)) + DAY);
			return { answers: { approvals, status, renewal: [renewal.status, renewed], closed: await statusOf(id) }, held: await accountsOfHold(env.DB, id, "LP-1") };
		};
		const matched = await lifecycle("203.0.113.90");
		const unmatched = await lifecycle("203.0.113.99");
		expect(matched.held).toEqual([used.userId]);
		expect(unmatched.held).toEqual([]);
		expect(unmatched.answers).toEqual(matched.answers);
		expect(matched.answers).toMatchObject({ status: "Approved", renewal: [200, { status: "Approved" }], closed: "Closed" });
	});
});

describe("an LP task with an e-mail or phone target", () => {
	it("holds the 3PID's owner when the hold is created: their session IPs outlive the purge, not another user's", async () => {
		const owner = await sessionUser("la_lpt_mail_owner");
		const other = await sessionUser("la_lpt_mail_other");
		await addThreepid(owner.userId, "email", "preserve.owner@example.org");
		await addThreepid(other.userId, "msisdn", "447700900555");
		for (const u of [owner, other]) await useFrom(u, "198.51.100.40", T);

		const id = await w.submitOrder(preserve("InternationalizedEmailAddress", "Preserve.Owner@EXAMPLE.org"));
		await approve(id);
		expect(await accountsOfHold(env.DB, id, "LP-1")).toEqual([owner.userId]);
		// The address moves to the other account afterwards: the hold still names the account it resolved to.
		await env.DB.prepare("UPDATE user_threepids SET user_id = ?1 WHERE address = 'preserve.owner@example.org'").bind(other.userId).run();

		await runLawfulHousekeeping(w.env, Date.now() + 60 * DAY);
		expect(await sessionIps(owner)).toEqual({ sessions: 1, indexRows: 1 });
		expect(await sessionIps(other)).toEqual({ sessions: 0, indexRows: 0 });

		// A phone target resolves by its E.164 digits.
		const phone = await w.submitOrder(preserve("InternationalE164", "+447700900555"));
		await approve(phone);
		expect(await accountsOfHold(env.DB, phone, "LP-1")).toEqual([other.userId]);
	});
});

describe("deactivation and 3PIDs", () => {
	it("deactivation removes the account's 3PIDs; a hold keeps them until it ends, then the hourly job removes them", async () => {
		const free = await sessionUser("la_lpt_deact_free");
		const held = await sessionUser("la_lpt_deact_held");
		await addThreepid(free.userId, "email", "free@example.org");
		await addThreepid(held.userId, "email", "held@example.org");
		await addThreepid(held.userId, "msisdn", "447700900777");
		const id = await w.submitOrder(preserve("InternationalizedEmailAddress", "held@example.org"));
		await approve(id);

		await deactivate(free);
		await deactivate(held);
		expect(await threepidsOf(env.DB, free.userId)).toEqual([]);
		expect((await threepidsOf(env.DB, held.userId)).map((t) => t.address)).toEqual(["held@example.org", "447700900777"]);
		// The hourly job keeps them while the hold lasts, and removes them once it has ended.
		await runLawfulHousekeeping(w.env, Date.now() + DAY);
		expect(await threepidsOf(env.DB, held.userId)).toHaveLength(2);
		await runLawfulHousekeeping(w.env, (await holdExpiry(id)) + DAY);
		expect(await threepidsOf(env.DB, held.userId)).toEqual([]);
	});
});

describe("deactivation erasure", () => {
	/** What `erase` removes (profile fields and the directory entry) and the pending erasure, as stored in D1. */
	async function erasable(u: SessionUser) {
		const directory = await env.DB.prepare("SELECT display_name, avatar_url FROM user_directory WHERE user_id = ?1").bind(u.userId).first();
		const pending = await env.DB.prepare("SELECT requested_ts FROM pending_erasures WHERE user_id = ?1").bind(u.userId).first<{ requested_ts: number }>();
		return { profile: await getProfile(env.DB, u.userId), directory, pending: pending !== null };
	}
	async function withProfile(name: string): Promise<SessionUser> {
		const u = await sessionUser(name);
		await setProfileField(env.DB, u.userId, "displayname", `${name} shown`, Date.now());
		await setProfileField(env.DB, u.userId, "avatar_url", `mxc://example.org/${name}`, Date.now());
		return u;
	}
	/** The preservation audit entries (never about an order) that the hourly run at `now` appended. */
	async function preservationAudit(now: number) {
		const entries = await env.AUDIT_LOG.getByName(AUDIT_LOG_NAME).entries(0, 10_000);
		return entries.filter((e) => e.ts === now && e.type === "preservation" && e.orderId === null && e.reason?.includes("deactivation erasure")).map((e) => [e.action, e.reason]);
	}

	it("erases at once without a hold, leaving no pending erasure", async () => {
		const free = await withProfile("la_lpt_erase_free");
		await deactivate(free, true);
		expect(await erasable(free)).toEqual({ profile: {}, directory: null, pending: false });
	});

	it("keeps a held account's profile and a pending erasure; the hourly job erases once the hold has ended, audited without naming it", async () => {
		const held = await withProfile("la_lpt_erase_held");
		const kept = await withProfile("la_lpt_erase_kept");
		await addThreepid(held.userId, "email", "erase.held@example.org");
		const id = await w.submitOrder(preserve("InternationalizedEmailAddress", "erase.held@example.org"));
		await approve(id);

		const before = Date.now();
		await deactivate(held, true);
		// Deactivated without erase: a hold ending later must not erase it.
		await deactivate(kept, false);
		const shown = { profile: { avatar_url: "mxc://example.org/la_lpt_erase_held", displayname: "la_lpt_erase_held shown" }, directory: { display_name: "la_lpt_erase_held shown", avatar_url: "mxc://example.org/la_lpt_erase_held" } };
		expect(await erasable(held)).toEqual({ ...shown, pending: true });
		const requested = await env.DB.prepare("SELECT requested_ts FROM pending_erasures WHERE user_id = ?1").bind(held.userId).first<{ requested_ts: number }>();
		expect(requested!.requested_ts).toBeGreaterThanOrEqual(before);

		// While the hold lasts the hourly job keeps it all, and says so.
		const during = Date.now() + DAY;
		await runLawfulHousekeeping(w.env, during);
		expect(await erasable(held)).toEqual({ ...shown, pending: true });
		expect(await preservationAudit(during)).toEqual([["purge-suspended", "deactivation erasure deferred for 1 held account(s)"]]);

		// The hold ends: the same erasure as at deactivation, the pending row gone, one count in the audit log.
		const after = (await holdExpiry(id)) + DAY;
		await runLawfulHousekeeping(w.env, after);
		expect(await erasable(held)).toEqual({ profile: {}, directory: null, pending: false });
		expect(await preservationAudit(after)).toEqual([["erasure-completed", "deactivation erasure carried out for 1 account(s) whose hold has ended"]]);
		expect((await getProfile(env.DB, kept.userId)).displayname).toBe("la_lpt_erase_kept shown");

		// Nothing is left to do: the next run erases and audits nothing.
		const next = after + 3_600_000;
		await runLawfulHousekeeping(w.env, next);
		expect(await preservationAudit(next)).toEqual([]);
	});
});
