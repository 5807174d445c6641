// The order's JSON schema (valibot): the shape LAWFUL_ACCESS.md "Order format" gives, with ETSI TS 103 120
// field names. Strict objects: an unknown member is an error, so nothing an authority adds is silently ignored.
// Semantics (who may ask what, windows, targets) are the numbered steps' business, not the schema's.

import * as v from "valibot";
import { recipientKeyProblem } from "./recipient-key";
import { REQUEST_TYPES } from "./types";

const nonEmpty = v.pipe(v.string(), v.check((s) => s.trim() !== "", "must not be empty"));
const time = v.pipe(v.string(), v.isoTimestamp("must be an RFC 3339 time with offset, e.g. 2026-01-01T00:00:00Z"));
const party = v.strictObject({ countryCode: v.pipe(v.string(), v.regex(/^[A-Z]{2}$/, "ISO 3166-1 alpha-2")), uniqueIdentifier: nonEmpty });

const ApprovalSchema = v.strictObject({
	approverName: nonEmpty,
	approverRole: nonEmpty,
	approvalTimestamp: time,
	approvalReference: v.optional(nonEmpty),
});

const TaskSchema = v.strictObject({
	kind: v.picklist(["LD", "LP"]),
	reference: v.pipe(v.string(), v.regex(/^[A-Za-z0-9._:-]{1,128}$/, "an LDID of 1-128 characters [A-Za-z0-9._:-]")),
	requestDetails: v.strictObject({
		type: v.picklist(REQUEST_TYPES),
		subtypes: v.optional(v.array(v.string())),
		startTime: v.optional(time),
		endTime: v.optional(time),
		observedTime: v.optional(time),
		// Not min 1 here: "exactly one target" is step 9's LA_TARGET_NOT_SPECIFIC, the sharper code.
		requestValues: v.array(v.strictObject({ formatType: v.string(), value: v.string() })),
	}),
	desiredPreservationExpiration: v.optional(time),
});

export const OrderSchema = v.strictObject({
	header: v.strictObject({
		senderIdentifier: party,
		receiverIdentifier: party,
		transactionIdentifier: v.pipe(v.string(), v.uuid("must be a UUID")),
		timestamp: time,
	}),
	authorisation: v.strictObject({
		authorisationReference: nonEmpty,
		legalBasis: nonEmpty,
		jurisdiction: nonEmpty,
		timespan: v.strictObject({ startTime: time, endTime: time }),
		approvalDetails: v.array(ApprovalSchema),
		flags: v.optional(v.array(v.picklist(["IsEmergency"]))),
		nonDisclosure: v.optional(v.strictObject({ until: time, legalProvision: v.string() })),
	}),
	tasks: v.pipe(
		v.array(TaskSchema),
		v.minLength(1, "an order has at least one task"),
		v.check((tasks) => new Set(tasks.map((t) => t.reference)).size === tasks.length, "task references (LDIDs) must be unique"),
	),
	delivery: v.optional(
		v.strictObject({
			recipientKey: v.optional(
				v.pipe(
					v.looseObject({ kty: v.picklist(["OKP", "EC", "RSA"]) }),
					v.rawCheck(({ dataset, addIssue }) => {
						const problem = dataset.typed ? recipientKeyProblem(dataset.value) : null;
						if (problem !== null) addIssue({ message: problem });
					}),
				),
			),
		}),
	),
});
