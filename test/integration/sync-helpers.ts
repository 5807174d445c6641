// Shared by the sync-*.test.ts files: /sync calls through the real worker, timed.
import { api, enc, type TestUser } from "./rooms-helpers";

export interface SyncBody {
	next_batch: string;
	rooms: {
		join: Record<string, Record<string, { events: Record<string, unknown>[] } & Record<string, unknown>>>;
		invite: Record<string, { invite_state: { events: Record<string, unknown>[] } }>;
		leave: Record<string, Record<string, unknown>>;
		knock: Record<string, unknown>;
	};
	account_data: { events: { type: string; content: Record<string, unknown> }[] };
	presence: { events: { type: string; sender: string; content: Record<string, unknown> }[] };
	to_device: { events: unknown[] };
	device_lists: { changed: string[]; left: string[] };
	device_one_time_keys_count: Record<string, number>;
}

export interface SyncCall {
	status: number;
	body: SyncBody;
	ms: number;
}

export async function sync(user: TestUser, params: Record<string, string | number | boolean> = {}): Promise<SyncCall> {
	const query = Object.entries(params)
		.map(([k, v]) => `${enc(k)}=${enc(String(v))}`)
		.join("&");
	const started = Date.now();
	const res = await api(user, "GET", `/_matrix/client/v3/sync${query === "" ? "" : `?${query}`}`);
	return { status: res.status, body: res.body as unknown as SyncBody, ms: Date.now() - started };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Syncs (long-polling from `since`) until `done` holds for a response, and returns that response. Pokes
 * reach the UserDO from the room's outbox alarm, a moment after the write that caused them.
 */
export async function syncUntil(user: TestUser, done: (body: SyncBody) => boolean, since?: string, maxMs = 5000): Promise<SyncCall> {
	const deadline = Date.now() + maxMs;
	let token = since;
	for (;;) {
		const res = await sync(user, token === undefined ? {} : { since: token, timeout: 500 });
		if (res.status !== 200) throw new Error(`sync failed: ${JSON.stringify(res.body)}`);
		if (done(res.body)) return res;
		if (Date.now() > deadline) throw new Error("condition not reached by sync");
		if (token === undefined) await sleep(50);
		else token = res.body.next_batch;
	}
}
