// Send-to-device messaging inside one UserDO: the recipient side (queue for each addressed device, `*` for
// all of them) and the sender side (which txn IDs a device already completed).
// Spec: https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3sendtodeviceeventtypetxnid
// Contents are opaque: stored as JSON text and handed to /sync unread.

import type { JsonObject } from "../../../protocol/events/pdu";
import type { E2eeDeps } from "./deps";
import { type InboxMessage, ToDeviceStore } from "./to-device-store";

/** One sender's messages for this user: device ID (or `*`) → content. */
export interface ToDeviceDelivery {
	sender: string;
	type: string;
	/** Identifies one send (sender, device, txn): a retried delivery is not queued twice. */
	messageId: string;
	messages: Record<string, JsonObject>;
}

export class ToDevice {
	private readonly store: ToDeviceStore;

	constructor(private readonly deps: E2eeDeps) {
		this.store = new ToDeviceStore(deps.sql);
	}

	/** Queues the messages for this user's devices; unknown devices are skipped. Returns how many were queued. */
	receive(userId: string, delivery: ToDeviceDelivery, nowTs: number): number {
		if (this.deps.owner() !== userId) return 0;
		const devices = this.deps.sql.exec<{ device_id: string }>("SELECT device_id FROM devices").toArray().map((r) => r.device_id);
		const known = new Set(devices);
		const rows = new Map<string, InboxMessage>();
		for (const [target, content] of Object.entries(delivery.messages)) {
			const text = JSON.stringify(content);
			// "*" means every device of the user; a device also named explicitly gets that message instead.
			const ids = target === "*" ? devices.filter((d) => !Object.hasOwn(delivery.messages, d)) : known.has(target) ? [target] : [];
			for (const deviceId of ids) {
				rows.set(deviceId, { deviceId, sender: delivery.sender, type: delivery.type, content: text, messageId: delivery.messageId });
			}
		}
		const added = this.deps.transaction(() => this.store.enqueue([...rows.values()], nowTs));
		if (added > 0) this.deps.changed();
		return added;
	}

	txnDone(userId: string, deviceId: string, txnId: string): boolean {
		return this.deps.owner() === userId && this.store.hasTxn(deviceId, txnId);
	}

	recordTxn(userId: string, deviceId: string, txnId: string, nowTs: number): void {
		if (this.deps.owner() !== userId) return;
		this.store.recordTxn(deviceId, txnId, nowTs);
	}
}
