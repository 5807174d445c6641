// One room write at a time. The DO's input gate admits new calls while a write awaits (signing is
// WebCrypto, not storage), so without this two sends could read the same forward extremities and fork
// the DAG. See ARCHITECTURE.md "One writer per room" (Synapse's per-room persistence queue).

export class SerialQueue {
	private tail: Promise<unknown> = Promise.resolve();

	/** Runs `step` after every step queued before it has finished (succeeded or failed). */
	run<T>(step: () => Promise<T>): Promise<T> {
		const result = this.tail.then(step, step);
		// The chain continues whatever this step's outcome; the caller still sees its own rejection.
		this.tail = result.catch(() => undefined);
		return result;
	}
}
