// The shapes of a persistent data unit (PDU) on the wire, for both event formats.
// Spec: https://spec.matrix.org/latest/server-server-api/#pdus and the room-version pages.
// Wire JSON keeps spec field names; PDUs are never re-serialised from columns.

/** Any JSON value, as parsed. Canonical JSON restricts numbers to integers in ±(2^53−1). */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
	[key: string]: JsonValue;
}

/**
 * Any event as JSON, before its shape has been checked: what the redaction and hashing algorithms
 * walk. Every `Pdu` is one.
 */
export interface EventJson {
	[key: string]: JsonValue | undefined;
}

/** `{ "sha256": "<unpadded base64>" }` */
export interface EventHashes {
	sha256: string;
	[alg: string]: string;
}

/** `{ "<server>": { "<key id>": "<unpadded base64 signature>" } }` */
export type Signatures = Record<string, Record<string, string>>;

/** Fields common to every room version's PDU. `content` is opaque JSON to everything but auth and redaction. */
export interface PduBase {
	type: string;
	room_id?: string; // absent only on the v12 create event
	sender: string;
	origin_server_ts: number;
	content: JsonObject;
	state_key?: string;
	depth: number;
	hashes: EventHashes;
	signatures: Signatures;
	unsigned?: JsonObject;
	redacts?: string; // top-level in v1–v10; v11+ carry it in content
	origin?: string; // legacy, kept by redaction in v1–v10
	[key: string]: JsonValue | undefined;
}

/** Event format 1 (room versions 1–2): `event_id` inside, references as `[event_id, hashes]` pairs. */
export interface PduV1 extends PduBase {
	event_id: string;
	prev_events: [string, EventHashes][];
	auth_events: [string, EventHashes][];
}

/** Event format 2 (room versions 3+): the event ID is the reference hash, references are bare IDs. */
export interface PduV3 extends PduBase {
	prev_events: string[];
	auth_events: string[];
}

export type Pdu = PduV1 | PduV3;

/** `P` with `hashes` and `signatures` optional (the mapped type keeps P's other keys and index signature). */
type WithoutProof<P> = { [K in keyof P as K extends "hashes" | "signatures" ? never : K]: P[K] } & {
	hashes?: Record<string, string>;
	signatures?: Signatures;
};

/** A PDU as built before `signEvent` adds its content hash and signature (it keeps any already there). */
export type PduDraft = WithoutProof<PduV1> | WithoutProof<PduV3>;

/** A PDU with its event ID known (computed for v3+, read for v1/v2): what auth and state res work on. */
export interface RoomEvent {
	event_id: string;
	room_id: string;
	type: string;
	state_key?: string;
	sender: string;
	origin_server_ts: number;
	content: JsonObject;
	depth: number;
	/** Referenced event IDs, whatever the event format. */
	prev_events: string[];
	auth_events: string[];
	redacts?: string;
	/** The exact PDU as signed or received. */
	pdu: Pdu;
}
