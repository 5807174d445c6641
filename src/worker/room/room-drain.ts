// The RoomDO's drain: after each commit (and on the safety-net alarm) it hands the outbox's pokes and
// federation rows off and copies new events and remote memberships into D1 (outbox-drain.ts,
// outbox-federation.ts, event-index.ts, remote-member-index.ts).
//
// Its bookkeeping (delivered poke and federation rows, index cursors) costs no commit of its own: each would
// land after a different await, so each would be one more durable write per message (on Cloudflare a
// replicated write the output gate waits for). It is held in memory and written by `settle` inside the room's
// next commit (the next event's transaction) or by the alarm. If the object is lost first, the work is done
// again: pokes are max-position idempotent, a DestinationDO takes an event ID once, the D1 copies are INSERT
// OR IGNORE or current-state rewrites. An alarm is always
// armed while bookkeeping waits, so the alarm settles it when no commit follows.
// ARCHITECTURE.md "The path of an encrypted message" step 3; docs/client-server.md "Pokes and sync".

import { getConfig } from "../../platform/config";
import { handOffToDestinations } from "../../platform/federation-hand-off";
import { EventIndex } from "./event-index";
import { drainOutbox } from "./outbox-drain";
import { drainFederation } from "./outbox-federation";
import type { OutboxStore } from "./outbox-store";
import { pokeDelivery } from "./poke-delivery";
import { RemoteMemberIndex } from "./remote-member-index";
import type { RoomStore } from "./store";
import type { WriteStore } from "./write-store";

/** The alarm that retries what a direct drain could not deliver and settles its bookkeeping. */
const SAFETY_NET_MS = 5_000;

/**
 * How long after a send a room with a remote member copies its new events into the D1 event index. Only
 * GET /federation/v1/event reads that index, and a remote server asks it for an event only when it learnt
 * the event's ID without receiving the event: our events reach each server through its DestinationDO in
 * commit order, every event before any later one that names it, so a server asks for a fresh one only when
 * it could not take it, and then first through get_missing_events (room-scoped, no index). A 404 from
 * /event within this short window is an answer it retries or asks another server. Copying on a timer keeps
 * the D1 write (a durable commit on the same thread) out of the window in which the PDU is handed off and
 * sent, and a burst's events go in one batch. Lost with the object, the copy waits for the safety-net alarm.
 */
const INDEX_LAG_MS = 500;

export interface DrainDeps {
	ctx: DurableObjectState;
	env: Env;
	store: RoomStore;
	outbox: OutboxStore;
	writes: WriteStore;
}

export class RoomDrain {
	private running: Promise<void> | null = null;
	private again = false;
	/** The alarm asked for a drain: this one also settles and copies events of a room with no remote member. */
	private alarmAsked = false;
	/** When the alarm we last armed fires (null: none known, e.g. after a restart). Saves a storage write per send. */
	private alarmAt: number | null = null;
	/** The index timer (INDEX_LAG_MS) fired: the next pass copies events. */
	private indexAsked = false;
	/** The index timer is set. */
	private indexTimer: ReturnType<typeof setTimeout> | null = null;
	/** When the ask timer fires: pokes taken but not yet logged are asked about again (OutboxStore.awaitLog). */
	private askTimer: { at: number; timer: ReturnType<typeof setTimeout> } | null = null;
	private readonly events: EventIndex;
	private readonly members: RemoteMemberIndex;
	/** hasRemoteMember's last answer and the member version it was read at. */
	private remoteMember: { version: number; value: boolean } | null = null;

	constructor(private readonly deps: DrainDeps) {
		this.events = new EventIndex(deps.ctx.storage.sql);
		this.members = new RemoteMemberIndex(deps.ctx.storage.sql, () => deps.writes.memberVersion);
	}

	/**
	 * After a commit: drain at once, so members' long-polls wake within milliseconds, with the alarm
	 * armed first as the durable safety net (it retries whatever this attempt leaves behind).
	 *
	 * `afterReply` starts the drain on the next turn instead, once the caller's reply is on its way: begun
	 * at once, the drain's reads and writes run before the reply and hold it (a message send cost about
	 * twice as long in workerd). Only a local message event takes it: after a state or membership change
	 * the caller may read what the drain writes (the D1 membership index, servers sharing a room, the
	 * members' own /sync) straight away, so those keep the drain ahead of their reply.
	 */
	async afterCommit(afterReply = false): Promise<void> {
		await this.alarmBy(Date.now() + SAFETY_NET_MS);
		const started = afterReply ? new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => this.run()) : this.run();
		this.deps.ctx.waitUntil(started);
	}

	/** The alarm: drains, settles, and re-arms itself while work remains. */
	async onAlarm(): Promise<void> {
		// This alarm has fired: it no longer covers later sends.
		this.alarmAt = null;
		this.alarmAsked = true;
		await this.run();
	}

	/** Writes the drain's bookkeeping; run inside a commit the room makes anyway. */
	settle(): void {
		this.deps.outbox.settleDelivered();
		this.events.settle();
		this.members.settle();
	}

	/**
	 * Makes sure the alarm fires by `at`. An alarm already due by then covers it: re-arming on every send
	 * would only cost a storage write per event.
	 */
	async alarmBy(at: number): Promise<void> {
		if (this.alarmAt !== null && this.alarmAt <= at) return;
		await this.deps.ctx.storage.setAlarm(at);
		this.alarmAt = at;
	}

	/** Resolves once no drain runs (tests wait on it: the bookkeeping is then in memory, not in flight). */
	async idle(): Promise<void> {
		while (this.running) await this.running;
	}

	private unsettled(): boolean {
		return this.deps.outbox.hasUnsettled() || this.events.hasUnsettled() || this.members.hasUnsettled();
	}

	/**
	 * Whether a remote user is joined: then other servers hold the room's event IDs and may ask GET
	 * /federation/v1/event for them, so the event index follows within INDEX_LAG_MS. Otherwise the alarm
	 * copies it (batched, at most once per safety-net period), which saves a D1 write per message. Every
	 * local user ID ends in ":" + our server name, so any joined ID that does not is remote.
	 */
	private hasRemoteMember(): boolean {
		// Read again only after a member row was written (WriteStore.memberVersion): one query less per message.
		const version = this.deps.writes.memberVersion;
		if (this.remoteMember?.version === version) return this.remoteMember.value;
		const suffix = `:${getConfig(this.deps.env).serverName}`;
		const value =
			this.deps.ctx.storage.sql
				.exec("SELECT 1 FROM room_members WHERE membership = 'join' AND substr(user_id, -?1) <> ?2 LIMIT 1", suffix.length, suffix)
				.toArray().length > 0;
		this.remoteMember = { version, value };
		return value;
	}

	/**
	 * One drain at a time: two overlapping drains could hand a user's older membership to D1 after a
	 * newer one. A request that arrives mid-drain runs once more after it.
	 */
	private run(): Promise<void> {
		if (this.running) {
			this.again = true;
			return this.running;
		}
		this.running = (async () => {
			try {
				do {
					this.again = false;
					const fromAlarm = this.alarmAsked;
					const indexNow = fromAlarm || this.indexAsked;
					this.alarmAsked = false;
					this.indexAsked = false;
					await this.pass(fromAlarm, indexNow);
				} while (this.again);
			} finally {
				this.running = null;
			}
		})();
		return this.running;
	}

	/** Copies the event index within INDEX_LAG_MS (one timer at a time; a burst's events share it). */
	private indexSoon(): void {
		if (this.indexTimer !== null) return;
		this.indexTimer = setTimeout(() => {
			this.indexTimer = null;
			this.indexAsked = true;
			void this.run();
		}, INDEX_LAG_MS);
	}

	/**
	 * Asks again about pokes not yet logged by `at`. A timer, not the alarm: moving the alarm earlier is a
	 * storage write, and the alarm already covers these rows (they count as unsettled).
	 */
	private askBy(at: number): void {
		if (this.askTimer !== null && this.askTimer.at <= at) return;
		if (this.askTimer !== null) clearTimeout(this.askTimer.timer);
		const timer = setTimeout(() => {
			this.askTimer = null;
			void this.run();
		}, Math.max(0, at - Date.now()));
		this.askTimer = { at, timer };
	}

	private async pass(fromAlarm: boolean, indexNow: boolean): Promise<void> {
		const { store, outbox, env } = this.deps;
		const room = store.identity();
		if (room === null) return;
		const server = getConfig(env).serverName;
		// The alarm is the safety net: it reads what the direct drains skip by what they remember.
		if (fromAlarm) {
			outbox.recheck();
			this.members.recheck();
			this.remoteMember = null;
		}
		// The federation hand-off starts first: its RPCs leave before the pokes' and the D1 writes take the
		// thread. Pokes go beside it, not behind it: delivery latency waits for neither.
		const [, , eventsNext, membersNext] = await Promise.all([
			drainFederation(outbox, (id) => store.getPdu(id), (id, pdu, servers) => handOffToDestinations(env, room.room_id, id, pdu, servers), Date.now),
			drainOutbox(outbox, pokeDelivery(env, room.room_id, Date.now, fromAlarm), Date.now),
			indexNow ? this.events.copyNew(env.DB, room.room_id, Date.now) : null,
			this.members.copyNew(env.DB, room.room_id, server, Date.now),
		]);
		// The alarm's pass settles here, in one synchronous block: one commit for all of it.
		if (fromAlarm) this.settle();
		if (!indexNow && this.indexTimer === null && this.hasRemoteMember() && this.events.behind()) this.indexSoon();
		const ask = outbox.nextAsk();
		if (ask !== null) this.askBy(ask);
		const now = Date.now();
		const due = [outbox.nextDue(now), eventsNext, membersNext];
		// Bookkeeping in memory, or events left for the alarm to copy: the alarm must come.
		if (this.unsettled() || (!indexNow && this.events.behind())) due.push(now + SAFETY_NET_MS);
		const times = due.filter((t) => t !== null);
		if (times.length > 0 && !this.again) await this.alarmBy(Math.min(...times));
	}
}
