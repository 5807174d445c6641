// A REMOTE resident server's room of any version (3–12), as a spec-following remote would keep it: events
// signed by its key and placed at the end of a linear DAG, auth events chosen by the spec's rules, and every
// event of ours it takes (from send_join, send_knock, invite or /send) checked first: the event ID our server
// used, our signature and content hash under the room version's redaction rules, and the authorization
// rules against the auth events it cites. The checks are the protocol layer's (unit-tested against vectors).
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms, https://spec.matrix.org/latest/rooms/
import { env } from "cloudflare:workers";
import { authTypesForEvent, checkAuthAgainstAuthEvents, stateKeyString } from "../../src/protocol/auth";
import { roomIdFromCreateEvent, toRoomEvent } from "../../src/protocol/events/event-id";
import type { JsonObject, Pdu, PduDraft, RoomEvent } from "../../src/protocol/events/pdu";
import { signEvent, verifyEvent } from "../../src/protocol/events/sign-event";
import { roomVersionRules, type RoomVersionRules } from "../../src/protocol/room-versions/rules";
import { getConfig } from "../../src/platform/config";
import { getServerKeys } from "../../src/platform/signing-key/server-key";
import { draftEvent, ME, type RemoteServer } from "./federation-inbound-helpers";

interface Held {
	pdu: Pdu;
	event: RoomEvent;
}

export class Resident {
	readonly rules: RoomVersionRules;
	readonly events = new Map<string, Held>();
	/** Current state: `type|state_key` → event ID. */
	readonly state = new Map<string, string>();
	/** The DAG is linear: each event follows the last one taken. */
	last = "";
	depth = 0;

	private constructor(
		readonly server: RemoteServer,
		readonly version: string,
		readonly room_id: string,
		readonly creator: string,
	) {
		this.rules = roomVersionRules(version)!;
	}

	/** create, the creator's join, power levels (with `users`), join rules; then whatever the test adds. */
	static async create(server: RemoteServer, version: string, tag: string, joinRules: JsonObject, users: Record<string, number>): Promise<Resident> {
		const rules = roomVersionRules(version)!;
		const creator = `@carol:${server.name}`;
		const createContent = { creator, room_version: version };
		let create: Pdu | undefined;
		let roomId = `!${tag}v${version}x${Date.now()}:${server.name}`;
		if (rules.auth.roomIdIsCreateEventId) {
			// v12: the create event names no room; the room ID is its reference hash.
			const { room_id: _none, ...draft } = draftEvent("", creator, "m.room.create", createContent, [], [], 1, "");
			create = await signEvent(draft as PduDraft, server.name, server.key, rules);
			roomId = await roomIdFromCreateEvent(create, rules);
		}
		const room = new Resident(server, version, roomId, creator);
		if (create) await room.take(create);
		else await room.send("m.room.create", createContent, "");
		await room.send("m.room.member", { membership: "join" }, creator);
		// v12: creators have infinite power and may not be listed in `users`.
		await room.send("m.room.power_levels", { users: { ...(rules.auth.privilegedCreators ? {} : { [creator]: 100 }), ...users }, invite: 0 }, "");
		await room.send("m.room.join_rules", joinRules, "");
		return room;
	}

	id(type: string, stateKey = ""): string {
		return this.state.get(stateKeyString(type, stateKey))!;
	}

	/** The auth events the spec's rules name for an event, from current state. */
	authFor(type: string, sender: string, stateKey: string | undefined, content: JsonObject): string[] {
		return authTypesForEvent(this.rules, type, sender, stateKey, content).flatMap(([t, k]) => this.state.get(stateKeyString(t, k)) ?? []);
	}

	/** A draft after the last event, citing the auth events the rules name (what make_* and our own sends build). */
	draft(type: string, sender: string, content: JsonObject, stateKey?: string): PduDraft {
		return draftEvent(this.room_id, sender, type, content, this.last ? [this.last] : [], this.authFor(type, sender, stateKey, content), this.depth + 1, stateKey);
	}

	/** The ID of an event in this room's version. */
	async eventId(pdu: Pdu): Promise<string> {
		return (await toRoomEvent(pdu, this.rules)).event_id;
	}

	/** Signs a draft as the resident (adding to any signatures it has, as a countersignature). */
	sign(draft: PduDraft): Promise<Pdu> {
		return signEvent(draft, this.server.name, this.server.key, this.rules);
	}

	/** An event by the resident (the creator unless `sender` says otherwise), taken into the room. */
	async send(type: string, content: JsonObject, stateKey?: string, sender = this.creator): Promise<{ pdu: Pdu; event_id: string }> {
		const pdu = await this.sign(this.draft(type, sender, content, stateKey));
		return { pdu, event_id: await this.take(pdu) };
	}

	/**
	 * Checks an event (ours, or the resident's own) and takes it. Throws with the reason when the ID is not
	 * `expectedId`, a signature or the content hash fails, or the auth rules refuse it.
	 */
	async take(pdu: Pdu, expectedId?: string, extraSigners: readonly string[] = []): Promise<string> {
		const event = await toRoomEvent(pdu, this.rules);
		if (expectedId !== undefined && event.event_id !== expectedId) throw new Error(`event ID ${expectedId} is not the room version's ${event.event_id}`);
		const ours = await getServerKeys(env.DB, getConfig(env));
		const keys: Record<string, string> = { [this.server.name]: this.server.key.publicKeyBase64, [ME]: ours.current.publicKeyBase64 };
		const verdict = await verifyEvent(pdu, this.rules, (server) => (keys[server] === undefined ? undefined : { key: keys[server]!, valid_until_ts: Number.MAX_SAFE_INTEGER }), extraSigners);
		if (verdict.verdict !== "ok") throw new Error(`${event.type} fails verification: ${JSON.stringify(verdict)}`);
		if (event.type !== "m.room.create") {
			const missing = event.auth_events.filter((id) => !this.events.has(id));
			if (missing.length > 0) throw new Error(`${event.type} cites unknown auth events ${missing.join(", ")}`);
			const auth = await checkAuthAgainstAuthEvents(this.rules, event, (id) => {
				const held = this.events.get(id);
				return held === undefined ? undefined : { event: held.event, rejected: false };
			});
			if (!auth.ok) throw new Error(`${event.type} fails auth rule ${auth.rule}: ${auth.reason}`);
		}
		this.events.set(event.event_id, { pdu, event });
		if (event.state_key !== undefined) this.state.set(stateKeyString(event.type, event.state_key), event.event_id);
		this.last = event.event_id;
		this.depth = Math.max(this.depth, event.depth);
		return event.event_id;
	}

	statePdus(): Pdu[] {
		return [...this.state.values()].map((id) => this.events.get(id)!.pdu);
	}

	/** Every event the current state's auth events reach, transitively (send_join's `auth_chain`). */
	authChain(): Pdu[] {
		const seen = new Set<string>();
		const queue = [...this.state.values()].flatMap((id) => this.events.get(id)!.event.auth_events);
		while (queue.length > 0) {
			const id = queue.pop()!;
			if (seen.has(id)) continue;
			seen.add(id);
			queue.push(...this.events.get(id)!.event.auth_events);
		}
		return [...seen].map((id) => this.events.get(id)!.pdu);
	}
}
