// Step 11: "Window required for `TrafficData`, start < end, no longer than the maximum: LA_WINDOW_REQUIRED,
// LA_WINDOW_INVALID, LA_WINDOW_TOO_LARGE 400" (LAWFUL_ACCESS.md "Validation"). Where the design is silent:
// - a window may not reach past the order's timestamp: this is disclosure of stored data, not interception;
// - the order's own validity may not exceed the issuer's `maxOrderLifetimeDays`;
// - emergency orders cover the last 72 hours ("Lifecycle", Emergency); without a window they get exactly that;
// - preservation lasts at most 90 days ("Preservation (LP)"), 90 by default.

import type { Authority } from "../../trust/schema";
import { LaError } from "../la-errors";
import type { TimeWindow } from "../types";
import type { CheckedOrder } from "./context";
import { ms } from "./context";
import { isEmergency } from "./08-category";
import { MAX_CLOCK_SKEW_MS } from "./05-freshness";

const DAY_MS = 24 * 60 * 60 * 1000;
export const EMERGENCY_WINDOW_MS = 72 * 60 * 60 * 1000;
export const PRESERVATION_MS = 90 * DAY_MS;

export interface TaskTimes {
	window: TimeWindow | null;
	preservationExpiresAt: number | null;
}

export function checkWindows(checked: CheckedOrder, issuer: Authority): TaskTimes[] {
	const { order, timestamp } = checked;
	const { timespan } = order.authorisation;
	if (ms(timespan.endTime) - ms(timespan.startTime) > issuer.maxOrderLifetimeDays * DAY_MS) {
		throw new LaError("LA_WINDOW_TOO_LARGE", `the order may be valid for at most ${issuer.maxOrderLifetimeDays} days`, "/authorisation/timespan/endTime");
	}
	const emergency = isEmergency(checked);
	return order.tasks.map((task, i): TaskTimes => {
		const { type, startTime, endTime } = task.requestDetails;
		const at = `/tasks/${i}/requestDetails`;
		let window: TimeWindow | null = null;
		if (startTime === undefined || endTime === undefined) {
			if (type === "TrafficData") throw new LaError("LA_WINDOW_REQUIRED", "TrafficData needs startTime and endTime", startTime === undefined ? `${at}/startTime` : `${at}/endTime`);
			if (startTime !== undefined || endTime !== undefined) throw new LaError("LA_WINDOW_INVALID", "give both startTime and endTime, or neither", at);
			if (emergency) window = { start: timestamp - EMERGENCY_WINDOW_MS, end: timestamp };
		} else {
			window = { start: ms(startTime), end: ms(endTime) };
			if (window.start >= window.end) throw new LaError("LA_WINDOW_INVALID", "startTime must be before endTime", `${at}/startTime`);
			if (window.end > timestamp + MAX_CLOCK_SKEW_MS) throw new LaError("LA_WINDOW_INVALID", "the window may not extend past the order's timestamp: only stored records are disclosed", `${at}/endTime`);
			if (window.end - window.start > issuer.maxWindowDays * DAY_MS) throw new LaError("LA_WINDOW_TOO_LARGE", `the window may span at most ${issuer.maxWindowDays} days`, at);
			if (emergency && window.start < timestamp - EMERGENCY_WINDOW_MS) throw new LaError("LA_WINDOW_TOO_LARGE", "an emergency order covers at most the last 72 hours", `${at}/startTime`);
		}
		let preservationExpiresAt: number | null = null;
		if (task.kind === "LP") {
			const desired = task.desiredPreservationExpiration;
			preservationExpiresAt = desired === undefined ? timestamp + PRESERVATION_MS : ms(desired);
			if (preservationExpiresAt <= timestamp) throw new LaError("LA_WINDOW_INVALID", "the preservation must expire after the order's timestamp", `/tasks/${i}/desiredPreservationExpiration`);
			if (preservationExpiresAt > timestamp + PRESERVATION_MS) throw new LaError("LA_WINDOW_TOO_LARGE", "a preservation lasts at most 90 days (renew it with a signed update)", `/tasks/${i}/desiredPreservationExpiration`);
		} else if (task.desiredPreservationExpiration !== undefined) {
			throw new LaError("LA_WINDOW_INVALID", "desiredPreservationExpiration applies to LP tasks only", `/tasks/${i}/desiredPreservationExpiration`);
		}
		return { window, preservationExpiresAt };
	});
}
