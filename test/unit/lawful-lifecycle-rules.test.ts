// The lifecycle's pure rules: transitions, the two-person rule, narrowing vs widening, the emergency scope.
import { describe, expect, it } from "vitest";
import { checkReason, checkReviewer, decideApproval, EMERGENCY_WINDOW_MS, emergencyScope } from "../../src/export/lifecycle/approval-rules";
import { narrowScope, scopeKey } from "../../src/export/lifecycle/scope";
import { canTransition, isTerminal, ORDER_STATUSES } from "../../src/export/lifecycle/transitions";
import type { ScopeTask } from "../../src/export/order/types";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function task(over: Partial<ScopeTask> = {}): ScopeTask {
	return {
		ldid: "LD-1",
		kind: "LD",
		requestType: "TrafficData",
		subtypes: ["DeviceKeys", "Memberships"],
		target: { format: "ServiceAccessIdentifier", userId: "@alice:example.org" },
		window: { start: T0, end: T0 + 30 * DAY },
		preservationExpiresAt: null,
		...over,
	};
}

describe("transitions", () => {
	it("follows the design's main line and nothing leaves a terminal status", () => {
		const line = ["Received", "AwaitingApproval", "Approved", "Producing", "AwaitingDisclosure", "Disclosed", "Closed"] as const;
		for (let i = 0; i + 1 < line.length; i++) expect(canTransition(line[i]!, line[i + 1]!)).toBe(true);
		for (const s of ORDER_STATUSES.filter(isTerminal)) for (const t of ORDER_STATUSES) expect(canTransition(s, t)).toBe(false);
	});
	it("never skips approval or goes back after production", () => {
		expect(canTransition("AwaitingApproval", "Producing")).toBe(false);
		expect(canTransition("Received", "Approved")).toBe(false);
		expect(canTransition("Producing", "AwaitingApproval")).toBe(false);
		expect(canTransition("Disclosed", "Cancelled")).toBe(false);
	});
});

describe("two-person rule", () => {
	it("needs two distinct operators; the same one twice is refused", () => {
		expect(decideApproval([], "@op1:s", "k", false)).toEqual({ kind: "recorded", remaining: 1 });
		expect(decideApproval([{ operator: "@op1:s", scopeKey: "k" }], "@op1:s", "k", false)).toMatchObject({ kind: "refused", code: "LA_SAME_OPERATOR" });
		expect(decideApproval([{ operator: "@op1:s", scopeKey: "k" }], "@op2:s", "k", false)).toEqual({ kind: "approved" });
	});
	it("an approval of a scope since narrowed no longer counts", () => {
		expect(decideApproval([{ operator: "@op1:s", scopeKey: "old" }], "@op2:s", "new", false)).toEqual({ kind: "recorded", remaining: 1 });
		expect(decideApproval([{ operator: "@op1:s", scopeKey: "old" }], "@op1:s", "new", false)).toEqual({ kind: "recorded", remaining: 1 });
	});
	it("emergency: one approver, a different reviewer", () => {
		expect(decideApproval([], "@op1:s", "k", true)).toEqual({ kind: "approved" });
		expect(checkReviewer(["@op1:s"], "@op1:s").ok).toBe(false);
		expect(checkReviewer(["@op1:s"], "@op2:s").ok).toBe(true);
	});
	it("every decision needs a reason", () => {
		expect(checkReason(undefined)).not.toBeNull();
		expect(checkReason("  ")).not.toBeNull();
		expect(checkReason("checked the warrant reference with the court")).toBeNull();
	});
});

describe("narrowing", () => {
	const scope = [task(), task({ ldid: "LD-2", target: { format: "ServiceAccessIdentifier", userId: "@bob:example.org" } })];
	it("may drop targets, subtypes and time", () => {
		const r = narrowScope(scope, { tasks: [{ ldid: "LD-1", subtypes: ["Memberships"], window: { start: T0 + DAY, end: T0 + 2 * DAY } }] });
		expect(r).toEqual({ ok: true, tasks: [task({ subtypes: ["Memberships"], window: { start: T0 + DAY, end: T0 + 2 * DAY } })] });
		if (r.ok) expect(scopeKey(r.tasks)).not.toBe(scopeKey(scope));
	});
	it("refuses every kind of widening", () => {
		expect(narrowScope(scope, { tasks: [{ ldid: "LD-9" }] })).toMatchObject({ ok: false, pointer: "/tasks/0/ldid" });
		expect(narrowScope(scope, { tasks: [{ ldid: "LD-1", subtypes: ["Counterparties"] }] })).toMatchObject({ ok: false, pointer: "/tasks/0/subtypes" });
		expect(narrowScope(scope, { tasks: [{ ldid: "LD-1", subtypes: [] }] })).toMatchObject({ ok: false });
		expect(narrowScope(scope, { tasks: [{ ldid: "LD-1", window: { start: T0 - 1, end: T0 + DAY } }] })).toMatchObject({ ok: false, pointer: "/tasks/0/window/start" });
		expect(narrowScope(scope, { tasks: [{ ldid: "LD-1", window: { start: T0, end: T0 + 31 * DAY } }] })).toMatchObject({ ok: false, pointer: "/tasks/0/window/end" });
		expect(narrowScope(scope, { tasks: [] })).toMatchObject({ ok: false });
		expect(narrowScope(scope, { tasks: [{ ldid: "LD-1" }, { ldid: "LD-1" }] })).toMatchObject({ ok: false });
	});
});

describe("emergency scope", () => {
	const received = T0 + 10 * DAY;
	it("keeps subscriber data and sessions, clamped to the last 72 hours", () => {
		const r = emergencyScope([task({ requestType: "SubscriberData", subtypes: [], window: null }), task({ ldid: "LD-2", requestType: "UserIdentifyingData", subtypes: [] })], received);
		expect(r.ok).toBe(true);
		if (r.ok) for (const t of r.tasks) expect(t.window).toEqual({ start: received - EMERGENCY_WINDOW_MS, end: received });
	});
	it("refuses traffic data", () => {
		expect(emergencyScope([task()], received)).toMatchObject({ ok: false, pointer: "/tasks/0/requestDetails/type" });
	});
	it("refuses a window entirely before the last 72 hours", () => {
		expect(emergencyScope([task({ requestType: "SubscriberData", window: { start: T0, end: T0 + DAY } })], received)).toMatchObject({ ok: false });
	});
});
