// The canary: two real matrix-js-sdk Rust-crypto clients hold an encrypted conversation with known plaintext
// markers; the target also uploads media and a key backup. A full-category export of the target (every
// category, Counterparties included) must then hold none of: the plaintext, any ciphertext string, Megolm
// session IDs, sender keys (and the devices' Curve25519 identity keys), key-backup data, or media bytes — not
// in the raw ZIP and not inside any decompressed entry. verify-package must pass on it and fail on tampering.
// The package comes through the real API flow: an order signed by a trust-store authority, submitted, approved by
// two operators, produced by the server's EXPORT_JOBS consumer and retrieved once with an RFC 9421-signed GET.
// Design: LAWFUL_ACCESS.md "What may be exported" (canary test).
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync, zipSync } from "fflate";
import type { MatrixClient } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestHarness } from "wrangler";
import { approveAs, newAuthority, signedGet, signOrder, submitOrder, waitForDelivery } from "./lawful-authority";
import { type Account, eventually, register, startCryptoClient, waitForDecryptedMessage } from "./matrix-clients";

process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
process.env.WRANGLER_HIDE_BANNER ??= "true";
process.env.X_LOCAL_OBSERVABILITY ??= "false"; // no local trace store (scripts/start.mjs)

const SERVER_NAME = "localhost";
const authority = await newAuthority();
const server = createTestHarness({ workers: [{ configPath: "./wrangler.toml", vars: { SERVER_NAME, ENABLE_REGISTRATION: "true", ENVIRONMENT: "test", LAWFUL_TRUST_STORE: authority.trustStore, FEDERATION_DOH_URL: "http://127.0.0.1:9/dns-query" } }] });
let baseUrl: string;
let alice: MatrixClient;
let bob: MatrixClient;
let aliceAccount: Account;
let bobAccount: Account;
let roomId: string;
const plaintexts: string[] = [];
/** Every string that must never appear in the package, gathered from what the server actually stores. */
const forbidden = new Set<string>();
let mediaBytes: Uint8Array;
let zipBytes: Uint8Array;
let dir: string;

type Json = Record<string, unknown>;

async function get(account: Account, path: string): Promise<Json> {
	const res = await fetch(`${baseUrl}/_matrix/client${path}`, { headers: { authorization: `Bearer ${account.accessToken}` } });
	if (!res.ok) throw new Error(`${path}: ${res.status}`);
	return (await res.json()) as Json;
}

/** Every string leaf of a JSON value. */
function strings(value: unknown): string[] {
	if (typeof value === "string") return [value];
	if (Array.isArray(value)) return value.flatMap(strings);
	if (typeof value === "object" && value !== null) return Object.values(value).flatMap(strings);
	return [];
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
	outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
		for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
		return true;
	}
	return false;
}

function verifyCli(file: string, jwksFile: string): { status: number; out: string } {
	try {
		return { status: 0, out: execFileSync(process.execPath, ["scripts/lawful.mjs", "verify-package", file, "--jwks", jwksFile], { encoding: "utf8" }) };
	} catch (e) {
		const err = e as { status: number; stdout: string; stderr: string };
		return { status: err.status, out: `${err.stdout}${err.stderr}` };
	}
}

beforeAll(async () => {
	({ url: { origin: baseUrl } } = { url: (await server.listen()).url });
	await server.getWorker().applyD1Migrations("DB");
	aliceAccount = await register(baseUrl, "alice", "correct horse alice");
	bobAccount = await register(baseUrl, "bob", "correct horse bob");
	[alice, bob] = await Promise.all([startCryptoClient(baseUrl, aliceAccount), startCryptoClient(baseUrl, bobAccount)]);
	dir = mkdtempSync(join(tmpdir(), "sealbridge-canary-"));
}, 120_000);

afterAll(async () => {
	alice?.stopClient();
	bob?.stopClient();
	await server.close();
});

describe("lawful-access canary", () => {
	it("the target (alice) talks to bob in an encrypted room, uploads media and a key backup", async () => {
		({ room_id: roomId } = await alice.createRoom({ preset: "private_chat" as never, invite: [bobAccount.userId] }));
		await eventually(() => bob.getRoom(roomId)?.getMyMembership() === "invite", "bob sees the invite");
		await bob.joinRoom(roomId);
		await eventually(() => alice.getRoom(roomId)?.getMember(bobAccount.userId)?.membership === "join", "alice sees bob joined");
		for (const [from, to, label] of [[alice, bob, "a2b"], [bob, alice, "b2a"], [alice, bob, "a2b-2"]] as const) {
			const text = `CANARY plaintext ${label} ${crypto.randomUUID()}`;
			plaintexts.push(text);
			const got = waitForDecryptedMessage(to, roomId, text);
			await from.sendTextMessage(roomId, text);
			expect((await got).isEncrypted()).toBe(true);
		}
		const cryptoApi = alice.getCrypto()!;
		await cryptoApi.bootstrapCrossSigning({
			authUploadDeviceSigningKeys: async (makeRequest) => {
				try {
					await makeRequest(null);
				} catch (e) {
					const session = (e as { data?: { session?: string } }).data?.session;
					await makeRequest({ type: "m.login.password", identifier: { type: "m.id.user", user: aliceAccount.userId }, password: aliceAccount.password, session });
				}
			},
		});
		await cryptoApi.bootstrapSecretStorage({ createSecretStorageKey: () => cryptoApi.createRecoveryKeyFromPassphrase(), setupNewKeyBackup: true });
		await eventually(async () => ((await get(aliceAccount, "/v3/room_keys/version")).count as number) > 0, "keys in the server-side backup");
		mediaBytes = new TextEncoder().encode(`CANARY media bytes ${crypto.randomUUID()}`);
		await alice.uploadContent(Buffer.from(mediaBytes), { type: "application/octet-stream", name: "canary.bin" });
	});

	it("gathers what the server stores that must never be disclosed", async () => {
		for (const p of plaintexts) forbidden.add(p);
		const messages = await get(aliceAccount, `/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=100`);
		const encrypted = (messages.chunk as Json[]).filter((e) => e.type === "m.room.encrypted");
		expect(encrypted.length).toBe(3);
		for (const event of encrypted) {
			const content = event.content as Json;
			for (const key of ["ciphertext", "session_id", "sender_key"]) if (typeof content[key] === "string") forbidden.add(content[key]);
		}
		// Device identity keys: the Curve25519 one is the sender key of Olm and (older) Megolm messages.
		const query = await fetch(`${baseUrl}/_matrix/client/v3/keys/query`, {
			method: "POST",
			headers: { authorization: `Bearer ${aliceAccount.accessToken}`, "content-type": "application/json" },
			body: JSON.stringify({ device_keys: { [aliceAccount.userId]: [], [bobAccount.userId]: [] } }),
		});
		const deviceKeys = ((await query.json()) as { device_keys: Record<string, Record<string, { keys: Record<string, string> }>> }).device_keys;
		for (const devices of Object.values(deviceKeys)) {
			for (const device of Object.values(devices)) for (const [id, key] of Object.entries(device.keys)) if (id.startsWith("curve25519:")) forbidden.add(key);
		}
		const version = (await get(aliceAccount, "/v3/room_keys/version")).version as string;
		const backup = await get(aliceAccount, `/v3/room_keys/keys?version=${version}`);
		for (const s of strings(backup)) if (s.length >= 16) forbidden.add(s);
		for (const [sessionId] of Object.entries(((backup.rooms as Json)[roomId] as Json).sessions as Json)) forbidden.add(sessionId);
		// Every forbidden string is long enough that a chance match is impossible.
		expect([...forbidden].every((s) => s.length >= 16)).toBe(true);
		expect(forbidden.size).toBeGreaterThan(10);
	});

	it("a full-category order goes through the real flow: signed, submitted, approved twice, retrieved once", async () => {
		const env = (await server.getWorker().getEnv()) as { DB: D1Like };
		// Operator accounts: registered over HTTP, then flagged as operators, which is what `admin create-user --operator` writes.
		const operators = [await register(baseUrl, "opal", "opal-password"), await register(baseUrl, "otto", "otto-password")];
		for (const op of operators) await env.DB.prepare("UPDATE accounts SET is_operator = 1 WHERE user_id = ?1").bind(op.userId).run();
		const target = aliceAccount.userId;
		const window = { start: Date.now() - 3_600_000, end: Date.now() };
		const jws = await signOrder(authority, SERVER_NAME, "CANARY-CASE", [
			{ ldid: "LD-SUB", type: "SubscriberData", target },
			{ ldid: "LD-ID", type: "UserIdentifyingData", target, window },
			{ ldid: "LD-TRAFFIC", type: "TrafficData", subtypes: ["DeviceKeys", "PushTargets", "Memberships", "EventEnvelopes", "Counterparties", "MediaMetadata"], target, window },
		]);
		const orderId = await submitOrder(baseUrl, jws);
		expect(await approveAs(baseUrl, operators[0]!.accessToken, orderId, "canary: first review")).toBe(200);
		expect(await approveAs(baseUrl, operators[1]!.accessToken, orderId, "canary: second review")).toBe(200);
		const url = await waitForDelivery(authority, baseUrl, orderId);
		const res = await signedGet(authority, url);
		expect(res.status).toBe(200);
		zipBytes = new Uint8Array(await res.arrayBuffer());
		const again = await signedGet(authority, url);
		expect(again.status).toBe(410);
		expect(((await again.json()) as { code: string }).code).toBe("LA_GONE");
		const files = unzipSync(zipBytes);
		const text = (name: string) => new TextDecoder().decode(files[name]);
		expect(text("data/order.jws")).toBe(jws);
		// It really is full: envelopes of the encrypted events, a device, co-member bob, the media.
		expect(text("data/records/event-envelopes.ndjson").match(/m\.room\.encrypted/g)?.length).toBe(2);
		expect(text("data/records/counterparties.ndjson")).toContain(bobAccount.userId);
		expect(text("data/records/media.ndjson")).toContain("application/octet-stream");
		expect(text("data/records/devices.ndjson")).toContain(aliceAccount.deviceId);
		expect(text("data/records/cross-signing-keys.ndjson")).toContain("master");
	});

	it("no forbidden byte appears in the raw ZIP or in any decompressed entry", () => {
		const encoder = new TextEncoder();
		const files = unzipSync(zipBytes);
		const haystacks: [string, Uint8Array][] = [["(raw zip)", zipBytes], ...Object.entries(files)];
		for (const [name, bytes] of haystacks) {
			for (const needle of forbidden) expect(contains(bytes, encoder.encode(needle)), `${needle.slice(0, 24)}… in ${name}`).toBe(false);
			expect(contains(bytes, mediaBytes), `media bytes in ${name}`).toBe(false);
		}
	});

	it("verify-package passes on it, and fails on a tampered record or signature", async () => {
		const jwks = await (await fetch(`${baseUrl}/_lawful/v1/provider-keys`)).json();
		const jwksFile = join(dir, "jwks.json");
		writeFileSync(jwksFile, JSON.stringify(jwks));
		const good = join(dir, "package.zip");
		writeFileSync(good, zipBytes);
		const ok = verifyCli(good, jwksFile);
		expect(ok.status, ok.out).toBe(0);
		expect(ok.out).toContain("package verified");

		const files = unzipSync(zipBytes);
		const records = new TextDecoder().decode(files["data/records/media.ndjson"]);
		const tamperedRecord = join(dir, "tampered-record.zip");
		writeFileSync(tamperedRecord, zipSync({ ...files, "data/records/media.ndjson": new TextEncoder().encode(records.replace(/"byte_length":\d+/, '"byte_length":1')) }));
		const bad = verifyCli(tamperedRecord, jwksFile);
		expect(bad.status).toBe(1);
		expect(bad.out).toContain("data/records/media.ndjson: SHA-256 does not match manifest-sha256.txt");

		const tamperedSig = join(dir, "tampered-signature.zip");
		writeFileSync(tamperedSig, zipSync({ ...files, "tagmanifest-sha256.txt": new TextEncoder().encode(`${new TextDecoder().decode(files["tagmanifest-sha256.txt"])}`.replace(/^[0-9a-f]/, (c) => (c === "0" ? "1" : "0"))) }));
		const badSig = verifyCli(tamperedSig, jwksFile);
		expect(badSig.status).toBe(1);
		expect(badSig.out).toMatch(/FAIL\s+signature/);
	});
});

interface D1Like {
	prepare(sql: string): { bind(...values: unknown[]): { run(): Promise<unknown> } };
}
