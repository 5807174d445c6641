// Assembles the evidence package from the committed parts: payload files first (records streamed part by
// part, the order verbatim, the record schema, the readme), then the tag files whose hashes cover them, and
// delivery.jws signed by the provider key over tagmanifest-sha256.txt. Re-running it rebuilds the same bag.
// Design: /work/shared/LAWFUL_ACCESS.md#package

import { signWithProviderKey } from "../keys/sign";
import { BAGIT_TXT, type BagFile, bagInfoTxt, manifestTxt } from "../package/bagit";
import { BagWriter } from "../package/bag-writer";
import { deliveryJson, type ProducedCategory } from "../package/delivery";
import { recordsJsonSchema } from "../package/json-schema";
import { readmeTxt } from "../package/readme";
import { isRecordSetName, RECORD_SET_NAMES } from "../package/records-schema";
import { getConfig } from "../../platform/config";
import { listParts, type PartRow } from "./store";
import type { ProducedPackage, ProductionInput } from "./types";

export const DELIVERY_TYP = "lawful-delivery+jws";

export function packageKey(orderId: string): string {
	return `lawful/packages/${orderId}.zip`;
}

async function readPart(bucket: R2Bucket, part: PartRow): Promise<Uint8Array> {
	const object = await bucket.get(part.r2_key);
	if (object === null) throw new Error(`part ${part.seq} is missing from R2`);
	return new Uint8Array(await object.arrayBuffer());
}

/** The parts' bytes in order, the next one read while the current one is deflated (two parts in memory at most). */
async function* partChunks(bucket: R2Bucket, parts: readonly PartRow[]): AsyncIterable<Uint8Array> {
	let next: Promise<Uint8Array> | null = null;
	for (let i = 0; i < parts.length; i++) {
		const current: Promise<Uint8Array> = next ?? readPart(bucket, parts[i]!);
		next = i + 1 < parts.length ? readPart(bucket, parts[i + 1]!) : null;
		// A read-ahead that is never awaited (the bag failed first) must not surface as an unhandled rejection.
		next?.catch(() => undefined);
		yield await current;
	}
}

/** Records per (task, set) from the part rows, with a zero for every planned set that yielded none. */
function producedCategories(input: ProductionInput, parts: readonly PartRow[]): ProducedCategory[] {
	const counts = new Map<string, ProducedCategory>();
	for (const unit of input.plan.units) counts.set(`${unit.ldid}\u0000${unit.set}`, { ldid: unit.ldid, recordSet: unit.set, records: 0 });
	for (const part of parts) {
		const entry = counts.get(`${part.ldid}\u0000${part.record_set}`);
		if (entry !== undefined) entry.records += part.records;
	}
	return [...counts.values()];
}

export async function assemblePackage(env: Env, input: ProductionInput, producedAt: number, objectId: string): Promise<ProducedPackage> {
	const config = getConfig(env);
	const parts = await listParts(env.DB, input.orderId);
	const produced = producedCategories(input, parts);
	const key = packageKey(input.orderId);
	const bag = await BagWriter.open(env.EVIDENCE, key, producedAt);
	try {
		const payload: BagFile[] = [];
		for (const set of RECORD_SET_NAMES) {
			const mine = parts.filter((p) => isRecordSetName(p.record_set) && p.record_set === set);
			if (mine.length > 0) payload.push(await bag.addFile(`data/records/${set}.ndjson`, partChunks(env.EVIDENCE, mine)));
		}
		payload.push(await bag.addText("data/order.jws", input.orderJws));
		payload.push(await bag.addText("data/schema/records.schema.json", `${JSON.stringify(recordsJsonSchema(), null, 2)}\n`));
		const readme = readmeTxt({
			provider: config.serverName,
			orderId: input.orderId,
			caseReference: input.caseReference,
			legalBasis: input.legalBasis,
			producedAt,
			requested: input.requested,
			produced,
			unavailable: input.plan.unavailable,
		});
		payload.push(await bag.addText("data/readme.txt", readme));
		const ldids = input.requested.map((t) => t.ldid);
		const tags: BagFile[] = [];
		tags.push(await bag.addText("bagit.txt", BAGIT_TXT));
		const info = { sourceOrganization: config.serverName, orderId: input.orderId, ldids, caseReference: input.caseReference, producedAt, payload };
		tags.push(await bag.addText("bag-info.txt", bagInfoTxt(info)));
		tags.push(await bag.addText("manifest-sha256.txt", manifestTxt(payload)));
		const delivery = deliveryJson({
			objectIdentifier: objectId,
			orderId: input.orderId,
			provider: config.serverName,
			caseReference: input.caseReference,
			ldids,
			orderSha256: input.orderSha256,
			producedAt,
			produced,
			unavailable: input.plan.unavailable,
		});
		tags.push(await bag.addText("delivery.json", delivery));
		const tagManifest = manifestTxt(tags);
		await bag.addText("tagmanifest-sha256.txt", tagManifest);
		const { jws } = await signWithProviderKey(env, tagManifest, { typ: DELIVERY_TYP, detached: true, now: producedAt });
		await bag.addText("delivery.jws", jws);
		const written = await bag.close();
		return { key, sha256: written.sha256, bytes: written.bytes };
	} catch (e) {
		await bag.abort();
		throw e;
	}
}
