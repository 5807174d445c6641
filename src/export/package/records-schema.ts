// The evidence record types: one strict (additionalProperties: false) schema per record set, each named by a
// URN, and the only shapes a collector may emit. A field not listed here cannot reach a package.
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported (category table), "Package" (TS 103 705-style sets).
// Times are RFC 3339 UTC strings, as TS 103 705 record sets write them.

import * as v from "valibot";

const time = v.pipe(v.string(), v.isoTimestamp());
const ldid = v.pipe(v.string(), v.minLength(1));
const userId = v.pipe(v.string(), v.regex(/^@[^:]+:.+$/));
const roomId = v.pipe(v.string(), v.startsWith("!"));
const eventId = v.pipe(v.string(), v.startsWith("$"));
const hex64 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
/** Unpadded base64 of a 32-byte Ed25519 public key, as Matrix publishes it. */
const ed25519Key = v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]{43}$/));

function record<U extends string, E extends v.ObjectEntries>(urn: U, entries: E) {
	return v.strictObject({ record_type: v.literal(urn), ldid, ...entries });
}

/** An e-mail address or phone number (msisdn: E.164 digits without "+") an operator attached to the account. */
const Threepid = v.strictObject({ medium: v.picklist(["email", "msisdn"]), address: v.string(), added: time, validated: time });

/** SubscriberData: the account and its 3PIDs with their added/validated times (design rows 1 and 2). */
export const SubscriberRecord = record("urn:sealbridge:lawful:record:subscriber:1", {
	user_id: userId,
	created: time,
	deactivated: v.boolean(),
	admin: v.boolean(),
	guest: v.boolean(),
	threepids: v.array(Threepid),
});

/** SubscriberData / UserIdentifyingData: one (device, IP, user agent) with first and last use in the window. */
export const SessionRecord = record("urn:sealbridge:lawful:record:session:1", {
	user_id: userId,
	device_id: v.string(),
	ip: v.string(),
	user_agent: v.string(),
	first_seen: time,
	last_seen: time,
});

/**
 * TrafficData DeviceKeys: a device and its Ed25519 fingerprint key. The Curve25519 identity key is withheld:
 * it is the `sender_key` of encrypted events, which the design lists as never disclosed.
 */
export const DeviceRecord = record("urn:sealbridge:lawful:record:device:1", {
	user_id: userId,
	device_id: v.string(),
	created: time,
	last_seen: v.nullable(time),
	ed25519_key: v.nullable(ed25519Key),
	algorithms: v.array(v.string()),
});

/** TrafficData DeviceKeys: a cross-signing public key. */
export const CrossSigningKeyRecord = record("urn:sealbridge:lawful:record:cross-signing-key:1", {
	user_id: userId,
	usage: v.picklist(["master", "self_signing", "user_signing"]),
	ed25519_key: ed25519Key,
});

/** TrafficData PushTargets. */
export const PusherRecord = record("urn:sealbridge:lawful:record:pusher:1", {
	user_id: userId,
	kind: v.string(),
	app_id: v.string(),
	push_key: v.string(),
	gateway_url: v.nullable(v.string()),
	created: time,
});

/** TrafficData Memberships: one m.room.member event about the target. */
export const MembershipRecord = record("urn:sealbridge:lawful:record:membership:1", {
	user_id: userId,
	room_id: roomId,
	event_id: eventId,
	membership: v.picklist(["invite", "join", "knock", "leave", "ban"]),
	time,
});

/** TrafficData EventEnvelopes: an event the target sent, without its content. */
export const EventEnvelopeRecord = record("urn:sealbridge:lawful:record:event-envelope:1", {
	sender: userId,
	room_id: roomId,
	event_id: eventId,
	type: v.string(),
	time,
	byte_length: count,
});

/** TrafficData Counterparties (only when that subtype is authorised): a co-member of a room of the target. */
export const CounterpartyRecord = record("urn:sealbridge:lawful:record:counterparty:1", {
	room_id: roomId,
	user_id: userId,
	membership: v.picklist(["invite", "join", "knock", "leave", "ban"]),
});

/** TrafficData MediaMetadata: media the target uploaded; never its bytes. */
export const MediaRecord = record("urn:sealbridge:lawful:record:media:1", {
	uploader: userId,
	media_id: v.string(),
	uploaded: time,
	byte_length: count,
	content_type: v.nullable(v.string()),
	sha256: hex64,
});

/**
 * How a task whose target is not an account (an IP address with its observedTime, an e-mail address or a phone
 * number) found a local account: one record per matching (account, device). For an IP target, device and the
 * first/last use of the address by that device (from the IP index); for a 3PID target, device and times are null
 * (the 3PID with its added/validated times is in the subscriber record).
 */
export const TargetMatchRecord = record("urn:sealbridge:lawful:record:target-match:1", {
	identifier_format: v.picklist(["IPV4Address", "IPV6Address", "InternationalizedEmailAddress", "InternationalE164"]),
	identifier: v.string(),
	user_id: userId,
	device_id: v.nullable(v.string()),
	first_seen: v.nullable(time),
	last_seen: v.nullable(time),
});

// Grey data (category table: "excluded unless policy allows"): produced only under LAWFUL_GREY_DATA and when the
// order names the subtype (order/types.ts GREY_SUBTYPES).

/** Grey, SubscriberData ProfileDetails: the target's profile display name and avatar (mxc URI), as now. */
export const ProfileRecord = record("urn:sealbridge:lawful:record:profile:1", {
	user_id: userId,
	displayname: v.nullable(v.string()),
	avatar_url: v.nullable(v.string()),
});

/** Grey, SubscriberData ProfileDetails: a device's display name. */
export const DeviceNameRecord = record("urn:sealbridge:lawful:record:device-name:1", {
	user_id: userId,
	device_id: v.string(),
	display_name: v.nullable(v.string()),
});

/** Grey, TrafficData RoomDetails: a room name or topic in force during the window: the one at its start or a change inside it (from the room's state events). */
export const RoomDetailRecord = record("urn:sealbridge:lawful:record:room-detail:1", {
	room_id: roomId,
	event_id: eventId,
	field: v.picklist(["name", "topic"]),
	value: v.string(),
	time,
});

/** Grey, TrafficData DirectMessageMap: one entry of the target's m.direct account data (a DM room with a user). */
export const DirectRoomRecord = record("urn:sealbridge:lawful:record:direct-room:1", {
	user_id: userId,
	counterpart: userId,
	room_id: roomId,
});

/** Every record set: the file it goes to under data/records/ and its schema. */
export const RECORD_SETS = {
	subscriber: SubscriberRecord,
	sessions: SessionRecord,
	devices: DeviceRecord,
	"cross-signing-keys": CrossSigningKeyRecord,
	pushers: PusherRecord,
	memberships: MembershipRecord,
	"event-envelopes": EventEnvelopeRecord,
	counterparties: CounterpartyRecord,
	media: MediaRecord,
	"target-matches": TargetMatchRecord,
	profile: ProfileRecord,
	"device-names": DeviceNameRecord,
	"room-details": RoomDetailRecord,
	"direct-rooms": DirectRoomRecord,
} as const;

export type RecordSetName = keyof typeof RECORD_SETS;
export const RECORD_SET_NAMES = Object.keys(RECORD_SETS) as RecordSetName[];
export type RecordOf<N extends RecordSetName> = v.InferOutput<(typeof RECORD_SETS)[N]>;
export type EvidenceRecord = { [N in RecordSetName]: RecordOf<N> }[RecordSetName];

export function isRecordSetName(name: string): name is RecordSetName {
	return Object.hasOwn(RECORD_SETS, name);
}

/** Throws on a record that does not match its set's schema: a collector bug must stop production, not leak. */
export function checkRecord<N extends RecordSetName>(set: N, value: RecordOf<N>): RecordOf<N> {
	const result = v.safeParse(RECORD_SETS[set], value);
	if (!result.success) {
		const issue = result.issues[0];
		const path = issue?.path?.map((p) => String(p.key)).join("/") ?? "";
		throw new Error(`record for ${set} fails its schema at /${path}: ${issue?.message ?? "invalid"}`);
	}
	return value;
}

/** Milliseconds since the epoch → RFC 3339 UTC. */
export function isoTime(ms: number): string {
	return new Date(ms).toISOString();
}
