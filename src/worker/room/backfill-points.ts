// Where a room's older history continues and which servers to ask for it: the prev events of its oldest
// timeline events that it lacks, and the servers in current state (the one we joined through first).
// Remembers, for a while, extremities that brought nothing and servers that did not answer, so a client
// paging at the room's beginning does not make us ask the same remote again and again, and a server that
// is gone (even the one we joined through) makes way for the others.
// Spec: https://spec.matrix.org/latest/server-server-api/#backfilling-and-retrieving-missing-events

import { BackfillStore } from "./backfill-store";
import { remoteServersOf } from "./ephemeral-federation";
import type { WriteStore } from "./write-store";

/** The /backfill `v` values one request names. */
const MAX_FROM = 5;
/** How long extremities that brought nothing are not asked about again. */
const FUTILE_MS = 60_000;

export interface BackfillPoints {
	room_version: string;
	from: string[];
	/** Best first. */
	servers: string[];
}

export class BackfillMemo {
	private futileKey: string | null = null;
	private futileUntil = 0;
	/** Servers that gave no answer lately, and until when they are not asked. */
	private readonly silent = new Map<string, number>();

	constructor(
		private readonly sql: SqlStorage,
		private readonly writes: WriteStore,
		private readonly serverName: () => string,
	) {}

	points(now: number): BackfillPoints | null {
		const version = this.sql.exec<{ room_version: string }>("SELECT room_version FROM room_meta WHERE singleton = 1").toArray()[0]?.room_version;
		if (version === undefined) return null;
		const store = new BackfillStore(this.sql);
		const from = store.backwardExtremities(MAX_FROM);
		if (from.length === 0 || (from.join() === this.futileKey && now < this.futileUntil)) return null;
		const joined = remoteServersOf(this.writes.membersWith(["join"]), this.serverName());
		const via = store.joinedVia();
		const preferred = via === null ? joined : [via, ...joined.filter((s) => s !== via)];
		// A server that just gave no answer is left out for a while; the next one is asked instead.
		const servers = preferred.filter((s) => (this.silent.get(s) ?? 0) <= now);
		return servers.length === 0 ? null : { room_version: version, from, servers };
	}

	/** `server` answered, but with nothing older than `from`; or (`answered` false) gave no usable answer. */
	futile(from: readonly string[], server: string, answered: boolean, now: number): void {
		if (!answered) {
			this.silent.set(server, now + FUTILE_MS);
			return;
		}
		this.futileKey = from.join();
		this.futileUntil = now + FUTILE_MS;
	}
}
