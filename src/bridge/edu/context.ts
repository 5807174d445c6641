// What an inbound EDU handler gets: the origin server (proved by X-Matrix) and the bindings it writes through.
// Spec: https://spec.matrix.org/latest/server-server-api/#edus

import { serverNameOf } from "../../protocol/ids/server-name-of";

export interface EduContext {
	env: Pick<Env, "DB" | "ROOM" | "USER">;
	origin: string;
	now: () => number;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A server speaks only for its own users: an EDU about anyone else's is dropped. */
export function fromOrigin(userId: unknown, origin: string): userId is string {
	return typeof userId === "string" && serverNameOf(userId) === origin;
}
