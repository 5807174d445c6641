// Shared by the rooms-*.test.ts files: real accounts with real access tokens, and JSON requests.
import { env, exports } from "cloudflare:workers";
import { requireDeviceId } from "../../src/protocol/ids/device-id";
import { requireUserId, type UserId } from "../../src/protocol/ids/user-id";
import { createAccount } from "../../src/worker/d1/accounts";

export interface TestUser {
	user_id: UserId;
	device_id: string;
	token: string;
}

/** An account in D1, a device and an access token from its UserDO. */
export async function makeUser(localpart: string, deviceId?: string): Promise<TestUser> {
	const userId = requireUserId(`@${localpart}:${env.SERVER_NAME}`);
	await createAccount(env.DB, { user_id: userId, localpart, password_hash: null, created_ts: Date.now() });
	const stub = env.USER.getByName(userId);
	const device = await stub.createDevice(userId, deviceId === undefined ? undefined : requireDeviceId(deviceId));
	if (!device.ok) throw new Error(device.error);
	const issued = await stub.issueAccessToken(userId, device.value.device_id);
	if (!issued.ok) throw new Error(issued.error);
	return { user_id: userId, device_id: device.value.device_id, token: issued.value };
}

export interface ApiResponse {
	status: number;
	body: Record<string, unknown>;
}

/** Calls the worker as a client would: JSON in, JSON out. */
export async function api(user: TestUser | null, method: string, path: string, body?: unknown): Promise<ApiResponse> {
	const headers: Record<string, string> = { "Content-Type": "application/json" };
	if (user) headers.Authorization = `Bearer ${user.token}`;
	const init: RequestInit = { method, headers };
	if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
	const res = await exports.default.fetch(`http://localhost${path}`, init);
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export const enc = encodeURIComponent;

/** Creates a room through the API and returns its ID. */
export async function createRoom(user: TestUser, body: Record<string, unknown> = {}): Promise<string> {
	const res = await api(user, "POST", "/_matrix/client/v3/createRoom", body);
	if (res.status !== 200) throw new Error(`createRoom failed: ${JSON.stringify(res.body)}`);
	return res.body.room_id as string;
}

/** The parsed PDU of the room's current state event for (type, state_key), or undefined. */
export async function stateEvent(roomId: string, type: string, stateKey = ""): Promise<Record<string, unknown> | undefined> {
	const stub = env.ROOM.getByName(roomId);
	const entry = (await stub.getCurrentStateIds()).find((e) => e.type === type && e.state_key === stateKey);
	if (!entry) return undefined;
	const pdu = await stub.getPdu(entry.event_id);
	return pdu === null ? undefined : (JSON.parse(pdu) as Record<string, unknown>);
}
