// One read of a room by one user: the stores, the room version's rules, the visibility checker, the
// event formatter, and the gate every read passes first ("a non-member reads nothing").
// Spec: https://spec.matrix.org/latest/client-server-api/#history-visibility

import type { RpcResult } from "../../protocol/errors";
import { roomVersionRules, type RoomVersionRules } from "../../protocol/room-versions/rules";
import { historyVisibilityOf, type MembershipValue, mayReadRoom, membershipOf } from "../../protocol/visibility";
import type { ClientEvent } from "./api";
import type { Reader } from "./read-api";
import { bundledRelations } from "./read-bundle";
import { EventFormatter } from "./read-format";
import { prefetchRows } from "./read-prefetch";
import { type EventRow, ReadStore } from "./read-store";
import { VisibilityChecker } from "./read-visibility";
import { type RoomInfo, RoomStore } from "./store";

export class ReadSession {
	readonly read: ReadStore;
	readonly store: RoomStore;
	readonly checker: VisibilityChecker;
	readonly formatter: EventFormatter;
	/** The reader's membership in current state, or null if they never had one. */
	readonly membership: MembershipValue | null;
	/** The stream position of the reader's current member event (their leave, ban or join). */
	readonly membershipPosition: number | null;
	private readonly sql: SqlStorage;

	constructor(
		storage: DurableObjectStorage,
		readonly info: RoomInfo,
		readonly rules: RoomVersionRules,
		readonly reader: Reader,
		readonly now: number,
	) {
		this.sql = storage.sql;
		this.read = new ReadStore(storage.sql);
		this.store = new RoomStore(storage);
		this.checker = new VisibilityChecker(this.read, reader.user_id);
		this.formatter = new EventFormatter(this.read, rules, reader, now);
		const member = this.read.currentMember(reader.user_id);
		this.membership = membershipOf(member === null ? null : { membership: member.membership });
		this.membershipPosition = member?.stream_ordering ?? null;
	}

	/** The visibility in current state (world_readable rooms may be read by anyone). */
	currentVisibility(): ReturnType<typeof historyVisibilityOf> {
		const id = this.currentStateId("m.room.history_visibility", "");
		const row = id === null ? null : this.read.anyEvent(id);
		return historyVisibilityOf(row === null ? null : this.formatter.servedContent(row.event_id, row.pdu));
	}

	currentStateId(type: string, stateKey: string): string | null {
		return this.read.currentStateId(type, stateKey);
	}

	/** May the reader read this room at all? (Per-event checks still apply afterwards.) */
	mayRead(): boolean {
		return mayReadRoom(this.membership, this.checker.everMember, this.currentVisibility());
	}

	/** Looks up, in a few queries, what canSee (if `visibility`) and format will ask about these rows (read-prefetch.ts). */
	prefetch(rows: readonly EventRow[], visibility = true): void {
		prefetchRows(this.sql, this.read, this.reader, rows, { visibility, bundles: true });
	}

	canSee(row: EventRow): boolean {
		return this.checker.canSee(row);
	}

	/** An event in client form with its bundled relations (read-bundle.ts). */
	format(row: EventRow, includeRoomId: boolean): ClientEvent {
		const bundle = bundledRelations(this, row);
		return this.formatter.format(row, includeRoomId, bundle === null ? undefined : { "m.relations": bundle });
	}
}

const FORBIDDEN = { ok: false, errcode: "M_FORBIDDEN", error: "You are not allowed to read this room" } as const;

/** Opens a read, refusing unknown rooms and readers who may not read the room (403 M_FORBIDDEN). */
export function openRead(storage: DurableObjectStorage, reader: Reader, now: number, info: RoomInfo | null): RpcResult<ReadSession> {
	if (info === null) return FORBIDDEN;
	const rules = roomVersionRules(info.room_version);
	if (rules === undefined) return { ok: false, errcode: "M_UNKNOWN", error: "Room version not supported" };
	const session = new ReadSession(storage, info, rules, reader, now);
	return session.mayRead() ? { ok: true, value: session } : FORBIDDEN;
}
