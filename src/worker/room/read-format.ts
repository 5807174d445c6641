// Stored events → ClientEvents for one reader: finds the redaction, the replaced state and the sender's
// txn ID that `unsigned` needs, then lets protocol/events/client-event build the event.
// Spec: https://spec.matrix.org/latest/client-server-api/#room-event-format

import { type ClientEventJson, toClientEvent } from "../../protocol/events/client-event";
import type { EventJson, JsonObject } from "../../protocol/events/pdu";
import { redactEvent } from "../../protocol/events/redaction";
import type { RoomVersionRules } from "../../protocol/room-versions/rules";
import type { Reader } from "./read-api";
import type { EventRow, ReadStore } from "./read-store";


function parse(pdu: string): EventJson {
	return JSON.parse(pdu) as EventJson;
}

/** A JSON object's text parsed, or null for anything else (a non-object content goes the long way). */
function objectText(text: string | null): JsonObject | null {
	if (text === null || !text.startsWith("{")) return null;
	try {
		const value = JSON.parse(text) as unknown;
		return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
	} catch {
		return null;
	}
}

function contentOf(json: EventJson): JsonObject {
	const c = json.content;
	return typeof c === "object" && c !== null && !Array.isArray(c) ? c : {};
}

export class EventFormatter {
	constructor(
		private readonly read: ReadStore,
		private readonly rules: RoomVersionRules,
		private readonly reader: Reader,
		private readonly now: number,
	) {}

	format(row: EventRow, includeRoomId: boolean, extraUnsigned?: JsonObject): ClientEventJson {
		const pdu = parse(row.pdu);
		const redaction = this.read.redactionOf(row.event_id);
		const redactedBecause = redaction === null ? undefined : this.formatPlain(redaction, includeRoomId);
		let replaces: { event_id: string; content: JsonObject } | undefined;
		if (row.state_key !== null) {
			const state = this.read.eventState(row.event_id);
			const prev = state === null ? null : this.read.stateAt(state.state_before, row.type, row.state_key);
			// stateAt brings the content along (json_extract of `$.content`): unless it was redacted, no second read.
			const content = prev === null || this.read.redactionOf(prev.event_id) !== null ? null : objectText(prev.value);
			if (prev !== null && content !== null) {
				replaces = { event_id: prev.event_id, content };
			} else {
				const prevEvent = prev === null ? null : this.read.anyEvent(prev.event_id);
				if (prevEvent !== null) replaces = { event_id: prevEvent.event_id, content: this.servedContent(prevEvent.event_id, prevEvent.pdu) };
			}
		}
		const txnId = this.reader.device_id !== undefined && row.sender === this.reader.user_id ? this.read.txnOf(row.event_id, this.reader.user_id, this.reader.device_id) : null;
		return toClientEvent({
			pdu,
			event_id: row.event_id,
			rules: this.rules,
			now: this.now,
			include_room_id: includeRoomId,
			...(extraUnsigned === undefined ? {} : { extra_unsigned: extraUnsigned }),
			...(redactedBecause === undefined ? {} : { redacted_because: redactedBecause }),
			...(replaces === undefined ? {} : { replaces }),
			...(txnId === null || this.reader.device_id === undefined
				? {}
				: { txn: { user_id: this.reader.user_id, device_id: this.reader.device_id, txn_id: txnId }, requester: this.reader }),
		});
	}

	/** The content of an event as clients are shown it: redacted if a redaction applies. */
	servedContent(eventId: string, pduText: string): JsonObject {
		const pdu = parse(pduText);
		return contentOf(this.read.redactionOf(eventId) === null ? pdu : redactEvent(pdu, this.rules));
	}

	/** A redaction event itself, without looking for what redacts or replaced it. */
	private formatPlain(row: EventRow, includeRoomId: boolean): ClientEventJson {
		return toClientEvent({ pdu: parse(row.pdu), event_id: row.event_id, rules: this.rules, now: this.now, include_room_id: includeRoomId });
	}
}
