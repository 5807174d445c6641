// Wakes long-polling /sync requests of one UserDO. In memory only: a waiter that misses a wake-up because
// the object restarted simply re-reads the streams when its timeout ends, so nothing is lost.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv3sync (`timeout`)

export class Notifier {
	private waiters = new Set<() => void>();

	/** Call after any write that a /sync may want to see (pokes, to-device, account data, key changes...). */
	notify(): void {
		const woken = this.waiters;
		this.waiters = new Set();
		for (const wake of woken) wake();
	}

	/** Resolves true when notified, false when `timeoutMs` passes first. */
	wait(timeoutMs: number): Promise<boolean> {
		return new Promise((resolve) => {
			let timer: ReturnType<typeof setTimeout> | undefined;
			const wake = () => {
				if (timer !== undefined) clearTimeout(timer);
				resolve(true);
			};
			this.waiters.add(wake);
			timer = setTimeout(() => {
				this.waiters.delete(wake);
				resolve(false);
			}, Math.max(0, timeoutMs));
		});
	}

	get waiting(): number {
		return this.waiters.size;
	}
}
