// Receipts in the RoomDO (`receipts` table) and the room's ephemeral stream: one counter that every receipt
// and every typing change moves, so a UserDO can tell "typing/receipts changed since position N".
// After a change the joined local members' UserDOs are woken (pokeEphemeral) so their long-polls return.
// Spec: https://spec.matrix.org/latest/client-server-api/#receipts

import type { RpcResult } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import { serverNameOf } from "../../protocol/ids/server-name-of";
import { log } from "../../platform/log";
import type { OutboundEdu } from "../../platform/edu-fan-out";
import type { Membership } from "./api";
import { receiptEdu } from "./ephemeral-federation";

export const RECEIPT_TYPES = ["m.read", "m.read.private"] as const;
export type ReceiptType = (typeof RECEIPT_TYPES)[number];

/** What a RoomDO tells a local member's UserDO about typing and receipts. */
export interface EphemeralPokeApi {
	pokeEphemeral(roomId: string, position: number): Promise<void>;
}

export interface EphemeralHost {
	sql: SqlStorage;
	transaction<T>(fn: () => T): T;
	roomId(): string | null;
	serverName(): string;
	membership(userId: string): Membership | null;
	joinedMembers(): string[];
	/** Whether the room holds this event in its timeline (receipts point at timeline events). */
	hasTimelineEvent(eventId: string): boolean;
	user(userId: string): EphemeralPokeApi;
	/** Queues an EDU about a local member for the room's other servers, without delaying the caller. */
	federateEdu(edu: OutboundEdu, dedupeKey: string): void;
}

type ReceiptRow = { receipt_type: string; user_id: string; thread_id: string; event_id: string; ts: number };

/** The room's ephemeral position; table created by the room schema's ephemeral step. */
export function ephemeralPosition(sql: SqlStorage): number {
	return sql.exec<{ position: number }>("SELECT position FROM ephemeral_stream WHERE singleton = 1").one().position;
}

export function nextEphemeralPosition(sql: SqlStorage): number {
	return sql.exec<{ position: number }>("UPDATE ephemeral_stream SET position = position + 1 WHERE singleton = 1 RETURNING position").one().position;
}

/** Wakes the given local users' /sync. Best effort: a failed wake only delays what their next sync shows. */
export async function wakeMembers(host: EphemeralHost, users: string[], position: number): Promise<void> {
	const roomId = host.roomId();
	if (roomId === null) return;
	const local = users.filter((u) => serverNameOf(u) === host.serverName());
	await Promise.all(
		local.map(async (u) => {
			try {
				await host.user(u).pokeEphemeral(roomId, position);
			} catch (err) {
				log.warn("ephemeral_wake_failed", { room_id: roomId, error: err });
			}
		}),
	);
}

export class RoomReceipts {
	constructor(private readonly host: EphemeralHost) {}

	/**
	 * Records `userId`'s receipt of `receiptType` at `eventId` (threadId null: unthreaded). Only members
	 * may send receipts, and only for events the room has. A private receipt wakes only its owner.
	 */
	async setReceipt(userId: string, receiptType: ReceiptType, eventId: string, threadId: string | null, ts: number): Promise<RpcResult<null>> {
		if (this.host.roomId() === null) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown room" };
		if (this.host.membership(userId) !== "join") return { ok: false, errcode: "M_FORBIDDEN", error: "You are not joined to this room" };
		if (!this.host.hasTimelineEvent(eventId)) return { ok: false, errcode: "M_NOT_FOUND", error: "Unknown event" };
		const position = this.host.transaction(() => {
			const pos = nextEphemeralPosition(this.host.sql);
			this.host.sql.exec(
				`INSERT INTO receipts (receipt_type, user_id, thread_id, event_id, ts, data, stream_position) VALUES (?, ?, ?, ?, ?, '{}', ?)
				ON CONFLICT (receipt_type, user_id, thread_id) DO UPDATE SET event_id = excluded.event_id, ts = excluded.ts,
					stream_position = excluded.stream_position`,
				receiptType,
				userId,
				threadId ?? "",
				eventId,
				ts,
				pos,
			);
			return pos;
		});
		await wakeMembers(this.host, receiptType === "m.read.private" ? [userId] : this.host.joinedMembers(), position);
		// Private receipts never leave the server; remote users' receipts came from their own server.
		const roomId = this.host.roomId();
		if (receiptType === "m.read" && roomId !== null && serverNameOf(userId) === this.host.serverName()) {
			this.host.federateEdu(receiptEdu(roomId, userId, eventId, ts, threadId), `m.receipt ${roomId} ${position}`);
		}
		return { ok: true, value: null };
	}

	/**
	 * The m.receipt content `userId` may see among receipts past `since` (null: all), or null when there
	 * are none. Spec: m.read.private receipts are shown to their owner only.
	 */
	receiptsFor(userId: string, since: number | null): JsonObject | null {
		const rows = this.host.sql
			.exec<ReceiptRow>(
				`SELECT receipt_type, user_id, thread_id, event_id, ts FROM receipts
				WHERE stream_position > ? AND (receipt_type <> 'm.read.private' OR user_id = ?) ORDER BY stream_position`,
				since ?? -1,
				userId,
			)
			.toArray();
		if (rows.length === 0) return null;
		const content: JsonObject = {};
		for (const r of rows) {
			const byType = (content[r.event_id] ??= {}) as JsonObject;
			const byUser = (byType[r.receipt_type] ??= {}) as JsonObject;
			const receipt: JsonObject = { ts: r.ts };
			if (r.thread_id !== "") receipt.thread_id = r.thread_id;
			byUser[r.user_id] = receipt;
		}
		return content;
	}
}

/** SyncRoomApi's companion for /sync: typing and receipts a joined member may see past `since`. */
export function ephemeralSlice(
	host: EphemeralHost,
	receipts: RoomReceipts,
	typing: string[],
	userId: string,
	since: number | null,
): RpcResult<{ position: number; typing: string[]; receipts: JsonObject | null }> {
	if (host.membership(userId) !== "join") return { ok: false, errcode: "M_FORBIDDEN", error: "You are not joined to this room" };
	return { ok: true, value: { position: ephemeralPosition(host.sql), typing, receipts: receipts.receiptsFor(userId, since) } };
}
