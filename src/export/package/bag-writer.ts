// Writes a bag into one ZIP (fflate) streamed to R2: each file is deflated (natively, native-deflate.ts) as it
// arrives and hashed, so a large record set never sits in memory whole. Design: /work/shared/LAWFUL_ACCESS.md#package
// ZIP: https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT via fflate's streaming Zip.

import { Zip } from "fflate";
import type { BagFile } from "./bagit";
import { NativeZipDeflate } from "./native-deflate";
import { FileHasher, R2Sink } from "./r2-sink";

const encoder = new TextEncoder();

export class BagWriter {
	private failure: Error | null = null;
	private readonly zip: Zip;

	private constructor(
		private readonly sink: R2Sink,
		/** Entry times: the production time, so the archive says when it was made, not when it was zipped. */
		private readonly mtime: number,
	) {
		this.zip = new Zip((err, chunk) => {
			if (err) this.failure = err;
			else sink.push(chunk);
		});
	}

	static async open(bucket: R2Bucket, key: string, mtime: number): Promise<BagWriter> {
		return new BagWriter(await R2Sink.open(bucket, key, "application/zip"), mtime);
	}

	/** Adds one file from its chunks; returns its hash and length for the manifests. */
	async addFile(path: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<BagFile> {
		const entry = new NativeZipDeflate(path);
		entry.mtime = this.mtime;
		this.zip.add(entry);
		const hasher = new FileHasher();
		try {
			for await (const chunk of chunks) {
				await Promise.all([hasher.write(chunk), entry.write(chunk)]);
				await this.flush();
			}
			await entry.write(new Uint8Array(0), true);
			await entry.done;
		} catch (e) {
			// The compressor's failure also reaches the archive; stop here with the first error.
			entry.done.catch(() => undefined);
			throw e;
		}
		await this.flush();
		return { path, sha256: await hasher.hex(), bytes: hasher.bytes };
	}

	addText(path: string, text: string): Promise<BagFile> {
		return this.addFile(path, [encoder.encode(text)]);
	}

	/** Ends the archive and completes the R2 object. */
	async close(): Promise<{ sha256: string; bytes: number }> {
		this.zip.end();
		await this.flush();
		return this.sink.close();
	}

	async abort(): Promise<void> {
		await this.sink.abort();
	}

	private async flush(): Promise<void> {
		if (this.failure !== null) throw this.failure;
		await this.sink.drain();
	}
}
