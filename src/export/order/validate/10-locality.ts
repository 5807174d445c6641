// Step 10: "Target is local: LA_TARGET_NOT_LOCAL 403" (LAWFUL_ACCESS.md "Validation"), and the rule below it:
// "The response for an unknown local target must be identical to the response for a known one. Validation
// is no oracle for whether an account exists." So locality is decided by the server name alone; no account
// is looked up here. E-mail, phone and IP targets are searched in our own records, so they are local by nature.

import { serverNameOf } from "../../../protocol/ids/server-name-of";
import { LaError } from "../la-errors";
import type { Target } from "../types";

export function checkLocality(targets: readonly Target[], serverName: string): void {
	targets.forEach((target, i) => {
		if (target.format !== "ServiceAccessIdentifier" && target.format !== "MatrixDeviceId") return;
		if (serverNameOf(target.userId) !== serverName) {
			throw new LaError("LA_TARGET_NOT_LOCAL", `the account belongs to another server; this provider holds records only for ${serverName}`, `/tasks/${i}/requestDetails/requestValues/0/value`);
		}
	});
}
