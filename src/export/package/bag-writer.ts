// Writes a bag into one ZIP (fflate) streamed to R2: each file is deflated as it arrives and hashed, so a
// large record set never sits in memory whole. Design: /work/shared/LAWFUL_ACCESS.md#package
// ZIP: https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT via fflate's streaming Zip.

import { Zip, ZipDeflate } from "fflate";
import type { BagFile } from "./bagit";
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
		const entry = new ZipDeflate(path, { level: 6 });
		entry.mtime = this.mtime;
		this.zip.add(entry);
		const hasher = new FileHasher();
		for await (const chunk of chunks) {
			await hasher.write(chunk);
			entry.push(chunk);
			await this.flush();
		}
		entry.push(new Uint8Array(0), true);
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
