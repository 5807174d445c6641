// A minimal legacy E2EE client on libolm (@matrix-org/olm, deprecated upstream in favour of vodozemac),
// speaking plain HTTP to the server: device and one-time keys, Olm sessions over to-device, Megolm in rooms.
// It exists to prove the server relays a second, independent crypto implementation opaquely.
// Spec: https://spec.matrix.org/latest/client-server-api/#end-to-end-encryption
import { createRequire } from "node:module";
import type OlmNamespace from "@matrix-org/olm";
import { canonicalJson } from "../../src/protocol/json/canonical";
import type { Account } from "./matrix-clients";

const require = createRequire(import.meta.url);
const Olm = require("@matrix-org/olm") as typeof OlmNamespace;

const OLM = "m.olm.v1.curve25519-aes-sha2";
const MEGOLM = "m.megolm.v1.aes-sha2";

type Json = Record<string, unknown>;
interface DeviceKeys {
	curve25519: string;
	ed25519: string;
}

export class LegacyOlmClient {
	private account!: OlmNamespace.Account;
	private readonly olmSessions = new Map<string, OlmNamespace.Session[]>(); // by sender curve25519 key
	private readonly inbound = new Map<string, OlmNamespace.InboundGroupSession>(); // by megolm session ID
	private since: string | undefined;
	readonly timeline: Json[] = [];
	curve25519 = "";
	ed25519 = "";

	constructor(
		private readonly baseUrl: string,
		readonly me: Account,
	) {}

	static async create(baseUrl: string, me: Account): Promise<LegacyOlmClient> {
		await Olm.init();
		const client = new LegacyOlmClient(baseUrl, me);
		client.account = new Olm.Account();
		client.account.create();
		const ids = JSON.parse(client.account.identity_keys()) as DeviceKeys;
		client.curve25519 = ids.curve25519;
		client.ed25519 = ids.ed25519;
		return client;
	}

	async api<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
		const res = await fetch(`${this.baseUrl}/_matrix/client/v3${path}`, {
			method,
			headers: { authorization: `Bearer ${this.me.accessToken}`, "content-type": "application/json" },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const json = (await res.json()) as T;
		if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
		return json;
	}

	private signed<T extends Json>(obj: T): T & { signatures: Json } {
		const signature = this.account.sign(canonicalJson(obj));
		return { ...obj, signatures: { [this.me.userId]: { [`ed25519:${this.me.deviceId}`]: signature } } };
	}

	/** Uploads signed device keys and `count` signed one-time keys. */
	async uploadKeys(count = 10): Promise<void> {
		const dev = this.me.deviceId;
		const device_keys = this.signed({
			user_id: this.me.userId,
			device_id: dev,
			algorithms: [OLM, MEGOLM],
			keys: { [`curve25519:${dev}`]: this.curve25519, [`ed25519:${dev}`]: this.ed25519 },
		});
		this.account.generate_one_time_keys(count);
		const otks = (JSON.parse(this.account.one_time_keys()) as { curve25519: Record<string, string> }).curve25519;
		const one_time_keys = Object.fromEntries(Object.entries(otks).map(([id, key]) => [`signed_curve25519:${id}`, this.signed({ key })]));
		await this.api("POST", "/keys/upload", { device_keys, one_time_keys });
		this.account.mark_keys_as_published();
	}

	/** One /sync round: decrypts Olm to-device messages into Megolm sessions and keeps timeline events. */
	async syncOnce(timeoutMs = 0): Promise<void> {
		const q = new URLSearchParams({ timeout: String(timeoutMs), ...(this.since ? { since: this.since } : {}) });
		const body = await this.api<{ next_batch: string; to_device?: { events: Json[] }; rooms?: { join?: Record<string, { timeline?: { events: Json[] } }> } }>("GET", `/sync?${q}`);
		this.since = body.next_batch;
		for (const event of body.to_device?.events ?? []) this.receiveToDevice(event);
		for (const [roomId, room] of Object.entries(body.rooms?.join ?? {})) {
			for (const event of room.timeline?.events ?? []) this.timeline.push({ ...event, room_id: roomId });
		}
	}

	private receiveToDevice(event: Json): void {
		const content = event.content as { algorithm?: string; sender_key?: string; ciphertext?: Record<string, { type: number; body: string }> };
		if (event.type !== "m.room.encrypted" || content.algorithm !== OLM || !content.sender_key) return;
		const mine = content.ciphertext?.[this.curve25519];
		if (!mine) return;
		const sessions = this.olmSessions.get(content.sender_key) ?? [];
		let session = sessions.find((s) => mine.type === 0 && s.matches_inbound_from(content.sender_key!, mine.body));
		if (!session && mine.type === 0) {
			session = new Olm.Session();
			session.create_inbound_from(this.account, content.sender_key, mine.body);
			this.account.remove_one_time_keys(session);
			sessions.push(session);
			this.olmSessions.set(content.sender_key, sessions);
		}
		const plain = JSON.parse((session ?? sessions[0]!).decrypt(mine.type, mine.body)) as {
			type: string;
			content: { algorithm: string; session_id: string; session_key: string };
			recipient: string;
			recipient_keys: { ed25519: string };
		};
		// The Olm payload must be addressed to this device, or a server could replay it elsewhere.
		if (plain.recipient !== this.me.userId || plain.recipient_keys.ed25519 !== this.ed25519) throw new Error("olm payload for someone else");
		if (plain.type === "m.room_key" && plain.content.algorithm === MEGOLM) {
			const inbound = new Olm.InboundGroupSession();
			inbound.create(plain.content.session_key);
			this.inbound.set(plain.content.session_id, inbound);
		}
	}

	/** The clear payload of a Megolm event, or undefined if its session is unknown. */
	decrypt(event: Json): { type: string; content: Json } | undefined {
		const content = event.content as { algorithm?: string; session_id?: string; ciphertext?: string };
		if (content.algorithm !== MEGOLM || !content.session_id || !content.ciphertext) return undefined;
		const session = this.inbound.get(content.session_id);
		if (!session) return undefined;
		return JSON.parse(session.decrypt(content.ciphertext).plaintext) as { type: string; content: Json };
	}

	/** Sends `body` into an encrypted room: shares a new Megolm session with every device of `recipient` over Olm. */
	async sendEncrypted(roomId: string, recipient: string, body: string): Promise<void> {
		const query = await this.api<{ device_keys: Record<string, Record<string, { keys: Record<string, string> }>> }>("POST", "/keys/query", {
			device_keys: { [recipient]: [] },
		});
		const devices = Object.entries(query.device_keys[recipient] ?? {});
		if (devices.length === 0) throw new Error(`no devices for ${recipient}`);
		const claim = await this.api<{ one_time_keys: Record<string, Record<string, Record<string, { key: string; signatures: Json }>>> }>("POST", "/keys/claim", {
			one_time_keys: { [recipient]: Object.fromEntries(devices.map(([id]) => [id, "signed_curve25519"])) },
		});
		const outbound = new Olm.OutboundGroupSession();
		outbound.create();
		const roomKey = { algorithm: MEGOLM, room_id: roomId, session_id: outbound.session_id(), session_key: outbound.session_key() };
		const messages: Record<string, Json> = {};
		const util = new Olm.Utility();
		for (const [deviceId, device] of devices) {
			const theirCurve = device.keys[`curve25519:${deviceId}`]!;
			const theirEd = device.keys[`ed25519:${deviceId}`]!;
			const otk = Object.values(claim.one_time_keys[recipient]?.[deviceId] ?? {})[0];
			if (!otk) throw new Error(`no one-time key claimed for ${deviceId}`);
			// The claimed key must carry the device's own signature (throws otherwise).
			const { signatures, ...unsigned } = otk;
			util.ed25519_verify(theirEd, canonicalJson(unsigned), ((signatures as Record<string, Record<string, string>>)[recipient] ?? {})[`ed25519:${deviceId}`] ?? "");
			const session = new Olm.Session();
			session.create_outbound(this.account, theirCurve, otk.key);
			const payload = {
				type: "m.room_key",
				content: roomKey,
				sender: this.me.userId,
				sender_device: this.me.deviceId,
				keys: { ed25519: this.ed25519 },
				recipient,
				recipient_keys: { ed25519: theirEd },
			};
			messages[deviceId] = { algorithm: OLM, sender_key: this.curve25519, ciphertext: { [theirCurve]: session.encrypt(JSON.stringify(payload)) } };
		}
		await this.api("PUT", `/sendToDevice/m.room.encrypted/olm-${crypto.randomUUID()}`, { messages: { [recipient]: messages } });
		const ciphertext = outbound.encrypt(JSON.stringify({ type: "m.room.message", content: { msgtype: "m.text", body }, room_id: roomId }));
		await this.api("PUT", `/rooms/${encodeURIComponent(roomId)}/send/m.room.encrypted/megolm-${crypto.randomUUID()}`, {
			algorithm: MEGOLM,
			sender_key: this.curve25519,
			ciphertext,
			session_id: outbound.session_id(),
			device_id: this.me.deviceId,
		});
	}
}
