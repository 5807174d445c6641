// SQL over the UserDO's to-device inbox (to_device_inbox) and the sender-side txn record (to_device_txns).
// Spec: https://spec.matrix.org/latest/client-server-api/#send-to-device-messaging
// Message content is stored as the sender gave it and never read.

export interface InboxMessage {
	deviceId: string;
	sender: string;
	type: string;
	/** JSON text of the content, as sent. */
	content: string;
	/** Same for every recipient of one send; a retry with the same ID is not queued twice. */
	messageId: string;
}

export class ToDeviceStore {
	constructor(private readonly sql: SqlStorage) {}

	/** Queues messages; returns how many were new (a retried delivery adds none). */
	enqueue(messages: readonly InboxMessage[], nowTs: number): number {
		let added = 0;
		for (const m of messages) {
			added += this.sql
				.exec(
					`INSERT INTO to_device_inbox (device_id, sender, type, content, message_id, received_ts)
					VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1`,
					m.deviceId,
					m.sender,
					m.type,
					m.content,
					m.messageId,
					nowTs,
				)
				.toArray().length;
		}
		return added;
	}

	hasTxn(deviceId: string, txnId: string): boolean {
		return this.sql.exec("SELECT 1 FROM to_device_txns WHERE device_id = ? AND txn_id = ?", deviceId, txnId).toArray().length > 0;
	}

	recordTxn(deviceId: string, txnId: string, nowTs: number): void {
		this.sql.exec("INSERT OR IGNORE INTO to_device_txns (device_id, txn_id, created_ts) VALUES (?, ?, ?)", deviceId, txnId, nowTs);
	}
}
