// A bounded in-memory map for answers a Durable Object keeps between requests: at most so many entries
// and so much weight (the caller's measure, e.g. the length of the JSON text an answer came as); the least
// recently used go first. Many Durable Objects share one isolate's memory, so every such memory is bounded.

export class MemoryLru<V> {
	private readonly entries = new Map<string, { value: V; weight: number }>();
	private weight = 0;

	constructor(
		private readonly maxEntries: number,
		private readonly maxWeight: number,
	) {}

	get size(): number {
		return this.entries.size;
	}

	/** The value under `key`, now the most recently used. */
	get(key: string): V | undefined {
		const entry = this.entries.get(key);
		if (entry === undefined) return undefined;
		this.entries.delete(key);
		this.entries.set(key, entry);
		return entry.value;
	}

	/** Keeps `value` unless it alone weighs more than `maxWeight / perEntryShare`; evicts the oldest to fit. */
	set(key: string, value: V, weight: number, perEntryShare = 4): void {
		this.delete(key);
		if (weight > this.maxWeight / perEntryShare) return;
		this.entries.set(key, { value, weight });
		this.weight += weight;
		for (const [oldKey] of this.entries) {
			if (this.entries.size <= this.maxEntries && this.weight <= this.maxWeight) break;
			this.delete(oldKey);
		}
	}

	delete(key: string): void {
		const entry = this.entries.get(key);
		if (entry === undefined) return;
		this.entries.delete(key);
		this.weight -= entry.weight;
	}

	clear(): void {
		this.entries.clear();
		this.weight = 0;
	}
}

/**
 * A cache key naming a whole flat request object (sorted fields), so a field added to the request later
 * is part of the key without anyone remembering to add it.
 */
export function requestKey(prefix: string, request: object): string {
	return `${prefix} ${JSON.stringify(request, Object.keys(request).sort())}`;
}
