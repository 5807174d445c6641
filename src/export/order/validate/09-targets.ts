// Step 9: "Specific targets: exactly one concrete identifier per task, no wildcards, at most the maximum number
// of targets, valid format: LA_TARGET_NOT_SPECIFIC, LA_TOO_MANY_TARGETS, LA_TARGET_FORMAT 400"
// (LAWFUL_ACCESS.md "Validation"). An IP address is specific only together with the time it was seen; a
// range (CIDR) is not specific. Parsing does not look anything up: whether an account exists is never asked.

import { parseDeviceId } from "../../../protocol/ids/device-id";
import { parseUserId } from "../../../protocol/ids/user-id";
import type { Authority } from "../../trust/schema";
import { LaError } from "../la-errors";
import type { Target } from "../types";
import type { CheckedOrder } from "./context";
import { ms } from "./context";

const WILDCARD = /[*%?]|\.\.\.|^\s*$/;
const EMAIL = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\.]+$/u;
const E164 = /^\+[1-9][0-9]{6,14}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIpv6(value: string): boolean {
	// The URL parser is the standard's own IPv6 parser: valid iff it accepts "[value]" as a host.
	if (!/^[0-9A-Fa-f:.]+$/.test(value) || !value.includes(":")) return false;
	try {
		return new URL(`http://[${value}]/`).hostname.length > 2;
	} catch {
		return false;
	}
}

function parseTarget(formatType: string, value: string, observedTime: string | undefined): Target | undefined {
	switch (formatType) {
		case "ServiceAccessIdentifier": {
			const userId = parseUserId(value);
			return userId ? { format: formatType, userId } : undefined;
		}
		case "MatrixDeviceId": {
			// `@local:server/DEVICE`: localparts have no ":" and server names no "/", so the split is unambiguous.
			const slash = value.indexOf("/", value.indexOf(":"));
			const userId = slash < 0 ? undefined : parseUserId(value.slice(0, slash));
			const deviceId = slash < 0 ? undefined : parseDeviceId(value.slice(slash + 1));
			return userId && deviceId ? { format: formatType, userId, deviceId } : undefined;
		}
		case "InternationalizedEmailAddress":
			return EMAIL.test(value) ? { format: formatType, address: value } : undefined;
		case "InternationalE164":
			return E164.test(value) ? { format: formatType, msisdn: value } : undefined;
		case "IPV4Address":
			return IPV4.test(value) && observedTime ? { format: formatType, address: value, observedTime: ms(observedTime) } : undefined;
		case "IPV6Address":
			return isIpv6(value) && observedTime ? { format: formatType, address: value.toLowerCase(), observedTime: ms(observedTime) } : undefined;
		default:
			return undefined;
	}
}

/** The parsed target of every task, in task order. */
export function checkTargets(checked: CheckedOrder, issuer: Authority): Target[] {
	const tasks = checked.order.tasks;
	tasks.forEach((task, i) => {
		const values = task.requestDetails.requestValues;
		const pointer = `/tasks/${i}/requestDetails/requestValues`;
		if (values.length !== 1) throw new LaError("LA_TARGET_NOT_SPECIFIC", `a task names exactly one identifier, not ${values.length}`, pointer);
		const [{ formatType, value }] = values as [{ formatType: string; value: string }];
		if (WILDCARD.test(value) || value.includes("/") && formatType.startsWith("IPV")) {
			throw new LaError("LA_TARGET_NOT_SPECIFIC", "wildcards, ranges and empty identifiers are not specific", `${pointer}/0/value`);
		}
		if (formatType.startsWith("IPV") && task.requestDetails.observedTime === undefined) {
			throw new LaError("LA_TARGET_NOT_SPECIFIC", "an IP address identifies someone only with the time it was observed (observedTime)", `/tasks/${i}/requestDetails/observedTime`);
		}
	});
	const distinct = new Set(tasks.map((t) => JSON.stringify(t.requestDetails.requestValues[0])));
	if (distinct.size > issuer.maxTargetsPerOrder) {
		throw new LaError("LA_TOO_MANY_TARGETS", `the order names ${distinct.size} targets; at most ${issuer.maxTargetsPerOrder} are allowed`, "/tasks");
	}
	return tasks.map((task, i) => {
		const [{ formatType, value }] = task.requestDetails.requestValues as [{ formatType: string; value: string }];
		const target = parseTarget(formatType, value, task.requestDetails.observedTime);
		if (!target) throw new LaError("LA_TARGET_FORMAT", `${JSON.stringify(value)} is not a valid ${formatType}`, `/tasks/${i}/requestDetails/requestValues/0`);
		return target;
	});
}
