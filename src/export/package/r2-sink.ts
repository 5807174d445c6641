// Streams bytes into one R2 object with bounded memory: a multipart upload whose parts all have the same size
// (R2 requires equal parts but the last, each at least 5 MiB), hashing everything written with SHA-256.
// Docs: https://developers.cloudflare.com/r2/api/workers/workers-multipart-usage/
// Design: /work/shared/LAWFUL_ACCESS.md#package ("one ZIP in R2 (EVIDENCE)"); issue 5 "bounded memory".

import { toHex } from "../audit/entry";

export const R2_PART_BYTES = 5 * 1024 * 1024;

export class R2Sink {
	private pending: Uint8Array[] = [];
	private pendingBytes = 0;
	private readonly parts: R2UploadedPart[] = [];
	private readonly digest = new crypto.DigestStream("SHA-256");
	private readonly digestWriter = this.digest.getWriter();
	private total = 0;

	private constructor(private readonly upload: R2MultipartUpload) {}

	static async open(bucket: R2Bucket, key: string, contentType: string): Promise<R2Sink> {
		return new R2Sink(await bucket.createMultipartUpload(key, { httpMetadata: { contentType } }));
	}

	/** Takes a chunk synchronously (fflate's callback); `drain` uploads what has piled up. */
	push(chunk: Uint8Array): void {
		if (chunk.length === 0) return;
		this.pending.push(chunk);
		this.pendingBytes += chunk.length;
	}

	/** Hashes queued chunks and uploads every full part. Call after each write into the ZIP. */
	async drain(): Promise<void> {
		while (this.pendingBytes >= R2_PART_BYTES) await this.uploadPart(this.take(R2_PART_BYTES));
	}

	/** Uploads the rest and completes the object; returns its SHA-256 and size. */
	async close(): Promise<{ sha256: string; bytes: number }> {
		await this.drain();
		if (this.pendingBytes > 0 || this.parts.length === 0) await this.uploadPart(this.take(this.pendingBytes));
		await this.upload.complete(this.parts);
		await this.digestWriter.close();
		return { sha256: toHex(new Uint8Array(await this.digest.digest)), bytes: this.total };
	}

	async abort(): Promise<void> {
		await this.upload.abort();
	}

	private take(n: number): Uint8Array {
		const out = new Uint8Array(n);
		let filled = 0;
		while (filled < n) {
			const head = this.pending[0];
			if (head === undefined) break;
			const used = Math.min(head.length, n - filled);
			out.set(head.subarray(0, used), filled);
			filled += used;
			if (used === head.length) this.pending.shift();
			else this.pending[0] = head.subarray(used);
		}
		this.pendingBytes -= filled;
		return out;
	}

	private async uploadPart(bytes: Uint8Array): Promise<void> {
		await this.digestWriter.write(bytes);
		this.total += bytes.length;
		this.parts.push(await this.upload.uploadPart(this.parts.length + 1, bytes));
	}
}

/** SHA-256 of a stream of chunks, for one bag file. */
export class FileHasher {
	private readonly digest = new crypto.DigestStream("SHA-256");
	private readonly writer = this.digest.getWriter();
	bytes = 0;

	async write(chunk: Uint8Array): Promise<void> {
		this.bytes += chunk.length;
		await this.writer.write(chunk);
	}

	async hex(): Promise<string> {
		await this.writer.close();
		return toHex(new Uint8Array(await this.digest.digest));
	}
}
