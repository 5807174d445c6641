// What production reads for an order: each LD task's request type and subtypes become record sets to collect
// (the category table), and what cannot be produced is named with its reason for data/readme.txt.
// Pure: no I/O, no clock (the production start time is an argument).
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported and #package (readme: "not producible and why").

import { DEFAULT_TRAFFIC_SUBTYPES, type ScopeTask } from "../order/types";
import type { RecordSetName } from "../package/records-schema";
import { isAccountTarget, MAX_MATCHES_PER_TARGET, type ResolvedTargets, type TargetMatch } from "./resolve-targets";
import type { CollectWindow } from "./window";

/** One record set to collect for one task. */
export interface PlannedUnit {
	ldid: string;
	userId: string;
	/** Set for a MatrixDeviceId target: device-level sets are filtered to it. */
	deviceId: string | null;
	set: RecordSetName;
	window: CollectWindow;
	/** For the `target-matches` set: how the task's IP or 3PID target found this account. */
	matches?: TargetMatch[];
}

/** Something asked for that this server cannot produce, and why. */
export interface Unavailable {
	ldid: string;
	category: string;
	reason: string;
}

export interface ProductionPlan {
	units: PlannedUnit[];
	unavailable: Unavailable[];
}

const SUBTYPE_SETS: Readonly<Record<string, readonly RecordSetName[]>> = {
	DeviceKeys: ["devices", "cross-signing-keys"],
	PushTargets: ["pushers"],
	Memberships: ["memberships"],
	EventEnvelopes: ["event-envelopes"],
	Counterparties: ["counterparties"],
	MediaMetadata: ["media"],
	// Grey subtypes (order/types.ts GREY_SUBTYPES): planned only when the provider's policy allows them.
	ProfileDetails: ["profile", "device-names"],
	RoomDetails: ["room-details"],
	DirectMessageMap: ["direct-rooms"],
};

const GREY_SETS: readonly RecordSetName[] = ["profile", "device-names", "room-details", "direct-rooms"];

/** Sets a device target can be narrowed to; the rest are not attributable to one device. */
const DEVICE_LEVEL: readonly RecordSetName[] = ["subscriber", "sessions", "devices", "profile", "device-names"];

/** What the provider's policy (frozen when production starts) allows beyond the defaults. */
export interface ProductionPolicy {
	/** config LAWFUL_GREY_DATA: grey data may be produced for orders that ask for it. */
	greyData: boolean;
}

export const GREY_WITHHELD =
	"Withheld by the provider's policy: grey data (room names and topics, profile display name and avatar, the DM map, device display names) is not disclosed by this provider.";

export const CONTENT_NOTE =
	"Message content, ciphertext, Megolm session IDs, sender keys, to-device payloads, key backups and secret storage are end-to-end encrypted or key material; this server cannot read them and never discloses them.";

function allSetsFor(task: ScopeTask): RecordSetName[] {
	if (task.requestType === "SubscriberData") return ["subscriber", "sessions", ...task.subtypes.flatMap((s) => SUBTYPE_SETS[s] ?? [])];
	if (task.requestType === "UserIdentifyingData") return ["sessions"];
	const subtypes = task.subtypes.length > 0 ? task.subtypes : DEFAULT_TRAFFIC_SUBTYPES;
	return subtypes.flatMap((s) => SUBTYPE_SETS[s] ?? []);
}

/** The sets a task gets under the policy, and whether grey sets it asked for were withheld. */
function setsFor(task: ScopeTask, policy: ProductionPolicy): { sets: RecordSetName[]; withheld: boolean } {
	const all = allSetsFor(task);
	const sets = policy.greyData ? all : all.filter((s) => !GREY_SETS.includes(s));
	return { sets, withheld: sets.length < all.length };
}

function serverOf(userId: string): string {
	return userId.slice(userId.indexOf(":") + 1);
}

/**
 * The plan for the LD tasks of an order (LP tasks are preservations: nothing is produced for them).
 * `resolved`: the accounts each IP/3PID target was resolved to (collect/resolve-targets.ts), by LDID.
 * `policy`: grey sets are planned only when it allows them; otherwise the package names them as withheld.
 */
export function planProduction(
	tasks: readonly ScopeTask[],
	serverName: string,
	producedAt: number,
	resolved: ResolvedTargets = {},
	policy: ProductionPolicy = { greyData: false },
): ProductionPlan {
	const units: PlannedUnit[] = [];
	const unavailable: Unavailable[] = [];
	for (const task of tasks) {
		if (task.kind !== "LD") continue;
		const { sets, withheld } = setsFor(task, policy);
		if (withheld) {
			const grey = task.subtypes.filter((s) => (SUBTYPE_SETS[s] ?? []).some((set) => GREY_SETS.includes(set)));
			unavailable.push({ ldid: task.ldid, category: `${task.requestType}/${grey.join("+")}`, reason: GREY_WITHHELD });
		}
		const window = task.window ?? { start: 0, end: producedAt };
		const target = task.target;
		const category = task.requestType;
		if (!isAccountTarget(target)) {
			// An IP or 3PID target: collected as for an MXID target, for each account it was resolved to when
			// production started (collect/resolve-targets.ts). None: the package says "no records".
			const matches = resolved[task.ldid] ?? [];
			if (matches.length >= MAX_MATCHES_PER_TARGET) {
				unavailable.push({ ldid: task.ldid, category, reason: `At least ${MAX_MATCHES_PER_TARGET} (account, device) uses matched this identifier (a shared address); only ${MAX_MATCHES_PER_TARGET} are produced. The rest need a narrower observedTime or an account identifier.` });
			}
			for (const userId of [...new Set(matches.map((m) => m.userId))]) {
				units.push({ ldid: task.ldid, userId, deviceId: null, set: "target-matches", window, matches: matches.filter((m) => m.userId === userId) });
				for (const set of sets) units.push({ ldid: task.ldid, userId, deviceId: null, set, window });
			}
			continue;
		}
		if (serverOf(target.userId) !== serverName) {
			unavailable.push({ ldid: task.ldid, category, reason: "The target is a remote user: their records are held by their own homeserver." });
			continue;
		}
		const deviceId = target.format === "MatrixDeviceId" ? target.deviceId : null;
		for (const set of sets) {
			if (deviceId !== null && !DEVICE_LEVEL.includes(set)) {
				unavailable.push({ ldid: task.ldid, category: `${category}/${set}`, reason: "These records belong to the account, not to one device; a device target cannot be narrowed to them." });
				continue;
			}
			units.push({ ldid: task.ldid, userId: target.userId, deviceId, set, window });
		}
	}
	return { units, unavailable };
}
