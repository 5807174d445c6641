// Every inbound federation endpoint of the bridge, for src/worker/endpoints.ts to mount in one line.
// Spec: https://spec.matrix.org/latest/server-server-api/

import type { Endpoint } from "../../worker/http/endpoint";
import { backfillEndpoints } from "./backfill";
import { eventEndpoints } from "./event";
import { eventAuthEndpoints } from "./event-auth";
import { getMissingEventsEndpoints } from "./get-missing-events";
import { inviteEndpoints } from "./invite";
import { joinEndpoints } from "./joins";
import { sendTransactionEndpoints } from "./send";
import { stateEndpoints } from "./state";
import { stateIdsEndpoints } from "./state-ids";
import { timestampToEventEndpoints } from "./timestamp-to-event";
import { queryEndpoints } from "./queries";
import { userKeysEndpoints } from "./user-keys";

export const inboundFederationEndpoints: Endpoint[] = [
	...sendTransactionEndpoints,
	...eventEndpoints,
	...stateEndpoints,
	...stateIdsEndpoints,
	...eventAuthEndpoints,
	...backfillEndpoints,
	...getMissingEventsEndpoints,
	...timestampToEventEndpoints,
	...joinEndpoints,
	...inviteEndpoints,
	...userKeysEndpoints,
	...queryEndpoints,
];
