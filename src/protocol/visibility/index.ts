// History visibility: which events a user may read. Spec: https://spec.matrix.org/latest/client-server-api/#history-visibility
export {
	type EventVisibilityContext,
	type HistoryVisibility,
	historyVisibilityOf,
	isEventVisible,
	type MembershipValue,
	mayReadRoom,
	membershipOf,
} from "./history-visibility";
export { joinedAfter, type MembershipChange } from "./membership-history";
