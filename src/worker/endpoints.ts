// The endpoint table: every route the worker serves, one array per spec area. To add an area,
// import its array and spread it here (one line each); app.ts mounts the whole list.

import { version } from "../../package.json";
import { keyQueryEndpoints } from "../bridge/routes/key-query";
import { keyServerEndpoints } from "../bridge/routes/key-server";
import { federationVersionEndpoints } from "../bridge/routes/version";
import { inboundFederationEndpoints } from "../bridge/routes/inbound";
import { localFederationEndpoints } from "./federation/endpoints";
import { capabilitiesEndpoints } from "./client/capabilities";
import { createRoomEndpoints } from "./client/create-room";
import { joinedRoomsEndpoints } from "./client/joined-rooms";
import { notificationsEndpoints } from "./client/notifications";
import { keysEndpoints } from "./client/keys";
import { toDeviceEndpoints } from "./client/to-device";
import { crossSigningEndpoints } from "./client/cross-signing";
import { roomKeysEndpoints } from "./client/room-keys";
import { membershipEndpoints } from "./client/membership";
import { directoryEndpoints } from "./client/directory";
import { mediaEndpoints } from "./client/media";
import { profileEndpoints } from "./client/profile";
import { publicRoomsEndpoints } from "./client/public-rooms";
import { userDirectoryEndpoints } from "./client/user-directory";
import { pushersEndpoints } from "./client/pushers";
import { pushRulesEndpoints } from "./client/push-rules";
import { roomReadEndpoints } from "./client/room-reads";
import { roomPeekEndpoints } from "./client/room-peek";
import { roomRelationsEndpoints } from "./client/room-relations";
import { roomReportEndpoints } from "./client/room-reports";
import { sendEndpoints } from "./client/send";
import { upgradeEndpoints } from "./client/upgrade";
import { versionsEndpoints } from "./client/versions";
import { wellKnownEndpoints } from "./client/well-known";
import { whoamiEndpoints } from "./client/whoami";
import { loginEndpoints } from "./client/login";
import { logoutEndpoints } from "./client/logout";
import { registerEndpoints } from "./client/register";
import { accountEndpoints } from "./client/account";
import { devicesEndpoints } from "./client/devices";
import { accountDataEndpoints } from "./client/account-data";
import { filterEndpoints } from "./client/filter";
import { presenceEndpoints } from "./client/presence";
import { receiptEndpoints } from "./client/receipts";
import { syncEndpoints } from "./client/sync";
import { typingEndpoints } from "./client/typing";
import { lawfulEndpoints } from "../export/routes";
import { voipEndpoints } from "./client/voip";
import { thirdPartyEndpoints } from "./client/third-party";
import { supportEndpoints } from "./client/support";
import { openIdEndpoints } from "./client/openid";
import { userReportEndpoints } from "./client/user-reports";
import { mutualRoomsEndpoints } from "./client/mutual-rooms";
import { adminEndpoints } from "./client/admin";
import { spaceHierarchyEndpoints } from "./client/space-hierarchy";
import { roomSummaryEndpoints } from "./client/room-summary";
import { searchEndpoints } from "./client/search";
import type { Endpoint } from "./http/endpoint";
import { withR0Aliases } from "./http/r0-aliases";

export const endpoints: readonly Endpoint[] = withR0Aliases([
	...versionsEndpoints,
	...wellKnownEndpoints,
	...whoamiEndpoints,
	...registerEndpoints,
	...loginEndpoints,
	...logoutEndpoints,
	...accountEndpoints,
	...devicesEndpoints,
	...keyServerEndpoints,
	...keyQueryEndpoints,
	...federationVersionEndpoints(version),
	...inboundFederationEndpoints,
	...localFederationEndpoints,
	...pushRulesEndpoints,
	...mediaEndpoints,
	...directoryEndpoints,
	...publicRoomsEndpoints,
	...profileEndpoints,
	...userDirectoryEndpoints,
	...pushersEndpoints,
	...createRoomEndpoints,
	...membershipEndpoints,
	...sendEndpoints,
	...capabilitiesEndpoints,
	...joinedRoomsEndpoints,
	...notificationsEndpoints,
	...upgradeEndpoints,
	...roomReadEndpoints,
	...roomPeekEndpoints,
	...roomRelationsEndpoints,
	...roomReportEndpoints,
	...keysEndpoints,
	...toDeviceEndpoints,
	...crossSigningEndpoints,
	...roomKeysEndpoints,
	...syncEndpoints,
	...filterEndpoints,
	...accountDataEndpoints,
	...typingEndpoints,
	...receiptEndpoints,
	...presenceEndpoints,
	...lawfulEndpoints,
	...searchEndpoints,
	...spaceHierarchyEndpoints,
	...roomSummaryEndpoints,
	...adminEndpoints,
	...voipEndpoints,
	...thirdPartyEndpoints,
	...supportEndpoints,
	...openIdEndpoints,
	...userReportEndpoints,
	...mutualRoomsEndpoints,
]);
