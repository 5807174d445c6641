// The lawful-access order as the authority writes it (ETSI TS 103 120 field names), and the validated scope
// that lifecycle, collectors and the package consume. Design: LAWFUL_ACCESS.md "Order format".
// Wire shapes (`Order*`) are what the JWS payload holds; `ValidatedOrder`/`ScopeTask` are what validation
// returns: times as epoch milliseconds, targets parsed, windows resolved. Other parts import only these.

/** ETSI TS 103 120 request types. `StoredContentData` is always refused (LA_CONTENT_NOT_PROVIDED). */
export type RequestType = "SubscriberData" | "UserIdentifyingData" | "TrafficData" | "StoredContentData";
export const REQUEST_TYPES: readonly RequestType[] = ["SubscriberData", "UserIdentifyingData", "TrafficData", "StoredContentData"];

/** TrafficData subtypes from the design's category table. Without subtypes a TrafficData task gets the defaults. */
export type TrafficSubtype = "DeviceKeys" | "PushTargets" | "Memberships" | "EventEnvelopes" | "Counterparties" | "MediaMetadata";
export const TRAFFIC_SUBTYPES: readonly TrafficSubtype[] = ["DeviceKeys", "PushTargets", "Memberships", "EventEnvelopes", "Counterparties", "MediaMetadata"];
/** `Counterparties` (co-members) is produced only when named explicitly; the others are the default set. */
export const DEFAULT_TRAFFIC_SUBTYPES: readonly TrafficSubtype[] = ["DeviceKeys", "PushTargets", "Memberships", "EventEnvelopes", "MediaMetadata"];

/**
 * Grey-data subtypes (LAWFUL_ACCESS.md category table: "room names, topics, profile display name and avatar, DM
 * map, device display names | grey | excluded unless policy allows"). An order may name them; they are produced
 * only when the provider's policy allows (config LAWFUL_GREY_DATA), else the package says they were withheld.
 * SubscriberData `ProfileDetails`: display name, avatar and device display names. TrafficData `RoomDetails`:
 * names and topics of the target's rooms; `DirectMessageMap`: the target's DM map (m.direct). Never defaults.
 */
export const GREY_SUBTYPES: Readonly<Record<"SubscriberData" | "TrafficData", readonly string[]>> = {
	SubscriberData: ["ProfileDetails"],
	TrafficData: ["RoomDetails", "DirectMessageMap"],
};

/** Identifier formats (TS 103 120 `formatType`), plus `MatrixDeviceId` written as `@local:server/DEVICEID`. */
export type IdentifierFormat =
	| "ServiceAccessIdentifier"
	| "InternationalizedEmailAddress"
	| "InternationalE164"
	| "IPV4Address"
	| "IPV6Address"
	| "MatrixDeviceId";
export const IDENTIFIER_FORMATS: readonly IdentifierFormat[] = [
	"ServiceAccessIdentifier",
	"InternationalizedEmailAddress",
	"InternationalE164",
	"IPV4Address",
	"IPV6Address",
	"MatrixDeviceId",
];

export type TaskKind = "LD" | "LP";

/** Order lifecycle statuses (docs/lawful-access.md "Statuses"); only lifecycle/state-machine.ts changes them. */
export type OrderStatus =
	| "Received"
	| "AwaitingApproval"
	| "Approved"
	| "Producing"
	| "AwaitingDisclosure"
	| "Disclosed"
	| "Closed"
	| "Rejected"
	| "Cancelled"
	| "Expired";

// ---- The wire order (JWS payload). Times are RFC 3339 strings with an offset, as TS 103 120 QualifiedDateTime.

export interface OrderParty {
	countryCode: string;
	uniqueIdentifier: string;
}

export interface OrderHeader {
	senderIdentifier: OrderParty;
	/** `uniqueIdentifier` is our SERVER_NAME. */
	receiverIdentifier: OrderParty;
	/** A UUID, single use per authority. */
	transactionIdentifier: string;
	timestamp: string;
}

export interface ApprovalDetail {
	approverName: string;
	approverRole: string;
	approvalTimestamp: string;
	approvalReference?: string;
}

export interface NonDisclosure {
	until: string;
	legalProvision: string;
}

export interface Authorisation {
	authorisationReference: string;
	legalBasis: string;
	jurisdiction: string;
	/** The order's validity. */
	timespan: { startTime: string; endTime: string };
	approvalDetails: ApprovalDetail[];
	flags?: "IsEmergency"[];
	nonDisclosure?: NonDisclosure;
}

export interface RequestValue {
	/** One of IDENTIFIER_FORMATS; kept a string on the wire so an unknown format is step 9's LA_TARGET_FORMAT. */
	formatType: string;
	value: string;
}

export interface RequestDetails {
	type: RequestType;
	subtypes?: string[];
	startTime?: string;
	endTime?: string;
	/** Required for IP targets: when the address was seen. */
	observedTime?: string;
	requestValues: RequestValue[];
}

export interface OrderTask {
	kind: TaskKind;
	/** The LDID (task reference); unique within the order. */
	reference: string;
	requestDetails: RequestDetails;
	/** LP only; default 90 days after the order's timestamp. */
	desiredPreservationExpiration?: string;
}

/** A public JWK the package may be encrypted to (JWE). */
export interface RecipientKey {
	kty: string;
	[member: string]: unknown;
}

export interface Order {
	header: OrderHeader;
	authorisation: Authorisation;
	tasks: OrderTask[];
	delivery?: { recipientKey?: RecipientKey };
}

// ---- The validated scope (what step 13 stores and the other parts consume). Times are epoch ms.

/** One concrete target. Account targets are resolved to a local MXID by the server name only (existence oracle rule). */
export type Target =
	| { format: "ServiceAccessIdentifier"; userId: string }
	| { format: "MatrixDeviceId"; userId: string; deviceId: string }
	| { format: "InternationalizedEmailAddress"; address: string }
	| { format: "InternationalE164"; msisdn: string }
	| { format: "IPV4Address" | "IPV6Address"; address: string; observedTime: number };

export interface TimeWindow {
	start: number;
	end: number;
}

export interface ScopeTask {
	ldid: string;
	kind: TaskKind;
	requestType: Exclude<RequestType, "StoredContentData">;
	/** TrafficData: the subtypes to produce (defaults filled in); SubscriberData: grey subtypes asked for, if any; else []. */
	subtypes: string[];
	target: Target;
	/** The records' time window; null = the account's whole history (not allowed for TrafficData). */
	window: TimeWindow | null;
	/** LP: when the hold is released. */
	preservationExpiresAt: number | null;
}

export interface ValidatedOrder {
	/** The issuing authority's trust-store id. */
	issuer: string;
	/** Trust-store ids of validating authorities whose signatures verified. */
	validators: string[];
	/** The kids that signed, issuer first. */
	kids: string[];
	transactionId: string;
	authorisationReference: string;
	legalBasis: string;
	jurisdiction: string;
	timestamp: number;
	validFrom: number;
	validUntil: number;
	emergency: boolean;
	nonDisclosure: { until: number; legalProvision: string } | null;
	tasks: ScopeTask[];
	recipientKey: RecipientKey | null;
}

/** Step 13's answer (202). */
export interface OrderAccepted {
	orderId: string;
	status: OrderStatus;
	ldids: string[];
}
