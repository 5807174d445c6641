// The collector contract: a read-only source of one record set for one task, read in keyset pages so a job
// can stop after any page and resume from the cursor it recorded, without duplicating or losing records.
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported ("each exporter has an explicit field allow-list").

import type { RecordOf, RecordSetName } from "../package/records-schema";

import type { TargetMatch } from "./resolve-targets";
import type { CollectWindow } from "./window";

export type { CollectWindow } from "./window";

/**
 * The only bindings a collector gets: D1 (accounts, memberships, media metadata, pushers) and the two Durable
 * Object namespaces whose export projections it calls. No R2 binding, so media bytes are out of reach by type
 * ("The export code has no binding to media bytes", LAWFUL_ACCESS.md "What may be exported").
 */
export type CollectEnv = Pick<Env, "DB" | "ROOM" | "USER">;

export interface CollectContext {
	env: CollectEnv;
	/** The task's LDID, written into every record. */
	ldid: string;
	/** The local MXID the task targets. */
	userId: string;
	window: CollectWindow;
	/** For the target-matches set: how the task's IP or 3PID target found this account (from the plan). */
	matches?: readonly TargetMatch[];
}

export interface CollectPage<N extends RecordSetName> {
	records: RecordOf<N>[];
	/** Where the next page starts; null when the source is exhausted. */
	next: string | null;
}

export interface Collector<N extends RecordSetName = RecordSetName> {
	set: N;
	/** One page of at most `limit` records after `cursor` (null: from the start). Deterministic for a cursor. */
	collect(ctx: CollectContext, cursor: string | null, limit: number): Promise<CollectPage<N>>;
}
