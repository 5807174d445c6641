// DestinationDO: the single owner of what we send to one remote server (keyed by server name): the
// PDU/EDU queue, the one in-flight transaction, backoff and catch-up; and of the answers we gave to the
// transactions it sent us (bridge/inbound/txn-store.ts). See ARCHITECTURE.md "Who owns which data".
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions
// Models: Dendrite federationapi/queue/destinationqueue.go, Synapse federation/sender/per_destination_queue.py.

import { DurableObject } from "cloudflare:workers";
import { getConfig } from "../../platform/config";
import { log } from "../../platform/log";
import { migrateOnStart } from "../../platform/sqlite-migrations";
import { backoffDelayMs, shouldCatchUp } from "../../protocol/federation/outbound-transaction";
import { federationRequest } from "../client/federation-client";
import { RawJson } from "../client/federation-port";
import { InboundTxnStore, legacyTxnRows } from "../inbound/txn-store";
import { DESTINATION_MIGRATIONS } from "./schema";
import { type DestinationStatus, DestinationStore } from "./store";

/** An EDU as the spec's transaction carries it. */
export interface Edu {
	edu_type: string;
	content: Record<string, unknown>;
}

export type EnqueueResult = { ok: true; value: { queued: boolean } } | { ok: false; errcode: string; error: string };

/** Transactions one alarm sends back to back before yielding to a fresh alarm. */
const TXNS_PER_ALARM = 20;
/** A transaction request gets this long; the spec's receivers answer after processing every PDU. */
const SEND_TIMEOUT_MS = 60_000;
/** An inbound transaction still unanswered after this long is taken as abandoned (its processing has a 20 s fetch budget). */
const IN_FLIGHT_MS = 90_000;
/** How long after a send could have timed out a safety-net alarm fires. */
const SAFETY_MARGIN_MS = 5_000;

export class DestinationDO extends DurableObject<Env> {
	private readonly store: DestinationStore;
	private readonly inbound: InboundTxnStore;
	/** The one-time copy of this server's inbound transactions from D1, while it runs. */
	private importing: Promise<void> | undefined;
	/**
	 * Inbound transactions being processed now, with whoever waits for their answer. In memory on purpose: one
	 * object per origin sees every claim, and after a restart nothing is in flight (a retry is processed anew,
	 * as before the claim existed). A claim older than IN_FLIGHT_MS is taken as abandoned.
	 */
	private readonly inFlight = new Map<string, { since: number; waiters: ((answer: string | null) => void)[] }>();
	/** An alarm is sending: a second alarm (set by an enqueue meanwhile) must not start another transaction. */
	private sending = false;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new DestinationStore(ctx.storage.sql);
		this.inbound = new InboundTxnStore(ctx.storage.sql);
		migrateOnStart(ctx, DESTINATION_MIGRATIONS);
	}

	/**
	 * Queues one PDU, given as the exact JSON the room stored. Idempotent by event ID. The reply comes
	 * only after the row is committed (the output gate holds it), so a caller's ack means durable.
	 * `sendNow`: start the send loop at once instead of on the alarm (see scheduleSend).
	 */
	async enqueuePdu(roomId: string, eventId: string, pduJson: string, sendNow = false): Promise<EnqueueResult> {
		if (!this.knowsItsName()) return { ok: false, errcode: "M_UNKNOWN", error: "destination has no name" };
		const queued = this.store.enqueue("pdu", pduJson, eventId, Date.now(), roomId);
		if (queued) await this.scheduleSend(sendNow);
		return { ok: true, value: { queued } };
	}

	/** Queues one EDU; `dedupeKey` (producer-chosen) makes a repeated hand-off a no-op. */
	async enqueueEdu(edu: Edu, dedupeKey?: string, sendNow = false): Promise<EnqueueResult> {
		if (!this.knowsItsName()) return { ok: false, errcode: "M_UNKNOWN", error: "destination has no name" };
		const queued = this.store.enqueue("edu", JSON.stringify({ edu_type: edu.edu_type, content: edu.content }), dedupeKey === undefined ? null : `edu:${dedupeKey}`, Date.now());
		if (queued) await this.scheduleSend(sendNow);
		return { ok: true, value: { queued } };
	}

	/** Queue sizes, the in-flight transaction and backoff: for operators and tests. */
	status(): DestinationStatus {
		return this.store.status();
	}

	/**
	 * The remote server just reached us (an inbound transaction), so it is up again: forget the backoff
	 * and send what waits now rather than at the next, possibly hour-long, retry (Synapse does the same).
	 * The outage's start is kept, so a long outage still ends in catch-up.
	 */
	async remoteIsUp(): Promise<void> {
		if (this.store.backoff().next_attempt_ts === null) return;
		this.store.resetRetries();
		if (!this.store.isIdle()) await this.ctx.storage.setAlarm(Date.now());
	}

	/**
	 * An inbound transaction from this server begins: the answer we already gave when it is a retry (it is
	 * then not processed again), else null, and the caller now holds the claim to process it. A duplicate that
	 * arrives while the first is still being processed waits for that answer instead of processing it a second
	 * time (the spec's dedupe; Synapse keeps a response cache for the same reason). The server reached us, so
	 * it is up (remoteIsUp).
	 */
	async inboundTxnAnswer(txnId: string): Promise<string | null> {
		await this.remoteIsUp();
		if (!this.inbound.imported()) await this.importLegacyTxns();
		for (;;) {
			const stored = this.inbound.response(txnId);
			if (stored !== null) return stored;
			const now = Date.now();
			const claim = this.inFlight.get(txnId);
			if (claim === undefined || now - claim.since >= IN_FLIGHT_MS) {
				this.inFlight.set(txnId, { since: now, waiters: claim?.waiters ?? [] });
				return null;
			}
			// Woken with the answer, or with null when the claim was given up (then look again: stored, or claim it).
			const answer = await new Promise<string | null>((resolve) => {
				claim.waiters.push(resolve);
				setTimeout(() => resolve(null), IN_FLIGHT_MS - (now - claim.since));
			});
			if (answer !== null) return answer;
		}
	}

	/** Remembers our answer to an inbound transaction. The reply waits for the commit, so the sender gets the answer only once it is durable. */
	rememberInboundTxn(txnId: string, response: string): void {
		this.inbound.remember(txnId, response, Date.now());
		this.release(txnId, response);
	}

	/** The claimed transaction was not processed (bad input, an error): a waiting duplicate may process it. */
	abandonInboundTxn(txnId: string): void {
		this.release(txnId, null);
	}

	private release(txnId: string, answer: string | null): void {
		const claim = this.inFlight.get(txnId);
		this.inFlight.delete(txnId);
		for (const wake of claim?.waiters ?? []) wake(answer);
	}

	/** Before this object held inbound transactions, D1 did: a retry of one answered then still gets its answer. */
	private importLegacyTxns(): Promise<void> {
		this.importing ??= (async () => {
			const origin = this.store.destination() ?? this.ctx.id.name;
			const rows = origin === undefined ? [] : await legacyTxnRows(this.env.DB, origin, Date.now());
			this.inbound.importRows(rows, Date.now());
		})().finally(() => {
			this.importing = undefined;
		});
		return this.importing;
	}

	/** The alarm: the send loop, unless one runs already or a backoff says not yet. */
	override async alarm(): Promise<void> {
		if (this.store.isIdle()) return;
		// The running loop takes what was queued meanwhile. Should this object die mid-send, this alarm
		// (re-armed past the send timeout) resumes the in-flight transaction.
		if (this.sending) return this.ctx.storage.setAlarm(Date.now() + SEND_TIMEOUT_MS + SAFETY_MARGIN_MS);
		const backoff = this.store.backoff();
		if (backoff.next_attempt_ts !== null && backoff.next_attempt_ts > Date.now()) {
			await this.ctx.storage.setAlarm(backoff.next_attempt_ts);
			return;
		}
		await this.sendLoop();
	}

	/**
	 * The in-flight transaction first (same ID, same body), then new ones from the queue. Its first claim
	 * happens synchronously, before the caller's next await: a hand-off that starts it commits its row and
	 * the transaction carrying it in one write, and the request then waits for that one write only.
	 */
	private async sendLoop(): Promise<void> {
		const destination = this.store.destination();
		if (destination === undefined) return;
		this.sending = true;
		try {
			for (let i = 0; i < TXNS_PER_ALARM; i++) {
				if (!(await this.sendOne(destination))) return;
			}
			if (!this.store.isIdle()) await this.ctx.storage.setAlarm(Date.now());
		} finally {
			this.sending = false;
		}
	}

	/** Sends one transaction; true when it was acknowledged and more may follow. */
	private async sendOne(destination: string): Promise<boolean> {
		const config = getConfig(this.env);
		const now = Date.now();
		const txn =
			this.store.inFlight() ??
			this.ctx.storage.transactionSync(() =>
				this.store.claimTransaction(config.serverName, now, shouldCatchUp(this.store.queuedPduCount(), this.store.backoff().down_since_ts, now)),
			);
		if (!txn) return false;
		this.store.markAttempt();
		const path = `/_matrix/federation/v1/send/${encodeURIComponent(txn.txn_id)}`;
		const result = await federationRequest(this.env, config, destination, "PUT", path, new RawJson(txn.payload), { timeoutMs: SEND_TIMEOUT_MS });
		// A 200 acknowledges the whole transaction; per-PDU errors in its body are the receiver's verdicts
		// on those events, not a reason to resend.
		if (result.ok) {
			this.ctx.storage.transactionSync(() => this.store.completeTransaction(Date.now()));
			return true;
		}
		const failedAt = Date.now();
		const retry = this.store.backoff().retry_count + 1;
		const next = failedAt + backoffDelayMs(retry, Math.random());
		this.store.recordFailure(failedAt, next);
		await this.ctx.storage.setAlarm(next);
		log.warn("federation_txn_failed", { destination, txn_id: txn.txn_id, attempts: txn.attempts + 1, kind: result.kind, status: result.status ?? null, retry_in_ms: next - failedAt });
		return false;
	}

	/**
	 * Wakes the send loop, unless a backoff (or an earlier alarm) already decides when. With `sendNow` and no
	 * backoff, the loop starts at once rather than when workerd delivers an alarm (a scheduling round and an
	 * alarm write on the delivery path), and the alarm is only the safety net that resumes an in-flight
	 * transaction should this object die mid-send: one already armed by then serves, so a stream of sends
	 * writes none. What queues up while a transaction is in flight goes in the next one. Without `sendNow`,
	 * hand-offs made back to back go out together on the alarm.
	 */
	private async scheduleSend(sendNow: boolean): Promise<void> {
		const now = Date.now();
		const due = Math.max(now, this.store.backoff().next_attempt_ts ?? 0);
		if (sendNow && due <= now) {
			if (!this.sending) this.ctx.waitUntil(this.sendLoop());
			return this.armBy(now + SEND_TIMEOUT_MS + SAFETY_MARGIN_MS);
		}
		return this.armBy(due);
	}

	/** Arms the alarm for `at`, unless it is already armed no later. */
	private async armBy(at: number): Promise<void> {
		const current = await this.ctx.storage.getAlarm();
		if (current === null || current > at) await this.ctx.storage.setAlarm(at);
	}

	/** The destination is this object's name (`getByName(serverName)`); kept for alarms, which have no caller. */
	private knowsItsName(): boolean {
		if (this.store.destination() !== undefined) return true;
		const name = this.ctx.id.name;
		if (name === undefined) return false;
		this.store.rememberDestination(name);
		return true;
	}
}
