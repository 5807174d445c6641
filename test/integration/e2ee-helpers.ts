// Shared helpers of the E2EE integration tests: local users with devices and tokens, requests through the
// real worker, and real Ed25519 keys for device, cross-signing and signature uploads.
import { env, exports } from "cloudflare:workers";
import { signJson } from "../../src/protocol/crypto/sign-json";
import { type SigningKey, signingKeyFromSeed } from "../../src/protocol/crypto/ed25519";
import { requireDeviceId } from "../../src/protocol/ids/device-id";
import { hashPassword } from "../../src/protocol/uia/password-hash";
import { requireUserId, type UserId } from "../../src/protocol/ids/user-id";
import { createAccount } from "../../src/worker/d1/accounts";
import { upsertMembership } from "../../src/worker/d1/memberships";

export type Json = Record<string, unknown>;

export interface TestDevice {
	userId: UserId;
	deviceId: string;
	token: string;
}

/** A local account (created once per name) with a new device and an access token. */
export async function device(localpart: string, deviceId: string, password?: string): Promise<TestDevice> {
	const userId = requireUserId(`@${localpart}:${env.SERVER_NAME}`);
	const passwordHash = password === undefined ? null : await hashPassword(password, crypto.getRandomValues(new Uint8Array(16)));
	await createAccount(env.DB, { user_id: userId, localpart, password_hash: passwordHash, created_ts: Date.now() });
	const stub = env.USER.getByName(userId);
	const created = await stub.createDevice(userId, requireDeviceId(deviceId), `${deviceId} display`);
	if (!created.ok) throw new Error(created.error);
	const token = await stub.issueAccessToken(userId, created.value.device_id);
	if (!token.ok) throw new Error(token.error);
	return { userId, deviceId, token: token.value };
}

export async function call(
	who: TestDevice | null,
	method: string,
	path: string,
	body?: unknown,
): Promise<{ status: number; body: Json }> {
	const headers: Record<string, string> = { "content-type": "application/json" };
	if (who !== null) headers.authorization = `Bearer ${who.token}`;
	const init: RequestInit = { method, headers };
	if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
	const res = await exports.default.fetch(`http://localhost/_matrix/client${path}`, init);
	const text = await res.text();
	return { status: res.status, body: text === "" ? {} : (JSON.parse(text) as Json) };
}

/** A random Ed25519 key named `ed25519:<id>`, or `ed25519:<public key>` when no id is given. */
export async function ed25519Key(id?: string): Promise<SigningKey> {
	const seed = crypto.getRandomValues(new Uint8Array(32));
	const probe = await signingKeyFromSeed("ed25519:probe", seed);
	return signingKeyFromSeed(`ed25519:${id ?? probe.publicKeyBase64}`, seed);
}

/** device_keys signed by the device's own ed25519 key, as a client uploads them. */
export async function deviceKeys(d: TestDevice, key: SigningKey): Promise<Json> {
	return signJson(
		{
			user_id: d.userId,
			device_id: d.deviceId,
			algorithms: ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
			keys: { [`curve25519:${d.deviceId}`]: `curve-${d.deviceId}`, [`ed25519:${d.deviceId}`]: key.publicKeyBase64 },
		},
		d.userId,
		key,
	);
}

/** `count` signed_curve25519 one-time keys with IDs AAAA<n>. */
export function oneTimeKeys(prefix: string, count: number): Json {
	const out: Json = {};
	for (let i = 0; i < count; i++) out[`signed_curve25519:${prefix}${i}`] = { key: `otk-${prefix}-${i}` };
	return out;
}

/** A cross-signing key object for `usage`, signed by `signer` when given. */
export async function crossSigningKey(userId: string, usage: string, key: SigningKey, signer?: SigningKey): Promise<Json> {
	const obj = { user_id: userId, usage: [usage], keys: { [key.keyId]: key.publicKeyBase64 } };
	return signer === undefined ? obj : signJson(obj, userId, signer);
}

export async function joinRoom(userId: string, roomId: string, membership: "join" | "invite" | "leave" = "join"): Promise<void> {
	await upsertMembership(env.DB, userId, roomId, membership, `$${crypto.randomUUID()}`, Date.now());
}
