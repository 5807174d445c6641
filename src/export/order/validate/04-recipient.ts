// Step 4: "Receiver is us: LA_WRONG_RECIPIENT 403" (LAWFUL_ACCESS.md "Validation"). An order addressed to
// another provider must not be executed here even if it is validly signed: the receiver is our SERVER_NAME.

import { LaError } from "../la-errors";
import type { CheckedOrder } from "./context";

export function checkRecipient(checked: CheckedOrder, serverName: string): void {
	const receiver = checked.order.header.receiverIdentifier.uniqueIdentifier;
	if (receiver !== serverName) {
		throw new LaError("LA_WRONG_RECIPIENT", `the order is addressed to ${JSON.stringify(receiver)}, not to this provider`, "/header/receiverIdentifier/uniqueIdentifier");
	}
}
