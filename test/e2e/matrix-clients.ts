// Real Matrix clients for end-to-end tests: matrix-js-sdk 43 with its Rust crypto (vodozemac), in Node.
import { ClientEvent, createClient, type MatrixClient, type MatrixEvent, RoomEvent, SyncState } from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";

// The SDK's logger is loglevel underneath (its type hides setLevel); it is chatty at info level.
if ("setLevel" in logger && typeof logger.setLevel === "function") logger.setLevel("error");

export interface Account {
	userId: string;
	deviceId: string;
	accessToken: string;
	password: string;
}

/** Registers through the spec's user-interactive auth (m.login.dummy), as a client would. */
export async function register(baseUrl: string, username: string, password: string): Promise<Account> {
	const url = `${baseUrl}/_matrix/client/v3/register`;
	const first = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
	if (first.status !== 401) throw new Error(`register: expected 401 UIA, got ${first.status} ${await first.text()}`);
	const { session } = (await first.json()) as { session: string };
	const done = await fetch(url, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ username, password, auth: { type: "m.login.dummy", session } }),
	});
	if (!done.ok) throw new Error(`register: ${done.status} ${await done.text()}`);
	const body = (await done.json()) as { user_id: string; device_id: string; access_token: string };
	return { userId: body.user_id, deviceId: body.device_id, accessToken: body.access_token, password };
}

/** A started client with Rust crypto; secret-storage keys are kept in memory for the test's lifetime. */
export async function startCryptoClient(baseUrl: string, account: Account): Promise<MatrixClient> {
	const secretKeys = new Map<string, Uint8Array<ArrayBuffer>>();
	const client = createClient({
		baseUrl,
		userId: account.userId,
		deviceId: account.deviceId,
		accessToken: account.accessToken,
		cryptoCallbacks: {
			getSecretStorageKey: async ({ keys }) => {
				for (const id of Object.keys(keys)) {
					const key = secretKeys.get(id);
					if (key) return [id, key];
				}
				return null;
			},
			cacheSecretStorageKey: (keyId, _info, key) => {
				secretKeys.set(keyId, key);
			},
		},
	});
	await client.initRustCrypto({ useIndexedDB: false });
	const prepared = new Promise<void>((ok, fail) => {
		const onSync = (state: SyncState) => {
			if (state === SyncState.Prepared || state === SyncState.Syncing) {
				client.off(ClientEvent.Sync, onSync);
				ok();
			} else if (state === SyncState.Error) fail(new Error("initial sync failed"));
		};
		client.on(ClientEvent.Sync, onSync);
	});
	await client.startClient({ initialSyncLimit: 20 });
	await prepared;
	return client;
}

/** Resolves with the first decrypted timeline event in `roomId` whose clear body is `body`. */
export function waitForDecryptedMessage(client: MatrixClient, roomId: string, body: string, timeoutMs = 30_000): Promise<MatrixEvent> {
	return new Promise((ok, fail) => {
		const timer = setTimeout(() => {
			client.off(RoomEvent.Timeline, onTimeline);
			fail(new Error(`no decrypted "${body}" in ${roomId} within ${timeoutMs} ms`));
		}, timeoutMs);
		const check = async (event: MatrixEvent) => {
			if (event.getRoomId() !== roomId) return;
			await client.decryptEventIfNeeded(event);
			if (event.getClearContent()?.body === body) {
				clearTimeout(timer);
				client.off(RoomEvent.Timeline, onTimeline);
				ok(event);
			}
		};
		const onTimeline = (event: MatrixEvent) => void check(event);
		client.on(RoomEvent.Timeline, onTimeline);
		for (const event of client.getRoom(roomId)?.getLiveTimeline().getEvents() ?? []) void check(event);
	});
}

/** Polls `predicate` until true or the deadline; for states the SDK reaches asynchronously. */
export async function eventually(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await predicate())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}
