// Record set → its collector, and device-target filtering. The job looks collectors up here by the set named
// in its plan, so the plan stays plain data that D1 can hold.
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported

import type { RecordOf, RecordSetName } from "../package/records-schema";
import { mediaCollector, pushersCollector, subscriberCollector, targetMatchesCollector } from "./account-collectors";
import { deviceNamesCollector, directRoomsCollector, profileCollector, roomDetailsCollector } from "./grey-collectors";
import { counterpartiesCollector, envelopesCollector, membershipsCollector } from "./room-collectors";
import type { CollectContext, CollectPage, Collector } from "./types";
import { crossSigningCollector, devicesCollector, sessionsCollector } from "./user-collectors";

const COLLECTORS: { [N in RecordSetName]: Collector<N> } = {
	subscriber: subscriberCollector,
	sessions: sessionsCollector,
	devices: devicesCollector,
	"cross-signing-keys": crossSigningCollector,
	pushers: pushersCollector,
	memberships: membershipsCollector,
	"event-envelopes": envelopesCollector,
	counterparties: counterpartiesCollector,
	media: mediaCollector,
	"target-matches": targetMatchesCollector,
	profile: profileCollector,
	"device-names": deviceNamesCollector,
	"room-details": roomDetailsCollector,
	"direct-rooms": directRoomsCollector,
};

function deviceOf(record: RecordOf<RecordSetName>): string | null {
	return "device_id" in record ? record.device_id : null;
}

/** One page of `set`; for a device target, records of other devices are dropped (the cursor still advances). */
export async function collectPage(
	set: RecordSetName,
	ctx: CollectContext,
	deviceId: string | null,
	cursor: string | null,
	limit: number,
): Promise<CollectPage<RecordSetName>> {
	const page: CollectPage<RecordSetName> = await COLLECTORS[set].collect(ctx, cursor, limit);
	if (deviceId === null) return page;
	return { records: page.records.filter((r) => deviceOf(r) === null || deviceOf(r) === deviceId), next: page.next };
}
