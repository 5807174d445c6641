// The time window of a collection: half-open [start, end) in epoch ms; a task without a window gets
// [0, production start). Applied inside every collector's query.
// Design: /work/shared/LAWFUL_ACCESS.md#what-may-be-exported ("The time window is applied in the queries").

export interface CollectWindow {
	start: number;
	end: number;
}
