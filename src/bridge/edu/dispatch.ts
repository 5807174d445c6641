// The EDUs of one inbound transaction, each to its handler. EDUs carry no per-item result: a malformed
// or unauthorised one is dropped, and one handler's failure neither fails the transaction (its PDU
// results are already decided) nor stops the other EDUs.
// Spec: https://spec.matrix.org/latest/server-server-api/#edus,
// https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv1sendtxnid

import { log } from "../../platform/log";
import { type EduContext, isRecord } from "./context";
import { handleDeviceListUpdate } from "./device-list-update";
import { handleDirectToDevice } from "./direct-to-device";
import { handlePresence } from "./presence";
import { handleReceipt } from "./receipt";
import { handleTyping } from "./typing";

export async function handleEdus(ctx: EduContext, edus: readonly unknown[], ourServer: string): Promise<void> {
	for (const edu of edus) {
		if (!isRecord(edu) || typeof edu.edu_type !== "string") continue;
		try {
			switch (edu.edu_type) {
				case "m.typing":
					await handleTyping(ctx, edu.content);
					break;
				case "m.receipt":
					await handleReceipt(ctx, edu.content);
					break;
				case "m.presence":
					await handlePresence(ctx, edu.content);
					break;
				case "m.direct_to_device":
					await handleDirectToDevice(ctx, edu.content, ourServer);
					break;
				case "m.device_list_update":
				case "m.signing_key_update":
					await handleDeviceListUpdate(ctx, edu.content);
					break;
			}
		} catch (err) {
			log.warn("inbound_edu_failed", { origin: ctx.origin, edu_type: edu.edu_type, error: String(err) });
		}
	}
}
