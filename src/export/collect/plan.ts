// What production reads for an order: each LD task's request type and subtypes become record sets to collect
// (the category table), and what cannot be produced is named with its reason for data/readme.txt.
// Pure: no I/O, no clock (the production start time is an argument).
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported and #package (readme: "not producible and why").

import { DEFAULT_TRAFFIC_SUBTYPES, type ScopeTask } from "../order/types";
import type { RecordSetName } from "../package/records-schema";
import type { CollectWindow } from "./window";

/** One record set to collect for one task. */
export interface PlannedUnit {
	ldid: string;
	userId: string;
	/** Set for a MatrixDeviceId target: device-level sets are filtered to it. */
	deviceId: string | null;
	set: RecordSetName;
	window: CollectWindow;
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
};

/** Sets a device target can be narrowed to; the rest are not attributable to one device. */
const DEVICE_LEVEL: readonly RecordSetName[] = ["subscriber", "sessions", "devices"];

export const CONTENT_NOTE =
	"Message content, ciphertext, Megolm session IDs, sender keys, to-device payloads, key backups and secret storage are end-to-end encrypted or key material; this server cannot read them and never discloses them.";

function setsFor(task: ScopeTask): RecordSetName[] {
	if (task.requestType === "SubscriberData") return ["subscriber", "sessions"];
	if (task.requestType === "UserIdentifyingData") return ["sessions"];
	const subtypes = task.subtypes.length > 0 ? task.subtypes : DEFAULT_TRAFFIC_SUBTYPES;
	return subtypes.flatMap((s) => SUBTYPE_SETS[s] ?? []);
}

function serverOf(userId: string): string {
	return userId.slice(userId.indexOf(":") + 1);
}

/** The plan for the LD tasks of an order (LP tasks are preservations: nothing is produced for them). */
export function planProduction(tasks: readonly ScopeTask[], serverName: string, producedAt: number): ProductionPlan {
	const units: PlannedUnit[] = [];
	const unavailable: Unavailable[] = [];
	for (const task of tasks) {
		if (task.kind !== "LD") continue;
		const window = task.window ?? { start: 0, end: producedAt };
		const target = task.target;
		const category = task.requestType;
		if (target.format !== "ServiceAccessIdentifier" && target.format !== "MatrixDeviceId") {
			const reason =
				target.format === "InternationalizedEmailAddress" || target.format === "InternationalE164"
					? "This server stores no email addresses or phone numbers (3PIDs), so no account can be found by one."
					: "This server keeps session IPs per account only and has no index from an IP address to accounts.";
			unavailable.push({ ldid: task.ldid, category, reason });
			continue;
		}
		if (serverOf(target.userId) !== serverName) {
			unavailable.push({ ldid: task.ldid, category, reason: "The target is a remote user: their records are held by their own homeserver." });
			continue;
		}
		const deviceId = target.format === "MatrixDeviceId" ? target.deviceId : null;
		for (const set of setsFor(task)) {
			if (deviceId !== null && !DEVICE_LEVEL.includes(set)) {
				unavailable.push({ ldid: task.ldid, category: `${category}/${set}`, reason: "These records belong to the account, not to one device; a device target cannot be narrowed to them." });
				continue;
			}
			units.push({ ldid: task.ldid, userId: target.userId, deviceId, set, window });
		}
		if (task.requestType === "SubscriberData") {
			unavailable.push({ ldid: task.ldid, category: "SubscriberData/3PIDs", reason: "This server stores no email addresses or phone numbers for accounts." });
		}
	}
	return { units, unavailable };
}
