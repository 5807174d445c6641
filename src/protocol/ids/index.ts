// Matrix identifiers as branded strings, made only by the `parse*`/`require*` functions here.
// Convention: `parseX(s): X | undefined`; `requireX(s)` throws `MatrixError` (M_INVALID_PARAM, or
// M_INVALID_USERNAME when registering). Spec: https://spec.matrix.org/latest/appendices/#identifier-grammar

export { MAX_ID_BYTES, utf8Length } from "./common";
export { type DeviceId, isOpaqueDeviceId, parseDeviceId, requireDeviceId } from "./device-id";
export { type EventId, parseEventId, parseEventIdForVersion, requireEventId } from "./event-id";
export { aliasLocalpartOf, parseRoomAlias, type RoomAlias, requireRoomAlias } from "./room-alias";
export {
	createEventIdOfRoomId,
	parseRoomId,
	parseRoomIdForVersion,
	requireRoomId,
	type RoomId,
	roomIdFromCreateEventId,
} from "./room-id";
export {
	isIpv4Literal,
	isIpv6Literal,
	isRecommendedServerName,
	parseServerName,
	requireServerName,
	type ServerName,
	type ServerNameParts,
	splitServerName,
} from "./server-name";
export { serverNameOf } from "./server-name-of";
export {
	isCompliantUserId,
	isStrictUserId,
	isValidLocalpart,
	localpartOf,
	parseUserId,
	requireNewUserId,
	requireUserId,
	type UserId,
} from "./user-id";
