// Kahn's algorithm choosing the smallest candidate at each step: the lexicographically smallest
// topological ordering, earliest first.
// Spec: https://spec.matrix.org/latest/rooms/v2/#definitions ("Reverse topological power ordering")

import { StateResError } from "./errors";

/**
 * Sorts `graph` (each event → the events it cites in `auth_events` within the graph) so that every
 * event comes after the events it cites, taking at each step the smallest ready event by `compare`.
 * "The reverse topological power ordering can be found by sorting the events using Kahn's algorithm
 * for topological sorting, and at each step selecting, among all the candidate vertices, the smallest
 * vertex using the above comparison relation." Throws `cycle` if the graph has one.
 */
export function lexicographicalTopologicalSort(
	graph: ReadonlyMap<string, ReadonlySet<string>>,
	compare: (a: string, b: string) => number,
): string[] {
	const pending = new Map<string, number>();
	const citedBy = new Map<string, string[]>();
	const ready = new MinHeap(compare);
	for (const [id, cites] of graph) {
		let count = 0;
		for (const auth of cites) {
			if (auth === id) throw new StateResError("cycle", `event ${id} cites itself in auth_events`, [id]);
			// Edges to events outside the graph do not constrain the order.
			if (!graph.has(auth)) continue;
			count++;
			const list = citedBy.get(auth);
			if (list) list.push(id);
			else citedBy.set(auth, [id]);
		}
		pending.set(id, count);
		if (count === 0) ready.push(id);
	}
	const sorted: string[] = [];
	for (let id = ready.pop(); id !== undefined; id = ready.pop()) {
		sorted.push(id);
		for (const citer of citedBy.get(id) ?? []) {
			const left = (pending.get(citer) ?? 0) - 1;
			pending.set(citer, left);
			if (left === 0) ready.push(citer);
		}
	}
	if (sorted.length !== graph.size) {
		const stuck = [...pending].filter(([, n]) => n > 0).map(([id]) => id);
		throw new StateResError("cycle", `auth_events form a cycle through ${stuck.length} events`, stuck);
	}
	return sorted;
}

/** A binary min-heap: each Kahn step takes the smallest candidate in O(log n). */
class MinHeap {
	private readonly items: string[] = [];
	constructor(private readonly compare: (a: string, b: string) => number) {}

	push(item: string): void {
		const a = this.items;
		a.push(item);
		let i = a.length - 1;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (this.less(i, parent)) {
				this.swap(i, parent);
				i = parent;
			} else break;
		}
	}

	pop(): string | undefined {
		const a = this.items;
		const top = a[0];
		const last = a.pop();
		if (a.length === 0 || last === undefined) return top;
		a[0] = last;
		let i = 0;
		for (;;) {
			const l = 2 * i + 1;
			const r = l + 1;
			let m = i;
			if (l < a.length && this.less(l, m)) m = l;
			if (r < a.length && this.less(r, m)) m = r;
			if (m === i) return top;
			this.swap(i, m);
			i = m;
		}
	}

	private less(i: number, j: number): boolean {
		return this.compare(this.items[i] ?? "", this.items[j] ?? "") < 0;
	}

	private swap(i: number, j: number): void {
		const a = this.items;
		const t = a[i] ?? "";
		a[i] = a[j] ?? "";
		a[j] = t;
	}
}
