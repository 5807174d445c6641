// DestinationDO: the single owner of what we send to one remote server (keyed by server name): the
// PDU/EDU queue, the one in-flight transaction and backoff. See ARCHITECTURE.md "Who owns which data".
// Spec: https://spec.matrix.org/latest/server-server-api/#transactions

import { DurableObject } from "cloudflare:workers";
import { migrateOnStart } from "../../platform/sqlite-migrations";
import { DESTINATION_MIGRATIONS } from "./schema";
import { type DestinationStatus, DestinationStore } from "./store";

export class DestinationDO extends DurableObject<Env> {
	private readonly store: DestinationStore;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new DestinationStore(ctx.storage.sql);
		migrateOnStart(ctx, DESTINATION_MIGRATIONS);
	}

	/** Queue sizes, the in-flight transaction and backoff: for operators and tests. */
	status(): DestinationStatus {
		return this.store.status();
	}

	/**
	 * The send loop's wake-up. With nothing queued or in flight it ends without setting another alarm,
	 * so an idle destination costs nothing. Sending and backoff rescheduling come with the transaction sender.
	 */
	override async alarm(): Promise<void> {
		if (this.store.isIdle()) return;
	}
}
